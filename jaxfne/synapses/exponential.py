"""Current synapses (exponential or delta kernels) grouped into projections."""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax.typing import DTypeLike

from .._errors import check_choice, check_finite, check_positive
from .._typing import Array, Float, Int
from .connectivity import AbstractConnectivity

__all__ = ["Projection", "ExponentialSynapses", "SynapseState"]

SIGNS = ("excitatory", "inhibitory")
KINDS = ("exponential", "delta")


class Projection(eqx.Module):
    r"""One synaptic pathway: an exponentially decaying current, or a delta pulse.

    `kind="exponential"`: each presynaptic spike adds its weight (mV/ms,
    i.e. current over capacitance) to the target's synaptic current $s$,
    which then decays exactly between steps,

    $$s(t + \Delta t) = s(t)\, e^{-\Delta t/\tau} + \sum_{j \in \text{spiked}} w_{ij},$$

    so the charge a spike delivers, $w\tau$, does not depend on $\Delta t$.

    `kind="delta"` (`tau_ms=None`): the weight is a jump of the membrane
    potential (mV). It is delivered as a current $w/\Delta t$ acting for one
    step, so with forward Euler the target's $v$ moves by exactly $w$ in
    that step (NEST's `izhikevich` with delay = dt: a spike in step $k$
    moves $v$ in step $k+1$).
    A spike emitted in step $k$ is added at the end of step $k + D - 1$ and
    first drives the target in step $k + D$, with $D$ = `delay_ms` / dt
    rounded to whole steps (at least one).

    Attributes:
        connectivity: who connects to whom, with signed weights in mV/ms
            (exponential) or mV (delta).
        tau_ms: decay time constant (ms); None for a delta synapse.
        scale: a dimensionless factor on every weight of the projection
            (1 by default; a convenient fitting parameter).
        sign: "excitatory" (weights >= 0) or "inhibitory" (weights <= 0).
        delay_ms: transmission delay (ms); None for one step.
        name: a label, e.g. "E" or "E->I".
        kind: "exponential" (default) or "delta".
        step_average: (exponential only) drive the neuron in each step with
            the exact mean of the decaying current over the step,
            $s\,(\tau/\Delta t)(1 - e^{-\Delta t/\tau})$, instead of its value at
            the step's start. With a membrane integrated exactly for a
            constant current this reproduces the exact (NEST `iaf_psc_exp`)
            response to an exponential current to first order in
            $\Delta t/\tau_m$; it matters when $\tau$ is close to $\Delta t$
            (PD14: 0.5 ms at 0.1 ms, a 9 % difference).

    Heterogeneous delays: an `EventConnectivity` with per-edge `delay_steps`
    carries its own delays (each at least one step) through a ring of
    pending input per target; `delay_ms` must then be None.
    """

    connectivity: AbstractConnectivity
    tau_ms: Float[Array, ""] | None
    scale: Float[Array, ""]
    sign: str = eqx.field(static=True)
    delay_ms: float | None = eqx.field(static=True, default=None)
    name: str = eqx.field(static=True, default="")
    kind: str = eqx.field(static=True, default="exponential")
    step_average: bool = eqx.field(static=True, default=False)

    def __check_init__(self) -> None:
        if self.per_edge_delays and self.delay_ms is not None:
            raise ValueError(f"projection {self.name!r}: its connectivity carries per-edge "
                             f"delays, so `delay_ms` must be None; got {self.delay_ms!r}.")
        if self.step_average and self.kind == "delta":
            raise ValueError("`step_average` applies to exponential synapses only; a delta "
                             "projection has no current to average.")
        check_choice("sign", self.sign, SIGNS)
        check_choice("kind", self.kind, KINDS)
        if self.kind == "delta":
            if self.tau_ms is not None:
                raise ValueError(f"A delta projection has no time constant: pass `tau_ms=None`; "
                                 f"got {self.tau_ms!r}.")
        elif self.tau_ms is None:
            raise ValueError("`tau_ms` must be a positive time constant (ms) for "
                             "kind='exponential'; got None.")
        else:
            check_positive("tau_ms", self.tau_ms)
        check_finite("scale", self.scale)
        if self.delay_ms is not None and not self.delay_ms > 0:
            raise ValueError(f"`delay_ms` must be positive or None; got {self.delay_ms!r}.")

    @property
    def per_edge_delays(self) -> bool:
        """True when the connectivity stores a delay per edge."""
        return getattr(self.connectivity, "delay_steps", None) is not None

    def current_factor(self, dt_ms: float) -> float | Array:
        """What the stored current is multiplied by to give the current acting in a step."""
        if not self.step_average or self.tau_ms is None:
            return 1.0
        x = dt_ms / self.tau_ms
        return -jnp.expm1(-x) / x

    def delay_steps(self, dt_ms: float) -> int:
        """The delay in whole steps (at least 1) for a step of `dt_ms`."""
        if self.delay_ms is None:
            return 1
        return max(1, int(round(self.delay_ms / dt_ms)))


