r"""Current source density (CSD) from laminar potentials, and its disc forward models.

A laminar probe records the potential ``phi`` at contacts along the axis of a
cortical column. The column is modelled as a stack of laterally uniform discs
of radius ``R`` in an infinite homogeneous conductor of conductivity
``sigma`` (Pettersen et al. 2006). A thin disc at depth ``z'`` carrying the
current per unit area ``K`` gives on the axis at depth ``z``

.. math::

    \phi(z) = \frac{K}{2\sigma}\left(\sqrt{(z - z')^2 + R^2} - |z - z'|\right),

and a volume CSD ``C(z')`` laterally uniform within ``R`` gives
``phi(z) = 1/(2 sigma) * integral C(z') (sqrt((z - z')^2 + R^2) - |z - z'|) dz'``.

Forward models (``phi = F @ C``):

- :func:`disc_forward_matrix`: uniform discs of finite thickness ``h`` (the
  depth integral in closed form; the step-iCSD model).
- :func:`thin_disc_forward_matrix`: infinitely thin discs carrying ``C h`` per
  unit area (the delta-iCSD model).

Estimators (``C = F^-1 @ phi`` or a second difference):

- :func:`standard_csd`: ``C = -sigma d2phi/dz2`` by the three-point second
  difference, optionally with Vaknin et al. (1988) end contacts.
- :func:`delta_icsd`, :func:`step_icsd`: exact inverses of the thin- and
  thick-disc forward models at the contacts.
- :func:`spline_icsd`: inverse of the forward model of a cubic-spline CSD
  profile through the contact values, evaluated on a finer depth grid
  (Elephant's conventions, including its unit-dependent spline end rows).
- :func:`smooth_csd`: the spatial Gaussian filter Elephant applies by default;
  all estimators here return raw (unfiltered) values.

Units and signs
---------------
Depths in um (positive downward, increasing with contact index), radius and
thickness in um, conductivity in S/m, potentials in mV, CSD in uA/mm^3.
``1 uA/mm^3 = 1e-6 nA/um^3 = 1e3 A/m^3``. With um, S/m and mV the Poisson
equation gives ``-sigma d2phi/dz2`` in nA/um^3 without any factor, so CSD in
uA/mm^3 is ``1e6`` times that. Forward matrices are in mV per (uA/mm^3);
inverse matrices in (uA/mm^3) per mV. A CSD > 0 is a current source (net
outward transmembrane current), < 0 a sink.

Relation to Elephant (``elephant.current_source_density``, version 1.2.1):
Elephant's ``StandardCSD`` and ``DeltaiCSD`` return A/m^2, the volume CSD
multiplied by the contact spacing; ``StepiCSD`` and ``SplineiCSD`` return A/m^3. Every function
here returns the volume CSD, so ``C[uA/mm^3] = 1e-3 * C[A/m^3] =
1e-3 * C_elephant[A/m^2] / h[m]`` for the first two methods. Conductivity is
the same above the cortex as below (Elephant's ``sigma_top == sigma``).

References
----------
- Pettersen KH, Devor A, Ulbert I, Dale AM, Einevoll GT (2006) Current-source
  density estimation based on inversion of electrostatic forward solution:
  effects of finite extent of neuronal activity and conductivity
  discontinuities. J Neurosci Methods 154:116-133.
- Vaknin G, DiScenna PG, Teyler TJ (1988) A method for calculating current
  source density (CSD) analysis without resorting to recording sites outside
  the sampling volume. J Neurosci Methods 24:131-135.
- Nicholson C, Freeman JA (1975) Theory of current source-density analysis and
  determination of conductivity tensor for anuran cerebellum.
  J Neurophysiol 38:356-368.
"""

from __future__ import annotations

import functools
from typing import TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from jaxfne._errors import check_finite, check_positive, check_shape, describe, is_concrete
from jaxfne._typing import Array, ArrayLike, Float, Real, ScalarLike

__all__ = [
    "delta_icsd",
    "delta_icsd_forward_matrix",
    "delta_icsd_matrix",
    "disc_forward_matrix",
    "smooth_csd",
    "spline_icsd",
    "spline_icsd_forward_matrix",
    "spline_icsd_matrix",
    "standard_csd",
    "standard_csd_matrix",
    "step_icsd",
    "step_icsd_forward_matrix",
    "step_icsd_matrix",
    "thin_disc_forward_matrix",
]

# CSD in uA/mm^3 per nA/um^3: 1 nA/um^3 = 1e-3 uA / 1e-9 mm^3 = 1e6 uA/mm^3.
_UA_PER_MM3_PER_NA_PER_UM3 = 1e6
# Relative tolerance on contact spacings that must be uniform.
_SPACING_RTOL = 1e-6
_MIN_CONTACTS = 3


def _as_float(x: ArrayLike) -> Array:
    arr = jnp.asarray(x)
    if not jnp.issubdtype(arr.dtype, jnp.inexact):
        arr = arr.astype(float)
    return arr


def _check_depths(
    name: str, depths: ArrayLike, *, min_contacts: int, increasing: bool, uniform: bool
) -> None:
    """Check a 1-D depth array: size, finiteness, ordering and spacing."""
    n = int(np.shape(depths)[0])
    if n < min_contacts:
        raise ValueError(
            f"`{name}` must hold at least {min_contacts} contacts; got {n} "
            f"({describe(depths)})."
        )
    check_finite(name, depths)
    if not is_concrete(depths) or n < 2:
        return
    z = np.asarray(depths, dtype=float)
    steps = np.diff(z)
    if increasing and not np.all(steps > 0):
        raise ValueError(
            f"`{name}` must be strictly increasing (depth below the surface, "
            f"positive downward); got {describe(depths)}."
        )
    if uniform:
        mean_step = (z[-1] - z[0]) / (n - 1)
        if not np.allclose(steps, mean_step, rtol=_SPACING_RTOL, atol=0.0):
            raise ValueError(
                f"`{name}` must be evenly spaced; got spacings from {steps.min()!r} to "
                f"{steps.max()!r} um."
            )


