"""Laminar source models: two-point and multi-point (compact-cell) sources, current
channels, repeated thalamic pulses and evoked averages."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxfne as jtfne
from jaxfne.analysis import LAYER_BANDS_UM, evoked_average, layer_profile
from jaxfne.columns import laminar, pd14
from jaxfne.drive import PulsedSources
from jaxfne.fields import (
    CompartmentSources,
    EnergyConstants,
    FieldGeometry,
    FieldStage,
    TwoPointSources,
)
from jaxfne.synapses import ExponentialSynapses


def stage(sources):
    return FieldStage(geometry=FieldGeometry.build(radius_um=100.0, depth_um=1000.0, n_contacts=9),
                      sources=sources, energy=EnergyConstants(), outputs=("CSD",))


def one(x):
    return jnp.asarray([x], dtype=float)


def test_compartment_sources_dipole_and_csd_of_one_cell():
    """Current I entering at 200 um and leaving 60 % at the soma (500 um) and 40 % where
    it entered: the dipole is 0.6 I (500 - 200) and the CSD integrates to zero."""
    src = CompartmentSources(
        open_field=one(1.0), offset_um=jnp.asarray([[0.0, -300.0]]),
        entry=jnp.asarray([[[0.0, 1.0]], [[1.0, 0.0]]]),
        exit=jnp.asarray([[[0.6, 0.4]], [[1.0, 0.0]]]))
    fs = stage(src)
    capacitance = one(250.0)
    ops = fs.operators(one(500.0), capacitance)
    current = 2.0  # mV/ms -> 0.5 nA at 250 pF
    nA = current * 250.0 * 1e-3
    csd, dipole = FieldStage.record(ops, jnp.asarray([[current], [0.0]]))  # per channel
    np.testing.assert_allclose(np.asarray(dipole), [0.6 * nA * 300.0, 0.0], rtol=1e-12)
    assert np.all(np.asarray(csd)[1] == 0)
    csd = csd.sum(axis=0)
    volume = np.pi * 100.0**2 * 50.0
    per_bin = np.asarray(csd) * volume * 1e-6  # nA
    assert abs(per_bin.sum()) < 1e-12
    z = np.asarray(fs.geometry.depth_um)
    np.testing.assert_allclose(per_bin @ z, 0.6 * nA * 300.0, rtol=1e-10)
    # The sink (negative) is at 200 um, the source at the soma.
    assert per_bin[np.argmin(np.abs(z - 200.0))] < 0 < per_bin[np.argmin(np.abs(z - 500.0))]


def test_two_point_sources_are_compartment_sources_with_return_at_the_soma():
    rng = np.random.default_rng(0)
    n = 6
    soma = jnp.asarray(rng.uniform(200, 800, n))
    exc, inh = jnp.asarray(rng.uniform(-300, 0, n)), jnp.asarray(rng.uniform(-50, 50, n))
    open_field = jnp.asarray([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    two = TwoPointSources(open_field, exc, inh)
    offsets = jnp.stack([jnp.zeros(n), exc, inh], axis=1)
    at = lambda k: jnp.broadcast_to(jnp.eye(3)[k], (n, 3))  # noqa: E731
    multi = CompartmentSources(open_field, offsets, jnp.stack([at(1), at(2)]),
                               jnp.stack([at(0), at(0)]))
    capacitance = jnp.full(n, 200.0)
    a, b = stage(two).operators(soma, capacitance), stage(multi).operators(soma, capacitance)
    np.testing.assert_allclose(np.asarray(a.maps), np.asarray(b.maps), atol=1e-12)
    assert np.all(np.asarray(a.maps)[:, :, 4:] == 0)  # closed-field cells add nothing


def test_only_keeps_the_named_channels_and_the_parts_add_up():
    rng = np.random.default_rng(2)
    n = 5
    soma = jnp.asarray(rng.uniform(200, 800, n))
    capacitance = jnp.full(n, 200.0)
    two = stage(TwoPointSources(jnp.ones(n), jnp.asarray(rng.uniform(-300, 0, n)),
                                jnp.asarray(rng.uniform(0, 50, n))))
    offsets = jnp.asarray(rng.uniform(-400, 0, (n, 3))).at[:, 0].set(0.0)
    entry = jnp.asarray(rng.dirichlet(np.ones(3), (3, n)))
    exit_ = jnp.asarray(rng.dirichlet(np.ones(3), (3, n)))
    multi = stage(CompartmentSources(jnp.ones(n), offsets, entry, exit_,
                                     ("excitatory", "inhibitory", "thalamic")))
    for fs in (two, multi):
        whole = np.asarray(fs.operators(soma, capacitance).maps)
        parts = [np.asarray(fs.only((c,)).operators(soma, capacitance).maps)
                 for c in fs.channels]
        for k, part in enumerate(parts):
            np.testing.assert_allclose(part[k], whole[k], atol=1e-12)
            assert np.all(np.delete(part, k, axis=0) == 0)


def test_compartment_sources_reject_bad_fractions_and_channels():
    ok = dict(open_field=one(1.0), offset_um=jnp.zeros((1, 2)),
              entry=jnp.asarray([[[0.5, 0.5]], [[1.0, 0.0]]]),
              exit=jnp.asarray([[[1.0, 0.0]], [[1.0, 0.0]]]))
    CompartmentSources(**ok)
    with pytest.raises(ValueError, match="`entry` must sum to 1|every row of `entry`"):
        CompartmentSources(**ok | dict(entry=jnp.asarray([[[0.5, 0.4]], [[1.0, 0.0]]])))
    with pytest.raises(ValueError, match="channels"):
        CompartmentSources(**ok, channels=("inhibitory", "excitatory"))
    with pytest.raises((ValueError, TypeError)):  # jaxtyping reports it first when on
        CompartmentSources(**ok | dict(exit=jnp.ones((1, 1, 2)) / 2))
    with pytest.raises(ValueError, match="among"):
        stage(CompartmentSources(**ok)).only(("thalamic",))


def test_column_compartments_follow_the_synapse_tables():
    rng = np.random.default_rng(1)
    pops = np.repeat(np.arange(8), 20)
    bounds = pd14.layer_bounds_um()
    soma = np.array([rng.uniform(*bounds[pd14.LAYER_OF_POPULATION[p]]) for p in pops])
    offset, entry, exit_ = laminar.compartment_sources(soma, pops)
    np.testing.assert_allclose(entry.sum(axis=-1), 1.0)
    np.testing.assert_allclose(exit_.sum(axis=-1), 1.0)
    kinds = laminar.SYNAPSE_KINDS
    z = soma[:, None] + offset
    l1 = z < 82.0

    def share_in_l1(kind, pop):
        cells = pops == pd14.POPULATIONS.index(pop)
        return (entry[kinds.index(kind)][cells] * l1[cells]).sum(axis=1)

    # The background reaches L5 pyramids on their L1 tufts (70 %, Binzegger via
    # Hagen), L2/3 pyramids entirely there; their recurrent input mostly below L1.
    np.testing.assert_allclose(share_in_l1("external", "L5e"), 0.698, atol=0.01)
    np.testing.assert_allclose(share_in_l1("external", "L2/3e"), 1.0, atol=1e-9)
    assert np.all(share_in_l1("excitatory", "L5e") < 0.05)
    # Compact cells: the return current leaves through the membrane (same for all kinds).
    for k in range(len(kinds)):
        np.testing.assert_allclose(exit_[k], exit_[0])
    # Thalamic input to L4 pyramids: a net sink in L4, sources above (supragranular).
    cells = pops == pd14.POPULATIONS.index("L4e")
    w = (exit_ - entry)[kinds.index("thalamic")][cells]
    in_l4 = (z[cells] >= 587) & (z[cells] < 922)
    assert np.all((w * in_l4).sum(axis=1) < -0.1)
    assert np.all((w * (z[cells] < 587)).sum(axis=1) > 0.1)
    # Interneurons: everything at the soma, so no field.
    inter = ~pd14.IS_EXCITATORY[pops]
    assert np.all(offset[inter] == 0) and np.allclose((exit_ - entry)[:, inter], 0)
    # A short return length keeps the current near where it entered: smaller dipoles.
    _, e_near, x_near = laminar.compartment_sources(soma, pops, length_constant_um=100.0)
    dip = lambda e, x: np.abs(((x - e) * offset[None]).sum(-1))  # noqa: E731
    assert dip(e_near, x_near).sum() < 0.5 * dip(entry, exit_).sum()
    with pytest.raises(ValueError, match="length_constant_um"):
        laminar.compartment_sources(soma, pops, length_constant_um=0.0)
    with pytest.raises(ValueError, match="n_trunk"):
        laminar.compartment_sources(soma, pops, n_trunk=0)


def test_repeated_pulses_are_active_for_whole_steps():
    pulse = PulsedSources(rate_hz=jnp.asarray(100.0), synapses=ExponentialSynapses(()),
                          start_ms=10.0, duration_ms=2.0, interval_ms=5.0)
    active = np.asarray(jax.vmap(lambda s: pulse.active(s, 0.1))(jnp.arange(400)))
    on = np.flatnonzero(active)
    assert on[0] == 100 and active.sum() == 6 * 20  # pulses at 10, 15, ..., 35 ms
    assert np.all(active[100:120]) and not active[120:150].any() and active[150]
    single = PulsedSources(rate_hz=jnp.asarray(100.0), synapses=ExponentialSynapses(()),
                           start_ms=10.0, duration_ms=2.0)
    assert np.asarray(jax.vmap(lambda s: single.active(s, 0.1))(jnp.arange(400))).sum() == 20
    with pytest.raises(ValueError, match="interval_ms"):
        PulsedSources(rate_hz=jnp.asarray(1.0), synapses=ExponentialSynapses(()),
                      start_ms=0.0, duration_ms=10.0, interval_ms=10.0)


def test_thalamus_interval_is_validated_and_round_trips():
    cfg = jtfne.configuration().network(name="v1", kind="cortical_column", scale=0.02,
                                        thalamus=True, thalamus_start_ms=50.0,
                                        thalamus_interval_ms=100.0)
    assert cfg.network_spec.thalamus_interval_ms == 100.0
    assert jtfne.Configuration.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="needs `thalamus=True`"):
        jtfne.configuration().network(name="v1", kind="cortical_column",
                                      thalamus_interval_ms=100.0)
    with pytest.raises(ValueError, match="must exceed the pulse"):
        jtfne.configuration().network(name="v1", kind="cortical_column", thalamus=True,
                                      thalamus_interval_ms=5.0)
    with pytest.raises(ValueError, match="option of kind='cortical_column' only"):
        jtfne.configuration().network(name="x", kind="balanced_ei_population", n=10,
                                      cell_types={"E": 1.0}, thalamus_interval_ms=100.0)


def test_evoked_average_and_layer_profile():
    rng = np.random.default_rng(0)
    response = np.exp(-np.arange(30) / 5.0)
    signal = rng.normal(0, 0.01, (1000, 3)) + 2.0  # offset removed by the baseline
    onsets = [100, 400, 700]
    for o in onsets:
        signal[o: o + 30, 1] += response
    ev = evoked_average(signal, onsets, before_ms=20, after_ms=40)
    assert ev.shape == (60, 3)
    np.testing.assert_allclose(ev[20:50, 1], response, atol=0.03)
    assert np.abs(ev[:, [0, 2]]).max() < 0.05
    with pytest.raises(ValueError, match="onsets_ms"):
        evoked_average(signal, [990], before_ms=20, after_ms=40)
    depth = (np.arange(32) + 0.5) * 50.0
    prof = layer_profile(np.tile(depth, (2, 1)), depth)
    assert prof.shape == (2, len(LAYER_BANDS_UM))
    assert np.all(np.diff(prof[0]) > 0)  # deeper bands, deeper mean
    with pytest.raises(ValueError, match="holds no depth bin"):
        layer_profile(depth[:2], depth[:2])
    with pytest.raises(ValueError, match="one entry per depth bin"):
        layer_profile(depth, depth[:2])


def test_compartment_maps_are_differentiable_in_depths_and_fractions():
    """Gradients of a CSD/dipole readout with respect to the soma depths and the points'
    offsets match central finite differences (the linear spreading onto bins is
    piecewise linear, so points are kept away from bin centres)."""
    rng = np.random.default_rng(4)
    n, k = 4, 5
    soma = jnp.asarray(rng.uniform(300, 700, n))
    offsets = jnp.asarray(rng.uniform(-250, 0, (n, k))).at[:, 0].set(0.0)
    entry = jnp.asarray(rng.dirichlet(np.ones(k), (2, n)))
    exit_ = jnp.asarray(rng.dirichlet(np.ones(k), (2, n)))
    weights = jnp.asarray(rng.normal(size=(2, 21, n)))
    capacitance = jnp.full(n, 250.0)

    def readout(soma, offsets):
        fs = stage(CompartmentSources(jnp.ones(n), offsets, entry, exit_))
        return jnp.sum(fs.operators(soma, capacitance).maps * weights)

    g_soma, g_off = jax.grad(readout, argnums=(0, 1))(soma, offsets)
    h = 1e-4
    for i in range(n):
        e = jnp.zeros(n).at[i].set(h)
        fd = (readout(soma + e, offsets) - readout(soma - e, offsets)) / (2 * h)
        np.testing.assert_allclose(float(g_soma[i]), float(fd), rtol=1e-6, atol=1e-9)
    e = jnp.zeros((n, k)).at[1, 3].set(h)
    fd = (readout(soma, offsets + e) - readout(soma, offsets - e)) / (2 * h)
    np.testing.assert_allclose(float(g_off[1, 3]), float(fd), rtol=1e-6, atol=1e-9)
    assert float(jnp.abs(g_off).sum()) > 0
