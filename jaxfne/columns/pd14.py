"""Potjans & Diesmann (2014) cortical microcircuit ("PD14"): the parameter tables.

Plain Python and NumPy only: no JAX and no other jaxfne module is imported, so
that a peer simulator's script (benchmarks/peers/pd14_nest.py) can load this
file by path in an environment without JAX.

Sources (tags used in the comments below; /work/shared/PD14.md has the details):

- [P]   Potjans T.C., Diesmann M. (2014) The cell-type specific cortical
        microcircuit. Cereb. Cortex 24:785-806, doi:10.1093/cercor/bhs358
        (Table 5 holds the network parameters).
- [MD]  INM-6/microcircuit-PD14-model, formal model description (tables for N,
        C, weights, delays, thalamic input, scaling formulas).
- [NP]  INM-6/microcircuit-PD14-model, PyNEST/src/microcircuit/network_params.py
        (the reference implementation's values and `full_mean_rates`).
- [SP]  NEST example Potjans_2014/stimulus_params.py (thalamic input).
- [L22] Layer et al. (2022) Front. Neuroinform. 16:835657, Table A1
        (independent cross-check: K(L4e<-L4i) = 795, K_ext(L4e) = 2100).
- [H16] Hagen E., Dahmen D., Stavrinou M.L., Linden H., Tetzlaff T., van Albada
        S.J., Gruen S., Diesmann M., Einevoll G.T. (2016) Hybrid scheme for
        modeling local field potentials from point-neuron networks. Cereb.
        Cortex 26:4461-4496 (layer boundaries; layer specificity of synapses).
- [B04] Binzegger T., Douglas R.J., Martin K.A.C. (2004) A quantitative map of
        the circuit of cat primary visual cortex. J. Neurosci. 24:8441-8453
        (synapses per layer, per pre- and postsynaptic cell type).
- [vA15] van Albada S.J., Helias M., Diesmann M. (2015) Scalability of
        asynchronous networks is limited by one-to-one mapping between
        effective connectivity and correlations. PLoS Comput. Biol. 11:e1004490
        (down-scaling with 1/sqrt(K) weights plus a compensating DC).

Conventions: populations in the order of `POPULATIONS`; matrices are indexed
`[target, source]`; currents in pA (NEST's unit; jaxfne's core works in nA),
potentials in mV, times in ms, rates in spikes/s, depths in um below the pia.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "BG_RATE_HZ", "CONN_PROBS", "CONN_PROBS_THALAMUS", "DELAY_EXC_MS", "DELAY_EXT_MS",
    "DELAY_REDRAW_BELOW_DT",
    "DELAY_INH_MS", "DELAY_REL_SD", "G", "IS_EXCITATORY", "K_EXT", "L4E_TO_L23E_FACTOR",
    "LAYERS_UM", "LAYER_OF_POPULATION", "N_FULL", "NEST_RATES_SCALE_0P1", "NEURON",
    "POPULATIONS", "PSP_EXC_MV", "RATES_FULL_A", "RATES_FULL_B", "RATES_FULL_C",
    "SYNAPSE_LAYER_FRACTIONS", "SYNAPSE_SOURCES", "THALAMUS", "V0_OPTIMIZED_MEAN_MV",
    "V0_OPTIMIZED_SD_MV", "V0_ORIGINAL_MEAN_MV", "V0_ORIGINAL_SD_MV", "WEIGHT_REL_SD",
    "delay_matrix_ms", "layer_bounds_um", "psc_per_psp_pA_per_mV", "weight_matrix_pA",
]

# --------------------------------------------------------------------------------------
# Populations ([P] Table 5, [MD], [NP] `full_num_neurons`)
# --------------------------------------------------------------------------------------

POPULATIONS: tuple[str, ...] = ("L2/3e", "L2/3i", "L4e", "L4i", "L5e", "L5i", "L6e", "L6i")
#: Layer holding each population's somata (names as in `LAYERS_UM`).
LAYER_OF_POPULATION: tuple[str, ...] = ("L2/3", "L2/3", "L4", "L4", "L5", "L5", "L6", "L6")
#: True for the excitatory (pyramidal / spiny) populations.
IS_EXCITATORY: np.ndarray = np.array([True, False] * 4)
#: Full-scale population sizes; they sum to 77,169.
N_FULL: np.ndarray = np.array([20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948])

# --------------------------------------------------------------------------------------
# Connectivity ([P] Table 5, [NP] `conn_probs`; row = target, column = source)
# --------------------------------------------------------------------------------------

#: Probability that a (source, target) pair has at least one synapse. It becomes a
#: fixed total number of synapses through [P] eq. 1 (see `build.synapse_counts`).
CONN_PROBS: np.ndarray = np.array([
    #  L2/3e   L2/3i   L4e     L4i     L5e     L5i     L6e     L6i      <- source
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0,    0.0076, 0.0],     # L2/3e
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0,    0.0042, 0.0],     # L2/3i
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],     # L4e
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0,    0.1057, 0.0],     # L4i
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],     # L5e
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],     # L5i
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],  # L6e
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],  # L6i
])
#: Thalamus -> cortex connection probabilities per target population ([SP], [MD]).
CONN_PROBS_THALAMUS: np.ndarray = np.array(
    [0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196])

#: External (cortico-cortical) in-degrees per population ([NP] `K_ext`, [L22]).
K_EXT: np.ndarray = np.array([1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100])
#: Rate of each external Poisson input (spikes/s) ([NP] `bg_rate`).
BG_RATE_HZ: float = 8.0

# --------------------------------------------------------------------------------------
# Synapses ([P] Table 5, [MD], [NP])
# --------------------------------------------------------------------------------------

#: Mean peak of the excitatory PSP (mV); converted to a PSC amplitude below.
PSP_EXC_MV: float = 0.15
#: SD of the PSC amplitudes relative to their mean ([NP] `weight_rel_std`). Weights are
#: drawn from N(J, 0.1 |J|) and redrawn when they change sign (NEST `redraw`).
WEIGHT_REL_SD: float = 0.1
#: Relative strength of inhibition: every projection from an inhibitory population has
#: mean weight G * J.
G: float = -4.0
#: The L4e -> L2/3e projection (target L2/3e, source L4e) has twice the mean weight.
L4E_TO_L23E_FACTOR: float = 2.0

#: Mean delays (ms) of projections from excitatory and inhibitory populations, and of
#: the external Poisson input ([NP] `delay_matrix_mean`, `delay_poisson`; [L22]).
#: Some second-hand copies of [P] Table 5 print the inhibitory mean as 0.8 ms; the
#: executable references use 0.75 ms.
DELAY_EXC_MS: float = 1.5
DELAY_INH_MS: float = 0.75
DELAY_EXT_MS: float = 1.5
#: Delay SD relative to the mean ([NP] `delay_rel_std`).
DELAY_REL_SD: float = 0.5
#: d_min handling. [MD] gives d_min = 0.1 ms = dt. Delays are normal, redrawn while
#: below `DELAY_REDRAW_BELOW_DT * dt` and rounded to the nearest step, so that every
#: delay is at least one step (d_min = dt): the reference implementation redraws below
#: `resolution - 0.5 * resolution` (NEST `redraw`) and NEST rounds a delay to the nearest
#: multiple of the resolution. 3.1 % of the excitatory and 4.2 % of the inhibitory draws
#: fall below 0.1 ms; clipping them to 0 instead would be wrong.
DELAY_REDRAW_BELOW_DT: float = 0.5

# --------------------------------------------------------------------------------------
# Neurons: NEST `iaf_psc_exp`, identical for all populations ([P] Table 5, [MD], [NP])
# --------------------------------------------------------------------------------------

NEURON: dict[str, float] = {
    "C_m_pF": 250.0,
    "tau_m_ms": 10.0,
    "E_L_mV": -65.0,
    "V_th_mV": -50.0,
    "V_reset_mV": -65.0,
    "t_ref_ms": 2.0,
    "tau_syn_ex_ms": 0.5,
    "tau_syn_in_ms": 0.5,
}

#: Initial membrane potentials. "original": N(-58, 10) mV for all ([P]); "optimized":
#: population-specific values of the reference implementation ([NP]), which shorten the
#: start-up transient.
V0_ORIGINAL_MEAN_MV: float = -58.0
V0_ORIGINAL_SD_MV: float = 10.0
V0_OPTIMIZED_MEAN_MV: np.ndarray = np.array(
    [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43])
V0_OPTIMIZED_SD_MV: np.ndarray = np.array([5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48])

# --------------------------------------------------------------------------------------
# Thalamic input for evoked responses ([SP], [MD])
# --------------------------------------------------------------------------------------

#: 902 thalamic relay neurons, each firing an independent Poisson train at 120 spikes/s
#: during a pulse of 10 ms starting at 700 ms (NEST: `parrot_neuron`s driven by one
#: `poisson_generator` with start 700 ms, stop 710 ms). PSP 0.15 mV (the same PSC as the
#: cortical excitatory synapses), delays N(1.5, 0.75) ms. The thalamic population is not
#: scaled with the network.
THALAMUS: dict[str, float] = {
    "n_neurons": 902,
    "rate_hz": 120.0,
    "start_ms": 700.0,
    "duration_ms": 10.0,
    "psp_mV": 0.15,
    "delay_ms": 1.5,
    "delay_rel_sd": 0.5,
}

# --------------------------------------------------------------------------------------
# Rates (spikes/s; mean over all neurons, silent ones included)
# --------------------------------------------------------------------------------------

#: Published full-scale rates: single full-scale NEST runs recorded by the reference
#: implementations (PD14.md section 1.8). Set A is the current one ([NP]
#: `full_mean_rates`, NEST commit 6151de2); it is also the input of the van Albada DC.
RATES_FULL_A: np.ndarray = np.array([0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829])
#: Set B (NEST commit dd94e76, 12 MPI processes).
RATES_FULL_B: np.ndarray = np.array([0.943, 3.026, 4.368, 5.882, 7.733, 8.664, 1.096, 7.851])
#: Set C (NEST 2.x example, before March 2020).
RATES_FULL_C: np.ndarray = np.array([0.971, 2.868, 4.746, 5.396, 8.142, 9.078, 0.991, 7.523])

#: NEST 3.10 rates at scale 0.1 (N and K scaled by 0.1, van Albada compensation, Poisson
#: background, optimized V0, no thalamus), measured on the project's 2-core machine
#: (PD14.md section 3.2). Keys: threads / seed / recorded window; 100 ms warm-up.
#: At this scale the rates are 10-50 % below set A even for a correct implementation;
#: L2/3e varies about +-15 % between seeds.
NEST_RATES_SCALE_0P1: dict[str, np.ndarray] = {
    "t2": np.array([0.536, 2.225, 4.018, 5.027, 6.899, 7.925, 0.871, 7.041]),
    "t1": np.array([0.411, 2.081, 3.941, 5.002, 7.066, 7.642, 0.891, 7.031]),
    "t2_seed7": np.array([0.455, 2.173, 4.037, 5.018, 7.233, 7.764, 0.881, 7.054]),
    "t2_5s": np.array([0.507, 2.152, 4.015, 5.012, 6.695, 7.875, 0.818, 7.045]),
}

# --------------------------------------------------------------------------------------
# Geometry ([H16], after Thomson & Lamy 2007 and Binzegger et al. 2004)
# --------------------------------------------------------------------------------------

#: Layer boundaries (name, top, bottom) in um below the pia, as used for the PD14 column
#: in [H16]. L1 holds no somata; each population's somata lie uniformly in its layer.
#: `jaxfne.geometry.DEFAULT_LAYERS_UM` is this table.
LAYERS_UM: tuple[tuple[str, float, float], ...] = (
    ("L1", 0.0, 82.0),
    ("L2/3", 82.0, 587.0),
    ("L4", 587.0, 922.0),
    ("L5", 922.0, 1170.0),
    ("L6", 1170.0, 1492.0),
)

#: Sources of synaptic input, for `SYNAPSE_LAYER_FRACTIONS`: the 8 cortical populations,
#: the thalamus, and "external" (the cortico-cortical background, K_EXT).
SYNAPSE_SOURCES: tuple[str, ...] = ("thalamus", *POPULATIONS, "external")

#: Where the synapses of each projection land: the fraction of the synapses from a
#: source onto a target population in each layer (L1, L2/3, L4, L5, L6).
#:
#: Derived from [B04]'s synapse counts per layer and cell type (as tabulated for
#: hybridLFPy), with the mapping of [H16] Table 3 from [B04]'s cell types to the PD14
#: populations (L2/3e = p23; L2/3i = b23 + nb23; L4e = p4 + ss4(L23) + ss4(L4);
#: L4i = b4 + nb4; L5e = p5(L23) + p5(L56); L5i = b5 + nb5; L6e = p6(L4) + p6(L56);
#: L6i = b6 + nb6; thalamus = TCs + TCn; external = [B04]'s "corticocortical"). For a
#: target population Y, source X and layer L this is [H16]'s layer specificity
#:     f_YXL = sum_{y in Y} F_y k_{yXL} / sum_{y in Y, L'} F_y k_{yXL'},
#: with F_y the occurrence of cell type y and k_{yXL} its number of synapses from X in
#: layer L. Rows without data (C = 0 in PD14) are put in the target's own layer.
#: Interneurons receive all their synapses in their own layer in [B04].
#: Examples of the published structure: L5e receives 70 % of its external input and
#: 59 % of its thalamic input on apical tufts in L1 and its L2/3e input mostly in L5
#: (basal) with 15 % in L2/3 (apical obliques); L2/3e receives its external input in L1
#: and its local input in L2/3; L6e receives L2/3e input in L5 and L4e input in L4.
SYNAPSE_LAYER_FRACTIONS: dict[str, dict[str, tuple[float, float, float, float, float]]] = {
    "L2/3e": {
        "thalamus": (1.000, 0.000, 0.000, 0.000, 0.000),
        "L2/3e": (0.023, 0.977, 0.000, 0.000, 0.000),
        "L2/3i": (0.020, 0.980, 0.000, 0.000, 0.000),
        "L4e": (0.001, 0.999, 0.000, 0.000, 0.000),
        "L4i": (0.000, 1.000, 0.000, 0.000, 0.000),
        "L5e": (0.003, 0.997, 0.000, 0.000, 0.000),
        "L5i": (0.000, 1.000, 0.000, 0.000, 0.000),  # no data (C = 0): own layer
        "L6e": (0.000, 1.000, 0.000, 0.000, 0.000),
        "L6i": (0.000, 1.000, 0.000, 0.000, 0.000),
        "external": (1.000, 0.000, 0.000, 0.000, 0.000),
    },
    "L2/3i": {
        **{x: (0.0, 1.0, 0.0, 0.0, 0.0) for x in ("thalamus", *POPULATIONS, "external")},
    },
    "L4e": {
        "thalamus": (0.065, 0.000, 0.935, 0.000, 0.000),
        "L2/3e": (0.041, 0.437, 0.522, 0.000, 0.000),
        "L2/3i": (0.041, 0.338, 0.621, 0.000, 0.000),
        "L4e": (0.000, 0.043, 0.957, 0.000, 0.000),
        "L4i": (0.000, 0.004, 0.996, 0.000, 0.000),
        "L5e": (0.003, 0.275, 0.722, 0.000, 0.000),
        "L5i": (0.000, 0.000, 1.000, 0.000, 0.000),  # no data (C = 0): own layer
        "L6e": (0.000, 0.004, 0.996, 0.000, 0.000),
        "L6i": (0.000, 0.008, 0.992, 0.000, 0.000),
        "external": (0.139, 0.000, 0.861, 0.000, 0.000),
    },
    "L4i": {
        **{x: (0.0, 0.0, 1.0, 0.0, 0.0) for x in ("thalamus", *POPULATIONS, "external")},
    },
    "L5e": {
        "thalamus": (0.592, 0.000, 0.145, 0.263, 0.000),
        "L2/3e": (0.034, 0.154, 0.005, 0.808, 0.000),
        "L2/3i": (0.096, 0.337, 0.020, 0.547, 0.000),
        "L4e": (0.002, 0.130, 0.114, 0.755, 0.000),
        "L4i": (0.000, 0.052, 0.399, 0.550, 0.000),
        "L5e": (0.002, 0.077, 0.006, 0.914, 0.000),
        "L5i": (0.000, 0.000, 0.000, 1.000, 0.000),
        "L6e": (0.000, 0.043, 0.398, 0.560, 0.000),
        "L6i": (0.000, 0.009, 0.046, 0.945, 0.000),
        "external": (0.698, 0.000, 0.073, 0.228, 0.000),
    },
    "L5i": {
        **{x: (0.0, 0.0, 0.0, 1.0, 0.0) for x in ("thalamus", *POPULATIONS, "external")},
    },
    "L6e": {
        "thalamus": (0.003, 0.000, 0.256, 0.023, 0.717),
        "L2/3e": (0.002, 0.158, 0.065, 0.627, 0.148),
        "L2/3i": (0.004, 0.337, 0.271, 0.215, 0.173),
        "L4e": (0.000, 0.046, 0.547, 0.206, 0.201),
        "L4i": (0.000, 0.009, 0.909, 0.047, 0.035),
        "L5e": (0.000, 0.038, 0.041, 0.339, 0.582),
        "L5i": (0.000, 0.000, 0.000, 0.513, 0.487),
        "L6e": (0.000, 0.004, 0.459, 0.035, 0.502),
        "L6i": (0.000, 0.002, 0.113, 0.129, 0.757),
        "external": (0.005, 0.000, 0.150, 0.025, 0.821),
    },
    "L6i": {
        **{x: (0.0, 0.0, 0.0, 0.0, 1.0) for x in ("thalamus", *POPULATIONS, "external")},
    },
}


# --------------------------------------------------------------------------------------
# Derived quantities
# --------------------------------------------------------------------------------------


def psc_per_psp_pA_per_mV(
    C_m_pF: float = NEURON["C_m_pF"],
    tau_m_ms: float = NEURON["tau_m_ms"],
    tau_s_ms: float = NEURON["tau_syn_ex_ms"],
) -> float:
    r"""PSC amplitude (pA) that gives a PSP peak of 1 mV in an `iaf_psc_exp` neuron.

    For a current $J e^{-t/\tau_s}$ into a leaky membrane the PSP peaks at
    $t^* = \frac{\tau_m \tau_s}{\tau_m - \tau_s}\ln\frac{\tau_m}{\tau_s}$ with height

    $$\mathrm{PSP} = \frac{J}{C_m}\,\frac{\tau_m\tau_s}{\tau_m-\tau_s}
      \left(e^{-t^*/\tau_m} - e^{-t^*/\tau_s}\right).$$

    With the PD14 values (250 pF, 10 ms, 0.5 ms) this is 585.4 pA/mV, so the 0.15 mV
    PSP is J = 87.81 pA ([MD]).
    """
    if tau_m_ms == tau_s_ms:
        raise ValueError(f"`tau_s_ms` must differ from `tau_m_ms`; both are {tau_m_ms!r}.")
    span = tau_m_ms * tau_s_ms / (tau_m_ms - tau_s_ms)
    t_peak = span * math.log(tau_m_ms / tau_s_ms)
    psp_per_pA = span / C_m_pF * (math.exp(-t_peak / tau_m_ms) - math.exp(-t_peak / tau_s_ms))
    return 1.0 / psp_per_pA


def weight_matrix_pA() -> np.ndarray:
    """Full-scale mean PSC amplitudes `[target, source]` (pA).

    J = 87.81 pA from every excitatory population, G * J = -351.2 pA from every
    inhibitory one, and 2 J for target L2/3e, source L4e.
    """
    j = PSP_EXC_MV * psc_per_psp_pA_per_mV()
    w = np.where(IS_EXCITATORY[None, :], j, G * j) * np.ones((len(POPULATIONS), 1))
    w[POPULATIONS.index("L2/3e"), POPULATIONS.index("L4e")] *= L4E_TO_L23E_FACTOR
    return w


def delay_matrix_ms() -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD of the delays `[target, source]` (ms): they depend on the source only."""
    mean = np.where(IS_EXCITATORY[None, :], DELAY_EXC_MS, DELAY_INH_MS) * np.ones(
        (len(POPULATIONS), 1))
    return mean, DELAY_REL_SD * mean


def layer_bounds_um(
    layers: tuple[tuple[str, float, float], ...] = LAYERS_UM,
) -> dict[str, tuple[float, float]]:
    """`{layer name: (top, bottom)}` in um below the pia."""
    return {name: (float(top), float(bottom)) for name, top, bottom in layers}