def _uniform_spacing(depths: Array) -> Array:
    """Contact spacing of evenly spaced depths (differentiable in the depths)."""
    return (depths[-1] - depths[0]) / (depths.shape[0] - 1)


def _thin_disc_kernel(u: Array, radius: Array) -> Array:
    """``sqrt(u^2 + R^2) - |u|`` written without cancellation (um)."""
    return radius**2 / (jnp.sqrt(u**2 + radius**2) + jnp.abs(u))


def _slab_antiderivative(u: Array, radius: Array) -> Array:
    r"""Antiderivative in ``u`` of the thin-disc kernel (um^2).

    ``G(u) = (u sqrt(u^2 + R^2) + R^2 asinh(u/R))/2 - u|u|/2``; the first and
    last terms are combined as ``u R^2 / (sqrt(u^2 + R^2) + |u|)`` so that no
    large numbers cancel far from the disc.
    """
    shifted = u / (jnp.sqrt(u**2 + radius**2) + jnp.abs(u))
    return 0.5 * radius**2 * (shifted + jnp.arcsinh(u / radius))


def _thick_disc_potential(u: Array, h: Array, radius: Array) -> Array:
    """Depth integral of the thin-disc kernel over a slab of thickness ``h`` (um^2)."""
    return _slab_antiderivative(u + h / 2, radius) - _slab_antiderivative(u - h / 2, radius)


def _thin_disc_potential(u: Array, h: Array, radius: Array) -> Array:
    """The thin-disc kernel times the slab thickness ``h`` (um^2)."""
    return h * _thin_disc_kernel(u, radius)


@functools.partial(jax.jit, static_argnames="thick")
def _disc_matrix(
    zc: Array, zs: Array, h: ScalarLike, radius: ScalarLike, sigma: ScalarLike, thick: bool
) -> Array:
    """Forward matrix of thick (step) or thin (delta) discs, mV per (uA/mm^3)."""
    h, radius, sigma = jnp.asarray(h), jnp.asarray(radius), jnp.asarray(sigma)
    u = zc[:, None] - zs[None, :]
    potential = _thick_disc_potential if thick else _thin_disc_potential
    return potential(u, h, radius) / (2 * sigma) / _UA_PER_MM3_PER_NA_PER_UM3


@functools.partial(jax.jit, static_argnames="thick")
def _icsd_forward(z: Array, diameter: ScalarLike, sigma: ScalarLike, thick: bool) -> Array:
    return _disc_matrix(z, z, _uniform_spacing(z), diameter / 2, sigma, thick=thick)


@functools.partial(jax.jit, static_argnames="thick")
def _icsd_inverse(z: Array, diameter: ScalarLike, sigma: ScalarLike, thick: bool) -> Array:
    return jnp.linalg.inv(_icsd_forward(z, diameter, sigma, thick))


@functools.partial(jax.jit, static_argnames="thick")
def _icsd_solve(
    lfp: Array, z: Array, diameter: ScalarLike, sigma: ScalarLike, thick: bool
) -> Array:
    return jnp.linalg.solve(_icsd_forward(z, diameter, sigma, thick), lfp.T).T


def _checked_disc_matrix(
    contact_depths_um: ArrayLike,
    source_depths_um: ArrayLike,
    thickness_um: ScalarLike,
    radius_um: ScalarLike,
    sigma_S_per_m: ScalarLike,
    *,
    thick: bool,
) -> Array:
    """Check the arguments of the public disc forward models and build the matrix."""
    check_finite("contact_depths_um", contact_depths_um)
    check_finite("source_depths_um", source_depths_um)
    check_positive("thickness_um", thickness_um)
    check_positive("radius_um", radius_um)
    check_positive("sigma_S_per_m", sigma_S_per_m)
    return _disc_matrix(
        _as_float(contact_depths_um), _as_float(source_depths_um), thickness_um, radius_um,
        sigma_S_per_m, thick=thick,
    )


def disc_forward_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    source_depths_um: Real[ArrayLike, " sources"],
    thickness_um: ScalarLike,
    radius_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts sources"]:
    r"""On-axis potential of uniform thick discs (step-iCSD forward model).

    Source ``i`` is a cylinder of radius ``R``, thickness ``h``, centred on the
    column axis at depth ``z_i``, holding a uniform volume CSD ``C_i``; the
    medium is infinite and homogeneous. Integrating the thin-disc potential
    over the cylinder's depth gives, at contact depth ``z_j``,

    .. math::

        F_{ji} = \frac{G(z_j - z_i + h/2) - G(z_j - z_i - h/2)}{2\sigma},\qquad
        G(u) = \tfrac12\left(u\sqrt{u^2 + R^2} + R^2\,\mathrm{asinh}(u/R)\right)
               - \tfrac12 u|u|,

    ``G`` being the antiderivative of ``sqrt(u^2 + R^2) - |u|`` (Pettersen et
    al. 2006, step-iCSD). The result is exact (no quadrature); it agrees with
    Elephant's numerically integrated ``StepiCSD`` matrix whenever no
    cylinder reaches above depth 0.

    Parameters
    ----------
    contact_depths_um : array, shape (contacts,), um
        Depths of the contacts on the column axis (any order).
    source_depths_um : array, shape (sources,), um
        Depths of the cylinder centres (any order).
    thickness_um : float, um
        Cylinder thickness ``h`` (> 0).
    radius_um : float, um
        Cylinder radius ``R`` (> 0).
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.

    Returns
    -------
    array, shape (contacts, sources), mV per (uA/mm^3)
        ``phi[mV] = F @ C[uA/mm^3]``.
    """
    return _checked_disc_matrix(
        contact_depths_um, source_depths_um, thickness_um, radius_um, sigma_S_per_m,
        thick=True,
    )


