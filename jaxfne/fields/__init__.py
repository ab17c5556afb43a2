"""Extracellular fields: forward models, CSD estimators, head models, energy, probes.

Stateless functions use library units (um, nA, S/m, mV, nA*um, fT, uA/mm^3),
take time as the first axis, and are differentiable and jit-able.
"""

from ._csd import delta_icsd as delta_icsd
from ._csd import delta_icsd_matrix as delta_icsd_matrix
from ._csd import disc_forward_matrix as disc_forward_matrix
from ._csd import spline_icsd as spline_icsd
from ._csd import spline_icsd_matrix as spline_icsd_matrix
from ._csd import standard_csd as standard_csd
from ._csd import standard_csd_matrix as standard_csd_matrix
from ._csd import step_icsd as step_icsd
from ._csd import step_icsd_matrix as step_icsd_matrix
from ._csd import thin_disc_forward_matrix as thin_disc_forward_matrix
from ._energy import EnergyBudget as EnergyBudget
from ._energy import EnergyConstants as EnergyConstants
from ._energy import metabolic_budget as metabolic_budget
from ._energy import ohmic_dissipation as ohmic_dissipation
from ._geometry import FieldGeometry as FieldGeometry
from ._head import four_sphere_potential as four_sphere_potential
from ._head import four_sphere_transfer_matrix as four_sphere_transfer_matrix
from ._laminar import extracellular_current_density as extracellular_current_density
from ._laminar import poisson_matrix as poisson_matrix
from ._laminar import poisson_potential as poisson_potential
from ._meg import magnetic_field_infinite as magnetic_field_infinite
from ._meg import magnetic_field_sarvas as magnetic_field_sarvas
from ._meg import sarvas_transfer_matrix as sarvas_transfer_matrix
from ._placement import eeg_10_20_positions as eeg_10_20_positions
from ._placement import meg_helmet_positions as meg_helmet_positions
from ._potentials import current_dipole_moment as current_dipole_moment
from ._potentials import infinite_dipole_potential as infinite_dipole_potential
from ._potentials import line_source_potential as line_source_potential
from ._potentials import point_source_potential as point_source_potential
from ._probes import Readout as Readout
from ._probes import csd_proxy_probe as csd_proxy_probe
from ._probes import dipole_from_lfp as dipole_from_lfp
from ._probes import eeg_proxy_probe as eeg_proxy_probe
from ._probes import emm_proxy_probe as emm_proxy_probe
from ._probes import lfp_proxy_probe as lfp_proxy_probe
from ._probes import meg_proxy_probe as meg_proxy_probe
from ._probes import source_probe as source_probe
from ._probes import spk_probe as spk_probe
from ._probes import vm_probe as vm_probe
from ._sources import CHANNELS as CHANNELS
from ._sources import CompartmentSources as CompartmentSources
from ._sources import TwoPointSources as TwoPointSources
from ._stage import FieldSignals as FieldSignals
from ._stage import FieldStage as FieldStage
