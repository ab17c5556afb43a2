"""Named network presets: the defaults behind `configuration().network(kind=...)`."""

from __future__ import annotations

__all__ = ["BALANCED_EI", "EMITTER_PRESETS", "NETWORK_KINDS"]

#: Defaults of the "balanced_ei_population" network (Izhikevich neurons).
#: Units: weights are current jumps per presynaptic spike in mV/ms (current
#: over capacitance); bias and noise in mV/ms; times in ms. Tuned so that
#: the 100-neuron network is balanced, irregular and asynchronous (see
#: tests/test_activity.py and docs/model.md for the measured statistics).
BALANCED_EI: dict = {
    "cell_types": ("E", "I"),
    "layer": "L2/3",
    "radius_um": 300.0,
    "synapses": {
        "connectivity": "fixed_indegree",
        "indegree": {"E": 46, "I": 18},
        "connection_probability": 0.2,
        "weights": {"E->E": 0.76, "E->I": 1.75, "I->E": -0.59, "I->I": -0.87},
        "tau_ms": {"E": 6.0, "I": 6.5},
        "delay_ms": None,
    },
    "drive": {
        "bias": {"E": 2.5, "I": 4.0},
        "noise": "ou",
        "noise_sigma": {"E": 2.5, "I": 2.5},
        "noise_tau_ms": 150.0,
        "poisson_rate_hz": {"E": 0.0, "I": 0.0},
        "poisson_weight": {"E": 0.0, "I": 0.0},
        "poisson_tau_ms": 5.0,
    },
    "v_init_mV": (-75.0, -65.0),
    "sources": {
        "open_field": {"E": True, "I": False},
        "excitatory_offset_um": {"E": -250.0, "I": 0.0},
        "inhibitory_offset_um": {"E": 50.0, "I": 0.0},
    },
}

NETWORK_KINDS = {"balanced_ei_population": BALANCED_EI}

#: Emitter presets per family: a cell-type -> neuron-preset map.
EMITTER_PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "izhikevich": {
        "cortical_eig": {"E": "regular_spiking", "I": "fast_spiking"},
        "regular_spiking": {"E": "regular_spiking", "I": "regular_spiking"},
        "intrinsically_bursting": {"E": "intrinsically_bursting", "I": "intrinsically_bursting"},
        "chattering": {"E": "chattering", "I": "chattering"},
        "fast_spiking": {"E": "fast_spiking", "I": "fast_spiking"},
        "low_threshold_spiking": {"E": "low_threshold_spiking", "I": "low_threshold_spiking"},
    },
    "lif": {
        "potjans_diesmann": {"E": "potjans_diesmann", "I": "potjans_diesmann"},
    },
}