def thin_disc_forward_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    source_depths_um: Real[ArrayLike, " sources"],
    thickness_um: ScalarLike,
    radius_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts sources"]:
    r"""On-axis potential of infinitely thin discs (delta-iCSD forward model).

    Source ``i`` is a disc of radius ``R`` at depth ``z_i`` carrying the
    current per unit area ``C_i h`` (the CSD of a slab of thickness ``h``
    lumped into its centre plane):

    .. math::

        F_{ji} = \frac{h}{2\sigma}\left(\sqrt{(z_j - z_i)^2 + R^2} - |z_j - z_i|\right).

    This is the forward model inverted by delta-iCSD (Pettersen et al. 2006);
    it is the limit of :func:`disc_forward_matrix` for ``h << R, |z_j - z_i|``.
    Where a contact lies exactly on a disc the kernel has a kink; its
    derivative there is taken as zero.

    Parameters
    ----------
    contact_depths_um, sigma_S_per_m
        As in :func:`disc_forward_matrix`.
    source_depths_um : array, shape (sources,), um
        Depths of the discs (any order).
    thickness_um : float, um
        Thickness ``h`` of the slab each disc represents (> 0), usually the
        depth-bin size or the contact spacing.
    radius_um : float, um
        Disc radius ``R`` (> 0).

    Returns
    -------
    array, shape (contacts, sources), mV per (uA/mm^3)
        As in :func:`disc_forward_matrix`.
    """
    return _checked_disc_matrix(
        contact_depths_um, source_depths_um, thickness_um, radius_um, sigma_S_per_m,
        thick=False,
    )


def _check_icsd_args(
    contact_depths_um: ArrayLike, diameter_um: ScalarLike, sigma_S_per_m: ScalarLike
) -> None:
    _check_depths(
        "contact_depths_um", contact_depths_um, min_contacts=_MIN_CONTACTS, increasing=True,
        uniform=True,
    )
    check_positive("diameter_um", diameter_um)
    check_positive("sigma_S_per_m", sigma_S_per_m)


def _icsd_matrix(
    contact_depths_um: ArrayLike,
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike,
    *,
    thick: bool,
    inverse: bool,
) -> Array:
    """Checked delta- or step-iCSD forward matrix, or its inverse."""
    _check_icsd_args(contact_depths_um, diameter_um, sigma_S_per_m)
    build = _icsd_inverse if inverse else _icsd_forward
    return build(_as_float(contact_depths_um), diameter_um, sigma_S_per_m, thick=thick)


def _icsd_estimate(
    lfp_mV: ArrayLike,
    contact_depths_um: ArrayLike,
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike,
    *,
    thick: bool,
) -> Array:
    """Checked delta- or step-iCSD estimate from potentials at the contacts."""
    _check_icsd_args(contact_depths_um, diameter_um, sigma_S_per_m)
    _check_lfp(lfp_mV, int(np.shape(contact_depths_um)[0]))
    return _icsd_solve(
        _as_float(lfp_mV), _as_float(contact_depths_um), diameter_um, sigma_S_per_m, thick=thick
    )


def delta_icsd_forward_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts contacts"]:
    """Forward matrix of delta-iCSD: thin discs at the contacts, ``h`` = spacing.

    :func:`thin_disc_forward_matrix` with sources at the contacts, disc
    radius ``diameter_um / 2`` and ``h`` the contact spacing.

    Parameters
    ----------
    contact_depths_um : array, shape (contacts,), um
        Evenly spaced, strictly increasing contact depths (at least 3).
    diameter_um : float, um
        Disc diameter (> 0).
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.

    Returns
    -------
    array, shape (contacts, contacts), mV per (uA/mm^3)
    """
    return _icsd_matrix(contact_depths_um, diameter_um, sigma_S_per_m, thick=False, inverse=False)


def delta_icsd_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts contacts"]:
    """Inverse of :func:`delta_icsd_forward_matrix`: ``C = M @ phi``.

    Build once and apply as ``lfp_mV @ M.T`` inside a simulation.

    Parameters
    ----------
    contact_depths_um, diameter_um, sigma_S_per_m
        As in :func:`delta_icsd_forward_matrix`.

    Returns
    -------
    array, shape (contacts, contacts), (uA/mm^3) per mV
    """
    return _icsd_matrix(contact_depths_um, diameter_um, sigma_S_per_m, thick=False, inverse=True)


def step_icsd_forward_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts contacts"]:
    """Forward matrix of step-iCSD: thick discs centred on the contacts.

    :func:`disc_forward_matrix` with cylinders centred on the contacts,
    radius ``diameter_um / 2`` and thickness equal to the contact spacing, so
    that the cylinders tile the depth range ``[z_0 - h/2, z_last + h/2]``.
    Unlike Elephant's ``StepiCSD`` nothing is clipped at depth 0: a cylinder
    reaching above the surface is integrated as it is (Elephant replaces a
    negative lower limit by 1 length unit, so keep the first contact at least
    ``h/2`` deep when comparing).

    Parameters
    ----------
    contact_depths_um, sigma_S_per_m
        As in :func:`delta_icsd_forward_matrix`.
    diameter_um : float, um
        Cylinder diameter (> 0).

    Returns
    -------
    array, shape (contacts, contacts), mV per (uA/mm^3)
    """
    return _icsd_matrix(contact_depths_um, diameter_um, sigma_S_per_m, thick=True, inverse=False)


