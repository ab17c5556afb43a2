import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import CompileCounter, ei_config

import jaxfne as jtfne

SIM = jtfne.simulation(duration_ms=50.0, dt_ms=0.1, seed=3)


def test_tutorial_workflow_runs_as_written(ei_model):
    signals = ei_model.simulate(jtfne.simulation(duration_ms=100.0, dt_ms=0.1, seed=42))
    assert signals.spikes.shape == (1000, 100) and signals.V_m.shape == (1000, 100)
    total = jnp.sum(signals.spikes)
    assert total == jnp.sum(signals.spikes[:, :75]) + jnp.sum(signals.spikes[:, 75:])
    assert total > 0
    assert np.all(np.isfinite(np.asarray(signals.V_m)))
    assert np.all(np.asarray(signals.V_m) < 30.0)  # recorded after the reset
    syn, exc, inh = signals.sources
    np.testing.assert_allclose(syn, exc + inh)
    assert np.all(np.asarray(exc) >= 0) and np.all(np.asarray(inh) <= 0)
    np.testing.assert_allclose(signals.time_ms[:2], [0.1, 0.2])


def test_sources_are_in_nanoampere(ei_model):
    signals = ei_model.simulate(SIM)
    to_nA = np.asarray(ei_model.emitters.capacitance_pF) * 1e-3
    # E cells (100 pF) and I cells (20 pF): 1 mV/ms of model current is 0.1 nA and 0.02 nA.
    np.testing.assert_allclose(to_nA[:75], 0.1)
    np.testing.assert_allclose(to_nA[75:], 0.02)
    peak = float(np.abs(np.asarray(signals.sources[0])).max())
    assert 1e-3 < peak < 10.0


def test_same_seed_is_bitwise_identical_and_different_seed_differs():
    a = jtfne.construct(ei_config(), seed=7).simulate(SIM)
    b = jtfne.construct(ei_config(), seed=7).simulate(SIM)
    c = jtfne.construct(ei_config(), seed=7).simulate(jtfne.simulation(50.0, 0.1, seed=4))
    d = jtfne.construct(ei_config(), seed=8).simulate(SIM)
    assert np.array_equal(a.V_m, b.V_m) and np.array_equal(a.spikes, b.spikes)
    assert not np.array_equal(a.V_m, c.V_m)
    assert not np.array_equal(a.V_m, d.V_m)


def test_rebuilt_from_json_gives_identical_signals(ei_model):
    cfg = jtfne.Configuration.from_json(ei_model.config.to_json())
    again = jtfne.construct(cfg, seed=ei_model.seed)
    a, b = ei_model.simulate(SIM), again.simulate(SIM)
    assert np.array_equal(a.V_m, b.V_m) and np.array_equal(a.sources[0], b.sources[0])


def test_new_parameter_values_do_not_recompile(ei_model):
    ei_model.simulate(SIM)
    changed = eqx.tree_at(lambda m: m.drive.bias, ei_model, ei_model.drive.bias * 1.1)
    changed = eqx.tree_at(lambda m: m.coupling.projections[0].scale, changed,
                          ei_model.coupling.projections[0].scale * 0.9)
    with CompileCounter() as counter:
        a = changed.simulate(SIM)
        ei_model.simulate(jtfne.simulation(50.0, 0.1, seed=11))
    assert counter.count == 0
    assert not np.array_equal(a.V_m, ei_model.simulate(SIM).V_m)


