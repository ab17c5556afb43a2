"""Compare backward-pass treatments of the spike threshold against finite differences.

Objective: mean population rate (Hz) of the 100-neuron tutorial network,
averaged over 20 noise seeds, for runs of 1,000 and 10,000 steps (dt = 0.1
ms). Parameters: drive scale (bias multiplier), E and I weight scales, at
1.0 each. Ground truth: central finite differences (h = 0.1) with the same
20 seeds on both sides. Treatments: the default "local" surrogate, "local"
with network feedback 0.03, and "full" back-propagation (reset and
quadratic upswing differentiated).

Run: python benchmarks/bench_surrogate.py
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

import jaxfne as jtfne

TREATMENTS = {
    "local (default)": jtfne.Surrogate(),
    "local, feedback 0.03": jtfne.Surrogate(feedback=0.03),
    "full": jtfne.Surrogate(mode="full"),
}
NAMES = ("drive", "E weight scale", "I weight scale")


def main() -> None:
    cfg = (jtfne.configuration()
           .network(name="network_100_ei", kind="balanced_ei_population", n=100,
                    cell_types={"E": 0.75, "I": 0.25})
           .emitter(family="izhikevich", preset="cortical_eig")
           .probe(name="rates", modes=["spikes"]))
    base = jtfne.construct(cfg)
    keys = jax.random.split(jax.random.key(7), 20)
    print("| steps | treatment | " + " | ".join(f"d rate / d {n} (ratio to FD)" for n in NAMES)
          + " |")
    print("|---|---|---|---|---|")
    for steps in (1000, 10000):
        sim = jtfne.simulation(steps * 0.1, 0.1, seed=0)

        def rate(theta, model, sim=sim):
            m = eqx.tree_at(lambda m: m.drive.bias, model, model.drive.bias * theta[0])
            m = eqx.tree_at(lambda m: (m.coupling.projections[0].scale,
                                       m.coupling.projections[1].scale), m,
                            (theta[1], theta[2]))
            return jnp.mean(jax.vmap(lambda k: jnp.mean(m.simulate(sim, key=k).spikes))(keys)
                            ) / 1e-4

        theta = jnp.ones(3)
        forward = eqx.filter_jit(rate)
        fd = np.array([float((forward(theta + 0.1 * e, base) - forward(theta - 0.1 * e, base))
                             / 0.2) for e in jnp.eye(3)])
        print(f"| {steps} | finite differences | " + " | ".join(f"{v:.3g}" for v in fd) + " |")
        for label, surrogate in TREATMENTS.items():
            model = eqx.tree_at(lambda m: m.emitters.surrogate, base, surrogate)
            grad = np.asarray(eqx.filter_jit(jax.grad(rate))(theta, model))
            cells = [f"{g:.3g} ({g / f:.2g})" if np.isfinite(g) else "NaN"
                     for g, f in zip(grad, fd)]
            print(f"| {steps} | {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
