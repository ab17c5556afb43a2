import dataclasses
import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import ei_config

import jaxfne as jtfne
from jaxfne.fields import (
    csd_proxy_probe,
    eeg_proxy_probe,
    emm_proxy_probe,
    lfp_proxy_probe,
    meg_proxy_probe,
    source_probe,
    spk_probe,
    vm_probe,
)

ALL = ["spikes", "V_m", "source", "phi_e", "J_e", "CSD", "LFP", "EEG", "MEG", "EMM"]
SIM = jtfne.simulation(duration_ms=300.0, dt_ms=0.1, seed=42)


def field_config(modes=ALL, **field):
    options = dict(domain="laminar_column", conductivity="proxy", boundary="declared_proxy",
                   gauge="mean_zero") | field
    return ei_config(modes=modes).field(**options)


@pytest.fixture(scope="module")
def field_model():
    return jtfne.construct(field_config())


@pytest.fixture(scope="module")
def field_signals(field_model):
    return field_model.simulate(SIM)


def rel_rms(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.sqrt(np.mean((a - b) ** 2)) / np.sqrt(np.mean(b**2)))


def test_every_cell_has_zero_net_current_and_interneurons_are_closed(field_model):
    ops = field_model.field_operators()
    for m in (ops.csd_exc, ops.csd_inh):
        np.testing.assert_allclose(np.asarray(m).sum(axis=0), 0.0, atol=1e-12)
        assert np.all(np.asarray(m)[:, 75:] == 0.0)
    assert np.all(np.asarray(ops.dipole_exc)[75:] == 0.0)


def test_true_csd_integrates_to_zero_and_its_moment_is_the_dipole(field_model, field_signals):
    f = field_signals.field
    g = f.geometry
    current = np.asarray(f.csd) * 1e-6 * np.pi * float(g.radius_um) ** 2 * g.dz_um  # nA per bin
    scale = np.abs(current).sum(axis=1).max()
    assert np.abs(current.sum(axis=1)).max() < 1e-9 * scale
    moment = current @ np.asarray(g.depth_um)
    axis_moment = np.asarray(f.dipole_nAum) @ np.asarray(g.column_axis)
    np.testing.assert_allclose(moment, axis_moment, rtol=1e-8, atol=1e-8 * np.abs(moment).max())


def test_magnitudes_a_neuroscientist_expects(field_model, field_signals):
    f = field_signals.field
    ops = field_model.field_operators()
    syn = field_signals.sources
    to_mv_ms = 1e3 / np.asarray(field_model.emitters.capacitance_pF)
    exc, inh = np.asarray(syn[1]) * to_mv_ms, np.asarray(syn[2]) * to_mv_ms
    per_cell = exc * np.asarray(ops.dipole_exc) + inh * np.asarray(ops.dipole_inh)
    rms_cell = np.sqrt((per_cell[:, :75] ** 2).mean(axis=0))
    assert 10.0 < np.median(rms_cell) < 1000.0  # nA*um per pyramidal cell
    lfp_peak = np.abs(np.asarray(f.lfp_proxy)).max()
    assert 1e-3 < lfp_peak < 1.0  # mV: microvolts to a millivolt
    eeg_peak = np.abs(np.asarray(f.eeg)).max()
    assert 1e-8 < eeg_peak < 1e-4  # mV: nanovolt range for 100 neurons
    meg_peak = np.abs(np.asarray(f.meg)).max()
    assert 1e-4 < meg_peak < 10.0  # fT
    ohmic = float(np.asarray(f.ohmic_W).mean())
    assert 0 < ohmic < 1e-4 * float(f.emm.mean_total_W)  # FIELDS.md: ~1e-5 of metabolism
    # Excitatory cells fire at about 4 Hz: Attwell & Laughlin's 3.3e9 ATP/s per
    # neuron at 4 Hz, within a factor 3.
    rate_e = float(np.asarray(field_signals.spikes)[:, :75].mean() / 1e-4)
    assert 2.0 < rate_e < 8.0
    atp_e = float(np.asarray(f.emm.neuron_mean_atp_per_s)[:75].mean())
    assert 3.3e9 / 3 < atp_e < 3.3e9 * 3, atp_e


