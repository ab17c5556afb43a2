"""Tests of the laminar CSD estimators, disc forward models and 1-D Poisson solver.

Reference vectors: `shared/reference/csd.npz` and `population_two_point.npz`
(Elephant 1.2.1 and LFPykit 0.6.2). Every array of `csd.npz` is reproduced,
`csd_spline_on_delta_Apm3` (Elephant's SplineiCSD) included.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxfne.fields._csd import (
    delta_icsd,
    delta_icsd_forward_matrix,
    delta_icsd_matrix,
    disc_forward_matrix,
    smooth_csd,
    spline_icsd,
    spline_icsd_forward_matrix,
    spline_icsd_matrix,
    standard_csd,
    standard_csd_matrix,
    step_icsd,
    step_icsd_forward_matrix,
    step_icsd_matrix,
    thin_disc_forward_matrix,
)
from jaxfne.fields._laminar import (
    extracellular_current_density,
    face_conductivity,
    net_laminar_source,
    poisson_matrix,
    poisson_potential,
)

# A/m^3 per uA/mm^3 and V per mV.
APM3_PER_UA_PER_MM3 = 1e3
UA_PER_MM3_PER_NA_PER_UM3 = 1e6


def _reference_dir() -> Path | None:
    candidates = [Path(__file__).resolve().parents[2] / "shared" / "reference"]
    if os.environ.get("JAXFNE_REFERENCE_DIR"):
        candidates.append(Path(os.environ["JAXFNE_REFERENCE_DIR"]))
    for path in candidates:
        if (path / "csd.npz").is_file():
            return path
    return None


REFERENCE_DIR = _reference_dir()
needs_reference = pytest.mark.skipif(REFERENCE_DIR is None, reason="reference vectors absent")


def _load(name: str) -> dict[str, np.ndarray]:
    assert REFERENCE_DIR is not None
    with np.load(REFERENCE_DIR / name) as data:
        return {key: data[key] for key in data.files if key != "meta_json"}


def _assert_close(actual, desired, rtol=1e-9):
    desired = np.asarray(desired)
    np.testing.assert_allclose(
        np.asarray(actual), desired, rtol=rtol, atol=1e-12 * np.max(np.abs(desired))
    )


# --------------------------------------------------------------------------
# Reference vectors (Elephant)


def _csd_estimates(ref: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Everything in csd.npz recomputed with jaxfne, in the file's units (time last)."""
    z, h, diam = ref["z_um"], float(ref["h_um"]), float(ref["diam_um"])
    radius, sigma = float(ref["R_um"]), float(ref["sigma_S_per_m"])
    phi_delta = ref["phi_delta_mV"].T  # (time, contacts)
    phi_step = ref["phi_step_mV"].T
    true = ref["csd_true_Apm3"].T / APM3_PER_UA_PER_MM3  # uA/mm^3
    h_m = h * 1e-6

    def apm3(csd):
        return np.asarray(csd).T * APM3_PER_UA_PER_MM3

    # mV per (uA/mm^3) -> V per (A/m^3): 1e-3 V/mV * 1e-3 (uA/mm^3)/(A/m^3).
    f_delta = np.asarray(thin_disc_forward_matrix(z, z, h, radius, sigma)) * 1e-6
    f_step = np.asarray(disc_forward_matrix(z, z, h, radius, sigma)) * 1e-6
    delta = delta_icsd(phi_delta, z, diam, sigma)
    vaknin = standard_csd(phi_delta, h, sigma, vaknin=True)
    # Elephant's coordinates are rescaled to the unit of diam (um here).
    spline_z, spline = spline_icsd(
        phi_delta, z, diam, sigma, n_points=ref["z_spline_um"].size, length_unit_um=1.0
    )
    return {
        "F_delta_V_per_Apm3": f_delta,
        "F_step_V_per_Apm3": f_step,
        "phi_delta_mV": np.asarray(true @ delta_icsd_forward_matrix(z, diam, sigma).T).T,
        "phi_step_mV": np.asarray(true @ step_icsd_forward_matrix(z, diam, sigma).T).T,
        "csd_standard_vaknin_Apm2": apm3(vaknin) * h_m,
        "csd_standard_vaknin_Apm3": apm3(vaknin),
        "csd_standard_novaknin_Apm3": apm3(standard_csd(phi_delta, h, sigma, vaknin=False)),
        "z_standard_novaknin_um": z[1:-1],
        "csd_delta_Apm2": apm3(delta) * h_m,
        "csd_delta_Apm3": apm3(delta),
        "csd_delta_filtered_Apm3": apm3(smooth_csd(delta, 3, 1.0)),
        "csd_step_on_step_Apm3": apm3(step_icsd(phi_step, z, diam, sigma)),
        "csd_step_on_delta_Apm3": apm3(step_icsd(phi_delta, z, diam, sigma)),
        "csd_spline_on_delta_Apm3": apm3(spline),
        "z_spline_um": np.asarray(spline_z),
    }


