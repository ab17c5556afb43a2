"""Shared array aliases and dimension names.

Dimension names used across jaxfne (in jaxtyping shape strings):

- ``time``: recorded time steps (the first axis of every signal)
- ``neurons``: cells of the network (excitatory first in builder networks)
- ``depth``: bins of the laminar depth grid
- ``contacts``: laminar probe contacts
- ``electrodes``: EEG electrodes
- ``sensors``: MEG sensors
- ``sources``: point or line current sources
- ``batch``: a vmapped axis of trials or parameter sets
"""

from jaxtyping import Array, ArrayLike, Bool, Float, Int, Integer, Real

__all__ = [
    "Array", "ArrayLike", "Bool", "Float", "Int", "Integer", "Real", "Scalar", "ScalarLike",
]

Scalar = Float[Array, ""]
ScalarLike = Real[ArrayLike, ""]
