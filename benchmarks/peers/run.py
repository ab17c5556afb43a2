#!/usr/bin/env python3
"""Run the "ei" reference network in every simulator and print one comparison table.

Plain Python (stdlib only): runs with any python3. Each (simulator, mode, N)
runs in its own subprocess with its own virtual environment's python
(``benchmarks/peers/.envs/<peer>/bin/python``, made by install.sh; jaxfne:
the repository's ``.venv/bin/python``), one at a time, pinned to one CPU and
with every threading knob set to one thread. Each script prints a line
``RESULT {json}``, which is collected here.

    python3 benchmarks/peers/run.py --check                  # deterministic spike counts must agree
    python3 benchmarks/peers/run.py --sizes 100 1000 --repeats 3 --out results.json
    python3 benchmarks/peers/run.py --sims brian2:cpp_standalone brainstate:event jaxfne \\
        --sizes 10000
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ENVS = os.path.join(HERE, ".envs")

sys.path.insert(0, HERE)
from _common import SINGLE_THREAD_ENV  # noqa: E402  (stdlib-only module)

# sim -> list of (mode, python, script, mode args)
SIMS = {
    "nest": [("default", os.path.join(ENVS, "nest", "bin", "python"), "sim_nest.py", [])],
    "brian2": [
        ("runtime", os.path.join(ENVS, "brian2", "bin", "python"), "sim_brian2.py",
         ["--mode", "runtime"]),
        ("cpp_standalone", os.path.join(ENVS, "brian2", "bin", "python"), "sim_brian2.py",
         ["--mode", "cpp_standalone"]),
    ],
    "brainstate": [
        ("dense", os.path.join(ENVS, "brainstate", "bin", "python"), "sim_brainstate.py",
         ["--mode", "dense"]),
        ("event", os.path.join(ENVS, "brainstate", "bin", "python"), "sim_brainstate.py",
         ["--mode", "event"]),
    ],
    "jaxfne": [("default", os.path.join(REPO, ".venv", "bin", "python"), "bench_jaxfne.py", [])],
}
# Largest N run by default (override with --max-n SIM:MODE=N, 0 = no limit):
# the dense brainstate variant holds an N x N matrix.
DEFAULT_MAX_N = {"brainstate:dense": 10000}
PEER_SIMS = ("nest", "brian2", "brainstate")
RATE_TOL = 0.05


def cpu_model() -> str:
    """'model name' of /proc/cpuinfo, with the family / model numbers (a VM may show
    only a generic name such as 'AMD EPYC')."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, sep, val = line.partition(":")
                if not sep:
                    if info:
                        break
                    continue
                info.setdefault(key.strip(), val.strip())
    except OSError:
        return platform.processor() or "unknown"
    name = info.get("model name", platform.processor() or "unknown")
    if "cpu family" in info and "model" in info:
        name += f" (family {info['cpu family']}, model {info['model']})"
    return name


def select(names: list[str]) -> list[tuple[str, str, str, str, list[str]]]:
    """'brian2' -> all its modes; 'brian2:runtime' -> that mode only."""
    out = []
    for name in names:
        sim, _, mode = name.partition(":")
        if sim not in SIMS:
            sys.exit(f"unknown simulator {sim!r}; known: {', '.join(SIMS)}")
        modes = SIMS[sim] if not mode else [m for m in SIMS[sim] if m[0] == mode]
        if not modes:
            sys.exit(f"unknown mode {mode!r} of {sim}; known: {', '.join(m[0] for m in SIMS[sim])}")
        for m in modes:
            entry = (sim, *m)
            if entry not in out:
                out.append(entry)
    return out


