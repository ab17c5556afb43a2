"""Neo/Elephant export: layout, units, and Elephant computing jaxfne's own numbers."""

import dataclasses

import elephant.current_source_density as ecsd
import elephant.statistics as es
import equinox as eqx
import jax.numpy as jnp
import numpy as np
import pytest
import quantities as pq
from helpers import ei_config

import jaxfne as jtfne
from jaxfne import analysis
from jaxfne.fields import FieldGeometry, delta_icsd

MODES = ["spikes", "V_m", "source", "LFP", "CSD", "EEG", "MEG"]


@pytest.fixture(scope="module")
def run():
    model = jtfne.construct(ei_config(modes=MODES).field())
    signals = model.simulate(jtfne.simulation(500.0, 0.1, seed=3))
    return model, signals, jtfne.io.to_neo(signals, model=model)


def _analog(block, name):
    (signal,) = [a for a in block.segments[0].analogsignals if a.name == name]
    return signal


def test_block_layout_units_and_annotations(run):
    model, signals, block = run
    seg = block.segments[0]
    assert len(seg.spiketrains) == 100
    assert [g.name for g in block.groups] == ["E", "I"]
    assert [len(g.spiketrains) for g in block.groups] == [75, 25]
    depths = np.asarray(model.geometry.soma_depth_um)
    for i in (0, 74, 75, 99):
        st = seg.spiketrains[i]
        assert st.annotations["population"] == ("E" if i < 75 else "I")
        assert st.annotations["neuron_index"] == i
        assert st.annotations["soma_depth_um"] == pytest.approx(depths[i])
        assert len(st) == int(np.asarray(signals.spikes[:, i]).sum())
        assert float(st.t_start.rescale(pq.ms)) == pytest.approx(0.0, abs=1e-9)
        assert float(st.t_stop.rescale(pq.ms)) == pytest.approx(500.0)
    vm = _analog(block, "V_m")
    assert vm.units == pq.mV and vm.shape == (5000, 100)
    np.testing.assert_array_equal(vm.magnitude, np.asarray(signals.V_m))
    assert float(vm.sampling_period.rescale(pq.ms)) == pytest.approx(0.1)
    assert float(vm.t_start.rescale(pq.ms)) == pytest.approx(float(signals.time_ms[0]))
    np.testing.assert_allclose(vm.times.rescale(pq.ms).magnitude, np.asarray(signals.time_ms),
                               rtol=1e-12)
    np.testing.assert_allclose(vm.array_annotations["soma_depth_um"], depths)
    lfp = _analog(block, "LFP")
    assert lfp.units == pq.mV
    np.testing.assert_array_equal(lfp.magnitude, np.asarray(signals.field.lfp_proxy))
    contacts = np.asarray(signals.field.geometry.contact_depths_um)
    np.testing.assert_array_equal(lfp.array_annotations["contact_depth_um"], contacts)
    assert lfp.annotations["diameter_um"] == pytest.approx(600.0)
    csd = _analog(block, "CSD_proxy")
    assert csd.units == pq.uA / pq.mm**3
    eeg = _analog(block, "EEG")
    assert list(eeg.array_annotations["channel_name"]) == list(
        signals.field.geometry.electrode_names)
    meg = _analog(block, "MEG")
    np.testing.assert_allclose(meg.rescale(pq.T).magnitude, np.asarray(signals.field.meg) * 1e-15,
                               rtol=1e-12)
    assert {a.name for a in seg.analogsignals} >= {"synaptic_nA", "excitatory_nA",
                                                    "inhibitory_nA", "CSD"}


def test_elephant_rates_and_isi_cv_equal_jaxfne_summaries(run):
    _, signals, block = run
    trains = block.segments[0].spiketrains
    rates = np.array([float(es.mean_firing_rate(st).rescale(pq.Hz)) for st in trains])
    summary = jtfne.summary(signals)
    for name, a, b in signals.populations:
        assert rates[a:b].mean() == pytest.approx(summary["rates_hz"][name], rel=1e-12)
    cv = analysis.isi_cv(signals)
    elephant_cv = np.array([float(es.cv(es.isi(st))) if len(st) >= 5 else np.nan
                            for st in trains])
    assert np.isfinite(cv).sum() >= 20
    np.testing.assert_array_equal(np.isfinite(elephant_cv), np.isfinite(cv))
    np.testing.assert_allclose(elephant_cv[np.isfinite(cv)], cv[np.isfinite(cv)], rtol=1e-10)
    assert np.nanmedian(elephant_cv) == pytest.approx(summary["isi_cv_median"], rel=1e-10)


def _elephant_delta_icsd(lfp):
    sigma = lfp.annotations["sigma_S_per_m"] * pq.S / pq.m
    csd = ecsd.estimate_csd(lfp, method="DeltaiCSD", process_estimate=False,
                            diam=lfp.annotations["diameter_um"] * pq.um, sigma=sigma,
                            sigma_top=sigma)
    # Elephant's delta-iCSD is current per disc area (A/m^2); divide by the
    # contact spacing for a volume density, then 1 A/m^3 = 1e-3 uA/mm^3.
    spacing_m = float(np.diff(lfp.array_annotations["contact_depth_um"])[0]) * 1e-6
    return csd.rescale(pq.A / pq.m**2).magnitude / spacing_m * 1e-3


def test_elephant_delta_icsd_of_the_exported_lfp_equals_csd_proxy(run):
    _, signals, block = run
    mine = np.asarray(signals.field.csd_proxy)
    theirs = _elephant_delta_icsd(_analog(block, "LFP"))
    assert np.abs(mine).max() > 0
    np.testing.assert_allclose(theirs, mine, rtol=0, atol=1e-10 * np.abs(mine).max())


def test_elephant_delta_icsd_follows_the_exported_tissue_parameters(run):
    """Another conductivity and radius travel with the LFP into Elephant."""
    _, signals, _ = run
    g = FieldGeometry.build(radius_um=250.0, conductivity=0.45)
    lfp = signals.field.lfp_proxy
    csd = delta_icsd(lfp, g.contact_depths_um, 2 * g.radius_um, 0.45)
    other = eqx.tree_at(lambda s: (s.field.geometry, s.field.csd_proxy), signals,
                        (g, jnp.asarray(csd)))
    block = jtfne.io.to_neo(other)
    theirs = _elephant_delta_icsd(_analog(block, "LFP"))
    np.testing.assert_allclose(theirs, np.asarray(csd), rtol=0,
                               atol=1e-10 * float(jnp.abs(csd).max()))


def test_without_model_no_depths_and_a_wrong_model_is_named(run):
    model, signals, _ = run
    block = jtfne.io.to_neo(signals)
    assert "soma_depth_um" not in block.segments[0].spiketrains[0].annotations
    half = dataclasses.replace(signals, spikes=signals.spikes[:, :50], V_m=None, sources=None,
                               populations=(("E", 0, 50),))
    with pytest.raises(ValueError, match="`model` must be the model that produced"):
        jtfne.io.to_neo(half, model=model)
