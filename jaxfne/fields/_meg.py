r"""MEG: magnetic field of a current dipole, in fT.

Two forward models for a current dipole :math:`\mathbf q` (nA*um) at
:math:`\mathbf r_q` (um), evaluated at sensor positions :math:`\mathbf r` (um):

- :func:`magnetic_field_infinite`: Biot-Savart field of the primary (dipole)
  current alone, exact in an infinite homogeneous conductor, where the volume
  currents produce no magnetic field.
- :func:`magnetic_field_sarvas`: the exact field outside any spherically
  symmetric conductor centred at the origin (Sarvas 1987). It does not depend
  on the radii or conductivities of the shells, so it is the MEG companion of
  the four-sphere EEG model. Radial dipoles produce no field outside.

**Units.** With positions in um and moments in nA*um the expressions below
give :math:`H` in nA/um (= 1e-3 A/m). Then
:math:`B = \mu_0 H` with :math:`\mu_0 = 4 \pi \times 10^{-7}` T m/A gives
:math:`B[\mathrm{fT}] = 4 \pi \times 10^{5} \, H[\mathrm{nA/um}]`, so the
:math:`4 \pi` of the Biot-Savart law cancels and

.. math::

    B_{inf}[\mathrm{fT}] = 10^5 \,
        \frac{\mathbf q \times (\mathbf r - \mathbf r_q)}{|\mathbf r - \mathbf r_q|^3}.

(LFPykit's ``calculate_B`` returns :math:`\mu_0 H` with :math:`H` in nA/um,
i.e. mT; multiply it by 1e12 for fT.)

References
----------
- Sarvas J (1987) Basic mathematical and electromagnetic concepts of the
  biomagnetic inverse problem. Phys Med Biol 32:11-22.
- Hamalainen M, Hari R, Ilmoniemi RJ, Knuutila J, Lounasmaa OV (1993)
  Magnetoencephalography: theory, instrumentation, and applications to
  noninvasive studies of the working human brain. Rev Mod Phys 65:413-497.
- Hagen E, Naess S, Ness TV, Einevoll GT (2018) Multimodal modeling of neural
  network activity: computing LFP, ECoG, EEG and MEG signals with LFPy 2.0.
  Front Neuroinform 12:92.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxfne._errors import describe, is_concrete
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
    "FT_PER_NA_PER_UM",
    "magnetic_field_infinite",
    "magnetic_field_sarvas",
    "sarvas_transfer_matrix",
]

FT_PER_NA_PER_UM = 4e5 * np.pi
"""``mu0 * H`` in fT for ``H`` in nA/um: 4 pi 1e-7 T m/A * 1e-3 A/m * 1e15 fT/T."""

_FT_SCALE = 1e5  # FT_PER_NA_PER_UM / (4 pi)


def _cross_matrix(v: Float[Array, "*batch 3"]) -> Float[Array, "*batch 3 3"]:
    """The matrix ``[v]_x`` with ``[v]_x @ u = v x u``."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = jnp.zeros_like(x)
    return jnp.stack(
        [
            jnp.stack([zero, -z, y], axis=-1),
            jnp.stack([z, zero, -x], axis=-1),
            jnp.stack([-y, x, zero], axis=-1),
        ],
        axis=-2,
    )


def _check_outside(sensors: Any, dipole: Any) -> None:
    if not is_concrete(sensors, dipole):
        return
    rq = float(np.linalg.norm(np.asarray(dipole, dtype=float)))
    r = np.linalg.norm(np.asarray(sensors, dtype=float), axis=1)
    bad = np.flatnonzero(~(r > rq))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            "`sensors_um` must be farther from the sphere centre (the origin) than the "
            f"dipole, |r| > |dipole_um| = {rq!r} um; sensor {i} is "
            f"{describe(np.asarray(sensors)[i])} with |r| = {float(r[i])!r} um."
        )


