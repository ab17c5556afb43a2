"""Core speed benchmark: construct, first and warm simulate, peak memory.

For N = 100, 1,000 and 10,000 neurons (fixed in-degree 20 at N = 100, the
tutorial network; 100 for the larger two, weights scaled by 20/100 to keep
the mean input), 1000 ms at dt = 0.1 ms. Each case runs in its own process
so that its peak RSS is its own. In the same process as each jaxfne case,
a plain hand-written `lax.scan` of the same network (benchmarks/handwritten.py)
is timed, in two forms: recording the full spike raster like jaxfne does
(`hand (raster)`) and only counting spikes (`hand (counts)`).

A second table times the N = 100 network with and without every field probe
(phi_e, J_e, CSD, LFP, EEG, MEG, EMM).

Run: python benchmarks/bench_core.py [--sizes 100 1000 10000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELD_MODES = ["phi_e", "J_e", "CSD", "LFP", "EEG", "MEG", "EMM"]


def _timeit(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def case(n: int, repeats: int, fields: bool) -> dict:
    """One benchmark case (run inside a fresh process)."""
    import jax

    sys.path.insert(0, str(HERE))
    from handwritten import make_run, params_from_model

    import jaxfne as jtfne

    t0 = time.perf_counter()
    cfg = (jtfne.configuration()
           .network(name=f"ei_{n}", kind="balanced_ei_population", n=n,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig"))
    if n > 100:
        scale = 20 / 100
        cfg = cfg.synapses(indegree={"E": 75, "I": 25}, weights={
            k: v * scale for k, v in dict(cfg.resolved().synapse_spec.weights).items()})
    network_cfg = cfg
    modes = ["spikes"] + (FIELD_MODES if fields else [])
    if fields:
        cfg = cfg.field(domain="laminar_column")
    cfg = cfg.probe(name="bench", modes=modes)
    model = jtfne.construct(cfg)
    jax.block_until_ready(jax.tree.leaves(model))
    construct_s = time.perf_counter() - t0

    sim = jtfne.simulation(duration_ms=1000.0, dt_ms=0.1, seed=1)
    run = lambda: jax.block_until_ready(jax.tree.leaves(model.simulate(sim)))
    if fields:
        # Same process, interleaved repeats: the model without field probes.
        plain = jtfne.construct(network_cfg.probe(name="bench", modes=["spikes"]))
        run_plain = lambda: jax.block_until_ready(jax.tree.leaves(plain.simulate(sim)))
        run(), run_plain()
        with_f, without = [], []
        for _ in range(repeats):
            with_f.append(_timeit(run, 1))
            without.append(_timeit(run_plain, 1))
        return dict(n=n, fields=True, warm_s=sorted(with_f)[repeats // 2],
                    plain_s=sorted(without)[repeats // 2])
    t0 = time.perf_counter()
    signals = model.simulate(sim)
    jax.block_until_ready(jax.tree.leaves(signals))
    first_s = time.perf_counter() - t0
    warm_s = _timeit(run, repeats)
    spikes = signals.spikes
    rate_e = float(spikes[:, : int(0.75 * n)].mean() / 1e-4)
    dense = isinstance(model.coupling.projections[0].connectivity, jtfne.DenseConnectivity)
    out = dict(n=n, fields=fields, construct_s=construct_s, first_s=first_s, warm_s=warm_s,
               rate_e_hz=rate_e, dense=dense)
    if not fields:
        sparse = n > 2000
        params = params_from_model(model, sparse=sparse)
        for record, label in ((True, "hand_raster_s"), (False, "hand_counts_s")):
            hand = make_run(10000, sparse=sparse, record=record)
            fn = lambda hand=hand: jax.block_until_ready(hand(params, jax.random.key(0)))
            fn()
            out[label] = _timeit(fn, repeats)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", type=str, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=HERE / "results_core.json")
    args = parser.parse_args()
    if args.case:
        n, fields = args.case.split(":")
        print("RESULT " + json.dumps(case(int(n), args.repeats, fields == "1")))
        return
    results = []
    cases = [(n, False) for n in args.sizes] + [(100, True)]
    for n, fields in cases:
        proc = subprocess.run([sys.executable, __file__, "--case", f"{n}:{int(fields)}",
                               "--repeats", str(args.repeats)], capture_output=True, text=True)
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if proc.returncode or not line:
            print(proc.stderr[-3000:])
            raise SystemExit(f"case N={n} fields={fields} failed")
        results.append(json.loads(line[0][7:]))
    print(f"machine: {platform.processor() or platform.machine()}, python "
          f"{platform.python_version()}")
    print("| N | path | construct s | first simulate s | warm s (1000 ms) | hand (raster) s | "
          "jaxfne / hand (raster) | hand (counts) s | jaxfne / hand (counts) | peak RSS MB | "
          "E rate Hz |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if r["fields"]:
            continue
        print(f"| {r['n']} | {'dense' if r['dense'] else 'sparse'} | {r['construct_s']:.2f} | "
              f"{r['first_s']:.2f} | {r['warm_s']:.4f} | {r['hand_raster_s']:.4f} | "
              f"{r['warm_s'] / r['hand_raster_s']:.2f} | {r['hand_counts_s']:.4f} | "
              f"{r['warm_s'] / r['hand_counts_s']:.2f} | {r['peak_rss_mb']:.0f} | "
              f"{r['rate_e_hz']:.1f} |")
    full = next(r for r in results if r["fields"])
    print()
    print("| N = 100, 1000 ms, same process, interleaved | warm s | overhead |")
    print("|---|---|---|")
    print(f"| spikes only | {full['plain_s']:.4f} | |")
    print(f"| spikes + all field probes | {full['warm_s']:.4f} | "
          f"{100 * (full['warm_s'] / full['plain_s'] - 1):+.0f} % |")
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
