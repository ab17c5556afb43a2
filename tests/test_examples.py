import importlib.util
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import numpy as np

import jaxfne as jtfne

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_custom_network_example_runs_and_its_pathways_matter():
    example = load("custom_network")
    rates = example.main()
    assert set(rates) == {"P", "PV", "SST"}
    assert all(0.5 < r < 100 for r in rates.values())
    model = example.build()
    names = [p.name for p in model.coupling.projections]
    assert len(set(names)) == 7
    taus = {p.name: float(p.tau_ms) for p in model.coupling.projections}
    assert taus["SST->P"] == 20.0 and taus["P->P"] == 3.0
    # Silencing SST -> P inhibition (by hand, with eqx.tree_at) raises the P rate.
    i = names.index("SST->P")
    free = eqx.tree_at(lambda m: m.coupling.projections[i].scale, model, jnp.asarray(0.0))
    sim = jtfne.simulation(300.0, 0.1, seed=1)
    p_rate = lambda m: float(np.asarray(m.simulate(sim).spikes)[:, :80].mean())
    assert p_rate(free) > p_rate(model)


def test_published_tutorial_runs_as_written():
    """The tutorial's code (core and field parts), exactly as published."""
    example = load("network_100_ei")
    cfg, model, signals, readouts = example.tutorial()
    assert signals.spikes.shape == (1000, 100)
    assert signals.field.lfp_proxy.shape == (1000, 16)
    units = [r.units for r in readouts]
    assert units == ["Hz", "mV", "nA", "uV", "nA/mm^3", "mV", "fT", "W"]
