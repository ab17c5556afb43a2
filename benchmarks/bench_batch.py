"""A batch of 64 trials (vmap) against 64 single runs, N = 100, 1000 ms.

Run: python benchmarks/bench_batch.py
"""

from __future__ import annotations

import time

import jax

import jaxfne as jtfne


def main() -> None:
    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .probe(name="spikes", modes=["spikes"]))
    model = jtfne.construct(cfg)
    sim = jtfne.simulation(1000.0, 0.1, seed=0)
    keys = jax.random.split(jax.random.key(0), 64)
    batch = lambda: jax.block_until_ready(jtfne.simulate_batch(model, sim, keys).spikes)
    single = lambda: [jax.block_until_ready(model.simulate(sim, key=k).spikes) for k in keys]
    batch(), single()
    rows = []
    for name, fn in (("64 single runs", single), ("one batch of 64 (vmap)", batch)):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        rows.append((name, sorted(times)[1]))
    print("| N = 100, 1000 ms, 64 trials | s | per trial s |")
    print("|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.3f} | {t / 64:.4f} |")
    print(f"\nbatch / singles = {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
