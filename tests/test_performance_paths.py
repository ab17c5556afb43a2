"""The performance paths of issue 5: delta synapses, event-driven variants, per-edge
delays, chunked runs, initial states, long recording bins and the Poisson sampler."""

import importlib.util
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxfne as jtfne
from jaxfne.drive import poisson_counts
from jaxfne.synapses import (
    DenseConnectivity,
    DenseEventConnectivity,
    EventConnectivity,
    ExponentialSynapses,
    Projection,
)

PEERS = Path(__file__).resolve().parents[1] / "benchmarks" / "peers"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, PEERS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _numpy_ei(net):
    """The "ei" reference network stepped in NumPy, in NEST's order of operations."""
    n, steps = net["n"], int(round(net["duration_ms"] / net["dt_ms"]))
    dt, v, u = net["dt_ms"], net["v0"].copy(), net["u0"].copy()
    w = np.zeros((n, n))
    np.add.at(w, (net["post"], net["pre"]), net["weight"])
    s, count = np.zeros(n), np.zeros(n)
    for _ in range(steps):
        vn = v + dt * (((((0.04 * v) * v + 5 * v) + 140) - u) + net["bias"]) + s
        un = u + (dt * net["a"]) * (net["b"] * v - u)
        spike = vn >= 30.0
        v = np.where(spike, net["c"], vn)
        u = np.where(spike, un + net["d"], un)
        s = w @ spike
        count += spike
    return count


@pytest.mark.parametrize("path", ["matvec", "dense", "event"])
def test_delta_synapses_match_a_numpy_reference_spike_for_spike(path):
    """The peers' deterministic check (no noise, bias 10, 100 ms) through the public API:
    jaxfne's delta synapses give the same spikes as a plain NumPy loop, on every path."""
    jax.config.update("jax_enable_x64", True)
    network, bench = _load("network"), _load("bench_jaxfne")
    net = network.make_network(100, seed=0, deterministic=True)
    model, state, _ = bench.build(net, jnp.float64, path)
    sim = jtfne.simulation(net["duration_ms"], net["dt_ms"], record_every=1000)
    counts = np.asarray(model.simulate(sim, state=state).spikes)[0]
    expected = _numpy_ei(net)
    assert counts.sum() > 200
    np.testing.assert_array_equal(counts, expected)


def test_dense_event_connectivity_gives_the_dense_spikes(ei_model):
    def to_rows(proj):
        c = proj.connectivity
        return DenseEventConnectivity(weights_pre_post=c.weights.T, n_pre=c.n_pre, capacity=c.n_pre,
                                      pre_offset=c.pre_offset)

    rows = eqx.tree_at(lambda m: [p.connectivity for p in m.coupling.projections], ei_model,
                       [to_rows(p) for p in ei_model.coupling.projections])
    sim = jtfne.simulation(100.0, 0.1, seed=4)
    np.testing.assert_array_equal(ei_model.simulate(sim).spikes, rows.simulate(sim).spikes)


def test_per_edge_delays_deliver_after_their_delay():
    """Neuron 0 spikes once at step 0; its edges to 1, 2 and 3 have delays 1, 4 and 7
    steps: each target's current first appears in step 1, 4 and 7."""
    a = np.asarray
    conn = EventConnectivity.from_edges(a([0, 0, 0]), a([1, 2, 3]), a([1.0, 2.0, 3.0]),
                                        n_pre=4, n_post=4, capacity=4, delay_steps=a([1, 4, 7]))
    syn = ExponentialSynapses(projections=(Projection(
        connectivity=conn, tau_ms=jnp.asarray(1e6), scale=jnp.asarray(1.0),
        sign="excitatory"),))
    state = syn.init(4, 0.1, jnp.float64)
    first = {}
    for k in range(12):
        exc, _ = syn.input_current(state, jnp.zeros(4), 0.1)
        for target in (1, 2, 3):
            if float(exc[target]) != 0 and target not in first:
                first[target] = k
        spikes = jnp.asarray([1.0 if k == 0 else 0.0, 0, 0, 0])
        state = syn.update(state, spikes, jnp.asarray(k), 0.1)
    assert first == {1: 1, 2: 4, 3: 7}
    with pytest.raises(ValueError, match="delay_steps"):
        EventConnectivity.from_edges(a([0]), a([1]), a([1.0]), n_pre=2, n_post=2, capacity=2,
                                     delay_steps=a([0]))
    with pytest.raises(ValueError, match="delay_ms"):
        Projection(connectivity=conn, tau_ms=jnp.asarray(1.0), scale=jnp.asarray(1.0),
                   sign="excitatory", delay_ms=1.0)