def step_icsd_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "contacts contacts"]:
    """Inverse of :func:`step_icsd_forward_matrix`: ``C = M @ phi``.

    Parameters
    ----------
    contact_depths_um, diameter_um, sigma_S_per_m
        As in :func:`step_icsd_forward_matrix`.

    Returns
    -------
    array, shape (contacts, contacts), (uA/mm^3) per mV
    """
    return _icsd_matrix(contact_depths_um, diameter_um, sigma_S_per_m, thick=True, inverse=True)


def _check_lfp(lfp_mV: ArrayLike, n_contacts: int) -> None:
    check_shape("lfp_mV", lfp_mV, (None, n_contacts))
    check_finite("lfp_mV", lfp_mV)


def delta_icsd(
    lfp_mV: Float[ArrayLike, "time _contacts"],
    contact_depths_um: Real[ArrayLike, " _contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "time contacts"]:
    r"""Delta-iCSD: invert the thin-disc forward model at the contacts.

    Solves ``phi_j = sum_i F_ji C_i`` with ``F`` from
    :func:`delta_icsd_forward_matrix` (discs of radius ``diameter/2`` at the
    contacts, each carrying ``C_i h`` per area, ``h`` the contact spacing;
    Pettersen et al. 2006). Exact for potentials generated by that model.

    Equals Elephant's ``estimate_csd(..., method='DeltaiCSD', diam,
    sigma, sigma_top=sigma, process_estimate=False)`` divided by ``h``
    (Elephant returns A/m^2) and converted from A/m^3 (times 1e-3).

    Parameters
    ----------
    lfp_mV : array, shape (time, contacts), mV
        Potentials at the contacts.
    contact_depths_um : array, shape (contacts,), um
        Evenly spaced, strictly increasing depths (at least 3 contacts).
    diameter_um : float, um
        Source disc diameter (> 0); Elephant's ``diam``.
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.

    Returns
    -------
    array, shape (time, contacts), uA/mm^3
        Volume CSD at the contact depths (source positive).
    """
    return _icsd_estimate(lfp_mV, contact_depths_um, diameter_um, sigma_S_per_m, thick=False)


def step_icsd(
    lfp_mV: Float[ArrayLike, "time _contacts"],
    contact_depths_um: Real[ArrayLike, " _contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
) -> Float[Array, "time contacts"]:
    r"""Step-iCSD: invert the thick-disc forward model at the contacts.

    The CSD is taken constant within cylinders of diameter ``diameter_um`` and
    thickness ``h`` (the contact spacing) centred on the contacts; ``F`` from
    :func:`step_icsd_forward_matrix` (exact depth integral), ``C = F^-1 phi``
    (Pettersen et al. 2006).

    Equals Elephant's ``estimate_csd(..., method='StepiCSD', diam, h=spacing,
    sigma, sigma_top=sigma, process_estimate=False)`` converted from A/m^3
    (times 1e-3), up to Elephant's quadrature error (its ``tol``), provided the
    first contact is at least ``h/2`` deep (see
    :func:`step_icsd_forward_matrix`).

    Parameters
    ----------
    lfp_mV, contact_depths_um, sigma_S_per_m
        As in :func:`delta_icsd`.
    diameter_um : float, um
        Source cylinder diameter (> 0); Elephant's ``diam``.

    Returns
    -------
    array, shape (time, contacts), uA/mm^3
        Volume CSD of each cylinder (source positive).
    """
    return _icsd_estimate(lfp_mV, contact_depths_um, diameter_um, sigma_S_per_m, thick=True)


# --------------------------------------------------------------------------
# Spline-iCSD

# Gauss-Legendre nodes per spline segment for the forward integrals. After the
# substitution |u| = R sinh(theta) the integrands are entire functions of theta,
# and 20 nodes reach round-off for R/h from 0.005 to above 100.
_SPLINE_GL_ORDER = 20
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(_SPLINE_GL_ORDER)
_DEFAULT_SPLINE_POINTS = 200
_TauT = TypeVar("_TauT", np.ndarray, Array)


def _hermite_basis(tau: _TauT) -> tuple[_TauT, _TauT, _TauT, _TauT]:
    """Cubic Hermite basis on ``[0, 1]``: left value, left slope, right value, right slope."""
    tau2 = tau * tau
    tau3 = tau2 * tau
    return (
        2 * tau3 - 3 * tau2 + 1,
        tau3 - 2 * tau2 + tau,
        3 * tau2 - 2 * tau3,
        tau3 - tau2,
    )


def _spline_moments(n: int, h: Array, radius: Array, sigma: Array) -> Array:
    r"""Potential of each Hermite basis function of each segment at each contact.

    Segment ``i`` (``0 .. n-1``) spans ``[z_0 + (i-1) h, z_0 + i h]``; contact
    ``j`` lies ``m = j - i + 1`` spacings below the segment's top, always on a
    knot, so the kink of the kernel is never inside a segment. Returns
    ``P[b, j, i] = 1/(2 sigma) int_0^h H_b(t/h) k(t - m h) dt`` in mV per
    (uA/mm^3), ``k(u) = sqrt(u^2 + R^2) - |u|``.

    The distance ``|u|`` from the contact runs over ``[a, a + h]``, ``a = l h``
    with ``l = -m`` (contact above the segment) or ``l = m - 1`` (below); the
    two cases differ by the reflection ``tau -> 1 - tau`` of the basis. With
    ``|u| = R sinh(theta)``, ``k d|u| = R^2 e^-theta cosh(theta) dtheta`` and
    ``theta = theta_a + d``, ``d`` in ``[0, D]``,
    ``D = asinh((a + h)/R) - asinh(a/R)``:

    .. math::

        |u| - a = 2 \sinh(d/2)\left(a \sinh(d/2) + \sqrt{a^2 + R^2}\cosh(d/2)\right),
        \qquad e^{-\theta_a} = \frac{R}{a + \sqrt{a^2 + R^2}},

    sums of positive terms (no cancellation); ``D`` is a ``log1p`` for the
    same reason. The integrand is entire in ``d``; Gauss-Legendre nodes.
    """
    lo = jnp.arange(n, dtype=h.dtype)[:, None] * h
    s_lo = jnp.sqrt(lo**2 + radius**2)
    s_hi = jnp.sqrt((lo + h) ** 2 + radius**2)
    width = jnp.log1p(h * (1 + (2 * lo + h) / (s_lo + s_hi)) / (lo + s_lo))
    grow = jnp.expm1(width * (1 + _GL_NODES) / 4)  # e^(d/2) - 1
    sinh_half = grow * (2 + grow) / (2 * (1 + grow))
    cosh_half = sinh_half + 1 / (1 + grow)
    beyond_lo = 2 * sinh_half * (lo * sinh_half + s_lo * cosh_half)
    exp_m2theta = (radius / (lo + s_lo)) ** 2 / (1 + grow) ** 4
    weight = width / 2 * _GL_WEIGHTS * radius**2 * (1 + exp_m2theta) / 2
    basis = jnp.stack(_hermite_basis(beyond_lo / h))
    near = jnp.sum(basis * weight, axis=-1) / (2 * sigma) / _UA_PER_MM3_PER_NA_PER_UM3
    # Contact below the segment: tau -> 1 - tau swaps the ends, slopes change sign.
    far = jnp.stack([near[2], -near[3], near[0], -near[1]])
    table = jnp.concatenate([near[:, n - 2 :: -1], far], axis=1)  # m = 2 - n .. n
    j, i = np.indices((n, n))
    return table[:, j - i + n - 1]


def _spline_slopes(n: int, h: Array, end_length: Array) -> Array:
    """Knot slopes (all ``n + 2`` knots) from the values at the ``n`` contacts.

    Interior rows: continuity of the second derivative. End rows: the natural
    condition written, as in Elephant, with the coordinate unit ``L`` in place
    of ``h`` in some terms (see :func:`spline_icsd`).
    """
    size = n + 2
    inv_h, inv_l = 1 / h, 1 / end_length
    main = jnp.concatenate([jnp.stack([2 * inv_l]), jnp.full(n, 4 * inv_h), jnp.stack([2 * inv_l])])
    upper = jnp.concatenate([jnp.stack([inv_l]), jnp.full(n, inv_h)])
    lower = jnp.full(n + 1, inv_h)
    lhs = jnp.diag(main) + jnp.diag(upper, 1) + jnp.diag(lower, -1)
    difference = np.eye(size, k=1) - np.eye(size, k=-1)
    difference[0, 0], difference[-1, -1] = -1.0, 1.0
    row_scale = jnp.concatenate([jnp.stack([3 * inv_l**2]), jnp.full(size - 1, 3 * inv_h**2)])
    # The outer knots hold zero: keep only the columns of the n contacts.
    rhs = row_scale[:, None] * jnp.asarray(difference[:, 1:-1], dtype=h.dtype)
    return jnp.linalg.solve(lhs, rhs)


def _spline_knots(
    z: Array, length_unit: ScalarLike, natural: bool
) -> tuple[int, Array, Array, np.ndarray]:
    """Contact count, spacing, knot slopes and knot values from the contact values.

    The slopes and values are ``(n + 2, n)`` linear maps of the ``n`` contact
    values (the outer knots hold zero).
    """
    n = z.shape[0]
    h = _uniform_spacing(z)
    end_length = h if natural else jnp.asarray(length_unit, dtype=h.dtype)
    return n, h, _spline_slopes(n, h, end_length), np.eye(n + 2, n, k=-1)


@functools.partial(jax.jit, static_argnames="natural")
def _spline_forward(
    z: Array, diameter: ScalarLike, sigma: ScalarLike, length_unit: ScalarLike, natural: bool
) -> Array:
    """Forward matrix (contacts x contacts), mV per (uA/mm^3)."""
    n, h, slopes, values = _spline_knots(z, length_unit, natural)
    radius = jnp.asarray(diameter, dtype=h.dtype) / 2
    p0, p1, p2, p3 = _spline_moments(n, h, radius, jnp.asarray(sigma, dtype=h.dtype))
    # Segments 0 .. n-1 (knots i, i + 1); the segment below the last contact
    # is left out of the forward model, as in Elephant.
    forward = p0 @ values[:n] + p2 @ values[1 : n + 1]
    return forward + h * (p1 @ slopes[:n] + p3 @ slopes[1 : n + 1])


@functools.partial(jax.jit, static_argnames=("n_points", "natural"))
def _spline_evaluation(
    z: Array, length_unit: ScalarLike, n_points: int, natural: bool
) -> tuple[Array, Array]:
    """Output depths and the spline's values there from the contact values."""
    n, h, slopes, values = _spline_knots(z, length_unit, natural)
    # Output point k lies (n - 1) k / (n_points - 1) spacings below z_0: in
    # segment `seg` (1 .. n) at the fraction `frac` of its length.
    steps = np.arange(n_points) * (n - 1)
    seg = steps // (n_points - 1) + 1
    frac = (steps % (n_points - 1)) / (n_points - 1)
    b0, b1, b2, b3 = (np.asarray(b)[:, None] for b in _hermite_basis(frac))
    evaluate = (
        b0 * values[seg] + b2 * values[seg + 1] + h * (b1 * slopes[seg] + b3 * slopes[seg + 1])
    )
    depths = z[0] + (z[-1] - z[0]) * jnp.linspace(0.0, 1.0, n_points, dtype=h.dtype)
    return depths, evaluate


def _check_spline_args(
    contact_depths_um: ArrayLike,
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike,
    n_points: int,
    length_unit_um: ScalarLike | None,
) -> None:
    _check_icsd_args(contact_depths_um, diameter_um, sigma_S_per_m)
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)) or n_points < 2:
        raise ValueError(
            f"`n_points` must be an integer >= 2 (static under jit); got {n_points!r}."
        )
    if length_unit_um is not None:
        check_positive("length_unit_um", length_unit_um)


def _spline_inputs(
    contact_depths_um: ArrayLike, length_unit_um: ScalarLike | None
) -> tuple[Array, ScalarLike, bool]:
    if length_unit_um is None:
        return _as_float(contact_depths_um), 1.0, True
    return _as_float(contact_depths_um), length_unit_um, False


def _spline_operators(
    contact_depths_um: ArrayLike,
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike,
    n_points: int,
    length_unit_um: ScalarLike | None,
) -> tuple[Array, Array, Array]:
    """Output depths, forward matrix and spline evaluation matrix (arguments checked)."""
    z, unit, natural = _spline_inputs(contact_depths_um, length_unit_um)
    forward = _spline_forward(z, diameter_um, sigma_S_per_m, unit, natural=natural)
    depths, evaluate = _spline_evaluation(z, unit, n_points=int(n_points), natural=natural)
    return depths, forward, evaluate


def spline_icsd_forward_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
    length_unit_um: ScalarLike | None = 1.0,
) -> Float[Array, "contacts contacts"]:
    r"""Forward matrix of spline-iCSD: contact potentials of a cubic-spline CSD.

    ``F[j, i]`` is the potential at contact ``j`` of the spline CSD profile
    whose values at the contacts are ``e_i`` (one at contact ``i``, zero at the
    others), laterally uniform within discs of diameter ``diameter_um``:
    ``phi = F @ C`` with ``C`` the CSD at the contacts. The spline and the
    depth integral are described in :func:`spline_icsd`.

    Parameters
    ----------
    contact_depths_um : array, shape (contacts,), um
        Evenly spaced, strictly increasing contact depths (at least 3).
    diameter_um : float, um
        Source disc diameter (> 0).
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.
    length_unit_um : float or None, um
        Elephant's coordinate unit, which sets the spline's end conditions; see
        :func:`spline_icsd`. Default 1.0 (coordinates in um).

    Returns
    -------
    array, shape (contacts, contacts), mV per (uA/mm^3)
    """
    _check_spline_args(contact_depths_um, diameter_um, sigma_S_per_m, 2, length_unit_um)
    z, unit, natural = _spline_inputs(contact_depths_um, length_unit_um)
    return _spline_forward(z, diameter_um, sigma_S_per_m, unit, natural=natural)


