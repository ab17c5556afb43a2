"""Fit tissue and circuit parameters to a laminar LFP read from an NWB file.

1. A model with hidden parameters (tissue conductivity 0.25 S/m, E weight
   scale 1.2, tau_E 7.2 ms; the defaults are 0.3 S/m, 1 and 6 ms) makes a
   recording: every neuron starts above
   threshold, so the network fires one volley at t = 0, and the laminar LFP
   of the next 40 ms, averaged over 8 trials (an evoked response), is
   written to an NWB file with `jtfne.io.to_nwb`.
2. The file is read back with `jtfne.io.load_lfp`, as one would read one's
   own recording: the probe (contact depths) and the sampling come from the
   file, not from the model that made it.
3. A model with the default parameters and the file's probe is fitted to
   the recording with `jtfne.fit` (Adam; the three parameters are kept
   positive). Its trials use other noise than the recording's.

The column radius is taken as known (300 um, from anatomy): with currents
of unknown size, a wider column and a higher conductivity both lower the
near-field potential, and their effects on this LFP are 98.5 % correlated
(log-sensitivities), so the two are not separable here. With a fixed CSD,
`fit_tissue.py` recovers both.

Run: python examples/fit_to_recording.py [--out DIR] [--steps N]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxfne as jtfne
from jaxfne.fit import profile_mse
from jaxfne.fit.report import plot_history, recovery_table

HIDDEN = {"field.geometry.sigma_S_per_m": 0.25, "coupling.E.scale": 1.2,
          "coupling.E.tau_ms": 7.2}
DURATION_MS, DT_MS, N_TRIALS = 40.0, 0.1, 8


def network(n_contacts: int = 16, spacing_um: float = 100.0, first_um: float = 50.0
            ) -> jtfne.Model:
    """The 100-neuron network recording a laminar LFP with the given probe; every
    neuron starts above the 30 mV peak, so it fires one synchronous volley at t = 0."""
    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .field(domain="laminar_column", n_contacts=n_contacts,
                  contact_spacing_um=spacing_um, first_contact_um=first_um)
           .probe(name="lfp", modes=["LFP"]))
    model = jtfne.construct(cfg)
    volley = dataclasses.replace(model.emitters, v_init_mV=(35.0, 36.0))
    return eqx.tree_at(lambda m: m.emitters, model, volley)


def evoked_lfp(model: jtfne.Model, sim: jtfne.Simulation, keys: jax.Array) -> jax.Array:
    """Trial-averaged LFP `[time, contacts]` (mV)."""
    return jnp.mean(jax.vmap(lambda k: model.simulate(sim, key=k).field.lfp_proxy)(keys), 0)


def with_values(model: jtfne.Model, values: dict[str, float]) -> jtfne.Model:
    """`model` with the named parameters set (arrays filled with the value)."""
    current = jtfne.parameters(model)
    return jtfne.with_parameters(model, {p: jnp.full_like(current[p], v)
                                         for p, v in values.items()})


def make_recording(path: Path) -> Path:
    """Simulate the hidden model's evoked LFP and write it to `path` (NWB)."""
    hidden = with_values(network(), HIDDEN)
    sim = jtfne.simulation(DURATION_MS, DT_MS, seed=11)
    keys = jax.random.split(jax.random.key(11), N_TRIALS)
    one = hidden.simulate(sim, key=keys[0])
    averaged = eqx.tree_at(lambda s: s.field.lfp_proxy, one, evoked_lfp(hidden, sim, keys))
    return jtfne.io.to_nwb(averaged, path, model=hidden, overwrite=True,
                           session_description="evoked laminar LFP, 8 trials averaged")


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/fit_to_recording"))
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args(argv)
    path = make_recording(args.out / "recording.nwb")
    print(f"wrote {path}")

    recording = jtfne.io.load_lfp(path)  # what a user does with their own file
    print(f"read {recording.source}: {recording.lfp_mV.shape[1]} contacts from "
          f"{recording.contact_depths_um[0]:g} um, {recording.contact_spacing_um:g} um apart, "
          f"{recording.lfp_mV.shape[0]} samples every {recording.sampling_period_ms:.3g} ms")
    start = network(recording.lfp_mV.shape[1], recording.contact_spacing_um,
                    float(recording.contact_depths_um[0]))
    dt = round(recording.sampling_period_ms, 9)
    sim = jtfne.simulation(round(dt * recording.lfp_mV.shape[0], 9), dt, seed=0)
    target = jnp.asarray(recording.lfp_mV, start.drive.bias.dtype)
    keys = jax.random.split(jax.random.key(5), N_TRIALS)  # not the recording's noise

    def loss(model: jtfne.Model) -> jax.Array:
        return profile_mse(evoked_lfp(model, sim, keys), target)

    schedule = optax.exponential_decay(0.05, transition_steps=max(1, args.steps // 3),
                                       decay_rate=0.3)
    initial = {p: jtfne.parameters(start)[p] for p in HIDDEN}
    fitted, history = jtfne.fit(start, loss, optax.adam(schedule), trainable=list(HIDDEN),
                                steps=args.steps, positive=list(HIDDEN))
    table, errors = recovery_table(HIDDEN, initial, {p: jtfne.parameters(fitted)[p]
                                                     for p in HIDDEN})
    print(f"loss {history.loss[0]:.3g} -> {history.loss[-1]:.3g} in {args.steps} steps "
          f"({np.sum(history.wall_s):.1f} s)")
    print(table)
    print(f"wrote {plot_history(history, HIDDEN, args.out / 'history.png')}")
    return errors


if __name__ == "__main__":
    main()