def test_eeg_and_meg_from_the_lfp_match_the_cells_own_dipoles(field_model):
    for seed in (1, 2, 3):
        s = field_model.simulate(jtfne.simulation(300.0, 0.1, seed=seed))
        g = s.field.geometry
        eeg = eeg_proxy_probe(s.field.lfp_proxy, geometry=g)
        meg = meg_proxy_probe(s.field.lfp_proxy, geometry=g)
        assert rel_rms(eeg.data, s.field.eeg) < 0.10
        assert rel_rms(meg.data, s.field.meg) < 0.10


def test_radial_column_is_invisible_to_meg_but_not_to_eeg():
    position = (0.0, 0.0, 70000.0)
    model = jtfne.construct(field_config(modes=["EEG", "MEG"], column_position_um=position,
                                         column_axis=(0.0, 0.0, -1.0)))
    s = model.simulate(jtfne.simulation(50.0, 0.1, seed=1))
    assert np.abs(np.asarray(s.field.meg)).max() < 1e-9 * np.abs(np.asarray(s.field.dipole_nAum)
                                                               ).max()
    assert np.abs(np.asarray(s.field.eeg)).max() > 0


def test_only_requested_signals_are_recorded():
    model = jtfne.construct(field_config(modes=["LFP"]))
    s = model.simulate(jtfne.simulation(20.0, 0.1, seed=0))
    assert s.spikes is None and s.V_m is None and s.sources is None
    assert s.field.lfp_proxy.shape == (200, 16)
    assert s.field.eeg is None and s.field.meg is None and s.field.phi_e is None


def test_poisson_solver_with_layered_conductivity(field_model):
    model = jtfne.construct(field_config(modes=["phi_e", "J_e", "LFP", "CSD"], solver="poisson",
                                         conductivity="layered", boundary="no_flux"))
    s = model.simulate(jtfne.simulation(50.0, 0.1, seed=0))
    f = s.field
    g = f.geometry
    sigma = np.asarray(g.sigma_S_per_m)
    assert sigma.min() == 0.2 and sigma.max() == 0.4
    np.testing.assert_allclose(np.asarray(f.phi_e).mean(axis=1), 0.0, atol=1e-12)
    # divergence of J_e (uA/mm^2 over um) equals the CSD (uA/mm^3) with no-flux ends
    j = np.pad(np.asarray(f.J_e), ((0, 0), (1, 1)))
    div = np.diff(j, axis=1) / (g.dz_um * 1e-3)
    csd = np.asarray(f.csd)
    np.testing.assert_allclose(div, csd - csd.mean(axis=1, keepdims=True), rtol=1e-6,
                               atol=1e-6 * np.abs(csd).max())


def test_disc_gauges_differ_by_a_constant_per_time():
    a = jtfne.construct(field_config(modes=["phi_e", "LFP"]))
    b = jtfne.construct(field_config(modes=["phi_e", "LFP"], gauge="infinity"))
    sim = jtfne.simulation(20.0, 0.1, seed=0)
    pa, pb = np.asarray(a.simulate(sim).field.phi_e), np.asarray(b.simulate(sim).field.phi_e)
    shift = (pb - pa)
    np.testing.assert_allclose(shift, shift[:, :1] * np.ones_like(shift), atol=1e-12)
    np.testing.assert_allclose(pa.mean(axis=1), 0.0, atol=1e-12)


def test_the_eight_probes_return_physical_readouts(field_signals):
    s = field_signals
    g = s.field.geometry
    readouts = [
        spk_probe(s.spikes), vm_probe(s.V_m), source_probe(s.sources[0]),
        lfp_proxy_probe(s.field.lfp_proxy, geometry=g),
        csd_proxy_probe(s.field.csd_proxy, geometry=g),
        eeg_proxy_probe(s.field.lfp_proxy, geometry=g),
        meg_proxy_probe(s.field.lfp_proxy, geometry=g),
        emm_proxy_probe(s.field.lfp_proxy, geometry=g), emm_proxy_probe(s),
    ]
    inputs = [s.spikes, s.V_m, s.sources[0], s.field.lfp_proxy, s.field.csd_proxy]
    for r in readouts:
        summary = r.summary()
        json.dumps(summary)
        assert summary["units"] and summary["method"]
        assert np.all(np.isfinite(np.asarray(r.data)))
        for x in inputs:
            assert np.shape(r.data) != np.shape(x) or not np.allclose(r.data, x)
    rate = readouts[0]
    assert rate.units == "Hz"
    expected = float(np.asarray(s.spikes).sum() / (100 * 0.3))
    assert abs(float(np.asarray(rate.data).mean()) - expected) < 1e-6 * expected
    assert readouts[-1].units == "ATP/s" and readouts[-2].units == "W"


