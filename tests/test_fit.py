import importlib.util
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from helpers import CompileCounter, ei_config

import jaxfne as jtfne
from jaxfne.fit import population_rates_hz, power_spectrum

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("surrogate", [
    jtfne.Surrogate(mode="full", shape="sigmoid", slope_per_mV=2.0),
    jtfne.Surrogate(mode="local", shape="triangle", feedback=0.03),
])
def test_surrogate_never_changes_the_forward_simulation(ei_model, surrogate):
    sim = jtfne.simulation(100.0, 0.1, seed=3)
    other = eqx.tree_at(lambda m: m.emitters.surrogate, ei_model, surrogate)
    a, b = ei_model.simulate(sim), other.simulate(sim)
    assert np.array_equal(a.V_m, b.V_m) and np.array_equal(a.spikes, b.spikes)


@pytest.mark.parametrize("shape", ["fast_sigmoid", "sigmoid", "triangle"])
def test_surrogates_have_unit_area(shape):
    x = jnp.linspace(-200.0, 200.0, 400001)
    d = jax.vmap(jax.grad(lambda v: jtfne.Surrogate(shape=shape, slope_per_mV=5.0).spike(
        v[None], jnp.zeros(1))[0]))(x)
    area = float(jnp.sum(d) * (x[1] - x[0]))
    assert abs(area - 1.0) < 0.01


def test_bad_surrogate_options():
    with pytest.raises(ValueError, match=r"`mode` must be one of 'local', 'full'; got 'bptt'"):
        jtfne.Surrogate(mode="bptt")
    with pytest.raises(ValueError, match=r"`slope_per_mV` must be positive"):
        jtfne.Surrogate(slope_per_mV=0.0)


def test_named_parameters_round_trip(ei_model):
    p = jtfne.parameters(ei_model)
    for name in ("drive.bias", "coupling.E.scale", "coupling.I.tau_ms", "emitters.a"):
        assert name in p
    changed = jtfne.with_parameters(ei_model, {"coupling.E.scale": 0.5,
                                               "drive.bias": 2 * p["drive.bias"]})
    assert float(changed.coupling.projections[0].scale) == 0.5
    np.testing.assert_array_equal(changed.drive.bias, 2 * p["drive.bias"])
    with pytest.raises(KeyError, match=r"Unknown parameter paths \['coupling.X.scale'\]"):
        jtfne.with_parameters(ei_model, {"coupling.X.scale": 1.0})
    with pytest.raises(ValueError, match=r"`drive.bias` must have shape \(100,\)"):
        jtfne.with_parameters(ei_model, {"drive.bias": jnp.ones(3)})


def test_fit_step_compiles_once_and_keeps_positive_parameters_positive():
    geometry = jtfne.fields.FieldGeometry.build()
    loss = lambda g: (jnp.mean(g.sigma_S_per_m) - 0.01) ** 2 + (g.radius_um - 250.0) ** 2 / 1e4
    counts = []
    for steps in (1, 2, 30):
        with CompileCounter() as counter:
            fitted, history = jtfne.fit(geometry, loss, optax.adam(0.5),
                                        trainable=lambda g: (g.sigma_S_per_m, g.radius_um),
                                        steps=steps)
        counts.append(counter.count)
    # 28 more steps compile nothing more: the step is compiled once per fit.
    assert counts[1] == counts[2] and counts[1] >= 1
    assert np.all(np.asarray(fitted.sigma_S_per_m) > 0)
    assert history.loss.shape == (30,) and history.values["radius_um"].shape == (31,)
    assert history.loss[-1] < history.loss[0]
    with pytest.raises(ValueError, match=r"`trainable` must name parameters"):
        jtfne.fit(geometry, loss, optax.adam(0.1), trainable=["nope"], steps=1)
    with pytest.raises(ValueError, match=r"`steps` must be a positive integer"):
        jtfne.fit(geometry, loss, optax.adam(0.1), trainable=["radius_um"], steps=0)


def test_bounded_parameters_stay_within_bounds():
    geometry = jtfne.fields.FieldGeometry.build()
    loss = lambda g: (g.radius_um - 1000.0) ** 2
    fitted, _ = jtfne.fit(geometry, loss, optax.adam(0.5), trainable=["radius_um"], steps=50,
                          bounds={"radius_um": (100.0, 400.0)})
    assert 100.0 < float(fitted.radius_um) < 400.0


def test_power_spectrum_of_a_sine():
    dt = 0.1
    t = jnp.arange(10000) * dt
    freqs, psd = power_spectrum(jnp.sin(2 * jnp.pi * 40.0 * t * 1e-3)[:, None], dt)
    assert abs(float(freqs[jnp.argmax(psd[:, 0])]) - 40.0) < 0.2
    # Parseval: the integral of the PSD is the variance (0.5 for a unit sine)
    assert abs(float(jnp.sum(psd) * (freqs[1] - freqs[0])) - 0.5) < 0.02


