r"""A 1-D laminar finite-volume Poisson solver for the extracellular potential.

The column is divided into ``Z`` depth bins of equal width ``dz`` (cell
centres ``z_j``), each with its own conductivity ``sigma_j``. The potential
solves the 1-D (laterally infinite) volume-conductor equation

.. math::

    \frac{d}{dz}\left(\sigma(z)\frac{d\phi}{dz}\right) = -C(z),

discretised by finite volumes:

.. math::

    -\frac{\sigma_{j+1/2}(\phi_{j+1} - \phi_j) - \sigma_{j-1/2}(\phi_j - \phi_{j-1})}{dz^2}
    = C_j - \bar C,

with face conductivities the harmonic mean of the two neighbouring bins,
``sigma_{j+1/2} = 2 sigma_j sigma_{j+1} / (sigma_j + sigma_{j+1})`` (the
exact series conductance of two half-bins), and no-flux (Neumann) ends,
``sigma_{-1/2} = sigma_{Z-1/2} = 0``.

Conventions
-----------
- **Net source.** With no-flux ends a solution exists only if the net source
  ``sum_j C_j dz`` is zero (every current that leaves the cells returns inside
  the column). The solver projects the CSD onto that subspace by subtracting
  its depth mean ``C_bar`` at each time step, i.e. the missing return current
  is spread uniformly over the column. A balanced source model (two-point
  cells) has ``C_bar = 0`` up to round-off; :func:`net_laminar_source`
  reports what is removed.
- **Gauge.** The potential is defined up to a constant; the returned
  potential has zero mean over the depth bins at every time step.
- **Current density** lives on the ``Z - 1`` interior faces between bins
  (:func:`extracellular_current_density`); the two boundary faces carry zero
  current by construction.

The operator is linear, so :func:`poisson_matrix` returns it as a ``[Z, Z]``
matrix (the pseudo-inverse of the discrete operator) to build once and apply
as ``csd @ M.T``; :func:`poisson_potential` solves the tridiagonal system
directly.

Units: depth in um, conductivity in S/m, CSD in uA/mm^3, potential in mV,
current density in uA/mm^2 (``= A/m^2``). With um, S/m and mV the
discrete operator yields nA/um^3, and ``1 nA/um^3 = 1e6 uA/mm^3``; likewise
``-sigma dphi/dz`` is in nA/um^2 ``= 1e3 uA/mm^2``.

This solver is the laterally infinite limit of the disc model of
:mod:`jaxfne.fields._csd` (``R -> infinity``); its potentials differ from
those of finite discs, and its exact inverse is the second difference with
the same ``sigma`` (for uniform ``sigma``, :func:`~jaxfne.fields._csd.standard_csd`
in the interior).

References
----------
- Nicholson C, Freeman JA (1975) Theory of current source-density analysis and
  determination of conductivity tensor for anuran cerebellum.
  J Neurophysiol 38:356-368.
- Pettersen KH, Devor A, Ulbert I, Dale AM, Einevoll GT (2006) Current-source
  density estimation based on inversion of electrostatic forward solution.
  J Neurosci Methods 154:116-133.
- LeVeque RJ (2002) Finite Volume Methods for Hyperbolic Problems, ch. 2
  (harmonic averaging of coefficients at cell faces).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.lax.linalg import tridiagonal_solve

from jaxfne._errors import check_finite, check_positive, check_shape
from jaxfne._typing import Array, ArrayLike, Float, Real, ScalarLike

__all__ = [
    "extracellular_current_density",
    "face_conductivity",
    "net_laminar_source",
    "poisson_matrix",
    "poisson_potential",
]

# nA/um^3 per uA/mm^3 (1 uA/mm^3 = 1e3 nA / 1e9 um^3).
_NA_PER_UM3_PER_UA_PER_MM3 = 1e-6
# uA/mm^2 per nA/um^2 (1 nA/um^2 = 1e-3 uA / 1e-6 mm^2).
_UA_PER_MM2_PER_NA_PER_UM2 = 1e3
# uA/mm^2 per (uA/mm^3 * um).
_UA_PER_MM2_PER_UA_PER_MM3_UM = 1e-3


def _as_float(x: ArrayLike) -> Array:
    arr = jnp.asarray(x)
    if not jnp.issubdtype(arr.dtype, jnp.inexact):
        arr = arr.astype(float)
    return arr


def _check_grid(n_bins: int, dz_um: ScalarLike, sigma_S_per_m: ArrayLike) -> None:
    if n_bins < 2:
        raise ValueError(f"The depth grid must have at least 2 bins; got {n_bins}.")
    check_positive("dz_um", dz_um)
    check_shape("sigma_S_per_m", sigma_S_per_m, (n_bins,))
    check_positive("sigma_S_per_m", sigma_S_per_m)


def face_conductivity(
    sigma_S_per_m: Real[ArrayLike, " depth"],
) -> Float[Array, " faces"]:
    """Conductivity at the ``Z - 1`` interior faces: harmonic mean of the bins.

    ``sigma_{j+1/2} = 2 sigma_j sigma_{j+1} / (sigma_j + sigma_{j+1})``, the
    conductance of two half-bins in series.

    Parameters
    ----------
    sigma_S_per_m : array, shape (depth,), S/m
        Conductivity of each depth bin (> 0).

    Returns
    -------
    array, shape (depth - 1,), S/m
    """
    check_positive("sigma_S_per_m", sigma_S_per_m)
    return _harmonic_faces(_as_float(sigma_S_per_m))


def _harmonic_faces(s: Array) -> Array:
    return 2 * s[:-1] * s[1:] / (s[:-1] + s[1:])


def net_laminar_source(
    csd_uA_per_mm3: Float[ArrayLike, "time depth"],
    dz_um: ScalarLike,
) -> Float[Array, " time"]:
    """Net source per unit area of the column, ``sum_j C_j dz``.

    This is what :func:`poisson_potential` cannot represent with no-flux ends
    and removes (as the uniform CSD ``net / (Z dz)``) before solving.

    Parameters
    ----------
    csd_uA_per_mm3 : array, shape (time, depth), uA/mm^3
        CSD per depth bin.
    dz_um : float, um
        Bin width (> 0).

    Returns
    -------
    array, shape (time,), uA/mm^2
    """
    check_positive("dz_um", dz_um)
    csd = _as_float(csd_uA_per_mm3)
    return jnp.sum(csd, axis=-1) * _as_float(dz_um) * _UA_PER_MM2_PER_UA_PER_MM3_UM


def poisson_potential(
    csd_uA_per_mm3: Float[ArrayLike, "time depth"],
    dz_um: ScalarLike,
    sigma_S_per_m: Real[ArrayLike, " _depth"],
) -> Float[Array, "time depth"]:
    r"""Potential of a laminar CSD in a layered 1-D conductor with no-flux ends.

    Solves the finite-volume system of the module docstring,
    ``-(sigma_{j+1/2}(phi_{j+1} - phi_j) - sigma_{j-1/2}(phi_j - phi_{j-1})) / dz^2
    = C_j - mean_k C_k``, with ``sigma_{-1/2} = sigma_{Z-1/2} = 0`` and the
    gauge ``mean_j phi_j = 0``. The system is tridiagonal: the redundant first
    equation is replaced by ``phi_0 = 0``, the system is solved without
    pivoting (it is diagonally dominant) and the mean is then subtracted.
    Differentiable in the CSD, ``dz_um`` and ``sigma_S_per_m``.

    Parameters
    ----------
    csd_uA_per_mm3 : array, shape (time, depth), uA/mm^3
        Volume CSD per bin (source positive). Its depth mean at each time step
        is removed (see :func:`net_laminar_source`).
    dz_um : float, um
        Bin width (> 0).
    sigma_S_per_m : array, shape (depth,), S/m
        Conductivity of each bin (> 0).

    Returns
    -------
    array, shape (time, depth), mV
        Potential at the bin centres, zero mean over depth.
    """
    n = int(np.shape(csd_uA_per_mm3)[1])
    _check_grid(n, dz_um, sigma_S_per_m)
    check_finite("csd_uA_per_mm3", csd_uA_per_mm3)
    return _solve(_as_float(csd_uA_per_mm3), dz_um, _as_float(sigma_S_per_m))


@jax.jit
def _solve(csd: Array, dz: ScalarLike, sigma: Array) -> Array:
    coupling = _harmonic_faces(sigma) / dz**2  # S/m/um^2, shape (Z-1,)
    zero = jnp.zeros((1,), coupling.dtype)
    one = jnp.ones((1,), coupling.dtype)
    diag = jnp.concatenate([zero, coupling]) + jnp.concatenate([coupling, zero])
    lower = jnp.concatenate([zero, -coupling])  # lower[j] multiplies phi_{j-1}
    upper = jnp.concatenate([-coupling, zero])  # upper[j] multiplies phi_{j+1}
    # Pin phi_0 = 0 in place of the first (linearly dependent) equation.
    diag = jnp.concatenate([one, diag[1:]])
    upper = jnp.concatenate([zero, upper[1:]])
    rhs = (csd - jnp.mean(csd, axis=-1, keepdims=True)) * _NA_PER_UM3_PER_UA_PER_MM3
    rhs = rhs.at[:, 0].set(0.0)
    dtype = jnp.result_type(diag, rhs)
    phi = tridiagonal_solve(
        lower.astype(dtype), diag.astype(dtype), upper.astype(dtype), rhs.T.astype(dtype)
    ).T
    return phi - jnp.mean(phi, axis=-1, keepdims=True)


def poisson_matrix(
    dz_um: ScalarLike,
    sigma_S_per_m: Real[ArrayLike, " depth"],
) -> Float[Array, "depth depth"]:
    """The linear operator of :func:`poisson_potential` as a matrix.

    ``poisson_potential(csd, dz, sigma) == csd @ M.T``. ``M`` is the
    Moore-Penrose pseudo-inverse of the discrete operator (symmetric, rows and
    columns summing to zero): it removes the net source and returns the
    mean-zero potential. Build once from the geometry and apply inside a
    simulation.

    Parameters
    ----------
    dz_um, sigma_S_per_m
        As in :func:`poisson_potential`.

    Returns
    -------
    array, shape (depth, depth), mV per (uA/mm^3)
    """
    n = int(np.shape(sigma_S_per_m)[0])
    _check_grid(n, dz_um, sigma_S_per_m)
    sigma = _as_float(sigma_S_per_m)
    eye = jnp.eye(n, dtype=jnp.result_type(sigma, dz_um, float))
    # Row k of the solve is the response to a unit source in bin k.
    return _solve(eye, dz_um, sigma).T


def extracellular_current_density(
    phi_mV: Float[ArrayLike, "time depth"],
    dz_um: ScalarLike,
    sigma_S_per_m: Real[ArrayLike, " _depth"],
) -> Float[Array, "time faces"]:
    r"""Extracellular current density ``J_e = -sigma dphi/dz`` at the bin faces.

    .. math::

        J_{j+1/2} = -\sigma_{j+1/2}\frac{\phi_{j+1} - \phi_j}{dz},

    on the ``Z - 1`` interior faces, ``sigma_{j+1/2}`` the harmonic mean of
    :func:`face_conductivity`; positive ``J`` flows downward (toward deeper
    bins). The boundary faces carry no current (no-flux ends). For a potential
    from :func:`poisson_potential`,
    ``(J_{j+1/2} - J_{j-1/2}) / dz = C_j - mean(C)`` (with ``J = 0`` on the
    boundary faces).

    Parameters
    ----------
    phi_mV : array, shape (time, depth), mV
        Potential at the bin centres.
    dz_um, sigma_S_per_m
        As in :func:`poisson_potential`.

    Returns
    -------
    array, shape (time, depth - 1), uA/mm^2
        Current density on face ``j + 1/2`` (between bins ``j`` and ``j+1``),
        at depth ``z_j + dz/2``.
    """
    n = int(np.shape(phi_mV)[1])
    _check_grid(n, dz_um, sigma_S_per_m)
    return _current_density(_as_float(phi_mV), dz_um, _as_float(sigma_S_per_m))


@jax.jit
def _current_density(phi: Array, dz: ScalarLike, sigma: Array) -> Array:
    gradient = (phi[:, 1:] - phi[:, :-1]) / dz  # mV/um
    return -_harmonic_faces(sigma) * gradient * _UA_PER_MM2_PER_NA_PER_UM2
