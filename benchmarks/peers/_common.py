"""Shared helpers of the peer benchmark scripts (stdlib + NumPy only)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

# One thread everywhere: set before any simulator (or jax / numba) is imported.
SINGLE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def single_thread_env() -> None:
    for k, v in SINGLE_THREAD_ENV.items():
        os.environ.setdefault(k, v)


def parse_args(sim: str, modes: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=f"'ei' reference network in {sim}")
    p.add_argument("n", type=int, help="number of neurons")
    p.add_argument("--mode", choices=modes, default=modes[0])
    p.add_argument("--check", action="store_true",
                   help="deterministic run: no noise, bias 10, 100 ms")
    p.add_argument("--repeats", type=int, default=3, help="warm repeats (median reported)")
    p.add_argument("--seed", type=int, default=0, help="network seed (noise seed is derived)")
    return p


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0      # kB on Linux


def cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


class Timer:
    """Wall and CPU time (this process plus waited-for children) of a block."""

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.c0 = cpu_s() + cpu_s(resource.RUSAGE_CHILDREN)
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.cpu = cpu_s() + cpu_s(resource.RUSAGE_CHILDREN) - self.c0
        return False


def median(xs):
    return float(statistics.median(xs)) if xs else None


def emit(result: dict) -> None:
    result.setdefault("python", platform.python_version())
    print("RESULT " + json.dumps(result), flush=True)


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)
