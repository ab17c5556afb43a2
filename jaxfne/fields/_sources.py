r"""Where each neuron's synaptic currents enter and leave the tissue.

A point neuron has no morphology, so its field needs a rule for where its
synaptic current crosses the membrane. Both rules here give every cell a set
of points $z_{ik}$ (depths, um) and, per current channel $c$, weights
$w_{cik}$ with $\sum_k w_{cik} = 0$: a synaptic current $I_{ci}$ (positive =
depolarising, flowing into the cell) makes the transmembrane current
$w_{cik} I_{ci}$ at point $k$ (outward positive). The net current of every
cell is zero at every step, and its dipole moment along the column axis is
$p_i = \sum_c I_{ci} \sum_k w_{cik} z_{ik}$.

`TwoPointSources`: the current of a channel enters at one depth and leaves
at the soma ($w = -1$ at the synapse, $+1$ at the soma). Simple, with one
differentiable depth per neuron and channel.

`CompartmentSources`: the current of channel $c$ enters the cell at points
$k$ with fractions $e_{cik}$ and leaves it with fractions $x_{cik}$ (both
sum to 1 over $k$), so $w_{cik} = x_{cik} - e_{cik}$. In an electrotonically
compact cell the return current leaves through all of the membrane in
proportion to its area $a_{ik}$ (its leak and capacitive conductances),
wherever it entered: $x_{cik} = a_{ik}$. That gives a basal input a sink at
the soma and sources along the apical dendrite, and an apical input the
reverse (Einevoll et al., Nat. Rev. Neurosci. 14:770, 2013). Along a real
dendrite the return current concentrates near the input (cable
attenuation); `jaxfne.columns.laminar.compartment_sources` can weight it by
$a_{ik} e^{-|z_{ij} - z_{ik}|/\lambda}$ for an input at $j$.

Channels: "excitatory" and "inhibitory" (the recurrent synapses) always;
optionally "external" (the background's synaptic input) and "thalamic" (the
pulsed sources). A current without a channel of its own goes to
"excitatory".
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._typing import Array, Float

__all__ = ["CHANNELS", "TWO_CHANNELS", "CompartmentSources", "TwoPointSources"]

#: Current channels a source model may distinguish, in a fixed order.
CHANNELS: tuple[str, ...] = ("excitatory", "inhibitory", "external", "thalamic")

#: The channels every source model has: the recurrent synapses.
TWO_CHANNELS: tuple[str, ...] = CHANNELS[:2]


class TwoPointSources(eqx.Module):
    """Each channel's current enters at one depth and leaves at the soma.

    Attributes:
        open_field: `[neurons]` 1 for open-field (dipole-forming) cells, else 0.
        excitatory_offset_um: `[neurons]` depth of excitatory synapses
            relative to the soma (um; negative = towards the pia). The
            external and pulsed inputs enter here too.
        inhibitory_offset_um: `[neurons]` the same for inhibitory synapses.
    """

    open_field: Float[Array, " neurons"]
    excitatory_offset_um: Float[Array, " neurons"]
    inhibitory_offset_um: Float[Array, " neurons"]

    @property
    def channels(self) -> tuple[str, ...]:
        return TWO_CHANNELS

    def points(self, soma_depth_um: Float[Array, " neurons"]
               ) -> tuple[Float[Array, "neurons points"], Float[Array, "channels neurons points"]]:
        """Depths of the soma and the two synapses, and each channel's weights."""
        z = soma_depth_um[:, None] + jnp.stack(
            [jnp.zeros_like(soma_depth_um), self.excitatory_offset_um,
             self.inhibitory_offset_um], axis=1)
        w = jnp.asarray([[1.0, -1.0, 0.0], [1.0, 0.0, -1.0]], z.dtype)
        return z, jnp.broadcast_to(w[:, None, :], (2,) + z.shape)


class CompartmentSources(eqx.Module):
    """Multi-point cells: each channel's current enters where its synapses are and
    leaves where its return current crosses the membrane.

    Attributes:
        open_field: `[neurons]` 1 for open-field cells, else 0.
        offset_um: `[neurons, points]` depth of each membrane point relative
            to the soma (um; negative = towards the pia).
        entry: `[channels, neurons, points]` fraction of each channel's
            synaptic current entering at each point (rows sum to 1).
        exit: `[channels, neurons, points]` fraction of it leaving at each
            point (rows sum to 1; the membrane's area fractions for a compact
            cell).
        channels: names of the channels, "excitatory" and "inhibitory" first
            (see `CHANNELS`).
    """

    open_field: Float[Array, " neurons"]
    offset_um: Float[Array, "neurons points"]
    entry: Float[Array, "channels neurons points"]
    exit: Float[Array, "channels neurons points"]
    channels: tuple[str, ...] = eqx.field(static=True, default=TWO_CHANNELS)

    def __check_init__(self) -> None:
        if self.channels[:2] != TWO_CHANNELS or not set(self.channels) <= set(
                CHANNELS) or len(set(self.channels)) != len(self.channels):
            raise ValueError(f"`channels` must start with 'excitatory', 'inhibitory' and name "
                             f"distinct channels among {CHANNELS}; got {self.channels!r}.")
        for name, x in (("entry", self.entry), ("exit", self.exit)):
            if x.shape != (len(self.channels),) + self.offset_um.shape:
                raise ValueError(f"`{name}` must have shape (channels, neurons, points) = "
                                 f"{(len(self.channels),) + self.offset_um.shape}; got {x.shape}.")
        for name, x in (("entry", self.entry), ("exit", self.exit)):
            if isinstance(x, jax.core.Tracer):
                continue
            sums = np.asarray(x).sum(axis=-1)
            if not np.allclose(sums, 1.0, atol=1e-6):
                raise ValueError(f"every row of `{name}` must sum to 1 (fractions); got sums "
                                 f"from {sums.min():.6g} to {sums.max():.6g}.")

    def points(self, soma_depth_um: Float[Array, " neurons"]
               ) -> tuple[Float[Array, "neurons points"], Float[Array, "channels neurons points"]]:
        """Depths of the membrane points, and each channel's weights `exit - entry`."""
        return soma_depth_um[:, None] + self.offset_um, self.exit - self.entry
