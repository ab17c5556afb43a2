"""Spike threshold crossing (exact in the forward pass)."""

from __future__ import annotations

from .._typing import Array, Float


def heaviside_spike(
    v: Float[Array, " neurons"], threshold: Float[Array, " neurons"]
) -> Float[Array, " neurons"]:
    """Return 1.0 where `v >= threshold`, else 0.0, in the dtype of `v`."""
    return (v >= threshold).astype(v.dtype)
