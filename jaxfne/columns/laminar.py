"""Where each population's synaptic currents enter the column.

Plain NumPy; no JAX. Two descriptions are built here.

Compact cells (`compartment_sources`, what `jaxfne.cortical_column` uses). Each
pyramidal population has a simple membrane profile along the column axis
(`MORPHOLOGY`): soma and basal dendrites at the soma, an apical trunk with
its obliques spread evenly from the soma up to `top_um`, and a tuft at
`tuft_um`. The synapses of each kind land in each layer with the fractions of
`pd14.SYNAPSE_LAYER_FRACTIONS`, spread over the cell's membrane in that layer
in proportion to its area (a layer in which the cell has no membrane gives
its share to the others, in proportion). The return current leaves through
the whole membrane in proportion to its area (electrotonically compact
cell), so a basal input makes a sink at the soma and sources up the apical
dendrite, and a tuft input the reverse. Interneurons are closed-field.

Two-point sources (`synapse_depths_um`, the mean entry depths). The
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

__all__ = ["MORPHOLOGY", "SYNAPSE_KINDS", "compartment_sources", "layer_fractions",
           "synapse_depth_coefficients", "synapse_depths_um"]

#: The kinds of synaptic input whose entry depth is computed.
SYNAPSE_KINDS: tuple[str, ...] = ("excitatory", "inhibitory", "external", "thalamic")
_WEIGHTINGS = ("current", "count")


def _full_indegrees() -> np.ndarray:
    n = pd14.N_FULL.astype(np.float64)
    counts = np.log1p(-pd14.CONN_PROBS) / np.log1p(-1.0 / np.outer(n, n))
    return counts / n[:, None]


def layer_fractions(
    kind: str, *, weighting: str = "current",
    layers: tuple[tuple[str, float, float], ...] = pd14.LAYERS_UM,
) -> np.ndarray:
    """`[population, layer]` fraction of each population's synapses of `kind` in
    each layer (L1, L2/3, L4, L5, L6): the projections' layer fractions
    (`pd14.SYNAPSE_LAYER_FRACTIONS`) averaged over the sources of that kind.

    Args:
        kind: "excitatory" (recurrent input from the 4 excitatory populations),
            "inhibitory" (from the 4 inhibitory ones), "external" (the
            cortico-cortical background) or "thalamic".
        weighting: "current" weights each projection by K |J| nu (full-scale
            in-degree, mean PSC, published rate of the source); "count" by K.
        layers: `(name, top_um, bottom_um)` for L1, L2/3, L4, L5, L6.
    """
    if kind not in SYNAPSE_KINDS:
        raise ValueError(f"`kind` must be one of {SYNAPSE_KINDS}; got {kind!r}.")
    if weighting not in _WEIGHTINGS:
        raise ValueError(f"`weighting` must be one of {_WEIGHTINGS}; got {weighting!r}.")
    names = [layer[0] for layer in layers]
    if names != [layer[0] for layer in pd14.LAYERS_UM]:
        raise ValueError(f"`layers` must name the layers {[x[0] for x in pd14.LAYERS_UM]} in "
                         f"this order; got {names}.")
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
    out = np.zeros((len(pd14.POPULATIONS), len(layers)))
    for y, target in enumerate(pd14.POPULATIONS):
        frac = np.array([pd14.SYNAPSE_LAYER_FRACTIONS[target][s] for s in sources])
        frac = frac / frac.sum(axis=1, keepdims=True)
        out[y] = (weights[y] / weights[y].sum()) @ frac
    return out


def synapse_depth_coefficients(
    kind: str, *, weighting: str = "current",
    layers: tuple[tuple[str, float, float], ...] = pd14.LAYERS_UM,
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients `(a_um, b)` per population: synapses of `kind` enter at `a + b * z_soma`
    (the mean entry depth of a two-point source; arguments as in `layer_fractions`).

    Returns:
        `a_um` (8,), depth in um, and `b` (8,), the dimensionless weight of the soma.
    """
    fractions = layer_fractions(kind, weighting=weighting, layers=layers)
    names = [layer[0] for layer in layers]
    centres = np.array([(top + bottom) / 2.0 for _, top, bottom in layers])
    a = np.zeros(len(pd14.POPULATIONS))
    b = np.zeros(len(pd14.POPULATIONS))
    for y in range(len(pd14.POPULATIONS)):
        own = names.index(pd14.LAYER_OF_POPULATION[y])
        mean_frac = fractions[y]
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


#: Membrane profile of each excitatory population along the column axis: fractions
#: of the membrane at the soma with the basal dendrites (`basal`), on the apical
#: trunk and its obliques, spread evenly from the soma up to `top_um` (`trunk`),
#: and on a tuft at `tuft_um` (`tuft`); depths in um below the pia. These are
#: approximate values chosen for this model (about half of a pyramid's membrane
#: basal, tufts 10-20 %), not measurements: L2/3e and L5e pyramids tuft in L1; L4e
#: is mostly spiny stellate cells, with a few pyramids reaching L1; L6e pyramids
#: end in L4 (Binzegger et al. 2004's p6(L4) and p6(L56) types).
MORPHOLOGY: dict[str, dict[str, float]] = {
    "L2/3e": dict(basal=0.55, trunk=0.25, tuft=0.20, top_um=82.0, tuft_um=41.0),
    "L4e": dict(basal=0.75, trunk=0.15, tuft=0.10, top_um=82.0, tuft_um=41.0),
    "L5e": dict(basal=0.40, trunk=0.40, tuft=0.20, top_um=82.0, tuft_um=41.0),
    "L6e": dict(basal=0.55, trunk=0.35, tuft=0.10, top_um=754.0, tuft_um=754.0),
}


