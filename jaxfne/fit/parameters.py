"""Named parameters: every inexact array of a model under a dotted path.

Paths follow the attribute names of the modules (`drive.bias`,
`emitters.a`, `field.geometry.sigma_S_per_m`); a projection of the coupling
is named by its `name` (`coupling.E.scale`, `coupling.E.tau_ms`,
`coupling.E.connectivity.weights`), other tuple entries by their index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

__all__ = ["parameter_paths", "parameters", "with_parameters"]


def _key_name(key: Any, parent: Any) -> str:
    if isinstance(key, jax.tree_util.GetAttrKey):
        return key.name
    if isinstance(key, jax.tree_util.SequenceKey):
        item = parent[key.idx] if isinstance(parent, (tuple, list)) else None
        name = getattr(item, "name", None)
        if isinstance(name, str) and name and sum(
                getattr(p, "name", None) == name for p in parent) == 1:
            return name
        return str(key.idx)
    if isinstance(key, jax.tree_util.DictKey):
        return str(key.key)
    return str(key)


def _named_leaves(model: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def walk(node: Any, prefix: str) -> None:
        if eqx.is_inexact_array(node):
            out.append((prefix, node))
            return
        if isinstance(node, eqx.Module):
            for field_name in node.__dataclass_fields__:
                if field_name in getattr(type(node), "_static_fields", ()):
                    continue
                # `coupling.projections.E.scale` reads `coupling.E.scale`
                name = prefix if field_name == "projections" else (
                    f"{prefix}.{field_name}" if prefix else field_name)
                walk(getattr(node, field_name), name)
        elif isinstance(node, (tuple, list)):
            for i, item in enumerate(node):
                key = _key_name(jax.tree_util.SequenceKey(i), node)
                walk(item, f"{prefix}.{key}" if prefix else key)
        elif isinstance(node, dict):
            for k, item in node.items():
                walk(item, f"{prefix}.{k}" if prefix else str(k))

    walk(model, "")
    return out


def parameters(model: Any) -> dict[str, jax.Array]:
    """Every inexact array leaf of `model` by dotted path (see the module docstring)."""
    return dict(_named_leaves(model))


def parameter_paths(model: Any) -> list[str]:
    """The dotted paths of `parameters(model)`, in pytree order."""
    return [name for name, _ in _named_leaves(model)]


def with_parameters(model: Any, values: Mapping[str, Any]) -> Any:
    """A copy of `model` with the leaves at the given dotted paths replaced.

    Each new value must have the shape of the leaf it replaces; it takes the
    leaf's dtype.
    """
    named = _named_leaves(model)
    index = {name: i for i, (name, _) in enumerate(named)}
    unknown = [k for k in values if k not in index]
    if unknown:
        raise KeyError(f"Unknown parameter paths {unknown}; known paths are "
                       f"{[n for n, _ in named]}.")
    replaced = dict(values)
    leaves, treedef = jax.tree.flatten(model)
    names = iter(name for name, _ in named)
    new = []
    for leaf in leaves:
        if eqx.is_inexact_array(leaf):
            name = next(names)
            if name in replaced:
                value = jnp.asarray(replaced[name], dtype=leaf.dtype)
                if value.shape != leaf.shape:
                    raise ValueError(f"Parameter `{name}` must have shape {leaf.shape}; got "
                                     f"{value.shape}.")
                leaf = value
        new.append(leaf)
    return jax.tree.unflatten(treedef, new)
