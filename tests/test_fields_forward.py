"""Tests for the stateless forward models: LFP, EEG (four-sphere) and MEG.

Reference vectors come from LFPykit 0.6.2 (see the reference README); they are
read from ``../../shared/reference`` beside the repository, or from the folder
named by ``JAXFNE_REFERENCE_DIR``. Independent checks (closed forms, boundary
conditions, finite differences) do not need them.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxfne.fields._head import four_sphere_potential, four_sphere_transfer_matrix
from jaxfne.fields._meg import (
    magnetic_field_infinite,
    magnetic_field_sarvas,
    sarvas_transfer_matrix,
)
from jaxfne.fields._potentials import (
    current_dipole_moment,
    infinite_dipole_potential,
    line_source_matrix,
    line_source_potential,
    point_source_matrix,
    point_source_potential,
)

RADII = np.array([79000.0, 80000.0, 85000.0, 90000.0])
SIGMAS = np.array([0.3, 1.5, 0.015, 0.3])
CLOSED_FORM_RTOL = 1e-9
FOUR_SPHERE_RTOL = 1e-5


def _reference_dir() -> Path | None:
    here = Path(__file__).resolve().parents[2] / "shared" / "reference"
    if here.is_dir():
        return here
    env = os.environ.get("JAXFNE_REFERENCE_DIR")
    if env and Path(env).is_dir():
        return Path(env)
    return None


def load_reference(name: str) -> dict[str, np.ndarray]:
    folder = _reference_dir()
    if folder is None or not (folder / f"{name}.npz").is_file():
        pytest.skip(f"reference file {name}.npz not found (set JAXFNE_REFERENCE_DIR)")
    with np.load(folder / f"{name}.npz") as data:
        return {k: data[k] for k in data.files}


def assert_close(actual, expected, rtol: float) -> None:
    """Elementwise within `rtol` of the largest reference magnitude."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape
    assert np.all(np.isfinite(actual))
    scale = np.max(np.abs(expected))
    err = np.max(np.abs(actual - expected)) / scale
    assert err <= rtol, f"max error {err:.3e} of the reference scale exceeds {rtol:.1e}"


