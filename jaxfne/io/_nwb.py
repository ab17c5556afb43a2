"""Neurodata Without Borders: `to_nwb`, `read_nwb` (optional extra `nwb`).

Layout of the file `to_nwb` writes (NWB 2, through pynwb). Every series
stores jaxfne's numbers unchanged, with NWB's `conversion` factor to SI
(data x conversion = the SI value):

- `electrodes` table: the laminar contacts (group "laminar_probe") and the
  EEG electrodes (group "scalp_eeg"), with the columns `label`, `depth_um`
  (contact depth below the pia; NaN for EEG) and `head_x_um`, `head_y_um`,
  `head_z_um` (EEG electrode in the head frame: x right, y nasion, z
  vertex; NaN for contacts).
- `processing/ecephys/LFP/LFP`: `ElectricalSeries` of
  `signals.field.lfp_proxy` in mV (`conversion` 1e-3, unit volts).
- `processing/ecephys/CSD_proxy`: `TimeSeries`, uA/mm^3 (unit A/m^3,
  `conversion` 1e3). `processing/ecephys/meg_sensors`: sensor positions
  (`x_um`, `y_um`, `z_um`).
- `acquisition/EEG`: `ElectricalSeries` on the EEG rows, mV (`conversion`
  1e-3). `acquisition/MEG`: `TimeSeries` of the radial field in fT (unit
  tesla, `conversion` 1e-15).
- `acquisition/V_m`: `TimeSeries` `[time, neurons]` in mV (unit volts,
  `conversion` 1e-3); `acquisition/synaptic_nA`, `excitatory_nA`,
  `inhibitory_nA` in nA (unit amperes, `conversion` 1e-9).
- `units`: one row per neuron (id = neuron index) with `spike_times` (s),
  `population` and, with `model=`, `soma_depth_um`.
- `notes`: JSON with the configuration, seeds, dt and versions (the
  `jaxfne.bundle` record when `model=` is given); `session_id`
  "seed-<simulation seed>".

Timing: series start at `signals.time_ms[0]` (the end of the first
recording bin) at a rate of `1000 / (dt_ms * record_every)` Hz; a spike is
stamped with the end of its bin.
"""

from __future__ import annotations

import datetime
import json
import platform
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..fields import FieldSignals
from ..model import Model
from ..signals import SOURCE_NAMES, Signals
from ._common import check_model, population_of, spike_times_ms
from ._extras import require

__all__ = ["read_nwb", "to_nwb"]

_PURPOSE = "`jaxfne.io.to_nwb`"


def _record(signals: Signals, model: Model | None) -> dict[str, Any]:
    from .. import __version__
    from ._bundle import bundle

    if model is not None:
        record = bundle(model, signals)
        record.pop("units", None)
        return record
    import jax

    return {"configuration": None, "construct_seed": None, "simulation_seed": signals.seed,
            "dt_ms": signals.dt_ms, "record_every": signals.record_every,
            "populations": [list(p) for p in signals.populations],
            "versions": {"jaxfne": __version__, "jax": jax.__version__,
                         "numpy": np.__version__, "python": platform.python_version()}}


