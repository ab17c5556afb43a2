r"""EEG: the four-sphere head model (Naess et al. 2017, corrected version).

The head is four concentric spheres centred at the origin: brain
(:math:`r < r_1`), CSF (:math:`r_1 < r < r_2`), skull (:math:`r_2 < r < r_3`)
and scalp (:math:`r_3 < r < r_4`), with conductivities
:math:`\sigma_1 \ldots \sigma_4`, and air (no current) outside. A current
dipole :math:`\mathbf p` sits in the brain at :math:`\mathbf r_p`,
:math:`|\mathbf r_p| = r_z < r_1`.

**Series.** For a unit point current at :math:`\mathbf r_p` the potential is
expanded in Legendre polynomials of :math:`\cos\gamma = \hat{\mathbf r} \cdot
\hat{\mathbf r}_p`,

.. math::

    G(\mathbf r) = \frac{1}{4 \pi \sigma_1} \sum_{n \ge 0}
        r_z^n \, h_n(r) \, P_n(\cos\gamma),

where in every shell :math:`h_n(r) = a_{n,k} r^n + b_{n,k} r^{-(n+1)}`, and in
the brain :math:`h_n(r) = r^{-(n+1)} + A_n r^n` for :math:`r > r_z` (the first
term is the expansion of :math:`1/|\mathbf r - \mathbf r_p|`). The constants
follow from continuity of :math:`\phi` and of :math:`\sigma \, \partial_r \phi`
at :math:`r_1, r_2, r_3` and from :math:`\partial_r \phi = 0` at :math:`r_4`.
The dipole potential is :math:`\phi = \mathbf p \cdot \nabla_{\mathbf r_p} G`:

.. math::

    \phi(\mathbf r) = \frac{1}{4 \pi \sigma_1} \sum_{n \ge 1} \Gamma_n(r)
        \left[ n P_n(x) \, \mathbf p \cdot \hat{\mathbf r}_p
               + P_n'(x) \, \mathbf p \cdot (\hat{\mathbf r} - x \hat{\mathbf r}_p) \right],
    \qquad \Gamma_n = r_z^{\,n-1} h_n(r), \quad x = \cos\gamma .

This coordinate-free form is the radial/tangential split of Naess et al.
(2017): the first bracket term is their radial series, and the second equals
:math:`-|\mathbf p_t| \sin(\varphi) P_n^1(x)` with the Condon-Shortley
:math:`P_n^1` and the azimuth :math:`\varphi` used there.

**Evaluation.** The boundary conditions are solved per degree ``n`` by
propagating the logarithmic derivative :math:`L = r h_n' / h_n` inwards from
:math:`L = 0` at the scalp surface; across a shell
:math:`\rho = r_{k-1}/r_k`, :math:`q = \rho^{2n+1}`,

.. math::

    L_{in} = \frac{n q (n + 1 + L) - (n + 1)(n - L)}{q (n + 1 + L) + n - L},

and across an interface :math:`L \to (\sigma_{out}/\sigma_{in}) L`. The brain
reflection is :math:`A_n r_1^{2n+1} = (n + 1 + L_1)/(n - L_1)`. Amplitudes are
then carried outwards by continuity. All quantities are bounded ratios (no
:math:`r^n` is ever formed), so many terms can be summed in float64 or
float32 without overflow. For electrodes in the brain the source term is
summed in closed form (the infinite-medium dipole potential with
:math:`\sigma_1`), and only the reflected series :math:`\propto (r_z r /
r_1^2)^n` is summed; brain electrodes may therefore lie anywhere in the
brain, also closer to the centre than the dipole.

The series is truncated after ``n_terms`` degrees. Terms decay like
:math:`(r_z / r)^n` outside the brain and :math:`(r_z r / r_1^2)^n` inside it,
so the slowest case is a contact at the brain surface right above a shallow
dipole. With the default radii and 2000 terms its relative error is about
1e-2 for a dipole 0.3 mm below the brain surface, 1e-4 at 0.5 mm and 1e-9 at
1 mm, while at the CSF/skull boundary and beyond it is below 1e-12 in all
these cases (scalp electrodes converge within a few hundred terms). The error
falls roughly like :math:`\exp(-n \, \delta / r_1)` for a dipole
:math:`\delta` below the brain surface; raise ``n_terms`` for shallower
sources seen from brain-surface contacts.

The series runs in a compiled ``lax.scan``: the first call for a given
number of electrodes, dtype and ``n_terms`` compiles it (about a second);
later calls take milliseconds.

References
----------
- Naess S, Chintaluri C, Ness TV, Dale AM, Einevoll GT, Wojcik DK (2017)
  Corrected four-sphere head model for EEG signals. Front Hum Neurosci
  11:490.
- Nunez PL, Srinivasan R (2006) Electric Fields of the Brain, 2nd ed. Oxford
  University Press (ch. 6, the original four-sphere model).
- Hagen E, Naess S, Ness TV, Einevoll GT (2018) Multimodal modeling of neural
  network activity: computing LFP, ECoG, EEG and MEG signals with LFPy 2.0.
  Front Neuroinform 12:92.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxfne._errors import check_positive, check_shape, describe, is_concrete
from jaxfne._typing import Array, ArrayLike, Float, Real
from jaxfne.fields._potentials import (
    _as_float,
    _check_apart,
    _check_moment,
    _check_point,
    _check_points,
    _safe_norm,
)

__all__ = [
    "DEFAULT_RADII_UM",
    "DEFAULT_SIGMAS_S_PER_M",
    "four_sphere_potential",
    "four_sphere_transfer_matrix",
]

DEFAULT_RADII_UM: tuple[float, float, float, float] = (79000.0, 80000.0, 85000.0, 90000.0)
"""Outer radii of brain, CSF, skull and scalp (um); Naess et al. (2017)."""

DEFAULT_SIGMAS_S_PER_M: tuple[float, float, float, float] = (0.3, 1.5, 0.015, 0.3)
"""Conductivities of brain, CSF, skull and scalp (S/m); Naess et al. (2017)."""

DEFAULT_N_TERMS = 2000
"""Legendre degrees summed by default."""

_SCALP_TOLERANCE = 1e-9  # relative round-off allowed beyond the scalp radius (float64)
_FOUR_PI = 4.0 * math.pi

_ShellValues = Real[ArrayLike, " _shells"] | Sequence[float]


def _check_head(radii: Any, sigmas: Any) -> None:
    check_shape("radii_um", radii, (4,))
    check_shape("sigmas_S_per_m", sigmas, (4,))
    if is_concrete(radii):
        arr = np.asarray(radii, dtype=float)
        if not (np.all(np.isfinite(arr)) and arr[0] > 0 and np.all(np.diff(arr) > 0)):
            raise ValueError(
                "`radii_um` must be positive, finite and strictly increasing "
                f"(brain < CSF < skull < scalp); got {describe(arr)}."
            )
    check_positive("sigmas_S_per_m", sigmas)


def _check_inside(electrodes: Any, dipole: Any, radii: Any) -> None:
    if not is_concrete(electrodes, dipole, radii):
        return
    r = np.asarray(radii, dtype=float)
    rz = float(np.linalg.norm(np.asarray(dipole, dtype=float)))
    if not rz < r[0]:
        raise ValueError(
            "`dipole_um` must lie inside the brain sphere, |r| < radii_um[0] = "
            f"{r[0]!r} um; got {describe(np.asarray(dipole))} with |r| = {rz!r} um."
        )
    dist = np.linalg.norm(np.asarray(electrodes, dtype=float), axis=1)
    dtype = np.result_type(np.asarray(electrodes), np.asarray(radii))
    eps = float(np.finfo(dtype).eps) if np.issubdtype(dtype, np.floating) else 0.0
    tolerance = max(_SCALP_TOLERANCE, 16.0 * eps)
    bad = np.flatnonzero(dist > r[3] * (1.0 + tolerance))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            "`electrodes_um` must lie inside the head, |r| <= radii_um[3] = "
            f"{r[3]!r} um (the scalp surface); electrode {i} is "
            f"{describe(np.asarray(electrodes)[i])} with |r| = {float(dist[i])!r} um."
        )


def _check_n_terms(n_terms: Any) -> None:
    if isinstance(n_terms, bool) or not isinstance(n_terms, int) or n_terms < 1:
        raise ValueError(f"`n_terms` must be a positive integer; got {n_terms!r}.")


def _degree_coefficients(
    n: Float[Array, ""],
    rho_n: Float[Array, " 3"],
    rho: Float[Array, " 3"],
    sigmas: Float[Array, " 4"],
    gamma_1: Float[Array, ""],
) -> tuple[Float[Array, ""], Float[Array, " 4"], Float[Array, " 4"]]:
    """Constants of degree ``n``: brain reflection and the shell amplitudes.

    ``rho`` holds ``r_{k-1}/r_k`` for CSF, skull and scalp and ``rho_n`` its
    ``n``-th power; ``gamma_1`` is ``(r_z/r_1)^(n-1) / r_1^2``. Returns
    ``reflect`` (``A_n r_1^(2n+1)``) and, for shells 1..3 (CSF, skull, scalp;
    entry 0 is unused), ``alpha`` and ``scale`` such that in shell ``k``
    ``Gamma_n(r) = scale * (alpha * (r/r_k)^n + (r_{k-1}/r)^(n+1))``.
    """
    rho_n1 = rho_n * rho
    # Inwards: logarithmic derivative L = r h'/h, zero at the scalp surface.
    log_deriv = jnp.zeros_like(n)
    alphas = [log_deriv, log_deriv, log_deriv]
    for k in (2, 1, 0):
        alpha = (n + 1.0 + log_deriv) * rho_n1[k] / (n - log_deriv)
        x = alpha * rho_n[k]
        inner = (n * x - (n + 1.0)) / (x + 1.0)
        log_deriv = sigmas[k + 1] / sigmas[k] * inner
        alphas[k] = alpha
    reflect = (n + 1.0 + log_deriv) / (n - log_deriv)

    # Outwards: Gamma_n at r_1, then continuity of the potential at r_1..r_3.
    gamma = gamma_1 * (1.0 + reflect)
    scales = []
    for k in range(3):
        scale = gamma / (alphas[k] * rho_n[k] + 1.0)
        gamma = scale * (alphas[k] + rho_n1[k])
        scales.append(scale)
    zero = jnp.zeros_like(n)
    return reflect, jnp.stack([zero, *alphas]), jnp.stack([zero, *scales])


@functools.partial(jax.jit, static_argnames="n_terms")
def _transfer_matrix(
    e: Float[Array, "electrodes 3"],
    rp: Float[Array, " 3"],
    radii: Float[Array, " 4"],
    sigmas: Float[Array, " 4"],
    n_terms: int,
) -> Float[Array, "electrodes 3"]:
    """The series of the module docstring, on checked arrays of one dtype."""
    r1 = radii[0]

    r = _safe_norm(e, 1e-9)
    rz = _safe_norm(rp, 1e-9)
    r_hat = e / r[:, None]
    rp_hat = rp / rz
    x = r_hat @ rp_hat

    # Shell of each electrode: 0 brain, 1 CSF, 2 skull, 3 scalp.
    shell = jnp.sum(r[:, None] > radii[None, :3], axis=1)
    in_brain = shell == 0
    inner = jnp.concatenate([radii[:1], radii[:3]])[shell]
    outer = radii[shell]
    r_shell = jnp.clip(r, inner, outer)  # brain rows: r_1, unused
    a = r_shell / outer
    b = inner / r_shell
    r_brain = jnp.minimum(r, r1)
    w = rz * r_brain / r1**2

    rho = radii[:-1] / radii[1:]  # inner/outer radius of CSF, skull, scalp
    t = rz / r1

    def step(carry: tuple[Array, ...], nn: Array) -> tuple[tuple[Array, ...], None]:
        p_prev, p, dp_prev, dp, w_pow, a_pow, b_pow, rho_n, t_pow, s_rad, s_tan = carry
        refl, alpha, scale = _degree_coefficients(nn, rho_n, rho, sigmas, t_pow / r1**2)
        g_brain = refl * w_pow * r_brain / r1**3
        g_shell = scale[shell] * (alpha[shell] * a_pow + b_pow)
        g = jnp.where(in_brain, g_brain, g_shell)
        s_rad = s_rad + g * (nn * p - x * dp)
        s_tan = s_tan + g * dp
        p_next = ((2.0 * nn + 1.0) * x * p - nn * p_prev) / (nn + 1.0)
        dp_next = dp_prev + (2.0 * nn + 1.0) * p
        carry = (p, p_next, dp, dp_next, w_pow * w, a_pow * a, b_pow * b)
        return (*carry, rho_n * rho, t_pow * t, s_rad, s_tan), None

    ones = jnp.ones_like(x)
    zeros = jnp.zeros_like(x)
    legendre = (ones, x, zeros, ones)  # P_0, P_1, P_0', P_1'
    powers = (ones, a, b * b, rho, jnp.ones_like(t))  # at n = 1
    init: tuple[Array, ...] = (*legendre, *powers, zeros, zeros)
    n = jnp.arange(1, n_terms + 1, dtype=e.dtype)
    carry, _ = jax.lax.scan(step, init, n)
    s_rad, s_tan = carry[-2], carry[-1]
    series = s_rad[:, None] * rp_hat[None, :] + s_tan[:, None] * r_hat

    # Source term in the brain, summed in closed form.
    d = e - rp
    dist = _safe_norm(d, 1e-9)
    direct = jnp.where(in_brain[:, None], d / dist[:, None] ** 3, 0.0)
    return (series + direct) / (_FOUR_PI * sigmas[0])


def four_sphere_transfer_matrix(
    electrodes_um: Real[ArrayLike, "electrodes _xyz"],
    dipole_um: Real[ArrayLike, " _xyz"],
    radii_um: _ShellValues = DEFAULT_RADII_UM,
    sigmas_S_per_m: _ShellValues = DEFAULT_SIGMAS_S_PER_M,
    *,
    n_terms: int = DEFAULT_N_TERMS,
) -> Float[Array, "electrodes 3"]:
    r"""Four-sphere transfer matrix, mV per nA*um: ``potential = moment @ M.T``.

    Row ``e`` is the gradient of the potential at electrode ``e`` with
    respect to the dipole moment (see the module docstring for the series).
    Arguments as in :func:`four_sphere_potential`; build it once per dipole
    position and reuse it for every time step.
    """
    _check_points("electrodes_um", electrodes_um, "electrodes")
    _check_point("dipole_um", dipole_um)
    _check_head(radii_um, sigmas_S_per_m)
    _check_n_terms(n_terms)
    _check_inside(electrodes_um, dipole_um, radii_um)
    _check_apart("electrodes_um", electrodes_um, dipole_um, "dipole_um")

    e = _as_float(electrodes_um)
    rp = _as_float(dipole_um)
    radii = _as_float(radii_um)
    sigmas = _as_float(sigmas_S_per_m)
    dtype = jnp.result_type(e, rp, radii, sigmas)
    return _transfer_matrix(
        e.astype(dtype), rp.astype(dtype), radii.astype(dtype), sigmas.astype(dtype), n_terms
    )


def four_sphere_potential(
    electrodes_um: Real[ArrayLike, "electrodes _xyz"],
    dipole_um: Real[ArrayLike, " _xyz"],
    moment_nAum: Real[ArrayLike, "time _xyz"],
    radii_um: _ShellValues = DEFAULT_RADII_UM,
    sigmas_S_per_m: _ShellValues = DEFAULT_SIGMAS_S_PER_M,
    *,
    n_terms: int = DEFAULT_N_TERMS,
) -> Float[Array, "time electrodes"]:
    r"""EEG potential of a current dipole in the four-sphere head model (mV).

    The exact solution for a dipole in four concentric conducting spheres
    (brain, CSF, skull, scalp) surrounded by air, written as a Legendre series
    in the angle between electrode and dipole position (the corrected model of
    Naess et al. 2017; equations in the module docstring). The head centre is
    the origin of the coordinates. Potentials are relative to infinity (not
    average-referenced). With all four conductivities equal it reduces to the
    homogeneous sphere in air (Frank 1952; Brody et al. 1973).

    Parameters
    ----------
    electrodes_um : ``[electrodes, 3]``, um
        Electrode positions, head centre at the origin. Any shell is allowed
        (brain, CSF, skull or scalp): ``|r| <= radii_um[3]``, up to a relative
        round-off of 1e-9 (16 machine epsilons in float32). Scalp-surface
        electrodes sit at ``|r| = radii_um[3]``.
    dipole_um : ``[3]``, um
        Dipole position, strictly inside the brain: ``|r| < radii_um[0]``.
    moment_nAum : ``[time, 3]``, nA*um
        Dipole moment at each step.
    radii_um : ``[4]``, um
        Outer radii of brain, CSF, skull and scalp; positive and strictly
        increasing. Default (79000, 80000, 85000, 90000).
    sigmas_S_per_m : ``[4]``, S/m
        Conductivities of brain, CSF, skull and scalp; positive. Default
        (0.3, 1.5, 0.015, 0.3) (brain:skull 20).
    n_terms : int
        Number of Legendre degrees summed (static). Default 2000; see the
        module docstring for the error as a function of dipole depth.

    Returns
    -------
    ``[time, electrodes]``, mV
        Potential at each electrode and step.

    Raises
    ------
    ValueError
        On concrete values: an array with the wrong shape, the dipole not
        strictly inside the brain sphere, an electrode beyond the scalp
        radius or on the dipole, radii not strictly increasing, a
        conductivity not positive, or ``n_terms`` not a positive integer.

    Notes
    -----
    Differentiable with respect to electrode and dipole positions, the
    moment, the radii and the conductivities; the value checks are skipped
    on traced values, so it can be used under ``jit`` and ``grad``.

    References
    ----------
    Naess et al. (2017); Nunez & Srinivasan (2006), ch. 6; Hagen et al.
    (2018); Frank E (1952) J Appl Phys 23:1225; Brody DA, Terry FH, Ideker RE
    (1973) IEEE TBME 20:141.
    """
    _check_moment("moment_nAum", moment_nAum)
    m = four_sphere_transfer_matrix(
        electrodes_um, dipole_um, radii_um, sigmas_S_per_m, n_terms=n_terms
    )
    return _as_float(moment_nAum) @ m.T