def _biot_savart_matrix(
    sensors_um: Real[ArrayLike, "sensors _xyz"], dipole_um: Real[ArrayLike, " _xyz"]
) -> Float[Array, "sensors 3 3"]:
    """Biot-Savart transfer matrix, fT per nA*um: ``B = M @ q``."""
    _check_points("sensors_um", sensors_um, "sensors")
    _check_point("dipole_um", dipole_um)
    _check_apart("sensors_um", sensors_um, dipole_um, "dipole_um")
    return _biot_savart_core(_as_float(sensors_um), _as_float(dipole_um))


@jax.jit
def _biot_savart_core(
    r: Float[Array, "sensors 3"], rq: Float[Array, " 3"]
) -> Float[Array, "sensors 3 3"]:
    d = r - rq
    dist = _safe_norm(d, 1e-9)
    # q x d = -[d]_x q
    return -_FT_SCALE * _cross_matrix(d) / dist[:, None, None] ** 3


def _dipole_field(
    transfer: Callable[[Any, Any], Float[Array, "sensors 3 3"]],
    sensors_um: Any,
    dipole_um: Any,
    moment_nAum: Any,
) -> Float[Array, "time sensors 3"]:
    """Check the moment, build ``transfer(sensors_um, dipole_um)`` and apply it."""
    _check_moment("moment_nAum", moment_nAum)
    m = transfer(sensors_um, dipole_um)
    return jnp.einsum("sij,tj->tsi", m, _as_float(moment_nAum))


def magnetic_field_infinite(
    sensors_um: Real[ArrayLike, "sensors _xyz"],
    dipole_um: Real[ArrayLike, " _xyz"],
    moment_nAum: Real[ArrayLike, "time _xyz"],
) -> Float[Array, "time sensors 3"]:
    r"""Magnetic field of a current dipole in an infinite homogeneous medium (fT).

    Biot-Savart law for the primary current:

    .. math::

        \mathbf B(\mathbf r, t) = \frac{\mu_0}{4 \pi}
            \frac{\mathbf q(t) \times (\mathbf r - \mathbf r_q)}
                 {|\mathbf r - \mathbf r_q|^3},
        \qquad B[\mathrm{fT}] = 10^5 \,
            \frac{\mathbf q[\mathrm{nA\,um}] \times \mathbf R[\mathrm{um}]}{R^3}.

    Exact in an infinite homogeneous conductor (the volume currents produce
    no field there); in a head it misses the volume-current contribution, see
    :func:`magnetic_field_sarvas`.

    Parameters
    ----------
    sensors_um : ``[sensors, 3]``, um
        Sensor positions.
    dipole_um : ``[3]``, um
        Dipole position.
    moment_nAum : ``[time, 3]``, nA*um
        Dipole moment at each step.

    Returns
    -------
    ``[time, sensors, 3]``, fT
        x, y, z components of the magnetic flux density.

    Raises
    ------
    ValueError
        If an array has the wrong shape, a value is not finite or a sensor
        sits on the dipole.

    References
    ----------
    Hamalainen et al. (1993), sec. III; Hagen et al. (2018), eq. 16.
    """
    return _dipole_field(_biot_savart_matrix, sensors_um, dipole_um, moment_nAum)


def sarvas_transfer_matrix(
    sensors_um: Real[ArrayLike, "sensors _xyz"],
    dipole_um: Real[ArrayLike, " _xyz"],
) -> Float[Array, "sensors 3 3"]:
    r"""Sarvas transfer matrix, fT per nA*um: ``B[t, s] = M[s] @ q[t]``.

    With :math:`\mathbf q \times \mathbf r_q = -[\mathbf r_q]_\times \mathbf q`
    and :math:`(\mathbf q \times \mathbf r_q) \cdot \mathbf r = \mathbf q \cdot
    (\mathbf r_q \times \mathbf r)`,

    .. math::

        M = \frac{10^5}{F^2} \left( -F \, [\mathbf r_q]_\times
              - \nabla F \, (\mathbf r_q \times \mathbf r)^T \right)

    (symbols as in :func:`magnetic_field_sarvas`). Build it once per dipole
    position; apply it as ``jnp.einsum("sij,tj->tsi", M, moment)``.
    """
    _check_points("sensors_um", sensors_um, "sensors")
    _check_point("dipole_um", dipole_um)
    _check_outside(sensors_um, dipole_um)
    return _sarvas_core(_as_float(sensors_um), _as_float(dipole_um))


