"""Batches of trials: `vmap` over keys, sharded over devices when there are several.

The batch axis (trials, or parameter sets built inside `fn`) is split over
the devices with `jax.sharding`; each device simulates its share and the
results are the same as on one device. On several hosts, call
`jax.distributed.initialize()` first on every host: `jax.devices()` then
lists the devices of all hosts and the same code shards over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import equinox as eqx
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .model import Model
from .signals import Signals
from .simulate import Simulation

__all__ = ["simulate_batch"]


def simulate_batch(model: Model, sim: Simulation, keys: jax.Array, *,
                   devices: Sequence[Any] | None = None) -> Signals:
    """Simulate one trial per key; every array of the result gains a leading batch axis.

    Args:
        model: the model.
        sim: the simulation (its seed is not used; each trial has its key).
        keys: `[batch]` PRNG keys, e.g. `jax.random.split(jax.random.key(0), 64)`.
        devices: devices to shard the batch over (default: all of
            `jax.devices()`); the batch size must be a multiple of their number.
    """
    devices = list(jax.devices() if devices is None else devices)
    batch = keys.shape[0]
    if batch % len(devices):
        raise ValueError(f"`keys` must hold a multiple of the {len(devices)} devices' count "
                         f"of trials; got {batch}.")
    if len(devices) > 1:
        mesh = Mesh(np.asarray(devices), ("batch",))
        keys = jax.device_put(keys, NamedSharding(mesh, PartitionSpec("batch")))
    return _run_batch(model, sim, keys)


@eqx.filter_jit
def _run_batch(model: Model, sim: Simulation, keys: jax.Array) -> Signals:
    # Module-level and jitted once per (model structure, simulation, batch shape):
    # a new closure per call would recompile every time.
    return jax.vmap(lambda k: model.simulate(sim, key=k))(keys)
