"""Fitting: named parameters, objectives and `fit` with optax."""

from .fit import FitHistory as FitHistory
from .fit import fit as fit
from .objectives import log_psd_distance as log_psd_distance
from .objectives import population_rates_hz as population_rates_hz
from .objectives import power_spectrum as power_spectrum
from .objectives import profile_mse as profile_mse
from .objectives import rate_mse_hz2 as rate_mse_hz2
from .objectives import spectrum_log_distance as spectrum_log_distance
from .objectives import trial_mean as trial_mean
from .objectives import weighted_sum as weighted_sum
from .parameters import parameter_paths as parameter_paths
from .parameters import parameters as parameters
from .parameters import with_parameters as with_parameters
