"""Figures (optional extra: `pip install jaxfne[viz]`). Nothing in the core imports this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .fields import FieldSignals
from .signals import Signals

__all__ = ["plot_all", "plot_energy", "plot_eeg_meg", "plot_laminar", "plot_raster"]


Window = tuple[float, float] | None


def _mask(signals: Signals, window_ms: Window) -> np.ndarray:
    t = np.asarray(signals.time_ms)
    if window_ms is None:
        return np.ones(t.shape, bool)
    return (t > window_ms[0]) & (t <= window_ms[1])


def _field(signals: Signals) -> FieldSignals:
    if signals.field is None:
        raise ValueError("`signals.field` is None; add field modes (LFP, CSD, EEG, ...) to a "
                         "probe and call `.field(...)`.")
    return signals.field


def _plt() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("Figures need matplotlib: pip install 'jaxfne[viz]'") from err
    return plt


def plot_raster(signals: Signals, path: str | Path, bin_ms: float = 5.0,
                window_ms: Window = None) -> Path:
    """Spike raster (E red, I blue) above the population rates in `bin_ms` bins."""
    plt = _plt()
    m = _mask(signals, window_ms)
    spikes = np.asarray(signals.spikes)[m]
    t = np.asarray(signals.time_ms)[m]
    fig, (ax, ax_rate) = plt.subplots(2, 1, figsize=(9, 6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    colors = {"E": "tab:red", "I": "tab:blue"}
    per_bin = max(1, int(round(bin_ms / (signals.dt_ms * signals.record_every))))
    n_bins = spikes.shape[0] // per_bin
    for name, a, b in signals.populations:
        steps, cells = np.nonzero(spikes[:, a:b])
        ax.scatter(t[steps], cells + a, s=2, color=colors.get(name, "k"), label=name)
        counts = spikes[: n_bins * per_bin, a:b].reshape(n_bins, per_bin, -1).sum(axis=(1, 2))
        rate = counts / ((b - a) * per_bin * signals.dt_ms * signals.record_every * 1e-3)
        mean_rate = spikes[:, a:b].sum() / ((b - a) * (t[-1] - t[0]) * 1e-3)
        ax_rate.plot(t[per_bin - 1:n_bins * per_bin:per_bin], rate, color=colors.get(name, "k"),
                     label=f"{name}: {mean_rate:.1f} Hz")
    ax.set_ylabel("neuron")
    ax.legend(loc="upper right", markerscale=4)
    ax_rate.set_ylabel("rate (Hz)")
    ax_rate.set_xlabel("time (ms)")
    ax_rate.legend(loc="upper right")
    fig.tight_layout()
    return _save(fig, path)


def _depth_image(ax, data, t, depths, title, units, plt):
    lim = float(np.abs(data).max()) or 1.0
    im = ax.imshow(data.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=(t[0], t[-1], depths[-1], depths[0]), interpolation="nearest")
    ax.set_ylabel("depth (um)")
    ax.set_title(title)
    plt.colorbar(im, ax=ax, label=units)


def plot_laminar(signals: Signals, path: str | Path, window_ms: Window = None) -> Path:
    """LFP and CSD as depth-time images: depth downwards, sinks blue, sources red."""
    plt = _plt()
    f = _field(signals)
    m = _mask(signals, window_ms)
    t = np.asarray(signals.time_ms)[m]
    depths = np.asarray(f.geometry.contact_depths_um)
    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    _depth_image(axes[0], np.asarray(f.lfp_proxy)[m] * 1e3, t, depths, "LFP at the contacts",
                 "potential (uV)", plt)
    _depth_image(axes[1], np.asarray(f.csd_proxy)[m] * 1e3, t, depths,
                 f"CSD estimated from the LFP ({f.geometry.csd_method})",
                 "CSD (nA/mm^3; sink < 0 blue, source > 0 red)", plt)
    if f.csd is not None:
        _depth_image(axes[2], np.asarray(f.csd)[m] * 1e3, t, np.asarray(f.geometry.depth_um),
                     "true CSD of the cells' currents", "CSD (nA/mm^3)", plt)
    axes[2].set_xlabel("time (ms)")
    fig.tight_layout()
    return _save(fig, path)


def plot_eeg_meg(signals: Signals, path: str | Path, n_channels: int = 4,
                 window_ms: Window = None) -> Path:
    """EEG (nV) and MEG (fT) traces of the channels with the largest signals."""
    plt = _plt()
    f = _field(signals)
    m = _mask(signals, window_ms)
    t = np.asarray(signals.time_ms)[m]
    fig, (ax_e, ax_m) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    eeg = np.asarray(f.eeg)[m] * 1e6
    for i in np.argsort(eeg.std(axis=0))[::-1][:n_channels]:
        ax_e.plot(t, eeg[:, i], lw=0.8, label=f.geometry.electrode_names[i])
    ax_e.set_ylabel("EEG (nV)")
    ax_e.set_title("four-sphere EEG at 10-20 electrodes")
    ax_e.legend(loc="upper right")
    meg = np.asarray(f.meg)[m]
    for i in np.argsort(meg.std(axis=0))[::-1][:n_channels]:
        ax_m.plot(t, meg[:, i], lw=0.8, label=f"sensor {i}")
    ax_m.set_ylabel("MEG, radial B (fT)")
    ax_m.set_title("Sarvas MEG at helmet magnetometers")
    ax_m.set_xlabel("time (ms)")
    ax_m.legend(loc="upper right")
    fig.tight_layout()
    return _save(fig, path)


def plot_energy(signals: Signals, path: str | Path) -> Path:
    """The metabolic budget by component (ATP/s per neuron)."""
    plt = _plt()
    e = _field(signals).emm
    if e is None:
        raise ValueError("`signals.field.emm` was not recorded; add the 'EMM' probe mode.")
    n = np.asarray(signals.spikes).shape[1]
    parts = {"action potentials": e.mean_action_potential_atp_per_s,
             "synaptic": e.mean_synaptic_atp_per_s, "resting": e.mean_resting_atp_per_s}
    fig, ax = plt.subplots(figsize=(6, 4))
    values = [float(v) / n for v in parts.values()]
    ax.bar(list(parts), values, color=["tab:orange", "tab:green", "tab:gray"])
    ax.set_ylabel("ATP/s per neuron")
    ax.set_title(f"energy budget: {sum(values):.3g} ATP/s per neuron = "
                 f"{float(e.mean_W_per_neuron) * 1e9:.3g} nW per neuron")
    fig.tight_layout()
    return _save(fig, path)


def plot_all(signals: Signals, folder: str | Path, window_ms: Window = None) -> list[Path]:
    """Every figure the recorded signals allow, as PNG files in `folder`.

    Time series are drawn within `window_ms` (start, stop), all by default;
    the energy budget always covers the whole run.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if signals.spikes is not None:
        out.append(plot_raster(signals, folder / "raster.png", window_ms=window_ms))
    f = signals.field
    if f is not None and f.lfp_proxy is not None and f.csd_proxy is not None:
        out.append(plot_laminar(signals, folder / "laminar_lfp_csd.png", window_ms=window_ms))
    if f is not None and f.eeg is not None and f.meg is not None:
        out.append(plot_eeg_meg(signals, folder / "eeg_meg.png", window_ms=window_ms))
    if f is not None and f.emm is not None:
        out.append(plot_energy(signals, folder / "energy.png"))
    return out


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path
