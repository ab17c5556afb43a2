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
- evoked average: the mean over stimulus onsets of a signal's window around
  each onset, less the mean of its own pre-onset part (baseline).
- layer profile: the mean of a depth-resolved signal (CSD, phi) over the
  depth bins of each band (default: the PD14 column's layers, L2/3 and L4
  halved, L6 halved).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .geometry import DEFAULT_LAYERS_UM
from .signals import Signals

__all__ = [
    "LAYER_BANDS_UM", "balance_index", "evoked_average", "isi_cv", "layer_profile",
    "population_rates_hz", "spike_count_correlation", "summary", "synchrony_chi",
]


def _halved(layers: tuple[tuple[str, float, float], ...], names: tuple[str, ...]
            ) -> tuple[tuple[str, float, float], ...]:
    bands: list[tuple[str, float, float]] = []
    for name, top, bottom in layers:
        mid = (top + bottom) / 2
        bands += [(f"{name} upper", top, mid), (f"{name} lower", mid, bottom)] \
            if name in names else [(name, top, bottom)]
    return tuple(bands)


#: Depth bands (name, top, bottom in um below the pia) of `layer_profile`: the column's
#: layers (`jaxfne.geometry.DEFAULT_LAYERS_UM`, Hagen et al. 2016) with L2/3, L4 and L6
#: split in halves.
LAYER_BANDS_UM: tuple[tuple[str, float, float], ...] = _halved(
    DEFAULT_LAYERS_UM, ("L2/3", "L4", "L6"))


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


def evoked_average(
    signal: Any, onsets_ms: Any, *, bin_ms: float | int = 1.0, before_ms: float | int = 20.0,
    after_ms: float | int = 40.0,
) -> np.ndarray:
    """Mean of `signal` (time first, bins of `bin_ms`) around each onset, baseline removed.

    Returns `[before + after bins, ...]`: row `before_ms / bin_ms` is the onset's
    bin; each window has the mean of its `before_ms` part subtracted first.
    Onsets whose window does not fit in the signal are an error.
    """
    x = np.asarray(signal)
    onsets = np.atleast_1d(np.asarray(onsets_ms, dtype=float))
    if not bin_ms > 0 or not before_ms > 0 or not after_ms > 0:
        raise ValueError(f"`bin_ms`, `before_ms` and `after_ms` must be positive; got "
                         f"{bin_ms!r}, {before_ms!r}, {after_ms!r}.")
    if onsets.size == 0:
        raise ValueError("`onsets_ms` must name at least one onset.")
    b, a = int(round(before_ms / bin_ms)), int(round(after_ms / bin_ms))
    starts = np.round(onsets / bin_ms).astype(int)
    bad = onsets[(starts - b < 0) | (starts + a > x.shape[0])]
    if bad.size:
        raise ValueError(f"`onsets_ms` {bad.tolist()} leave the signal ({x.shape[0] * bin_ms} "
                         f"ms) within the window of {before_ms} ms before and {after_ms} ms "
                         f"after.")
    windows = np.stack([x[s - b: s + a] for s in starts])
    return (windows - windows[:, :b].mean(axis=1, keepdims=True)).mean(axis=0)


def layer_profile(
    values: Any, depth_um: Any,
    bands: tuple[tuple[str, float, float], ...] = LAYER_BANDS_UM,
) -> np.ndarray:
    """Mean of `values` `[..., depth]` over the bins of each band: `[..., bands]`.

    A band with no bin centre in it is an error.
    """
    v, d = np.asarray(values), np.asarray(depth_um)
    if v.shape[-1:] != d.shape:
        raise ValueError(f"`values` must end with one entry per depth bin ({d.shape[0]}); got "
                         f"shape {v.shape}.")
    out = []
    for name, top, bottom in bands:
        inside = (d >= top) & (d < bottom)
        if not inside.any():
            raise ValueError(f"band {name!r} ({top}-{bottom} um) holds no depth bin of "
                             f"`depth_um` ({d.min()}-{d.max()} um).")
        out.append(v[..., inside].mean(axis=-1))
    return np.stack(out, axis=-1)