def run_one(sim, mode, python, script, mode_args, n, args) -> tuple[dict | None, str]:
    cmd = [python, os.path.join(HERE, script), str(n), "--repeats", str(args.repeats),
           "--seed", str(args.seed), *mode_args]
    if args.check:
        cmd.append("--check")
    if args.dtype and sim in ("brainstate", "jaxfne"):
        cmd += ["--dtype", args.dtype]
    env = dict(os.environ)
    env.update(SINGLE_THREAD_ENV)
    env["PYNEST_QUIET"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    preexec = None
    if args.cpu is not None:
        cpu = args.cpu

        def preexec():
            os.sched_setaffinity(0, {cpu})
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=args.timeout, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {args.timeout} s"
    wall = time.perf_counter() - t0
    result = None
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    if p.returncode != 0 or result is None:
        tail = "\n".join((p.stderr + p.stdout).strip().splitlines()[-15:])
        return None, f"exit code {p.returncode}, no RESULT line\n{tail}"
    result.setdefault("mode", mode)
    result["runner_mode"] = mode
    result["process_wall_s"] = wall
    result["pinned_cpu"] = args.cpu
    return result, ""


def fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        if x == 0:
            return "0"
        if abs(x) >= 100:
            return f"{x:.0f}"
        if abs(x) >= 1:
            return f"{x:.{max(digits - 1, 1)}f}"
        return f"{x:.{digits + 1}f}"
    return str(x)


def table(results: list[dict]) -> str:
    head = ["simulator", "mode", "dtype", "N", "build s", "first run s", "warm s", "warm CPU s",
            "peak RSS MB", "E rate Hz", "I rate Hz", "spikes"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        rows.append("| " + " | ".join([
            r["sim"], str(r.get("mode", "")), str(r.get("dtype", "")), str(r["n"]),
            fmt(r["build_s"]), fmt(r["first_s"]), fmt(r["warm_s"]), fmt(r.get("warm_cpu_s")),
            f"{r['rss_mb']:.0f}",
            f"{r['rate_e']:.2f}", f"{r['rate_i']:.2f}", str(r["spikes"]),
        ]) + " |")
    return "\n".join(rows)


def ratios(results: list[dict], key: str = "warm_s") -> tuple[str, list[dict]]:
    """jaxfne / each peer and jaxfne / fastest peer, per N, on ``key`` (warm wall or CPU s)."""
    lines, data = [], []
    for n in sorted({r["n"] for r in results}):
        here = [r for r in results if r["n"] == n and r.get(key)]
        ours = [r for r in here if r["sim"] == "jaxfne"]
        peers = [r for r in here if r["sim"] in PEER_SIMS]
        if not ours or not peers:
            continue
        fastest = min(peers, key=lambda r: r[key])
        for o in ours:
            parts = []
            for p in peers:
                ratio = o[key] / p[key]
                parts.append(f"{p['sim']} {p['mode']} {ratio:.2f}")
                data.append({"n": n, "measure": key, "jaxfne_mode": o.get("mode"), "peer": p["sim"],
                             "peer_mode": p["mode"], "ratio": ratio})
            best = o[key] / fastest[key]
            data.append({"n": n, "measure": key, "jaxfne_mode": o.get("mode"), "peer": "fastest",
                         "peer_mode": f"{fastest['sim']} {fastest['mode']}", "ratio": best})
            lines.append(f"- N={n} (jaxfne {o.get('mode')}): " + ", ".join(parts)
                         + f"; jaxfne / fastest peer ({fastest['sim']} {fastest['mode']}): "
                         f"{best:.2f}")
    return "\n".join(lines), data


def rate_agreement(results: list[dict]) -> tuple[str, bool]:
    lines, ok = [], True
    for n in sorted({r["n"] for r in results}):
        here = [r for r in results if r["n"] == n]
        if len(here) < 2:
            continue
        for key, label in (("rate_e", "E"), ("rate_i", "I")):
            vals = [r[key] for r in here]
            ref = statistics.median(vals)
            worst = max(here, key=lambda r: abs(r[key] - ref))
            dev = abs(worst[key] - ref) / ref if ref else 0.0
            flag = "ok" if dev <= RATE_TOL else "DIFFERS"
            ok &= dev <= RATE_TOL
            lines.append(f"- N={n} {label}: median {ref:.2f} Hz, "
                         f"range {min(vals):.2f}-{max(vals):.2f}, largest deviation "
                         f"{100 * dev:.1f}% ({worst['sim']} {worst['mode']}) {flag}")
    return "\n".join(lines), ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=None,
                    help="network sizes (default 100 1000 10000 100000; with --check: 100)")
    ap.add_argument("--sims", nargs="+", default=list(SIMS),
                    help="simulators, optionally SIM:MODE (default: all, jaxfne included)")
    ap.add_argument("--repeats", type=int, default=3, help="warm repeats per run (median)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--check", action="store_true",
                    help="deterministic run (no noise, bias 10, 100 ms): "
                         "spike counts must be identical")
    ap.add_argument("--dtype", choices=["float32", "float64"], default=None,
                    help="passed to brainstate and jaxfne (default: each script's own)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per subprocess")
    ap.add_argument("--max-n", nargs="*", default=[], metavar="SIM:MODE=N",
                    help=f"skip larger N for that sim/mode (defaults {DEFAULT_MAX_N}; "
                         "N=0 lifts a limit)")
    ap.add_argument("--cpu", type=int, default=None,
                    help="CPU to pin every run to (default: the last CPU this process may use)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args()

    sizes = args.sizes or ([100] if args.check else [100, 1000, 10000, 100000])
    if args.no_pin:
        args.cpu = None
    elif args.cpu is None:
        args.cpu = max(os.sched_getaffinity(0))
    max_n = dict(DEFAULT_MAX_N)
    for item in args.max_n:
        key, _, val = item.partition("=")
        max_n[key] = int(val)

    entries = select(args.sims)
    results, failures, skipped = [], [], []
    for n in sizes:
        for sim, mode, python, script, mode_args in entries:
            label = f"{sim}:{mode} N={n}"
            limit = max_n.get(f"{sim}:{mode}") or max_n.get(sim)
            if limit and n > limit:
                print(f"[skip] {label}: above --max-n {limit}", flush=True)
                skipped.append({"sim": sim, "mode": mode, "n": n, "why": f"N > {limit}"})
                continue
            if not os.path.exists(python):
                why = f"{python} not found (run benchmarks/peers/install.sh)"
                print(f"[skip] {label}: {why}", flush=True)
                skipped.append({"sim": sim, "mode": mode, "n": n, "why": why})
                continue
            if not os.path.exists(os.path.join(HERE, script)):
                why = f"{script} not found"
                print(f"[skip] {label}: {why}", flush=True)
                skipped.append({"sim": sim, "mode": mode, "n": n, "why": why})
                continue
            print(f"[run ] {label} ...", end="", flush=True)
            r, err = run_one(sim, mode, python, script, mode_args, n, args)
            if r is None:
                print(f" FAILED: {err}", flush=True)
                failures.append({"sim": sim, "mode": mode, "n": n, "error": err})
                continue
            print(f" warm {fmt(r['warm_s'])} s, spikes {r['spikes']}, "
                  f"rates {r['rate_e']:.2f}/{r['rate_i']:.2f} Hz", flush=True)
            results.append(r)

    print()
    title = "deterministic check (no noise, bias 10, 100 ms)" if args.check else "1000 ms, noise on"
    pin = f"pinned to CPU {args.cpu}" if args.cpu is not None else "not pinned"
    print(f"## ei network, {title}; warm = median of {args.repeats}; {pin}; {cpu_model()}\n")
    print(table(results))
    status = 0

    rtext, rdata = ratios(results, "warm_s")
    ctext, cdata = ratios(results, "warm_cpu_s")
    rdata += cdata
    if rtext and not args.check:
        print("\nWarm wall-time ratios, jaxfne / peer (below 1: jaxfne faster):\n" + rtext)
    if ctext and not args.check:
        print("\nWarm CPU-time ratios, jaxfne / peer (less sensitive to other load on the "
              "machine):\n" + ctext)

    agree_text, rates_ok = rate_agreement(results) if not args.check else ("", True)
    if agree_text:
        print(f"\nRate agreement (within {100 * RATE_TOL:.0f}% of the median):\n" + agree_text)

    check = {}
    if args.check:
        for n in sizes:
            counts = {f"{r['sim']}:{r['mode']}": r["spikes"] for r in results if r["n"] == n}
            same = len(set(counts.values())) <= 1
            check[str(n)] = {"counts": counts, "identical": same}
            if same and counts:
                print(f"\nCHECK N={n}: identical spike count {next(iter(counts.values()))} "
                      f"in {len(counts)} runs ({', '.join(counts)})")
            else:
                print(f"\nCHECK FAILED N={n}: spike counts differ: {counts}", file=sys.stderr)
                status = 1
    if failures:
        print("\nFailed runs:", file=sys.stderr)
        for f in failures:
            print(f"- {f['sim']}:{f['mode']} N={f['n']}: {f['error']}", file=sys.stderr)
        status = status or 2
    if args.check and not results:
        print("CHECK FAILED: nothing ran", file=sys.stderr)
        status = 1

    if args.out:
        versions = {}
        for r in results:
            v = versions.setdefault(r["sim"], {})
            ver = r.get("version", r.get("versions"))
            if isinstance(ver, dict):
                v.update(ver)
            elif ver is not None:
                v[r["sim"]] = ver
            for key in ("python", "jax"):
                if key in r:
                    v[key] = r[key]
        doc = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "cpu_model": cpu_model(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "runner_python": platform.python_version(),
            "pinned_cpu": args.cpu,
            "thread_env": SINGLE_THREAD_ENV,
            "args": vars(args),
            "sizes": sizes,
            "versions": versions,
            "results": results,
            "ratios": rdata,
            "rates_within_5pct": rates_ok,
            "check": check,
            "failures": failures,
            "skipped": skipped,
        }
        with open(args.out, "w") as f:
            json.dump(doc, f, indent=1)
        print(f"\nwrote {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
