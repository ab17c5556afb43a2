#!/usr/bin/env python
"""The Potjans & Diesmann (2014) microcircuit in NEST 3.10, from jaxfne's tables.

The tables and the scaling rules come from `jaxfne/columns` (pd14.py, scaling.py),
loaded by file path, so this script runs in a NEST environment without JAX:

    benchmarks/peers/.envs/nest/bin/python benchmarks/peers/pd14_nest.py --scale 0.1

Model (see jaxfne/columns/pd14.py for the sources): `iaf_psc_exp` neurons; per
projection `fixed_total_number` synapses (multapses and autapses allowed) with weights
N(J, 0.1|J|) redrawn to keep their sign and delays N(d, d/2) redrawn below dt/2 (NEST
rounds them to the nearest step, so >= 1 step); Poisson background at 8 spikes/s times
K_ext per neuron (`--background dc`: its mean current instead); below full scale the
van Albada compensation (weights / sqrt(k), DC from the full-scale rates, set A);
optionally the thalamic pulse (902 parrot neurons, 120 spikes/s, 700-710 ms).

`--connectivity jaxfne` connects NEST's neurons with the edge list drawn by
`jaxfne.columns.pd14_network` instead (same weights and delays, one_to_one), which
checks the generator against NEST's own `fixed_total_number`.

Prints per-population rates (all neurons, silent included) over the window after the
warm-up, the median ISI CV (neurons with >= 3 spikes), build_s (create + connect),
sim_s (`nest.Simulate` of warm-up + window), the peak RSS, and a final
`RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

#: NEST stores at most this many connections per (virtual process, synapse model).
NEST_MAX_CONNECTIONS_PER_VP = 2**27 - 2


def load_columns():
    """Import jaxfne/columns as a stand-alone package (no `import jaxfne`, no JAX)."""
    root = Path(__file__).resolve().parents[2] / "jaxfne" / "columns"
    spec = importlib.util.spec_from_file_location(
        "_jaxfne_columns", root / "__init__.py", submodule_search_locations=[str(root)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=0.1, help="fraction of neurons (0, 1]")
    ap.add_argument("--k-scale", type=float, default=None,
                    help="fraction of in-degrees (0, 1]; default: --scale")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup-ms", type=float, default=500.0)
    ap.add_argument("--sim-ms", type=float, default=1000.0)
    ap.add_argument("--background", choices=("poisson", "dc"), default="poisson")
    ap.add_argument("--seed", type=int, default=1, help="NEST rng_seed (and generator seed)")
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--v0", choices=("optimized", "original"), default="optimized")
    ap.add_argument("--thalamus", action="store_true", help="add the 700-710 ms pulse")
    ap.add_argument("--connectivity", choices=("nest", "jaxfne"), default="nest",
                    help="NEST's fixed_total_number, or jaxfne's drawn edge list")
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    return ap.parse_args(argv)


def build(nest, cols, args, params):
    """Create and connect the network; returns (populations, recorder, extra info)."""
    pd14 = cols.pd14
    nrn = pd14.NEURON
    dt = params.dt_ms
    pops = []
    for i, n in enumerate(params.n_neurons):
        pop = nest.Create("iaf_psc_exp", int(n), params={
            "C_m": nrn["C_m_pF"], "tau_m": nrn["tau_m_ms"], "E_L": nrn["E_L_mV"],
            "V_th": nrn["V_th_mV"], "V_reset": nrn["V_reset_mV"], "t_ref": nrn["t_ref_ms"],
            "tau_syn_ex": nrn["tau_syn_ex_ms"], "tau_syn_in": nrn["tau_syn_in_ms"],
            "I_e": float(params.dc_pA[i])})
        pop.V_m = nest.random.normal(mean=float(params.v0_mean_mV[i]),
                                     std=float(params.v0_sd_mV[i]))
        pops.append(pop)
    info = {}
    if args.background == "poisson":
        for i, pop in enumerate(pops):
            pg = nest.Create("poisson_generator", params={"rate": float(params.ext_rate_hz[i])})
            nest.Connect(pg, pop, "all_to_all", {"weight": float(params.ext_weight_pA),
                                                "delay": float(params.ext_delay_ms)})
    if args.connectivity == "nest":
        for y, target in enumerate(pops):
            for x, source in enumerate(pops):
                count = int(params.synapse_counts[y, x])
                if count == 0:
                    continue
                mean = float(params.weight_mean_pA[y, x])
                lo, hi = (0.0, np.inf) if mean > 0 else (-np.inf, 0.0)
                syn = {
                    "synapse_model": "static_synapse",
                    "weight": nest.math.redraw(
                        nest.random.normal(mean=mean, std=abs(mean) * params.weight_rel_sd),
                        min=lo, max=hi),
                    "delay": nest.math.redraw(
                        nest.random.normal(mean=float(params.delay_mean_ms[x]),
                                           std=float(params.delay_sd_ms[x])),
                        min=pd14.DELAY_REDRAW_BELOW_DT * dt, max=np.inf),
                }
                nest.Connect(source, target, {"rule": "fixed_total_number", "N": count,
                                              "allow_autapses": True,
                                              "allow_multapses": True}, syn)
    else:
        t0 = time.perf_counter()
        net = cols.pd14_network(params.scale, params.k_scale, seed=args.seed,
                                background=args.background, thalamus=args.thalamus,
                                dt_ms=dt, v0=args.v0)
        info["generator_s"] = time.perf_counter() - t0
        first = pops[0][0].global_id  # populations were created back to back
        nest.Connect(net.pre.astype(np.int64) + first, net.post.astype(np.int64) + first,
                     "one_to_one", {"weight": net.weight_pA.astype(np.float64),
                                    "delay": net.delay_steps.astype(np.float64) * dt})
    if args.thalamus:
        th = pd14.THALAMUS
        parrots = nest.Create("parrot_neuron", int(th["n_neurons"]))
        pulse = nest.Create("poisson_generator", params={
            "rate": th["rate_hz"], "start": th["start_ms"],
            "stop": th["start_ms"] + th["duration_ms"]})
        nest.Connect(pulse, parrots, "all_to_all", {"delay": dt})
        if args.connectivity == "nest":
            w = float(params.thalamic_weight_pA)
            for y, target in enumerate(pops):
                count = int(params.thalamic_synapse_counts[y])
                if count == 0:
                    continue
                syn = {"weight": nest.math.redraw(
                           nest.random.normal(mean=w, std=w * params.weight_rel_sd),
                           min=0.0, max=np.inf),
                       "delay": nest.math.redraw(
                           nest.random.normal(mean=th["delay_ms"],
                                              std=th["delay_ms"] * th["delay_rel_sd"]),
                           min=pd14.DELAY_REDRAW_BELOW_DT * dt, max=np.inf)}
                nest.Connect(parrots, target, {"rule": "fixed_total_number", "N": count,
                                               "allow_autapses": True,
                                               "allow_multapses": True}, syn)
        else:
            t = net.thalamus
            first = pops[0][0].global_id
            nest.Connect(t.pre.astype(np.int64) + parrots[0].global_id,
                         t.post.astype(np.int64) + first, "one_to_one",
                         {"weight": t.weight_pA.astype(np.float64),
                          "delay": t.delay_steps.astype(np.float64) * dt})
    recorder = nest.Create("spike_recorder", params={"start": args.warmup_ms})
    for pop in pops:
        nest.Connect(pop, recorder)
    return pops, recorder, info


def statistics(pops, senders, times, names, window_ms):
    """Per population: mean rate (spikes/s, silent neurons included), median ISI CV."""
    rates, cvs = {}, {}
    order = np.lexsort((times, senders))
    senders, times = senders[order], times[order]
    for name, pop in zip(names, pops):
        lo, hi = pop[0].global_id, pop[-1].global_id
        mask = (senders >= lo) & (senders <= hi)
        s, t = senders[mask], times[mask]
        rates[name] = s.size / len(pop) / (window_ms / 1000.0)
        cv = []
        if s.size:
            splits = np.flatnonzero(np.diff(s)) + 1
            for train in np.split(t, splits):
                if train.size >= 3:
                    isi = np.diff(train)
                    cv.append(isi.std() / isi.mean())
        cvs[name] = float(np.median(cv)) if cv else float("nan")
    return rates, cvs


def main(argv=None):
    args = parse_args(argv)
    cols = load_columns()
    pd14 = cols.pd14
    params = cols.pd14_parameters(args.scale, args.k_scale, background=args.background,
                                  dt_ms=args.dt_ms, v0=args.v0)
    n_syn = int(params.synapse_counts.sum())
    per_vp = n_syn / max(1, args.threads)
    if per_vp > NEST_MAX_CONNECTIONS_PER_VP:
        raise SystemExit(f"{n_syn} synapses on {args.threads} threads exceed NEST's "
                         f"{NEST_MAX_CONNECTIONS_PER_VP} connections per virtual process; "
                         f"use --threads {int(np.ceil(n_syn / NEST_MAX_CONNECTIONS_PER_VP))} "
                         f"or more.")

    import nest  # noqa: E402  (after the argument checks: importing NEST is slow)

    if hasattr(nest, "VerbosityLevel"):  # NEST >= 3.10
        nest.verbosity = nest.VerbosityLevel.WARNING
    else:  # pragma: no cover - older NEST
        nest.set_verbosity("M_WARNING")
    nest.ResetKernel()
    nest.local_num_threads = args.threads
    nest.resolution = args.dt_ms
    nest.rng_seed = args.seed
    nest.print_time = False

    t0 = time.perf_counter()
    pops, recorder, info = build(nest, cols, args, params)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(args.warmup_ms + args.sim_ms)
    sim_s = time.perf_counter() - t0

    events = recorder.get("events")
    senders = np.asarray(events["senders"], dtype=np.int64)
    times = np.asarray(events["times"], dtype=np.float64)
    names = list(pd14.POPULATIONS)
    rates, cvs = statistics(pops, senders, times, names, args.sim_ms)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    result = {
        "simulator": "nest", "nest_version": nest.__version__, "model": "pd14",
        "scale": params.scale, "k_scale": params.k_scale, "background": args.background,
        "connectivity": args.connectivity, "thalamus": args.thalamus, "v0": args.v0,
        "threads": args.threads, "seed": args.seed, "dt_ms": args.dt_ms,
        "warmup_ms": args.warmup_ms, "sim_ms": args.sim_ms,
        "n_neurons": int(params.n_neurons.sum()), "n_synapses": n_syn,
        "nest_num_connections": int(nest.num_connections),
        "build_s": round(build_s, 3), "sim_s": round(sim_s, 3),
        "rtf": round(sim_s / ((args.warmup_ms + args.sim_ms) / 1000.0), 3),
        "peak_rss_mib": round(peak_rss_mib, 1),
        "rates_hz": {k: round(v, 4) for k, v in rates.items()},
        "cv_median": {k: round(v, 3) for k, v in cvs.items()},
        **{k: round(v, 3) for k, v in info.items()},
    }
    reference = None
    if params.scale == 1.0 and params.k_scale == 1.0:
        reference = ("published set A (PD14.md 1.8)", pd14.RATES_FULL_A)
    elif abs(params.scale - 0.1) < 1e-12 and abs(params.k_scale - 0.1) < 1e-12 and \
            args.background == "poisson":
        reference = ("NEST 3.10 at scale 0.1, 2 threads (PD14.md 3.2)",
                     pd14.NEST_RATES_SCALE_0P1["t2"])
    print(f"PD14 in NEST {nest.__version__}: scale {params.scale}, k_scale {params.k_scale}, "
          f"{args.background} background, {args.connectivity} connectivity, "
          f"{args.threads} threads, seed {args.seed}")
    print(f"{result['n_neurons']} neurons, {n_syn} synapses; build {build_s:.1f} s, "
          f"sim {sim_s:.1f} s for {args.warmup_ms + args.sim_ms:.0f} ms "
          f"(RTF {result['rtf']}), peak RSS {peak_rss_mib:.0f} MiB")
    header = f"{'pop':6s} {'rate/Hz':>8s} {'CV':>6s}"
    if reference:
        header += f" {'ref':>7s} {'dev':>6s}   ref: {reference[0]}"
        result["reference"] = reference[0]
        result["deviation_pct"] = {}
    print(header)
    for i, name in enumerate(names):
        line = f"{name:6s} {rates[name]:8.3f} {cvs[name]:6.2f}"
        if reference:
            ref = float(reference[1][i])
            dev = 100.0 * (rates[name] / ref - 1.0)
            result["deviation_pct"][name] = round(dev, 1)
            line += f" {ref:7.3f} {dev:+5.0f}%"
        print(line)
    if args.thalamus:
        pulse = pd14.THALAMUS["start_ms"]
        print("thalamic pulse: population rate (Hz) 100 ms before vs the 30 ms after onset")
        evoked = {}
        for name, pop in zip(names, pops):
            lo, hi = pop[0].global_id, pop[-1].global_id
            mine = times[(senders >= lo) & (senders <= hi)]
            before = np.count_nonzero((mine >= pulse - 100) & (mine < pulse)) / len(pop) / 0.1
            after = np.count_nonzero((mine >= pulse) & (mine < pulse + 30)) / len(pop) / 0.03
            evoked[name] = [round(before, 3), round(after, 3)]
            print(f"  {name:6s} {before:7.2f} -> {after:7.2f}")
        result["thalamic_before_after_hz"] = evoked
        print("spikes per ms from the onset (0-19 ms):")
        per_ms = {}
        for name, pop in zip(names, pops):
            lo, hi = pop[0].global_id, pop[-1].global_id
            mine = times[(senders >= lo) & (senders <= hi)]
            counts = np.histogram(mine - pulse, bins=np.arange(21.0))[0]
            per_ms[name] = counts.tolist()
            print(f"  {name:6s} " + " ".join(f"{c:5d}" for c in counts))
        result["thalamic_spikes_per_ms"] = per_ms
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1))
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
