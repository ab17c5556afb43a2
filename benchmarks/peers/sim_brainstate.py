"""The "ei" reference network in brainstate (BrainPy's successor), dense or event-driven.

    .envs/brainstate/bin/python sim_brainstate.py N [--mode dense|event]
        [--dtype float32|float64] [--check] [--repeats R] [--seed S]

* State: ``brainstate.ShortTermState`` for v, u, the pending synaptic input
  s and the per-neuron spike count; one step, in NEST's floating-point
  order::

      vn = v + (h*(((((0.04*v)*v + 5*v) + 140) - u) + noise) + bias) + s)
      un = u + (h*a)*(b*v - u)
      spike = vn >= 30;  v = where(spike, c, vn);  u = where(spike, un + d, un)
      s = spike @ W       (enters v in the next step: delay = dt)

  ``noise = 40 * brainstate.random.randn(N)`` (omitted with --check).
* dense: W is an N x N ``jax.Array`` and ``s = spike.astype(dtype) @ W``.
  event: W is a ``brainevent.CSR`` built from the shared edge list (rows =
  presynaptic) and ``s = brainevent.BinaryArray(spike) @ W``, brainevent's
  event-driven kernel that only reads the rows of neurons that spiked
  (its CPU kernels are numba ones).
* The whole run is one ``brainstate.transform.jit`` function around
  ``brainstate.transform.for_loop`` over the steps; the weights (the dense
  matrix, or the CSR's data array) and the neuron parameters are passed in
  as arguments, not closed over (closed-over arrays become compile-time
  constants). The CSR's structure (indices, indptr) and the kernel's task
  workspace cannot be arguments: brainevent keeps them as static pytree
  metadata (only ``data`` is a leaf), the workspace is sized from the
  concrete indptr, and brainstate's jit fails on a CSR argument; so the
  jitted function closes over the prepared CSR and swaps in the argument
  with ``csr.with_data(w)``, as brainevent intends.
* Timing: build_s = moving the arrays to JAX and building W; first_s = the
  first call (tracing + XLA compilation + run; in event mode also one eager
  product that prepares brainevent's workspace and compiles its numba
  kernel); warm_s = median of further
  calls after v, u, s, counts are set back to the initial state (the noise
  generator state runs on), each ended with ``block_until_ready``.
* float32 by default (brainstate's default precision, and jaxfne's);
  ``--dtype float64`` (``jax_enable_x64``) computes in double like NEST and
  Brian2. The deterministic check gives the same spike count in both.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Timer, emit, log, median, parse_args, peak_rss_mb, single_thread_env  # noqa: E402

single_thread_env()

import network  # noqa: E402
import numpy as np  # noqa: E402

DENSE_MAX_N = 20000


def main() -> None:
    p = parse_args("brainstate", ["dense", "event"])
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = p.parse_args()
    if args.mode == "dense" and args.n > DENSE_MAX_N:
        sys.exit(f"dense mode needs an N x N matrix: refusing N={args.n} > {DENSE_MAX_N}")
    net = network.load(args.n, seed=args.seed, deterministic=args.check)

    import jax

    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    import brainevent
    import brainstate
    import jax.numpy as jnp

    brainstate.environ.set(precision=64 if args.dtype == "float64" else 32)
    dtype = jnp.float64 if args.dtype == "float64" else jnp.float32
    brainstate.random.seed(args.seed + 1)

    n, n_exc, T = net["n"], net["n_exc"], net["duration_ms"]
    nsteps = network.steps(net)
    h = float(net["dt_ms"])
    bias = float(net["bias"])
    sigma = float(net["noise_std"])
    v_th = float(net["v_th"])
    event = args.mode == "event"

    class EINet(brainstate.nn.Module):
        def __init__(self):
            super().__init__()
            self.v = brainstate.ShortTermState(jnp.zeros(n, dtype))
            self.u = brainstate.ShortTermState(jnp.zeros(n, dtype))
            self.s = brainstate.ShortTermState(jnp.zeros(n, dtype))
            self.count = brainstate.ShortTermState(jnp.zeros(n, jnp.int32))

        def reset(self, v0, u0):
            self.v.value = v0
            self.u.value = u0
            self.s.value = jnp.zeros(n, dtype)
            self.count.value = jnp.zeros(n, jnp.int32)

        def step(self, prm, w):
            v, u = self.v.value, self.u.value
            drive = (((0.04 * v) * v + 5 * v) + 140) - u
            if sigma > 0:
                drive = drive + sigma * brainstate.random.randn(n, dtype=dtype)
            drive = drive + bias
            vn = v + (h * drive + self.s.value)
            un = u + (h * prm["a"]) * (prm["b"] * v - u)
            spike = vn >= v_th
            self.v.value = jnp.where(spike, prm["c"], vn)
            self.u.value = jnp.where(spike, un + prm["d"], un)
            if event:
                self.s.value = brainevent.BinaryArray(spike) @ w
            else:
                self.s.value = spike.astype(dtype) @ w
            self.count.value = self.count.value + spike.astype(jnp.int32)

    with Timer() as tb:
        model = EINet()
        prm = {k: jnp.asarray(net[k], dtype) for k in ("a", "b", "c", "d")}
        v0 = jnp.asarray(net["v0"], dtype)
        u0 = jnp.asarray(net["u0"], dtype)
        if event:
            indptr = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(np.bincount(net["pre"], minlength=n), out=indptr[1:])
            csr = brainevent.CSR(
                (jnp.asarray(net["weight"], dtype), jnp.asarray(net["post"], jnp.int32),
                 jnp.asarray(indptr)),
                shape=(n, n),
            )
            w = csr.data
        else:
            dense = np.zeros((n, n), dtype=np.dtype(args.dtype))
            dense[net["pre"], net["post"]] = net["weight"]
            w = jnp.asarray(dense)
            del dense
        jax.block_until_ready((prm, v0, u0, w))

    @brainstate.transform.jit
    def run(prm, w):
        if event:
            w = csr.with_data(w)
        brainstate.transform.for_loop(lambda i: model.step(prm, w), jnp.arange(nsteps))
        return model.count.value

    def one_run():
        model.reset(v0, u0)
        return np.asarray(jax.block_until_ready(run(prm, w)))

    with Timer() as tf:
        if event:
            # one eager product prepares (and attaches to csr) the kernel's task
            # workspace, which needs the concrete indptr and cannot be made under
            # jit; it also compiles brainevent's numba kernel: part of the first run
            jax.block_until_ready(brainevent.BinaryArray(jnp.zeros(n, bool)) @ csr)
        c = one_run()
    se, si = int(c[:n_exc].sum()), int(c[n_exc:].sum())
    log(f"brainstate {args.mode} {args.dtype} N={n}: build {tb.wall:.2f} s, "
        f"first run {tf.wall:.2f} s, spikes {se}+{si}")

    warm, warm_cpu = [], []
    for _ in range(args.repeats):
        with Timer() as tw:
            c = one_run()
        warm.append(tw.wall)
        warm_cpu.append(tw.cpu)
        log(f"  warm {tw.wall:.3f} s (cpu {tw.cpu:.3f} s), spikes {int(c.sum())}")

    rate_e, rate_i = network.rates(net, se, si)
    emit({
        "sim": "brainstate", "mode": args.mode, "n": n, "check": args.check,
        "build_s": tb.wall, "first_s": tf.wall, "warm_s": median(warm), "warm_all_s": warm,
        "warm_cpu_s": median(warm_cpu), "rss_mb": peak_rss_mb(),
        "spikes": se + si, "spikes_e": se, "spikes_i": si, "rate_e": rate_e, "rate_i": rate_i,
        "edges": int(net["pre"].size), "duration_ms": T, "dtype": args.dtype,
        "version": {"brainstate": brainstate.__version__, "brainevent": brainevent.__version__,
                    "jax": jax.__version__},
        "warm_method": "reset states, call the jitted run again",
    })


if __name__ == "__main__":
    main()
