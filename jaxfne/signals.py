"""Signals: what a simulation returns (data only)."""

from __future__ import annotations

import equinox as eqx

from ._typing import Array, Float, Int
from .fields._stage import FieldSignals

__all__ = ["Signals", "SOURCE_NAMES"]

#: Entries of `Signals.sources`, in order, each `[time, neurons]` in nA.
SOURCE_NAMES = ("synaptic_nA", "excitatory_nA", "inhibitory_nA")


class Signals(eqx.Module):
    """Recorded signals, time first, excitatory neurons first.

    Attributes:
        spikes: `[time, neurons]` spike counts per recording bin (0/1 when
            `record_every` is 1).
        V_m: `[time, neurons]` membrane potential (mV) at the end of each bin.
        sources: `(synaptic_nA, excitatory_nA, inhibitory_nA)`, each
            `[time, neurons]` in nA, at the end of each bin: the total synaptic
            input current to each neuron (positive = depolarising, i.e. an
            inward membrane current at the synapse), and its excitatory
            (recurrent E plus external Poisson synapses) and inhibitory parts.
            Bias and noise currents are not synaptic and are not included.
        field: laminar field signals (None unless a field probe was asked for).
        time_ms: `[time]` time at the end of each recording bin (ms).
        status: first step at which the state diverged (non-finite, or V_m below
            the neuron model's `v_floor_mV`), or -1.
        dt_ms: the integration step (ms).
        record_every: steps per recording bin.
        populations: `(name, first, stop)` neuron index ranges.
        seed: the simulation seed (None when the run was given a `key`).
        overflow: first step at which an event-driven spike buffer overflowed,
            or -1.
    """

    time_ms: Float[Array, " time"]
    status: Int[Array, ""]
    overflow: Int[Array, ""] | None = None
    spikes: Float[Array, "time neurons"] | None = None
    V_m: Float[Array, "time neurons"] | None = None
    sources: tuple[Float[Array, "time neurons"], ...] | None = None
    field: FieldSignals | None = None
    dt_ms: float = eqx.field(static=True, default=0.1)
    record_every: int = eqx.field(static=True, default=1)
    populations: tuple[tuple[str, int, int], ...] = eqx.field(static=True, default=())
    seed: int | None = eqx.field(static=True, default=None)
