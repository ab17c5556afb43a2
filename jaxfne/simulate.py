"""The simulation specification and the scan that runs a model."""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import PRNGKeyArray

from ._errors import as_integer, is_concrete
from ._typing import Array, Int
from .signals import Signals

if TYPE_CHECKING:
    from .model import Model

__all__ = ["BLOCK_STEPS", "DivergenceError", "Simulation", "SpikeBufferOverflowError", "run",
           "simulation"]

#: Steps whose random numbers are drawn together (one key per block). Noise of
#: a given step depends only on the seed and the step index, not the duration.
BLOCK_STEPS = 50
#: Runs longer than this (ms) are split into chunks of `AUTO_CHUNK_MS` unless
#: `chunk_ms` says otherwise.
AUTO_CHUNK_ABOVE_MS = 2000.0
AUTO_CHUNK_MS = 1000.0
#: Above this many random numbers per block (neurons x block steps), each step
#: draws its own: a block of that size no longer fits in cache, and drawing it
#: at once cost up to 2.8x more per number (measured at 100,000 neurons).
NOISE_BLOCK_ELEMENTS = 2**18


def _block_steps(record_every: int) -> int:
    """Steps per noise block: a multiple of `record_every` near `BLOCK_STEPS`, or, for
    longer bins, the largest divisor of `record_every` up to `BLOCK_STEPS`."""
    if record_every <= BLOCK_STEPS:
        return record_every * max(1, BLOCK_STEPS // record_every)
    return max(d for d in range(1, BLOCK_STEPS + 1) if record_every % d == 0)


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
        chunk_ms: run in chunks of this much simulated time, each one call
            of the same compiled scan, moving each chunk's readouts to host
            memory before the next: the working memory stays that of one
            chunk however long the run. None: 1000 ms chunks for runs longer
            than 2000 ms. Results equal an unchunked run's. Runs under
            `jax.grad`, `jax.vmap` or `jax.jit` are never chunked.
        progress: print a progress bar to stderr while a chunked run goes on.
            None (default): only when the run is chunked and the first chunk
            predicts more than 5 s of wall time. Also off when the
            environment variable `JAXFNE_PROGRESS` is "0".
    """

    duration_ms: float
    dt_ms: float | int = 0.1
    seed: int = 0
    record_every: int = 1
    throw: bool = True
    checkpoint: bool = True
    chunk_ms: float | None = None
    progress: bool | None = None

    @property
    def n_steps(self) -> int:
        """Number of integration steps."""
        return int(round(self.duration_ms / self.dt_ms))

    def chunk_steps(self) -> int:
        """Steps per chunk (a whole number of noise blocks and recording bins)."""
        block = max(_block_steps(self.record_every), self.record_every)
        if self.chunk_ms is None:
            if self.n_steps * self.dt_ms <= AUTO_CHUNK_ABOVE_MS:
                return self.n_steps
            want = int(round(AUTO_CHUNK_MS / self.dt_ms))
        else:
            want = int(round(self.chunk_ms / self.dt_ms))
        return min(self.n_steps, max(block, want // block * block))


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
    chunk_ms: float | int | None = None,
    progress: bool | None = None,
) -> Simulation:
    """Make a validated `Simulation` (see its attributes).

    Raises `ValueError`/`TypeError` naming the argument for a non-positive or
    non-finite `dt_ms`, `duration_ms` or `chunk_ms`, a duration that is not a
    whole number of steps (or of recording bins), and a non-integer `seed`.
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
    if chunk_ms is not None:
        chunk_ms = _real("chunk_ms", chunk_ms)
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"`progress` must be True, False or None; got {progress!r}.")
    return Simulation(duration_ms, dt_ms, seed, record_every, bool(throw), bool(checkpoint),
                      chunk_ms, progress)


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
def _scan(model: Model, sim: Simulation, key: PRNGKeyArray, state: Any,
          first_block: Int[Array, ""]) -> tuple[dict, Any, jax.Array, Any]:
    """`sim.n_steps` steps from `state` (None: `model.init` from the key); the first
    is step `first_block * block`."""
    k_init, k_noise = jax.random.split(key)
    if state is None:  # drawn inside the one compiled function: no second compilation
        state = model.init(k_init, sim.dt_ms)
    dt = sim.dt_ms
    every = sim.record_every
    block = _block_steps(every)
    n_full, rest = divmod(sim.n_steps, block)
    field_ops = model.field_operators()

    per_step = block * model.n > NOISE_BLOCK_ELEMENTS

    def run_block(state, block_index, length):
        k_block = jax.random.fold_in(k_noise, block_index)
        bin_steps = min(every, length)

        def sampled(i):  # the step each recording bin keeps (`_bin`); True: every step
            return True if bin_steps == 1 else (i + 1) % bin_steps == 0

        if per_step:  # large networks: one draw per step stays in cache
            def body(state, i):
                normal, count = model.drive.sample(jax.random.fold_in(k_block, i), 1, dt)
                return model.step(state, normal[0], count[0], block_index * block + i, dt,
                                  field_ops, sampled(i))

            xs: Any = jnp.arange(length)
        else:  # small networks: one draw per block amortises the generator's overhead
            normals, counts = model.drive.sample(k_block, block, dt)

            def body(state, inputs):
                i, normal, count = inputs
                return model.step(state, normal, count, block_index * block + i, dt, field_ops,
                                  sampled(i))

            xs = (jnp.arange(length), normals[:length], counts[:length])
        state, records = jax.lax.scan(body, state, xs)
        return state, _bin(records, min(every, length))

    full_block = lambda s, b: run_block(s, b, block)
    if sim.checkpoint:
        full_block = jax.checkpoint(full_block)
    pieces = []
    if n_full:
        state, records = jax.lax.scan(full_block, state, first_block + jnp.arange(n_full))
        pieces.append(jax.tree.map(lambda a: a.reshape((-1,) + a.shape[2:]), records))
    if rest:
        state, records = run_block(state, first_block + n_full, rest)
        pieces.append(records)
    records = jax.tree.map(lambda *a: jnp.concatenate(a, axis=0), *pieces)
    if every > block:  # each block gave one partial bin; join them into whole bins
        records = _bin(records, every // block)
    sources = None
    exc = inh = None
    if "exc" in records:  # synaptic currents in nA: total, excitatory, inhibitory
        to_nA = model.emitters.capacitance_pF * 1e-3
        exc, inh = records.pop("exc"), records.pop("inh")
        exc_nA, inh_nA = exc * to_nA, inh * to_nA
        sources = (exc_nA + inh_nA, exc_nA, inh_nA)
    field = None
    if model.field is not None:
        if field_ops is not None and model.field.project_after_scan:
            # One matrix product over the whole run instead of one per step; with the
            # two recurrent channels alone their currents are the recorded exc, inh.
            currents: list[Any] = [exc, inh] if "field_current_0" not in records else [
                records.pop(f"field_current_{c}") for c in range(field_ops.maps.shape[0])]
            y = jnp.stack([x @ field_ops.maps[c].T for c, x in enumerate(currents)], axis=1)
            csd, dipole = y[:, :, :-1], y[:, :, -1]
        else:
            csd, dipole = records.pop("csd"), records.pop("dipole")
        dipole = jnp.sum(dipole, axis=1)
        # The energy budget costs the Na+ entry of excitatory synapses (Attwell &
        # Laughlin 2001); the net E + I current would under-cost it.
        excitatory = None if sources is None else sources[1]
        field = model.field.readouts(csd, dipole, records.get("spikes"), excitatory, dt * every)
    if "source" not in model.record:
        sources = None
    records["sources"] = sources
    records["overflow"] = state.synapses.first_overflow
    return records, field, model.divergence_step(state), state


def _traced(*trees: Any) -> bool:
    return any(isinstance(x, jax.core.Tracer) for t in trees for x in jax.tree.leaves(t))


def _check_state(model: Model, state: Any, dt_ms: float) -> None:
    want = jax.eval_shape(lambda: model.init(jax.random.key(0), dt_ms))
    same = str(jax.tree.structure(want)) == str(jax.tree.structure(state)) and all(
        jnp.shape(a) == b.shape for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(want)))
    if not same:
        raise ValueError("`state` must have the structure and shapes of `model.init(key, "
                         f"dt_ms)` for dt_ms = {dt_ms}; got {jax.tree.structure(state)}.")


