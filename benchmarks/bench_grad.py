"""Gradient benchmark: cost of the rate-objective gradient against the forward run,
and peak memory of a 10,000-step gradient with and without checkpointing.

The objective is the mean population rate of the 100-neuron tutorial network
over 1000 ms (10,000 steps at dt = 0.1 ms), differentiated with respect to
the drive scale and the E and I weight scales through the default surrogate.
Each memory case runs in its own process (peak RSS is per process).

Run: python benchmarks/bench_grad.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def case(checkpoint: bool, repeats: int) -> dict:
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    import jaxfne as jtfne

    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .probe(name="rates", modes=["spikes"]))
    base = jtfne.construct(cfg)
    sim = jtfne.simulation(1000.0, 0.1, seed=0, checkpoint=checkpoint)

    def rate(theta, base):
        m = eqx.tree_at(lambda m: m.drive.bias, base, base.drive.bias * theta[0])
        m = eqx.tree_at(lambda m: (m.coupling.projections[0].scale,
                                   m.coupling.projections[1].scale), m, (theta[1], theta[2]))
        return jnp.mean(m.simulate(sim).spikes) / 1e-4

    theta = jnp.ones(3)
    forward = eqx.filter_jit(rate)
    gradient = eqx.filter_jit(jax.grad(rate))

    def timed(fn):
        jax.block_until_ready(fn(theta, base))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            jax.block_until_ready(fn(theta, base))
            times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2]

    forward_s = timed(forward)
    rss_forward = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    grad_s = timed(gradient)
    rss_grad = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # a fit step does not recompile: a second gradient at new values reuses the program
    compiled_before = gradient._cached._cache_size() if hasattr(gradient, "_cached") else None
    jax.block_until_ready(gradient(theta * 1.05, base))
    compiled_after = gradient._cached._cache_size() if hasattr(gradient, "_cached") else None
    return dict(checkpoint=checkpoint, forward_s=forward_s, grad_s=grad_s,
                ratio=grad_s / forward_s, rss_forward_mb=rss_forward, rss_grad_mb=rss_grad,
                recompiled=None if compiled_before is None else compiled_after != compiled_before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", type=str, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        print("RESULT " + json.dumps(case(args.case == "1", args.repeats)))
        return
    rows = []
    for checkpoint in (True, False):
        proc = subprocess.run([sys.executable, __file__, "--case", str(int(checkpoint)),
                               "--repeats", str(args.repeats)], capture_output=True, text=True)
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if proc.returncode or not line:
            print(proc.stderr[-3000:])
            raise SystemExit("case failed")
        rows.append(json.loads(line[0][7:]))
    print("| checkpointed scan | forward s | gradient s | gradient / forward | "
          "peak RSS after forward MB | peak RSS after gradient MB | recompiled at new values |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['checkpoint']} | {r['forward_s']:.3f} | {r['grad_s']:.3f} | "
              f"{r['ratio']:.2f} | {r['rss_forward_mb']:.0f} | {r['rss_grad_mb']:.0f} | "
              f"{r['recompiled']} |")


if __name__ == "__main__":
    main()
