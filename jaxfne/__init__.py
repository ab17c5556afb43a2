"""jaxfne: differentiable spiking cortical circuits and their extracellular fields.

The workflow::

    import jaxfne as jtfne
    cfg = jtfne.configuration().network(...).emitter(...).field(...).probe(...)
    model = jtfne.construct(cfg)
    signals = model.simulate(jtfne.simulation(duration_ms=100.0, dt_ms=0.1, seed=42))
"""

from .analysis import summary as summary
from .batch import simulate_batch as simulate_batch
from .column import cortical_column as cortical_column
from .config import Configuration as Configuration
from .config import configuration as configuration
from .construct import DENSE_MAX_NEURONS as DENSE_MAX_NEURONS
from .construct import construct as construct
from .construct import event_capacity as event_capacity
from .drive import Drive as Drive
from .drive import PoissonInput as PoissonInput
from .fit import FitHistory as FitHistory
from .fit import fit as fit
from .fit import parameters as parameters
from .fit import with_parameters as with_parameters
from .geometry import Geometry as Geometry
from .io import bundle as bundle
from .io import save as save
from .model import Model as Model
from .neurons import LIF as LIF
from .neurons import AbstractNeuron as AbstractNeuron
from .neurons import Izhikevich as Izhikevich
from .neurons import Surrogate as Surrogate
from .signals import Signals as Signals
from .simulate import DivergenceError as DivergenceError
from .simulate import Simulation as Simulation
from .simulate import SpikeBufferOverflowError as SpikeBufferOverflowError
from .simulate import simulation as simulation
from .synapses import DenseConnectivity as DenseConnectivity
from .synapses import DenseEventConnectivity as DenseEventConnectivity
from .synapses import EventConnectivity as EventConnectivity
from .synapses import ExponentialSynapses as ExponentialSynapses
from .synapses import Projection as Projection
from .synapses import SparseConnectivity as SparseConnectivity

__version__ = "0.1.0"
