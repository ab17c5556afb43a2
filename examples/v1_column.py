"""The V1 six-layer column: the Potjans & Diesmann (2014) microcircuit with its fields.

    .venv/bin/python examples/v1_column.py --scale 0.1 --out out/v1_column

Builds the column through the fluent configuration (`kind="cortical_column"`),
simulates 1.3 s of spontaneous activity followed by 20 thalamic pulses (PD14's
902 sources at 120 spikes/s for 10 ms) 100 ms apart, and writes:

- `raster.png`: spikes by layer (a sample of each population);
- `rates.json` and the printed table: per-population rates in a 1 s window
  before the pulse, against the published full-scale rates and NEST 3.10 at
  scale 0.1 (PD14.md section 3.2);
- `laminar.png`: the laminar LFP and the CSD (delta-iCSD of the LFP) over time;
- `evoked_csd.png`: the true CSD around the thalamic volleys, averaged over the
  pulses (baseline: the 20 ms before each), and its time course by layer;
- `eeg_meg.png`: the column's EEG at C3 and the largest MEG sensor.

The defaults run in about a minute at scale 0.1 on two cores; `--scale 1.0`
is the full model (about 10 GB of memory; see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import jaxfne as jtfne
from jaxfne.analysis import LAYER_BANDS_UM, evoked_average, layer_profile
from jaxfne.columns import pd14

WINDOW_MS = (300.0, 1300.0)  # rates: 1 s after a 300 ms warm-up, before the pulses
PULSE_MS = 1300.0  # the first pulse
PULSES = 20
INTERVAL_MS = 100.0
BEFORE_MS, AFTER_MS = 20, 40  # the evoked window around each pulse


def configuration(scale: float, pulse_ms: float, interval_ms: float) -> jtfne.Configuration:
    return (jtfne.configuration()
            .network(name="v1_column", kind="cortical_column", scale=scale, thalamus=True,
                     thalamus_start_ms=pulse_ms, thalamus_interval_ms=interval_ms)
            .emitter(family="lif", preset="potjans_diesmann")
            .field(domain="laminar_column", conductivity="homogeneous", boundary="infinite",
                   gauge="mean_zero")
            .probe(name="column", modes=["spikes", "LFP", "CSD", "EEG", "MEG"]))


def main(scale: float = 0.1, out: str | None = "out/v1_column", *, seed: int = 1,
         window_ms: tuple[float, float] = WINDOW_MS, pulse_ms: float = PULSE_MS,
         pulses: int = PULSES, interval_ms: float = INTERVAL_MS, figures: bool = True) -> dict:
    model = jtfne.construct(configuration(scale, pulse_ms, interval_ms), seed=seed)
    duration_ms = pulse_ms + pulses * interval_ms
    signals = model.simulate(jtfne.simulation(duration_ms, 0.1, seed=seed, record_every=10))
    spikes = np.asarray(signals.spikes)  # 1 ms bins
    a, b = (int(t) for t in window_ms)
    rates = {name: float(spikes[a:b, lo:hi].sum() / ((hi - lo) * (b - a) * 1e-3))
             for name, lo, hi in model.populations}
    published = dict(zip(pd14.POPULATIONS, pd14.RATES_FULL_A))
    nest = dict(zip(pd14.POPULATIONS, pd14.NEST_RATES_SCALE_0P1["t2"]))
    print(f"PD14 column, scale {scale} ({model.n} neurons), rates {a}-{b} ms (spikes/s):")
    print(f"{'population':>10} {'jaxfne':>8} {'published':>10} {'NEST 0.1':>9}")
    for p in pd14.POPULATIONS:
        print(f"{p:>10} {rates[p]:8.3f} {published[p]:10.3f} {nest[p]:9.3f}")
    field = signals.field
    depth = np.asarray(field.geometry.depth_um)
    csd = np.asarray(field.csd)
    onsets = pulse_ms + interval_ms * np.arange(pulses)
    evoked = evoked_average(csd, onsets, before_ms=BEFORE_MS, after_ms=AFTER_MS)
    bands = layer_profile(evoked, depth)
    print(f"Evoked CSD (uA/mm^3), mean over {pulses} pulses, by layer; rows: ms from onset")
    print("  ms " + " ".join(f"{b[0]:>10}" for b in LAYER_BANDS_UM))
    for i in range(BEFORE_MS - 2, BEFORE_MS + 16):
        print(f"{i - BEFORE_MS:4d} " + " ".join(f"{x:10.3f}" for x in bands[i]))
    # The same for each input's own sinks and sources (they add up to the whole).
    by_channel = evoked_average(np.asarray(field.csd_by_channel), onsets,
                                before_ms=BEFORE_MS, after_ms=AFTER_MS)
    result = dict(scale=scale, n=model.n, rates=rates, evoked_csd=evoked, evoked_layers=bands,
                  evoked_csd_by_channel=by_channel, channels=field.channels,
                  depth_um=depth, before_ms=BEFORE_MS)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rates.json").write_text(json.dumps(
            dict(scale=scale, n=model.n, window_ms=[a, b], rates=rates,
                 published_full_scale=published, nest_scale_0p1=nest), indent=2))
        if figures:
            _figures(folder, model, signals, spikes, evoked, bands, depth, pulses)
    return result


def _figures(folder: Path, model, signals, spikes, evoked, bands, depth, pulses) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    soma = np.asarray(model.geometry.soma_depth_um)
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, lo, hi in model.populations:
        pick = rng.choice(np.arange(lo, hi), size=min(150, hi - lo), replace=False)
        t, i = np.nonzero(spikes[:, pick])
        ax.scatter(t, soma[pick][i], s=0.5, c="tab:red" if name.endswith("e") else "tab:blue")
    for _, _top, bottom in pd14.LAYERS_UM:
        ax.axhline(bottom, color="0.7", lw=0.5)
    ax.set(xlabel="time (ms)", ylabel="soma depth (um)", title="Spikes by layer (E red, I blue)")
    ax.invert_yaxis()
    fig.savefig(folder / "raster.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    field = signals.field
    lfp = np.asarray(field.lfp_proxy)
    contacts = np.asarray(field.geometry.contact_depths_um)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    t = np.asarray(signals.time_ms)
    for ax, data, y, label in ((axes[0], lfp * 1e3, contacts, "LFP (uV)"),
                               (axes[1], np.asarray(field.csd_proxy), contacts,
                                "CSD estimate (uA/mm^3)")):
        lim = np.percentile(np.abs(data), 99)
        im = ax.imshow(data.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                       extent=(t[0], t[-1], y[-1], y[0]))
        fig.colorbar(im, ax=ax, label=label)
        ax.set(xlabel="time (ms)", ylabel="depth (um)")
    fig.savefig(folder / "laminar.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
    ax = axes[0]
    shown = evoked[BEFORE_MS - 5: BEFORE_MS + 30]
    lim = np.percentile(np.abs(shown[:, depth > 100.0]), 99)  # L1 is clipped
    im = ax.imshow(shown.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=(-5, 30, depth[-1], depth[0]))
    fig.colorbar(im, ax=ax, label="CSD - baseline (uA/mm^3; sinks blue; L1 clipped)")
    for _, _top, bottom in pd14.LAYERS_UM:
        ax.axhline(bottom, color="0.5", lw=0.5)
    ax.set(xlabel=f"time from thalamic pulse (ms), mean of {pulses}", ylabel="depth (um)")
    ax = axes[1]
    lag = np.arange(-5, 30)
    for k, (name, _, _) in enumerate(LAYER_BANDS_UM[1:], start=1):
        ax.plot(lag, bands[BEFORE_MS - 5: BEFORE_MS + 30, k], label=name)
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set(xlabel="time from thalamic pulse (ms)", ylabel="CSD by layer (uA/mm^3)",
           title="sinks negative (L1 left out: its scale is larger)")
    ax.legend(fontsize=8, ncol=2)
    fig.savefig(folder / "evoked_csd.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    eeg, meg = np.asarray(field.eeg), np.asarray(field.meg)
    fig, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
    axes[0].plot(t, eeg[:, np.argmax(np.abs(eeg).std(axis=0))] * 1e3)
    axes[0].set(ylabel="EEG (uV)")
    axes[1].plot(t, meg[:, np.argmax(np.abs(meg).std(axis=0))])
    axes[1].set(ylabel="MEG (fT)", xlabel="time (ms)")
    fig.savefig(folder / "eeg_meg.png", dpi=120, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="out/v1_column")
    ap.add_argument("--pulses", type=int, default=PULSES)
    ap.add_argument("--no-figures", action="store_true")
    args = ap.parse_args()
    main(args.scale, args.out, seed=args.seed, pulses=args.pulses,
         figures=not args.no_figures)
