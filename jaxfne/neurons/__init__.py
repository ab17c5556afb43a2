"""Neuron models (emitters)."""

from ._base import AbstractNeuron as AbstractNeuron
from ._spike import Surrogate as Surrogate
from .izhikevich import IZHIKEVICH_PRESETS as IZHIKEVICH_PRESETS
from .izhikevich import Izhikevich as Izhikevich
from .izhikevich import IzhikevichState as IzhikevichState
from .lif import LIF as LIF
from .lif import LIF_PRESETS as LIF_PRESETS
from .lif import LIFState as LIFState
