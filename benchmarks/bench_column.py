"""Cost of the PD14 column (V1, `jaxfne.cortical_column`): build plus model time.

    .venv/bin/python benchmarks/bench_column.py --scale 1.0 --sim-ms 1100

Builds the network (NumPy draw of the edge list, then the JAX model), then
simulates `--sim-ms` of model time recording spike counts per 1 ms bin
(at most one spike per bin: the refractory period is 2 ms), and prints build
and simulate wall times, the peak RSS and, after the first `--warmup-ms`,
per-population rates, the median ISI CV over neurons with at least 3 spikes
(ISIs at 1 ms resolution) and the synchrony index c = (FF - 1)/(N - 1) of the
population count in 3 ms bins, as in PD14.md section 3.3. The same quantities for
NEST come from `benchmarks/peers/pd14_nest.py` (its build is `Create` +
`Connect`, its simulate `nest.Simulate`). The issue's NEST anchor on this
machine: 101 s build + 125 s simulate (2 threads, full scale), 14.5 GB peak.
Ends with a `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import jax
import numpy as np

import jaxfne as jtfne
from jaxfne.column import column_from_network
from jaxfne.columns import pd14, pd14_network


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--sim-ms", type=float, default=1100.0)
    ap.add_argument("--warmup-ms", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    net = pd14_network(args.scale, seed=args.seed)
    t_draw = time.perf_counter() - t0
    model = column_from_network(net)
    jax.block_until_ready(model)
    t_build = time.perf_counter() - t0
    del net
    sim = jtfne.simulation(args.sim_ms, 0.1, seed=args.seed, record_every=10)
    t1 = time.perf_counter()
    signals = model.simulate(sim)
    spikes = np.asarray(jax.block_until_ready(signals.spikes))
    t_sim = time.perf_counter() - t1
    window = spikes[int(round(args.warmup_ms)):]  # 1 ms bins
    window_s = window.shape[0] * 1e-3
    rates, cvs, sync = {}, {}, {}
    for name, a, b in model.populations:
        pop = window[:, a:b]
        rates[name] = float(pop.sum() / ((b - a) * window_s))
        cvs[name] = _median_isi_cv(pop)
        counts = pop.sum(axis=1)[: pop.shape[0] // 3 * 3].reshape(-1, 3).sum(axis=1)
        ff = counts.var() / max(counts.mean(), 1e-12)
        sync[name] = float((ff - 1) / (b - a - 1))
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"scale {args.scale}: {model.n} neurons; draw {t_draw:.1f} s, build {t_build:.1f} s, "
          f"simulate {args.sim_ms:g} ms in {t_sim:.1f} s (incl. compilation), total "
          f"{t_build + t_sim:.1f} s, peak RSS {rss_gb:.2f} GB")
    published = dict(zip(pd14.POPULATIONS, pd14.RATES_FULL_A))
    print("| population | rate spikes/s | published (full scale) | median ISI CV | c (3 ms) |")
    print("|---|---|---|---|---|")
    for p in pd14.POPULATIONS:
        diff = 100 * (rates[p] / published[p] - 1)
        print(f"| {p} | {rates[p]:.3f} | {published[p]:.3f} ({diff:+.1f} %) | {cvs[p]:.2f} "
              f"| {sync[p]:.4f} |")
    print("RESULT " + json.dumps(dict(
        sim="jaxfne", model="pd14", scale=args.scale, n=model.n, draw_s=t_draw,
        build_s=t_build, sim_s=t_sim, total_s=t_build + t_sim, sim_ms=args.sim_ms,
        warmup_ms=args.warmup_ms, rss_gb=rss_gb, rates=rates, isi_cv=cvs, synchrony=sync)))


def _median_isi_cv(spikes: np.ndarray) -> float:
    """Median over neurons with >= 3 spikes of the CV of their ISIs (1 ms bins)."""
    t, i = np.nonzero(spikes)
    order = np.lexsort((t, i))
    t, i = t[order].astype(float), i[order]
    cvs = []
    bounds = np.flatnonzero(np.diff(i)) + 1
    for times in np.split(t, bounds):
        if times.size >= 3:
            isi = np.diff(times)
            cvs.append(isi.std() / isi.mean())
    return float(np.median(cvs)) if cvs else float("nan")


if __name__ == "__main__":
    main()
