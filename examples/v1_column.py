"""The V1 six-layer column: the Potjans & Diesmann (2014) microcircuit with its fields.

    .venv/bin/python examples/v1_column.py --scale 0.1 --out out/v1_column

Builds the column through the fluent configuration (`kind="cortical_column"`),
simulates it with a thalamic pulse, and writes:

- `raster.png`: spikes by layer (a sample of each population);
- `rates.json` and the printed table: per-population rates in a 1 s window
  before the pulse, against the published full-scale rates and NEST 3.10 at
  scale 0.1 (PD14.md section 3.2);
- `laminar.png`: the laminar LFP and the CSD (delta-iCSD of the LFP) over time;
- `evoked_csd.png`: the CSD around the thalamic volley (baseline removed);
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
from jaxfne.columns import pd14

WINDOW_MS = (300.0, 1300.0)  # rates: 1 s after a 300 ms warm-up, before the pulse
PULSE_MS = 1300.0
DURATION_MS = 1400.0


def configuration(scale: float, pulse_ms: float) -> jtfne.Configuration:
    return (jtfne.configuration()
            .network(name="v1_column", kind="cortical_column", scale=scale, thalamus=True,
                     thalamus_start_ms=pulse_ms)
            .emitter(family="lif", preset="potjans_diesmann")
            .field(domain="laminar_column", conductivity="homogeneous", boundary="infinite",
                   gauge="mean_zero")
            .probe(name="column", modes=["spikes", "LFP", "CSD", "EEG", "MEG"]))


def main(scale: float = 0.1, out: str | None = "out/v1_column", *, seed: int = 1,
         window_ms: tuple[float, float] = WINDOW_MS, pulse_ms: float = PULSE_MS,
         duration_ms: float = DURATION_MS, figures: bool = True) -> dict:
    model = jtfne.construct(configuration(scale, pulse_ms), seed=seed)
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
    onset = int(pulse_ms)
    evoked = csd[onset - 5: onset + 40] - csd[onset - 100: onset].mean(axis=0)
    result = dict(scale=scale, n=model.n, rates=rates, evoked_csd=evoked, depth_um=depth)
    if out is not None:
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rates.json").write_text(json.dumps(
            dict(scale=scale, n=model.n, window_ms=[a, b], rates=rates,
                 published_full_scale=published, nest_scale_0p1=nest), indent=2))
        if figures:
            _figures(folder, model, signals, spikes, evoked, depth, onset)
    return result


def _figures(folder: Path, model, signals, spikes, evoked, depth, onset) -> None:
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

    fig, ax = plt.subplots(figsize=(6, 4))
    lim = np.abs(evoked).max()
    im = ax.imshow(evoked.T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=(-5, 40, depth[-1], depth[0]))
    fig.colorbar(im, ax=ax, label="CSD - baseline (uA/mm^3; sinks blue)")
    for _, _top, bottom in pd14.LAYERS_UM:
        ax.axhline(bottom, color="0.5", lw=0.5)
    ax.set(xlabel=f"time from thalamic pulse at {onset} ms (ms)", ylabel="depth (um)")
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
    ap.add_argument("--no-figures", action="store_true")
    args = ap.parse_args()
    main(args.scale, args.out, seed=args.seed, figures=not args.no_figures)