def test_gradients_stay_finite_and_sign_correct_over_10000_steps():
    """Trial-averaged mean rate over 20 seeds and 10,000 steps: the surrogate
    gradient has the sign of the finite-difference slope for drive, E weight
    scale and I weight scale at two operating points."""
    base = jtfne.construct(ei_config(modes=["spikes"]))
    sim = jtfne.simulation(1000.0, 0.1, seed=0)
    keys = jax.random.split(jax.random.key(7), 20)

    def mean_rate(theta, base):
        drive, w_e, w_i = theta
        m = eqx.tree_at(lambda m: m.drive.bias, base, base.drive.bias * drive)
        m = eqx.tree_at(lambda m: (m.coupling.projections[0].scale,
                                   m.coupling.projections[1].scale), m, (w_e, w_i))
        rates = jax.vmap(lambda k: jnp.mean(m.simulate(sim, key=k).spikes))(keys)
        return jnp.mean(rates) / 1e-4

    value_and_grad = eqx.filter_jit(jax.value_and_grad(mean_rate))
    forward = eqx.filter_jit(mean_rate)
    for point in ([1.0, 1.0, 1.0], [1.1, 0.9, 1.1]):
        theta = jnp.asarray(point)
        value, grad = value_and_grad(theta, base)
        assert np.all(np.isfinite(np.asarray(grad))), grad
        for i in range(3):
            h = 0.1 * jnp.zeros(3).at[i].set(1.0)
            slope = (forward(theta + h, base) - forward(theta - h, base)) / 0.2
            assert abs(float(slope)) > 0.3, (point, i, float(slope))
            assert np.sign(float(grad[i])) == np.sign(float(slope)), (point, i, grad, slope)


def test_tissue_recovery_within_1_percent():
    errors = load("fit_tissue").main(["--out", "/tmp/jaxfne_test_fit_tissue", "--steps", "300"])
    assert max(errors.values()) < 0.01


def test_rate_recovery_within_10_percent():
    errors = load("fit_rates").main(["--out", "/tmp/jaxfne_test_fit_rates", "--starts", "1"])
    assert max(errors.values()) < 0.10


def test_eeg_placement_within_1_mm():
    error_mm = load("fit_eeg_placement").main(["--out", "/tmp/jaxfne_test_fit_eeg",
                                               "--starts", "2"])
    assert error_mm < 1.0


def test_rates_objective_matches_analysis(ei_model):
    s = ei_model.simulate(jtfne.simulation(200.0, 0.1, seed=1))
    r = population_rates_hz(s.spikes, 0.1, ei_model.populations, 50.0)
    ref = jtfne.analysis.population_rates_hz(s, 50.0)
    for k in ref:
        assert abs(float(r[k]) - ref[k]) < 1e-9 * max(1.0, ref[k])


def test_circuit_fit_from_the_lfp_spectrum_moves_towards_the_truth():
    """Spikes hidden: the LFP spectrum alone pulls E weight scale and tau_E from
    30 % off to within 25 %. (The 15 % the issue asks for is not reached in
    float64: the "local" surrogate gradient ignores how the rates depend on
    the parameters, which biases this fit; see docs/fitting.md.)"""
    errors = load("fit_fields").main(["--out", "/tmp/jaxfne_test_fit_fields", "--starts", "1"])
    assert max(errors.values()) < 0.25


def test_circuit_recovery_from_the_evoked_lfp_within_15_percent():
    """Spikes hidden: E weight scale and tau_E from the trial-averaged evoked
    laminar LFP, from four starts 30 % off."""
    errors = load("fit_evoked").main(["--out", "/tmp/jaxfne_test_fit_evoked"])
    assert max(errors.values()) < 0.15


def test_synaptic_filtering_gradients_match_finite_differences():
    """Given a fixed spike train, the synaptic current is smooth in tau and
    weight: the gradient equals central differences to 1e-5 in float64."""
    from jaxfne.synapses import ExponentialSynapses, Projection

    spikes = jnp.asarray(np.random.default_rng(0).random((300, 3)) < 0.05, jnp.float64)
    weights = jnp.asarray([[0.5, 0.2, 0.0], [0.1, 0.0, 0.7]])

    def charge(params):
        tau, scale = params
        syn = ExponentialSynapses(projections=(Projection(
            connectivity=jtfne.DenseConnectivity(weights), tau_ms=tau, scale=scale,
            sign="excitatory"),))
        state = syn.init(2, 0.1, jnp.float64)

        def step(state, inputs):
            k, s = inputs
            current = syn.input_current(state, jnp.zeros(2))[0]
            return syn.update(state, s, k, 0.1), current

        _, currents = jax.lax.scan(step, state, (jnp.arange(300), spikes))
        return jnp.sum(currents**2 * jnp.arange(300)[:, None])

    params = jnp.asarray([5.0, 1.3])
    grad = jax.grad(charge)(params)
    for i in range(2):
        h = 1e-4 * jnp.zeros(2).at[i].set(1.0)
        fd = (charge(params + h) - charge(params - h)) / 2e-4
        assert abs(float(grad[i]) - float(fd)) < 1e-5 * abs(float(fd))