CSD_KEYS = [
    "F_delta_V_per_Apm3",
    "F_step_V_per_Apm3",
    "phi_delta_mV",
    "phi_step_mV",
    "csd_standard_vaknin_Apm2",
    "csd_standard_vaknin_Apm3",
    "csd_standard_novaknin_Apm3",
    "z_standard_novaknin_um",
    "csd_delta_Apm2",
    "csd_delta_Apm3",
    "csd_delta_filtered_Apm3",
    "csd_step_on_step_Apm3",
    "csd_step_on_delta_Apm3",
    "csd_spline_on_delta_Apm3",
    "z_spline_um",
]


@pytest.fixture(scope="module")
def csd_reference():
    ref = _load("csd.npz")
    return ref, _csd_estimates(ref)


@needs_reference
@pytest.mark.parametrize("key", CSD_KEYS)
def test_csd_reference(csd_reference, key):
    ref, ours = csd_reference
    _assert_close(ours[key], ref[key])


@needs_reference
def test_csd_reference_true_csd_recovered(csd_reference):
    ref, ours = csd_reference
    for key in ("csd_delta_Apm3", "csd_step_on_step_Apm3"):
        _assert_close(ours[key], ref["csd_true_Apm3"], rtol=1e-9)


@needs_reference
def test_population_two_point_reference():
    ref = _load("population_two_point.npz")
    z = ref["contact_depth_um"]
    radius = float(ref["pop_radius_um"])
    sigma = float(ref["sigma_S_per_m"])
    widths = np.diff(ref["bin_edges_depth_um"])
    csd_true = ref["csd_true_nA_per_um3"].T * UA_PER_MM3_PER_NA_PER_UM3
    phi_disc = csd_true @ np.asarray(thin_disc_forward_matrix(z, z, widths[0], radius, sigma)).T
    _assert_close(phi_disc.T, ref["potential_disc_model_mV"])
    estimate = delta_icsd(ref["potential_mV"].T, z, 2 * radius, sigma)
    _assert_close(np.asarray(estimate).T * APM3_PER_UA_PER_MM3, ref["csd_delta_est_Apm3"])


# --------------------------------------------------------------------------
# Exact inverses on geometries other than the reference's


GEOMETRIES = [
    # (first depth, spacing, contacts, radius, sigma)
    (20.0, 50.0, 12, 300.0, 0.4),
    (100.0, 100.0, 16, 250.0, 0.3),
    (35.0, 75.0, 7, 1000.0, 0.15),
]


