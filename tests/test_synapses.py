import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import ei_config

import jaxfne as jtfne
from jaxfne.synapses import (
    ExponentialSynapses,
    Projection,
    SparseConnectivity,
    bernoulli_edges,
    fixed_indegree_edges,
)


def test_fixed_indegree_draws_distinct_inputs_without_autapses():
    rng = np.random.default_rng(0)
    pre = np.arange(0, 75)
    idx = fixed_indegree_edges(rng, np.arange(100), pre, 15)
    assert idx.shape == (100, 15)
    for post, row in enumerate(idx):
        assert len(set(row)) == 15 and post not in row and set(row) <= set(pre)


def test_bernoulli_density_and_no_autapses():
    rng = np.random.default_rng(1)
    idx, mask = bernoulli_edges(rng, np.arange(400), np.arange(400), 0.1)
    degrees = mask.sum(axis=1)
    assert abs(degrees.mean() / 399 - 0.1) < 0.01
    for post in range(400):
        assert post not in idx[post, mask[post]]


def test_dense_and_sparse_propagation_agree():
    rng = np.random.default_rng(2)
    idx = fixed_indegree_edges(rng, np.arange(50), np.arange(50), 7)
    w = rng.normal(size=idx.shape)
    sparse = SparseConnectivity(pre_indices=jnp.asarray(idx), weights=jnp.asarray(w), n_pre=50)
    spikes = jnp.asarray(rng.random(50) < 0.3, float)
    np.testing.assert_allclose(sparse.propagate(spikes), sparse.to_dense().propagate(spikes),
                               rtol=1e-12)


def single_projection(delay_ms=None, tau=5.0):
    conn = jtfne.DenseConnectivity(jnp.ones((1, 1)))
    proj = Projection(connectivity=conn, tau_ms=jnp.asarray(tau), scale=jnp.asarray(2.0),
                      sign="excitatory", delay_ms=delay_ms)
    return ExponentialSynapses(projections=(proj,))


@pytest.mark.parametrize("dt", [0.1, 0.05, 0.025])
def test_charge_per_spike_does_not_depend_on_dt(dt):
    syn = single_projection()
    state = syn.init(1, dt, jnp.float64)
    charge = 0.0
    for k in range(int(100.0 / dt)):
        spikes = jnp.asarray([1.0 if k == 0 else 0.0])
        exc, _ = syn.input_current(state, jnp.zeros(1))
        charge += float(exc[0]) * dt
        state = syn.update(state, spikes, jnp.asarray(k), dt)
    # weight 1 x scale 2 x tau 5 ms = 10 (mV/ms) ms, up to the step's Riemann error
    assert abs(charge - 10.0) < 10.0 * dt / 5.0


@pytest.mark.parametrize("delay_ms, first_step", [(None, 1), (0.1, 1), (1.0, 10), (2.5, 25)])
def test_delay_sets_the_arrival_step(delay_ms, first_step):
    dt = 0.1
    syn = single_projection(delay_ms)
    state = syn.init(1, dt, jnp.float64)
    seen = []
    for k in range(40):
        exc, _ = syn.input_current(state, jnp.zeros(1))
        seen.append(float(exc[0]))
        state = syn.update(state, jnp.asarray([1.0 if k == 0 else 0.0]), jnp.asarray(k), dt)
    assert np.flatnonzero(seen)[0] == first_step


def test_sparse_network_gives_the_same_activity_as_dense(ei_model):
    def to_sparse(proj):
        w = np.asarray(proj.connectivity.weights)
        k = int((w != 0).sum(axis=1).max())
        idx = np.argsort(w == 0, axis=1, kind="stable")[:, :k]
        return SparseConnectivity(pre_indices=jnp.asarray(idx, jnp.int32),
                                  weights=jnp.asarray(np.take_along_axis(w, idx, 1)),
                                  n_pre=w.shape[1], pre_offset=proj.connectivity.pre_offset)

    sparse = eqx.tree_at(
        lambda m: [p.connectivity for p in m.coupling.projections], ei_model,
        [to_sparse(p) for p in ei_model.coupling.projections],
    )
    sim = jtfne.simulation(100.0, 0.1, seed=9)
    a, b = ei_model.simulate(sim), sparse.simulate(sim)
    np.testing.assert_array_equal(a.spikes, b.spikes)
    np.testing.assert_allclose(a.V_m, b.V_m, rtol=1e-9, atol=1e-9)


