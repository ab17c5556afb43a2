"""The thalamic-evoked laminar CSD of the PD14 column, averaged over repeated pulses.

    .venv/bin/python benchmarks/bench_evoked.py --scale 1.0 --pulses 6

Builds `jaxfne.cortical_column(scale, thalamus=True)` with the CSD probe and a
thalamic pulse (902 sources, 120 spikes/s, 10 ms) every `--interval-ms` from
`--start-ms`, simulates, and averages the true CSD over the pulses (baseline:
the 20 ms before each pulse). Prints the spikes per ms of each population
after the onset (compare `peers/pd14_nest.py --thalamus`), the evoked CSD
(uA/mm^3) by layer band and ms from the onset, the same for each current
channel (`FieldSignals.csd_by_channel`), and the wall time and peak RSS.
Ends with a `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import numpy as np

import jaxfne as jtfne
from jaxfne.analysis import LAYER_BANDS_UM, evoked_average, layer_profile
from jaxfne.column import column_from_network
from jaxfne.columns import pd14_network


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--pulses", type=int, default=10)
    ap.add_argument("--interval-ms", type=float, default=150.0)
    ap.add_argument("--start-ms", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--channels", action="store_true", help="also each current channel's part")
    args = ap.parse_args()
    t0 = time.perf_counter()
    net = pd14_network(args.scale, seed=args.seed, thalamus=True)
    model = column_from_network(net, record=("spikes",), field_outputs=("CSD",),
                                thalamus_start_ms=args.start_ms,
                                thalamus_interval_ms=args.interval_ms)
    del net
    duration = args.start_ms + (args.pulses - 1) * args.interval_ms + 40.0
    sim = jtfne.simulation(duration, 0.1, seed=args.seed, record_every=10)
    onsets = args.start_ms + args.interval_ms * np.arange(args.pulses)
    result: dict = dict(scale=args.scale, pulses=args.pulses, n=model.n)
    signals = model.simulate(sim)
    spikes = np.asarray(signals.spikes)  # 1 ms bins
    print("spikes per ms from the onset (0-19 ms), mean over pulses:")
    counts = {p: np.mean([spikes[int(o):int(o) + 20, a:b].sum(axis=1) for o in onsets], axis=0)
              for p, a, b in model.populations}
    for p, c in counts.items():
        print(f"  {p:6s} " + " ".join(f"{x:6.0f}" for x in c))
    result["spikes_per_ms"] = {p: c.tolist() for p, c in counts.items()}
    field = signals.field
    depth = np.asarray(field.geometry.depth_um)
    parts = {"all": np.asarray(field.csd)}
    if args.channels:
        parts |= {c: np.asarray(field.csd_by_channel)[:, k] for k, c in enumerate(field.channels)}
    for name, csd in parts.items():
        bands = layer_profile(evoked_average(csd, onsets, before_ms=20, after_ms=40), depth)
        print(f"evoked CSD ({name}), uA/mm^3; rows: ms from onset; columns: "
              + ", ".join(b[0] for b in LAYER_BANDS_UM))
        for i, row in enumerate(bands[15:], start=-5):
            print(f"{i:4d} " + " ".join(f"{x:8.3f}" for x in row))
        result[name] = bands.tolist()
    result["wall_s"] = time.perf_counter() - t0
    result["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"wall {result['wall_s']:.1f} s, peak RSS {result['peak_rss_gb']:.2f} GB")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
