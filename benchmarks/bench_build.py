"""Drawing connectivity without an N-by-N intermediate: 10^8 synapses.

    .venv/bin/python benchmarks/bench_build.py

`fixed_indegree_edges` for 100,000 targets x 1,000 distinct sources each
(10^8 synapses, no autapses) and `bernoulli_edges` for 100,000 x 100,000
pairs at p = 10^-3 (10^7 synapses), then the event-driven per-source tables
built from the first (`EventConnectivity.from_sparse`). Prints wall times
and the peak RSS.
"""

from __future__ import annotations

import resource
import time

import numpy as np

from jaxfne.synapses import bernoulli_edges, fixed_indegree_edges


def main() -> None:
    rng = np.random.default_rng(0)
    n = 100_000
    t = time.perf_counter()
    idx = fixed_indegree_edges(rng, np.arange(n), np.arange(n), 1000)
    t_fixed = time.perf_counter() - t
    assert idx.shape == (n, 1000)
    sorted_rows = np.sort(idx[:1000], axis=1)
    assert np.all(sorted_rows[:, 1:] != sorted_rows[:, :-1])  # distinct sources
    assert not np.any(idx[:1000] == np.arange(1000)[:, None])  # no autapses
    del idx
    t = time.perf_counter()
    _, mask = bernoulli_edges(rng, np.arange(n), np.arange(n), 1e-3)
    t_bern = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print("| draw | synapses | wall s |")
    print("|---|---|---|")
    print(f"| fixed in-degree 1,000 x 100,000 targets | {n * 1000:.2e} | {t_fixed:.1f} |")
    print(f"| Bernoulli p = 1e-3, 100,000 x 100,000 | {int(mask.sum()):.2e} | {t_bern:.1f} |")
    print(f"\npeak RSS {rss:.1f} GB")


if __name__ == "__main__":
    main()
