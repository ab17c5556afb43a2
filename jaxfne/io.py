"""Bundles: a JSON-safe record of a run, with arrays saved beside it."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .analysis import summary
from .model import Model
from .signals import SOURCE_NAMES, Signals

__all__ = ["bundle", "save", "signal_arrays"]


def signal_arrays(signals: Signals) -> dict[str, np.ndarray]:
    """Every recorded array of `signals`, by name, as NumPy arrays."""
    out = {"time_ms": np.asarray(signals.time_ms)}
    if signals.spikes is not None:
        out["spikes"] = np.asarray(signals.spikes)
    if signals.V_m is not None:
        out["V_m"] = np.asarray(signals.V_m)
    if signals.sources is not None:
        out.update({name: np.asarray(a) for name, a in zip(SOURCE_NAMES, signals.sources)})
    return out


def bundle(model: Model, signals: Signals, *, discard_ms: float = 0.0,
           seed: int | None = None) -> dict[str, Any]:
    """A JSON-serialisable record: configuration, seeds, versions and summaries.

    Args:
        model: the model that produced `signals`.
        signals: the simulation output.
        discard_ms: initial time left out of the summary statistics.
        seed: the simulation seed (default: the one `signals` records); the
            construct seed is in the model.
    """
    from . import __version__

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
    }


def save(path: str | Path, model: Model, signals: Signals, **kwargs: Any) -> tuple[Path, Path]:
    """Write `<path>.json` (the bundle) and `<path>.npz` (the arrays); return both paths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    json_path, npz_path = path.with_suffix(".json"), path.with_suffix(".npz")
    json_path.write_text(json.dumps(bundle(model, signals, **kwargs), indent=2))
    np.savez_compressed(npz_path, **signal_arrays(signals))  # type: ignore[arg-type]
    return json_path, npz_path
