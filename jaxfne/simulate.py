"""The simulation specification and the scan that runs a model."""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from ._errors import as_integer, is_concrete
from .signals import Signals

if TYPE_CHECKING:
    from .model import Model

__all__ = ["BLOCK_STEPS", "DivergenceError", "Simulation", "SpikeBufferOverflowError", "run",
           "simulation"]

#: Steps whose random numbers are drawn together (one key per block). Noise of
#: a given step depends only on the seed and the step index, not the duration.
BLOCK_STEPS = 50


class SpikeBufferOverflowError(RuntimeError):
    """More neurons spiked in one step than an event-driven buffer holds."""


class DivergenceError(FloatingPointError):
    """The membrane state became non-finite or left the physiological range
    (below the neuron model's `v_floor_mV`) during a simulation."""


@dataclasses.dataclass(frozen=True)
class Simulation:
    """How long to simulate and how (validated by `jaxfne.simulation`).

    Attributes:
        duration_ms: simulated time (ms), a whole number of steps.
        dt_ms: integration step (ms).
        seed: seeds the initial state and all noise of the run.
        record_every: steps per recording bin (spikes are summed over a bin,
            other signals sampled at its end).
        throw: raise `DivergenceError` when the state diverges (default);
            with False the step is only reported in `Signals.status`.
        checkpoint: when differentiated, keep only the state at block
            boundaries (every 50 steps) and recompute each block in the
            backward pass (`jax.checkpoint`): memory grows with the number of
            blocks, not of steps. It changes nothing without `jax.grad`.
    """

    duration_ms: float
    dt_ms: float | int = 0.1
    seed: int = 0
    record_every: int = 1
    throw: bool = True
    checkpoint: bool = True

    @property
    def n_steps(self) -> int:
        """Number of integration steps."""
        return int(round(self.duration_ms / self.dt_ms))


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be positive and finite; got {value!r}.")
    return value


def simulation(
    duration_ms: float | int,
    dt_ms: float | int = 0.1,
    seed: int = 0,
    *,
    record_every: int = 1,
    throw: bool = True,
    checkpoint: bool = True,
) -> Simulation:
    """Make a validated `Simulation`.

    Raises `ValueError`/`TypeError` naming the argument for a non-positive or
    non-finite `dt_ms` or `duration_ms`, a duration that is not a whole number
    of steps (or of recording bins), and a non-integer `seed`.
    """
    duration_ms = _real("duration_ms", duration_ms)
    dt_ms = _real("dt_ms", dt_ms)
    seed = as_integer("seed", seed, minimum=-(2**63))
    record_every = as_integer("record_every", record_every, minimum=1)
    steps = duration_ms / dt_ms
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps) or round(steps) < 1:
        raise ValueError(
            f"`duration_ms` must be a whole number of steps of `dt_ms` = {dt_ms}; "
            f"got {duration_ms} ({steps:.6g} steps)."
        )
    if round(steps) % record_every:
        raise ValueError(
            f"`record_every` must divide the number of steps ({round(steps)}); got {record_every}."
        )
    return Simulation(duration_ms, dt_ms, seed, record_every, bool(throw), bool(checkpoint))