def spline_icsd_matrix(
    contact_depths_um: Real[ArrayLike, " contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
    n_points: int = _DEFAULT_SPLINE_POINTS,
    length_unit_um: ScalarLike | None = 1.0,
) -> tuple[Float[Array, " points"], Float[Array, "points contacts"]]:
    """The linear operator of :func:`spline_icsd` and its output depths.

    Build once and apply as ``lfp_mV @ M.T`` inside a simulation.

    Parameters
    ----------
    contact_depths_um, diameter_um, sigma_S_per_m, n_points, length_unit_um
        As in :func:`spline_icsd`.

    Returns
    -------
    depths_um : array, shape (n_points,), um
        ``linspace(z_0, z_last, n_points)``.
    matrix : array, shape (n_points, contacts), (uA/mm^3) per mV
        ``C = lfp_mV @ matrix.T``.
    """
    _check_spline_args(contact_depths_um, diameter_um, sigma_S_per_m, n_points, length_unit_um)
    depths, forward, evaluate = _spline_operators(
        contact_depths_um, diameter_um, sigma_S_per_m, n_points, length_unit_um
    )
    return depths, jnp.linalg.solve(forward.T, evaluate.T).T


def spline_icsd(
    lfp_mV: Float[ArrayLike, "time _contacts"],
    contact_depths_um: Real[ArrayLike, " _contacts"],
    diameter_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
    n_points: int = _DEFAULT_SPLINE_POINTS,
    length_unit_um: ScalarLike | None = 1.0,
) -> tuple[Float[Array, " points"], Float[Array, "time points"]]:
    r"""Spline-iCSD: invert the forward model of a cubic-spline CSD profile.

    The CSD is a cubic spline in depth, laterally uniform within discs of
    radius ``R = diameter/2`` (Pettersen et al. 2006, spline-iCSD). With ``h``
    the contact spacing and ``z_0 .. z_{n-1}`` the contacts, the knots are
    ``z_{-1} = z_0 - h``, the contacts and ``z_n = z_{n-1} + h``; the CSD is zero
    at the two outer knots and ``C_i`` at contact ``i``. On the segment
    ``[z_k, z_{k+1}]``, with ``tau = (z - z_k)/h`` and knot slopes ``s_k``,

    .. math::

        C(z) = C_k H_{00}(\tau) + h s_k H_{10}(\tau) + C_{k+1} H_{01}(\tau)
               + h s_{k+1} H_{11}(\tau)

    (cubic Hermite basis). The slopes solve the tridiagonal system

    .. math::

        \frac{s_{k-1} + 4 s_k + s_{k+1}}{h} = \frac{3 (C_{k+1} - C_{k-1})}{h^2}
        \quad (k = 0 .. n-1),

        \frac{2 s_{-1} + s_0}{L} = \frac{3 (C_0 - C_{-1})}{L^2},\qquad
        \frac{s_{n-1}}{h} + \frac{2 s_n}{L} = \frac{3 (C_n - C_{n-1})}{h^2},

    the interior rows making the second derivative continuous. With
    ``L = h`` the end rows are the natural condition (zero second derivative
    at ``z_{-1}`` and ``z_n``). The potential at contact ``j`` is

    .. math::

        \phi_j = \frac{1}{2\sigma} \int_{z_{-1}}^{z_{n-1}} C(z')
                 \left(\sqrt{(z_j - z')^2 + R^2} - |z_j - z'|\right) dz'
               = \sum_i F_{ji} C_i,

    note the upper limit: the segment below the last contact is left out of
    the forward model, as in Elephant. ``C = F^-1 phi`` gives the CSD at the
    contacts, and the spline through it is evaluated at ``n_points`` evenly
    spaced depths from ``z_0`` to ``z_{n-1}``.

    Elephant compatibility. This reproduces Elephant's ``estimate_csd(...,
    method='SplineiCSD', diam, sigma, sigma_top=sigma, num_steps=n_points,
    process_estimate=False)`` converted from A/m^3 (times 1e-3, no factor
    ``h``), including its quirks:

    - Units quirk: Elephant's slope matrix writes the end rows with a mix of
      ``1`` and ``1/h`` entries in coordinate units (``L = 1``), so its result
      depends on the unit of the coordinates, which ``estimate_csd`` rescales
      to the unit of ``diam``. ``length_unit_um`` is that unit in um: 1.0 for
      ``diam`` in um (the default, as in jaxfne's reference vectors), 1e3 for
      mm, 1e6 for m (Elephant's default ``diam = 500e-6 m``). The choice
      matters: for the reference setup (16 contacts 100 um apart, diameter
      500 um) the um, mm and m results and the natural spline differ from
      one another by 27-61 % of the peak CSD. ``length_unit_um=None`` uses
      ``L = h``, the natural spline, which does not depend on any unit
      (Elephant gives it only when the spacing is exactly one coordinate
      unit).
    - The bottom segment is missing from the forward model (above).
    - Quadrature: Elephant integrates the kernel times monomials numerically
      (QUADPACK ``quad``, ``tol``); here the integrals of the kernel times
      the Hermite basis use a 20-point Gauss-Legendre rule in ``theta`` with
      ``|z - z'| = R sinh(theta)``, where the integrands are entire; they agree
      to round-off, so the two differ by Elephant's quadrature error only.
    - Elephant computes its matrix on a grid shifted down by one spacing
      (sources and contacts alike), which changes nothing in a homogeneous
      medium; ``sigma_top != sigma`` is not supported here.
    - With ``n_points`` smaller than the number of contacts Elephant's segment
      search lags and evaluates some points with a neighbouring segment's
      polynomial; here each point uses its own segment (identical otherwise).

    Parameters
    ----------
    lfp_mV : array, shape (time, contacts), mV
        Potentials at the contacts.
    contact_depths_um : array, shape (contacts,), um
        Evenly spaced, strictly increasing depths (at least 3 contacts).
    diameter_um : float, um
        Source disc diameter (> 0); Elephant's ``diam``.
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.
    n_points : int
        Number of output depths (>= 2), Elephant's ``num_steps``. Default 200
        (Elephant's default). Static under ``jit``.
    length_unit_um : float or None, um
        The coordinate unit ``L`` in the spline's end rows (> 0), or None for
        the natural spline (``L = h``). Default 1.0, Elephant with
        coordinates and ``diam`` in um.

    Returns
    -------
    depths_um : array, shape (n_points,), um
        ``linspace(z_0, z_last, n_points)``.
    csd : array, shape (time, n_points), uA/mm^3
        Volume CSD at those depths (source positive).
    """
    _check_spline_args(contact_depths_um, diameter_um, sigma_S_per_m, n_points, length_unit_um)
    _check_lfp(lfp_mV, int(np.shape(contact_depths_um)[0]))
    depths, forward, evaluate = _spline_operators(
        contact_depths_um, diameter_um, sigma_S_per_m, n_points, length_unit_um
    )
    at_contacts = jnp.linalg.solve(forward, _as_float(lfp_mV).T)
    return depths, (evaluate @ at_contacts).T


def _check_standard_args(
    n_contacts: int, spacing_um: ScalarLike, sigma_S_per_m: ScalarLike
) -> None:
    if n_contacts < _MIN_CONTACTS:
        raise ValueError(
            f"`lfp_mV` must have at least {_MIN_CONTACTS} contacts (columns) for a second "
            f"difference; got {n_contacts}."
        )
    check_positive("spacing_um", spacing_um)
    check_positive("sigma_S_per_m", sigma_S_per_m)


def standard_csd(
    lfp_mV: Float[ArrayLike, "time contacts"],
    spacing_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
    vaknin: bool = True,
) -> Float[Array, "time outputs"]:
    r"""Standard CSD: minus the conductivity times the second depth difference.

    .. math::

        C_j = -\sigma \frac{\phi_{j+1} - 2\phi_j + \phi_{j-1}}{h^2}

    (Nicholson & Freeman 1975), the inverse of the laterally infinite (1-D)
    limit of the disc model; for columns of finite radius it is biased.

    Ends:

    - ``vaknin=True`` (default): the first and last contacts are duplicated
      above and below the probe (Vaknin et al. 1988), so the output has one
      value per contact; at the end contacts this gives
      ``C_0 = -sigma (phi_1 - phi_0) / h^2`` (a one-sided difference).
    - ``vaknin=False``: the end contacts are dropped; the output has
      ``contacts - 2`` columns, at contacts ``1 .. contacts-2`` (as Elephant
      does).

    Equals Elephant's ``estimate_csd(..., method='StandardCSD', sigma,
    vaknin_el, process_estimate=False)`` divided by ``h`` (Elephant returns
    A/m^2) and converted from A/m^3 (times 1e-3).

    Parameters
    ----------
    lfp_mV : array, shape (time, contacts), mV
        Potentials at evenly spaced contacts ordered by depth (at least 3).
    spacing_um : float, um
        Contact spacing ``h`` (> 0).
    sigma_S_per_m : float, S/m
        Extracellular conductivity (> 0). Default 0.3.
    vaknin : bool
        Duplicate the end contacts (default True); see above.

    Returns
    -------
    array, shape (time, contacts) or (time, contacts - 2), uA/mm^3
        Volume CSD (source positive).
    """
    n = int(np.shape(lfp_mV)[1])
    _check_standard_args(n, spacing_um, sigma_S_per_m)
    check_finite("lfp_mV", lfp_mV)
    return _second_difference_csd(_as_float(lfp_mV), spacing_um, sigma_S_per_m, vaknin=vaknin)


@functools.partial(jax.jit, static_argnames="vaknin")
def _second_difference_csd(
    phi: Array, spacing: ScalarLike, sigma: ScalarLike, vaknin: bool
) -> Array:
    if vaknin:
        phi = jnp.concatenate([phi[:, :1], phi, phi[:, -1:]], axis=1)
    second_diff = phi[:, 2:] - 2 * phi[:, 1:-1] + phi[:, :-2]
    return -jnp.asarray(sigma) * second_diff / spacing**2 * _UA_PER_MM3_PER_NA_PER_UM3


def standard_csd_matrix(
    n_contacts: int,
    spacing_um: ScalarLike,
    sigma_S_per_m: ScalarLike = 0.3,
    vaknin: bool = True,
) -> Float[Array, "outputs contacts"]:
    """The linear operator of :func:`standard_csd`: ``C = lfp_mV @ M.T``.

    Parameters
    ----------
    n_contacts : int
        Number of contacts (at least 3).
    spacing_um, sigma_S_per_m, vaknin
        As in :func:`standard_csd`.

    Returns
    -------
    array, shape (n_contacts, n_contacts) or (n_contacts - 2, n_contacts), (uA/mm^3) per mV
    """
    _check_standard_args(n_contacts, spacing_um, sigma_S_per_m)
    eye = jnp.eye(n_contacts, dtype=jnp.result_type(spacing_um, sigma_S_per_m, float))
    return _second_difference_csd(eye, spacing_um, sigma_S_per_m, vaknin=vaknin).T


def smooth_csd(
    csd: Float[ArrayLike, "time contacts"],
    n_taps: int = 3,
    std_contacts: ScalarLike = 1.0,
) -> Float[Array, "time contacts"]:
    r"""Spatial Gaussian smoothing across contacts (Elephant's default filter).

    Each time step is convolved along the contact axis with the normalised
    window ``w_k = exp(-k^2 / (2 s^2)) / sum_k' exp(-k'^2 / (2 s^2))``,
    ``k = -(n-1)/2 .. (n-1)/2``, keeping the input length ('same' mode). The
    profile is zero-padded beyond the end contacts, so the end values are
    attenuated. The defaults (3 taps, ``s = 1`` contact) are Elephant's
    ``process_estimate=True, f_type='gaussian', f_order=(3, 1)`` with its
    default ``'convolve'`` filter function. Works on any quantity sampled at
    the contacts; the unit is kept.

    Parameters
    ----------
    csd : array, shape (time, contacts)
        Values at evenly spaced contacts.
    n_taps : int
        Window length, odd and >= 1. Default 3.
    std_contacts : float, contacts
        Standard deviation of the window in contact spacings (> 0). Default 1.

    Returns
    -------
    array, shape (time, contacts)
    """
    if not isinstance(n_taps, int) or n_taps < 1 or n_taps % 2 == 0:
        raise ValueError(f"`n_taps` must be an odd positive integer; got {n_taps!r}.")
    check_positive("std_contacts", std_contacts)
    return _gaussian_smooth(_as_float(csd), std_contacts, n_taps=n_taps)


@functools.partial(jax.jit, static_argnames="n_taps")
def _gaussian_smooth(x: Array, std_contacts: ScalarLike, n_taps: int) -> Array:
    half = n_taps // 2
    offsets = jnp.arange(-half, half + 1, dtype=x.dtype)
    window = jnp.exp(-0.5 * (offsets / std_contacts) ** 2)
    window = window / jnp.sum(window)
    padded = jnp.pad(x, ((0, 0), (half, half)))
    n = x.shape[1]
    # The window is symmetric, so correlation and convolution coincide.
    shifted = jnp.stack([padded[:, k : k + n] for k in range(n_taps)], axis=-1)
    return shifted @ window
