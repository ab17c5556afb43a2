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
import jax
import jax.numpy as jnp
import numpy as np

from .._errors import check_finite
from .._typing import Array, ArrayLike, Float, Int

__all__ = [
    "AbstractConnectivity",
    "DenseConnectivity",
    "EventConnectivity",
    "SparseConnectivity",
    "bernoulli_edges",
    "default_tiers",
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

    @classmethod
    def from_edges(cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike, *, n_pre: int,
                   n_post: int) -> DenseConnectivity:
        """Build from an edge list (edge `e`: `weights[e]` from `pre[e]` to `post[e]`);
        multapses add up."""
        pre_a, post_a, w_a = _edge_arrays(pre, post, weights, n_pre, n_post)
        dense = np.zeros((n_post, n_pre), dtype=w_a.dtype)
        np.add.at(dense, (post_a, pre_a), w_a)
        return cls(jnp.asarray(dense))


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


def _distinct_draws(
    rng: np.random.Generator, counts: np.ndarray, m: np.ndarray, k_max: int
) -> np.ndarray:
    """Per row r, `counts[r]` distinct integers in `[0, m[r])`, padded to `k_max` columns.

    Vectorised: draw every entry with replacement, then redraw only the
    entries that repeat an earlier one in their row until none does. The
    result is a uniform random subset (the procedure treats every value
    alike, so every subset of the same size is equally likely); rows come
    sorted. Rows that want more than a quarter of their range are drawn by
    ranking random keys instead (a `[rows, m]` block, only for such dense
    rows). The padding (columns at or beyond `counts[r]`) is 0.
    """
    rows = counts.size
    out = np.zeros((rows, k_max), dtype=np.int64)
    if rows == 0 or k_max == 0:
        return out
    dense = counts * 4 > m
    for m_val in np.unique(m[dense]):
        sel = np.flatnonzero(dense & (m == m_val))
        for chunk in np.array_split(sel, sel.size * int(m_val) // 2**24 + 1):
            keys = rng.random((chunk.size, int(m_val)))
            width = min(k_max, int(m_val))
            out[chunk, :width] = np.sort(np.argsort(keys, axis=1)[:, :width], axis=1)
    sparse = np.flatnonzero(~dense)
    cols = np.arange(k_max)
    sentinel = int(m.max(initial=0)) + cols  # distinct and above every real draw
    for chunk in np.array_split(sparse, sparse.size * k_max // 2**24 + 1):
        mc = m[chunk]
        draw = rng.integers(0, mc[:, None], (chunk.size, k_max), dtype=np.int32)
        draw = np.where(cols < counts[chunk, None], draw, sentinel.astype(np.int32))
        draw.sort(axis=1)
        active = np.arange(chunk.size)
        while active.size:
            sub = draw[active]
            r, c = np.nonzero(sub[:, 1:] == sub[:, :-1])
            if r.size == 0:
                break
            sub[r, c + 1] = rng.integers(0, mc[active[r]], dtype=np.int32)
            hit = np.unique(r)
            fixed = sub[hit]
            fixed.sort(axis=1)
            active = active[hit]
            draw[active] = fixed
        out[chunk] = np.where(cols < counts[chunk, None], draw, 0)
    return out


def _edges_from_candidates(
    rng: np.random.Generator, post: np.ndarray, pre: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """`counts[r]` distinct presynaptic neurons of `pre` for each `post[r]`, never itself."""
    pre = np.asarray(pre)
    order = np.argsort(pre, kind="stable")
    pre_sorted = pre[order]
    pos = np.searchsorted(pre_sorted, post)
    is_member = (pos < pre.size) & (pre_sorted[np.minimum(pos, pre.size - 1)] == post)
    m = np.where(is_member, pre.size - 1, pre.size)
    if np.any(counts > m):
        r = int(np.flatnonzero(counts > m)[0])
        raise ValueError(
            f"`indegree` must be at most the number of candidate presynaptic neurons "
            f"({int(m[r])}); got {int(counts[r])}."
        )
    k_max = int(counts.max(initial=0))
    slots = _distinct_draws(rng, counts, m, k_max)
    # Skip the target itself: candidates at or after its own position shift by one.
    slots = slots + (is_member[:, None] & (slots >= pos[:, None]))
    return pre_sorted[slots] if pre.size else slots


def fixed_indegree_edges(
    rng: np.random.Generator, post: np.ndarray, pre: np.ndarray, indegree: int
) -> np.ndarray:
    """Draw `indegree` distinct presynaptic neurons from `pre` for every `post` neuron.

    No autapses: a neuron never connects to itself. Returns `[len(post), indegree]`
    global indices. Raises when `pre` has too few candidates. Vectorised: no
    per-neuron Python loop and no `[post, pre]` array unless the rows are dense.
    """
    post = np.asarray(post)
    counts = np.full(post.size, int(indegree), dtype=np.int64)
    return _edges_from_candidates(rng, post, pre, counts)


def bernoulli_edges(
    rng: np.random.Generator, post: np.ndarray, pre: np.ndarray, p: float
) -> tuple[np.ndarray, np.ndarray]:
    """Connect each (pre, post) pair independently with probability `p`, no autapses.

    Returns `(indices, mask)`, both `[len(post), k_max]`: the presynaptic global
    indices padded to the largest in-degree, and True where an edge exists.
    Each in-degree is Binomial(candidates, p), its sources a uniform draw
    without replacement: the same distribution as testing every pair.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"`p` must be a probability in [0, 1]; got {p!r}.")
    post = np.asarray(post)
    pre = np.asarray(pre)
    members = np.isin(post, pre)
    counts = rng.binomial(np.where(members, pre.size - 1, pre.size), p).astype(np.int64)
    indices = _edges_from_candidates(rng, post, pre, counts)
    if indices.shape[1] == 0:
        indices = np.zeros((post.size, 1), dtype=np.int64)
    mask = np.arange(indices.shape[1])[None, :] < counts[:, None]
    return indices, mask


def _per_source(pre: np.ndarray, post: np.ndarray, values: list[np.ndarray], n_pre: int,
                fill: list) -> tuple[list[np.ndarray], int]:
    """Group edges by source: `[n_pre + 1, k_out]` padded tables of `values`."""
    order = np.argsort(pre, kind="stable")
    pre_s = pre[order]
    counts = np.bincount(pre_s, minlength=n_pre)
    k_out = max(1, int(counts.max(initial=0)))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    slot = np.arange(pre_s.size) - starts[pre_s]
    tables = []
    for v, f in zip(values, fill):
        t = np.full((n_pre + 1, k_out), f, dtype=v.dtype)
        t[pre_s, slot] = v[order]
        tables.append(t)
    return tables, k_out


def default_tiers(capacity: int) -> tuple[int, ...]:
    """Spike-buffer sizes tried in turn: 32, 128, 512, ... up to `capacity`."""
    tiers = [c for c in (32 * 4**i for i in range(12)) if c < capacity]
    return tuple(tiers) + (int(capacity),)


class EventConnectivity(AbstractConnectivity):
    """Event-driven propagation: only the outgoing edges of neurons that spiked are touched.

    Edges are stored per presynaptic neuron (`post_indices[j, k]`,
    `weights[j, k]`, padded with a dummy target `n_post` and weight 0; row
    `n_pre` is an all-padding row). Each step the indices of the spiking
    neurons are gathered into a fixed-size buffer and their weights
    scattered onto their targets: the work per step is `buffer x max
    out-degree`, not `N x in-degree`. The buffer is the smallest of `tiers`
    (static sizes, compiled once each, chosen per step by `lax.switch`) that
    holds the step's spikes, so quiet steps cost little. More than
    `capacity` (the largest tier) spikes in one step is an overflow,
    reported by `overflowed` (and by the simulation as an error), never
    dropped silently.
    """

    post_indices: Int[Array, "pre_plus_one kout"]
    weights: Float[Array, "pre_plus_one kout"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    capacity: int = eqx.field(static=True)
    tiers: tuple[int, ...] = eqx.field(static=True, default=())

    def __post_init__(self) -> None:
        if not self.tiers:
            self.tiers = default_tiers(self.capacity)

    def __check_init__(self) -> None:
        check_finite("weights", self.weights)
        if self.post_indices.shape != self.weights.shape or \
                self.weights.shape[0] != self.n_pre + 1:
            raise ValueError(f"`post_indices` and `weights` must both have shape "
                             f"({self.n_pre + 1}, k); got {self.post_indices.shape} and "
                             f"{self.weights.shape}.")
        if self.capacity < 1:
            raise ValueError(f"`capacity` must be at least 1; got {self.capacity}.")
        if list(self.tiers) != sorted(set(self.tiers)) or self.tiers[-1] != self.capacity \
                or self.tiers[0] < 1:
            raise ValueError(f"`tiers` must be increasing positive sizes ending at `capacity` "
                             f"({self.capacity}); got {self.tiers}.")

    def _scatter(self, spikes: Float[Array, " pre"], size: int) -> Float[Array, " post"]:
        idx = jnp.nonzero(spikes > 0, size=size, fill_value=self.n_pre)[0]
        values = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx]
        contrib = self.weights[idx] * values[:, None]
        out = jnp.zeros((self.n_post + 1,), self.weights.dtype)
        return out.at[self.post_indices[idx].ravel()].add(contrib.ravel())[: self.n_post]

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        if len(self.tiers) == 1:
            return self._scatter(spikes, self.capacity)
        count = jnp.sum(spikes > 0)
        tier = jnp.minimum(jnp.searchsorted(jnp.asarray(self.tiers), count),
                           len(self.tiers) - 1)
        branches = [lambda s, size=size: self._scatter(s, size) for size in self.tiers]
        return jax.lax.switch(tier, branches, spikes)

    def overflowed(self, spikes: Float[Array, " pre"]) -> Array:
        """True when more neurons spiked than the largest buffer holds."""
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
    def from_edges(cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike, *, n_pre: int,
                   n_post: int, capacity: int,
                   tiers: tuple[int, ...] | None = None) -> EventConnectivity:
        """Build from an edge list: edge `e` carries `weights[e]` from `pre[e]` to `post[e]`.

        Multapses (repeated pairs) add up. No `[post, pre]` array is formed.
        """
        pre_a, post_a, w_a = _edge_arrays(pre, post, weights, n_pre, n_post)
        (out_post, out_w), _ = _per_source(pre_a, post_a, [post_a.astype(np.int32), w_a], n_pre,
                                           [n_post, 0])
        return cls(post_indices=jnp.asarray(out_post), weights=jnp.asarray(out_w),
                   n_pre=int(n_pre), n_post=int(n_post), capacity=int(capacity),
                   tiers=tuple(tiers) if tiers else default_tiers(int(capacity)))

    @classmethod
    def from_sparse(cls, sparse: SparseConnectivity, capacity: int) -> EventConnectivity:
        """The same edges as `sparse`, stored per presynaptic neuron."""
        pre = np.asarray(sparse.pre_indices)
        w = np.asarray(sparse.weights)
        post = np.broadcast_to(np.arange(pre.shape[0])[:, None], pre.shape)
        keep = w != 0
        return cls.from_edges(pre[keep], post[keep], w[keep], n_pre=sparse.n_pre,
                              n_post=pre.shape[0], capacity=capacity)


def _edge_arrays(pre: ArrayLike, post: ArrayLike, weights: ArrayLike, n_pre: int,
                 n_post: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated 1-D edge arrays (indices in range, finite weights, equal lengths)."""
    pre_a = np.asarray(pre).astype(np.int64, copy=False).ravel()
    post_a = np.asarray(post).astype(np.int64, copy=False).ravel()
    w_a = np.asarray(weights).ravel()
    if not (pre_a.size == post_a.size == w_a.size):
        raise ValueError(f"`pre`, `post` and `weights` must have the same length; got "
                         f"{pre_a.size}, {post_a.size} and {w_a.size}.")
    for name, a, n in (("pre", pre_a, n_pre), ("post", post_a, n_post)):
        if a.size and (a.min() < 0 or a.max() >= n):
            raise ValueError(f"`{name}` indices must lie in [0, {n}); got values from "
                             f"{a.min()} to {a.max()}.")
    if not np.all(np.isfinite(w_a)):
        raise ValueError("`weights` must be finite.")
    return pre_a, post_a, w_a
