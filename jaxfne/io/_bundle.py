"""Bundles: a JSON-safe record of a run, with its arrays saved beside it (.npz)."""

from __future__ import annotations

import dataclasses
import json
import platform
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..analysis import summary
from ..fields import EnergyBudget, FieldGeometry, FieldSignals
from ..model import Model
from ..signals import SOURCE_NAMES, Signals

__all__ = ["ARRAY_UNITS", "bundle", "load_signals", "save", "signal_arrays"]

#: Units of the arrays `signal_arrays` returns, by name. Names mirror the
#: attributes: `field.lfp_proxy` is `signals.field.lfp_proxy`.
ARRAY_UNITS: dict[str, str] = {
    "time_ms": "ms", "status": "step index (-1: none)", "overflow": "step index (-1: none)",
    "spikes": "spikes per recording bin", "V_m": "mV",
    "synaptic_nA": "nA", "excitatory_nA": "nA", "inhibitory_nA": "nA",
    "field.dipole_nAum": "nA*um", "field.csd": "uA/mm^3", "field.phi_e": "mV",
    "field.csd_by_channel": "uA/mm^3", "field.channels": "names of csd_by_channel's axis 1",
    "field.J_e": "uA/mm^2", "field.lfp_proxy": "mV", "field.csd_proxy": "uA/mm^3",
    "field.eeg": "mV", "field.meg": "fT", "field.ohmic_W": "W",
    "field.emm.total_W": "W", "field.emm.mean_total_W": "W", "field.emm.mean_W_per_neuron": "W",
    "field.geometry.depth_um": "um", "field.geometry.contact_depths_um": "um",
    "field.geometry.radius_um": "um", "field.geometry.sigma_S_per_m": "S/m",
    "field.geometry.column_position_um": "um", "field.geometry.column_axis": "unit vector",
    "field.geometry.head_radii_um": "um", "field.geometry.head_sigmas_S_per_m": "S/m",
    "field.geometry.electrodes_um": "um", "field.geometry.sensors_um": "um",
    "field.geometry.dz_um": "um",
}
_FILES = ("bundle.json", "bundle.npz")


def _units(name: str) -> str:
    if name in ARRAY_UNITS:
        return ARRAY_UNITS[name]
    if name.startswith("field.emm.") and "atp_per_s" in name:
        return "ATP/s"
    return ""


def _module_arrays(prefix: str, module: Any) -> dict[str, np.ndarray]:
    """Array and plain (static) fields of an Equinox module, by `prefix + name`."""
    out = {}
    for f in dataclasses.fields(module):
        value = getattr(module, f.name)
        if isinstance(value, (jax.Array, np.ndarray, str, int, float)):
            out[f"{prefix}{f.name}"] = np.asarray(value)
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            out[f"{prefix}{f.name}"] = np.asarray(value, dtype=np.str_)
    return out


def signal_arrays(signals: Signals) -> dict[str, np.ndarray]:
    """Every recorded array of `signals`, by name, as NumPy arrays.

    Top-level signals keep their names (`spikes`, `V_m`, `time_ms`, the
    three source currents by `SOURCE_NAMES`); field signals are
    `field.<name>`, the energy budget `field.emm.<name>`, and the field
    geometry (contact depths, electrode and sensor positions, solver
    options) `field.geometry.<name>`. Units: `ARRAY_UNITS`.
    """
    out = {"time_ms": np.asarray(signals.time_ms), "status": np.asarray(signals.status)}
    if signals.overflow is not None:
        out["overflow"] = np.asarray(signals.overflow)
    if signals.spikes is not None:
        out["spikes"] = np.asarray(signals.spikes)
    if signals.V_m is not None:
        out["V_m"] = np.asarray(signals.V_m)
    if signals.sources is not None:
        out.update({name: np.asarray(a) for name, a in zip(SOURCE_NAMES, signals.sources)})
    f = signals.field
    if f is not None:
        for field in dataclasses.fields(f):
            value = getattr(f, field.name)
            if isinstance(value, jax.Array):
                out[f"field.{field.name}"] = np.asarray(value)
        if f.csd_by_channel is not None:
            out["field.channels"] = np.asarray(f.channels, dtype=np.str_)
        if f.emm is not None:
            out.update(_module_arrays("field.emm.", f.emm))
        out.update(_module_arrays("field.geometry.", f.geometry))
    return out


