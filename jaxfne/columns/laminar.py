"""Where each population's synaptic currents enter the column (two-point sources).

Plain NumPy; no JAX. A point neuron is drawn as a two-point current source: the
synaptic current of one kind (excitatory, inhibitory, external, thalamic)
enters the cell at one depth and leaves it at the soma. That depth is the
weighted mean of the landing depths of the synapses of this kind, with the
layer distribution of each projection from `pd14.SYNAPSE_LAYER_FRACTIONS`
(Binzegger et al. 2004 via Hagen et al. 2016):

- a synapse in the soma's own layer lands at the soma (basal / perisomatic
  dendrites: no displacement),
- a synapse in another layer lands at that layer's centre (apical dendrites,
  e.g. the tufts of L5 pyramids in L1).

For a neuron of population Y with soma depth z this gives an affine map
depth(z) = a_Y + b_Y z, where b_Y is the weighted fraction of synapses in Y's own
layer. Projections are weighted by their mean input current at full scale,
K_YX |J_YX| nu_X (nu: the published rates, set A), or by their synapse counts.
"""

from __future__ import annotations

import numpy as np

from . import pd14

__all__ = ["SYNAPSE_KINDS", "synapse_depth_coefficients", "synapse_depths_um"]

#: The kinds of synaptic input whose entry depth is computed.
SYNAPSE_KINDS: tuple[str, ...] = ("excitatory", "inhibitory", "external", "thalamic")
_WEIGHTINGS = ("current", "count")


def _full_indegrees() -> np.ndarray:
    n = pd14.N_FULL.astype(np.float64)
    counts = np.log1p(-pd14.CONN_PROBS) / np.log1p(-1.0 / np.outer(n, n))
    return counts / n[:, None]


def synapse_depth_coefficients(
    kind: str, *, weighting: str = "current",
    layers: tuple[tuple[str, float, float], ...] = pd14.LAYERS_UM,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients `(a_um, b)` per population: synapses of `kind` enter at `a + b * z_soma`.

    Args:
        kind: "excitatory" (recurrent input from the 4 excitatory populations),
            "inhibitory" (from the 4 inhibitory ones), "external" (the
            cortico-cortical background) or "thalamic".
        weighting: "current" weights each projection by K |J| nu (full-scale
            in-degree, mean PSC, published rate of the source); "count" by K.
        layers: `(name, top_um, bottom_um)` for L1, L2/3, L4, L5, L6.

    Returns:
        `a_um` (8,), depth in um, and `b` (8,), the dimensionless weight of the soma.
    """
    if kind not in SYNAPSE_KINDS:
        raise ValueError(f"`kind` must be one of {SYNAPSE_KINDS}; got {kind!r}.")
    if weighting not in _WEIGHTINGS:
        raise ValueError(f"`weighting` must be one of {_WEIGHTINGS}; got {weighting!r}.")
    names = [layer[0] for layer in layers]
    if names != [layer[0] for layer in pd14.LAYERS_UM]:
        raise ValueError(f"`layers` must name the layers {[x[0] for x in pd14.LAYERS_UM]} in "
                         f"this order; got {names}.")
    centres = np.array([(top + bottom) / 2.0 for _, top, bottom in layers])
    if kind in ("external", "thalamic"):
        sources = ["external" if kind == "external" else "thalamus"]
        weights = np.ones((len(pd14.POPULATIONS), 1))
    else:
        exc = kind == "excitatory"
        cols = [i for i, e in enumerate(pd14.IS_EXCITATORY) if bool(e) == exc]
        sources = [pd14.POPULATIONS[i] for i in cols]
        weights = _full_indegrees()[:, cols]
        if weighting == "current":
            weights = weights * np.abs(pd14.weight_matrix_pA()[:, cols]) * pd14.RATES_FULL_A[cols]
    a = np.zeros(len(pd14.POPULATIONS))
    b = np.zeros(len(pd14.POPULATIONS))
    for y, target in enumerate(pd14.POPULATIONS):
        own = names.index(pd14.LAYER_OF_POPULATION[y])
        frac = np.array([pd14.SYNAPSE_LAYER_FRACTIONS[target][s] for s in sources])
        frac = frac / frac.sum(axis=1, keepdims=True)
        w = weights[y] / weights[y].sum()
        mean_frac = w @ frac
        b[y] = mean_frac[own]
        a[y] = float(np.delete(mean_frac, own) @ np.delete(centres, own))
    return a, b


def synapse_depths_um(
    soma_depth_um: np.ndarray, population_index: np.ndarray, kind: str, *,
    weighting: str = "current",
) -> np.ndarray:
    """Entry depth (um below the pia) of the synaptic current of `kind` for every neuron.

    `population_index[i]` is neuron i's population (0..7, order of `pd14.POPULATIONS`).
    """
    a, b = synapse_depth_coefficients(kind, weighting=weighting)
    idx = np.asarray(population_index)
    return a[idx] + b[idx] * np.asarray(soma_depth_um, dtype=np.float64)
