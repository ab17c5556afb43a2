"""NWB export and reading a laminar LFP back, as from a user's own recording."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pynwb
import pytest
from helpers import ei_config

import jaxfne as jtfne

MODES = ["spikes", "V_m", "source", "LFP", "CSD", "EEG", "MEG"]  # as test_interop_neo
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def run():
    model = jtfne.construct(ei_config(modes=MODES).field())
    signals = model.simulate(jtfne.simulation(500.0, 0.1, seed=3))
    return model, signals


@pytest.fixture(scope="module")
def nwb_path(run, tmp_path_factory):
    model, signals = run
    return jtfne.io.to_nwb(signals, tmp_path_factory.mktemp("nwb") / "run.nwb", model=model)


def test_reading_the_file_back_gives_the_same_arrays(run, nwb_path):
    model, signals = run
    back = jtfne.io.read_nwb(nwb_path)
    f = signals.field
    for name, array in [("field.lfp_proxy", f.lfp_proxy), ("field.csd_proxy", f.csd_proxy),
                        ("field.eeg", f.eeg), ("field.meg", f.meg), ("V_m", signals.V_m),
                        ("synaptic_nA", signals.sources[0]), ("inhibitory_nA", signals.sources[2]),
                        ("field.geometry.contact_depths_um", f.geometry.contact_depths_um),
                        ("field.geometry.electrodes_um", f.geometry.electrodes_um),
                        ("field.geometry.sensors_um", f.geometry.sensors_um),
                        ("soma_depth_um", model.geometry.soma_depth_um)]:
        np.testing.assert_array_equal(back[name], np.asarray(array), err_msg=name)
    np.testing.assert_allclose(back["time_ms"], np.asarray(signals.time_ms), rtol=1e-12)
    assert back["field.geometry.electrode_names"] == f.geometry.electrode_names
    assert back["populations"] == ["E"] * 75 + ["I"] * 25
    t = np.asarray(signals.time_ms)
    for i in (0, 80):
        expected = t[np.asarray(signals.spikes[:, i]) > 0]
        np.testing.assert_allclose(back["spike_times_ms"][i], expected, rtol=1e-12)
    record = back["record"]
    assert jtfne.Configuration.from_dict(record["configuration"]) == model.config
    assert record["simulation_seed"] == 3 and record["construct_seed"] == 0
    assert record["dt_ms"] == 0.1


def test_the_file_is_plain_nwb_in_si_units(nwb_path):
    """What another NWB reader sees: volts by conversion, depths in the
    electrodes table, populations in the units table, notes as JSON."""
    with pynwb.NWBHDF5IO(str(nwb_path), "r") as io:
        nwb = io.read()
        lfp = nwb.processing["ecephys"]["LFP"].electrical_series["LFP"]
        assert lfp.unit == "volts" and lfp.conversion == 1e-3
        assert lfp.rate == pytest.approx(10000.0)
        table = lfp.electrodes.to_dataframe()
        np.testing.assert_array_equal(table["depth_um"], 50.0 + 100.0 * np.arange(16))
        assert set(table["group_name"]) == {"laminar_probe"}
        eeg = nwb.acquisition["EEG"]
        assert eeg.conversion == 1e-3
        assert list(eeg.electrodes.to_dataframe()["label"])[:3] == ["Fp1", "Fp2", "F7"]
        assert nwb.acquisition["MEG"].unit == "tesla"
        assert nwb.acquisition["MEG"].conversion == 1e-15
        assert len(nwb.units) == 100 and nwb.units["population"][0] == "E"
        assert json.loads(nwb.notes)["configuration"]["network"]["n"] == 100
        assert nwb.session_id == "seed-3"
    try:
        errors = pynwb.validate(path=str(nwb_path))
    except TypeError:  # pynwb < 3 takes a list of paths and returns (errors, status)
        errors = pynwb.validate(paths=[str(nwb_path)])[0]
    assert list(errors) == []


def test_load_lfp_reads_nwb_and_npz_alike(run, nwb_path, tmp_path):
    model, signals = run
    from_nwb = jtfne.io.load_lfp(nwb_path)
    np.testing.assert_array_equal(from_nwb.lfp_mV, np.asarray(signals.field.lfp_proxy))
    np.testing.assert_array_equal(from_nwb.contact_depths_um,
                                  np.asarray(signals.field.geometry.contact_depths_um))
    assert from_nwb.sampling_period_ms == pytest.approx(0.1)
    assert from_nwb.source.endswith("processing/ecephys/LFP/LFP")
    assert jtfne.io.load_lfp(nwb_path, series="LFP").source == from_nwb.source
    _, npz_path = jtfne.save(tmp_path / "bundle", model, signals)
    from_npz = jtfne.io.load_lfp(npz_path)
    np.testing.assert_array_equal(from_npz.lfp_mV, from_nwb.lfp_mV)
    np.testing.assert_allclose(from_npz.time_ms, from_nwb.time_ms, rtol=1e-12)
    np.testing.assert_array_equal(from_npz.contact_depths_um, from_nwb.contact_depths_um)
    plain = tmp_path / "plain.npz"
    np.savez(plain, lfp_mV=from_nwb.lfp_mV, contact_depths_um=from_nwb.contact_depths_um,
             sampling_period_ms=0.1, t_start_ms=0.1)
    np.testing.assert_allclose(jtfne.io.load_lfp(plain).time_ms, from_nwb.time_ms, rtol=1e-12)
    window = from_nwb.window(100.0, 200.0)
    assert window.lfp_mV.shape == (1000, 16)


def test_errors_name_the_argument_the_value_and_what_is_allowed(run, nwb_path, tmp_path):
    _, signals = run
    with pytest.raises(FileNotFoundError, match="`path` must be an existing .nwb or .npz"):
        jtfne.io.load_lfp(tmp_path / "missing.nwb")
    text = tmp_path / "lfp.txt"
    text.write_text("1 2 3")
    with pytest.raises(ValueError, match=r"`path` must end in \.nwb"):
        jtfne.io.load_lfp(text)
    empty = tmp_path / "empty.npz"
    np.savez(empty, something=np.zeros(3))
    with pytest.raises(ValueError, match=r"must hold a laminar LFP: one of \['lfp_mV'"):
        jtfne.io.load_lfp(empty)
    with pytest.raises(ValueError, match="`series` must name one ElectricalSeries"):
        jtfne.io.load_lfp(nwb_path, series="nope")
    with pytest.raises(ValueError, match="`depth_column` must name a column"):
        jtfne.io.load_lfp(nwb_path, depth_column="z_mm")
    with pytest.raises(FileExistsError, match="pass `overwrite=True`"):
        jtfne.io.to_nwb(signals, nwb_path)
    import datetime

    with pytest.raises(ValueError, match="`session_start_time` must be timezone-aware"):
        jtfne.io.to_nwb(signals, tmp_path / "x.nwb",
                        session_start_time=datetime.datetime(2020, 1, 1))


def test_fit_to_a_recording_read_from_nwb_recovers_the_hidden_parameters(tmp_path):
    """examples/fit_to_recording.py: conductivity, E weight scale and tau_E,
    hidden in the model that wrote the NWB file, recovered from the file's
    LFP alone (with other trial noise) from the defaults 17-20 % off."""
    spec = importlib.util.spec_from_file_location("fit_to_recording",
                                                  EXAMPLES / "fit_to_recording.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    errors = example.main(["--out", str(tmp_path), "--steps", "45"])
    assert (tmp_path / "recording.nwb").is_file()
    assert max(errors.values()) < 0.03, errors


def test_partial_field_signals_write_and_read(tmp_path):
    """Only EEG, or only MEG: the file holds what there is and nothing else."""
    import jax.numpy as jnp

    from jaxfne.fields import FieldGeometry, FieldSignals

    g = FieldGeometry.build()
    t = jnp.arange(1.0, 6.0) * 0.1
    rng = np.random.default_rng(0)
    for kind, shape in (("eeg", (5, 19)), ("meg", (5, 78))):
        data = jnp.asarray(rng.normal(size=shape))
        field = FieldSignals(geometry=g, dipole_nAum=jnp.zeros((5, 3)), **{kind: data})
        signals = jtfne.Signals(time_ms=t, status=jnp.asarray(-1), field=field, seed=1)
        back = jtfne.io.read_nwb(jtfne.io.to_nwb(signals, tmp_path / f"{kind}.nwb"))
        np.testing.assert_array_equal(back[f"field.{kind}"], np.asarray(data))
        assert "field.lfp_proxy" not in back and "spike_times_ms" not in back
        assert back["record"]["configuration"] is None and back["record"]["simulation_seed"] == 1