def bundle(model: Model, signals: Signals, *, discard_ms: float = 0.0,
           seed: int | None = None) -> dict[str, Any]:
    """A JSON-serialisable record: configuration, seeds, versions and summaries.

    Args:
        model: the model that produced `signals`.
        signals: the simulation output.
        discard_ms: initial time left out of the summary statistics (ms).
        seed: the simulation seed (default: the one `signals` records); the
            construct seed is in the model.

    The record's `units` maps the name of every array `save` writes beside
    it to its units.
    """
    from .. import __version__

    return {
        "configuration": model.config.to_dict() if model.config is not None else None,
        "construct_seed": model.seed,
        "simulation_seed": signals.seed if seed is None else seed,
        "dt_ms": signals.dt_ms,
        "record_every": signals.record_every,
        "n_neurons": model.n,
        "populations": [list(p) for p in model.populations],
        "versions": {"jaxfne": __version__, "jax": jax.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "summary": summary(signals, discard_ms),
        "units": {name: _units(name) for name in signal_arrays(signals)},
    }


def save(path: str | Path, model: Model, signals: Signals, **kwargs: Any) -> tuple[Path, Path]:
    """Write `<path>.json` (the bundle) and `<path>.npz` (the arrays); return both paths.

    `kwargs` go to `bundle`. `load_signals` reads both back.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    json_path, npz_path = path.with_suffix(".json"), path.with_suffix(".npz")
    json_path.write_text(json.dumps(bundle(model, signals, **kwargs), indent=2))
    np.savez_compressed(npz_path, **signal_arrays(signals))  # type: ignore[arg-type]
    return json_path, npz_path


def _bundle_paths(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    if not path.exists() and not path.with_suffix(".json").exists():
        raise FileNotFoundError(
            f"`path` {str(path)!r} does not exist; give a run folder holding "
            f"{' and '.join(_FILES)} (as written by `jaxfne run` or `jaxfne.save`).")
    if path.is_dir():
        json_path, npz_path = path / _FILES[0], path / _FILES[1]
    else:
        json_path, npz_path = path.with_suffix(".json"), path.with_suffix(".npz")
    missing = [str(p) for p in (json_path, npz_path) if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"`path` must be a run folder holding {' and '.join(_FILES)} (as written by "
            f"`jaxfne run` or `jaxfne.save`), or the path of one of the pair; got "
            f"{str(path)!r}, where {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing.")
    return json_path, npz_path


def _static(value: np.ndarray) -> Any:
    if value.dtype.kind == "U":
        return str(value) if value.ndim == 0 else tuple(str(v) for v in value)
    if value.dtype.kind == "b":
        return bool(value)
    if value.dtype.kind in "iu":
        return int(value)
    return float(value)


def _rebuild(cls: type, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = prefix + f.name
        if key not in arrays:
            continue
        kwargs[f.name] = _static(arrays[key]) if f.metadata.get("static") else jnp.asarray(
            arrays[key])
    return cls(**kwargs)


def load_signals(path: str | Path) -> tuple[dict[str, Any], Signals]:
    """Read a saved run back: the bundle record and the `Signals`.

    Args:
        path: a run folder holding `bundle.json` and `bundle.npz` (what
            `jaxfne run --out DIR` writes), or the path of either file of a
            pair written by `save` (with or without the suffix).

    Raises:
        FileNotFoundError: naming the missing file.
        ValueError: when the files are not a jaxfne bundle.
    """
    json_path, npz_path = _bundle_paths(path)
    try:
        record = json.loads(json_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{json_path} is not a JSON file ({err}).") from err
    needed = ("dt_ms", "record_every", "populations")
    if not isinstance(record, dict) or any(k not in record for k in needed):
        raise ValueError(f"{json_path} is not a jaxfne bundle: it must hold the keys "
                         f"{list(needed)}.")
    try:
        with np.load(npz_path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"{npz_path} is not a readable .npz file ({err}).") from err
    if "time_ms" not in arrays:
        raise ValueError(f"{npz_path} is not a jaxfne bundle: it has no `time_ms` array.")
    field = None
    if "field.dipole_nAum" in arrays:
        geometry = _rebuild(FieldGeometry, arrays, "field.geometry.")
        emm = (_rebuild(EnergyBudget, arrays, "field.emm.")
               if any(k.startswith("field.emm.") for k in arrays) else None)
        names = [f.name for f in dataclasses.fields(FieldSignals)
                 if f.name not in ("geometry", "emm", "channels")
                 and f"field.{f.name}" in arrays]
        channels = (_static(arrays["field.channels"]) if "field.channels" in arrays else ())
        field = FieldSignals(geometry=geometry, emm=emm, channels=tuple(channels),
                             **{n: jnp.asarray(arrays[f"field.{n}"]) for n in names})
    sources = (tuple(jnp.asarray(arrays[n]) for n in SOURCE_NAMES)
               if all(n in arrays for n in SOURCE_NAMES) else None)
    signals = Signals(
        time_ms=jnp.asarray(arrays["time_ms"]),
        status=jnp.asarray(arrays.get("status", np.asarray(-1))),
        overflow=jnp.asarray(arrays["overflow"]) if "overflow" in arrays else None,
        spikes=jnp.asarray(arrays["spikes"]) if "spikes" in arrays else None,
        V_m=jnp.asarray(arrays["V_m"]) if "V_m" in arrays else None,
        sources=sources, field=field,
        dt_ms=float(record["dt_ms"]), record_every=int(record["record_every"]),
        populations=tuple((str(n), int(a), int(b)) for n, a, b in record["populations"]),
        seed=record.get("simulation_seed"),
    )
    return record, signals
