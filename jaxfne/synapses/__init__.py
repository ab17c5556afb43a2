"""Synaptic connectivity and kinetics."""

from .connectivity import AbstractConnectivity as AbstractConnectivity
from .connectivity import DenseConnectivity as DenseConnectivity
from .connectivity import DenseEventConnectivity as DenseEventConnectivity
from .connectivity import EventConnectivity as EventConnectivity
from .connectivity import SparseConnectivity as SparseConnectivity
from .connectivity import bernoulli_edges as bernoulli_edges
from .connectivity import fixed_indegree_edges as fixed_indegree_edges
from .exponential import ExponentialSynapses as ExponentialSynapses
from .exponential import Projection as Projection
from .exponential import SynapseState as SynapseState
