"""The neuron (emitter) interface."""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from .._typing import Array, Bool, Float


class AbstractNeuron(eqx.Module):
    """A population of point neurons with per-neuron parameter arrays.

    Concrete neurons implement `init` (draw an initial state) and `step`
    (advance one time step given the input current). Input currents are in the
    model unit mV/ms (current divided by membrane capacitance); multiply by
    `capacitance_pF` and 1e-3 to get nA.
    """

    capacitance_pF: eqx.AbstractVar[Float[Array, " neurons"]]

    @property
    def n(self) -> int:
        """Number of neurons."""
        return int(self.capacitance_pF.shape[0])

    def diverged(self, state: Any) -> Bool[Array, " neurons"]:
        """True for each neuron whose V_m is non-finite or below `v_floor_mV`.

        No neuron's membrane potential goes far below the potassium reversal
        potential (about -90 mV); a value below the floor (-150 mV by default)
        means the integration has broken down, usually because `dt_ms` is too
        large for the neuron model.
        """
        v = state.v
        floor = getattr(self, "v_floor_mV", -150.0)
        return ~(jnp.isfinite(v) & (v >= floor))

    def to_synapses(self, spike: Float[Array, " neurons"]) -> Float[Array, " neurons"]:
        """The spikes as the synapses receive them (gradient treatment of the
        neuron's `surrogate`, if it has one; unchanged otherwise)."""
        surrogate = getattr(self, "surrogate", None)
        return spike if surrogate is None else surrogate.for_synapses(spike)

    @abc.abstractmethod
    def init(self, key: PRNGKeyArray) -> Any:
        """Draw an initial state (a small pytree whose field `v` is V_m in mV)."""

    @abc.abstractmethod
    def step(
        self, state: Any, current: Float[Array, " neurons"], dt_ms: float
    ) -> tuple[Any, Float[Array, " neurons"]]:
        """Advance one step of `dt_ms`; return the new state and 0/1 spikes."""
