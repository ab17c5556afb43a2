"""External drive: constant bias, white or Ornstein-Uhlenbeck noise, Poisson input."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import PRNGKeyArray

from ._errors import check_choice, check_finite, check_positive
from ._typing import Array, Float

__all__ = ["NOISE_KINDS", "Drive", "DriveState", "PoissonInput", "PulsedSources",
           "poisson_counts"]

NOISE_KINDS = ("none", "white", "ou")


#: Means up to this use inversion sampling (`poisson_counts`); larger ones JAX's sampler.
INVERSION_MAX_MEAN = 20.0


def poisson_counts(key: PRNGKeyArray, lam: Float[Array, "..."]) -> Float[Array, "..."]:
    r"""Poisson-distributed counts with means `lam`, by sequential inversion.

    One uniform number $u$ per count; $k$ is the smallest integer with
    $u \le \sum_{j \le k} e^{-\lambda}\lambda^j/j!$. The loop runs as many
    passes as the largest count drawn (a few for the per-step means of
    spiking input), so it costs a small multiple of drawing the uniforms:
    at 7,717 neurons and means of 0.2 it was more than 100 times faster
    than `jax.random.poisson`, which evaluates its rejection sampler too.
    Means above `INVERSION_MAX_MEAN` go to `jax.random.poisson` instead.
    """
    lam = jnp.asarray(lam)

    def inversion() -> Array:
        u = jax.random.uniform(key, lam.shape, lam.dtype)
        p = jnp.exp(-lam)

        def cond(carry):
            k, p, cdf = carry
            return jnp.any(u > cdf)

        def body(carry):
            k, p, cdf = carry
            go = u > cdf
            k = k + go
            p = jnp.where(go, p * lam / jnp.maximum(k, 1), p)
            return k, p, jnp.where(go, cdf + p, cdf)

        k, _, _ = jax.lax.while_loop(cond, body, (jnp.zeros(lam.shape, jnp.int32), p, p))
        return k.astype(lam.dtype)

    return jax.lax.cond(jnp.max(lam, initial=0.0) <= INVERSION_MAX_MEAN, inversion,
                        lambda: jax.random.poisson(key, lam, lam.shape).astype(lam.dtype))


class PoissonInput(eqx.Module):
    r"""Independent Poisson spike trains onto each neuron through an exponential synapse.

    Neuron $i$ receives spikes at `rate_hz[i]` (the summed rate of all its
    external inputs); each adds `weight[i]` (mV/ms) to an external synaptic
    current that decays with `tau_ms`. `step_average` drives the neuron with
    the current's exact mean over each step (see `Projection.step_average`).
    """

    rate_hz: Float[Array, " neurons"]
    weight: Float[Array, " neurons"]
    tau_ms: Float[Array, ""]
    step_average: bool = eqx.field(static=True, default=False)

    def __check_init__(self) -> None:
        check_positive("rate_hz", self.rate_hz, allow_zero=True)
        check_finite("weight", self.weight)
        check_positive("tau_ms", self.tau_ms)


class PulsedSources(eqx.Module):
    r"""A population of independent Poisson spike sources, active in a time window,
    projecting onto the network through their own synapses (e.g. PD14's thalamus).

    During `[start_ms, start_ms + duration_ms)` each of the `synapses`'
    presynaptic sources fires at `rate_hz`; outside it they are silent. With
    `interval_ms` the pulse repeats every `interval_ms` from `start_ms` (for
    trial averages of evoked responses). The spikes travel through
    `synapses` (one or more `Projection`s whose presynaptic neurons are the
    sources, per-edge delays allowed) and their current adds to the neurons'
    excitatory synaptic current (the "thalamic" channel of a field).
    """

    rate_hz: Float[Array, ""]
    synapses: Any
    start_ms: float = eqx.field(static=True)
    duration_ms: float = eqx.field(static=True)
    interval_ms: float | None = eqx.field(static=True, default=None)

    def __check_init__(self) -> None:
        check_positive("rate_hz", self.rate_hz, allow_zero=True)
        if not self.duration_ms > 0:
            raise ValueError(f"`duration_ms` must be positive; got {self.duration_ms!r}.")
        if self.interval_ms is not None and not self.interval_ms > self.duration_ms:
            raise ValueError(f"`interval_ms` must exceed `duration_ms` ({self.duration_ms}) or "
                             f"be None (one pulse); got {self.interval_ms!r}.")

    def active(self, step: Array, dt_ms: float) -> Array:
        """Whether the sources fire in step `step` (times rounded to whole steps)."""
        since = jnp.asarray(step) - round(self.start_ms / dt_ms)
        if self.interval_ms is not None:
            every = max(1, round(self.interval_ms / dt_ms))
            since = jnp.where(since >= 0, jnp.mod(since, every), since)
        return (since >= 0) & (since < max(1, round(self.duration_ms / dt_ms)))

    @property
    def n_sources(self) -> int:
        return int(self.synapses.projections[0].connectivity.n_pre)


class DriveState(eqx.Module):
    """OU noise current, external synaptic current (both mV/ms) and the pulsed
    sources' synapses (None without them)."""

    noise: Float[Array, " neurons"]
    poisson: Float[Array, " neurons"]
    pulse: Any = None


class Drive(eqx.Module):
    r"""External input current (mV/ms) to every neuron.

    $$I_\text{ext}(t) = \text{bias} + \eta(t) + s_\text{Poisson}(t)$$

    Noise $\eta$ by `noise`:

    - ``"none"``: $\eta = 0$.
    - ``"white"``: Gaussian white noise of intensity `noise_sigma`
      (mV/ms·√ms): the per-step value is $\sigma\,\xi_k/\sqrt{\Delta t}$, so
      the membrane diffusion it causes does not depend on `dt_ms`.
    - ``"ou"``: an Ornstein-Uhlenbeck current with stationary standard
      deviation `noise_sigma` (mV/ms) and correlation time `noise_tau_ms`,
      updated exactly: $\eta \leftarrow \eta e^{-\Delta t/\tau} +
      \sigma\sqrt{1 - e^{-2\Delta t/\tau}}\,\xi_k$.

    $\xi_k$ are independent standard normal numbers per neuron and step.
    """

    bias: Float[Array, " neurons"]
    noise_sigma: Float[Array, " neurons"]
    noise_tau_ms: Float[Array, ""]
    poisson: PoissonInput | None = None
    noise: str = eqx.field(static=True, default="ou")
    pulse: PulsedSources | None = None

    def __check_init__(self) -> None:
        check_choice("noise", self.noise, NOISE_KINDS)
        check_finite("bias", self.bias)
        check_positive("noise_sigma", self.noise_sigma, allow_zero=True)
        check_positive("noise_tau_ms", self.noise_tau_ms)
        if self.noise_sigma.shape != self.bias.shape:
            raise ValueError(
                f"`noise_sigma` must have the shape of `bias` {self.bias.shape}; "
                f"got {self.noise_sigma.shape}."
            )

    def init(self, key: PRNGKeyArray, dt_ms: float = 0.1) -> DriveState:
        """Start the OU current in its stationary distribution; no external spikes yet."""
        zeros = jnp.zeros_like(self.bias)
        if self.noise == "ou":
            noise = self.noise_sigma * jax.random.normal(key, zeros.shape, zeros.dtype)
        else:
            noise = zeros
        pulse = None
        if self.pulse is not None:
            pulse = self.pulse.synapses.init(self.bias.shape[0], dt_ms, self.bias.dtype)
        return DriveState(noise=noise, poisson=zeros, pulse=pulse)

    def sample(
        self, key: PRNGKeyArray, n_steps: int, dt_ms: float
    ) -> tuple[Float[Array, "steps _neurons"], Float[Array, "steps _neurons"]]:
        """Random numbers for `n_steps` steps at once: normals and Poisson counts (the
        pulsed sources' counts, if any, follow the neurons' in each row)."""
        shape = (n_steps,) + self.bias.shape
        k_noise, k_poisson, k_pulse = jax.random.split(key, 3)
        if self.noise == "none":
            normals = jnp.zeros((n_steps, 0), self.bias.dtype)
        else:
            normals = jax.random.normal(k_noise, shape, self.bias.dtype)
        if self.poisson is None:
            counts = jnp.zeros((n_steps, 0), self.bias.dtype)
        else:
            lam = jnp.broadcast_to(self.poisson.rate_hz * (dt_ms * 1e-3), shape)
            counts = poisson_counts(k_poisson, lam).astype(self.bias.dtype)
        if self.pulse is not None:
            if self.poisson is None:
                counts = jnp.zeros(shape, self.bias.dtype)
            lam = jnp.full((n_steps, self.pulse.n_sources), self.pulse.rate_hz * (dt_ms * 1e-3),
                           self.bias.dtype)
            counts = jnp.concatenate([counts, poisson_counts(k_pulse, lam)], axis=1)
        return normals, counts

    def step(
        self,
        state: DriveState,
        normals: Float[Array, " _neurons"],
        counts: Float[Array, " _neurons"],
        dt_ms: float,
        step: Array | int = 0,
    ) -> tuple[DriveState, Float[Array, " neurons"], Float[Array, " neurons"],
               Float[Array, " neurons"]]:
        """Return the new state, the non-synaptic input (bias + noise), and the
        synaptic currents of the background and of the pulsed sources acting
        in this step (all mV/ms); `step` is the step's index (it times the
        pulsed sources)."""
        current = self.bias
        noise = state.noise
        if self.noise == "white":
            current = current + self.noise_sigma * normals / jnp.sqrt(dt_ms)
        elif self.noise == "ou":
            current = current + state.noise
            decay = jnp.exp(-dt_ms / self.noise_tau_ms)
            noise = state.noise * decay + self.noise_sigma * jnp.sqrt(1 - decay**2) * normals
        external = state.poisson
        if self.poisson is not None and self.poisson.step_average:
            x = dt_ms / self.poisson.tau_ms
            external = external * (-jnp.expm1(-x) / x)
        n = self.bias.shape[0]
        if self.poisson is not None:
            decay_p = jnp.exp(-dt_ms / self.poisson.tau_ms)
            new_poisson = state.poisson * decay_p + self.poisson.weight * counts[:n]
        else:
            new_poisson = state.poisson
        pulse = state.pulse
        pulsed = jnp.zeros_like(self.bias)
        if self.pulse is not None:
            pulsed, _ = self.pulse.synapses.input_current(pulse, pulsed, dt_ms)
            active = self.pulse.active(jnp.asarray(step), dt_ms)
            spikes = jnp.where(active, counts[n:], 0.0)
            pulse = self.pulse.synapses.update(pulse, spikes, jnp.asarray(step), dt_ms)
        return DriveState(noise=noise, poisson=new_poisson, pulse=pulse), current, external, pulsed
