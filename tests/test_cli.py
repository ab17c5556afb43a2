"""The `jaxfne` command: run, plot, info, example-config; help, exit codes, messages."""

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import ei_config

import jaxfne as jtfne
from jaxfne.cli import EXIT_BAD_INPUT, EXIT_MISSING_EXTRA, EXIT_OK, EXIT_RUN_FAILED, main

MODES = ["spikes", "V_m", "source", "LFP", "CSD", "EEG", "MEG"]  # as test_interop_neo


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """`jaxfne run` on the interop tests' network (its compiled simulation is shared)."""
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "network.json"
    config.write_text(ei_config(modes=MODES).field().to_json(indent=2))
    code = main(["run", str(config), "--duration-ms", "500", "--seed", "3", "--out",
                 str(folder / "run"), "--nwb", "--window-ms", "100", "400"])
    assert code == EXIT_OK
    return folder / "run"


@pytest.mark.parametrize("argv, words", [
    (["--help"], ["run", "plot", "info", "example-config", "exit codes"]),
    (["run", "--help"], ["CONFIG", "--duration-ms", "--out", "--seed", "--nwb"]),
    (["plot", "--help"], ["RUN", "--window-ms"]),
    (["info", "--help"], ["versions"]),
    (["example-config", "--help"], ["--out"]),
])
def test_help(capsys, argv, words):
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out
    for word in words:
        assert word in out


def test_run_writes_bundle_arrays_nwb_and_figures(run_folder):
    names = {p.name for p in run_folder.iterdir()}
    assert {"bundle.json", "bundle.npz", "run.nwb", "raster.png", "laminar_lfp_csd.png",
            "eeg_meg.png", "eeg_topomap.png"} <= names
    record = json.loads((run_folder / "bundle.json").read_text())
    assert record["simulation_seed"] == 3 and record["construct_seed"] == 0
    assert jtfne.Configuration.from_dict(record["configuration"]) == ei_config(
        modes=MODES).field().resolved()
    assert record["units"]["field.lfp_proxy"] == "mV" and record["units"]["field.meg"] == "fT"
    arrays = np.load(run_folder / "bundle.npz")
    assert arrays["spikes"].shape == (5000, 100) and arrays["field.eeg"].shape == (5000, 19)


def test_plot_redraws_from_the_saved_run_and_signals_round_trip(run_folder, tmp_path):
    record, signals = jtfne.io.load_signals(run_folder)
    saved = np.load(run_folder / "bundle.npz")
    np.testing.assert_array_equal(np.asarray(signals.field.lfp_proxy), saved["field.lfp_proxy"])
    assert signals.field.geometry.electrode_names[0] == "Fp1"
    assert signals.populations == (("E", 0, 75), ("I", 75, 100))
    assert main(["plot", str(run_folder), "--out", str(tmp_path)]) == EXIT_OK
    assert {p.name for p in tmp_path.iterdir()} >= {"raster.png", "laminar_lfp_csd.png",
                                                    "eeg_meg.png", "eeg_topomap.png"}


def test_example_config_is_a_valid_configuration(tmp_path, capsys):
    assert main(["example-config", "--out", str(tmp_path / "c.json")]) == EXIT_OK
    cfg = jtfne.Configuration.from_json((tmp_path / "c.json").read_text())
    assert "EEG" in cfg.modes and cfg.network_spec.n == 100
    assert jtfne.construct(cfg).n == 100
    capsys.readouterr()
    assert main(["example-config"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == cfg.to_dict()


def test_info_reports_versions_and_devices(capsys):
    assert main(["info"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"jaxfne {jtfne.__version__}" in out and "devices:" in out and "cpu" in out
    assert "mne " in out and "pynwb " in out


def _error(capsys, argv):
    code = main(argv)
    return code, capsys.readouterr().err


def test_bad_files_and_options_exit_2_with_a_message(tmp_path, capsys, run_folder):
    out = ["--duration-ms", "10", "--out", str(tmp_path / "o")]
    code, err = _error(capsys, ["run", str(tmp_path / "missing.json"), *out])
    assert code == EXIT_BAD_INPUT and "does not exist" in err and "missing.json" in err
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    code, err = _error(capsys, ["run", str(bad_json), *out])
    assert code == EXIT_BAD_INPUT and "is not valid JSON" in err
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    code, err = _error(capsys, ["run", str(binary), *out])
    assert code == EXIT_BAD_INPUT and "not a text file" in err
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"network": {"name": "x", "kind": "nope", "n": 10,
                                             "cell_types": {"E": 1.0}, "layer": None,
                                             "radius_um": None}}))
    code, err = _error(capsys, ["run", str(wrong), *out])
    assert code == EXIT_BAD_INPUT and "not a valid jaxfne configuration" in err
    assert "`kind` must be one of" in err
    shape = tmp_path / "shape.json"
    shape.write_text(json.dumps({"network": 3}))
    code, err = _error(capsys, ["run", str(shape), *out])
    assert code == EXIT_BAD_INPUT and "section 'network' must be a JSON object" in err
    good = run_folder / "bundle.json"  # a bundle holds its configuration: accepted
    code, err = _error(capsys, ["run", str(good), "--duration-ms", "10.05", "--out",
                                str(tmp_path / "o")])
    assert code == EXIT_BAD_INPUT and "`duration_ms` must be a whole number of steps" in err
    code, err = _error(capsys, ["run", str(good), "--duration-ms", "10", "--out",
                                str(tmp_path / "o"), "--window-ms", "5", "1"])
    assert code == EXIT_BAD_INPUT and "--window-ms must be START STOP" in err
    code, err = _error(capsys, ["plot", str(tmp_path)])
    assert code == EXIT_BAD_INPUT and "bundle.json and bundle.npz" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bundle.json").write_text((run_folder / "bundle.json").read_text())
    (broken / "bundle.npz").write_bytes(b"not a zip file")
    code, err = _error(capsys, ["plot", str(broken)])
    assert code == EXIT_BAD_INPUT and "not a readable .npz file" in err
    code, err = _error(capsys, ["run"])
    assert code == EXIT_BAD_INPUT and "required" in err
    code, err = _error(capsys, ["frobnicate"])
    assert code == EXIT_BAD_INPUT and "invalid choice" in err


def test_python_dash_m_jaxfne_runs_the_command():
    out = subprocess.run([sys.executable, "-m", "jaxfne", "plot", "/nonexistent/run"],
                         capture_output=True, text=True)
    assert out.returncode == EXIT_BAD_INPUT
    assert "jaxfne plot: error: RUN: `path` '/nonexistent/run' does not exist" in out.stderr


def test_figures_without_matplotlib_exit_3_naming_the_extra(run_folder, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    code, err = _error(capsys, ["plot", str(run_folder), "--out", str(tmp_path)])
    assert code == EXIT_MISSING_EXTRA and "pip install 'jaxfne[viz]'" in err


def test_a_diverging_simulation_exits_1_naming_the_step(run_folder, tmp_path, capsys):
    code, err = _error(capsys, ["run", str(run_folder / "bundle.json"), "--duration-ms", "40",
                                "--dt-ms", "4", "--no-figures", "--out", str(tmp_path)])
    assert code == EXIT_RUN_FAILED
    assert "the simulation failed" in err and "reduce `dt_ms`" in err
