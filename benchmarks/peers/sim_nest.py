"""The "ei" reference network in NEST (built-in ``izhikevich`` model).

    .envs/nest/bin/python sim_nest.py N [--check] [--repeats R] [--seed S]

* Neurons: ``izhikevich`` with ``consistent_integration=True`` (forward Euler
  from the old v, u; the synaptic jump is added after the Euler increment and
  before the threshold test), per-neuron a, b, c, d, V_m, U_m from
  network.py, ``I_e`` = bias.
* Synapses: ``static_synapse`` with delay = dt = 0.1 ms, connected from the
  shared edge list with ``nest.Connect(src_ids, tgt_ids, "one_to_one", ...)``.
* Noise: one ``noise_generator`` (mean 0, std 40, dt = 0.1 ms) connected to
  every neuron: each target gets its own current, drawn anew each 0.1 ms and
  held over the step. ``izhikevich`` adds the current I straight into
  dv/dt = 0.04 v^2 + 5 v + 140 - u + I (+ I_e), so I_k = 40 xi_k per step, as
  in the reference (the current arrives one step after it is drawn, which
  does not change its statistics).
* Spikes: two ``spike_recorder`` (E, I); only ``n_events`` is read.
* Timing: build_s = kernel set-up, Create, parameters and Connect;
  first_s = the first ``nest.Simulate(T)`` (it also finalises the connection
  infrastructure); warm_s = median of further ``nest.Simulate(T)`` calls that
  continue the same kernel after V_m, U_m are set back to the initial state
  and the recorders' ``n_events`` to 0 (spikes and noise still in flight in
  the ring buffers, at most one step's worth, carry over).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Timer, emit, log, median, parse_args, peak_rss_mb, single_thread_env  # noqa: E402

single_thread_env()
os.environ.setdefault("PYNEST_QUIET", "1")

import network  # noqa: E402
import numpy as np  # noqa: E402


def main() -> None:
    args = parse_args("NEST", ["default"]).parse_args()
    net = network.load(args.n, seed=args.seed, deterministic=args.check)
    import nest

    n, n_exc, dt, T = net["n"], net["n_exc"], net["dt_ms"], net["duration_ms"]

    with Timer() as tb:
        if hasattr(nest, "VerbosityLevel"):
            nest.verbosity = nest.VerbosityLevel.ERROR
        else:
            nest.set_verbosity("M_ERROR")
        nest.ResetKernel()
        nest.SetKernelStatus({
            "resolution": dt,
            "local_num_threads": 1,
            "rng_seed": args.seed + 1,
            "print_time": False,
        })
        nodes = nest.Create("izhikevich", n)
        nodes.set(
            a=net["a"].tolist(), b=net["b"].tolist(), c=net["c"].tolist(), d=net["d"].tolist(),
            V_m=net["v0"].tolist(), U_m=net["u0"].tolist(),
            I_e=float(net["bias"]), V_th=float(net["v_th"]), consistent_integration=True,
        )
        first = nodes[0].global_id
        src = net["pre"] + first
        tgt = net["post"] + first
        nest.Connect(src, tgt, "one_to_one", syn_spec={
            "synapse_model": "static_synapse",
            "weight": net["weight"],
            "delay": np.full(src.size, dt),
        })
        if net["noise_std"] > 0:
            noise = nest.Create("noise_generator", params={
                "mean": 0.0, "std": float(net["noise_std"]), "dt": dt})
            nest.Connect(noise, nodes, syn_spec={"delay": dt})
        rec_e = nest.Create("spike_recorder")
        rec_i = nest.Create("spike_recorder")
        nest.Connect(nodes[:n_exc], rec_e)
        if n > n_exc:
            nest.Connect(nodes[n_exc:], rec_i)

    def counts():
        return int(rec_e.n_events), int(rec_i.n_events)

    with Timer() as tf:
        nest.Simulate(T)
    se, si = counts()
    log(f"nest N={n}: build {tb.wall:.2f} s, first run {tf.wall:.2f} s, spikes {se}+{si}")

    warm, warm_cpu = [], []
    for _ in range(args.repeats):
        nodes.set(V_m=net["v0"].tolist(), U_m=net["u0"].tolist())
        rec_e.n_events = 0
        rec_i.n_events = 0
        with Timer() as tw:
            nest.Simulate(T)
        warm.append(tw.wall)
        warm_cpu.append(tw.cpu)
        log(f"  warm {tw.wall:.3f} s (cpu {tw.cpu:.3f} s), spikes {sum(counts())}")

    rate_e, rate_i = network.rates(net, se, si)
    emit({
        "sim": "nest", "mode": "default", "n": n, "check": args.check,
        "build_s": tb.wall, "first_s": tf.wall, "warm_s": median(warm), "warm_all_s": warm,
        "warm_cpu_s": median(warm_cpu), "rss_mb": peak_rss_mb(),
        "spikes": se + si, "spikes_e": se, "spikes_i": si, "rate_e": rate_e, "rate_i": rate_i,
        "edges": int(net["pre"].size), "duration_ms": T, "dtype": "float64",
        "version": {"nest": nest.__version__},
        "warm_method": "continue Simulate after resetting V_m, U_m",
    })


if __name__ == "__main__":
    main()
