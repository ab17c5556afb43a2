"""Izhikevich (2003) quadratic integrate-and-fire neurons."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from .._errors import check_finite, check_positive
from .._typing import Array, Float
from ._base import AbstractNeuron
from ._spike import Surrogate

__all__ = ["IZHIKEVICH_PRESETS", "Izhikevich", "IzhikevichState"]

#: Izhikevich (2003), Fig. 2: (a, b, c [mV], d [mV/ms]) and a declared membrane
#: capacitance [pF] (Izhikevich 2007, ch. 8: 100 pF pyramidal cells, 20 pF
#: fast-spiking interneurons) that turns model currents into nA.
IZHIKEVICH_PRESETS: dict[str, dict[str, float]] = {
    "regular_spiking": dict(a=0.02, b=0.2, c=-65.0, d=8.0, capacitance_pF=100.0),
    "intrinsically_bursting": dict(a=0.02, b=0.2, c=-55.0, d=4.0, capacitance_pF=100.0),
    "chattering": dict(a=0.02, b=0.2, c=-50.0, d=2.0, capacitance_pF=50.0),
    "fast_spiking": dict(a=0.1, b=0.2, c=-65.0, d=2.0, capacitance_pF=20.0),
    "low_threshold_spiking": dict(a=0.02, b=0.25, c=-65.0, d=2.0, capacitance_pF=100.0),
}


class IzhikevichState(eqx.Module):
    """Membrane potential `v` (mV) and recovery variable `u` (mV/ms)."""

    v: Float[Array, " neurons"]
    u: Float[Array, " neurons"]


class Izhikevich(AbstractNeuron):
    r"""Izhikevich (2003) neurons, forward Euler.

    $$\frac{dv}{dt} = 0.04 v^2 + 5 v + 140 - u + I, \qquad
      \frac{du}{dt} = a (b v - u),$$

    with $v$ in mV, $t$ in ms and $I$ the input current divided by the
    membrane capacitance (mV/ms). When $v \ge v_\text{peak}$ (30 mV) the
    neuron spikes and is reset: $v \leftarrow c$, $u \leftarrow u + d$.
    One step of `dt_ms` updates $v$ and $u$ from the old state (forward
    Euler); keep `dt_ms` at or below 0.1 ms (at 1 ms and above the
    quadratic term makes the membrane state diverge, which `simulate` reports).

    Every parameter is a per-neuron array, so heterogeneous populations and
    gradients with respect to any of them are possible. `surrogate` sets how
    gradients pass the threshold and the reset (it never changes the forward
    simulation; see `jaxfne.neurons.Surrogate`).

    **Reference:** E. M. Izhikevich, "Simple model of spiking neurons",
    IEEE Trans. Neural Netw. 14(6):1569-1572, 2003.
    """

    a: Float[Array, " neurons"]
    b: Float[Array, " neurons"]
    c: Float[Array, " neurons"]
    d: Float[Array, " neurons"]
    capacitance_pF: Float[Array, " neurons"]
    v_peak_mV: Float[Array, " neurons"]
    v_init_mV: tuple[float, float] = eqx.field(static=True, default=(-70.0, -60.0))
    v_floor_mV: float = eqx.field(static=True, default=-150.0)
    surrogate: Surrogate = Surrogate()

    def __check_init__(self) -> None:
        n = self.a.shape
        for name in ("a", "b", "c", "d", "capacitance_pF", "v_peak_mV"):
            check_finite(name, getattr(self, name))
        check_positive("capacitance_pF", self.capacitance_pF)
        for name in ("b", "c", "d", "capacitance_pF", "v_peak_mV"):
            if getattr(self, name).shape != n:
                raise ValueError(
                    f"`{name}` must have the shape of `a` {n}; got {getattr(self, name).shape}."
                )
        lo, hi = self.v_init_mV
        if not lo <= hi:
            raise ValueError(f"`v_init_mV` must be (low, high) with low <= high; got {(lo, hi)}.")

    def init(self, key: PRNGKeyArray) -> IzhikevichState:
        """Draw v uniformly in `v_init_mV` and set u = b v (its fixed-point value)."""
        lo, hi = self.v_init_mV
        v = jax.random.uniform(key, self.a.shape, self.a.dtype, lo, hi)
        return IzhikevichState(v=v, u=self.b * v)

    def step(
        self, state: IzhikevichState, current: Float[Array, " neurons"], dt_ms: float
    ) -> tuple[IzhikevichState, Float[Array, " neurons"]]:
        sg = self.surrogate
        v, u = state.v, state.u
        upswing = sg.nonlinearity(0.04 * v * v + 5.0 * v)
        v_new = v + dt_ms * (upswing + 140.0 - u + current)
        u_new = u + dt_ms * self.a * (self.b * v - u)
        spike = sg.spike(v_new, self.v_peak_mV)
        reset = sg.for_reset(spike)
        v_next = jnp.where(spike > 0, self.c, v_new)
        if not sg.local:  # d(reset)/dv; the added term is exactly zero in value
            v_next = v_next + (reset - jax.lax.stop_gradient(reset)) * (self.c - v_new)
        u_next = u_new + reset * self.d
        return IzhikevichState(v=v_next, u=u_next), spike
