r"""`fit`: gradient descent on named parameters of any model, with optax.

Constrained parameters are optimised through bijections (Jaxley-style):

- positive (time constants, conductivities, radii, capacitances, noise
  amplitudes, rates: every path ending in one of `POSITIVE_SUFFIXES`):
  $\theta = e^{\rho}$, so they never reach zero or below, and an optimiser
  step changes them by a fraction of their value whatever their unit (a
  radius of 300 um and a conductivity of 0.3 S/m move alike; softplus would
  move the radius by the same absolute amount as the conductivity);
- bounded (`bounds={path: (low, high)}`): $\theta = l + (h - l)\,s(\rho)$
  with the logistic function $s$;
- everything else is optimised as it is.

The optimiser sees the unconstrained $\rho$. The whole step (loss, gradient,
optimiser update) is one jitted function, compiled once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .parameters import parameters, with_parameters

__all__ = ["POSITIVE_SUFFIXES", "FitHistory", "fit"]

POSITIVE_SUFFIXES = ("tau_ms", "tau_m_ms", "sigma_S_per_m", "radius_um", "capacitance_pF",
                     "noise_sigma", "rate_hz", "head_sigmas_S_per_m", "head_radii_um",
                     "refractory_ms")


class FitHistory(eqx.Module):
    """What happened during a fit.

    Attributes:
        loss: `[steps]` loss before each step.
        grad_norm: `[steps]` global norm of the gradient (unconstrained).
        values: path -> `[steps + 1, ...]` parameter values, initial first.
        wall_s: `[steps]` wall time of each step (the first includes compiling).
    """

    loss: np.ndarray
    grad_norm: np.ndarray
    values: dict[str, np.ndarray]
    wall_s: np.ndarray


def _resolve(model: Any, trainable: Sequence[str] | Callable[[Any], Any]) -> list[str]:
    named = parameters(model)
    if callable(trainable):
        chosen = trainable(model)
        chosen = chosen if isinstance(chosen, (tuple, list)) else [chosen]
        ids = {id(leaf): name for name, leaf in named.items()}
        paths = []
        for leaf in chosen:
            if id(leaf) not in ids:
                raise ValueError("`trainable` must select inexact array leaves of the model "
                                 f"(see jaxfne.parameters); got {type(leaf)!r}.")
            paths.append(ids[id(leaf)])
        return paths
    if isinstance(trainable, str):
        trainable = [trainable]
    unknown = [p for p in trainable if p not in named]
    if unknown or not trainable:
        raise ValueError(f"`trainable` must name parameters of the model; unknown {unknown}. "
                         f"Known: {list(named)}.")
    return list(trainable)


def fit(
    model: Any,
    loss: Callable[[Any], jax.Array],
    optimizer: optax.GradientTransformation,
    *,
    trainable: Sequence[str] | Callable[[Any], Any],
    steps: int,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    positive: Sequence[str] | None = None,
    callback: Callable[[int, float, dict[str, np.ndarray]], None] | None = None,
) -> tuple[Any, FitHistory]:
    """Fit the `trainable` parameters of `model` by minimising `loss(model)`.

    Args:
        model: a jaxfne `Model` or any Equinox module.
        loss: a function of the model returning a scalar (it may simulate).
        optimizer: any optax transformation.
        trainable: dotted parameter paths (see `jaxfne.parameters`), or an
            `eqx.tree_at`-style function returning the leaves to fit.
        steps: number of optimiser steps.
        bounds: `{path: (low, high)}` for parameters kept between bounds.
        positive: paths kept positive (default: those ending in
            `POSITIVE_SUFFIXES`).
        callback: called as `callback(step, loss, values)` after each step.

    Returns:
        The fitted model and a `FitHistory`.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"`steps` must be a positive integer; got {steps!r}.")
    paths = _resolve(model, trainable)
    bounds = dict(bounds or {})
    for path, (low, high) in bounds.items():
        if path not in paths:
            raise ValueError(f"`bounds` names {path!r}, which is not trainable.")
        if not low < high:
            raise ValueError(f"`bounds[{path!r}]` must be (low, high) with low < high; "
                             f"got {(low, high)}.")
    if positive is None:
        positive = [p for p in paths if p.endswith(POSITIVE_SUFFIXES) and p not in bounds]
    named = parameters(model)
    for p in positive:
        if np.any(np.asarray(named[p]) <= 0):
            raise ValueError(f"Parameter `{p}` is kept positive but starts at "
                             f"{np.asarray(named[p])!r}.")

    def to_raw(values: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
        raw = {}
        for p in paths:
            v = jnp.asarray(values[p])
            v = v.astype(v.dtype)  # a strong dtype, so the step's input types never change
            if p in bounds:
                low, high = bounds[p]
                frac = jnp.clip((v - low) / (high - low), 1e-6, 1 - 1e-6)
                raw[p] = jnp.log(frac) - jnp.log1p(-frac)
            elif p in positive:
                raw[p] = jnp.log(v)
            else:
                raw[p] = v
        return raw

    def from_raw(raw: Mapping[str, jax.Array]) -> dict[str, jax.Array]:
        out = {}
        for p, r in raw.items():
            if p in bounds:
                low, high = bounds[p]
                out[p] = low + (high - low) * jax.nn.sigmoid(r)
            elif p in positive:
                out[p] = jnp.exp(r)
            else:
                out[p] = r
        return out

    raw = to_raw(named)
    opt_state = optimizer.init(raw)

    @eqx.filter_jit
    def step(raw, opt_state, model):
        def objective(raw):
            return loss(with_parameters(model, from_raw(raw)))

        value, grads = jax.value_and_grad(objective)(raw)
        updates, opt_state = optimizer.update(grads, opt_state, raw)
        norm = jnp.sqrt(sum(jnp.sum(g**2) for g in jax.tree.leaves(grads)))
        return optax.apply_updates(raw, updates), opt_state, value, norm

    losses, norms, walls = [], [], []
    values = {p: [np.asarray(named[p])] for p in paths}
    for i in range(steps):
        start = time.perf_counter()
        raw, opt_state, value, norm = step(raw, opt_state, model)
        value = float(value)
        walls.append(time.perf_counter() - start)
        if not np.isfinite(value):
            raise FloatingPointError(f"The loss became non-finite at step {i}; lower the "
                                     f"learning rate or check the loss.")
        current = {p: np.asarray(v) for p, v in from_raw(raw).items()}
        for p in paths:
            values[p].append(current[p])
        losses.append(value)
        norms.append(float(norm))
        if callback is not None:
            callback(i, value, current)
    fitted = with_parameters(model, from_raw(raw))
    history = FitHistory(loss=np.asarray(losses), grad_norm=np.asarray(norms),
                         values={p: np.stack(v) for p, v in values.items()},
                         wall_s=np.asarray(walls))
    return fitted, history