def compartment_sources(
    soma_depth_um: np.ndarray, population_index: np.ndarray, *,
    kinds: tuple[str, ...] = SYNAPSE_KINDS, n_trunk: int = 8, weighting: str = "current",
    morphology: dict[str, dict[str, float]] | None = None,
    length_constant_um: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Membrane points of every neuron, and where the current of each kind enters
    and leaves them.

    Args:
        soma_depth_um: `(N,)` soma depths (um below the pia).
        population_index: `(N,)` population of each neuron (0..7, order of
            `pd14.POPULATIONS`).
        kinds: the synapse kinds, one row of `entry` each (see `SYNAPSE_KINDS`).
        n_trunk: points along each apical trunk.
        weighting: how projections of one kind are averaged (`layer_fractions`).
        morphology: the membrane profiles (default `MORPHOLOGY`); populations
            not in it (the interneurons) have all of their membrane at the soma.
        length_constant_um: None: the return current leaves through the
            whole membrane in proportion to its area (compact cell); a length
            lambda: in proportion to area times exp(-|depth distance| / lambda)
            from the point where it entered (cable attenuation).

    Returns:
        `offset_um` `(N, K)`: depth of each point relative to the soma
        (negative = towards the pia); `entry` `(len(kinds), N, K)`: fraction
        of the synaptic current of each kind entering at each point; `exit`
        `(len(kinds), N, K)`: fraction of it leaving there. K = n_trunk + 2
        (soma, trunk, tuft); rows of `entry` and `exit` sum to 1.
    """
    morphology = MORPHOLOGY if morphology is None else morphology
    z = np.asarray(soma_depth_um, np.float64)
    idx = np.asarray(population_index)
    if z.shape != idx.shape or z.ndim != 1:
        raise ValueError(f"`soma_depth_um` and `population_index` must be 1-D of one length; "
                         f"got shapes {z.shape} and {idx.shape}.")
    if not isinstance(n_trunk, int) or n_trunk < 1:
        raise ValueError(f"`n_trunk` must be a positive integer; got {n_trunk!r}.")
    n, k = z.shape[0], n_trunk + 2
    points = np.repeat(z[:, None], k, axis=1)  # absolute depths
    membrane = np.zeros((n, k))
    membrane[:, 0] = 1.0
    for name, m in morphology.items():
        total = m["basal"] + m["trunk"] + m["tuft"]
        if abs(total - 1.0) > 1e-9 or min(m["basal"], m["trunk"], m["tuft"]) < 0:
            raise ValueError(f"morphology[{name!r}] fractions must be non-negative and sum to "
                             f"1; got {m}.")
        cells = idx == pd14.POPULATIONS.index(name)
        zc = z[cells]
        top = np.minimum(m["top_um"], zc)
        steps = (np.arange(n_trunk) + 0.5) / n_trunk
        points[cells, 1:-1] = zc[:, None] + steps[None, :] * (top - zc)[:, None]
        points[cells, -1] = m["tuft_um"]
        membrane[cells] = np.r_[m["basal"], np.full(n_trunk, m["trunk"] / n_trunk), m["tuft"]]
    bounds = np.array([bottom for _, _, bottom in pd14.LAYERS_UM[:-1]])
    layer = np.searchsorted(bounds, points, side="right")  # 0..4: L1..L6
    n_layers = len(pd14.LAYERS_UM)
    in_layer = np.zeros((n, n_layers))
    np.add.at(in_layer, (np.repeat(np.arange(n), k), layer.ravel()), membrane.ravel())
    # A cell with none of its synapses' layers falls back to its soma's layer.
    fallback = np.zeros((n, n_layers))
    fallback[np.arange(n), layer[:, 0]] = 1.0
    entry = np.zeros((len(kinds), n, k))
    for row, kind in enumerate(kinds):
        frac = layer_fractions(kind, weighting=weighting)[idx]  # (N, layers)
        frac = np.where(in_layer > 0, frac, 0.0)
        total = frac.sum(axis=1, keepdims=True)
        frac = np.where(total > 0, frac / np.where(total > 0, total, 1.0), fallback)
        share = np.take_along_axis(frac / np.where(in_layer > 0, in_layer, 1.0), layer, axis=1)
        entry[row] = membrane * share
    if length_constant_um is None:
        exit_ = np.broadcast_to(membrane[None], entry.shape).copy()
    else:
        if not length_constant_um > 0:
            raise ValueError(f"`length_constant_um` must be positive or None; got "
                             f"{length_constant_um!r}.")
        near = membrane[:, None, :] * np.exp(
            -np.abs(points[:, :, None] - points[:, None, :]) / length_constant_um)
        near /= near.sum(axis=2, keepdims=True)  # [N, from j, to k]
        exit_ = np.einsum("cnj,njk->cnk", entry, near)
    return points - z[:, None], entry, exit_
