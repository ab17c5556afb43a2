"""Export to MNE-Python: `to_mne` and `eeg_topomap` (optional extra `mne`).

Coordinates. jaxfne's head frame has its origin at the centre of the
four-sphere head, x towards the right ear, y towards the nasion and z
towards the vertex: the orientation of MNE's "head" frame. The montage puts
the fiducials on the scalp sphere (LPA at -x, RPA at +x, nasion at +y, all
at the scalp radius), so MNE's head frame, defined by them, is jaxfne's
frame with positions converted from um to m. The EEG channels sit exactly
at the electrodes the EEG was computed at (the idealised spherical 10-20
positions of `jaxfne.fields.eeg_10_20_positions`), under their 10-20 names
(T3/T4/T5/T6 are the names MNE's 10-20 montages also call T7/T8/P7/P8); each
lies within 20 degrees of MNE's digitised 10-20 position of the same name
(seen from the head frame's origin; tested). MEG channels are point
magnetometers (`FIFFV_COIL_POINT_MAGNETOMETER`) at the helmet positions,
each oriented along the radius, which is the field component jaxfne
computes; the device frame is the head frame (identity `dev_head_t`).

Units: EEG in V (jaxfne: mV), MEG in T (jaxfne: fT). Sampling frequency
`1000 / (dt_ms * record_every)` Hz; `first_samp` is set so that
`raw.first_time` is `signals.time_ms[0]` in seconds (the end of the first
recording bin).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..fields import FieldGeometry
from ..signals import Signals
from ._extras import require

__all__ = ["eeg_info", "eeg_topomap", "meg_info", "to_mne"]

_V_PER_MV = 1e-3
_T_PER_FT = 1e-15
_M_PER_UM = 1e-6


def _scalp_radius_m(g: FieldGeometry) -> float:
    return float(np.asarray(g.head_radii_um)[-1]) * _M_PER_UM


def eeg_info(geometry: FieldGeometry, sfreq_hz: float) -> Any:
    """An `mne.Info` for the EEG electrodes of `geometry`, with their montage."""
    mne = require("mne", "`jaxfne.io.to_mne`")
    names = list(geometry.electrode_names)
    positions = np.asarray(geometry.electrodes_um, dtype=float) * _M_PER_UM
    if len(names) != positions.shape[0]:
        names = [f"EEG{i:03d}" for i in range(positions.shape[0])]
    info = mne.create_info(names, sfreq_hz, "eeg", verbose=False)
    r = _scalp_radius_m(geometry)
    montage = mne.channels.make_dig_montage(
        ch_pos=dict(zip(names, positions)), nasion=[0.0, r, 0.0], lpa=[-r, 0.0, 0.0],
        rpa=[r, 0.0, 0.0], coord_frame="head")
    info.set_montage(montage, verbose=False)
    return info


def meg_info(geometry: FieldGeometry, sfreq_hz: float) -> Any:
    """An `mne.Info` for the MEG sensors of `geometry`: radial point magnetometers."""
    mne = require("mne", "`jaxfne.io.to_mne`")
    positions = np.asarray(geometry.sensors_um, dtype=float) * _M_PER_UM
    names = [f"MEG{i:03d}" for i in range(positions.shape[0])]
    info = mne.create_info(names, sfreq_hz, "mag", verbose=False)
    for ch, pos in zip(info["chs"], positions):
        ez = pos / np.linalg.norm(pos)
        helper = np.array([1.0, 0.0, 0.0]) if abs(ez[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
        ex = np.cross(helper, ez)
        ex /= np.linalg.norm(ex)
        ey = np.cross(ez, ex)
        ch["loc"] = np.concatenate([pos, ex, ey, ez])
        ch["coil_type"] = mne.io.constants.FIFF.FIFFV_COIL_POINT_MAGNETOMETER
    info["dev_head_t"] = mne.transforms.Transform("meg", "head")
    return info


def to_mne(signals: Signals) -> dict[str, Any]:
    """The simulated EEG and MEG as `mne.io.RawArray` objects.

    Args:
        signals: a simulation's output with `signals.field.eeg` and/or
            `signals.field.meg` recorded (probe modes "EEG", "MEG").

    Returns:
        `{"eeg": RawArray, "meg": RawArray}`, holding whichever of the two
        was recorded: EEG in V at the 10-20 electrodes (with a montage),
        MEG in T at radial point magnetometers. See the module docstring for
        the coordinates.

    Raises:
        ValueError: when neither EEG nor MEG was recorded.
        MissingExtraError: when MNE is not installed (`pip install 'jaxfne[mne]'`).
    """
    f = signals.field
    if f is None or (f.eeg is None and f.meg is None):
        raise ValueError("`signals` must hold an EEG or MEG (probe modes 'EEG', 'MEG' with "
                         "`.field(...)`); got neither.")
    mne = require("mne", "`jaxfne.io.to_mne`")
    period_ms = float(signals.dt_ms) * int(signals.record_every)
    sfreq = 1000.0 / period_ms
    first = int(round(float(np.asarray(signals.time_ms)[0]) / period_ms))
    out = {}
    if f.eeg is not None:
        data = np.asarray(f.eeg, dtype=float).T * _V_PER_MV
        out["eeg"] = mne.io.RawArray(data, eeg_info(f.geometry, sfreq), first_samp=first,
                                     verbose=False)
    if f.meg is not None:
        data = np.asarray(f.meg, dtype=float).T * _T_PER_FT
        out["meg"] = mne.io.RawArray(data, meg_info(f.geometry, sfreq), first_samp=first,
                                     verbose=False)
    return out


def eeg_topomap(signals: Signals, *, time_ms: float | None = None,
                window_ms: tuple[float, float] | None = None,
                path: str | Path | None = None) -> Any:
    """A scalp map of the simulated EEG, drawn by MNE (`mne.viz.plot_topomap`).

    Args:
        signals: a simulation's output with the EEG recorded.
        time_ms: the time shown (ms; the nearest sample); default the time
            of the largest global field power (spatial standard deviation
            over the electrodes) within `window_ms`.
        window_ms: (start, stop) in ms searched for that time; default the
            whole run.
        path: where to save the figure (PNG), if given.

    Returns:
        The matplotlib figure (drawn with the Agg backend, no display needed).
    """
    raws = to_mne(signals)
    if "eeg" not in raws:
        raise ValueError("`signals.field.eeg` was not recorded; add the 'EEG' probe mode.")
    require("matplotlib", "`jaxfne.io.eeg_topomap`")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mne

    raw = raws["eeg"]
    eeg_nv = raw.get_data() * 1e9
    t = np.asarray(signals.time_ms, dtype=float)
    if time_ms is None:
        gfp = eeg_nv.std(axis=0)
        if window_ms is not None:
            inside = (t > window_ms[0]) & (t <= window_ms[1])
            if not inside.any():
                raise ValueError(f"`window_ms` must overlap the recording ({t[0]:g} to "
                                 f"{t[-1]:g} ms); got {window_ms!r}.")
            gfp = np.where(inside, gfp, -np.inf)
        index = int(np.argmax(gfp))
    else:
        if not np.isfinite(time_ms) or not t[0] <= time_ms <= t[-1]:
            raise ValueError(f"`time_ms` must lie within the recording ({t[0]:g} to "
                             f"{t[-1]:g} ms); got {time_ms!r}.")
        index = int(np.argmin(np.abs(t - time_ms)))
    values = eeg_nv[:, index]
    fig, ax = plt.subplots(figsize=(5, 4.2))
    lim = float(np.abs(values).max()) or 1.0
    r = _scalp_radius_m(signals.field.geometry)  # type: ignore[union-attr]
    im, _ = mne.viz.plot_topomap(values, raw.info, axes=ax, show=False, names=raw.ch_names,
                                 sphere=(0.0, 0.0, 0.0, r), vlim=(-lim, lim), cmap="RdBu_r")
    fig.colorbar(im, ax=ax, label="EEG (nV)")
    ax.set_title(f"four-sphere EEG at {t[index]:g} ms" + (
        "\n(largest global field power)" if time_ms is None else ""), fontsize=10)
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig
