"""Leaky integrate-and-fire neurons with exact integration."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from .._errors import check_finite, check_positive
from .._typing import Array, Float
from ._base import AbstractNeuron
from ._spike import Surrogate

__all__ = ["LIF_PRESETS", "LIF", "LIFState"]

#: Potjans & Diesmann (2014), Table 5: C_m 250 pF, tau_m 10 ms, E_L -65 mV,
#: V_th -50 mV, V_reset -65 mV, t_ref 2 ms.
LIF_PRESETS: dict[str, dict[str, float]] = {
    "potjans_diesmann": dict(
        tau_m_ms=10.0, v_rest_mV=-65.0, v_threshold_mV=-50.0, v_reset_mV=-65.0,
        refractory_ms=2.0, capacitance_pF=250.0,
    ),
}


class LIFState(eqx.Module):
    """Membrane potential `v` (mV) and remaining refractory time (ms)."""

    v: Float[Array, " neurons"]
    refractory_left_ms: Float[Array, " neurons"]


class LIF(AbstractNeuron):
    r"""Leaky integrate-and-fire neurons.

    $$\tau_m \frac{dv}{dt} = -(v - E_L) + \tau_m I,$$

    with $I$ the input current divided by the capacitance (mV/ms; a current
    of $I_\text{nA}$ gives $I = 10^3 I_\text{nA} / C_\text{pF}$). The
    membrane equation is integrated exactly for a current held constant over
    the step. At $v \ge V_\text{th}$ the neuron spikes, $v$ is set to
    $V_\text{reset}$ and held there for `refractory_ms`.
    """

    tau_m_ms: Float[Array, " neurons"]
    v_rest_mV: Float[Array, " neurons"]
    v_threshold_mV: Float[Array, " neurons"]
    v_reset_mV: Float[Array, " neurons"]
    refractory_ms: Float[Array, " neurons"]
    capacitance_pF: Float[Array, " neurons"]
    v_init_mV: tuple[float, float] = eqx.field(static=True, default=(-65.0, -55.0))
    v_floor_mV: float = eqx.field(static=True, default=-150.0)
    surrogate: Surrogate = Surrogate()
    v_init_mean_mV: Float[Array, " neurons"] | None = None
    v_init_sd_mV: Float[Array, " neurons"] | None = None

    def __check_init__(self) -> None:
        n = self.tau_m_ms.shape
        for name in ("v_rest_mV", "v_threshold_mV", "v_reset_mV"):
            check_finite(name, getattr(self, name))
        for name in ("tau_m_ms", "capacitance_pF"):
            check_positive(name, getattr(self, name))
        check_positive("refractory_ms", self.refractory_ms, allow_zero=True)
        if (self.v_init_mean_mV is None) != (self.v_init_sd_mV is None):
            raise ValueError("Give both `v_init_mean_mV` and `v_init_sd_mV`, or neither.")
        extra = ("v_init_mean_mV", "v_init_sd_mV") if self.v_init_mean_mV is not None else ()
        for name in ("v_rest_mV", "v_threshold_mV", "v_reset_mV", "refractory_ms",
                     "capacitance_pF") + extra:
            if getattr(self, name).shape != n:
                raise ValueError(
                    f"`{name}` must have the shape of `tau_m_ms` {n}; "
                    f"got {getattr(self, name).shape}."
                )

    def init(self, key: PRNGKeyArray) -> LIFState:
        """Draw v uniformly in `v_init_mV`, or, when `v_init_mean_mV` and
        `v_init_sd_mV` are given, from a normal distribution per neuron (as
        PD14's reference implementation); no neuron starts refractory."""
        shape, dtype = self.tau_m_ms.shape, self.tau_m_ms.dtype
        if self.v_init_mean_mV is not None and self.v_init_sd_mV is not None:
            v = self.v_init_mean_mV + self.v_init_sd_mV * jax.random.normal(key, shape, dtype)
        else:
            lo, hi = self.v_init_mV
            v = jax.random.uniform(key, shape, dtype, lo, hi)
        return LIFState(v=v, refractory_left_ms=jnp.zeros_like(v))

    def step(
        self, state: LIFState, current: Float[Array, " neurons"], dt_ms: float
    ) -> tuple[LIFState, Float[Array, " neurons"]]:
        decay = jnp.exp(-dt_ms / self.tau_m_ms)
        v_inf = self.v_rest_mV + self.tau_m_ms * current
        v_free = v_inf + (state.v - v_inf) * decay
        refractory = state.refractory_left_ms > 0
        v_new = jnp.where(refractory, self.v_reset_mV, v_free)
        sg = self.surrogate
        spike = sg.spike(v_new, self.v_threshold_mV)
        reset = sg.for_reset(spike)
        v_next = jnp.where(spike > 0, self.v_reset_mV, v_new)
        if not sg.local:  # d(reset)/dv; the added term is exactly zero in value
            v_next = v_next + (reset - jax.lax.stop_gradient(reset)) * (self.v_reset_mV - v_new)
        left = jnp.where(
            spike > 0, self.refractory_ms, jnp.maximum(state.refractory_left_ms - dt_ms, 0.0)
        )
        return LIFState(v=v_next, refractory_left_ms=left), spike