def test_field_gradients_match_finite_differences(field_model):
    model = jtfne.construct(field_config(modes=["LFP", "EEG", "MEG"]))
    sim = jtfne.simulation(10.0, 0.1, seed=0)

    f0 = model.simulate(sim).field
    norms = [float(jnp.sum(x**2)) for x in (f0.lfp_proxy, f0.eeg, f0.meg)]

    def loss(m):
        f = m.simulate(sim).field
        terms = (f.lfp_proxy, f.eeg, f.meg)
        return sum(jnp.sum(x**2) / n for x, n in zip(terms, norms))

    grads = eqx.filter_grad(loss)(model)
    deep = int(np.flatnonzero(np.asarray(model.geometry.soma_depth_um)[:75] > 350.0)[0])
    where = {  # leaf, entry (None: all together), finite-difference step
        "conductivity": (lambda m: m.field.geometry.sigma_S_per_m, None, 1e-5),
        "contact depth": (lambda m: m.field.geometry.contact_depths_um, 3, 1e-3),
        "synapse depth": (lambda m: m.field.sources.excitatory_offset_um, deep, 1e-3),
        "column position": (lambda m: m.field.geometry.column_position_um, 0, 10.0),
    }
    for name, (get, index, h) in where.items():
        leaf = get(model)
        g_leaf = np.asarray(get(grads))
        direction = jnp.ones_like(leaf) if index is None else jnp.zeros_like(leaf).at[index].set(1)
        up = loss(eqx.tree_at(get, model, leaf + h * direction))
        down = loss(eqx.tree_at(get, model, leaf - h * direction))
        fd = float((up - down) / (2 * h))
        analytic = float(np.sum(g_leaf * np.asarray(direction)))
        assert np.isfinite(analytic), name
        assert abs(fd) > 1e-8, name
        assert abs(analytic - fd) <= 1e-5 * abs(fd), (name, analytic, fd)


def test_field_modes_need_a_field_model():
    with pytest.raises(ValueError, match=r"need a field model: call `.field"):
        jtfne.construct(ei_config(modes=["LFP"]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_contacts=2), r"`n_contacts` must be at least 3"),
    (dict(n_contacts=20), r"contacts must lie inside the column"),
    (dict(column_axis=(1.0, 1.0, 0.0)), r"`column_axis` must be a unit vector"),
    (dict(csd_method="kcsd"), r"`csd_method` must be one of 'delta_icsd', 'step_icsd', "
                              r"'standard'; got 'kcsd'"),
    (dict(dz_um=300.0), r"`dz_um` must divide `depth_um`"),
])
def test_bad_field_geometry(kwargs, match):
    with pytest.raises(ValueError, match=match):
        field_config(**kwargs)


def test_column_outside_the_brain_is_rejected():
    cfg = field_config(modes=["EEG"], column_position_um=(0.0, 0.0, 85000.0))
    with pytest.raises(ValueError, match=r"`column_position_um` must lie inside the brain"):
        jtfne.construct(cfg)


def test_simulating_twice_with_field_probes_does_not_change_results(field_model, field_signals):
    again = field_model.simulate(SIM)
    assert np.array_equal(np.asarray(again.field.lfp_proxy),
                          np.asarray(field_signals.field.lfp_proxy))
    jax.block_until_ready(again.field.eeg)


def test_projecting_inside_or_after_the_scan_gives_the_same_fields(field_model):
    assert field_model.field.project_after_scan
    stage = dataclasses.replace(field_model.field, project_after_scan=False)
    inside = eqx.tree_at(lambda m: m.field, field_model, stage)
    # Inside the scan only the step each bin keeps is computed (1, 10 and, over two
    # blocks of 50 steps, 100 steps per bin).
    for every in (1, 10, 100):
        sim = jtfne.simulation(30.0, 0.1, seed=5, record_every=every)
        a, b = field_model.simulate(sim).field, inside.simulate(sim).field
        assert a.csd.shape[0] == 300 // every
        for name in ("csd", "csd_by_channel", "lfp_proxy", "eeg", "meg", "dipole_nAum",
                     "phi_e"):
            x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12 * np.abs(y).max())
