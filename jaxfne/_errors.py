"""Shared input checks.

Every message names the argument in backticks, the value received and what is
allowed, e.g. "`dt_ms` must be positive and finite; got -0.1.". Checks run on
concrete (non-traced) values only; inside `jit`/`vmap`/`grad` they are skipped,
so checked functions stay transformable.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import jax
import numpy as np


def is_concrete(*values: Any) -> bool:
    """True when none of `values` (pytrees allowed) holds a JAX tracer."""
    leaves = jax.tree_util.tree_leaves(values)
    return not any(isinstance(leaf, jax.core.Tracer) for leaf in leaves)


def describe(value: Any) -> str:
    """A short text for a value in an error message."""
    if isinstance(value, (np.ndarray, jax.Array, np.generic)) and np.ndim(value) == 0:
        return repr(np.asarray(value).item())
    if isinstance(value, (np.ndarray, jax.Array)):
        arr = np.asarray(value)
        if arr.size <= 6:
            return f"{arr.tolist()!r} (shape {arr.shape})"
        return f"an array of shape {arr.shape} (min {arr.min()!r}, max {arr.max()!r})"
    return repr(value)


def check_finite(name: str, value: Any) -> None:
    """Raise if a concrete `value` holds NaN or infinity."""
    if not is_concrete(value):
        return
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must be finite; got {describe(value)}.")


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> None:
    """Raise if a concrete `value` is not finite and positive (or non-negative)."""
    if not is_concrete(value):
        return
    arr = np.asarray(value, dtype=float)
    ok = np.all(np.isfinite(arr)) and (np.all(arr >= 0) if allow_zero else np.all(arr > 0))
    if not ok:
        what = "non-negative" if allow_zero else "positive"
        raise ValueError(f"`{name}` must be finite and {what}; got {describe(value)}.")


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> None:
    """Raise if `value` is not one of the `allowed` option strings."""
    allowed = tuple(allowed)
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"`{name}` must be one of {options}; got {value!r}.")


def check_shape(name: str, value: Any, shape: tuple[int | None, ...]) -> None:
    """Raise if `value`'s shape does not match `shape` (None matches any size)."""
    got = tuple(np.shape(value))
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"`{name}` must have shape {want}; got shape {got}.")


def as_integer(name: str, value: Any, *, minimum: int) -> int:
    """`value` as an int, or an error if it is not an integer of at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer; got {value!r}.")
    if int(value) < minimum:
        raise ValueError(f"`{name}` must be at least {minimum}; got {value!r}.")
    return int(value)
