r"""Spike threshold: exact in the forward pass, a smooth surrogate in the backward pass.

The forward value is the Heaviside step $H(v - \theta)$ (1.0 at or above
threshold), so a simulation is bitwise the same whatever the surrogate. The
backward pass replaces $\delta(x)$, $x = v - \theta$ in mV, by a unit-area
surrogate of slope $\beta$ (per mV):

- ``"fast_sigmoid"`` (default): $\beta / (2 (1 + \beta |x|)^2)$
- ``"sigmoid"``: $\beta\,s(\beta x)(1 - s(\beta x))$, $s$ the logistic function
- ``"triangle"``: $\beta \max(0, 1 - \beta|x|)$

Unit area means a surrogate's integral over $x$ is 1, as the delta function
it stands for (Zenke & Ganguli 2018 use the peak-normalised fast sigmoid,
whose area is 2).

How the surrogate is used over a whole network, `Surrogate.mode`:

- ``"local"`` (default; see `shared/GRADIENTS.md`-style measurements in
  docs/fitting.md): the reset is detached (no derivative through the jump
  to $c$ and $u + d$), the membrane's own nonlinearity $0.04 v^2 + 5 v$ is
  taken with zero derivative (so the backward membrane Jacobian is 1 plus
  the $u$ coupling: the quadratic upswing cannot amplify cotangents), and
  spikes enter the synaptic currents without derivative, scaled by
  `feedback` (0 by default). Gradients stay finite over 10,000 steps and
  more; they ignore how a perturbation propagates through the network, so
  they underestimate effects that act mainly through recurrence.
- ``"full"``: back-propagation through the true dynamics with the
  surrogate at the threshold and the reset differentiated. Exact for the
  surrogate model, but it explodes after about a hundred steps in
  Izhikevich networks; use it only for short windows.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp

from .._errors import check_choice
from .._typing import Array, Float

__all__ = ["SURROGATE_MODES", "SURROGATE_SHAPES", "Surrogate", "spike_function"]

SURROGATE_SHAPES = ("fast_sigmoid", "sigmoid", "triangle")
SURROGATE_MODES = ("local", "full")


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def spike_function(x: Array, shape: str, slope: float) -> Array:
    """Heaviside of `x` (1.0 where x >= 0) with a surrogate derivative."""
    return (x >= 0).astype(x.dtype)


@spike_function.defjvp
def _spike_jvp(shape, slope, primals, tangents):
    (x,), (dx,) = primals, tangents
    out = spike_function(x, shape, slope)
    if shape == "fast_sigmoid":
        grad = slope / (2.0 * (1.0 + slope * jnp.abs(x)) ** 2)
    elif shape == "sigmoid":
        s = jax.nn.sigmoid(slope * x)
        grad = slope * s * (1.0 - s)
    else:
        grad = slope * jnp.maximum(0.0, 1.0 - slope * jnp.abs(x))
    return out, grad * dx


class Surrogate(eqx.Module):
    """How gradients pass the spike threshold (see the module docstring).

    Attributes:
        shape: "fast_sigmoid", "sigmoid" or "triangle" (unit area).
        slope_per_mV: the surrogate's slope beta (per mV); 5 by default.
        mode: "local" (default, stable over long runs) or "full".
        feedback: factor on the derivative of spikes entering the synapses
            in "local" mode (0 by default; above about 0.03 long Izhikevich
            runs can explode).
    """

    shape: str = eqx.field(static=True, default="fast_sigmoid")
    slope_per_mV: float = eqx.field(static=True, default=5.0)
    mode: str = eqx.field(static=True, default="local")
    feedback: float = eqx.field(static=True, default=0.0)

    def __check_init__(self) -> None:
        check_choice("shape", self.shape, SURROGATE_SHAPES)
        check_choice("mode", self.mode, SURROGATE_MODES)
        if not self.slope_per_mV > 0:
            raise ValueError(f"`slope_per_mV` must be positive; got {self.slope_per_mV!r}.")
        if not self.feedback >= 0:
            raise ValueError(f"`feedback` must be non-negative; got {self.feedback!r}.")

    @property
    def local(self) -> bool:
        return self.mode == "local"

    def spike(
        self, v: Float[Array, " neurons"], threshold: Float[Array, " neurons"]
    ) -> Float[Array, " neurons"]:
        """1.0 where `v >= threshold`, with the surrogate derivative."""
        return spike_function(v - threshold, self.shape, self.slope_per_mV)

    def for_reset(self, spike: Float[Array, " neurons"]) -> Float[Array, " neurons"]:
        """The spike as the reset sees it (detached in "local" mode)."""
        return jax.lax.stop_gradient(spike) if self.local else spike

    def for_synapses(self, spike: Float[Array, " neurons"]) -> Float[Array, " neurons"]:
        """The spike as the synapses see it (derivative times `feedback` in "local")."""
        if not self.local:
            return spike
        fixed = jax.lax.stop_gradient(spike)
        if self.feedback == 0.0:
            return fixed
        return fixed + self.feedback * (spike - fixed)

    def nonlinearity(self, value: Array) -> Array:
        """A membrane nonlinearity, with zero derivative in "local" mode."""
        return jax.lax.stop_gradient(value) if self.local else value


def heaviside_spike(
    v: Float[Array, " neurons"], threshold: Float[Array, " neurons"]
) -> Float[Array, " neurons"]:
    """Return 1.0 where `v >= threshold`, else 0.0, in the dtype of `v` (no gradient)."""
    return (v >= threshold).astype(v.dtype)
