"""Nested structures (`tf.nest`): containers of leaves, flattened and rebuilt as TensorFlow does.

A structure is nested when it is a sequence (list, tuple, namedtuple, deque, range, any
`collections.abc.Sequence` except strings and bytes), a mapping (dict, OrderedDict, defaultdict,
any `collections.abc.Mapping`), a mapping view (`d.keys()`, `d.values()`, `d.items()`) or an
attrs class; everything else (tensors, variables, arrays, numbers, None, dataclasses, sets) is a
leaf. Mappings are flattened in sorted-key order, OrderedDicts included, and rebuilt with their
own key order; views are rebuilt as lists, `range` as a list, the rest as their own type.

With `expand_composites=True`, composite tensors (a `SparseTensor`: any `CompositeTensor` with a
`_type_spec`) are nested too: opened into their component tensors and rebuilt by their spec.

What kind of container a type is gets worked out once per type, so flattening costs one dict
lookup per node: `flatten` and `pack_sequence_as` are on the path of every `tf.function` call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, MappingView, MutableMapping, Sequence
from typing import Any

from tapeflow.core.tensor import CompositeTensor

__all__ = ["assert_same_structure", "flatten", "flatten_with_tuple_paths", "is_nested", "map_structure",
           "pack_sequence_as"]

# Kinds of node. A leaf is 0, so `if kind:` asks "is it nested?".
_LEAF, _SEQUENCE, _NAMEDTUPLE, _MAPPING, _VIEW, _ATTRS, _COMPOSITE = range(7)
_KINDS: dict[type, int] = {list: _SEQUENCE, tuple: _SEQUENCE, dict: _MAPPING}
_EXPANDED_KINDS: dict[type, int] = {list: _SEQUENCE, tuple: _SEQUENCE, dict: _MAPPING}
_END = object()


def _classify(kind: type) -> int:
    if issubclass(kind, str | bytes):
        return _LEAF
    if getattr(kind, "__attrs_attrs__", None) is not None:
        return _ATTRS
    if issubclass(kind, tuple) and hasattr(kind, "_fields"):
        return _NAMEDTUPLE
    if issubclass(kind, Mapping):
        return _MAPPING
    if issubclass(kind, MappingView):
        return _VIEW
    return _SEQUENCE if issubclass(kind, Sequence) else _LEAF


def _kind(structure: Any) -> int:
    kind = _KINDS.get(type(structure))
    if kind is None:
        kind = _KINDS[type(structure)] = _classify(type(structure))
    return kind


def _expanded_kind(structure: Any) -> int:
    """`_kind`, with composite tensors nested (`expand_composites=True`)."""
    kind = _EXPANDED_KINDS.get(type(structure))
    if kind is None:
        composite = issubclass(type(structure), CompositeTensor) and hasattr(type(structure), "_type_spec")
        kind = _EXPANDED_KINDS[type(structure)] = _COMPOSITE if composite else _kind(structure)
    return kind


def is_nested(seq: Any) -> bool:
    """Whether `seq` is a container that `flatten` looks into (see the module doc)."""
    return _kind(seq) != _LEAF


def _children(structure: Any, kind: int) -> list:
    if kind == _MAPPING:
        return [structure[k] for k in sorted(structure)]
    if kind == _ATTRS:
        return [getattr(structure, field.name) for field in type(structure).__attrs_attrs__]
    if kind == _COMPOSITE:
        return structure._type_spec._to_components(structure)
    return list(structure)


def _child_keys(structure: Any, kind: int) -> list:
    """What names each child in a path: its key, its field name, or its position."""
    if kind == _MAPPING:
        return sorted(structure)
    if kind == _ATTRS:
        return [field.name for field in type(structure).__attrs_attrs__]
    if kind == _NAMEDTUPLE:
        return list(structure._fields)
    if kind == _COMPOSITE:
        return list(range(len(_children(structure, kind))))
    return list(range(len(structure)))


def flatten(structure: Any, expand_composites: bool = False) -> list:
    """The leaves of `structure`, depth first, mapping values in sorted-key order."""
    kind_of = _expanded_kind if expand_composites else _kind
    kind = kind_of(structure)
    if not kind:
        return [structure]
    leaves: list = []
    stack = [structure]
    while stack:
        node = stack.pop()
        kind = kind_of(node)
        if kind:
            stack.extend(reversed(_children(node, kind)))
        else:
            leaves.append(node)
    return leaves


def flatten_with_tuple_paths(structure: Any, expand_composites: bool = False) -> list:
    """`(path, leaf)` pairs in `flatten`'s order; a path is the tuple of keys, field names and indices
    leading to the leaf (what `tf.Module` reports for its variables)."""
    kind_of = _expanded_kind if expand_composites else _kind
    pairs: list = []
    stack = [((), structure)]
    while stack:
        path, node = stack.pop()
        kind = kind_of(node)
        if kind:
            stack.extend(reversed([((*path, key), child) for key, child in
                                   zip(_child_keys(node, kind), _children(node, kind))]))
        else:
            pairs.append((path, node))
    return pairs


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """`flat_sequence` rebuilt in the shape of `structure`."""
    if not is_nested(flat_sequence):
        raise TypeError(f"Attempted to pack value:\n  {flat_sequence!r}\ninto a structure, but found "
                        f"incompatible type `{type(flat_sequence)}` instead.")
    flat = flat_sequence if type(flat_sequence) is list else list(flat_sequence)
    kind_of = _expanded_kind if expand_composites else _kind
    kind = kind_of(structure)
    if not kind:
        if len(flat) != 1:
            raise ValueError(f"The target structure is of type `{type(structure)}`\n  {structure!r}\nHowever "
                             f"the input is a sequence ({type(flat_sequence)}) of length {len(flat)}.\n  "
                             f"{flat!r}\nnest cannot guarantee that it is safe to map one to the other.")
        return flat[0]
    leaves = iter(flat)
    result = _build(structure, kind, leaves, kind_of)
    if result is _END or next(leaves, _END) is not _END:
        raise ValueError(f"Could not pack sequence. Structure had "
                         f"{len(flatten(structure, expand_composites))} atoms, but "
                         f"flat_sequence had {len(flat)} items.  Structure: {structure!r}, flat_sequence: "
                         f"{flat!r}.")
    return result


def _build(node: Any, kind: int, leaves: Any, kind_of: Callable[[Any], int]) -> Any:
    """`node`'s shape filled from the iterator `leaves`, or `_END` when it runs out (a plain recursive
    function: a nested closure would form a reference cycle that keeps the leaves alive until the
    garbage collector runs)."""
    values = []
    for child in _children(node, kind):
        child_kind = kind_of(child)
        value = _build(child, child_kind, leaves, kind_of) if child_kind else next(leaves, _END)
        if value is _END:
            return _END
        values.append(value)
    return _rebuild(node, kind, values)


def _rebuild(node: Any, kind: int, values: list) -> Any:
    """A container like `node` holding `values` (in `_children`'s order)."""
    kind_of = type(node)
    if kind_of is list:
        return values
    if kind_of is tuple:
        return tuple(values)
    if kind == _MAPPING:
        by_key = dict(zip(sorted(node), values))
        if kind_of is dict:
            return {key: by_key[key] for key in node}
        if not issubclass(kind_of, MutableMapping):
            return kind_of((key, by_key[key]) for key in node)
        rebuilt = kind_of(node.default_factory) if isinstance(node, defaultdict) else kind_of()
        for key in node:
            rebuilt[key] = by_key[key]
        return rebuilt
    if kind == _NAMEDTUPLE or kind == _ATTRS:
        return kind_of(*values)
    if kind == _COMPOSITE:
        return node._type_spec._from_components(values)
    if kind == _VIEW or isinstance(node, range):
        return values
    return kind_of(values)


def _describe(structure: Any) -> str:
    return f"type={type(structure).__name__} str={structure!r}"


def _same_type(a: Any, b: Any, kind_a: int, kind_b: int) -> bool:
    """TensorFlow's `check_types`: the same type, except that any two mappings match and so do two
    namedtuple classes with the same name and fields."""
    if type(a) is type(b) or (kind_a == kind_b == _MAPPING):
        return True
    return (kind_a == kind_b == _NAMEDTUPLE and type(a).__name__ == type(b).__name__
            and a._fields == b._fields)


class _Dot:
    """A leaf in a printed outline of a structure."""

    def __repr__(self) -> str:
        return "."


def _outline(structure: Any) -> Any:
    """`structure` with every leaf shown as `.`."""
    return pack_sequence_as(structure, [_Dot()] * len(flatten(structure)))


def _mismatch(nest1: Any, nest2: Any, check_types: bool,
              kind_of: Callable[[Any], int]) -> tuple[type, str] | None:
    """Why the two structures differ (exception type and explanation), or None when they match."""
    stack = [(nest1, nest2)]
    while stack:
        a, b = stack.pop()
        kind_a, kind_b = kind_of(a), kind_of(b)
        if bool(kind_a) != bool(kind_b):
            nested, flat = (a, b) if kind_a else (b, a)
            return ValueError, (f'Substructure "{_describe(nested)}" is a sequence, while substructure '
                                f'"{_describe(flat)}" is not')
        if not kind_a:
            continue
        if check_types and not _same_type(a, b, kind_a, kind_b):
            return TypeError, (f"The two structures don't have the same sequence type. First structure "
                               f"{_describe(a)} has type {type(a).__name__}, while second structure "
                               f"{_describe(b)} has type {type(b).__name__}")
        if kind_a == kind_b == _MAPPING and sorted(a) != sorted(b):
            return ValueError, (f"The two dictionaries don't have the same set of keys. First structure "
                                f"has keys {sorted(a)}, while second structure has keys {sorted(b)}")
        children_a, children_b = _children(a, kind_a), _children(b, kind_b)
        if len(children_a) != len(children_b):
            return ValueError, (f"The two structures don't have the same number of elements. First "
                                f"structure: {_describe(a)}. Second structure: {_describe(b)}")
        stack.extend(zip(children_a, children_b))
    return None


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True,
                          expand_composites: bool = False) -> None:
    """Raise ValueError (TypeError for differing container types) unless both have one structure."""
    mismatch = _mismatch(nest1, nest2, check_types, _expanded_kind if expand_composites else _kind)
    if mismatch is not None:
        error, reason = mismatch
        raise error(f"The two structures don't have the same nested structure.\n\nFirst structure: "
                    f"{_describe(nest1)}\n\nSecond structure: {_describe(nest2)}\n\nMore specifically: "
                    f"{reason}\nEntire first structure:\n{_outline(nest1)!r}\nEntire second structure:\n"
                    f"{_outline(nest2)!r}")


def map_structure(func: Callable, *structure: Any, **kwargs: Any) -> Any:
    """`func` applied leaf by leaf to structures of the same shape; the result has the first's shape.
    Keyword arguments: `check_types` (default True) and `expand_composites`."""
    if not callable(func):
        raise TypeError(f"func must be callable, got: {func}")
    if not structure:
        raise ValueError("Must provide at least one structure")
    unknown = [key for key in kwargs if key not in ("check_types", "expand_composites")]
    if unknown:
        raise ValueError(f"Only valid keyword arguments are `check_types` and `expand_composites`, not: "
                         f"`{'`, `'.join(unknown)}`")
    first, expand = structure[0], kwargs.get("expand_composites", False)
    if len(structure) == 1:
        return pack_sequence_as(first, [func(leaf) for leaf in flatten(first, expand)], expand)
    for other in structure[1:]:
        assert_same_structure(first, other, check_types=kwargs.get("check_types", True),
                              expand_composites=expand)
    flats = [flatten(s, expand) for s in structure]
    return pack_sequence_as(first, [func(*leaves) for leaves in zip(*flats)], expand)
