"""Synaptic connectivity: an edge list stored per target, dense or sparse.

Connections are drawn once, in `construct`, as a padded list of presynaptic
indices per postsynaptic neuron (`pre_indices[post, k]`, `weights[post, k]`,
weight 0 marks padding). The same list gives either a dense weight matrix
(fast for small networks) or a gather-based sparse propagation that never
holds an N-by-N matrix; both compute the same sums.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._errors import check_finite
from .._typing import Array, ArrayLike, Float, Int, Integer

__all__ = [
    "AbstractConnectivity",
    "DenseConnectivity",
    "DenseEventConnectivity",
    "EventConnectivity",
    "SparseConnectivity",
    "bernoulli_edges",
    "default_tiers",
    "fixed_indegree_edges",
]


class AbstractConnectivity(eqx.Module):
    """Maps a presynaptic spike vector to the summed weight at each target.

    The presynaptic neurons are the network's neurons `pre_offset` to
    `pre_offset + n_pre` (a projection from one population reads only that
    population's spikes); the built-in subclasses store `pre_offset` as a
    field (default 0), and a subclass without one reads from neuron 0.
    """

    n_pre: eqx.AbstractVar[int]

    @abc.abstractmethod
    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        """Sum of the weights of the connections from spiking neurons, per target."""

    def deliver(self, spikes: Float[Array, " pre"]) -> tuple[Float[Array, " post"], Array]:
        """`propagate`, and whether a fixed-size spike buffer overflowed (event paths)."""
        return self.propagate(spikes), jnp.asarray(False)

    def overflowed(self, spikes: Float[Array, " pre"]) -> Array:
        """True when the step's spikes exceed a fixed-size buffer (event paths only)."""
        return jnp.asarray(False)


class DenseConnectivity(AbstractConnectivity):
    """A dense `[post, pre]` weight matrix."""

    weights: Float[Array, "post pre"]
    n_pre: int = eqx.field(static=True)
    pre_offset: int = eqx.field(static=True)

    def __init__(self, weights: Float[Array, "post pre"], pre_offset: int = 0):
        check_finite("weights", weights)
        self.weights = jnp.asarray(weights)
        self.n_pre = int(self.weights.shape[1])
        self.pre_offset = _offset(pre_offset)

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        return self.weights @ spikes

    @classmethod
    def from_edges(cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike, *, n_pre: int,
                   n_post: int, pre_offset: int = 0) -> DenseConnectivity:
        """Build from an edge list (edge `e`: `weights[e]` from network neuron `pre[e]`
        to `post[e]`); multapses add up. See `EventConnectivity.from_edges`."""
        pre_a, post_a, w_a = _edge_arrays(pre, post, weights, n_pre, n_post, pre_offset)
        dense = np.zeros((n_post, n_pre), dtype=w_a.dtype)
        np.add.at(dense, (post_a, pre_a), w_a)
        return cls(jnp.asarray(dense), pre_offset=pre_offset)


class SparseConnectivity(AbstractConnectivity):
    """A padded per-target edge list: `weights[i, k]` from neuron `pre_indices[i, k]`."""

    pre_indices: Int[Array, "post k"]
    weights: Float[Array, "post k"]
    n_pre: int = eqx.field(static=True)
    pre_offset: int = eqx.field(static=True, default=0)

    def __check_init__(self) -> None:
        _offset(self.pre_offset)
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
        return DenseConnectivity(dense.at[rows, self.pre_indices].add(self.weights),
                                 pre_offset=self.pre_offset)


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
    """Spike-buffer sizes: 8, 16, 32, then x4 (128, 512, ...) up to `capacity`. A step
    uses the smallest that holds its spikes; each size is one compiled branch."""
    sizes = [8, 16, 32] + [32 * 4**i for i in range(1, 14)]
    return tuple(c for c in sizes if c < capacity) + (int(capacity),)


def _first_spikes(spikes: Float[Array, " pre"], k: int) -> tuple[Array, Array]:
    """Indices of the first `k` spiking neurons (padding: `len(spikes)`) and which are real.

    A top-k over a key that ranks spiking neurons by index: on CPU it is
    several times cheaper than `jnp.nonzero`'s prefix sum and scatter.
    """
    n = spikes.shape[0]
    key = jnp.where(spikes > 0, -jnp.arange(n, dtype=jnp.float32), jnp.float32(-n - 1))
    value, idx = jax.lax.top_k(key, min(k, n))
    real = value > -n - 0.5
    return jnp.where(real, idx, n), real


def _tiered(spikes: Float[Array, " pre"], tiers: tuple[int, ...],
            gather: Callable[[Array], Array]) -> tuple[Array, Array]:
    """`gather(indices)` for the smallest tier that holds the step's spikes, and overflow.

    The step's spike count picks the tier (`lax.switch`: only that branch
    runs); more spikes than the largest tier is the overflow flag.
    """
    count = jnp.sum(spikes > 0)
    level = jnp.minimum(jnp.searchsorted(jnp.asarray(tiers), count), len(tiers) - 1)
    branches = [lambda s, size=size: gather(_first_spikes(s, size)[0]) for size in tiers]
    out = branches[0](spikes) if len(tiers) == 1 else jax.lax.switch(level, branches, spikes)
    return out, count > tiers[-1]


def _check_tiers(tiers: tuple[int, ...], capacity: int) -> None:
    if capacity < 1:
        raise ValueError(f"`capacity` must be at least 1; got {capacity}.")
    if list(tiers) != sorted(set(tiers)) or tiers[-1] != capacity or tiers[0] < 1:
        raise ValueError(f"`tiers` must be increasing positive sizes ending at `capacity` "
                         f"({capacity}); got {tiers}.")


class DenseEventConnectivity(AbstractConnectivity):
    """Event-driven propagation through a dense `[pre, post]` matrix.

    Each step the rows of the neurons that spiked (at most the smallest of
    `tiers` that holds them; more than `capacity` is a reported overflow, as
    in `EventConnectivity`) are gathered and summed: `spikes x N` work per
    step instead of the `N x N` of a matrix-vector product, with no scatter.
    Suited to networks of up to a few thousand neurons with sparse firing.
    Gradients reach only the neurons that spiked in a step (use
    `DenseConnectivity` to differentiate through every neuron's surrogate).
    """

    weights_pre_post: Float[Array, "pre post"]
    n_pre: int = eqx.field(static=True)
    capacity: int = eqx.field(static=True)
    tiers: tuple[int, ...] = eqx.field(static=True, default=())
    pre_offset: int = eqx.field(static=True, default=0)

    def __post_init__(self) -> None:
        if not self.tiers:
            self.tiers = default_tiers(self.capacity)

    def __check_init__(self) -> None:
        _offset(self.pre_offset)
        check_finite("weights_pre_post", self.weights_pre_post)
        if self.weights_pre_post.shape[0] != self.n_pre:
            raise ValueError(f"`weights_pre_post` must have `n_pre` = {self.n_pre} rows; got "
                             f"shape {self.weights_pre_post.shape}.")
        _check_tiers(self.tiers, self.capacity)

    def deliver(self, spikes: Float[Array, " pre"]) -> tuple[Float[Array, " post"], Array]:
        def gather(idx: Array) -> Array:
            # Padding entries (index n_pre) read row n_pre - 1 with a zero spike value.
            rows = jnp.minimum(idx, self.n_pre - 1)
            values = jnp.where(idx < self.n_pre, spikes[rows], 0.0)
            return values @ self.weights_pre_post[rows]

        return _tiered(spikes, self.tiers, gather)

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        return self.deliver(spikes)[0]

    def overflowed(self, spikes: Float[Array, " pre"]) -> Array:
        """True when more neurons spiked than the largest buffer holds."""
        return jnp.sum(spikes > 0) > self.capacity

    @classmethod
    def from_edges(cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike, *, n_pre: int,
                   n_post: int, capacity: int, tiers: tuple[int, ...] | None = None,
                   pre_offset: int = 0) -> DenseEventConnectivity:
        """Build from an edge list, as `EventConnectivity.from_edges`."""
        pre_a, post_a, w_a = _edge_arrays(pre, post, weights, n_pre, n_post, pre_offset)
        dense = np.zeros((n_pre, n_post), dtype=w_a.dtype)
        np.add.at(dense, (pre_a, post_a), w_a)
        return cls(weights_pre_post=jnp.asarray(dense), n_pre=int(n_pre), capacity=int(capacity),
                   tiers=tuple(tiers) if tiers else default_tiers(int(capacity)),
                   pre_offset=int(pre_offset))


class EventConnectivity(AbstractConnectivity):
    """Event-driven propagation: only the outgoing edges of neurons that spiked are touched.

    Edges are stored per presynaptic neuron (`post_indices[j, k]`,
    `weights[j, k]`, padded with a dummy target `n_post` and weight 0; row
    `n_pre` is an all-padding row). Each step the indices of the spiking
    neurons are gathered into a fixed-size buffer and their weights
    scattered onto their targets: the work per step is `buffer x max
    out-degree`, not `N x in-degree`. The buffer is the smallest of `tiers`
    (static sizes, compiled once each, chosen per step by `lax.switch`) that
    holds the step's spikes, so quiet steps cost little. Without delays,
    more than `capacity` (the largest tier) spikes in one step is an
    overflow, reported by `overflowed` (and by the simulation as an error),
    never dropped silently. With per-edge delays (`deliver_delayed`) such a
    step is delivered in further rounds of `capacity` spikes: a synchronous
    volley costs more time, never an error.
    """

    post_indices: Int[Array, "pre_plus_one kout"]
    weights: Float[Array, "pre_plus_one kout"]
    n_pre: int = eqx.field(static=True)
    n_post: int = eqx.field(static=True)
    capacity: int = eqx.field(static=True)
    tiers: tuple[int, ...] = eqx.field(static=True, default=())
    pre_offset: int = eqx.field(static=True, default=0)
    delay_steps: Integer[Array, "pre_plus_one kout"] | None = None
    max_delay_steps: int = eqx.field(static=True, default=1)

    def __post_init__(self) -> None:
        if not self.tiers:
            self.tiers = default_tiers(self.capacity)

    def __check_init__(self) -> None:
        _offset(self.pre_offset)
        check_finite("weights", self.weights)
        if self.delay_steps is not None and self.delay_steps.shape != self.weights.shape:
            raise ValueError(f"`delay_steps` must have the shape of `weights` "
                             f"{self.weights.shape}; got {self.delay_steps.shape}.")
        if self.post_indices.shape != self.weights.shape or \
                self.weights.shape[0] != self.n_pre + 1:
            raise ValueError(f"`post_indices` and `weights` must both have shape "
                             f"({self.n_pre + 1}, k); got {self.post_indices.shape} and "
                             f"{self.weights.shape}.")
        _check_tiers(self.tiers, self.capacity)

    def _scatter(self, spikes: Float[Array, " pre"], idx: Array) -> Float[Array, " post"]:
        values = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])[idx]
        contrib = self.weights[idx] * values[:, None]
        out = jnp.zeros((self.n_post,), self.weights.dtype)
        # Padding targets (`n_post`) are out of range and dropped.
        return out.at[self.post_indices[idx].ravel()].add(contrib.ravel(), mode="drop")

    def deliver(self, spikes: Float[Array, " pre"]) -> tuple[Float[Array, " post"], Array]:
        """Scatter the spikes' weights through the smallest buffer that holds them."""
        if self.delay_steps is not None:
            raise ValueError("This connectivity has per-edge delays: use `deliver_delayed` "
                             "(a `Projection` does).")
        return _tiered(spikes, self.tiers, lambda idx: self._scatter(spikes, idx))

    def deliver_delayed(self, spikes: Float[Array, " pre"], ring: Float[Array, "slots post"],
                        step: Array) -> tuple[Float[Array, "slots post"], Array]:
        """Add each spike's weights to the ring of pending input, `delay_steps - 1`
        slots ahead of `step`'s slot (`step % slots`).

        The spikes are taken `tiers[0]` at a time in a loop that runs only as
        often as the step needs, updating the ring in place (a buffer passed
        through `lax.switch` would be copied every step). A step with more
        than `capacity` spikes (a synchronous volley) is delivered in further
        rounds of `capacity`, so nothing overflows here; the second value is
        always False.
        """
        assert self.delay_steps is not None
        slots, n_post = ring.shape
        delays = self.delay_steps
        chunk = self.tiers[0]
        cap = min(self.capacity, self.n_pre)
        n_chunks = -(-cap // chunk)
        padded = jnp.concatenate([spikes, jnp.zeros((1,), spikes.dtype)])

        def deliver(idx: Array, count: Array, flat_ring: Array) -> Array:
            idx = jnp.pad(idx, (0, n_chunks * chunk - cap), constant_values=self.n_pre)

            def body(j: Array, flat_ring: Array) -> Array:
                rows = jax.lax.dynamic_slice(idx, (j * chunk,), (chunk,))
                contrib = (self.weights[rows] * padded[rows][:, None]).ravel()
                post = self.post_indices[rows].ravel()
                slot = (step + delays[rows].ravel().astype(jnp.int32) - 1) % slots
                flat = jnp.where(post < n_post, slot * n_post + post, slots * n_post)
                return flat_ring.at[flat].add(contrib, mode="drop")

            return jax.lax.fori_loop(0, (count + chunk - 1) // chunk, body, flat_ring)

        idx, real = _first_spikes(spikes, cap)
        count = jnp.sum(real)
        flat_ring = deliver(idx, count, ring.ravel())
        if cap == self.n_pre:
            return flat_ring.reshape(ring.shape), jnp.asarray(False)
        position = jnp.arange(self.n_pre)

        def more(carry: tuple[Array, Array]) -> tuple[Array, Array]:
            flat_ring, last = carry
            idx, real = _first_spikes(jnp.where(position > last, spikes, 0.0), cap)
            count = jnp.sum(real)
            return deliver(idx, count, flat_ring), idx[count - 1]

        def left(carry: tuple[Array, Array]) -> Array:
            return jnp.any((position > carry[1]) & (spikes > 0))

        last = jnp.where(count == cap, idx[cap - 1], self.n_pre)
        flat_ring, _ = jax.lax.while_loop(left, more, (flat_ring, last))
        return flat_ring.reshape(ring.shape), jnp.asarray(False)

    def propagate(self, spikes: Float[Array, " pre"]) -> Float[Array, " post"]:
        return self.deliver(spikes)[0]

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
                                  n_pre=self.n_pre, pre_offset=self.pre_offset)

    @classmethod
    def from_edges(cls, pre: ArrayLike, post: ArrayLike, weights: ArrayLike, *, n_pre: int,
                   n_post: int, capacity: int, tiers: tuple[int, ...] | None = None,
                   pre_offset: int = 0, delay_steps: ArrayLike | None = None,
                   dtype: Any = None) -> EventConnectivity:
        """Build from an edge list: edge `e` carries `weights[e]` from `pre[e]` to `post[e]`.

        `pre` are network indices in `[pre_offset, pre_offset + n_pre)` (the
        presynaptic population), `post` in `[0, n_post)`. Multapses
        (repeated pairs) add up. No `[post, pre]` array is formed.
        `delay_steps` (optional, per edge, integers >= 1) delays each edge by
        that many steps (1: the next step, as without delays).
        """
        pre_a, post_a, w_a = _edge_arrays(pre, post, weights, n_pre, n_post, pre_offset)
        if dtype is not None:
            w_a = w_a.astype(dtype)
        values: list[np.ndarray] = [post_a.astype(np.int32), w_a]
        fill: list = [n_post, 0]
        max_delay = 1
        if delay_steps is not None:
            d = np.asarray(delay_steps).ravel()
            if d.shape != w_a.shape or (d.size and int(d.min()) < 1):
                raise ValueError(f"`delay_steps` must hold one integer >= 1 per edge "
                                 f"({w_a.size}); got shape {d.shape}"
                                 f"{f', minimum {int(d.min())}' if d.size else ''}.")
            values.append(d.astype(np.uint8 if d.max(initial=1) < 256 else np.int32))
            fill.append(1)
            max_delay = int(d.max(initial=1))
        tables, _ = _per_source(pre_a, post_a, values, n_pre, fill)
        return cls(post_indices=jnp.asarray(tables[0]), weights=jnp.asarray(tables[1]),
                   n_pre=int(n_pre), n_post=int(n_post), capacity=int(capacity),
                   tiers=tuple(tiers) if tiers else default_tiers(int(capacity)),
                   pre_offset=int(pre_offset),
                   delay_steps=None if delay_steps is None else jnp.asarray(tables[2]),
                   max_delay_steps=max_delay)

    @classmethod
    def from_sparse(cls, sparse: SparseConnectivity, capacity: int) -> EventConnectivity:
        """The same edges as `sparse`, stored per presynaptic neuron."""
        pre = np.asarray(sparse.pre_indices)
        w = np.asarray(sparse.weights)
        post = np.broadcast_to(np.arange(pre.shape[0])[:, None], pre.shape)
        keep = w != 0
        return cls.from_edges(pre[keep] + sparse.pre_offset, post[keep], w[keep],
                              n_pre=sparse.n_pre, n_post=pre.shape[0], capacity=capacity,
                              pre_offset=sparse.pre_offset)


def _offset(pre_offset: int) -> int:
    if isinstance(pre_offset, bool) or not isinstance(pre_offset, int | np.integer) \
            or pre_offset < 0:
        raise ValueError(f"`pre_offset` must be a non-negative integer; got {pre_offset!r}.")
    return int(pre_offset)


def _edge_arrays(pre: ArrayLike, post: ArrayLike, weights: ArrayLike, n_pre: int,
                 n_post: int, pre_offset: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated 1-D edge arrays (indices in range, finite weights, equal lengths), with
    `pre` made relative to `pre_offset`."""
    pre_a = np.asarray(pre).astype(np.int64, copy=False).ravel() - _offset(pre_offset)
    post_a = np.asarray(post).astype(np.int64, copy=False).ravel()
    w_a = np.asarray(weights).ravel()
    if not (pre_a.size == post_a.size == w_a.size):
        raise ValueError(f"`pre`, `post` and `weights` must have the same length; got "
                         f"{pre_a.size}, {post_a.size} and {w_a.size}.")
    for name, a, lo, n in (("pre", pre_a, pre_offset, n_pre), ("post", post_a, 0, n_post)):
        if a.size and (a.min() < 0 or a.max() >= n):
            raise ValueError(f"`{name}` indices must lie in [{lo}, {lo + n}); got values from "
                             f"{a.min() + lo} to {a.max() + lo}.")
    if not np.all(np.isfinite(w_a)):
        raise ValueError("`weights` must be finite.")
    return pre_a, post_a, w_a
