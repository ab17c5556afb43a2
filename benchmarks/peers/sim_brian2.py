"""The "ei" reference network in Brian2 (runtime or cpp_standalone).

    .envs/brian2/bin/python sim_brian2.py N [--mode runtime|cpp_standalone]
                                            [--check] [--repeats R] [--seed S]

* Neurons: a ``NeuronGroup`` whose v, u, s are plain variables, advanced by
  one ``run_regularly`` operation (slot 'start', every dt) written out in
  NEST's floating-point order::

      vo = v; uo = u
      v = vo + (h*(((((0.04*vo)*vo + 5*vo) + 140) - uo) + noise) + bias) + s)
      u = uo + (h*a)*(b*vo - uo)
      s = 0

  with ``noise = sigma*randn()`` (a fresh standard normal per neuron and
  step; omitted with --check), then ``threshold='v >= 30'`` and
  ``reset='v = c; u = u + d'``. (Brian2's ``method='euler'`` on the ODEs
  would give the same model, but its sympy-rearranged expressions round
  differently from NEST's.)
* Synapses: ``Synapses(..., on_pre='s_post += w')`` without delay. A spike
  in step k adds w to ``s`` in step k's 'synapses' slot; ``s`` enters v at
  the start of step k+1 and is cleared: the same timing as NEST with
  delay = dt.
* Spikes: ``SpikeMonitor(record=False)``, which only counts.
* runtime mode: code target Cython, compiled into a fresh cache directory,
  so first_s includes compilation; warm_s: ``net.restore()`` (back to t=0
  and the initial state stored after building) then ``net.run(T)``.
* cpp_standalone mode: single-threaded (openmp_threads = 0); the project is
  generated, compiled and run in a fresh directory: first_s is
  ``device.build()`` (code generation + C++ compilation + first run, with
  ``compile_s`` and the binary's own ``sim_only_s`` reported apart); warm_s:
  ``device.run()``, which re-runs the compiled binary from the initial state
  stored in the project (process start, loading arrays, simulation, writing
  results). Peak RSS: max of this Python process and the binary (measured
  with /usr/bin/time when present; not the compiler).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import Timer, emit, log, median, parse_args, peak_rss_mb, single_thread_env  # noqa: E402

single_thread_env()

import network  # noqa: E402
import numpy as np  # noqa: E402


def main() -> None:
    args = parse_args("Brian2", ["runtime", "cpp_standalone"]).parse_args()
    net = network.load(args.n, seed=args.seed, deterministic=args.check)

    import brian2 as b2
    from brian2 import prefs

    workdir = tempfile.mkdtemp(prefix=f"brian2_{args.mode}_")
    standalone = args.mode == "cpp_standalone"
    time_file = os.path.join(workdir, "binary_maxrss_kb.txt")
    have_time = os.path.exists("/usr/bin/time")
    try:
        prefs.codegen.loop_invariant_optimisations = False   # keep the written order
        if standalone:
            b2.set_device("cpp_standalone", build_on_run=False)
            prefs.devices.cpp_standalone.openmp_threads = 0
            if have_time:
                prefs.devices.cpp_standalone.run_cmd_unix = [
                    "/usr/bin/time", "-f", "%M", "-o", time_file, "./main"]
        else:
            prefs.codegen.target = "cython"
            prefs.codegen.runtime.cython.cache_dir = os.path.join(workdir, "cython")
            prefs.codegen.runtime.cython.multiprocess_safe = False

        # after set_device: in standalone mode seed() is written into the generated code
        b2.seed(args.seed + 1)
        n, n_exc, dt, T = net["n"], net["n_exc"], net["dt_ms"], net["duration_ms"]

        with Timer() as tb:
            b2.defaultclock.dt = dt * b2.ms
            G = b2.NeuronGroup(
                n,
                """
                v : 1
                u : 1
                s : 1
                a : 1 (constant)
                b : 1 (constant)
                c : 1 (constant)
                d : 1 (constant)
                """,
                threshold="v >= v_th",
                reset="v = c\nu = u + d",
                namespace={"v_th": float(net["v_th"])},
                name="ei",
            )
            G.a = net["a"]
            G.b = net["b"]
            G.c = net["c"]
            G.d = net["d"]
            G.v = net["v0"]
            G.u = net["u0"]
            G.s = 0.0
            if net["noise_std"] > 0:
                drive = "(((((0.04*vo)*vo + 5*vo) + 140) - uo) + sigma*randn()) + bias"
            else:
                drive = "((((0.04*vo)*vo + 5*vo) + 140) - uo) + bias"
            code = (
                "vo = v\n"
                "uo = u\n"
                f"v = vo + (h*({drive}) + s)\n"
                "u = uo + (h*a)*(b*vo - uo)\n"
                "s = 0\n"
            )
            G.run_regularly(code, dt=dt * b2.ms, when="start", name="euler")
            G.namespace.update({"h": float(dt), "bias": float(net["bias"]),
                                "sigma": float(net["noise_std"])})
            S = b2.Synapses(G, G, "w : 1 (constant)", on_pre="s_post += w", name="syn")
            S.connect(i=net["pre"].astype(np.int32), j=net["post"].astype(np.int32))
            S.w = net["weight"]
            mon = b2.SpikeMonitor(G, record=False, name="counts")
            bnet = b2.Network(G, S, mon)
            if not standalone:
                bnet.store("init")
            else:
                bnet.run(T * b2.ms)         # only records the run; the build runs it

        def counts():
            c = np.asarray(mon.count[:])
            return int(c[:n_exc].sum()), int(c[n_exc:].sum())

        extra = {}
        if standalone:
            with Timer() as tf:
                b2.device.build(directory=os.path.join(workdir, "project"),
                                compile=True, run=True, clean=False)
            timers = dict(b2.device.timers)
            extra["compile_s"] = sum(v for k, v in timers.get("compile", {}).items()
                                     if isinstance(v, (int, float))) or None
            extra["first_sim_only_s"] = b2.device._last_run_time
        else:
            with Timer() as tf:
                bnet.run(T * b2.ms)
        se, si = counts()
        log(f"brian2 {args.mode} N={n}: build {tb.wall:.2f} s, first run {tf.wall:.2f} s, "
            f"spikes {se}+{si}")

        warm, warm_cpu, sim_only = [], [], []
        for _ in range(args.repeats):
            if standalone:
                with Timer() as tw:
                    b2.device.run()
                sim_only.append(b2.device._last_run_time)
            else:
                bnet.restore("init")
                with Timer() as tw:
                    bnet.run(T * b2.ms)
            warm.append(tw.wall)
            warm_cpu.append(tw.cpu)
            log(f"  warm {tw.wall:.3f} s (cpu {tw.cpu:.3f} s), spikes {sum(counts())}")

        rss = peak_rss_mb()
        if standalone:
            binary_rss = None
            if have_time and os.path.exists(time_file):
                with open(time_file) as f:
                    binary_rss = float(f.read().split()[-1]) / 1024.0
            extra["binary_rss_mb"] = binary_rss
            extra["python_rss_mb"] = rss
            extra["sim_only_s"] = median(sim_only)
            if binary_rss is not None:
                rss = max(rss, binary_rss)

        rate_e, rate_i = network.rates(net, se, si)
        emit({
            "sim": "brian2", "mode": args.mode, "n": n, "check": args.check,
            "build_s": tb.wall, "first_s": tf.wall, "warm_s": median(warm), "warm_all_s": warm,
            "warm_cpu_s": median(warm_cpu), "rss_mb": rss,
            "spikes": se + si, "spikes_e": se, "spikes_i": si, "rate_e": rate_e, "rate_i": rate_i,
            "edges": int(net["pre"].size), "duration_ms": T, "dtype": "float64",
            "version": {"brian2": b2.__version__, "numpy": np.__version__},
            "warm_method": ("device.run() of the compiled binary" if standalone
                            else "net.restore() then net.run(T)"),
            **extra,
        })
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
