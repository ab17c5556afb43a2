"""Summary statistics of spiking activity (host-side NumPy; not differentiable).

Definitions (time windows exclude the first `discard_ms`):

- rate: spikes per neuron per second, per population.
- ISI CV: standard deviation over mean of each neuron's inter-spike
  intervals, for neurons with at least `min_spikes` spikes; the median is
  reported.
- synchrony chi (Golomb 2007, Scholarpedia 2(1):1347):
  chi^2 = var_t(mean_i V_i) / mean_i var_t(V_i); chi is its square root
  (0 asynchronous, 1 fully synchronous); both are reported.
- spike-count correlation: mean Pearson correlation over pairs of neurons of
  their spike counts in `bin_ms` bins (pairs with a silent neuron left out).
- balance index (excitatory neurons): mean over neurons of
  <|I_exc + I_inh|>_t / (<|I_exc|>_t + <|I_inh|>_t); 0 is perfect
  cancellation at every instant, 1 no cancellation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .signals import Signals

__all__ = [
    "balance_index", "isi_cv", "population_rates_hz", "spike_count_correlation", "summary",
    "synchrony_chi",
]


def _window(signals: Signals, discard_ms: float) -> slice:
    start = int(np.searchsorted(np.asarray(signals.time_ms), discard_ms, side="right"))
    return slice(start, None)


def _require(signals: Signals, name: str) -> np.ndarray:
    value = getattr(signals, name)
    if value is None:
        raise ValueError(f"`signals.{name}` was not recorded; add the mode to a probe.")
    return np.asarray(value)


def population_rates_hz(signals: Signals, discard_ms: float = 0.0) -> dict[str, float]:
    """Mean firing rate (Hz) of each population after `discard_ms`."""
    spikes = _require(signals, "spikes")[_window(signals, discard_ms)]
    seconds = spikes.shape[0] * signals.dt_ms * signals.record_every * 1e-3
    return {name: float(spikes[:, a:b].sum() / ((b - a) * seconds))
            for name, a, b in signals.populations}


def isi_cv(signals: Signals, discard_ms: float = 0.0, min_spikes: int = 5) -> np.ndarray:
    """Per-neuron ISI coefficient of variation (NaN for neurons with too few spikes)."""
    spikes = _require(signals, "spikes")[_window(signals, discard_ms)]
    times = np.asarray(signals.time_ms)[_window(signals, discard_ms)]
    cv = np.full(spikes.shape[1], np.nan)
    for i in range(spikes.shape[1]):
        t = np.repeat(times, spikes[:, i].astype(int))
        if t.size >= min_spikes:
            isi = np.diff(t)
            if isi.mean() > 0:
                cv[i] = isi.std() / isi.mean()
    return cv


def synchrony_chi(signals: Signals, discard_ms: float = 0.0) -> float:
    """Golomb's synchrony measure chi from the membrane potentials."""
    v = _require(signals, "V_m")[_window(signals, discard_ms)].astype(float)
    single = v.var(axis=0).mean()
    return float(np.sqrt(v.mean(axis=1).var() / single)) if single > 0 else float("nan")


def spike_count_correlation(
    signals: Signals, discard_ms: float = 0.0, bin_ms: float = 10.0
) -> float:
    """Mean pairwise Pearson correlation of spike counts in `bin_ms` bins."""
    spikes = _require(signals, "spikes")[_window(signals, discard_ms)]
    per_bin = max(1, int(round(bin_ms / (signals.dt_ms * signals.record_every))))
    n_bins = spikes.shape[0] // per_bin
    counts = spikes[: n_bins * per_bin].reshape(n_bins, per_bin, -1).sum(axis=1)
    active = counts.std(axis=0) > 0
    if active.sum() < 2:
        return float("nan")
    c = np.corrcoef(counts[:, active].T)
    return float(c[np.triu_indices_from(c, k=1)].mean())


def balance_index(signals: Signals, discard_ms: float = 0.0, population: str = "E") -> float:
    """Balance of excitatory and inhibitory synaptic input to `population`."""
    if signals.sources is None:
        raise ValueError("`signals.sources` was not recorded; add the 'source' mode to a probe.")
    window = _window(signals, discard_ms)
    spans = {name: (a, b) for name, a, b in signals.populations}
    if population not in spans:
        raise ValueError(f"`population` must be one of {list(spans)}; got {population!r}.")
    a, b = spans[population]
    exc = np.abs(np.asarray(signals.sources[1])[window, a:b])
    inh = np.abs(np.asarray(signals.sources[2])[window, a:b])
    net = np.abs(np.asarray(signals.sources[1] + signals.sources[2])[window, a:b])
    denom = exc.mean(axis=0) + inh.mean(axis=0)
    ok = denom > 0
    return float(np.mean(net.mean(axis=0)[ok] / denom[ok])) if ok.any() else float("nan")


def summary(signals: Signals, discard_ms: float = 0.0) -> dict[str, Any]:
    """JSON-safe summary statistics of whatever `signals` recorded."""
    out: dict[str, Any] = {"discard_ms": float(discard_ms),
                           "duration_ms": float(np.asarray(signals.time_ms)[-1])}
    if signals.spikes is not None:
        out["rates_hz"] = population_rates_hz(signals, discard_ms)
        cv = isi_cv(signals, discard_ms)
        out["isi_cv_median"] = float(np.nanmedian(cv)) if np.isfinite(cv).any() else None
        out["isi_cv_neurons"] = int(np.isfinite(cv).sum())
        corr = spike_count_correlation(signals, discard_ms)
        out["spike_count_correlation"] = corr if np.isfinite(corr) else None
        out["total_spikes"] = int(np.asarray(signals.spikes).sum())
    if signals.V_m is not None:
        v = np.asarray(signals.V_m)[_window(signals, discard_ms)]
        out["V_m_mean_mV"] = float(v.mean())
        out["V_m_std_mV"] = float(v.std())
        chi = synchrony_chi(signals, discard_ms)
        out["synchrony_chi"] = chi if np.isfinite(chi) else None
    if signals.sources is not None and any(p[0] == "E" for p in signals.populations):
        bal = balance_index(signals, discard_ms)
        out["balance_index_E"] = bal if np.isfinite(bal) else None
    return out