@jax.jit
def _sarvas_core(
    r: Float[Array, "sensors 3"], rq: Float[Array, " 3"]
) -> Float[Array, "sensors 3 3"]:
    rq = jnp.broadcast_to(rq, r.shape)

    a_vec = r - rq
    a = _safe_norm(a_vec, 1e-9)
    r_norm = _safe_norm(r, 1e-9)
    a_dot_r = jnp.sum(a_vec * r, axis=-1)
    rq_dot_r = jnp.sum(rq * r, axis=-1)
    f = a * (r_norm * a + r_norm**2 - rq_dot_r)
    grad_r = a**2 / r_norm + a_dot_r / a + 2.0 * a + 2.0 * r_norm
    grad_q = a + 2.0 * r_norm + a_dot_r / a
    grad_f = grad_r[:, None] * r - grad_q[:, None] * rq
    rq_cross_r = jnp.cross(rq, r)
    m = -f[:, None, None] * _cross_matrix(rq) - grad_f[:, :, None] * rq_cross_r[:, None, :]
    return _FT_SCALE * m / f[:, None, None] ** 2


def magnetic_field_sarvas(
    sensors_um: Real[ArrayLike, "sensors _xyz"],
    dipole_um: Real[ArrayLike, " _xyz"],
    moment_nAum: Real[ArrayLike, "time _xyz"],
) -> Float[Array, "time sensors 3"]:
    r"""Magnetic field outside a spherically symmetric conductor (fT).

    For a current dipole :math:`\mathbf q` at :math:`\mathbf r_q` inside any
    spherically symmetric conductor centred at the origin, and a sensor at
    :math:`\mathbf r` outside it (Sarvas 1987, eq. 25):

    .. math::

        \mathbf B(\mathbf r) = \frac{\mu_0}{4 \pi F^2}
            \left[ F \, \mathbf q \times \mathbf r_q
                   - \left((\mathbf q \times \mathbf r_q) \cdot \mathbf r\right)
                     \nabla F \right],

        \mathbf a = \mathbf r - \mathbf r_q, \quad
        F = a \, (r a + r^2 - \mathbf r_q \cdot \mathbf r),

        \nabla F = \left(\frac{a^2}{r} + \frac{\mathbf a \cdot \mathbf r}{a}
                   + 2 a + 2 r\right) \mathbf r
                 - \left(a + 2 r + \frac{\mathbf a \cdot \mathbf r}{a}\right)
                   \mathbf r_q,

    with :math:`a = |\mathbf a|` and :math:`r = |\mathbf r|`; in library
    units :math:`\mu_0 / 4\pi` becomes the factor 1e5 (module docstring). The
    result does not depend on the shell radii or conductivities. A radial
    dipole (:math:`\mathbf q \parallel \mathbf r_q`) gives no field, and the
    radial component :math:`\mathbf B \cdot \hat{\mathbf r}` equals that of
    :func:`magnetic_field_infinite`.

    Parameters
    ----------
    sensors_um : ``[sensors, 3]``, um
        Sensor positions, sphere centre at the origin; outside the conductor,
        and at least farther from the centre than the dipole.
    dipole_um, moment_nAum
        As in :func:`magnetic_field_infinite`.

    Returns
    -------
    ``[time, sensors, 3]``, fT
        As in :func:`magnetic_field_infinite`.

    Raises
    ------
    ValueError
        If an array has the wrong shape, a value is not finite, or (on
        concrete values) a sensor is not farther from the origin than the
        dipole.

    References
    ----------
    Sarvas (1987); Hamalainen et al. (1993), sec. III.B; Hagen et al. (2018).
    """
    return _dipole_field(sarvas_transfer_matrix, sensors_um, dipole_um, moment_nAum)
