"""Construct plus first simulate, per size, each in a fresh process.

    .venv/bin/python benchmarks/bench_startup.py --sizes 100 1000 10000

The builder's balanced E/I network (`kind="balanced_ei_population"`, fixed
in-degree 100 above N = 100), recording spikes: the time to `construct` it,
then to run its first `simulate` of `--duration-ms` (tracing, compilation
and the run), and the time of a second `simulate` after a parameter value
changed (the E weight scale), which must not recompile (compilations counted
from JAX's log).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time


def one(n: int, duration_ms: float) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import jaxfne as jtfne

    compiles = []

    class Count(logging.Handler):
        def emit(self, record):
            if "Finished XLA compilation" in record.getMessage():
                compiles.append(1)

    logger = logging.getLogger("jax")
    logger.addHandler(Count(level=logging.DEBUG))
    logger.setLevel(logging.DEBUG)
    jax.config.update("jax_log_compiles", True)
    t0 = time.perf_counter()
    cfg = (jtfne.configuration()
           .network(name="ei", kind="balanced_ei_population", n=n,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .probe(name="p", modes=["spikes"]))
    if n > 100:
        cfg = cfg.synapses(indegree={"E": 75, "I": 25})
    model = jtfne.construct(cfg, seed=0)
    jax.block_until_ready(model)
    t_construct = time.perf_counter() - t0
    sim = jtfne.simulation(duration_ms, 0.1, seed=1)
    t1 = time.perf_counter()
    jax.block_until_ready(model.simulate(sim).spikes)
    t_first = time.perf_counter() - t1
    before = len(compiles)
    scale = model.coupling.projections[0].scale
    other = eqx.tree_at(lambda m: m.coupling.projections[0].scale, model,
                        jnp.asarray(0.9, scale.dtype))
    t2 = time.perf_counter()
    jax.block_until_ready(other.simulate(sim).spikes)
    t_second = time.perf_counter() - t2
    return dict(n=n, construct_s=t_construct, first_simulate_s=t_first,
                total_s=t_construct + t_first, second_simulate_s=t_second,
                recompiled=len(compiles) - before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    ap.add_argument("--duration-ms", type=float, default=100.0)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print("RESULT " + json.dumps(one(args.one, args.duration_ms)))
        return
    print(f"| N | construct s | first simulate ({args.duration_ms:g} ms) s | total s | "
          f"second simulate, new weight s | recompiled |")
    print("|---|---|---|---|---|---|")
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--duration-ms",
                              str(args.duration_ms)], capture_output=True, text=True,
                             check=True).stdout
        r = json.loads(out.split("RESULT ", 1)[1])
        print(f"| {n} | {r['construct_s']:.2f} | {r['first_simulate_s']:.2f} | "
              f"{r['total_s']:.2f} | {r['second_simulate_s']:.3f} | {r['recompiled']} |",
              flush=True)


if __name__ == "__main__":
    main()
