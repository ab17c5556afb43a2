"""MNE export: channels, positions and units, checked with MNE's own forward model."""

import dataclasses
import warnings

import matplotlib
import mne
import numpy as np
import pytest
from helpers import ei_config

import jaxfne as jtfne

MODES = ["spikes", "V_m", "source", "LFP", "CSD", "EEG", "MEG"]  # as test_interop_neo


@pytest.fixture(scope="module")
def run():
    model = jtfne.construct(ei_config(modes=MODES).field())
    signals = model.simulate(jtfne.simulation(500.0, 0.1, seed=3))
    return signals, jtfne.io.to_mne(signals)


def test_eeg_raw_channels_units_and_montage(run):
    signals, raws = run
    raw = raws["eeg"]
    g = signals.field.geometry
    assert raw.ch_names == list(g.electrode_names)
    assert set(raw.get_channel_types()) == {"eeg"}
    assert raw.info["sfreq"] == pytest.approx(10000.0)
    assert raw.first_time == pytest.approx(float(signals.time_ms[0]) * 1e-3)
    np.testing.assert_allclose(raw.get_data(), np.asarray(signals.field.eeg).T * 1e-3,
                               rtol=1e-15)
    positions = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    np.testing.assert_allclose(positions, np.asarray(g.electrodes_um) * 1e-6, rtol=1e-12)
    assert all(ch["coord_frame"] == mne.io.constants.FIFF.FIFFV_COORD_HEAD
               for ch in raw.info["chs"])
    fiducials = {d["ident"]: d["r"] for d in raw.info["dig"]
                 if d["kind"] == mne.io.constants.FIFF.FIFFV_POINT_CARDINAL}
    np.testing.assert_allclose(fiducials[mne.io.constants.FIFF.FIFFV_POINT_NASION],
                               [0.0, 0.09, 0.0], atol=1e-12)


def test_eeg_positions_agree_with_mne_standard_10_20_names():
    """Each electrode lies within 20 degrees of MNE's digitised 10-20 position of
    the same name (seen from the head frame's origin) and nearer to it than to
    any other: no channel is mislabelled or mirrored."""
    g = jtfne.fields.FieldGeometry.build()
    names = mne.channels.get_builtin_montages()
    name = "colin27_1020" if "colin27_1020" in names else "standard_1020"
    info = mne.create_info(list(g.electrode_names), 1000.0, "eeg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # MNE renames its 10-20 montage
        info.set_montage(mne.channels.make_standard_montage(name))
    standard = np.array([ch["loc"][:3] for ch in info["chs"]])
    ours = np.asarray(g.electrodes_um)
    cos = (ours / np.linalg.norm(ours, axis=1, keepdims=True)) @ (
        standard / np.linalg.norm(standard, axis=1, keepdims=True)).T
    angles = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    assert angles.diagonal().max() < 20.0
    np.testing.assert_array_equal(angles.argmin(axis=1), np.arange(len(g.electrode_names)))


def test_mne_forward_model_reproduces_the_exported_eeg_and_meg(run):
    """MNE's spherical forward model of jaxfne's column dipole, at the exported
    channels, gives the exported data: MEG (Sarvas, exact) to 1e-6 and EEG
    (Berg-Scherg approximation of the four spheres) to 1 %."""
    signals, raws = run
    g = signals.field.geometry
    dipole = np.asarray(signals.field.dipole_nAum)
    k = int(np.argmax(np.linalg.norm(dipole, axis=1)))
    moment = dipole[k] * 1e-15  # nA*um -> A*m
    amplitude = np.linalg.norm(moment)
    mne_dipole = mne.Dipole(np.array([0.0]), np.asarray(g.column_position_um)[None] * 1e-6,
                            np.array([amplitude]), (moment / amplitude)[None], np.array([100.0]))
    radii = np.asarray(g.head_radii_um) * 1e-6
    sphere = mne.make_sphere_model(r0=(0.0, 0.0, 0.0), head_radius=radii[-1],
                                   relative_radii=radii / radii[-1],
                                   sigmas=np.asarray(g.head_sigmas_S_per_m), verbose=False)
    for kind, tol in (("meg", 1e-6), ("eeg", 1e-2)):
        raw = raws[kind]
        fwd, _ = mne.make_forward_dipole(mne_dipole, sphere, raw.info, verbose=False)
        predicted = fwd["sol"]["data"][:, 0] * amplitude
        exported = raw.get_data()[:, k]
        assert np.abs(exported).max() > 0
        np.testing.assert_allclose(predicted, exported, rtol=0,
                                   atol=tol * np.abs(exported).max())


def test_meg_raw_is_radial_point_magnetometers_in_tesla(run):
    signals, raws = run
    raw = raws["meg"]
    assert set(raw.get_channel_types()) == {"mag"}
    np.testing.assert_allclose(raw.get_data(), np.asarray(signals.field.meg).T * 1e-15,
                               rtol=1e-15)
    sensors = np.asarray(signals.field.geometry.sensors_um) * 1e-6
    for ch, pos in zip(raw.info["chs"], sensors):
        assert ch["coil_type"] == mne.io.constants.FIFF.FIFFV_COIL_POINT_MAGNETOMETER
        np.testing.assert_allclose(ch["loc"][:3], pos, rtol=1e-12)
        np.testing.assert_allclose(ch["loc"][9:12], pos / np.linalg.norm(pos), atol=1e-12)


def test_eeg_topomap_plots_headless(run, tmp_path):
    signals, _ = run
    fig = jtfne.io.eeg_topomap(signals, path=tmp_path / "topo.png")
    assert matplotlib.get_backend().lower() == "agg"
    assert (tmp_path / "topo.png").stat().st_size > 10_000
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="`time_ms` must lie within the recording"):
        jtfne.io.eeg_topomap(signals, time_ms=900.0)


def test_to_mne_needs_eeg_or_meg(run):
    signals = dataclasses.replace(run[0], field=None)
    with pytest.raises(ValueError, match="must hold an EEG or MEG"):
        jtfne.io.to_mne(signals)
