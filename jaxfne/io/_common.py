"""Helpers shared by the exports: spike times, population labels, positions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import Model
from ..signals import Signals

__all__ = ["check_model", "population_of", "spike_times_ms", "xyz"]


def spike_times_ms(signals: Signals, neuron: int) -> np.ndarray:
    """Spike times (ms) of one neuron: the end of each bin, repeated by its count."""
    assert signals.spikes is not None
    counts = np.rint(np.asarray(signals.spikes[:, neuron])).astype(int)
    return np.repeat(np.asarray(signals.time_ms, dtype=float), counts)


def xyz(positions_um: Any) -> dict[str, np.ndarray]:
    """`[n, 3]` positions (um) as three named columns."""
    p = np.asarray(positions_um, dtype=float)
    return {"x_um": p[:, 0], "y_um": p[:, 1], "z_um": p[:, 2]}


def population_of(signals: Signals, n: int) -> list[str]:
    """The population name of each of the `n` neurons ("" where none is declared)."""
    names = [""] * n
    for name, a, b in signals.populations:
        for i in range(a, min(b, n)):
            names[i] = name
    return names


def check_model(model: Model | None, n: int) -> np.ndarray | None:
    """The soma depths (um) of `model`, after checking it has the `n` neurons recorded."""
    if model is None:
        return None
    if model.n != n:
        raise ValueError(f"`model` must be the model that produced `signals`: it has "
                         f"{model.n} neurons, `signals` has {n}.")
    return np.asarray(model.geometry.soma_depth_um, dtype=float)