def _electrodes(nwb: Any, f: FieldSignals) -> dict[str, list[int]]:
    """Fill the electrodes table (laminar contacts, then EEG); their row indices."""
    g = f.geometry
    nwb.add_electrode_column(name="label", description="contact or electrode name")
    nwb.add_electrode_column(name="depth_um",
                             description="contact depth below the pia (um); NaN for EEG")
    for axis, word in zip("xyz", ("right ear", "nasion", "vertex")):
        nwb.add_electrode_column(
            name=f"head_{axis}_um",
            description=f"EEG electrode position (um) in the head frame, centre of the "
                        f"four-sphere head at the origin, +{axis} towards the {word}; "
                        f"NaN for laminar contacts")
    rows: dict[str, list[int]] = {"laminar": [], "eeg": []}
    if f.lfp_proxy is not None or f.csd_proxy is not None:
        probe = nwb.create_device(name="laminar_probe",
                                  description="virtual laminar probe on the column axis")
        group = nwb.create_electrode_group(
            name="laminar_probe", description="contacts on the column axis",
            location="simulated cortical column", device=probe)
        for i, depth in enumerate(np.asarray(g.contact_depths_um, dtype=float)):
            rows["laminar"].append(len(rows["laminar"]))
            nwb.add_electrode(group=group, location="simulated cortical column",
                              label=f"contact{i:02d}", depth_um=float(depth),
                              head_x_um=np.nan, head_y_um=np.nan, head_z_um=np.nan)
    if f.eeg is not None:
        cap = nwb.create_device(name="eeg_cap", description="10-20 electrodes on the scalp "
                                "sphere of the four-sphere head model")
        group = nwb.create_electrode_group(name="scalp_eeg", description="10-20 system",
                                           location="scalp", device=cap)
        for name, pos in zip(g.electrode_names, np.asarray(g.electrodes_um, dtype=float)):
            rows["eeg"].append(len(rows["laminar"]) + len(rows["eeg"]))
            nwb.add_electrode(group=group, location="scalp", label=name, depth_um=np.nan,
                              head_x_um=float(pos[0]), head_y_um=float(pos[1]),
                              head_z_um=float(pos[2]))
    return rows


def _write_field(nwb: Any, f: FieldSignals, timing: dict[str, float],
                 packed: Callable[[Any], Any]) -> None:
    """The laminar LFP and CSD, the EEG and the MEG, with their electrodes and sensors."""
    import pynwb
    from pynwb.ecephys import LFP, ElectricalSeries

    g = f.geometry
    rows = _electrodes(nwb, f) if (f.lfp_proxy is not None or f.csd_proxy is not None
                                   or f.eeg is not None) else {}
    made: list[Any] = []

    def ecephys() -> Any:  # the processing module, created when first needed
        if not made:
            made.append(nwb.create_processing_module(
                name="ecephys", description="laminar field signals of the simulated column"))
        return made[0]

    if f.lfp_proxy is not None:
        region = nwb.create_electrode_table_region(rows["laminar"], "laminar contacts")
        container = LFP(name="LFP")
        ecephys().add(container)  # attached first, so the series shares the file's tables
        container.add_electrical_series(ElectricalSeries(
            name="LFP", data=packed(f.lfp_proxy), electrodes=region, conversion=1e-3,
            description=f"potential at the contacts (mV; gauge {g.gauge}, solver {g.solver})",
            **timing))
    if f.csd_proxy is not None:
        ecephys().add(pynwb.TimeSeries(
            name="CSD_proxy", data=packed(f.csd_proxy), unit="A/m^3", conversion=1e3,
            description=f"CSD at the contacts estimated from the LFP ({g.csd_method}), "
                        f"uA/mm^3, positive = source",
            comments="columns: the laminar contacts, in the order of the LFP", **timing))
    if f.eeg is not None:
        region = nwb.create_electrode_table_region(rows["eeg"], "10-20 electrodes")
        nwb.add_acquisition(ElectricalSeries(
            name="EEG", data=packed(f.eeg), electrodes=region, conversion=1e-3,
            description="four-sphere scalp potential (mV), reference at infinity", **timing))
    if f.meg is not None:
        nwb.add_acquisition(pynwb.TimeSeries(
            name="MEG", data=packed(f.meg), unit="tesla", conversion=1e-15,
            description="radial magnetic field at helmet magnetometers (fT), Sarvas formula",
            comments="columns: the rows of processing/ecephys/meg_sensors", **timing))
        sensors = pynwb.core.DynamicTable(
            name="meg_sensors", description="MEG magnetometer positions (um), head frame")
        for axis in "xyz":
            sensors.add_column(name=f"{axis}_um", description=f"{axis} position (um)")
        for pos in np.asarray(g.sensors_um, dtype=float):
            sensors.add_row(x_um=float(pos[0]), y_um=float(pos[1]), z_um=float(pos[2]))
        ecephys().add(sensors)