def _bin(records: dict[str, jax.Array], every: int) -> dict[str, jax.Array]:
    """Sum spikes over each bin of `every` steps; sample the rest at the bin's end."""
    if every == 1:
        return records
    out = {}
    for name, arr in records.items():
        arr = arr.reshape((arr.shape[0] // every, every) + arr.shape[1:])
        out[name] = arr.sum(axis=1) if name == "spikes" else arr[:, -1]
    return out


@eqx.filter_jit
def _scan(model: Model, sim: Simulation, key: PRNGKeyArray) -> tuple[dict, Any, jax.Array]:
    dt = sim.dt_ms
    every = sim.record_every
    block = every * max(1, BLOCK_STEPS // every)
    n_full, rest = divmod(sim.n_steps, block)
    k_init, k_noise = jax.random.split(key)
    state = model.init(k_init, dt)
    field_ops = model.field_operators()

    def run_block(state, block_index, length):
        normals, counts = model.drive.sample(jax.random.fold_in(k_noise, block_index), block, dt)

        def body(state, inputs):
            i, normal, count = inputs
            return model.step(state, normal, count, block_index * block + i, dt, field_ops)

        xs = (jnp.arange(length), normals[:length], counts[:length])
        state, records = jax.lax.scan(body, state, xs)
        return state, _bin(records, every)

    full_block = lambda s, b: run_block(s, b, block)
    if sim.checkpoint:
        full_block = jax.checkpoint(full_block)
    pieces = []
    if n_full:
        state, records = jax.lax.scan(full_block, state, jnp.arange(n_full))
        pieces.append(jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), records))
    if rest:
        state, records = run_block(state, n_full, rest)
        pieces.append(records)
    records = jax.tree.map(lambda *a: jnp.concatenate(a, axis=0), *pieces)
    sources = None
    if "exc" in records:  # synaptic currents in nA: total, excitatory, inhibitory
        to_nA = model.emitters.capacitance_pF * 1e-3
        exc, inh = records.pop("exc"), records.pop("inh")
        exc_nA, inh_nA = exc * to_nA, inh * to_nA
        sources = (exc_nA + inh_nA, exc_nA, inh_nA)
    field = None
    if model.field is not None:
        if field_ops is not None and model.field.project_after_scan:
            # One matrix product over the whole run instead of one per step.
            y = exc @ field_ops.exc.T + inh @ field_ops.inh.T
            csd, dipole = y[:, :-1], y[:, -1]
        else:
            csd, dipole = records.pop("csd"), records.pop("dipole")
        # The energy budget costs the Na+ entry of excitatory synapses (Attwell &
        # Laughlin 2001); the net E + I current would under-cost it.
        excitatory = None if sources is None else sources[1]
        field = model.field.readouts(csd, dipole, records.get("spikes"), excitatory, dt * every)
    if "source" not in model.record:
        sources = None
    records["sources"] = sources
    records["overflow"] = state.synapses.first_overflow
    return records, field, model.divergence_step(state)


def run(model: Model, sim: Simulation, *, key: PRNGKeyArray | None = None) -> Signals:
    """Simulate `model` as specified by `sim`; see `Model.simulate`."""
    if not isinstance(sim, Simulation):
        raise TypeError(f"`sim` must be made by `jaxfne.simulation(...)`; got {type(sim)!r}.")
    seed = sim.seed if key is None else None
    if key is None:
        key = jax.random.key(sim.seed)
    # Only the shape-determining fields are static for the jitted scan; the
    # seed enters through `key`, so a new seed does not recompile.
    records, field, status = _scan(model, dataclasses.replace(sim, seed=0, throw=True), key)
    overflow = records.pop("overflow")
    if sim.throw:
        if is_concrete(overflow) and int(overflow) >= 0:
            raise SpikeBufferOverflowError(
                f"More neurons spiked in step {int(overflow)} than an event-driven spike "
                f"buffer holds; raise the projection's `capacity` (EventConnectivity) or use "
                f"the dense or gather path. No spike was dropped silently: the run stopped.")
        if not is_concrete(overflow):
            overflow = eqx.error_if(overflow, overflow >= 0,
                                    "An event-driven spike buffer overflowed; raise `capacity`.")
        if is_concrete(status):
            step = int(status)
            if step >= 0:
                raise DivergenceError(
                    f"The membrane state diverged (non-finite, or V_m below the model's "
                    f"`v_floor_mV`) at step {step} (t = {(step + 1) * sim.dt_ms:g} ms) with "
                    f"`dt_ms` = {sim.dt_ms}; reduce `dt_ms` (Izhikevich neurons need 0.1 ms "
                    f"or less) or check the parameters."
                )
        else:
            records, field, status = eqx.error_if(
                (records, field, status), status >= 0,
                "The membrane state diverged (non-finite, or V_m below the model's "
                "`v_floor_mV`) during the simulation; reduce `dt_ms` or check the parameters.",
            )
    n_bins = sim.n_steps // sim.record_every
    dtype = model.drive.bias.dtype
    time_ms = (jnp.arange(n_bins, dtype=dtype) + 1) * (sim.dt_ms * sim.record_every)
    return Signals(
        time_ms=time_ms,
        status=status,
        overflow=overflow,
        spikes=records.get("spikes"),
        V_m=records.get("V_m"),
        sources=records.get("sources"),
        field=field,
        dt_ms=sim.dt_ms,
        record_every=sim.record_every,
        populations=model.populations,
        seed=seed,
    )
