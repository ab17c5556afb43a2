"""Long runs in bounded memory: 100 s of the 100-neuron network with LFP and EEG probes.

    .venv/bin/python benchmarks/bench_long.py --seconds 10 100

Each duration runs in its own process (peak RSS is per process). The run is
split into chunks of `--chunk-ms` (each chunk one call of the same compiled
scan; its readouts move to host memory before the next), recording spikes,
the laminar LFP and the EEG in 1 ms bins. The peak RSS of a 100 s run should
exceed that of a 10 s run by little more than the readouts it returns
(here about 0.1 GB: 100,000 bins x (100 neurons + 16 contacts + 19 electrodes)
x 4 bytes, plus the per-bin dipole); an unchunked scan would also hold every
step's per-neuron synaptic currents.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one(seconds: float, chunk_ms: float) -> dict:
    import jax

    import jaxfne as jtfne

    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .field(domain="laminar_column", conductivity="proxy", boundary="declared_proxy",
                  gauge="mean_zero")
           .probe(name="p", modes=["spikes", "LFP", "EEG"]))
    model = jtfne.construct(cfg, seed=0)
    sim = jtfne.simulation(seconds * 1000.0, 0.1, seed=1, record_every=10, chunk_ms=chunk_ms,
                           progress=False)
    t0 = time.perf_counter()
    out = model.simulate(sim)
    jax.block_until_ready(out.field.lfp_proxy)
    wall = time.perf_counter() - t0
    nbytes = sum(a.nbytes for a in (out.spikes, out.field.lfp_proxy, out.field.eeg))
    return dict(seconds=seconds, chunk_ms=chunk_ms, wall_s=wall,
                rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                readout_mb=nbytes / 2**20, e_rate_hz=float(out.spikes[:, :75].mean() * 1e3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, nargs="+", default=[10.0, 100.0])
    ap.add_argument("--chunk-ms", type=float, default=1000.0)
    ap.add_argument("--one", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one is not None:
        print("RESULT " + json.dumps(one(args.one, args.chunk_ms)))
        return
    print("| simulated s | chunk ms | wall s | peak RSS MB | readouts MB | E rate Hz |")
    print("|---|---|---|---|---|---|")
    for s in args.seconds:
        text = subprocess.run([sys.executable, __file__, "--one", str(s), "--chunk-ms",
                               str(args.chunk_ms)], capture_output=True, text=True,
                              check=True).stdout
        r = json.loads(text.split("RESULT ", 1)[1])
        print(f"| {r['seconds']:g} | {r['chunk_ms']:g} | {r['wall_s']:.1f} | {r['rss_mb']:.0f} "
              f"| {r['readout_mb']:.0f} | {r['e_rate_hz']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
