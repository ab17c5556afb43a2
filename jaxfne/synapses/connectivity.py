"""Synaptic connectivity: an edge list stored per target, dense or sparse.

Connections are drawn once, in `construct`, as a padded list of presynaptic
indices per postsynaptic neuron (`pre_indices[post, k]`, `weights[post, k]`,
weight 0 marks padding). The same list gives either a dense weight matrix
(fast for small networks) or a gather-based sparse propagation that never
holds an N-by-N matrix; both compute the same sums.
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._errors import check_finite
from .._typing import Array, Float, Int

__all__ = [
    "AbstractConnectivity",
    "DenseConnectivity",
    "SparseConnectivity",
    "bernoulli_edges",
    "fixed_indegree_edges",
]


class AbstractConnectivity(eqx.Module):
    """Maps a presynaptic spike vector to the summed weight at each target."""

    n_pre: eqx.AbstractVar[int]

    @abc.abstractmethod
    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        """Sum of the weights of the connections from spiking neurons, per target."""


class DenseConnectivity(AbstractConnectivity):
    """A dense `[post, pre]` weight matrix."""

    weights: Float[Array, "post pre"]
    n_pre: int = eqx.field(static=True)

    def __init__(self, weights: Float[Array, "post pre"]):
        check_finite("weights", weights)
        self.weights = jnp.asarray(weights)
        self.n_pre = int(self.weights.shape[1])

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        return self.weights @ spikes


class SparseConnectivity(AbstractConnectivity):
    """A padded per-target edge list: `weights[i, k]` from neuron `pre_indices[i, k]`."""

    pre_indices: Int[Array, "post k"]
    weights: Float[Array, "post k"]
    n_pre: int = eqx.field(static=True)

    def __check_init__(self) -> None:
        check_finite("weights", self.weights)
        if self.pre_indices.shape != self.weights.shape:
            raise ValueError(
                f"`pre_indices` and `weights` must have the same shape; got "
                f"{self.pre_indices.shape} and {self.weights.shape}."
            )

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        return jnp.sum(self.weights * spikes[self.pre_indices], axis=1)

    def to_dense(self) -> DenseConnectivity:
        """The same connections as a dense matrix (multapses add up)."""
        n_post = self.weights.shape[0]
        rows = jnp.broadcast_to(jnp.arange(n_post)[:, None], self.pre_indices.shape)
        dense = jnp.zeros((n_post, self.n_pre), self.weights.dtype)
        return DenseConnectivity(dense.at[rows, self.pre_indices].add(self.weights))


def fixed_indegree_edges(
    rng: np.random.Generator, post: np.ndarray, pre: np.ndarray, indegree: int
) -> np.ndarray:
    """Draw `indegree` distinct presynaptic neurons from `pre` for every `post` neuron.

    No autapses: a neuron never connects to itself. Returns `[len(post), indegree]`
    global indices. Raises when `pre` has too few candidates.
    """
    post = np.asarray(post)
    pre = np.asarray(pre)
    out = np.empty((post.size, indegree), dtype=np.int64)
    for row, target in enumerate(post):
        candidates = pre[pre != target]
        if indegree > candidates.size:
            raise ValueError(
                f"`indegree` must be at most the number of candidate presynaptic neurons "
                f"({candidates.size}); got {indegree}."
            )
        out[row] = rng.choice(candidates, size=indegree, replace=False)
    return out


def bernoulli_edges(
    rng: np.random.Generator, post: np.ndarray, pre: np.ndarray, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Connect each (pre, post) pair independently with probability `p`, no autapses.

    Returns `(indices, mask)`, both `[len(post), k_max]`: the presynaptic global
    indices padded to the largest in-degree, and True where an edge exists.
    """
    post = np.asarray(post)
    pre = np.asarray(pre)
    rows = []
    for target in post:
        candidates = pre[pre != target]
        rows.append(candidates[rng.random(candidates.size) < p])
    k_max = max(1, max((r.size for r in rows), default=0))
    indices = np.zeros((post.size, k_max), dtype=np.int64)
    mask = np.zeros((post.size, k_max), dtype=bool)
    for i, r in enumerate(rows):
        indices[i, : r.size] = r
        mask[i, : r.size] = True
    return indices, mask
