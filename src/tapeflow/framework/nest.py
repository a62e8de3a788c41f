"""Nested structures (`tf.nest`): lists, tuples, namedtuples and dicts (by sorted key) of leaves.

Tensors, variables and everything else that is not one of those containers are leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_END = object()


def is_nested(structure: Any) -> bool:
    kind = type(structure)
    if kind is list or kind is tuple or kind is dict:  # the common cases, without the ABC check
        return True
    return isinstance(structure, list | tuple | Mapping)


def _children(structure: Any) -> list:
    if isinstance(structure, Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    return list(structure)


def _sorted_keys(mapping: Mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        return list(mapping)


def flatten(structure: Any) -> list:
    """The leaves of `structure`, depth first, dict values in sorted-key order."""
    if not is_nested(structure):
        return [structure]
    leaves: list = []
    stack = [structure]
    while stack:
        node = stack.pop()
        if is_nested(node):
            stack.extend(reversed(_children(node)))
        else:
            leaves.append(node)
    return leaves


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """`flat_sequence` rebuilt in the shape of `structure`."""
    flat = list(flat_sequence)
    if not is_nested(structure):
        if len(flat) != 1:
            raise ValueError(f"Structure is a scalar but len(flat_sequence) == {len(flat)} > 1")
        return flat[0]
    leaves = iter(flat)
    result = _build(structure, leaves)
    if next(leaves, _END) is not _END:
        raise ValueError(f"Could not pack sequence. Structure had {len(flatten(structure))} atoms, but "
                         f"flat_sequence had {len(flat)} items.")
    return result


def _build(node: Any, leaves: Any) -> Any:
    """`node`'s shape filled from the iterator `leaves` (a plain recursive function: a nested closure
    would form a reference cycle that keeps the leaves alive until the garbage collector runs)."""
    if not is_nested(node):
        try:
            return next(leaves)
        except StopIteration:
            raise ValueError("Could not pack sequence: flat_sequence has too few items.") from None
    values = [_build(child, leaves) for child in _children(node)]
    if isinstance(node, Mapping):
        rebuilt = dict(zip(_sorted_keys(node), values))
        return type(node)((k, rebuilt[k]) for k in node)
    if isinstance(node, tuple) and hasattr(node, "_fields"):
        return type(node)(*values)
    return type(node)(values)


def map_structure(func: Callable, *structures: Any) -> Any:
    """`func` applied leaf by leaf to structures of the same shape."""
    flats = [flatten(s) for s in structures]
    if any(len(f) != len(flats[0]) for f in flats):
        raise ValueError("The structures don't have the same number of elements.")
    return pack_sequence_as(structures[0], [func(*leaves) for leaves in zip(*flats)])


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True) -> None:
    """Raise ValueError (TypeError for differing container types) unless both have one structure."""
    if is_nested(nest1) != is_nested(nest2):
        raise ValueError(f"The two structures don't have the same nested structure: {nest1!r} and {nest2!r}.")
    if not is_nested(nest1):
        return
    if check_types and type(nest1) is not type(nest2):
        raise TypeError(f"The two structures don't have the same sequence type: {type(nest1).__name__} and "
                        f"{type(nest2).__name__}.")
    if isinstance(nest1, Mapping) and sorted(nest1) != sorted(nest2):
        raise ValueError(f"The two dictionaries don't have the same set of keys: {list(nest1)} and "
                         f"{list(nest2)}.")
    a, b = _children(nest1), _children(nest2)
    if len(a) != len(b):
        raise ValueError(f"The two structures don't have the same number of elements: {len(a)} and {len(b)}.")
    for x, y in zip(a, b):
        assert_same_structure(x, y, check_types)
