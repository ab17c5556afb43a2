"""Recover the E weight scale and tau_E from the evoked laminar LFP alone.

Every neuron of the 100-neuron network is started above threshold, so the
whole network fires one synchronous volley at t = 0; the trial-averaged
laminar LFP of the next 40 ms (16 contacts) is the recording. Spikes are
hidden from the loss, a relative mean squared error of the LFP. The early
response is the volley's synaptic currents, filtered by the synapses:
its size follows the E weights and its decay tau_E, directly, which is
what the surrogate gradient sees. Each fit starts 30 % off.

Run: python examples/fit_evoked.py [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import jaxfne as jtfne
from jaxfne.fit import profile_mse
from jaxfne.fit.report import recover

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_fields import Knobs  # noqa: E402  (the same two knobs as the spectrum fit)
from fit_fields import build_base as lfp_network  # noqa: E402

TRUE = {"e_scale": 1.0, "tau_e_ms": 6.0}
STARTS = [(1.3, 0.7), (0.7, 1.3), (1.3, 1.3), (0.7, 0.7)]
SIM = jtfne.simulation(duration_ms=40.0, dt_ms=0.1, seed=0)
N_TRIALS = 8


def evoked_lfp(knobs: Knobs) -> jax.Array:
    """Trial-averaged LFP `[time, contacts]` (mV) after the volley."""
    model = knobs.model()
    keys = jax.random.split(jax.random.key(5), N_TRIALS)
    return jnp.mean(jax.vmap(lambda k: model.simulate(SIM, key=k).field.lfp_proxy)(keys), 0)


def build_base() -> jtfne.Model:
    """The LFP-recording network of `fit_fields.py`, with every neuron started
    above the 30 mV peak: one synchronous volley at t = 0."""
    model = lfp_network()
    volley = dataclasses.replace(model.emitters, v_init_mV=(35.0, 36.0))
    return eqx.tree_at(lambda m: m.emitters, model, volley)


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/fit_evoked"))
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--starts", type=int, default=len(STARTS))
    args = parser.parse_args(argv)
    base = build_base()
    one = lambda x: jnp.asarray(x, base.drive.bias.dtype)
    target = evoked_lfp(Knobs(one(TRUE["e_scale"]), one(TRUE["tau_e_ms"]), base))
    loss = lambda knobs: profile_mse(evoked_lfp(knobs), target)
    starts = [Knobs(one(fe * TRUE["e_scale"]), one(ft * TRUE["tau_e_ms"]), base)
              for fe, ft in STARTS[: args.starts]]
    schedule = optax.exponential_decay(0.05, transition_steps=args.steps // 3, decay_rate=0.3)
    return recover(starts, loss, optax.adam(schedule), true=TRUE, steps=args.steps,
                   out=args.out, positive=list(TRUE))


if __name__ == "__main__":
    main()
