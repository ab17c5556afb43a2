"""The composed network model and its pure step."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from ._typing import Array, Float, Int
from .drive import Drive, DriveState
from .fields._sources import TWO_CHANNELS
from .fields._stage import FieldOperators, FieldStage
from .geometry import Geometry
from .neurons import AbstractNeuron
from .signals import Signals
from .simulate import Simulation, run
from .synapses import ExponentialSynapses, SynapseState

__all__ = ["RECORDABLE", "Model", "ModelState"]

#: Per-neuron quantities a model can record inside the scan. "currents" keeps
#: the synaptic currents for the energy budget without returning them as
#: `Signals.sources` (which "source" does).
RECORDABLE = ("spikes", "V_m", "source", "currents")


class ModelState(eqx.Module):
    """What the scan carries from step to step.

    `first_diverged` holds, per neuron, the first step at which its state
    diverged (-1 while it has not): element-wise bookkeeping, so the scan
    body needs no reduction.
    """

    neurons: Any
    synapses: SynapseState
    drive: DriveState
    first_diverged: Int[Array, " neurons"]


class Model(eqx.Module):
    """A spiking network in a cortical column: one pytree of replaceable parts.

    Attributes:
        emitters: neuron dynamics (an `AbstractNeuron`).
        coupling: recurrent synapses (`ExponentialSynapses`).
        drive: external input (`Drive`).
        geometry: the column and soma depths (`Geometry`).
        populations: `(name, first, stop)` index range of each population.
        record: which per-neuron signals the scan stores ("spikes", "V_m",
            "source"; "currents" for the energy budget only).
        field: the `FieldStage` (laminar sources, solver, head models), or None.
        config: the `Configuration` it was built from (None when composed by hand).
        seed: the seed `construct` drew the network with (None when by hand).

    Every part can be replaced with `eqx.tree_at`; `simulate` runs the model.
    """

    emitters: AbstractNeuron
    coupling: ExponentialSynapses
    drive: Drive
    geometry: Geometry
    populations: tuple[tuple[str, int, int], ...] = eqx.field(static=True)
    record: tuple[str, ...] = eqx.field(static=True, default=("spikes", "V_m", "source"))
    field: FieldStage | None = None
    config: Any = eqx.field(static=True, default=None)
    seed: int | None = eqx.field(static=True, default=None)

    def __check_init__(self) -> None:
        n = self.emitters.n
        for name, size in (
            ("drive.bias", self.drive.bias.shape[0]),
            ("geometry.soma_depth_um", self.geometry.soma_depth_um.shape[0]),
        ):
            if size != n:
                raise ValueError(f"`{name}` must have one entry per neuron ({n}); got {size}.")
        for proj in self.coupling.projections:
            first = getattr(proj.connectivity, "pre_offset", 0)
            stop = first + proj.connectivity.n_pre
            if stop > n:
                raise ValueError(
                    f"projection {proj.name!r} reads presynaptic neurons {first} to "
                    f"{stop - 1}; the network has {n}."
                )
        covered = sorted((a, b) for _, a, b in self.populations)
        if covered and (covered[0][0] != 0 or covered[-1][1] != n or any(
            b != a2 for (_, b), (a2, _) in zip(covered, covered[1:])
        )):
            raise ValueError(
                f"`populations` must tile the neurons 0..{n} without gaps; got {self.populations}."
            )
        if self.field is not None and self.field.open_field.shape[0] != n:
            raise ValueError(f"`field.open_field` must have one entry per neuron ({n}); got "
                             f"{self.field.open_field.shape[0]}.")
        for name in self.record:
            if name not in RECORDABLE:
                raise ValueError(f"`record` entries must be among {RECORDABLE}; got {name!r}.")

    @property
    def n(self) -> int:
        """Number of neurons."""
        return self.emitters.n

    def init(self, key: PRNGKeyArray, dt_ms: float) -> ModelState:
        """Initial state: neurons from their `init`, synapses silent, noise stationary."""
        k_neurons, k_drive = jax.random.split(key)
        dtype = self.drive.bias.dtype
        return ModelState(
            neurons=self.emitters.init(k_neurons),
            synapses=self.coupling.init(self.n, dt_ms, dtype),
            drive=self.drive.init(k_drive, dt_ms),
            first_diverged=jnp.full((self.n,), -1, dtype=jnp.int32),
        )

    def step(
        self,
        state: ModelState,
        normals: Float[Array, " _neurons"],
        counts: Float[Array, " _neurons"],
        step: Int[Array, ""],
        dt_ms: float,
        field_ops: FieldOperators | None = None,
        sample: Array | bool = True,
    ) -> tuple[ModelState, dict[str, Array]]:
        """Advance one step of `dt_ms`; return the new state and what to record.

        `field_ops` (from `self.field.operators`, built once per run) adds the
        step's true CSD and dipole moment to the record. They are computed
        only where `sample` is True (zeros elsewhere): the simulation keeps
        one step per recording bin of them, so the others need not be paid
        for.
        """
        zeros = jnp.zeros_like(self.drive.bias)
        recurrent, inh = self.coupling.input_current(state.synapses, zeros, dt_ms)
        drive_state, external, background, pulsed = self.drive.step(
            state.drive, normals, counts, dt_ms, step
        )
        exc = recurrent + background + pulsed
        current = external + exc + inh
        neurons, spikes = self.emitters.step(state.neurons, current, dt_ms)
        synapses = self.coupling.update(
            state.synapses, self.emitters.to_synapses(spikes), step, dt_ms)
        # A non-finite input current makes V_m non-finite in the same step.
        bad = self.emitters.diverged(neurons)
        first = jnp.where((state.first_diverged < 0) & bad, step, state.first_diverged)
        out: dict[str, Array] = {}
        if "spikes" in self.record:
            out["spikes"] = spikes
        if "V_m" in self.record:
            out["V_m"] = neurons.v
        after = self.field is not None and self.field.project_after_scan
        # With only the two recurrent channels the field's currents are `exc` and `inh`.
        shared = field_ops is not None and after and field_ops.channels == TWO_CHANNELS
        if "source" in self.record or "currents" in self.record or shared:
            out["exc"] = exc
            out["inh"] = inh
        if field_ops is not None and not shared:
            channels = _channel_currents(field_ops.channels, recurrent, inh, background, pulsed)
            if after:
                for c in range(channels.shape[0]):  # one [time, neurons] record each
                    out[f"field_current_{c}"] = channels[c]
            elif sample is True:
                out["csd"], out["dipole"] = FieldStage.record(field_ops, channels)
            else:
                out["csd"], out["dipole"] = jax.lax.cond(
                    sample, FieldStage.record, _no_record, field_ops, channels)
        new = ModelState(neurons=neurons, synapses=synapses, drive=drive_state,
                         first_diverged=first.astype(jnp.int32))
        return new, out

    @staticmethod
    def divergence_step(state: ModelState) -> Int[Array, ""]:
        """The first step at which any neuron diverged, or -1."""
        f = state.first_diverged
        return jnp.where(jnp.any(f >= 0), jnp.min(jnp.where(f >= 0, f, jnp.iinfo(f.dtype).max)),
                         -1).astype(jnp.int32)

    def field_operators(self) -> FieldOperators | None:
        """The per-run CSD and dipole maps (None without a field stage)."""
        if self.field is None:
            return None
        return self.field.operators(self.geometry.soma_depth_um, self.emitters.capacitance_pF)

    def simulate(self, sim: Simulation, *, key: PRNGKeyArray | None = None,
                 state: ModelState | None = None) -> Signals:
        """Run the simulation `sim` (see `jaxfne.simulation`) and return its `Signals`.

        `key` overrides `sim.seed` (for `jax.vmap` over trials). `state` sets
        the initial state (default: `self.init(key, dt_ms)`, drawn from the
        seed); make one with `init` and edit it with `eqx.tree_at`, e.g. to
        start every neuron at given (v, u). The run is one jitted
        `lax.scan` (or several, for long runs, see `Simulation.chunk_ms`);
        calling again with new parameter values of the same shapes does not
        recompile.
        """
        return run(self, sim, key=key, state=state)


def _no_record(ops: FieldOperators, currents: Array) -> tuple[Array, Array]:
    """Zeros shaped like `FieldStage.record`'s output (a step that is not sampled)."""
    n_channels, rows = ops.maps.shape[0], ops.maps.shape[1]
    return (jnp.zeros((n_channels, rows - 1), currents.dtype),
            jnp.zeros((n_channels,), currents.dtype))


def _channel_currents(
    channels: tuple[str, ...], recurrent: Array, inh: Array, background: Array, pulsed: Array
) -> Float[Array, "channels neurons"]:
    """The synaptic currents of the field's channels; an input without a channel
    of its own is counted with the recurrent excitatory one."""
    excitatory = recurrent
    if "external" not in channels:
        excitatory = excitatory + background
    if "thalamic" not in channels:
        excitatory = excitatory + pulsed
    by_name = dict(excitatory=excitatory, inhibitory=inh, external=background, thalamic=pulsed)
    return jnp.stack([by_name[c] for c in channels])