def test_builder_networks_obey_dales_law_and_indegree(ei_model):
    e, i = ei_model.coupling.projections
    # Each projection reads only its own population: E neurons 0-74, I neurons 75-99.
    assert (e.connectivity.pre_offset, e.connectivity.n_pre) == (0, 75)
    assert (i.connectivity.pre_offset, i.connectivity.n_pre) == (75, 25)
    we, wi = np.asarray(e.connectivity.weights), np.asarray(i.connectivity.weights)
    assert np.all(we >= 0) and np.all(wi <= 0)
    assert np.all((we != 0).sum(axis=1) == 46) and np.all((wi != 0).sum(axis=1) == 18)
    assert np.all(np.diag(we[:75]) == 0) and np.all(np.diag(wi[75:]) == 0)


def test_bernoulli_builder_option():
    model = jtfne.construct(ei_config().synapses(connectivity="bernoulli",
                                                 connection_probability=0.3))
    w = np.asarray(model.coupling.projections[0].connectivity.weights)
    assert w.shape == (100, 75)
    assert abs((w != 0).mean() - 0.3) < 0.03


def _event_model(model, capacity):
    from jaxfne.synapses import EventConnectivity

    def to_event(proj):
        w = np.asarray(proj.connectivity.weights)
        k = int((w != 0).sum(axis=1).max())
        idx = np.argsort(w == 0, axis=1, kind="stable")[:, :k]
        sparse = SparseConnectivity(pre_indices=jnp.asarray(idx, jnp.int32),
                                    weights=jnp.asarray(np.take_along_axis(w, idx, 1)),
                                    n_pre=w.shape[1], pre_offset=proj.connectivity.pre_offset)
        return EventConnectivity.from_sparse(sparse, capacity)

    return eqx.tree_at(lambda m: [p.connectivity for p in m.coupling.projections], model,
                       [to_event(p) for p in model.coupling.projections])


def test_event_driven_propagation_equals_the_edge_list():
    from jaxfne.synapses import EventConnectivity

    rng = np.random.default_rng(4)
    idx = fixed_indegree_edges(rng, np.arange(60), np.arange(80), 9)
    w = rng.normal(size=idx.shape)
    sparse = SparseConnectivity(pre_indices=jnp.asarray(idx), weights=jnp.asarray(w), n_pre=80)
    event = EventConnectivity.from_sparse(sparse, capacity=30)
    for p in (0.05, 0.2):
        spikes = jnp.asarray(rng.random(80) < p, float)
        np.testing.assert_allclose(event.propagate(spikes), sparse.propagate(spikes),
                                   rtol=1e-12, atol=1e-12)
        assert not bool(event.overflowed(spikes))


def test_event_driven_network_gives_the_same_activity_as_dense(ei_model):
    event = _event_model(ei_model, capacity=40)
    sim = jtfne.simulation(100.0, 0.1, seed=9)
    a, b = ei_model.simulate(sim), event.simulate(sim)
    np.testing.assert_array_equal(a.spikes, b.spikes)
    np.testing.assert_allclose(a.V_m, b.V_m, rtol=1e-9, atol=1e-9)
    assert int(b.overflow) == -1


def test_spike_buffer_overflow_is_reported_never_silent(ei_model):
    tiny = _event_model(ei_model, capacity=1)
    with pytest.raises(jtfne.SpikeBufferOverflowError, match=r"spiked in step \d+"):
        tiny.simulate(jtfne.simulation(200.0, 0.1, seed=9))
    quiet = tiny.simulate(jtfne.simulation(200.0, 0.1, seed=9, throw=False))
    assert int(quiet.overflow) >= 0


def test_event_edges_round_trip_to_the_per_target_list():
    from jaxfne.synapses import EventConnectivity

    rng = np.random.default_rng(5)
    idx = fixed_indegree_edges(rng, np.arange(40), np.arange(40), 6)
    sparse = SparseConnectivity(pre_indices=jnp.asarray(idx),
                                weights=jnp.asarray(rng.normal(size=idx.shape)), n_pre=40)
    back = EventConnectivity.from_sparse(sparse, 8).to_sparse()
    np.testing.assert_allclose(back.to_dense().weights, sparse.to_dense().weights)


def test_large_networks_use_the_event_driven_path():
    from jaxfne.synapses import EventConnectivity

    cfg = ei_config(n=2400).synapses(indegree={"E": 75, "I": 25})
    model = jtfne.construct(cfg)
    conn = model.coupling.projections[0].connectivity
    assert isinstance(conn, EventConnectivity) and conn.capacity == 64
    s = model.simulate(jtfne.simulation(20.0, 0.1, seed=0))
    assert int(s.overflow) == -1 and s.spikes.shape == (200, 2400)