def _raise_if_failed(overflow: Any, status: Any, dt_ms: float) -> None:
    if is_concrete(overflow) and int(overflow) >= 0:
        raise SpikeBufferOverflowError(
            f"More neurons spiked in step {int(overflow)} than an event-driven spike "
            f"buffer holds; raise the projection's `capacity` (EventConnectivity) or use "
            f"the dense or gather path. No spike was dropped silently: the run stopped.")
    if is_concrete(status) and int(status) >= 0:
        step = int(status)
        raise DivergenceError(
            f"The membrane state diverged (non-finite, or V_m below the model's "
            f"`v_floor_mV`) at step {step} (t = {(step + 1) * dt_ms:g} ms) with "
            f"`dt_ms` = {dt_ms}; reduce `dt_ms` (Izhikevich neurons need 0.1 ms "
            f"or less) or check the parameters."
        )


def run(model: Model, sim: Simulation, *, key: PRNGKeyArray | None = None,
        state: Any = None) -> Signals:
    """Simulate `model` as specified by `sim`; see `Model.simulate`."""
    if not isinstance(sim, Simulation):
        raise TypeError(f"`sim` must be made by `jaxfne.simulation(...)`; got {type(sim)!r}.")
    seed = sim.seed if key is None else None
    if key is None:
        key = jax.random.key(sim.seed)
    if state is not None:
        _check_state(model, state, sim.dt_ms)
    # Only the shape-determining fields are static for the jitted scan; the
    # seed enters through `key`, so a new seed does not recompile.
    static = dataclasses.replace(sim, seed=0, throw=True, chunk_ms=None, progress=None)
    chunk = sim.chunk_steps()
    if chunk >= sim.n_steps or _traced(model, key, state):
        records, field, status, _ = _scan(model, static, key, state,
                                          jnp.asarray(0, jnp.int32))
    else:
        records, field, status = _chunked(model, sim, static, chunk, key, state)
    overflow = records.pop("overflow")
    if sim.throw:
        _raise_if_failed(overflow, status, sim.dt_ms)
        if not is_concrete(overflow):
            overflow = eqx.error_if(overflow, overflow >= 0,
                                    "An event-driven spike buffer overflowed; raise `capacity`.")
        if not is_concrete(status):
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


