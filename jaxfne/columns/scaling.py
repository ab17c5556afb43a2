"""PD14 synapse counts, scaling and the population-level parameters (plain NumPy).

Synapse counts ([P] eq. 1). C_yx is the probability that a pair has at least one
synapse; with multapses allowed, the total number of synapses is

    S_yx = ln(1 - C_yx) / ln(1 - 1 / (N_y N_x)),

computed with the full-scale sizes. A network scaled by `scale` (neurons) and
`k_scale` (in-degrees) gets round(S_yx * scale * k_scale) synapses (so the mean
in-degree is K_yx * k_scale), as in the reference implementation.

Down-scaling (van Albada et al. 2015). With K scaled by k, the weights become
J / sqrt(k) (recurrent, external and thalamic), the external in-degree
round(K_ext k), and each population gets the DC that restores the full-scale mean
input:

    I_DC = 1e-3 tau_s (1 - sqrt(k)) [sum_x J_yx K_yx nu_x + J K_ext nu_bg]   (pA),

with full-scale J, K and the published full-scale rates nu_x (set A); the
external term only with Poisson background (with DC background the background
current 1e-3 tau_s J K_ext nu_bg is given unscaled). This preserves the mean and
the variance of the input, not the rates: at scale 0.1 NEST's rates are 10-50 %
below the full-scale ones (PD14.md section 3.2).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from typing import Any

import numpy as np

from . import pd14

__all__ = [
    "BACKGROUNDS", "PD14Parameters", "V0_TYPES", "full_synapse_counts", "pd14_parameters",
    "scaled_sizes", "synapse_counts", "thalamic_synapse_counts",
]

BACKGROUNDS = ("poisson", "dc")
V0_TYPES = ("optimized", "original")

# --------------------------------------------------------------------------------------
# Argument checks (messages name the argument, the value and what is allowed)
# --------------------------------------------------------------------------------------


def _fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number in (0, 1]; got {value!r}.")
    v = float(value)
    if not (math.isfinite(v) and 0.0 < v <= 1.0):
        raise ValueError(f"`{name}` must be in (0, 1]; got {value!r}.")
    return v


def _resolve_scales(scale: Any, k_scale: Any) -> tuple[float, float]:
    s = _fraction("scale", scale)
    k = s if k_scale is None else _fraction("k_scale", k_scale)
    smallest = int(pd14.N_FULL.min())
    if round(smallest * s) < 1:
        raise ValueError(f"`scale` must leave at least one neuron in every population "
                         f"(the smallest has {smallest} at full scale), i.e. be at least "
                         f"{0.5 / smallest:.2g}; got {scale!r}.")
    return s, k


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {', '.join(map(repr, allowed))}; "
                         f"got {value!r}.")
    return str(value)


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"`{name}` must be a finite positive number; got {value!r}.")
    return float(value)


def _rates(value: Any) -> np.ndarray:
    arr = np.asarray(pd14.RATES_FULL_A if value is None else value, dtype=np.float64)
    if arr.shape != (len(pd14.POPULATIONS),) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"`reference_rates_hz` must be 8 finite non-negative rates (spikes/s) "
                         f"in the order {pd14.POPULATIONS}; got {value!r}.")
    return arr


# --------------------------------------------------------------------------------------
# Population-level quantities
# --------------------------------------------------------------------------------------


def scaled_sizes(scale: float | int = 1.0) -> np.ndarray:
    """Population sizes round(N_full * scale) (int64, 8)."""
    s = _fraction("scale", scale)
    return np.round(pd14.N_FULL * s).astype(np.int64)


def full_synapse_counts() -> np.ndarray:
    """Full-scale S_yx = ln(1 - C_yx) / ln(1 - 1/(N_y N_x)) `[target, source]` (float64).

    `log1p` keeps the denominator exact for N_y N_x ~ 5e8 (a plain `log(1 - x)`
    loses about 7 digits there).
    """
    n = pd14.N_FULL.astype(np.float64)
    return np.log1p(-pd14.CONN_PROBS) / np.log1p(-1.0 / np.outer(n, n))


def synapse_counts(scale: float | int = 1.0, k_scale: float | int | None = None) -> np.ndarray:
    """Synapses per projection `[target, source]`: round(S_full * scale * k_scale) (int64).

    `k_scale=None` means `k_scale = scale` (both neurons and in-degrees scaled). The
    mean in-degree is `synapse_counts / scaled_sizes[:, None]`: K_full * k_scale.
    """
    s, k = _resolve_scales(scale, k_scale)
    return np.round(full_synapse_counts() * s * k).astype(np.int64)


def thalamic_synapse_counts(
    scale: float | int = 1.0, k_scale: float | int | None = None,
) -> np.ndarray:
    """Thalamic synapses per target population: round(S_th * scale * k_scale) (int64, 8).

    S_th uses [P] eq. 1 with the 902 thalamic neurons and the full-scale target sizes.
    The thalamus itself is not scaled; scaling the count by `scale * k_scale` keeps the
    thalamic in-degree at K_th * k_scale, like the recurrent ones. (The INM-6 reference
    multiplies by K_scaling only, so its thalamic in-degree grows as 1/N_scaling.)
    """
    s, k = _resolve_scales(scale, k_scale)
    n_th = float(pd14.THALAMUS["n_neurons"])
    n = pd14.N_FULL.astype(np.float64)
    full = np.log1p(-pd14.CONN_PROBS_THALAMUS) / np.log1p(-1.0 / (n * n_th))
    return np.round(full * s * k).astype(np.int64)


@dataclasses.dataclass(frozen=True, eq=False)
class PD14Parameters:
    """Population-level parameters of a (possibly scaled) PD14 network.

    Arrays have one entry per population (order of `pd14.POPULATIONS`), matrices are
    `[target, source]`. Currents in pA, times in ms, rates in spikes/s.

    Attributes:
        scale, k_scale: neuron and in-degree scaling factors.
        background: "poisson" (K_ext independent trains at 8 spikes/s per neuron) or
            "dc" (their mean current).
        dt_ms: time step (delays are multiples of it).
        n_neurons: population sizes (int64).
        synapse_counts: synapses per projection (int64).
        weight_mean_pA: mean PSC amplitudes, J / sqrt(k_scale) (float64).
        weight_rel_sd: SD of the weights relative to |mean|.
        delay_mean_ms, delay_sd_ms: per source population.
        ext_indegree: external in-degree round(K_ext k_scale) (0 for "dc").
        ext_rate_hz: total external Poisson rate per neuron, 8 * ext_indegree.
        ext_weight_pA: weight of each external spike, J / sqrt(k_scale).
        ext_delay_ms: delay of the external input (1.5 ms; irrelevant for a
            stationary Poisson input).
        background_dc_pA: the DC that replaces the Poisson background ("dc" only).
        compensation_dc_pA: the van Albada DC (0 when k_scale = 1).
        thalamic_synapse_counts, thalamic_weight_pA: thalamic projections.
        v0_mean_mV, v0_sd_mV: initial membrane potentials, normal.
        reference_rates_hz: the full-scale rates used for the compensation DC.
    """

    scale: float
    k_scale: float
    background: str
    dt_ms: float
    n_neurons: np.ndarray
    synapse_counts: np.ndarray
    weight_mean_pA: np.ndarray
    weight_rel_sd: float
    delay_mean_ms: np.ndarray
    delay_sd_ms: np.ndarray
    ext_indegree: np.ndarray
    ext_rate_hz: np.ndarray
    ext_weight_pA: float
    ext_delay_ms: float
    background_dc_pA: np.ndarray
    compensation_dc_pA: np.ndarray
    thalamic_synapse_counts: np.ndarray
    thalamic_weight_pA: float
    v0_mean_mV: np.ndarray
    v0_sd_mV: np.ndarray
    reference_rates_hz: np.ndarray

    @property
    def dc_pA(self) -> np.ndarray:
        """Total constant input current per population (pA): background + compensation."""
        return self.background_dc_pA + self.compensation_dc_pA


def pd14_parameters(
    scale: float | int = 1.0, k_scale: float | int | None = None, *,
    background: str = "poisson", dt_ms: float | int = 0.1, v0: str = "optimized",
    reference_rates_hz: Any = None,
) -> PD14Parameters:
    """The population-level parameters of the PD14 network (see `PD14Parameters`).

    Args:
        scale: fraction of neurons kept, in (0, 1].
        k_scale: fraction of in-degrees kept, in (0, 1]; None means `scale` (the van
            Albada recipe: both scaled, weights times 1/sqrt(k_scale), DC compensation).
        background: "poisson" or "dc" (PD14's DC variant: the mean of the Poisson input).
            With "dc" and k_scale below a population's critical scale (0.41 for
            L2/3e down to 0.09 for L6i, PD14.md 4.2) its DC alone is sub-threshold:
            NEST at 0.1 stays silent except L6i.
        dt_ms: time step (ms).
        v0: initial potentials, "optimized" (population-specific) or "original"
            (N(-58, 10) mV).
        reference_rates_hz: full-scale rates for the compensation DC (default: set A).
    """
    s, k = _resolve_scales(scale, k_scale)
    background = _choice("background", background, BACKGROUNDS)
    v0 = _choice("v0", v0, V0_TYPES)
    dt = _positive("dt_ms", dt_ms)
    rates = _rates(reference_rates_hz)
    tau_s = pd14.NEURON["tau_syn_ex_ms"]
    j = pd14.PSP_EXC_MV * pd14.psc_per_psp_pA_per_mV()
    w_full = pd14.weight_matrix_pA()
    sqrt_k = math.sqrt(k)
    k_full = full_synapse_counts() / pd14.N_FULL[:, None]
    recurrent = (w_full * k_full * rates[None, :]).sum(axis=1)  # pA spikes/s
    external = j * pd14.K_EXT * pd14.BG_RATE_HZ
    compensation = 1e-3 * tau_s * (1.0 - sqrt_k) * recurrent
    if background == "poisson":
        ext_k = np.round(pd14.K_EXT * k).astype(np.int64)
        background_dc = np.zeros(len(pd14.POPULATIONS))
        compensation = compensation + 1e-3 * tau_s * (1.0 - sqrt_k) * external
    else:
        ext_k = np.zeros(len(pd14.POPULATIONS), dtype=np.int64)
        background_dc = 1e-3 * tau_s * external
    d_mean = np.where(pd14.IS_EXCITATORY, pd14.DELAY_EXC_MS, pd14.DELAY_INH_MS)
    if v0 == "optimized":
        v0_mean, v0_sd = pd14.V0_OPTIMIZED_MEAN_MV.copy(), pd14.V0_OPTIMIZED_SD_MV.copy()
    else:
        v0_mean = np.full(len(pd14.POPULATIONS), pd14.V0_ORIGINAL_MEAN_MV)
        v0_sd = np.full(len(pd14.POPULATIONS), pd14.V0_ORIGINAL_SD_MV)
    th_psc = pd14.THALAMUS["psp_mV"] * pd14.psc_per_psp_pA_per_mV()
    return PD14Parameters(
        scale=s, k_scale=k, background=background, dt_ms=dt,
        n_neurons=scaled_sizes(s), synapse_counts=synapse_counts(s, k),
        weight_mean_pA=w_full / sqrt_k, weight_rel_sd=pd14.WEIGHT_REL_SD,
        delay_mean_ms=d_mean, delay_sd_ms=pd14.DELAY_REL_SD * d_mean,
        ext_indegree=ext_k, ext_rate_hz=pd14.BG_RATE_HZ * ext_k.astype(np.float64),
        ext_weight_pA=j / sqrt_k, ext_delay_ms=pd14.DELAY_EXT_MS,
        background_dc_pA=background_dc, compensation_dc_pA=compensation,
        thalamic_synapse_counts=thalamic_synapse_counts(s, k), thalamic_weight_pA=th_psc / sqrt_k,
        v0_mean_mV=v0_mean, v0_sd_mV=v0_sd, reference_rates_hz=rates,
    )
