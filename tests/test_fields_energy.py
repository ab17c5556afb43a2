"""Tests for the energy readouts (jaxfne.fields._energy)."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxfne.fields._energy import (
    EnergyBudget,
    EnergyConstants,
    metabolic_budget,
    ohmic_dissipation,
)

E_CHARGE_C = 1.602176634e-19


def regular_spikes(n_steps: int, n_neurons: int, every: int) -> jax.Array:
    """One spike every `every` steps in each neuron (staggered by neuron)."""
    t = np.arange(n_steps)[:, None]
    n = np.arange(n_neurons)[None, :]
    return jnp.asarray(((t + 7 * n) % every == 0).astype(float))


# --------------------------------------------------------------------------
# metabolic budget


def test_action_potential_cost_is_constant_times_spike_count():
    dt_ms = 0.5
    n_steps, n_neurons = 4000, 3
    spikes = regular_spikes(n_steps, n_neurons, every=100)
    zeros = jnp.zeros_like(spikes)
    c = EnergyConstants()
    b = metabolic_budget(spikes, zeros, dt_ms, c)

    duration_s = n_steps * dt_ms * 1e-3
    n_spikes = float(spikes.sum())
    expected = float(c.atp_per_spike) * n_spikes / duration_s
    np.testing.assert_allclose(b.mean_action_potential_atp_per_s, expected, rtol=1e-12)
    # Per step: constant times the spikes in the step, divided by dt.
    np.testing.assert_allclose(
        b.action_potential_atp_per_s,
        float(c.atp_per_spike) * np.asarray(spikes).sum(1) / (dt_ms * 1e-3),
        rtol=1e-12,
    )
    np.testing.assert_allclose(b.mean_synaptic_atp_per_s, 0.0, atol=0)


def test_action_potential_cost_is_linear_in_rate():
    dt_ms = 1.0
    n_steps = 12_000
    zeros = jnp.zeros((n_steps, 1))
    rates, costs = [], []
    for every in (1000, 500, 250, 125):  # 1, 2, 4, 8 Hz
        spikes = regular_spikes(n_steps, 1, every)
        b = metabolic_budget(spikes, zeros, dt_ms)
        rates.append(float(spikes.sum()) / (n_steps * dt_ms * 1e-3))
        costs.append(float(b.mean_action_potential_atp_per_s))
    np.testing.assert_allclose(rates, [1.0, 2.0, 4.0, 8.0])
    slope = np.asarray(costs) / np.asarray(rates)
    np.testing.assert_allclose(slope, float(EnergyConstants().atp_per_spike), rtol=1e-12)


def test_four_hertz_neuron_matches_attwell_laughlin_within_factor_three():
    # A cortical neuron firing at 4 Hz whose inputs also fire at 4 Hz.
    # Synaptic load from stated numbers (not tuned):
    #   8000 synapses per neuron (A&L 2001, rodent cortex),
    #   release probability 0.25 (A&L 2001),
    #   one quantal EPSC: 20 pA peak, 3 ms exponential decay -> 20 pA * 3 ms = 60 fC.
    n_synapses = 8000
    pre_rate_hz = 4.0
    p_release = 0.25
    quantal_charge_C = 20e-12 * 3e-3
    mean_current_nA = n_synapses * pre_rate_hz * p_release * quantal_charge_C / 1e-9
    np.testing.assert_allclose(mean_current_nA, 0.48)

    dt_ms = 1.0
    n_steps = 10_000  # 10 s
    spikes = regular_spikes(n_steps, 1, every=250)  # 4 Hz
    current = jnp.full((n_steps, 1), -mean_current_nA)  # inward
    b = metabolic_budget(spikes, current, dt_ms)

    per_neuron = float(b.mean_atp_per_s_per_neuron)
    # Independent arithmetic: AP + synaptic (charge / e / 3) + resting.
    by_hand = 4.0 * 3.84e8 + mean_current_nA * 1e-9 / E_CHARGE_C / 3.0 + 3.42e8
    np.testing.assert_allclose(per_neuron, by_hand, rtol=1e-12)
    assert 3.3e9 / 3 < per_neuron < 3.3e9 * 3
    # About 2.9e9 ATP/s: AP 1.54e9, synaptic 1.00e9, resting 3.4e8.
    np.testing.assert_allclose(per_neuron, 2.877e9, rtol=1e-3)


def test_watts_equal_atp_rate_times_joule_per_atp():
    spikes = regular_spikes(500, 4, every=50)
    current = jnp.asarray(np.random.default_rng(0).normal(size=(500, 4)))
    c = EnergyConstants(joule_per_atp=8.3e-20)
    b = metabolic_budget(spikes, current, 0.1, c)
    np.testing.assert_allclose(b.total_W, np.asarray(b.total_atp_per_s) * 8.3e-20, rtol=1e-14)
    np.testing.assert_allclose(b.mean_total_W, float(b.mean_total_atp_per_s) * 8.3e-20)
    np.testing.assert_allclose(b.mean_W_per_neuron, float(b.mean_total_W) / 4)
    np.testing.assert_allclose(
        b.total_atp_per_s,
        np.asarray(b.action_potential_atp_per_s)
        + np.asarray(b.synaptic_atp_per_s)
        + np.asarray(b.resting_atp_per_s),
        rtol=1e-14,
    )
    np.testing.assert_allclose(b.resting_atp_per_s, 4 * 3.42e8)
    np.testing.assert_allclose(
        np.sum(b.neuron_mean_atp_per_s), float(b.mean_total_atp_per_s), rtol=1e-12
    )


def test_synapse_scale_multiplies_synaptic_term_exactly():
    spikes = regular_spikes(300, 2, every=30)
    current = jnp.asarray(np.random.default_rng(1).normal(size=(300, 2)))
    base = metabolic_budget(spikes, current, 0.25)
    scaled = metabolic_budget(spikes, current, 0.25, EnergyConstants(synapse_scale=100.0))
    np.testing.assert_allclose(
        scaled.synaptic_atp_per_s, 100.0 * np.asarray(base.synaptic_atp_per_s), rtol=1e-14
    )
    np.testing.assert_array_equal(
        scaled.action_potential_atp_per_s, base.action_potential_atp_per_s
    )
    np.testing.assert_array_equal(scaled.resting_atp_per_s, base.resting_atp_per_s)
    # 80 modelled synapses standing in for 8000 cost as much as 8000 modelled ones.
    small = metabolic_budget(spikes, current / 100.0, 0.25, EnergyConstants(synapse_scale=100.0))
    np.testing.assert_allclose(small.synaptic_atp_per_s, base.synaptic_atp_per_s, rtol=1e-13)


def test_one_nanoamp_is_about_two_billion_atp_per_s():
    b = metabolic_budget(jnp.zeros((10, 1)), jnp.ones((10, 1)), 1.0)
    np.testing.assert_allclose(b.mean_synaptic_atp_per_s, 1e-9 / (3 * E_CHARGE_C), rtol=1e-12)
    np.testing.assert_allclose(b.mean_synaptic_atp_per_s, 2.08e9, rtol=1e-3)


def test_budget_is_jittable_and_differentiable():
    spikes = regular_spikes(200, 3, every=40)
    current = jnp.asarray(np.random.default_rng(2).normal(size=(200, 3)))
    c = EnergyConstants()
    b = eqx.filter_jit(metabolic_budget)(spikes, current, 0.5, c)
    assert isinstance(b, EnergyBudget)
    np.testing.assert_allclose(
        b.total_atp_per_s, metabolic_budget(spikes, current, 0.5, c).total_atp_per_s
    )

    def mean_watts(scale):
        return metabolic_budget(spikes, scale * current, 0.5, c).mean_total_W

    g = jax.grad(mean_watts)(1.0)
    expected = float(metabolic_budget(spikes, current, 0.5, c).mean_synaptic_atp_per_s) * 9e-20
    np.testing.assert_allclose(g, expected, rtol=1e-10)


def test_constants_to_dict_is_json_safe():
    d = EnergyConstants().to_dict()
    assert d["atp_per_spike"] == 3.84e8
    assert d["na_per_atp"] == 3.0
    assert "Attwell" in str(d["budget"])
    assert all(isinstance(v, (float, str)) for v in d.values())


# --------------------------------------------------------------------------
# ohmic dissipation


def test_ohmic_linear_potential_matches_closed_form():
    # phi = E z with E = 1 mV/mm = 1 V/m, in SI: P = sigma E^2 pi R^2 L.
    n_depth, dz_um, radius_um, sigma = 21, 50.0, 300.0, 0.3
    e_field_V_per_m = 1.0
    z_um = np.arange(n_depth) * dz_um
    phi_mV = jnp.asarray((e_field_V_per_m * 1e-3 * z_um)[None, :])  # 1 V/m = 1e-3 mV/um
    p = ohmic_dissipation(phi_mV, dz_um, sigma, radius_um)
    length_m = (n_depth - 1) * dz_um * 1e-6
    volume_m3 = math.pi * (radius_um * 1e-6) ** 2 * length_m
    expected_W = sigma * e_field_V_per_m**2 * volume_m3
    assert p.shape == (1,)
    np.testing.assert_allclose(p[0], expected_W, rtol=1e-12)
    # 1 mV/mm with sigma = 0.3 S/m: 3e-10 W per mm^3 (FIELDS.md sec. 6).
    np.testing.assert_allclose(p[0] / (volume_m3 * 1e9), 3e-10, rtol=1e-12)


def test_ohmic_layered_sigma_uses_harmonic_mean():
    sigma = jnp.asarray([0.2, 0.6, 0.3])
    phi = jnp.asarray([[0.0, 1.0, 3.0]])
    p = ohmic_dissipation(phi, 10.0, sigma, 5.0)
    faces = [2 * 0.2 * 0.6 / 0.8, 2 * 0.6 * 0.3 / 0.9]
    grads = [0.1, 0.2]
    by_hand = (
        sum(s * g**2 for s, g in zip(faces, grads, strict=True)) * math.pi * 25.0 * 10.0 * 1e-12
    )
    np.testing.assert_allclose(p[0], by_hand, rtol=1e-12)


def test_ohmic_nonnegative_and_zero_for_constant_potential():
    rng = np.random.default_rng(3)
    phi = jnp.asarray(rng.normal(size=(50, 16)))
    sigma = jnp.asarray(rng.uniform(0.1, 1.5, size=16))
    p = ohmic_dissipation(phi, 25.0, sigma, 250.0)
    assert p.shape == (50,)
    assert bool(jnp.all(p >= 0))
    assert bool(jnp.all(p > 0))
    const = jnp.full((4, 16), 0.7)
    np.testing.assert_array_equal(ohmic_dissipation(const, 25.0, sigma, 250.0), 0.0)


def test_ohmic_gradient_wrt_sigma_matches_finite_differences():
    rng = np.random.default_rng(4)
    phi = jnp.asarray(rng.normal(size=(8, 6)))
    sigma0 = jnp.asarray(rng.uniform(0.2, 1.0, size=6))

    def total(sigma):
        return jnp.sum(ohmic_dissipation(phi, 20.0, sigma, 100.0))

    g = jax.grad(total)(sigma0)
    eps = 1e-6
    fd = np.empty(6)
    for i in range(6):
        step = jnp.zeros(6).at[i].set(eps)
        fd[i] = (total(sigma0 + step) - total(sigma0 - step)) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-5)
    # Also through jit, and with a scalar conductivity (P is linear in it).
    gs = jax.jit(jax.grad(lambda s: total(s)))(0.3)
    np.testing.assert_allclose(gs, float(total(0.3)) / 0.3, rtol=1e-12)


# --------------------------------------------------------------------------
# errors


@pytest.mark.parametrize("dt_ms", [0.0, -0.1, float("nan")])
def test_budget_rejects_non_positive_dt(dt_ms):
    z = jnp.zeros((5, 2))
    with pytest.raises(ValueError, match=r"`dt_ms` must be finite and positive; got"):
        metabolic_budget(z, z, dt_ms)


def test_budget_rejects_mismatched_shapes():
    with pytest.raises(
        ValueError, match=r"`synaptic_current_nA` must have shape \(5, 2\); got shape \(5, 3\)"
    ):
        metabolic_budget(jnp.zeros((5, 2)), jnp.zeros((5, 3)), 0.1)


def test_budget_rejects_negative_spikes():
    spikes = jnp.zeros((5, 2)).at[0, 0].set(-1.0)
    with pytest.raises(ValueError, match=r"`spikes` must be finite and non-negative"):
        metabolic_budget(spikes, jnp.zeros((5, 2)), 0.1)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("atp_per_spike", -1.0, "non-negative"),
        ("resting_atp_per_s", -3.0, "non-negative"),
        ("na_per_atp", 0.0, "positive"),
        ("charge_per_ion_C", -1.6e-19, "positive"),
        ("joule_per_atp", -9e-20, "positive"),
        ("synapse_scale", -2.0, "positive"),
        ("na_entry_per_charge", 0.0, "positive"),
    ],
)
def test_constants_reject_negative_values(name, value, allowed):
    with pytest.raises(ValueError, match=rf"`{name}` must be finite and {allowed}; got {value!r}"):
        EnergyConstants(**{name: value})


def test_ohmic_rejects_bad_input():
    phi = jnp.zeros((3, 4))
    with pytest.raises(ValueError, match=r"`dz_um` must be finite and positive; got 0.0"):
        ohmic_dissipation(phi, 0.0, 0.3, 100.0)
    with pytest.raises(ValueError, match=r"`radius_um` must be finite and positive; got -5.0"):
        ohmic_dissipation(phi, 10.0, 0.3, -5.0)
    with pytest.raises(ValueError, match=r"`sigma_S_per_m` must be finite and positive"):
        ohmic_dissipation(phi, 10.0, jnp.asarray([0.3, -0.1, 0.3, 0.3]), 100.0)
    with pytest.raises(
        ValueError, match=r"`sigma_S_per_m` must have shape \(4\); got shape \(3,\)"
    ):
        ohmic_dissipation(phi, 10.0, jnp.asarray([0.3, 0.3, 0.3]), 100.0)
    with pytest.raises(ValueError, match=r"`phi_mV` must have at least 2 depth bins"):
        ohmic_dissipation(jnp.zeros((3, 1)), 10.0, 0.3, 100.0)