def _chunked(model: Model, sim: Simulation, static: Simulation, chunk: int,
             key: PRNGKeyArray, state: Any) -> tuple[dict, Any, jax.Array]:
    """Run `sim` in chunks of `chunk` steps, moving each chunk's readouts to the host."""
    block = _block_steps(sim.record_every)
    total = sim.n_steps
    bar = _Progress(total, sim.progress)
    parts: list[tuple[dict, Any]] = []
    done = 0
    status = overflow = np.asarray(-1, np.int32)
    while done < total:
        steps = min(chunk, total - done)
        part = dataclasses.replace(static, duration_ms=steps * sim.dt_ms)
        records, field, status_c, state = _scan(model, part, key, state,
                                                jnp.asarray(done // block, jnp.int32))
        records, field = jax.tree.map(np.asarray, (records, field))
        over_c = records.pop("overflow")
        if overflow < 0 <= over_c:
            overflow = over_c
        if status < 0 <= int(status_c):
            status = np.asarray(status_c)
        parts.append((records, field))
        done += steps
        bar.update(done)
        if sim.throw and (overflow >= 0 or status >= 0):
            break  # the run failed; `run` raises with the step
    bar.close()
    records = _concat([r for r, _ in parts])
    fields = [f for _, f in parts]
    field = None if fields[0] is None else _concat_field(fields)
    records["overflow"] = jnp.asarray(overflow)
    return records, field, jnp.asarray(status)


def _concat(records: list[dict]) -> dict:
    out: dict = {}
    for name, first in records[0].items():
        if first is None:
            out[name] = None
        elif isinstance(first, tuple):
            out[name] = tuple(jnp.asarray(np.concatenate([r[name][i] for r in records]))
                              for i in range(len(first)))
        else:
            out[name] = jnp.asarray(np.concatenate([r[name] for r in records]))
    return out


def _concat_field(fields: list[Any]) -> Any:
    """Join per-chunk `FieldSignals`: series along time, time means weighted by length."""
    first = fields[0]
    lengths = np.array([f.dipole_nAum.shape[0] for f in fields], float)
    weights = lengths / lengths.sum()
    changes = {}
    for name in ("dipole_nAum", "csd", "csd_by_channel", "phi_e", "J_e", "lfp_proxy",
                 "csd_proxy", "eeg", "meg", "ohmic_W"):
        if getattr(first, name) is not None:
            changes[name] = jnp.asarray(np.concatenate([getattr(f, name) for f in fields]))
    if first.emm is not None:
        budget = {}
        for name in first.emm.__dataclass_fields__:
            values = [getattr(f.emm, name) for f in fields]
            if name.startswith("mean_") or name.startswith("neuron_mean_"):
                budget[name] = jnp.asarray(sum(w * v for w, v in zip(weights, values)))
            else:
                budget[name] = jnp.asarray(np.concatenate(values))
        changes["emm"] = type(first.emm)(**budget)
    changes["geometry"] = jax.tree.map(jnp.asarray, first.geometry)
    return dataclasses.replace(first, **changes)


class _Progress:
    """A text progress bar on stderr for chunked runs (see `Simulation.progress`)."""

    def __init__(self, total: int, wanted: bool | None):
        self.total = total
        self.wanted = wanted and os.environ.get("JAXFNE_PROGRESS", "1") != "0"
        self.auto = wanted is None and os.environ.get("JAXFNE_PROGRESS", "1") != "0"
        self.start = time.perf_counter()
        self.shown = False

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        if self.auto and not self.shown:
            self.wanted = elapsed / done * self.total > 5.0
        if not self.wanted:
            return
        self.shown = True
        frac = done / self.total
        eta = elapsed / frac - elapsed
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\rjaxfne [{bar:<30}] {100 * frac:5.1f}%  {elapsed:6.1f} s elapsed, "
                         f"{eta:6.1f} s left")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
