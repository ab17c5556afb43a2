"""The "ei" reference network, generated once with NumPy and shared by every simulator.

NumPy only (it is imported in every peer's virtual environment, none of which
need have jax). ``make_network`` builds the arrays; ``load`` caches them in
``benchmarks/peers/.cache/`` so that NEST, Brian2, brainstate and jaxfne all
read the very same edge list, weights and initial state.

Model (identical in every simulator):

* N Izhikevich neurons; the first ``n_exc = round(0.75 N)`` are excitatory
  (a=0.02, b=0.2, c=-65, d=8), the rest inhibitory (a=0.1, b=0.2, c=-65, d=2).
* Forward Euler at dt = 0.1 ms, both derivatives from the old (v, u)::

      v' = v + (dt * ((((0.04 * v * v + 5 * v) + 140) - u) + I) + s)
      u' = u + (dt * a) * (b * v - u)

  (this is NEST's ``izhikevich`` update with ``consistent_integration``; the
  brackets give its floating-point evaluation order), then if ``v' >= 30``:
  spike, ``v' = c``, ``u' += d``.
* Delta synapses: a spike of neuron i in step k adds ``weight`` to ``s`` of
  its targets, which enters v in step k+1 (after the Euler increment, before
  the threshold test; NEST ``izhikevich`` with delay = dt).
* Bernoulli connectivity with p = min(0.2, 100 / (N - 1)), no autapses;
  J_E = +2 mV, J_I = -8 mV at mean in-degree 19.8, scaled by
  19.8 / (p (N - 1)) at other sizes.
* External current ``I_k = bias + noise_std * xi_k`` with xi_k iid standard
  normal per neuron and step (bias -4, noise_std 40); deterministic check:
  bias 10, no noise, 100 ms.

Run ``python network.py N`` to time the generation of one network.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

DT_MS = 0.1
DURATION_MS = 1000.0
CHECK_DURATION_MS = 100.0
J_E = 2.0
J_I = -8.0
REF_INDEGREE = 19.8
P_MAX = 0.2
TARGET_INDEGREE = 100.0
BIAS = -4.0
NOISE_STD = 40.0
CHECK_BIAS = 10.0
V_TH = 30.0

CACHE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache")

# bump when the generator changes, so that stale caches are not reused
FORMAT_VERSION = 1


def connection_probability(n: int) -> float:
    return min(P_MAX, TARGET_INDEGREE / (n - 1))


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    # np.unique is slow on 1e7 int64 keys in recent NumPy; sort + mask is ~10x faster
    x = np.sort(x, kind="stable")               # timsort: cheap on the already sorted prefix
    if x.size:
        keep = np.empty(x.size, dtype=bool)
        keep[0] = True
        np.not_equal(x[1:], x[:-1], out=keep[1:])
        x = x[keep]
    return x


def _sample_edges(n: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bernoulli(p) edges i -> j, i != j, sorted by (pre, post).

    Equivalent to an independent coin per ordered pair: each source draws its
    out-degree from Binomial(n - 1, p) and then a uniform subset of that many
    distinct targets among the n - 1 others. The subset is drawn by repeated
    sampling with replacement and discarding duplicates (uniform by symmetry);
    memory is O(edges), never O(n^2).
    """
    deg = rng.binomial(n - 1, p, size=n).astype(np.int64)
    n64 = np.int64(n)
    keys = np.empty(0, dtype=np.int64)          # sorted unique pre * n + post
    missing = deg.copy()
    while True:
        total = int(missing.sum())
        if total == 0:
            break
        pre = np.repeat(np.arange(n, dtype=np.int64), missing)
        post = rng.integers(0, n - 1, size=total, dtype=np.int64)
        post += post >= pre                      # skip the diagonal (no autapses)
        keys = _sorted_unique(np.concatenate([keys, pre * n64 + post]))
        have = np.bincount(keys // n64, minlength=n)
        missing = deg - have
    pre = keys // n64
    post = keys - pre * n64
    return pre, post


def make_network(n: int, *, seed: int = 0, deterministic: bool = False) -> dict:
    """Generate the "ei" network of ``n`` neurons (see the module docstring)."""
    n = int(n)
    if n < 2:
        raise ValueError("n must be at least 2")
    ss = np.random.SeedSequence([int(seed), n])
    rng_conn, rng_init = (np.random.default_rng(s) for s in ss.spawn(2))

    n_exc = int(round(0.75 * n))
    exc = np.arange(n) < n_exc
    a = np.where(exc, 0.02, 0.1)
    b = np.full(n, 0.2)
    c = np.full(n, -65.0)
    d = np.where(exc, 8.0, 2.0)

    v0 = rng_init.uniform(-70.0, -60.0, size=n)
    u0 = b * v0

    p = connection_probability(n)
    scale = REF_INDEGREE / (p * (n - 1))
    pre, post = _sample_edges(n, p, rng_conn)
    weight = np.where(pre < n_exc, J_E * scale, J_I * scale)

    return {
        "n": n,
        "n_exc": n_exc,
        "dt_ms": DT_MS,
        "duration_ms": CHECK_DURATION_MS if deterministic else DURATION_MS,
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "v0": v0,
        "u0": u0,
        "v_th": V_TH,
        "pre": pre,
        "post": post,
        "weight": weight,
        "bias": CHECK_BIAS if deterministic else BIAS,
        "noise_std": 0.0 if deterministic else NOISE_STD,
        "p": p,
        "weight_scale": scale,
        "seed": int(seed),
        "deterministic": bool(deterministic),
    }


_SCALARS_INT = ("n", "n_exc", "seed")
_SCALARS_FLOAT = ("dt_ms", "duration_ms", "v_th", "bias", "noise_std", "p", "weight_scale")


def cache_path(n: int, seed: int = 0, deterministic: bool = False) -> str:
    tag = "check" if deterministic else "run"
    return os.path.join(CACHE_DIR, f"ei_v{FORMAT_VERSION}_n{int(n)}_s{int(seed)}_{tag}.npz")


def load(n: int, seed: int = 0, deterministic: bool = False) -> dict:
    """Return ``make_network(n, ...)``, cached as an npz under ``.cache/``."""
    path = cache_path(n, seed, deterministic)
    if os.path.exists(path):
        with np.load(path) as f:
            net = {k: f[k] for k in f.files}
        for k in _SCALARS_INT:
            net[k] = int(net[k])
        for k in _SCALARS_FLOAT:
            net[k] = float(net[k])
        net["deterministic"] = bool(net["deterministic"])
        return net
    net = make_network(n, seed=seed, deterministic=deterministic)
    os.makedirs(CACHE_DIR, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp.npz"
    np.savez(tmp, **net)
    os.replace(tmp, path)                        # atomic: concurrent loaders never see half a file
    return net


def steps(net: dict) -> int:
    return int(round(net["duration_ms"] / net["dt_ms"]))


def rates(net: dict, spikes_e: int, spikes_i: int,
          duration_ms: float | None = None) -> tuple[float, float]:
    """Mean excitatory / inhibitory rates in Hz."""
    t_s = (net["duration_ms"] if duration_ms is None else duration_ms) / 1000.0
    n, n_exc = net["n"], net["n_exc"]
    re = spikes_e / (n_exc * t_s) if n_exc else 0.0
    ri = spikes_i / ((n - n_exc) * t_s) if n > n_exc else 0.0
    return float(re), float(ri)


if __name__ == "__main__":
    sizes = [int(x) for x in sys.argv[1:]] or [100, 1000, 10000, 100000]
    for n in sizes:
        t0 = time.perf_counter()
        net = make_network(n)
        dt = time.perf_counter() - t0
        m = net["pre"].size
        print(f"N={n}: {m} edges (mean in-degree {m / n:.2f}, p={net['p']:.5f}, "
              f"J_E={net['weight'][net['pre'] < net['n_exc']][:1]}) built in {dt:.2f} s")
