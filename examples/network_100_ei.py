"""The 100-neuron balanced E/I tutorial: spikes, voltages, laminar LFP/CSD, EEG, MEG, energy.

Runs the published workflow as written, then a 2000 ms run of the same
network to measure that its activity is balanced, irregular and
asynchronous, and writes a JSON bundle, the arrays (.npz) and figures to
`--out` (default `out/network_100_ei`).

Run: python examples/network_100_ei.py [--out DIR] [--no-figures]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np

import jaxfne as jtfne
from jaxfne import analysis


def tutorial():
    """The tutorial's code, exactly as published."""
    cfg = (
        jtfne.configuration()
        .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                 cell_types={"E": 0.75, "I": 0.25})
        .emitter(family="izhikevich", preset="cortical_eig")
        .field(domain="laminar_column", conductivity="proxy",
               boundary="declared_proxy", gauge="mean_zero")
        .probe(name="multimodal_100_ei",
               modes=["spikes", "V_m", "source", "phi_e", "J_e", "CSD", "LFP"])
    )
    model = jtfne.construct(cfg)
    signals = model.simulate(jtfne.simulation(duration_ms=100.0, dt_ms=0.1, seed=42))

    total_spikes = jnp.sum(signals.spikes)
    excitatory_spikes = jnp.sum(signals.spikes[:, :75])
    inhibitory_spikes = jnp.sum(signals.spikes[:, 75:])
    pop_rate = jnp.mean(jnp.sum(signals.spikes, axis=1))
    vm_mean, vm_std = jnp.mean(signals.V_m), jnp.std(signals.V_m)

    from jaxfne.fields import (spk_probe, vm_probe, source_probe, lfp_proxy_probe,  # noqa: I001
        csd_proxy_probe, eeg_proxy_probe, meg_proxy_probe, emm_proxy_probe)

    spk_readout = spk_probe(signals.spikes)
    vm_readout = vm_probe(signals.V_m)
    source_readout = source_probe(signals.sources[0])
    lfp_readout = lfp_proxy_probe(signals.field.lfp_proxy)
    csd_readout = csd_proxy_probe(signals.field.csd_proxy)
    eeg_readout = eeg_proxy_probe(signals.field.lfp_proxy)
    meg_readout = meg_proxy_probe(signals.field.lfp_proxy)
    emm_readout = emm_proxy_probe(signals.field.lfp_proxy)

    print("== tutorial (100 ms, seed 42) ==")
    print(f"total spikes {int(total_spikes)} (E {int(excitatory_spikes)}, "
          f"I {int(inhibitory_spikes)}); mean spikes per step {float(pop_rate):.3f}")
    print(f"V_m {float(vm_mean):.2f} +/- {float(vm_std):.2f} mV")
    readouts = [spk_readout, vm_readout, source_readout, lfp_readout, csd_readout,
                eeg_readout, meg_readout, emm_readout]
    for r in readouts:
        s = r.summary()
        print(f"  {s['quantity']:<28} rms {s['rms']:10.4g} {s['units']:<8} ({s['method']})")
    return cfg, model, signals, readouts


def activity(cfg, duration_ms: float = 2000.0, discard_ms: float = 200.0, seed: int = 42):
    """Run the network longer with every probe and measure its activity."""
    full = cfg.probe(name="everything", modes=["EEG", "MEG", "EMM"])
    model = jtfne.construct(full)
    signals = model.simulate(jtfne.simulation(duration_ms=duration_ms, dt_ms=0.1, seed=seed))
    stats = analysis.summary(signals, discard_ms)
    uncoupled = eqx.tree_at(lambda m: [p.scale for p in m.coupling.projections], model,
                            [p.scale * 0 for p in model.coupling.projections])
    free = uncoupled.simulate(jtfne.simulation(duration_ms=duration_ms, dt_ms=0.1, seed=seed))
    stats["rates_without_coupling_hz"] = analysis.population_rates_hz(free, discard_ms)
    first = np.asarray(signals.spikes)[: int(round(5.0 / 0.1))].any(axis=0).mean()
    stats["fraction_spiking_in_first_5_ms"] = float(first)
    print(f"== activity ({duration_ms:g} ms, first {discard_ms:g} ms discarded) ==")
    for key in ("rates_hz", "rates_without_coupling_hz", "isi_cv_median", "synchrony_chi",
                "spike_count_correlation", "balance_index_E", "fraction_spiking_in_first_5_ms"):
        print(f"  {key:<32} {stats[key]}")
    return model, signals, stats


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/network_100_ei"))
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args(argv)

    cfg, model, signals, readouts = tutorial()
    long_model, long_signals, stats = activity(cfg)

    record = jtfne.bundle(model, signals, seed=42)
    record["readouts"] = [r.summary() for r in readouts]
    record["activity_2000_ms"] = stats
    json_path, npz_path = jtfne.save(args.out / "bundle", model, signals, seed=42)
    json_path.write_text(json.dumps(record, indent=2))
    print(f"wrote {json_path} and {npz_path}")
    if not args.no_figures:
        from jaxfne.viz import plot_all

        for path in plot_all(long_signals, args.out, window_ms=(200.0, 700.0)):
            print(f"wrote {path}")
    return record


if __name__ == "__main__":
    main()
