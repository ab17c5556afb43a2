"""Recover tissue conductivity and column radius from a laminar LFP.

A fixed source pattern (a sink at 300 um and a source at 700 um, with a
second pair oscillating at 10 Hz deeper down) is put through the disc field
model with sigma = 0.3 S/m and R = 300 um; the fit sees only the 16-contact
LFP and starts from values 30 % off, from several starting points.

Run: python examples/fit_tissue.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxfne.fields import FieldGeometry
from jaxfne.fields._stage import potential_operators
from jaxfne.fit.report import recover

jax.config.update("jax_enable_x64", True)
TRUE = {"sigma_S_per_m": 0.3, "radius_um": 300.0}
STARTS = [(1.3, 0.7), (0.7, 1.3), (1.3, 1.3), (0.7, 0.7)]


def source_pattern(geometry: FieldGeometry) -> jax.Array:
    """`[time, depth]` CSD (uA/mm^3): two sink-source pairs with their own time courses."""
    z = geometry.depth_um
    t = jnp.arange(200) * 0.5
    bump = lambda centre, width: jnp.exp(-0.5 * ((z - centre) / width) ** 2)
    pair1 = bump(700.0, 60.0) - bump(300.0, 60.0)
    pair2 = bump(1100.0, 40.0) - bump(900.0, 40.0)
    return (jnp.outer(1.0 + 0.5 * jnp.sin(2 * jnp.pi * t / 40.0), pair1)
            + jnp.outer(jnp.cos(2 * jnp.pi * t / 100.0), pair2))


def lfp(geometry: FieldGeometry, csd: jax.Array) -> jax.Array:
    return csd @ potential_operators(geometry)[1].T


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/fit_tissue"))
    parser.add_argument("--steps", type=int, default=300)
    args = parser.parse_args(argv)
    truth = FieldGeometry.build(radius_um=TRUE["radius_um"], conductivity=TRUE["sigma_S_per_m"])
    csd = source_pattern(truth)
    target = lfp(truth, csd)
    loss = lambda g: jnp.mean((lfp(g, csd) - target) ** 2) / jnp.mean(target**2)
    starts = [FieldGeometry.build(radius_um=TRUE["radius_um"] * fr,
                                  conductivity=TRUE["sigma_S_per_m"] * fs) for fs, fr in STARTS]
    return recover(starts, loss, optax.adam(0.05), true=TRUE, steps=args.steps, out=args.out)

if __name__ == "__main__":
    errors = main()
    np.testing.assert_array_less(list(errors.values()), 0.01)
