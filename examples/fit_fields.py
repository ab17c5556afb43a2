"""Recover the E weight scale and the excitatory synaptic time constant from the LFP alone.

The target is the trial-averaged power spectrum of the laminar LFP of the
100-neuron network (E weight scale 1, tau_E = 6 ms); spikes are hidden from
the loss, which is the log-PSD distance over 2-200 Hz summed over contacts.
Each fit starts 30 % off.

Run: python examples/fit_fields.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import jaxfne as jtfne
from jaxfne.fit import power_spectrum, spectrum_log_distance
from jaxfne.fit.report import recover

TRUE = {"e_scale": 1.0, "tau_e_ms": 6.0}
STARTS = [(1.3, 0.7), (0.7, 1.3), (1.3, 1.3), (0.7, 0.7)]
SIM = jtfne.simulation(duration_ms=500.0, dt_ms=0.1, seed=0, record_every=10)
N_TRIALS = 8
BAND_HZ = (2.0, 200.0)


class Knobs(eqx.Module):
    e_scale: jax.Array
    tau_e_ms: jax.Array
    base: jtfne.Model

    def model(self) -> jtfne.Model:
        return eqx.tree_at(lambda m: (m.coupling.projections[0].scale,
                                      m.coupling.projections[0].tau_ms),
                           self.base, (self.e_scale, self.tau_e_ms))


def lfp_trials(knobs: Knobs) -> jax.Array:
    model = knobs.model()
    keys = jax.random.split(jax.random.key(3), N_TRIALS)
    return jax.vmap(lambda k: model.simulate(SIM, key=k).field.lfp_proxy)(keys)


def mean_psd(lfps: jax.Array) -> jax.Array:
    dt = SIM.dt_ms * SIM.record_every
    return jnp.mean(jax.vmap(lambda x: power_spectrum(x, dt)[1])(lfps), axis=0)


def build_base() -> jtfne.Model:
    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .field(domain="laminar_column")
           .probe(name="lfp", modes=["LFP"]))
    return jtfne.construct(cfg)


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/fit_fields"))
    parser.add_argument("--steps", type=int, default=90)
    parser.add_argument("--starts", type=int, default=len(STARTS))
    args = parser.parse_args(argv)
    base = build_base()
    one = lambda x: jnp.asarray(x, base.drive.bias.dtype)
    target = mean_psd(lfp_trials(Knobs(one(TRUE["e_scale"]), one(TRUE["tau_e_ms"]), base)))
    dt = SIM.dt_ms * SIM.record_every

    freqs = jnp.fft.rfftfreq(SIM.n_steps // SIM.record_every, dt * 1e-3)

    def loss(knobs: Knobs) -> jax.Array:
        return spectrum_log_distance(freqs, mean_psd(lfp_trials(knobs)), target, BAND_HZ)
    starts = [Knobs(one(fe * TRUE["e_scale"]), one(ft * TRUE["tau_e_ms"]), base)
              for fe, ft in STARTS[: args.starts]]
    schedule = optax.exponential_decay(0.05, transition_steps=args.steps // 3, decay_rate=0.3)
    return recover(starts, loss, optax.adam(schedule), true=TRUE, steps=args.steps,
                   out=args.out, positive=list(TRUE))

if __name__ == "__main__":
    main()
