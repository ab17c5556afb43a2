import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxfne as jtfne
from jaxfne.neurons import IZHIKEVICH_PRESETS, LIF_PRESETS


def izhikevich(preset: str, n: int = 1) -> jtfne.Izhikevich:
    p = IZHIKEVICH_PRESETS[preset]
    full = lambda x: jnp.full(n, x)
    return jtfne.Izhikevich(a=full(p["a"]), b=full(p["b"]), c=full(p["c"]), d=full(p["d"]),
                            capacitance_pF=full(p["capacitance_pF"]), v_peak_mV=full(30.0))


def spike_times(neuron, current: float, duration_ms: float = 500.0, dt_ms: float = 0.1):
    state = neuron.init(jax.random.key(0))
    state = jax.tree.map(lambda x: x, state)

    def body(state, _):
        state, spike = neuron.step(state, jnp.full(neuron.n, current), dt_ms)
        return state, spike

    _, spikes = jax.lax.scan(body, state, None, length=int(duration_ms / dt_ms))
    return np.flatnonzero(np.asarray(spikes[:, 0])) * dt_ms


def test_presets_reproduce_their_firing_classes():
    # Izhikevich (2003), Fig. 2, with a step current of 10 (mV/ms).
    rs = np.diff(spike_times(izhikevich("regular_spiking"), 10.0))
    fs = np.diff(spike_times(izhikevich("fast_spiking"), 10.0))
    ib = np.diff(spike_times(izhikevich("intrinsically_bursting"), 10.0))
    ch = np.diff(spike_times(izhikevich("chattering"), 10.0))
    # regular spiking adapts: later intervals longer than the first
    assert rs[-1] > 1.5 * rs[0]
    # fast spiking fires faster than regular spiking and barely adapts
    assert fs.size > 4 * rs.size and fs[-1] < 2 * fs[0]
    # bursting and chattering cells mix short (intra-burst) and long intervals
    assert ch.min() < 0.4 * ch.max()
    assert ib[0] < 0.5 * ib[-1]


def test_izhikevich_is_silent_without_input_and_rests_at_its_fixed_point():
    t = spike_times(izhikevich("regular_spiking"), 0.0)
    assert t.size == 0


def test_lif_rate_matches_the_analytic_f_i_curve():
    p = LIF_PRESETS["potjans_diesmann"]
    n = 3
    neuron = jtfne.LIF(**{k: jnp.full(n, v) for k, v in p.items()})
    neuron = jtfne.LIF(
        tau_m_ms=neuron.tau_m_ms, v_rest_mV=neuron.v_rest_mV,
        v_threshold_mV=neuron.v_threshold_mV, v_reset_mV=neuron.v_reset_mV,
        refractory_ms=neuron.refractory_ms, capacitance_pF=neuron.capacitance_pF,
        v_init_mV=(-65.0, -65.0),
    )
    current = 2.0  # mV/ms: v_inf = -65 + 10 * 2 = -45 mV, above threshold
    dt = 0.01
    t = spike_times(neuron, current, duration_ms=1000.0, dt_ms=dt)
    tau, theta = p["tau_m_ms"], p["v_threshold_mV"] - p["v_reset_mV"]
    period = p["refractory_ms"] + tau * np.log(tau * current / (tau * current - theta))
    measured = np.diff(t).mean()
    # exact integration: the period is exact up to the step grid
    assert abs(measured - period) <= 2 * dt


def test_heterogeneity_jitters_parameters_per_neuron():
    from helpers import ei_config

    cfg = ei_config().emitter(family="izhikevich", preset="cortical_eig", heterogeneity=0.1)
    model = jtfne.construct(cfg)
    a = np.asarray(model.emitters.a)
    assert np.unique(a[:75]).size == 75
    homogeneous = jtfne.construct(ei_config())
    assert np.unique(np.asarray(homogeneous.emitters.a)[:75]).size == 1


def test_shape_mismatch_is_rejected():
    with pytest.raises((ValueError, TypeError), match=r"b"):
        jtfne.Izhikevich(a=jnp.ones(3), b=jnp.ones(4), c=jnp.ones(3), d=jnp.ones(3),
                         capacitance_pF=jnp.ones(3), v_peak_mV=jnp.ones(3))