def test_vmap_over_seeds_equals_a_loop(ei_model):
    keys = jax.random.split(jax.random.key(0), 3)
    batched = jax.vmap(lambda k: ei_model.simulate(SIM, key=k))(keys)
    for i in range(3):
        single = ei_model.simulate(SIM, key=keys[i])
        # Batched and unbatched matrix products may round differently (~1e-14).
        np.testing.assert_allclose(batched.V_m[i], single.V_m, rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(batched.spikes[i], single.spikes)


def test_vmap_over_parameter_sets_equals_a_loop(ei_model):
    biases = jnp.stack([ei_model.drive.bias * s for s in (0.9, 1.0, 1.1)])

    def rate(bias):
        model = eqx.tree_at(lambda m: m.drive.bias, ei_model, bias)
        return jnp.sum(model.simulate(SIM).spikes, axis=0)

    batched = jax.vmap(rate)(biases)
    for i in range(3):
        np.testing.assert_array_equal(batched[i], rate(biases[i]))
    assert batched[2].sum() > batched[0].sum()


def test_record_every_sums_spikes_and_samples_voltage(ei_model):
    full = ei_model.simulate(SIM)
    coarse = ei_model.simulate(jtfne.simulation(50.0, 0.1, seed=3, record_every=10))
    assert coarse.spikes.shape == (50, 100)
    np.testing.assert_array_equal(coarse.spikes, full.spikes.reshape(50, 10, 100).sum(1))
    np.testing.assert_array_equal(coarse.V_m, full.V_m[9::10])
    np.testing.assert_allclose(coarse.time_ms, full.time_ms[9::10])


def test_durations_that_are_not_a_whole_block(ei_model):
    # 123 steps: two blocks of 50 and a rest of 23; noise of a step does not
    # depend on the duration, so the first 100 steps equal a 100-step run.
    a = ei_model.simulate(jtfne.simulation(12.3, 0.1, seed=5))
    b = ei_model.simulate(jtfne.simulation(10.0, 0.1, seed=5))
    assert a.V_m.shape == (123, 100)
    np.testing.assert_array_equal(a.V_m[:100], b.V_m)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(duration_ms=100.0, dt_ms=0.0), ValueError, r"`dt_ms` must be positive and finite; "
                                                     r"got 0.0"),
    (dict(duration_ms=100.0, dt_ms=-0.1), ValueError, r"`dt_ms` must be positive"),
    (dict(duration_ms=float("inf")), ValueError, r"`duration_ms` must be positive and finite"),
    (dict(duration_ms=float("nan")), ValueError, r"`duration_ms` must be positive and finite"),
    (dict(duration_ms=-5.0), ValueError, r"`duration_ms` must be positive and finite"),
    (dict(duration_ms=10.05, dt_ms=0.1), ValueError, r"`duration_ms` must be a whole number "
                                                     r"of steps .* got 10.05"),
    (dict(duration_ms=10.0, seed=1.5), TypeError, r"(?s)(`seed`|parameter 'seed').*1\.5"),
    (dict(duration_ms=10.0, record_every=3), ValueError, r"`record_every` must divide"),
])
def test_bad_simulation_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        jtfne.simulation(**kwargs)


def test_blow_up_reports_the_first_non_finite_step(ei_model):
    sim = jtfne.simulation(duration_ms=100.0, dt_ms=2.0, seed=0)
    with pytest.raises(jtfne.DivergenceError, match=r"diverged .* at step \d+ \(t = "):
        ei_model.simulate(sim)
    quiet = ei_model.simulate(jtfne.simulation(100.0, 2.0, seed=0, throw=False))
    step = int(quiet.status)
    assert step >= 0
    v = np.asarray(quiet.V_m)
    assert np.all(v[:step] >= -150.0) and not np.all(v[step] >= -150.0)
    ok = ei_model.simulate(SIM)
    assert int(ok.status) == -1


def test_blow_up_inside_jit_raises(ei_model):
    sim = jtfne.simulation(duration_ms=100.0, dt_ms=2.0, seed=0)
    with pytest.raises(Exception, match=r"diverged"):
        jax.block_until_ready(eqx.filter_jit(lambda m: m.simulate(sim).V_m)(ei_model))


def test_nan_parameters_by_hand_are_rejected(ei_model):
    with pytest.raises(ValueError, match=r"`a` must be finite"):
        eqx.tree_at(lambda m: m.a, ei_model.emitters,
                    ei_model.emitters.a.at[3].set(jnp.nan)).__class__(
            **{k: getattr(ei_model.emitters, k) for k in ("b", "c", "d", "capacitance_pF",
                                                         "v_peak_mV")},
            a=ei_model.emitters.a.at[3].set(jnp.nan))
    with pytest.raises(ValueError, match=r"`bias` must be finite"):
        jtfne.Drive(bias=jnp.array([1.0, jnp.inf]), noise_sigma=jnp.ones(2),
                    noise_tau_ms=jnp.asarray(5.0))
    with pytest.raises(ValueError, match=r"`weights` must be finite"):
        jtfne.DenseConnectivity(jnp.array([[0.0, jnp.nan]]))


def test_wrongly_shaped_array_is_a_type_error_naming_the_argument():
    with pytest.raises(TypeError, match=r"weights"):
        jtfne.DenseConnectivity(jnp.ones(5))
    with pytest.raises(TypeError, match=r"tau_ms"):
        jtfne.Drive(bias=jnp.ones(3), noise_sigma=jnp.ones(3), noise_tau_ms=jnp.ones(3))


def test_simulate_rejects_a_non_simulation(ei_model):
    with pytest.raises(TypeError, match=r"(?s)(`sim` must be made by|parameter 'sim')"):
        ei_model.simulate({"duration_ms": 10.0})  # type: ignore[arg-type]