def test_delayed_delivery_of_a_volley_larger_than_the_buffer():
    """A step in which more neurons spike than the spike buffer holds (a synchronous
    volley) is delivered in several rounds: the ring equals a NumPy scatter of every
    edge, whatever the buffer size."""
    rng = np.random.default_rng(3)
    n_pre, n_post, slots = 300, 50, 6
    pre = np.repeat(np.arange(n_pre), 5)
    post = rng.integers(0, n_post, pre.size)
    w = rng.normal(size=pre.size)
    delay = rng.integers(1, slots + 1, pre.size)
    spikes = (rng.random(n_pre) < 0.6).astype(float)
    step = 4
    want = np.zeros((slots, n_post))
    fired = spikes[pre] > 0
    np.add.at(want, ((step + delay[fired] - 1) % slots, post[fired]), w[fired])
    for capacity in (8, 40, 179, n_pre):
        conn = EventConnectivity.from_edges(pre, post, w, n_pre=n_pre, n_post=n_post,
                                            capacity=capacity, delay_steps=delay)
        ring, overflow = eqx.filter_jit(conn.deliver_delayed)(
            jnp.asarray(spikes), jnp.zeros((slots, n_post)), jnp.asarray(step))
        np.testing.assert_allclose(np.asarray(ring), want, atol=1e-12)
        assert not bool(overflow)


def test_step_average_is_the_mean_of_the_decaying_current():
    conn = DenseConnectivity(jnp.ones((1, 1)))
    proj = Projection(connectivity=conn, tau_ms=jnp.asarray(0.5), scale=jnp.asarray(1.0),
                      sign="excitatory", step_average=True)
    t = np.linspace(0, 0.1, 100001)
    mean = np.trapezoid(np.exp(-t / 0.5), t) / 0.1
    assert abs(float(proj.current_factor(0.1)) - mean) < 1e-9
    with pytest.raises(ValueError, match="exponential synapses only"):
        Projection(connectivity=conn, tau_ms=None, scale=jnp.asarray(1.0), sign="excitatory",
                   kind="delta", step_average=True)


def test_chunked_runs_equal_one_scan_and_show_progress(ei_model, capsys):
    sim = jtfne.simulation(300.0, 0.1, seed=2, record_every=5)
    whole = ei_model.simulate(sim)
    chunked = ei_model.simulate(jtfne.simulation(300.0, 0.1, seed=2, record_every=5,
                                                 chunk_ms=100.0, progress=True))
    np.testing.assert_array_equal(whole.spikes, chunked.spikes)
    np.testing.assert_array_equal(whole.V_m, chunked.V_m)
    assert "100.0%" in capsys.readouterr().err
    quiet = ei_model.simulate(jtfne.simulation(300.0, 0.1, seed=2, record_every=5,
                                               chunk_ms=100.0))
    np.testing.assert_array_equal(whole.spikes, quiet.spikes)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="chunk_ms"):
        jtfne.simulation(300.0, 0.1, chunk_ms=-1.0)


def test_initial_state_is_used_and_checked(ei_model):
    sim = jtfne.simulation(50.0, 0.1)
    key = jax.random.key(3)
    k_init, _ = jax.random.split(key)
    same = ei_model.simulate(sim, key=key, state=ei_model.init(k_init, 0.1))
    np.testing.assert_array_equal(ei_model.simulate(sim, key=key).V_m, same.V_m)
    quiet = eqx.tree_at(lambda s: s.neurons.v, ei_model.init(k_init, 0.1),
                        jnp.full(ei_model.n, -80.0))
    first = ei_model.simulate(sim, key=key, state=quiet).V_m[0]
    assert float(jnp.max(jnp.abs(first + 80.0))) < 5.0
    with pytest.raises(ValueError, match="structure and shapes"):
        ei_model.simulate(sim, state=eqx.tree_at(lambda s: s.neurons.v, quiet, jnp.zeros(3)))


def test_bins_longer_than_a_noise_block_sum_the_spikes(ei_model):
    fine = ei_model.simulate(jtfne.simulation(200.0, 0.1, seed=5)).spikes
    for every in (100, 2000):
        coarse = ei_model.simulate(jtfne.simulation(200.0, 0.1, seed=5,
                                                    record_every=every)).spikes
        summed = np.asarray(fine).reshape(-1, every, ei_model.n).sum(axis=1)
        np.testing.assert_array_equal(coarse, summed)


@pytest.mark.parametrize("lam", [0.02, 0.3, 3.0, 40.0])
def test_poisson_counts_have_the_poisson_distribution(lam):
    x = np.asarray(poisson_counts(jax.random.key(0), jnp.full((200_000,), lam)))
    se = np.sqrt(lam / x.size)
    assert abs(x.mean() - lam) < 5 * se
    assert abs(x.var() / lam - 1) < 0.03
    assert abs((x == 0).mean() - np.exp(-lam)) < 5 * np.sqrt(np.exp(-lam) / x.size) + 1e-9
