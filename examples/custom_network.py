"""A network the builder does not offer, composed directly from jaxfne's modules.

Three populations (80 pyramidal cells "P", 20 parvalbumin "PV" and 20
somatostatin "SST" interneurons) with hand-made connectivity and a
different synaptic time constant for every pathway:

    P -> P   fast AMPA-like, 3 ms        P -> PV  2 ms     P -> SST  4 ms
    PV -> P  GABA-A perisomatic, 8 ms    PV -> PV 6 ms
    SST -> P dendritic, slow, 20 ms      SST -> PV 15 ms

Each pathway is one `Projection`; the model is assembled with no builder and
no configuration, then simulated like any other.

Run: python examples/custom_network.py
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

import jaxfne as jtfne
from jaxfne.analysis import population_rates_hz
from jaxfne.neurons import IZHIKEVICH_PRESETS

SIZES = {"P": 80, "PV": 20, "SST": 20}
CELL_CLASS = {"P": "regular_spiking", "PV": "fast_spiking", "SST": "low_threshold_spiking"}
# (pre, post): (in-degree, weight mV/ms, tau ms)
PATHWAYS = {
    ("P", "P"): (12, 0.6, 3.0),
    ("P", "PV"): (16, 1.0, 2.0),
    ("P", "SST"): (16, 0.5, 4.0),
    ("PV", "P"): (6, -1.2, 8.0),
    ("PV", "PV"): (4, -1.0, 6.0),
    ("SST", "P"): (6, -0.5, 20.0),
    ("SST", "PV"): (4, -0.5, 15.0),
}


def build(seed: int = 0) -> jtfne.Model:
    rng = np.random.default_rng(seed)
    names = list(SIZES)
    bounds, start = {}, 0
    for name in names:
        bounds[name] = (start, start + SIZES[name])
        start += SIZES[name]
    n = start
    cell = np.concatenate([[CELL_CLASS[p]] * SIZES[p] for p in names])
    param = lambda key: jnp.asarray([IZHIKEVICH_PRESETS[c][key] for c in cell])
    emitters = jtfne.Izhikevich(
        a=param("a"), b=param("b"), c=param("c"), d=param("d"),
        capacitance_pF=param("capacitance_pF"), v_peak_mV=jnp.full(n, 30.0),
    )

    projections = []
    for (pre, post), (k, weight, tau) in PATHWAYS.items():
        pre_ids = np.arange(*bounds[pre])
        weights = np.zeros((n, n))
        for target in range(*bounds[post]):
            sources = rng.choice(pre_ids[pre_ids != target], size=k, replace=False)
            weights[target, sources] = weight
        projections.append(jtfne.Projection(
            connectivity=jtfne.DenseConnectivity(jnp.asarray(weights)),
            tau_ms=jnp.asarray(tau), scale=jnp.asarray(1.0),
            sign="excitatory" if weight > 0 else "inhibitory", name=f"{pre}->{post}",
        ))

    bias = jnp.asarray([{"P": 4.5, "PV": 3.0, "SST": 3.5}[p] for p in names for _ in
                        range(SIZES[p])])
    drive = jtfne.Drive(bias=bias, noise_sigma=jnp.full(n, 2.5), noise_tau_ms=jnp.asarray(5.0),
                        noise="ou")
    depths = np.concatenate([rng.uniform(300, 500, SIZES["P"]), rng.uniform(250, 550, 40)])
    geometry = jtfne.Geometry(soma_depth_um=jnp.asarray(depths), radius_um=jnp.asarray(300.0))
    return jtfne.Model(
        emitters=emitters,
        coupling=jtfne.ExponentialSynapses(projections=tuple(projections)),
        drive=drive, geometry=geometry,
        populations=tuple((p, *bounds[p]) for p in names),
        record=("spikes", "V_m", "source"),
    )


def main() -> dict[str, float]:
    model = build()
    signals = model.simulate(jtfne.simulation(duration_ms=500.0, dt_ms=0.1, seed=1))
    rates = population_rates_hz(signals, discard_ms=100.0)
    for name, rate in rates.items():
        print(f"{name:>4}: {rate:6.2f} Hz")
    return rates


if __name__ == "__main__":
    main()
