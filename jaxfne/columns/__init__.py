"""Cortical column models as plain NumPy data: the Potjans & Diesmann (2014) microcircuit.

`pd14` holds the published parameter tables with their sources, `scaling` turns
them into synapse counts and population-level parameters at any scale
(`synapse_counts`, `pd14_parameters`, with the van Albada compensation), `build`
into a drawn network (`pd14_network`: per-neuron parameters, soma depths and the
edge list), and
`laminar` says at which depth each population's synaptic currents enter.

Nothing here imports JAX or another jaxfne module, so a peer simulator's script can
load this package by path (see `benchmarks/peers/pd14_nest.py`).
"""

from . import laminar as laminar
from . import pd14 as pd14
from .build import PD14Network as PD14Network
from .build import ThalamicInput as ThalamicInput
from .build import pd14_network as pd14_network
from .scaling import PD14Parameters as PD14Parameters
from .scaling import full_synapse_counts as full_synapse_counts
from .scaling import pd14_parameters as pd14_parameters
from .scaling import scaled_sizes as scaled_sizes
from .scaling import synapse_counts as synapse_counts
from .scaling import thalamic_synapse_counts as thalamic_synapse_counts

__all__ = [
    "PD14Network", "PD14Parameters", "ThalamicInput", "full_synapse_counts", "laminar", "pd14",
    "pd14_network", "pd14_parameters", "scaled_sizes", "synapse_counts",
    "thalamic_synapse_counts",
]
