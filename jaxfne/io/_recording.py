"""Reading a laminar LFP recording (NWB or .npz) so that a fit can target it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from ._extras import require

__all__ = ["LaminarRecording", "load_lfp"]

_NPZ_LFP = ("lfp_mV", "field.lfp_proxy")
_NPZ_DEPTHS = ("contact_depths_um", "field.geometry.contact_depths_um")


@dataclasses.dataclass(frozen=True)
class LaminarRecording:
    """A laminar LFP read from a file.

    Attributes:
        lfp_mV: `[time, contacts]` potential (mV), contacts ordered as in the file.
        time_ms: `[time]` sample times (ms).
        contact_depths_um: `[contacts]` contact depths (um below the pia).
        source: where it was read from ("file.nwb:processing/ecephys/LFP/LFP").
    """

    lfp_mV: np.ndarray
    time_ms: np.ndarray
    contact_depths_um: np.ndarray
    source: str

    @property
    def sampling_period_ms(self) -> float:
        """Median interval between samples (ms)."""
        return float(np.median(np.diff(self.time_ms))) if self.time_ms.size > 1 else float("nan")

    @property
    def contact_spacing_um(self) -> float:
        """Median distance between neighbouring contacts (um)."""
        return float(np.median(np.diff(self.contact_depths_um)))

    def window(self, start_ms: float, stop_ms: float) -> LaminarRecording:
        """The samples with `start_ms < time_ms <= stop_ms`."""
        keep = (self.time_ms > start_ms) & (self.time_ms <= stop_ms)
        if not keep.any():
            raise ValueError(f"The window ({start_ms:g}, {stop_ms:g}] ms holds no sample of "
                             f"the recording ({self.time_ms[0]:g} to {self.time_ms[-1]:g} ms).")
        return dataclasses.replace(self, lfp_mV=self.lfp_mV[keep], time_ms=self.time_ms[keep])


def _check(lfp: np.ndarray, time_ms: np.ndarray, depths: np.ndarray, source: str
           ) -> LaminarRecording:
    if lfp.ndim != 2:
        raise ValueError(f"The LFP in {source} must be `[time, contacts]`; got shape "
                         f"{lfp.shape}.")
    if time_ms.shape != (lfp.shape[0],):
        raise ValueError(f"The times in {source} must have one entry per sample "
                         f"({lfp.shape[0]}); got shape {time_ms.shape}.")
    if depths.shape != (lfp.shape[1],):
        raise ValueError(f"The contact depths in {source} must have one entry per contact "
                         f"({lfp.shape[1]}); got shape {depths.shape}.")
    if not np.all(np.isfinite(depths)):
        raise ValueError(f"The contact depths in {source} must be finite; got {depths}.")
    return LaminarRecording(lfp, time_ms, depths, source)


def _from_npz(path: Path) -> LaminarRecording:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"`path` {str(path)!r} is not a readable .npz file ({err}).") from err
    lfp_key = next((k for k in _NPZ_LFP if k in arrays), None)
    depth_key = next((k for k in _NPZ_DEPTHS if k in arrays), None)
    if lfp_key is None or depth_key is None:
        raise ValueError(
            f"`path` {str(path)!r} must hold a laminar LFP: one of {list(_NPZ_LFP)} "
            f"(`[time, contacts]`, mV) and one of {list(_NPZ_DEPTHS)} (um), plus `time_ms` "
            f"or `sampling_period_ms`; it holds {sorted(arrays)}.")
    lfp = np.asarray(arrays[lfp_key], dtype=float)
    if "time_ms" in arrays:
        time_ms = np.asarray(arrays["time_ms"], dtype=float)
    elif "sampling_period_ms" in arrays:
        period = float(arrays["sampling_period_ms"])
        time_ms = float(arrays.get("t_start_ms", 0.0)) + period * np.arange(lfp.shape[0])
    else:
        raise ValueError(f"`path` {str(path)!r} must hold `time_ms` or `sampling_period_ms` "
                         f"with the LFP; it holds {sorted(arrays)}.")
    return _check(lfp, time_ms, np.asarray(arrays[depth_key], dtype=float), str(path))


def _nwb_candidates(nwb: Any) -> dict[str, Any]:
    from pynwb.ecephys import ElectricalSeries

    found = {}
    for name, series in nwb.acquisition.items():
        if isinstance(series, ElectricalSeries):
            found[f"acquisition/{name}"] = series
    for module_name, module in nwb.processing.items():
        for name, interface in module.data_interfaces.items():
            if isinstance(interface, ElectricalSeries):
                found[f"processing/{module_name}/{name}"] = interface
            for inner_name, series in getattr(interface, "electrical_series", {}).items():
                found[f"processing/{module_name}/{name}/{inner_name}"] = series
    return found


def _from_nwb(path: Path, series: str | None, depth_column: str) -> LaminarRecording:
    pynwb = require("pynwb", "`jaxfne.io.load_lfp` on an NWB file")
    from pynwb.ecephys import LFP

    try:
        io = pynwb.NWBHDF5IO(str(path), "r")
    except (OSError, ValueError) as err:
        raise ValueError(f"`path` {str(path)!r} is not a readable NWB file ({err}).") from err
    with io:
        nwb = io.read()
        found = _nwb_candidates(nwb)
        if series is not None:
            matches = [k for k in found if k == series or k.rsplit("/", 1)[-1] == series]
            if len(matches) != 1:
                raise ValueError(f"`series` must name one ElectricalSeries of the file; got "
                                 f"{series!r}, the file has {sorted(found)}.")
            key = matches[0]
        else:
            in_lfp = [k for k in found if k.startswith("processing/") and isinstance(
                nwb.processing[k.split("/")[1]].data_interfaces.get(k.split("/")[2]), LFP)]
            pool = in_lfp or sorted(found)
            if len(pool) != 1:
                raise ValueError(f"`series` must be given to choose the laminar LFP among "
                                 f"the ElectricalSeries {sorted(found) or '(none)'} of "
                                 f"{str(path)!r}.")
            key = pool[0]
        es = found[key]
        table = es.electrodes.to_dataframe()
        if depth_column not in table.columns:
            raise ValueError(f"`depth_column` must name a column of the electrodes table "
                             f"holding contact depths (um); got {depth_column!r}, the table "
                             f"has {list(table.columns)}.")
        depths = table[depth_column].to_numpy(dtype=float)
        data = np.asarray(es.data[:], dtype=float)
        if data.ndim == 1:
            data = data[:, None]
        channel = 1.0 if es.channel_conversion is None else np.asarray(
            es.channel_conversion[:], dtype=float)[None, :]
        offset_mV = float(getattr(es, "offset", 0.0) or 0.0) * 1e3
        # one factor to mV (exactly 1.0 for data stored in mV with conversion 1e-3)
        lfp_mV = data * (float(es.conversion) * 1e3) * channel + offset_mV
        n = data.shape[0]
        if es.timestamps is not None:
            time_ms = np.asarray(es.timestamps[:], dtype=float) * 1e3
        else:
            time_ms = (float(es.starting_time or 0.0) + np.arange(n) / float(es.rate)) * 1e3
    return _check(lfp_mV, time_ms, depths, f"{path}:{key}")


def load_lfp(path: str | Path, *, series: str | None = None,
             depth_column: str = "depth_um") -> LaminarRecording:
    """Read a laminar LFP from an NWB file or an .npz file.

    NWB: the `ElectricalSeries` inside an `LFP` container of a processing
    module (as `to_nwb` writes it), or the only `ElectricalSeries` of the
    file, or the one `series` names ("LFP" or a path such as
    "processing/ecephys/LFP/LFP"). Data are converted to mV with the
    series' `conversion`, `channel_conversion` and `offset`; contact depths
    come from the electrodes table's `depth_column` (um below the pia).

    .npz: `lfp_mV` or `field.lfp_proxy` (`[time, contacts]`, mV),
    `contact_depths_um` or `field.geometry.contact_depths_um` (um), and
    `time_ms` (or `sampling_period_ms` with an optional `t_start_ms`). A
    bundle written by `jaxfne.save` qualifies.

    Args:
        path: the file (`.nwb` or `.npz`).
        series: which NWB ElectricalSeries to read (see above).
        depth_column: the electrodes-table column with the contact depths.

    Returns:
        A `LaminarRecording` (LFP in mV, times in ms, depths in um).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"`path` must be an existing .nwb or .npz file; got "
                                f"{str(path)!r}.")
    if path.suffix.lower() == ".npz":
        return _from_npz(path)
    if path.suffix.lower() in (".nwb", ".h5", ".hdf5"):
        return _from_nwb(path, series, depth_column)
    raise ValueError(f"`path` must end in .nwb (NWB, HDF5) or .npz; got {str(path)!r}.")
