"""Recover the external drive and the E-to-E weight scale from population rates.

The 100-neuron tutorial network with a drive scale of 1 and an E->E weight
scale of 1 gives the target E and I rates (trial-averaged over seeds). The
fit sees only those two rates and starts 30 % off, from several starting
points. Gradients pass the spike threshold through the default surrogate
("local" mode, see docs/fitting.md).

The two scalars are not leaves of the model, so they live in a small Equinox
module that builds the model from them: `jtfne.fit` fits any module.

Run: python examples/fit_rates.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import optax

import jaxfne as jtfne
from jaxfne.fit import population_rates_hz
from jaxfne.fit.report import recover

TRUE = {"drive_scale": 1.0, "ee_scale": 1.0}
STARTS = [(1.3, 0.7), (0.7, 1.3), (1.3, 1.3), (0.7, 0.7)]
SIM = jtfne.simulation(duration_ms=500.0, dt_ms=0.1, seed=0)
DISCARD_MS = 100.0
N_TRIALS = 10


class Knobs(eqx.Module):
    """Scalar knobs on a base network: drive (bias) scale and E->E weight scale."""

    drive_scale: jax.Array
    ee_scale: jax.Array
    base: jtfne.Model

    def model(self) -> jtfne.Model:
        e_proj = self.base.coupling.projections[0]
        n_e = self.base.populations[0][2]
        w = e_proj.connectivity.weights
        w = w.at[:n_e].multiply(self.ee_scale)  # rows: E targets; columns: E sources
        m = eqx.tree_at(lambda m: m.coupling.projections[0].connectivity.weights, self.base, w)
        return eqx.tree_at(lambda m: m.drive.bias, m, self.base.drive.bias * self.drive_scale)


def rates(knobs: Knobs) -> dict[str, jax.Array]:
    model = knobs.model()
    keys = jax.random.split(jax.random.key(1), N_TRIALS)

    def one(key):
        s = model.simulate(SIM, key=key)
        return population_rates_hz(s.spikes, SIM.dt_ms, model.populations, DISCARD_MS)

    per_trial = jax.vmap(one)(keys)
    return {k: jnp.mean(v) for k, v in per_trial.items()}


def build_base() -> jtfne.Model:
    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .probe(name="rates", modes=["spikes"]))
    return jtfne.construct(cfg)


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/fit_rates"))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--starts", type=int, default=len(STARTS))
    args = parser.parse_args(argv)
    base = build_base()
    one = lambda x: jnp.asarray(x, base.drive.bias.dtype)
    target = {k: float(v) for k, v in
              rates(Knobs(one(TRUE["drive_scale"]), one(TRUE["ee_scale"]), base)).items()}
    print("target rates (Hz):", {k: round(v, 3) for k, v in target.items()})

    def loss(knobs: Knobs) -> jax.Array:
        r = rates(knobs)
        return sum(((r[k] - target[k]) / target[k]) ** 2 for k in target)

    starts = [Knobs(one(fd), one(fe), base) for fd, fe in STARTS[: args.starts]]
    return recover(starts, loss, optax.adam(0.03), true=TRUE, steps=args.steps, out=args.out,
                   positive=list(TRUE))

if __name__ == "__main__":
    main()