class SynapseState(eqx.Module):
    """Per-projection synaptic currents (mV/ms), spike history for delays (or, with
    per-edge delays, a ring of pending input per target), and the first step at
    which an event-driven spike buffer overflowed (-1: never)."""

    current: tuple[Float[Array, " post"], ...]
    history: tuple[Float[Array, "_delay _pre"], ...]
    first_overflow: Int[Array, ""]


class ExponentialSynapses(eqx.Module):
    """All projections of a network; the total input is the sum of their currents."""

    projections: tuple[Projection, ...]

    def init(self, n: int, dt_ms: float, dtype: DTypeLike) -> SynapseState:
        current = tuple(jnp.zeros((n,), dtype) for _ in self.projections)
        history = tuple(
            jnp.zeros((p.connectivity.max_delay_steps, n), dtype)  # type: ignore[attr-defined]
            if p.per_edge_delays else
            jnp.zeros((p.delay_steps(dt_ms) - 1, p.connectivity.n_pre), dtype)
            for p in self.projections
        )
        return SynapseState(current=current, history=history,
                            first_overflow=jnp.asarray(-1, jnp.int32))

    def input_current(
        self, state: SynapseState, zeros: Float[Array, " neurons"], dt_ms: float = 0.1
    ) -> tuple[Float[Array, " neurons"], Float[Array, " neurons"]]:
        """Excitatory and inhibitory synaptic currents (mV/ms) acting in this step."""
        acting = [c * p.current_factor(dt_ms) if p.step_average else c
                  for p, c in zip(self.projections, state.current)]
        exc = sum((c for p, c in zip(self.projections, acting) if p.sign == "excitatory"),
                  start=zeros)
        inh = sum((c for p, c in zip(self.projections, acting) if p.sign == "inhibitory"),
                  start=zeros)
        return exc, inh

    def update(
        self, state: SynapseState, spikes: Float[Array, " pre"], step: Array, dt_ms: float
    ) -> SynapseState:
        """Decay every current and add the weights of the spikes that arrive now."""
        currents, histories = [], []
        overflow = jnp.asarray(False)
        for proj, cur, hist in zip(self.projections, state.current, state.history):
            conn = proj.connectivity
            offset = getattr(conn, "pre_offset", 0)
            if offset or conn.n_pre != spikes.shape[0]:
                source = spikes[offset: offset + conn.n_pre]
            else:
                source = spikes
            if proj.per_edge_delays:  # scatter into the ring, then take this step's slot
                ring, overflowed = conn.deliver_delayed(source, hist, step)  # type: ignore
                slot = step % ring.shape[0]
                delivered, new_hist = ring[slot], ring.at[slot].set(0.0)
            else:
                if hist.shape[0] == 0:
                    arriving, new_hist = source, hist
                else:  # uniform delay: a history of the source's spikes
                    slot = step % hist.shape[0]
                    arriving, new_hist = hist[slot], hist.at[slot].set(source)
                delivered, overflowed = conn.deliver(arriving)
            arrived = proj.scale * delivered
            if proj.tau_ms is None:  # delta: a jump of `w` mV over the next step
                currents.append(arrived / dt_ms)
            else:
                currents.append(cur * jnp.exp(-dt_ms / proj.tau_ms) + arrived)
            histories.append(new_hist)
            overflow = overflow | overflowed
        first = jnp.where((state.first_overflow < 0) & overflow, step,
                          state.first_overflow).astype(jnp.int32)
        return SynapseState(current=tuple(currents), history=tuple(histories),
                            first_overflow=first)