def _assert_icsd_inverts(forward, estimate, inverse, geometry, *, seed, n_steps):
    """`estimate` and `inverse` recover a random CSD from the `forward` model's potentials."""
    first, spacing, n, radius, sigma = geometry
    z = first + spacing * np.arange(n)
    csd = np.random.default_rng(seed).normal(size=(n_steps, n))
    phi = csd @ np.asarray(forward(z, z, spacing, radius, sigma)).T
    np.testing.assert_allclose(estimate(phi, z, 2 * radius, sigma), csd, rtol=1e-10, atol=1e-12)
    matrix = inverse(z, 2 * radius, sigma)
    np.testing.assert_allclose(phi @ np.asarray(matrix).T, csd, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("first, spacing, n, radius, sigma", GEOMETRIES)
def test_delta_icsd_inverts_thin_disc_model(first, spacing, n, radius, sigma):
    _assert_icsd_inverts(
        thin_disc_forward_matrix, delta_icsd, delta_icsd_matrix,
        (first, spacing, n, radius, sigma), seed=1, n_steps=5,
    )


@pytest.mark.parametrize("first, spacing, n, radius, sigma", GEOMETRIES)
def test_step_icsd_inverts_thick_disc_model(first, spacing, n, radius, sigma):
    _assert_icsd_inverts(
        disc_forward_matrix, step_icsd, step_icsd_matrix,
        (first, spacing, n, radius, sigma), seed=2, n_steps=4,
    )


# Spline-iCSD tests use 8 contacts and 29 output points (every 4th on a
# contact) so that the compiled pieces are shared between them.
SPLINE_POINTS = 29


def test_spline_icsd_inverts_its_forward_model_and_matrix():
    rng = np.random.default_rng(3)
    z = 20.0 + 50.0 * np.arange(8)
    csd = rng.normal(size=(4, 8))
    for unit in (1.0, 1e6, None):
        phi = csd @ np.asarray(spline_icsd_forward_matrix(z, 600.0, 0.4, unit)).T
        depths, est = spline_icsd(phi, z, 600.0, 0.4, SPLINE_POINTS, unit)
        np.testing.assert_allclose(depths, np.linspace(z[0], z[-1], SPLINE_POINTS), rtol=1e-14)
        np.testing.assert_allclose(np.asarray(est)[:, ::4], csd, rtol=1e-10, atol=1e-12)
        matrix_depths, matrix = spline_icsd_matrix(z, 600.0, 0.4, SPLINE_POINTS, unit)
        np.testing.assert_allclose(matrix_depths, depths, rtol=1e-14)
        np.testing.assert_allclose(phi @ np.asarray(matrix).T, est, rtol=1e-10, atol=1e-12)


def test_spline_natural_matches_scipy_spline_and_quadrature():
    """length_unit_um=None: scipy's natural cubic spline through 0, C, 0."""
    from scipy.integrate import quad
    from scipy.interpolate import CubicSpline

    radius, sigma, h = 120.0, 0.25, 60.0
    z = 30.0 + h * np.arange(8)
    values = np.array([0.7, -1.3, 2.0, 0.4, -0.5, 1.1, 0.2, -0.9])  # uA/mm^3 at the contacts
    knots = np.r_[z[0] - h, z, z[-1] + h]
    spline = CubicSpline(knots, np.r_[0.0, values, 0.0], bc_type="natural")

    def potential(zj):  # mV; the segment below the last contact is left out
        def integrand(zeta):
            return spline(zeta) * (np.hypot(zj - zeta, radius) - abs(zj - zeta))

        total = sum(quad(integrand, a, a + h, epsabs=0, epsrel=1e-13)[0] for a in knots[:-2])
        return total / (2 * sigma) / UA_PER_MM3_PER_NA_PER_UM3

    forward = np.asarray(spline_icsd_forward_matrix(z, 2 * radius, sigma, length_unit_um=None))
    np.testing.assert_allclose(forward @ values, [potential(zj) for zj in z], rtol=1e-11)
    np.testing.assert_allclose(
        forward, spline_icsd_forward_matrix(z, 2 * radius, sigma, length_unit_um=h), rtol=1e-14
    )
    depths, est = spline_icsd((forward @ values)[None], z, 2 * radius, sigma, SPLINE_POINTS, None)
    np.testing.assert_allclose(est[0], spline(np.asarray(depths)), rtol=1e-10, atol=1e-12)


def test_thick_disc_matches_quadrature_and_thin_limit():
    from scipy.integrate import quad

    radius, sigma, h = 180.0, 0.33, 40.0
    contacts = np.array([0.0, 15.0, 90.0, 700.0])
    sources = np.array([10.0, 300.0])
    ours = np.asarray(disc_forward_matrix(contacts, sources, h, radius, sigma))
    for j, zj in enumerate(contacts):
        for i, zi in enumerate(sources):
            value, _ = quad(
                lambda s, zj=zj: np.sqrt((zj - s) ** 2 + radius**2) - abs(zj - s),
                zi - h / 2, zi + h / 2, points=[zj], epsabs=0.0, epsrel=1e-13,
            )
            np.testing.assert_allclose(ours[j, i], value / (2 * sigma) * 1e-6, rtol=1e-11)
    # A slab much thinner than R and the distance is the thin disc it represents.
    thin = thin_disc_forward_matrix(contacts, sources, 1e-3, radius, sigma)
    thick = disc_forward_matrix(contacts, sources, 1e-3, radius, sigma)
    np.testing.assert_allclose(thick, thin, rtol=1e-7)


def test_standard_csd_is_second_difference_and_matrix():
    rng = np.random.default_rng(3)
    phi = rng.normal(size=(3, 9))
    spacing, sigma = 60.0, 0.25
    expected = -sigma * (phi[:, 2:] - 2 * phi[:, 1:-1] + phi[:, :-2]) / spacing**2 * 1e6
    out = standard_csd(phi, spacing, sigma, vaknin=False)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    vak = standard_csd(phi, spacing, sigma)
    np.testing.assert_allclose(vak[:, 1:-1], expected, rtol=1e-12)
    np.testing.assert_allclose(vak[:, 0], -sigma * (phi[:, 1] - phi[:, 0]) / spacing**2 * 1e6)
    for vaknin in (True, False):
        matrix = standard_csd_matrix(9, spacing, sigma, vaknin)
        np.testing.assert_allclose(
            phi @ np.asarray(matrix).T, standard_csd(phi, spacing, sigma, vaknin), rtol=1e-12
        )


def test_smooth_csd_window():
    x = np.zeros((1, 5))
    x[0, 2] = 1.0
    w = np.exp(-0.5 * np.array([1.0, 0.0, 1.0]))
    w /= w.sum()
    np.testing.assert_allclose(smooth_csd(x)[0], [0.0, w[0], w[1], w[2], 0.0], rtol=1e-14)
    np.testing.assert_allclose(smooth_csd(x, 1), x)


# --------------------------------------------------------------------------
# 1-D Poisson solver


def _numpy_operator(dz, sigma):
    """Discrete -d/dz(sigma d/dz) with ghost-cell Neumann ends, assembled by hand."""
    n = sigma.size
    op = np.zeros((n, n))
    for j in range(n):
        for k in (j - 1, j + 1):
            if 0 <= k < n:  # outside: ghost value equal to phi_j, zero flux
                face = 2 * sigma[j] * sigma[k] / (sigma[j] + sigma[k])
                op[j, j] += face / dz**2
                op[j, k] -= face / dz**2
    return op  # (S/m)/um^2: op @ phi[mV] is in nA/um^3


@pytest.fixture
def layered():
    rng = np.random.default_rng(4)
    n, dz = 24, 40.0
    sigma = rng.uniform(0.1, 0.6, size=n)
    csd = rng.normal(size=(6, n))  # uA/mm^3, net source not zero
    return csd, dz, sigma


def test_poisson_discrete_equation_boundary_and_gauge(layered):
    csd, dz, sigma = layered
    phi = np.asarray(poisson_potential(csd, dz, sigma))
    centred = csd - csd.mean(axis=1, keepdims=True)
    lhs = phi @ _numpy_operator(dz, sigma).T * UA_PER_MM3_PER_NA_PER_UM3
    np.testing.assert_allclose(lhs, centred, rtol=1e-9, atol=1e-9 * np.abs(csd).max())
    np.testing.assert_allclose(phi.mean(axis=1), 0.0, atol=1e-13 * np.abs(phi).max())
    # Current density on the faces: its divergence is the (centred) CSD and the
    # flux through both ends is zero.
    current = np.asarray(extracellular_current_density(phi, dz, sigma))
    assert current.shape == (6, 23)
    padded = np.pad(current, ((0, 0), (1, 1)))  # zero flux on the boundary faces
    divergence = np.diff(padded, axis=1) / dz * 1e3  # uA/mm^2/um -> uA/mm^3
    np.testing.assert_allclose(divergence, centred, rtol=1e-9, atol=1e-9 * np.abs(csd).max())
    # The net source removed before solving.
    net = net_laminar_source(csd, dz)
    np.testing.assert_allclose(net, csd.sum(axis=1) * dz * 1e-3, rtol=1e-12)
    np.testing.assert_allclose(poisson_potential(centred, dz, sigma), phi, rtol=1e-9, atol=1e-15)


def test_poisson_uniform_sigma_matches_numpy(layered):
    csd, dz, _ = layered
    sigma = np.full(csd.shape[1], 0.3)
    phi = np.asarray(poisson_potential(csd, dz, sigma))
    direct = csd @ np.linalg.pinv(_numpy_operator(dz, sigma)).T / UA_PER_MM3_PER_NA_PER_UM3
    np.testing.assert_allclose(phi, direct, rtol=1e-9, atol=1e-12 * np.abs(direct).max())
    # With uniform sigma, Vaknin's end duplication is the ghost-cell Neumann
    # condition, so the standard CSD is the exact inverse (up to the mean).
    back = standard_csd(phi, dz, 0.3, vaknin=True)
    centred = csd - csd.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(back, centred, rtol=1e-9, atol=1e-9 * np.abs(csd).max())


def test_poisson_matrix(layered):
    csd, dz, sigma = layered
    matrix = np.asarray(poisson_matrix(dz, sigma))
    np.testing.assert_allclose(
        csd @ matrix.T, poisson_potential(csd, dz, sigma), rtol=1e-9, atol=1e-15
    )
    np.testing.assert_allclose(matrix, matrix.T, atol=1e-12 * np.abs(matrix).max())
    np.testing.assert_allclose(matrix.sum(axis=1), 0.0, atol=1e-12 * np.abs(matrix).max())
    pinv = np.linalg.pinv(_numpy_operator(dz, sigma)) / UA_PER_MM3_PER_NA_PER_UM3
    np.testing.assert_allclose(matrix, pinv, rtol=1e-8, atol=1e-10 * np.abs(pinv).max())


def test_face_conductivity_is_harmonic_mean():
    np.testing.assert_allclose(face_conductivity(np.array([0.1, 0.3, 0.3])), [0.15, 0.3])


# --------------------------------------------------------------------------
# Gradients against central finite differences


def _central_difference(fn, x, eps):
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def _check_gradient(fn, x, eps=None):
    """jax.grad of a scalar function of a scalar against a central difference."""
    x = float(x)
    eps = 1e-5 * abs(x) if eps is None else eps
    value = jax.jit(fn)
    grad = float(jax.jit(jax.grad(fn))(x))
    fd = float(_central_difference(value, x, eps))
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


WEIGHTS = np.random.default_rng(5).normal(size=(8, 8))
LFP = np.random.default_rng(6).normal(size=(3, 8))


def test_gradients_disc_forward_matrices():
    contacts = 30.0 + 70.0 * np.arange(8)
    sources = 55.0 + 70.0 * np.arange(8)
    for forward in (disc_forward_matrix, thin_disc_forward_matrix):

        def by_radius(r, forward=forward):
            return jnp.sum(forward(contacts, sources, 70.0, r, 0.3) * WEIGHTS)

        def by_sigma(s, forward=forward):
            return jnp.sum(forward(contacts, sources, 70.0, 200.0, s) * WEIGHTS)

        def by_contact(z3, forward=forward):
            zc = jnp.asarray(contacts).at[3].set(z3)
            return jnp.sum(forward(zc, sources, 70.0, 200.0, 0.3) * WEIGHTS)

        def by_thickness(h, forward=forward):
            return jnp.sum(forward(contacts, sources, h, 200.0, 0.3) * WEIGHTS)

        _check_gradient(by_radius, 200.0)
        _check_gradient(by_sigma, 0.3)
        _check_gradient(by_contact, contacts[3])
        _check_gradient(by_thickness, 70.0)


@pytest.mark.parametrize("estimator", [delta_icsd, step_icsd])
def test_gradients_icsd(estimator):
    def depths(spacing):
        return 40.0 + spacing * jnp.arange(8)

    def by_spacing(spacing):
        return jnp.sum(estimator(LFP, depths(spacing), 500.0, 0.3) * LFP)

    def by_diameter(diam):
        return jnp.sum(estimator(LFP, depths(80.0), diam, 0.3) * LFP)

    def by_sigma(sigma):
        return jnp.sum(estimator(LFP, depths(80.0), 500.0, sigma) * LFP)

    _check_gradient(by_spacing, 80.0)
    _check_gradient(by_diameter, 500.0)
    _check_gradient(by_sigma, 0.3)


def test_gradients_and_jit_spline_icsd():
    weights = np.random.default_rng(10).normal(size=(3, SPLINE_POINTS))

    def loss(params):  # contact spacing, diameter, sigma, length unit
        z = 40.0 + params[0] * jnp.arange(8)
        _, csd = spline_icsd(LFP, z, params[1], params[2], SPLINE_POINTS, params[3])
        return jnp.sum(csd * weights)

    # One compilation (the whole estimator under jit); the finite differences
    # reuse the jitted value.
    value_and_grad = jax.jit(jax.value_and_grad(loss))
    params = np.array([80.0, 500.0, 0.3, 1.0])
    value, grad = value_and_grad(params)
    np.testing.assert_allclose(value, loss(params.tolist()), rtol=1e-12)  # eager
    for k in range(params.size):
        step = np.zeros(params.size)
        step[k] = 1e-5 * params[k]
        fd = (value_and_grad(params + step)[0] - value_and_grad(params - step)[0]) / (2 * step[k])
        np.testing.assert_allclose(grad[k], fd, rtol=1e-5)


def test_gradients_poisson(layered):
    csd, dz, sigma = layered
    weights = np.random.default_rng(7).normal(size=csd.shape)
    direction = np.random.default_rng(8).normal(size=sigma.shape)
    pair_weights = np.random.default_rng(9).normal(size=(sigma.size, sigma.size))

    def along_sigma(t):
        s = sigma * jnp.exp(t * direction)
        phi = poisson_potential(csd, dz, s)
        current = extracellular_current_density(phi, dz, s)
        return jnp.sum(phi * weights) + jnp.sum(current * weights[:, 1:])

    def by_dz(d):
        return jnp.sum(poisson_potential(csd, d, sigma) * weights)

    def matrix_along_sigma(t):
        return jnp.sum(poisson_matrix(dz, sigma * jnp.exp(t * direction)) * pair_weights)

    _check_gradient(along_sigma, 0.0, eps=1e-5)
    _check_gradient(matrix_along_sigma, 0.0, eps=1e-5)
    _check_gradient(by_dz, dz)


# --------------------------------------------------------------------------
# jit


def test_jit_matches_eager(layered):
    z = 50.0 + 100.0 * np.arange(8)
    for fn in (delta_icsd, step_icsd):
        np.testing.assert_allclose(jax.jit(fn)(LFP, z, 500.0, 0.3), fn(LFP, z, 500.0, 0.3),
                                   rtol=1e-12)
    jitted = jax.jit(standard_csd, static_argnames="vaknin")
    for vaknin in (True, False):
        np.testing.assert_allclose(
            jitted(LFP, 100.0, 0.3, vaknin=vaknin), standard_csd(LFP, 100.0, 0.3, vaknin),
            rtol=1e-12,
        )
    csd, dz, sigma = layered
    np.testing.assert_allclose(jax.jit(poisson_potential)(csd, dz, sigma),
                               poisson_potential(csd, dz, sigma), rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(jax.jit(poisson_matrix)(dz, sigma), poisson_matrix(dz, sigma),
                               rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(
        jax.jit(disc_forward_matrix)(z, z, 100.0, 250.0, 0.3),
        disc_forward_matrix(z, z, 100.0, 250.0, 0.3), rtol=1e-14,
    )


# --------------------------------------------------------------------------
# Errors


Z8 = 50.0 + 100.0 * np.arange(8)
UNEVEN = np.r_[Z8[:3], 360.0, Z8[4:]]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: delta_icsd(LFP[:, :2], Z8[:2], 500.0),
         r"`contact_depths_um` must hold at least 3"),
        (lambda: standard_csd(LFP[:, :2], 100.0), r"`lfp_mV` must have at least 3 contacts"),
        (lambda: step_icsd(LFP, Z8[::-1], 500.0),
         r"`contact_depths_um` must be strictly increasing"),
        (lambda: delta_icsd(LFP, UNEVEN, 500.0), r"`contact_depths_um` must be evenly spaced"),
        (lambda: delta_icsd(LFP[:, :7], Z8, 500.0), r"`lfp_mV` must have shape \(\*, 8\)"),
        (lambda: delta_icsd(LFP, Z8, -500.0),
         r"`diameter_um` must be finite and positive; got -500"),
        (lambda: step_icsd(LFP, Z8, 500.0, 0.0), r"`sigma_S_per_m` must be finite and positive"),
        (lambda: standard_csd(LFP, 0.0), r"`spacing_um` must be finite and positive; got 0.0"),
        (lambda: standard_csd(LFP, 100.0, -0.3), r"`sigma_S_per_m` must be finite and positive"),
        (lambda: disc_forward_matrix(Z8, Z8, -1.0, 250.0), r"`thickness_um` must be finite"),
        (lambda: thin_disc_forward_matrix(Z8, Z8, 100.0, 0.0), r"`radius_um` must be finite"),
        (lambda: poisson_potential(LFP, 100.0, np.full(7, 0.3)),
         r"`sigma_S_per_m` must have shape \(8\)"),
        (lambda: poisson_potential(LFP, -10.0, np.full(8, 0.3)), r"`dz_um` must be finite"),
        (lambda: poisson_matrix(10.0, np.r_[0.3, -0.1, 0.3]), r"`sigma_S_per_m` must be finite"),
        (lambda: poisson_potential(LFP[:, :1], 10.0, np.full(1, 0.3)), r"at least 2 bins"),
        (lambda: extracellular_current_density(LFP, 10.0, np.full(9, 0.3)),
         r"`sigma_S_per_m` must have shape \(8\)"),
        (lambda: smooth_csd(LFP, 4), r"`n_taps` must be an odd positive integer"),
        (lambda: spline_icsd(LFP, Z8, 500.0, n_points=1), r"`n_points` must be an integer >= 2"),
        (lambda: spline_icsd_matrix(Z8, 500.0, n_points=True), r"`n_points` must be an integer"),
        (lambda: spline_icsd(LFP, Z8, 500.0, length_unit_um=0.0),
         r"`length_unit_um` must be finite and positive; got 0.0"),
        (lambda: spline_icsd(LFP[:, :7], Z8, 500.0), r"`lfp_mV` must have shape \(\*, 8\)"),
        (lambda: spline_icsd(LFP, UNEVEN, 500.0), r"`contact_depths_um` must be evenly spaced"),
        (lambda: spline_icsd_matrix(Z8[::-1], 500.0),
         r"`contact_depths_um` must be strictly increasing"),
        (lambda: spline_icsd_forward_matrix(Z8, 0.0), r"`diameter_um` must be finite"),
        (lambda: spline_icsd(LFP, Z8, 500.0, -0.3), r"`sigma_S_per_m` must be finite"),
        (lambda: spline_icsd(LFP * np.nan, Z8, 500.0), r"`lfp_mV` must be finite"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_checks_skipped_under_trace():
    # Depths become tracers: the uniform-spacing check cannot run and is skipped.
    out = jax.jit(delta_icsd)(LFP, UNEVEN, 500.0)
    assert out.shape == LFP.shape