def segments(data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    x, y, z = data["segment_x_um"], data["segment_y_um"], data["segment_z_um"]
    return np.stack([x[:, 0], y[:, 0], z[:, 0]], 1), np.stack([x[:, 1], y[:, 1], z[:, 1]], 1)


def on_sphere(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    v = rng.normal(size=(n, 3))
    return radius * (1.0 - 1e-13) * v / np.linalg.norm(v, axis=1, keepdims=True)


def central_difference(f, x: np.ndarray, step: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += step
        down[i] -= step
        out[i] = (float(f(up)) - float(f(down))) / (2 * step)
    return out


def assert_gradient(grad, fd, rtol: float = 1e-5) -> None:
    grad = np.asarray(grad)
    assert np.all(np.isfinite(grad))
    err = np.max(np.abs(grad - fd)) / np.max(np.abs(fd))
    assert err <= rtol, f"gradient differs from finite differences by {err:.2e}"


# --------------------------------------------------------------------------
# reference vectors (LFPykit)


def test_point_sources_match_lfpykit():
    d = load_reference("point_source_lfp")
    sigma = float(d["sigma_S_per_m"])
    currents = d["currents_nA"].T
    phi = point_source_potential(
        d["electrode_locations_um"], d["source_locations_um"], currents, sigma
    )
    np.testing.assert_allclose(phi, d["potential_mV"].T, rtol=CLOSED_FORM_RTOL)
    m = point_source_matrix(d["electrode_locations_um"], d["source_locations_um"], sigma)
    np.testing.assert_allclose(m, d["M_mV_per_nA"], rtol=CLOSED_FORM_RTOL)
    p = current_dipole_moment(d["source_locations_um"], currents)
    np.testing.assert_allclose(p, d["dipole_moment_nAum"].T, rtol=CLOSED_FORM_RTOL)


def test_line_sources_match_lfpykit():
    d = load_reference("line_source_lfp")
    sigma = float(d["sigma_S_per_m"])
    starts, ends = segments(d)
    currents = d["currents_nA"].T
    e = d["electrode_locations_um"]
    phi = line_source_potential(e, starts, ends, currents, sigma)
    np.testing.assert_allclose(phi, d["potential_mV"].T, rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(
        line_source_matrix(e, starts, ends, sigma), d["M_mV_per_nA"], rtol=CLOSED_FORM_RTOL
    )
    mid = (starts + ends) / 2
    np.testing.assert_allclose(
        point_source_potential(e, mid, currents, sigma),
        d["potential_pointsource_mV"].T,
        rtol=CLOSED_FORM_RTOL,
    )
    p = current_dipole_moment(mid, currents)
    np.testing.assert_allclose(p, d["dipole_moment_nAum"].T, rtol=CLOSED_FORM_RTOL)


def test_infinite_dipole_matches_lfpykit():
    d = load_reference("infinite_dipole_eeg")
    sigma = float(d["sigma_S_per_m"])
    e = d["electrode_locations_um"]
    total = 0.0
    for k, loc in enumerate(d["dipole_locations_um"]):
        phi = infinite_dipole_potential(e, loc, d["dipole_moments_nAum"][k].T, sigma)
        np.testing.assert_allclose(phi, d["potential_mV"][k].T, rtol=CLOSED_FORM_RTOL)
        total = total + phi
    np.testing.assert_allclose(total, d["potential_total_mV"].T, rtol=CLOSED_FORM_RTOL)


@pytest.mark.parametrize("name", ["four_sphere_eeg", "four_sphere_eeg_custom"])
def test_four_sphere_matches_lfpykit(name):
    d = load_reference(name)
    radii, sigmas = d["radii_um"], d["sigmas_S_per_m"]
    total = 0.0
    for k, loc in enumerate(d["dipole_locations_um"]):
        p = d["dipole_moments_nAum"][k].T
        m = four_sphere_transfer_matrix(d["electrode_locations_um"], loc, radii, sigmas)
        assert_close(m, d["transfer_matrix_mV_per_nAum"][k], FOUR_SPHERE_RTOL)
        phi = four_sphere_potential(d["electrode_locations_um"], loc, p, radii, sigmas)
        assert_close(phi, d["potential_mV"][k].T, FOUR_SPHERE_RTOL)
        total = total + phi
        # One contact in each shell. LFPykit stops its series at the first term
        # below 2e-8 of the sum; for the brain contact (terms ~ 0.96^n) the
        # tail it drops is ~1.1e-5 of the signal (our value is checked against
        # the plain series in test_four_sphere_brain_closed_form_matches_plain_series), so
        # that contact gets twice the tolerance.
        inner = d["inner_electrode_locations_um"]
        phi_inner = four_sphere_potential(inner, loc, p, radii, sigmas)
        ref_inner = d["inner_potential_mV"][k].T
        for j, layer in enumerate(d["inner_layer"]):
            rtol = 2 * FOUR_SPHERE_RTOL if layer == 0 else FOUR_SPHERE_RTOL
            assert_close(phi_inner[:, j], ref_inner[:, j], rtol)
    assert_close(total, d["potential_total_mV"].T, FOUR_SPHERE_RTOL)


def test_magnetic_fields_match_lfpykit():
    d = load_reference("meg_dipole")
    s = d["sensor_locations_um"]
    for k, loc in enumerate(d["dipole_locations_um"]):
        q = d["dipole_moments_nAum"][k].T
        b_inf = magnetic_field_infinite(s, loc, q)
        np.testing.assert_allclose(
            b_inf, d["B_inf_fT"][k].transpose(2, 0, 1), rtol=CLOSED_FORM_RTOL, atol=1e-12
        )
        b_sph = magnetic_field_sarvas(s, loc, q)
        np.testing.assert_allclose(
            b_sph, d["B_sph_fT"][k].transpose(2, 0, 1), rtol=CLOSED_FORM_RTOL, atol=1e-12
        )
        # Same numbers in T through mu0 H.
        h_sph = d["H_sph_nA_per_um"][k].transpose(2, 0, 1)
        np.testing.assert_allclose(
            b_sph * 1e-15, float(d["mu0_T_m_per_A"]) * h_sph * 1e-3, rtol=CLOSED_FORM_RTOL
        )


# --------------------------------------------------------------------------
# independent checks: closed forms and physics


def homogeneous_sphere_surface(electrodes, dipole, moment, sigma):
    """Surface potential of a dipole in a homogeneous sphere in air (Brody 1973)."""
    e = np.asarray(electrodes, float)
    d = e - dipole
    dn = np.linalg.norm(d, axis=1)[:, None]
    rn = np.linalg.norm(e, axis=1)[:, None]
    rd = np.sum(e * d, axis=1)[:, None]
    field = 2 * d / dn**3 + (dn * e + rn * d) / (rn * dn * (rn * dn + rd))
    return moment @ field.T / (4 * np.pi * sigma)


def test_four_sphere_equal_conductivities_is_homogeneous_sphere():
    rng = np.random.default_rng(0)
    e = on_sphere(rng, 16, RADII[3])
    moment = rng.normal(size=(3, 3)) * 1e7
    for depth in (1500.0, 20000.0, 60000.0):
        dipole = on_sphere(rng, 1, RADII[0] - depth)[0]
        phi = four_sphere_potential(e, dipole, moment, RADII, (0.33, 0.33, 0.33, 0.33))
        expected = homogeneous_sphere_surface(e, dipole, moment, 0.33)
        assert_close(phi, expected, 1e-9)


def test_four_sphere_boundary_conditions():
    """Potential and normal current are continuous; no current leaves the scalp.

    Radial derivatives from one-sided three-point differences (error
    O(h^2 / thickness^2)), all points in one call.
    """
    radii = np.array([79500.0, 81000.0, 86500.0, 92000.0])
    sigmas = np.array([0.33, 1.79, 0.0132, 0.33])
    dipole = np.array([4000.0, -30000.0, 70000.0])
    moment = np.array([[1e7, -3e6, 5e6]])
    u = np.array([0.3, -0.2, 1.0]) / np.linalg.norm([0.3, -0.2, 1.0])
    h = 0.2
    offsets = np.array([0.0, -h, -2 * h, 1e-9, h, 2 * h])  # inner side, outer side
    r = np.concatenate([rk + offsets for rk in radii[:3]] + [radii[3] - np.array([0, h, 2 * h])])
    phi = np.asarray(four_sphere_potential(r[:, None] * u, dipole, moment, radii, sigmas))[0]

    def slope(f0, f1, f2, step):
        return (-3 * f0 + 4 * f1 - f2) / (2 * step)

    for k in range(3):
        f = phi[6 * k : 6 * k + 6]
        np.testing.assert_allclose(f[0], f[3], rtol=1e-10)
        inside = slope(f[0], f[1], f[2], -h)
        outside = slope(f[3], f[4], f[5], h)
        np.testing.assert_allclose(sigmas[k] * inside, sigmas[k + 1] * outside, rtol=1e-5)
    scale = abs(slope(phi[3], phi[4], phi[5], h))
    assert abs(slope(*phi[18:21], -h)) <= 1e-5 * scale


def test_four_sphere_brain_closed_form_matches_plain_series():
    """Brain contacts: closed-form source term + reflected series = plain series.

    Re-derives the brain reflection coefficients with an independent
    parameterisation (the ratio u = b r^-(2n+1) / a of the two radial
    solutions, carried inwards shell by shell) and sums the plain series
    (source and reflected terms together) with 6000 terms in numpy.
    """
    radii = np.array([79500.0, 81000.0, 86500.0, 92000.0])
    sigmas = np.array([0.33, 1.79, 0.0132, 0.33])
    dipole = np.array([4646.1, -38486.7, 67176.4])
    contact = np.array([-15495.6, -20477.0, 74212.6])  # |r| = 78530 > |dipole| = 77560
    moment = np.array([[1e7, -3e6, 5e6]])
    phi = four_sphere_potential(contact[None], dipole, moment, radii, sigmas)

    n = np.arange(1, 6001, dtype=float)
    r1 = radii[0]
    log_deriv = np.zeros_like(n)  # r h'/h just inside the scalp surface
    for k in (3, 2, 1):
        # h = a r^n + b r^-(n+1) in shell k; u = b r^-(2n+1) / a at its outer
        # radius, then at its inner radius (capped: beyond e^700 the shell
        # holds only the decaying solution to machine precision).
        u = (n - log_deriv) / (n + 1 + log_deriv)
        growth = np.exp(np.minimum((2 * n + 1) * np.log(radii[k] / radii[k - 1]), 700.0))
        v = u * growth
        inner = (n - (n + 1) * v) / (1 + v)
        log_deriv = sigmas[k] / sigmas[k - 1] * inner
    reflect = (n + 1 + log_deriv) / (n - log_deriv)  # A_n r1^(2n+1)
    rz, r = np.linalg.norm(dipole), np.linalg.norm(contact)
    gamma = (rz / r) ** (n - 1) / r**2 + reflect * (rz * r / r1**2) ** (n - 1) * r / r1**3
    x = contact @ dipole / (r * rz)
    p_n = np.zeros(n.size + 1)
    dp_n = np.zeros(n.size + 1)
    p_n[0], p_n[1], dp_n[1] = 1.0, x, 1.0
    for k in range(1, n.size):
        p_n[k + 1] = ((2 * k + 1) * x * p_n[k] - k * p_n[k - 1]) / (k + 1)
        dp_n[k + 1] = dp_n[k - 1] + (2 * k + 1) * p_n[k]
    rp_hat, r_hat = dipole / rz, contact / r
    row = (
        np.sum(gamma * (n * p_n[1:] - x * dp_n[1:])) * rp_hat + np.sum(gamma * dp_n[1:]) * r_hat
    ) / (4 * np.pi * sigmas[0])
    np.testing.assert_allclose(phi[0, 0], moment[0] @ row, rtol=1e-10)


def test_four_sphere_deep_dipole_approaches_infinite_medium():
    """Far from the skull the head does not matter: reflections scale as (d/R)^3."""
    dipole = np.array([0.0, 0.0, 1000.0])
    e = np.array([[0.0, 0.0, 3000.0], [0.0, 0.0, -1000.0], [1500.0, 500.0, 1500.0]])
    moment = np.array([[1e4, 2e4, -3e4], [0.0, 0.0, 1e4]])
    errors = []
    for scale in (1.0, 10.0):
        phi = four_sphere_potential(e, dipole, moment, RADII * scale, SIGMAS)
        inf = infinite_dipole_potential(e, dipole, moment, SIGMAS[0])
        errors.append(np.max(np.abs(phi - inf)) / np.max(np.abs(inf)))
    assert errors[0] < 1e-3
    assert errors[1] < errors[0] / 300


def test_four_sphere_is_linear_and_scalp_magnitude():
    """10 nA m radial dipole 1.5 mm deep: ~10 uV right above it (FIELDS.md)."""
    dipole = np.array([0.0, 0.0, RADII[0] - 1500.0])
    e = np.array([[0.0, 0.0, RADII[3]], [0.0, 5000.0, 80000.0], [-3e4, 0.0, 7e4]])
    p = np.array([[0.0, 0.0, 1e7], [0.0, 0.0, 2e7]])
    phi = four_sphere_potential(e, dipole, p)
    np.testing.assert_allclose(phi[0, 0] * 1e3, 10.1, rtol=0.01)  # uV
    np.testing.assert_allclose(phi[1], 2 * phi[0], rtol=1e-12)
    m = four_sphere_transfer_matrix(e, dipole)
    np.testing.assert_allclose(phi, p @ m.T, rtol=1e-12)


def test_sarvas_radial_dipole_is_silent_and_radial_component_matches():
    rng = np.random.default_rng(1)
    sensors = on_sphere(rng, 10, 105000.0)
    dipole = np.array([10000.0, -20000.0, 65000.0])
    radial = (dipole / np.linalg.norm(dipole))[None, :] * 1e7
    b_radial = magnetic_field_sarvas(sensors, dipole, radial)
    tangential = np.cross(dipole, [1.0, 0.0, 0.0])[None, :]
    tangential = tangential / np.linalg.norm(tangential) * 1e7
    b_tangential = magnetic_field_sarvas(sensors, dipole, tangential)
    assert np.max(np.abs(b_radial)) <= 1e-12 * np.max(np.abs(b_tangential))
    assert np.max(np.abs(b_tangential)) > 1.0  # fT
    q = rng.normal(size=(4, 3)) * 1e7
    r_hat = sensors / np.linalg.norm(sensors, axis=1, keepdims=True)
    radial_sph = np.sum(np.asarray(magnetic_field_sarvas(sensors, dipole, q)) * r_hat, -1)
    radial_inf = np.sum(np.asarray(magnetic_field_infinite(sensors, dipole, q)) * r_hat, -1)
    np.testing.assert_allclose(
        radial_sph, radial_inf, rtol=1e-9, atol=1e-9 * np.abs(radial_inf).max()
    )
    m = sarvas_transfer_matrix(sensors, dipole)
    np.testing.assert_allclose(
        magnetic_field_sarvas(sensors, dipole, q), np.einsum("sij,tj->tsi", m, q), rtol=1e-12
    )


def test_line_source_far_away_is_point_source_and_stable_on_axis():
    start, end = np.array([[0.0, 0.0, 0.0]]), np.array([[0.0, 0.0, 20.0]])
    currents = np.array([[1.0]])
    far = np.array([[3000.0, 4000.0, 10.0]])
    np.testing.assert_allclose(
        line_source_potential(far, start, end, currents),
        point_source_potential(far, (start + end) / 2, currents),
        rtol=1e-5,
    )
    # On the axis beyond the end: phi = I/(4 pi sigma L) ln(h/(h-L)), exactly.
    h = np.array([25.0, 1e3, 1e6])
    on_axis = np.stack([0 * h, 0 * h, h], 1)
    expected = np.log1p(20.0 / (h - 20.0)) / (4 * np.pi * 0.3 * 20.0)
    phi = line_source_potential(on_axis, start, end, currents, min_distance_um=1e-6)
    np.testing.assert_allclose(phi[0], expected, rtol=1e-12)


def test_contacts_on_sources_stay_finite():
    src = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 50.0]])
    currents = np.array([[1.0, -1.0]])

    def point(e):
        return point_source_potential(e, src, currents).sum()

    def line(e):
        return line_source_potential(e, src[:1], src[1:], currents[:, :1]).sum()

    on = jnp.asarray(src[:1])
    for f in (point, line):
        assert np.isfinite(float(f(on)))
        grad = jax.jit(jax.grad(f))
        assert np.all(np.isfinite(np.asarray(grad(on))))
        assert np.all(np.isfinite(np.asarray(grad(on + jnp.array([0.0, 0.0, 20.0])))))
    # The clip is at min_distance_um: 1 nA at 0.5 um.
    np.testing.assert_allclose(
        point_source_potential(on, src[:1], currents[:, :1]), 1 / (4 * np.pi * 0.3 * 0.5)
    )


def test_dipole_moment_is_origin_independent_for_balanced_currents():
    rng = np.random.default_rng(2)
    src = rng.normal(size=(5, 3)) * 100
    currents = rng.normal(size=(7, 5))
    currents -= currents.mean(axis=1, keepdims=True)
    shift = np.array([1e3, -2e3, 5e2])
    np.testing.assert_allclose(
        current_dipole_moment(src + shift, currents),
        current_dipole_moment(src, currents),
        atol=1e-9,
    )
    # sink -I at r1, source +I at r2: p = I (r2 - r1)
    p = current_dipole_moment(np.array([[0, 0, 100.0], [0, 0, 0.0]]), np.array([[-2.0, 2.0]]))
    np.testing.assert_allclose(p, [[0.0, 0.0, -200.0]])


# --------------------------------------------------------------------------
# gradients (float64, central differences)


def test_eeg_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    # Inside the scalp (not on its surface), so positions and radii can move
    # both ways; the last electrode is in the brain.
    e = np.concatenate([on_sphere(rng, 3, 0.995 * RADII[3]), [[1000.0, 3000.0, 76000.0]]])
    dipole = np.array([3000.0, -2000.0, 75000.0])
    moment = np.array([[2e6, -1e6, 3e6]])
    weights = np.array([1.0, -0.7, 0.4, 0.2])

    def scalar(electrodes, dip, sig, rad):
        # Eager calls reuse the series compiled for the four reference contacts.
        phi = four_sphere_potential(electrodes, dip, moment, rad, sig)
        return jnp.sum(phi[0] * weights)

    grads = jax.jit(jax.grad(scalar, argnums=(0, 1, 2, 3)))(e, dipole, SIGMAS, RADII)
    fd_e = central_difference(lambda x: scalar(x, dipole, SIGMAS, RADII), e, 1.0)
    assert_gradient(grads[0], fd_e)
    assert_gradient(
        grads[1], central_difference(lambda x: scalar(e, x, SIGMAS, RADII), dipole, 1.0)
    )
    fd_s = central_difference(lambda s: scalar(e, dipole, s, RADII), SIGMAS, 1e-9)
    assert_gradient(grads[2], fd_s)
    fd_r = central_difference(lambda r: scalar(e, dipole, SIGMAS, r), RADII, 0.5)
    assert_gradient(grads[3], fd_r)


def test_meg_gradients_match_finite_differences():
    rng = np.random.default_rng(4)
    sensors = on_sphere(rng, 4, 105000.0)
    dipole = np.array([5000.0, 10000.0, 70000.0])
    q = np.array([[1e7, -2e6, 1e6]])
    weights = np.arange(1.0, 13.0).reshape(1, 4, 3)

    def scalar(s, d):
        return jnp.sum(magnetic_field_sarvas(s, d, q) * weights)

    gs, gd = jax.jit(jax.grad(scalar, argnums=(0, 1)))(sensors, dipole)
    assert_gradient(gs, central_difference(lambda s: scalar(s, dipole), sensors, 1.0))
    assert_gradient(gd, central_difference(lambda d: scalar(sensors, d), dipole, 1.0))

    def scalar_inf(d):
        return jnp.sum(magnetic_field_infinite(sensors, d, q) ** 2)

    assert_gradient(
        jax.jit(jax.grad(scalar_inf))(dipole), central_difference(scalar_inf, dipole, 1.0)
    )


def test_lfp_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    src = rng.uniform(-50, 50, size=(4, 3))
    ends = src + rng.uniform(-20, 20, size=(4, 3))
    currents = rng.normal(size=(3, 4))
    e = np.array([[80.0, 10.0, -30.0], [0.0, 120.0, 60.0]])

    def point(x, b, sigma):
        return jnp.sum(point_source_potential(x, b, currents, sigma) ** 2)

    def line(x, b, sigma):
        return jnp.sum(line_source_potential(x, src, b, currents, sigma) ** 2)

    def dipole_eeg(x, b, sigma):
        return jnp.sum(infinite_dipole_potential(e, b, currents @ src, sigma) * x[:, :1].T)

    cases = ((point, e, src), (line, e, ends), (dipole_eeg, e, np.array([1.0, -2.0, 3.0])))
    for f, x, b in cases:
        # Eager calls for the differences (the matrix kernels are compiled once).
        gx, gb, gs = jax.jit(jax.grad(f, argnums=(0, 1, 2)))(x, b, 0.3)
        assert_gradient(gx, central_difference(lambda y, f=f, b=b: f(y, b, 0.3), x, 1e-3))
        assert_gradient(gb, central_difference(lambda y, f=f, x=x: f(x, y, 0.3), b, 1e-3))
        fd_s = central_difference(lambda s, f=f, x=x, b=b: f(x, b, s[0]), np.array([0.3]), 1e-7)
        assert_gradient(np.atleast_1d(gs), fd_s)


# --------------------------------------------------------------------------
# transformations and dtypes


def test_functions_work_under_jit():
    rng = np.random.default_rng(6)
    e = on_sphere(rng, 16, RADII[3])  # the shape of the reference set: compiled already
    dipole = np.array([1000.0, 2000.0, 76000.0])
    p = rng.normal(size=(2, 3)) * 1e6
    src = rng.normal(size=(3, 3)) * 50
    cur = rng.normal(size=(2, 3))
    sensors = on_sphere(rng, 5, 100000.0)
    calls = [
        (infinite_dipole_potential, (e, dipole, p)),
        (magnetic_field_sarvas, (sensors, dipole, p)),
        (magnetic_field_infinite, (sensors, dipole, p)),
        (point_source_potential, (e / 1000, src, cur)),
        (line_source_potential, (e / 1000, src, src + 10.0, cur)),
        (current_dipole_moment, (src, cur)),
    ]
    for f, args in calls:
        np.testing.assert_allclose(jax.jit(f)(*args), f(*args), rtol=1e-12, atol=0)
    # Conductivities and radii may be traced too.
    f = jax.jit(lambda s, r: four_sphere_potential(e, dipole, p, r, s))
    np.testing.assert_allclose(f(SIGMAS, RADII), four_sphere_potential(e, dipole, p), rtol=1e-12)


def test_four_sphere_float32_is_finite_and_close():
    rng = np.random.default_rng(7)
    e = on_sphere(rng, 16, RADII[3]).astype(np.float32)  # |r| rounds to just above r4
    dipole = np.array([1000.0, 2000.0, 78000.0], np.float32)
    p = np.array([[1e7, 0.0, 5e6]], np.float32)
    phi32 = four_sphere_potential(e, dipole, p, RADII.astype(np.float32), SIGMAS.astype(np.float32))
    assert phi32.dtype == jnp.float32
    e64 = e.astype(float) * (1 - 1e-7)
    phi64 = four_sphere_potential(e64, dipole.astype(float), p.astype(float))
    assert_close(phi32, phi64, 1e-4)


# --------------------------------------------------------------------------
# bad input


def test_bad_input_raises_value_error():
    e = np.array([[0.0, 0.0, 90000.0]])
    dip = np.array([0.0, 0.0, 70000.0])
    p = np.ones((2, 3))
    src = np.zeros((6, 3))
    with pytest.raises(ValueError, match=r"`electrodes_um` must lie inside the head"):
        four_sphere_potential(np.array([[0.0, 0.0, 90001.0]]), dip, p)
    with pytest.raises(ValueError, match=r"`dipole_um` must lie inside the brain sphere"):
        four_sphere_potential(e, np.array([0.0, 0.0, 79000.0]), p)
    with pytest.raises(ValueError, match=r"`radii_um` must be .*strictly increasing"):
        four_sphere_potential(e, dip, p, radii_um=(79000.0, 85000.0, 80000.0, 90000.0))
    with pytest.raises(ValueError, match=r"`radii_um` must have shape \(4\)"):
        four_sphere_potential(e, dip, p, radii_um=(79000.0, 90000.0))
    with pytest.raises(ValueError, match=r"`sigmas_S_per_m` must be finite and positive"):
        four_sphere_potential(e, dip, p, sigmas_S_per_m=(0.3, 1.5, 0.0, 0.3))
    with pytest.raises(ValueError, match=r"`n_terms` must be a positive integer"):
        four_sphere_potential(e, dip, p, n_terms=0)
    with pytest.raises(ValueError, match=r"`electrodes_um` must have shape \(electrodes, 3\)"):
        four_sphere_potential(np.zeros((2, 2)), dip, p)
    with pytest.raises(ValueError, match=r"`dipole_um` must have shape \(3\)"):
        four_sphere_transfer_matrix(e, dip[:2])
    with pytest.raises(ValueError, match=r"`moment_nAum` must have shape \(time, 3\)"):
        four_sphere_potential(e, dip, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"`sigma_S_per_m` must be finite and positive"):
        point_source_potential(e, src, np.ones((2, 6)), -0.3)
    with pytest.raises(ValueError, match=r"`currents_nA` must have shape \(time, 6\)"):
        point_source_potential(e, src, np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"`currents_nA` must have shape \(time, 6\)"):
        current_dipole_moment(src, np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"`sources_um` must have shape \(sources, 3\)"):
        point_source_potential(e, np.zeros((6, 2)), np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"`ends_um` must have the shape of `starts_um`"):
        line_source_potential(e, src, src[:5], np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"`ends_um` must differ from `starts_um`"):
        line_source_potential(e, src, src, np.ones((2, 6)))
    with pytest.raises(ValueError, match=r"`electrodes_um` must not coincide with `dipole_um`"):
        infinite_dipole_potential(dip[None], dip, p)
    with pytest.raises(ValueError, match=r"`sensors_um` must be farther from the sphere centre"):
        magnetic_field_sarvas(np.array([[0.0, 0.0, 60000.0]]), dip, p)
    with pytest.raises(ValueError, match=r"`sensors_um` must have shape \(sensors, 3\)"):
        magnetic_field_infinite(np.zeros((3, 4)), dip, p)
    with pytest.raises(ValueError, match=r"`electrodes_um` must be finite"):
        infinite_dipole_potential(np.array([[np.nan, 0.0, 0.0]]), dip, p)
