"""Cost of the PD14 column (V1, `jaxfne.cortical_column`): build plus model time.

    .venv/bin/python benchmarks/bench_column.py --scale 1.0 --sim-ms 1100

Builds the network (NumPy draw of the edge list, then the JAX model), then
simulates `--sim-ms` of model time recording only spike counts per 100 ms
bin, and prints build and simulate wall times, the peak RSS and the
per-population rates after the first `--warmup-ms`. The same quantities for
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
    steps = int(round(args.sim_ms / 0.1))
    sim = jtfne.simulation(args.sim_ms, 0.1, seed=args.seed, record_every=1000)
    assert steps % 1000 == 0
    t1 = time.perf_counter()
    signals = model.simulate(sim)
    spikes = np.asarray(jax.block_until_ready(signals.spikes))
    t_sim = time.perf_counter() - t1
    skip = int(round(args.warmup_ms / 100.0))
    window_s = (steps // 1000 - skip) * 0.1
    rates = {name: float(spikes[skip:, a:b].sum() / ((b - a) * window_s))
             for name, a, b in model.populations}
    rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(f"scale {args.scale}: {model.n} neurons; draw {t_draw:.1f} s, build {t_build:.1f} s, "
          f"simulate {args.sim_ms:g} ms in {t_sim:.1f} s (incl. compilation), total "
          f"{t_build + t_sim:.1f} s, peak RSS {rss_gb:.2f} GB")
    for p in pd14.POPULATIONS:
        print(f"  {p:6s} {rates[p]:.3f} spikes/s")
    print("RESULT " + json.dumps(dict(
        sim="jaxfne", model="pd14", scale=args.scale, n=model.n, draw_s=t_draw,
        build_s=t_build, sim_s=t_sim, total_s=t_build + t_sim, sim_ms=args.sim_ms,
        rss_gb=rss_gb, rates=rates)))


if __name__ == "__main__":
    main()
