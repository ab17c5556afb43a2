"""Column geometry: layers on a depth axis and the soma depth of every neuron.

Depth is measured in um from the pial surface, positive downwards. The
default layer boundaries are those used for the Potjans-Diesmann column in
Hagen et al. (2016, Cereb. Cortex 26:4461), after Thomson & Lamy (2007):
L1 0-82, L2/3 82-587, L4 587-922, L5 922-1170, L6 1170-1492 um.
"""

from __future__ import annotations

import equinox as eqx
import numpy as np

from ._typing import Array, Float
from .columns.pd14 import LAYERS_UM

__all__ = ["DEFAULT_LAYERS_UM", "Geometry", "layer_index"]

#: Layer boundaries (name, top, bottom) in um below the pia: those used for the
#: PD14 column by Hagen et al. (2016), kept with the PD14 tables.
DEFAULT_LAYERS_UM: tuple[tuple[str, float, float], ...] = LAYERS_UM


def layer_index(name: str, layers: tuple[tuple[str, float, float], ...]) -> int:
    """Position of layer `name` in `layers`, with an error listing the known ones."""
    names = [layer[0] for layer in layers]
    if name not in names:
        raise ValueError(f"`layer` must be one of {names}; got {name!r}.")
    return names.index(name)


class Geometry(eqx.Module):
    """A cylindrical cortical column.

    Attributes:
        soma_depth_um: depth of every neuron's soma (um below the pia).
        radius_um: column radius (um).
        layers: `(name, top_um, bottom_um)` for each layer, top to bottom.
    """

    soma_depth_um: Float[Array, " neurons"]
    radius_um: Float[Array, ""]
    layers: tuple[tuple[str, float, float], ...] = eqx.field(
        static=True, default=DEFAULT_LAYERS_UM
    )

    def __check_init__(self) -> None:
        tops = [layer[1] for layer in self.layers]
        bottoms = [layer[2] for layer in self.layers]
        if any(b <= t for t, b in zip(tops, bottoms)) or any(
            t2 < b1 for b1, t2 in zip(bottoms, tops[1:])
        ):
            raise ValueError(
                f"`layers` must be ordered top to bottom without overlap; got {self.layers!r}."
            )

    @property
    def thickness_um(self) -> float:
        """Depth of the column's bottom (um)."""
        return float(self.layers[-1][2])


def place_somata(
    rng: np.random.Generator, n: int, layer: str, layers: tuple[tuple[str, float, float], ...]
) -> np.ndarray:
    """Soma depths drawn uniformly within `layer`."""
    _, top, bottom = layers[layer_index(layer, layers)]
    return rng.uniform(top, bottom, size=n)
