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
    "EventConnectivity",
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

    def overflowed(self, spikes: Float[Array, " pre"]) -> Array:
        """True when the step's spikes exceed a fixed-size buffer (event paths only)."""
        return jnp.asarray(False)


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


class EventConnectivity(AbstractConnectivity):
    """Event-driven propagation: only the outgoing edges of neurons that spiked are touched.

    Edges are stored per presynaptic neuron (`post_indices[j, k]`,
    `weights[j, k]`, padded with a dummy target `n_post` and weight 0; row
    `n_pre` is an all-padding row). Each step the indices of up to
    `capacity` spiking neurons are gathered into a fixed-size buffer and
    their weights scattered onto their targets: the work per step is
    `capacity x max out-degree`, not `N x in-degree`. More than `capacity`
    spikes in one step is an overflow, reported by `overflowed` (and by the
    simulation as an error), never dropped silently.
    """

    post_indices: Int[Array, "pre_plus_one kout"]
    weights: Float[Array, "pre_plus_one kout"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    capacity: int = eqx.field(static=True)

    def __check_init__(self) -> None:
        check_finite("weights", self.weights)
        if self.post_indices.shape != self.weights.shape or \
                self.weights.shape[0] != self.n_pre + 1:
            raise ValueError(f"`post_indices` and `weights` must both have shape "
                             f"({self.n_pre + 1}, k); got {self.post_indices.shape} and "
                             f"{self.weights.shape}.")
        if self.capacity < 1:
            raise ValueError(f"`capacity` must be at least 1; got {self.capacity}.")

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        idx = jnp.nonzero(spikes > 0, size=self.capacity, fill_value=self.n_pre)[0]
        values = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx]
        contrib = self.weights[idx] * values[:, None]
        out = jnp.zeros((self.n_post + 1,), self.weights.dtype)
        return out.at[self.post_indices[idx].ravel()].add(contrib.ravel())[: self.n_post]

    def overflowed(self, spikes: Float[Array, " pre"]) -> Array:
        """True when more neurons spiked than the buffer holds."""
        return jnp.sum(spikes > 0) > self.capacity

    def to_sparse(self) -> SparseConnectivity:
        """The same edges stored per target (a padded in-degree list)."""
        post = np.asarray(self.post_indices)[: self.n_pre]
        w = np.asarray(self.weights)[: self.n_pre]
        pre = np.broadcast_to(np.arange(self.n_pre)[:, None], post.shape)
        keep = post < self.n_post
        post_f, pre_f, w_f = post[keep], pre[keep], w[keep]
        order = np.argsort(post_f, kind="stable")
        post_f, pre_f, w_f = post_f[order], pre_f[order], w_f[order]
        counts = np.bincount(post_f, minlength=self.n_post)
        k_in = max(1, int(counts.max(initial=0)))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(post_f.size) - starts[post_f]
        idx = np.zeros((self.n_post, k_in), dtype=np.int32)
        weights = np.zeros((self.n_post, k_in), dtype=w.dtype)
        idx[post_f, slot] = pre_f
        weights[post_f, slot] = w_f
        return SparseConnectivity(pre_indices=jnp.asarray(idx), weights=jnp.asarray(weights),
                                  n_pre=self.n_pre)

    @classmethod
    def from_sparse(cls, sparse: SparseConnectivity, capacity: int) -> EventConnectivity:
        """The same edges as `sparse`, stored per presynaptic neuron."""
        pre = np.asarray(sparse.pre_indices)
        w = np.asarray(sparse.weights)
        n_post = pre.shape[0]
        post = np.broadcast_to(np.arange(n_post)[:, None], pre.shape)
        keep = w != 0
        pre_f, post_f, w_f = pre[keep], post[keep], w[keep]
        order = np.argsort(pre_f, kind="stable")
        pre_f, post_f, w_f = pre_f[order], post_f[order], w_f[order]
        counts = np.bincount(pre_f, minlength=sparse.n_pre)
        k_out = max(1, int(counts.max(initial=0)))
        out_post = np.full((sparse.n_pre + 1, k_out), n_post, dtype=np.int32)
        out_w = np.zeros((sparse.n_pre + 1, k_out), dtype=w.dtype)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        slot = np.arange(pre_f.size) - starts[pre_f]
        out_post[pre_f, slot] = post_f
        out_w[pre_f, slot] = w_f
        return cls(post_indices=jnp.asarray(out_post), weights=jnp.asarray(out_w),
                   n_pre=sparse.n_pre, n_post=n_post, capacity=int(capacity))