def to_nwb(
    signals: Signals,
    path: str | Path,
    *,
    model: Model | None = None,
    session_description: str = "jaxfne simulation of a spiking cortical column",
    session_start_time: datetime.datetime | None = None,
    identifier: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write `signals` to an NWB file; return its path.

    Args:
        signals: a simulation's output.
        path: the file to write (conventionally ending in `.nwb`).
        model: the model that produced `signals`: its configuration and
            construct seed go into the file's `notes` (JSON), and its soma
            depths into the units table. Without it the notes hold the
            simulation seed, dt and populations only.
        session_description: the file's session description.
        session_start_time: a timezone-aware start time (default: now, UTC).
        identifier: a unique identifier (default: a random UUID).
        overwrite: replace an existing file (default: refuse).

    Raises:
        FileExistsError: when `path` exists and `overwrite` is False.
        MissingExtraError: when pynwb is not installed (`pip install 'jaxfne[nwb]'`).
    """
    pynwb = require("pynwb", _PURPOSE)
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"`path` {str(path)!r} exists; pass `overwrite=True` to "
                              "replace it.")
    if session_start_time is None:
        session_start_time = datetime.datetime.now(datetime.UTC)
    elif session_start_time.tzinfo is None:
        raise ValueError(f"`session_start_time` must be timezone-aware; got "
                         f"{session_start_time!r}.")
    record = _record(signals, model)

    def packed(array: Any) -> Any:
        # float64 as computed, gzip-compressed in the file (lossless)
        return pynwb.H5DataIO(np.asarray(array, dtype=float), compression="gzip",
                              compression_opts=4)

    nwb = pynwb.NWBFile(
        session_description=session_description,
        identifier=identifier or str(uuid.uuid4()),
        session_start_time=session_start_time,
        session_id=f"seed-{signals.seed}",
        experiment_description="Simulated with jaxfne: spiking network, laminar LFP/CSD, "
                               "EEG and MEG in physical units.",
        notes=json.dumps(record),
        source_script=f"jaxfne {record['versions']['jaxfne']}",
        source_script_file_name="jaxfne",
        keywords=["simulation", "jaxfne", "laminar LFP", "CSD", "EEG", "MEG"],
    )
    t = np.asarray(signals.time_ms, dtype=float)
    rate = 1000.0 / (float(signals.dt_ms) * int(signals.record_every))
    timing = {"starting_time": float(t[0]) * 1e-3, "rate": rate}
    if signals.field is not None:
        _write_field(nwb, signals.field, timing, packed)
    if signals.V_m is not None:
        nwb.add_acquisition(pynwb.TimeSeries(
            name="V_m", data=packed(signals.V_m), unit="volts",
            conversion=1e-3, description="membrane potential (mV) of every neuron",
            comments="columns: neurons, in the order of the units table ids", **timing))
    if signals.sources is not None:
        for label, current in zip(SOURCE_NAMES, signals.sources):
            nwb.add_acquisition(pynwb.TimeSeries(
                name=label, data=packed(current), unit="amperes",
                conversion=1e-9, description="synaptic input current (nA), positive "
                                             "depolarising", **timing))
    if signals.spikes is not None:
        n = signals.spikes.shape[1]
        depths = check_model(model, n)
        populations = population_of(signals, n)
        nwb.add_unit_column(name="population", description="population (cell type)")
        if depths is not None:
            nwb.add_unit_column(name="soma_depth_um", description="soma depth below the pia "
                                                                  "(um)")
        for i in range(n):
            extra = {} if depths is None else {"soma_depth_um": float(depths[i])}
            nwb.add_unit(id=i, spike_times=spike_times_ms(signals, i) * 1e-3,
                         population=populations[i], **extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def _series_time_ms(series: Any) -> np.ndarray:
    n = series.data.shape[0]
    if series.timestamps is not None:
        return np.asarray(series.timestamps[:], dtype=float) * 1e3
    return (float(series.starting_time) + np.arange(n) / float(series.rate)) * 1e3


def read_nwb(path: str | Path) -> dict[str, Any]:
    """Read a file written by `to_nwb` back into jaxfne's names and units.

    Returns:
        A dict with `record` (the JSON notes: configuration, seeds, dt,
        versions), `time_ms`, and whichever were written of `V_m` (mV), the
        source currents (nA), `field.lfp_proxy` (mV), `field.csd_proxy`
        (uA/mm^3), `field.eeg` (mV), `field.meg` (fT),
        `field.geometry.contact_depths_um`, `field.geometry.electrode_names`,
        `field.geometry.electrodes_um`, `field.geometry.sensors_um`,
        `spike_times_ms` (a list per neuron), `populations` (per neuron) and
        `soma_depth_um`.
    """
    pynwb = require("pynwb", "`jaxfne.io.read_nwb`")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"`path` must be an NWB file; {str(path)!r} does not exist.")
    out: dict[str, Any] = {}
    with pynwb.NWBHDF5IO(str(path), "r") as io:
        nwb = io.read()
        try:
            out["record"] = json.loads(nwb.notes) if nwb.notes else None
        except json.JSONDecodeError:
            out["record"] = None

        def scaled(series: Any, factor: float) -> np.ndarray:
            data = np.asarray(series.data[:], dtype=float)
            offset = float(getattr(series, "offset", 0.0) or 0.0)
            out.setdefault("time_ms", _series_time_ms(series))
            # One factor (1.0 for files written by `to_nwb`), so arrays come back bit-exact.
            return data * (float(series.conversion) / factor) + offset / factor

        ecephys = nwb.processing.get("ecephys")
        if ecephys is not None and "LFP" in ecephys.data_interfaces:
            lfp = ecephys["LFP"].electrical_series["LFP"]
            out["field.lfp_proxy"] = scaled(lfp, 1e-3)
            table = lfp.electrodes.to_dataframe()
            out["field.geometry.contact_depths_um"] = table["depth_um"].to_numpy(float)
        if ecephys is not None and "CSD_proxy" in ecephys.data_interfaces:
            out["field.csd_proxy"] = scaled(ecephys["CSD_proxy"], 1e3)
        if ecephys is not None and "meg_sensors" in ecephys.data_interfaces:
            sensors = ecephys["meg_sensors"].to_dataframe()
            out["field.geometry.sensors_um"] = sensors[["x_um", "y_um", "z_um"]].to_numpy(float)
        acq = nwb.acquisition
        if "EEG" in acq:
            out["field.eeg"] = scaled(acq["EEG"], 1e-3)
            table = acq["EEG"].electrodes.to_dataframe()
            out["field.geometry.electrode_names"] = tuple(str(x) for x in table["label"])
            out["field.geometry.electrodes_um"] = table[
                ["head_x_um", "head_y_um", "head_z_um"]].to_numpy(float)
        if "MEG" in acq:
            out["field.meg"] = scaled(acq["MEG"], 1e-15)
        if "V_m" in acq:
            out["V_m"] = scaled(acq["V_m"], 1e-3)
        for label in SOURCE_NAMES:
            if label in acq:
                out[label] = scaled(acq[label], 1e-9)
        if nwb.units is not None:
            units = nwb.units
            out["spike_times_ms"] = [np.asarray(units.get_unit_spike_times(i), dtype=float) * 1e3
                                     for i in range(len(units))]
            columns = units.colnames
            if "population" in columns:
                out["populations"] = [str(x) for x in units["population"][:]]
            if "soma_depth_um" in columns:
                out["soma_depth_um"] = np.asarray(units["soma_depth_um"][:], dtype=float)
    return out
