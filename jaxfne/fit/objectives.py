r"""Objectives: small differentiable functions with their units in their names.

Compose them with `weighted_sum`; average over trials with `trial_mean`.
Rates are differentiable through the surrogate spike gradient
(`jaxfne.neurons.Surrogate`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from .._typing import Array, Float

__all__ = [
    "log_psd_distance", "population_rates_hz", "power_spectrum", "profile_mse",
    "rate_mse_hz2", "spectrum_log_distance", "trial_mean", "weighted_sum",
]


def population_rates_hz(spikes: Float[Array, "time neurons"], dt_ms: float,
                        populations: Sequence[tuple[str, int, int]],
                        discard_ms: float = 0.0) -> dict[str, Float[Array, ""]]:
    """Mean rate (Hz) of each population after `discard_ms`, differentiable."""
    start = int(round(discard_ms / dt_ms))
    window = spikes[start:]
    seconds = window.shape[0] * dt_ms * 1e-3
    return {name: jnp.sum(window[:, a:b]) / ((b - a) * seconds) for name, a, b in populations}


def rate_mse_hz2(rates_hz: Mapping[str, Float[Array, ""]],
                 targets_hz: Mapping[str, float | Array]) -> Float[Array, ""]:
    """Mean squared difference (Hz^2) between population rates and targets."""
    diffs = [(rates_hz[k] - targets_hz[k]) ** 2 for k in targets_hz]
    return jnp.mean(jnp.stack(diffs))


def power_spectrum(x: Float[Array, " time *channels"], dt_ms: float
                   ) -> tuple[Float[Array, " freqs"], Float[Array, " freqs *channels"]]:
    """One-sided power spectral density (units^2/Hz) of `x` with a Hann window.

    The mean over time is removed first. Returns the frequencies (Hz) and
    the PSD.
    """
    n = x.shape[0]
    fs = 1e3 / dt_ms
    window = jnp.hanning(n).reshape((n,) + (1,) * (x.ndim - 1))
    y = (x - jnp.mean(x, axis=0, keepdims=True)) * window
    spectrum = jnp.fft.rfft(y, axis=0)
    psd = jnp.abs(spectrum) ** 2 / (fs * jnp.sum(window**2))
    psd = psd.at[1:-1].multiply(2.0)
    return jnp.fft.rfftfreq(n, 1.0 / fs), psd


def log_psd_distance(x: Float[Array, " time *channels"], target_psd: Float[Array, " freqs *c"],
                     dt_ms: float, band_hz: tuple[float, float] = (1.0, 100.0),
                     floor: float = 1e-30) -> Float[Array, ""]:
    """Mean squared difference of log10 PSDs of `x` and `target_psd` within `band_hz`."""
    freqs, psd = power_spectrum(x, dt_ms)
    return spectrum_log_distance(freqs, psd, target_psd, band_hz, floor)


def spectrum_log_distance(freqs: Float[Array, " freqs"], psd: Float[Array, " freqs *c"],
                          target_psd: Float[Array, " freqs *c"],
                          band_hz: tuple[float, float] = (1.0, 100.0),
                          floor: float = 1e-30) -> Float[Array, ""]:
    """Mean squared difference (decades^2) of log10 `psd` and `target_psd` within `band_hz`
    (for spectra computed elsewhere, e.g. averaged over trials)."""
    mask = (freqs >= band_hz[0]) & (freqs <= band_hz[1])
    diff = jnp.log10(psd + floor) - jnp.log10(target_psd + floor)
    mask = mask.reshape((-1,) + (1,) * (diff.ndim - 1))
    return jnp.sum(jnp.where(mask, diff**2, 0.0)) / (jnp.sum(mask) * diff[0].size)


def profile_mse(x: Float[Array, "..."], target: Float[Array, "..."]) -> Float[Array, ""]:
    """Mean squared error of `x` against `target`, relative to the target's mean square."""
    return jnp.mean((x - target) ** 2) / jnp.mean(target**2)


def trial_mean(fn: Callable[[Any], Float[Array, ""]], keys: Array) -> Float[Array, ""]:
    """Mean of `fn(key)` over `keys` (vmapped: one compiled program for all trials)."""
    return jnp.mean(jax.vmap(fn)(keys))


def weighted_sum(*terms: tuple[float, Float[Array, ""]]) -> Float[Array, ""]:
    """sum_i w_i L_i for `(w_i, L_i)` pairs."""
    return sum((w * value for w, value in terms), start=jnp.asarray(0.0))
