"""Elements and their specs: how a dataset's element is structured, flattened and described.

TensorFlow normalises an element before a dataset holds it: tuples, dicts and namedtuples are
structure, while a Python list is one value (converted to a tensor), and a dataset inside an element
(what `window` makes) is a leaf described by a `DatasetSpec`. Inside the pipeline an element travels
flat — a list of NumPy values (arrays, or NumPy scalars for shape ()) in `tf.nest` order — and is
packed into tensors only when an iterator hands it out, so transformations never pay for Tensor
objects they do not show.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import Tensor, TensorLike, string_value
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.data import composites
from tapeflow.tracing.signatures import TensorSpec


class DatasetSpec:
    """`tf.data.DatasetSpec`: the type of an element that is itself a dataset (`window`'s)."""

    def __init__(self, element_spec: Any, dataset_shape: Any = ()):
        self.element_spec = element_spec
        self.shape = TensorShape(dataset_shape)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DatasetSpec) and (other.element_spec, other.shape) == (
            self.element_spec, self.shape)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, {self.shape!r})"


def normalize(element: Any) -> Any:
    """An element as a dataset holds it: each leaf a tensor (a list is one value, as in TF)."""
    from tapeflow.data.dataset import Dataset  # (dataset.py imports this module)

    if isinstance(element, Dataset | TensorLike) or composites.is_composite(element):
        return convert_to_tensor(element) if isinstance(element, TensorLike) else element
    if isinstance(element, dict):
        return type(element)((k, normalize(v)) for k, v in element.items())
    if isinstance(element, tuple):
        values = [normalize(v) for v in element]
        return type(element)(*values) if hasattr(element, "_fields") else tuple(values)
    if element is None:
        raise TypeError("Failed to convert elements of None to Tensor: a dataset element cannot be None.")
    return convert_to_tensor(element)


def tuples(result: Any) -> Any:
    """A function's result as TF takes it: a list at the top is a tuple (lists inside are tensors)."""
    return tuple(result) if type(result) is list else result


def spec_of(value: Any) -> Any:
    """The spec of one leaf: a TensorSpec of its shape and dtype, or a dataset's DatasetSpec."""
    from tapeflow.data.dataset import Dataset  # (dataset.py imports this module)

    if isinstance(value, Dataset):
        return DatasetSpec(value.element_spec)
    if isinstance(value, TensorSpec | DatasetSpec) or composites.is_composite_spec(value):
        return value
    if composites.is_composite(value):
        return value._type_spec
    return TensorSpec(value.shape, value.dtype)


def specs(structure: Any) -> Any:
    return nest.map_structure(spec_of, structure)


def flat_values(structure: Any) -> list:
    """The leaves of a normalised element as the pipeline carries them (NumPy values, datasets)."""
    return [leaf._value if isinstance(leaf, Tensor) else leaf for leaf in nest.flatten(structure)]


def pack(spec: Any, flat: list) -> Any:
    """The element of `spec` made of `flat` values, as an iterator hands it out."""
    leaves = [v if _is_dataset(v) or composites.is_composite(v) else Tensor(string_value(v)) for v in flat]
    return nest.pack_sequence_as(spec, leaves)


def _is_dataset(value: Any) -> bool:
    from tapeflow.data.dataset import Dataset  # (dataset.py imports this module)

    return isinstance(value, Dataset)


def has_composites(spec: Any) -> bool:
    """Whether an element of `spec` holds ragged or sparse tensors (which blocks of rows cannot hold)."""
    return any(composites.is_composite_spec(s) for s in nest.flatten(spec))


def open_flat(flat: list, flat_spec: list) -> list:
    """Flat values with each composite opened into its components (a compiled function's inputs)."""
    out = []
    for value, spec in zip(flat, flat_spec):
        if composites.is_composite_spec(spec):
            out.extend(composites.components(spec, value))
        else:
            out.append(value)
    return out


def component_specs(flat_spec: list) -> list[tuple]:
    """(shape, NumPy dtype) of each value `open_flat` gives for elements of `flat_spec`."""
    out = []
    for spec in flat_spec:
        if composites.is_composite_spec(spec):
            out.extend(spec._component_specs())
        else:
            out.append((None if spec.shape.rank is None else tuple(spec.shape.as_list()), spec.dtype._np))
    return out


def close_flat(values: list, flat_spec: list, tensors: bool = False) -> list:
    """The inverse of `open_flat`: components (NumPy values, or tensors when `tensors`) gathered back
    into composite values."""
    out, position = [], 0
    for spec in flat_spec:
        if composites.is_composite_spec(spec):
            n = len(spec._component_specs())
            parts = values[position:position + n]
            out.append(spec._from_components(parts) if tensors else composites.from_components(spec, parts))
            position += n
        else:
            out.append(values[position])
            position += 1
    return out


def with_shapes(spec: Any, shapes: list) -> Any:
    """`spec` with each leaf's shape replaced (dataset leaves kept)."""
    leaves = [s if isinstance(s, DatasetSpec) else composites.spec_with_shape(s, shape)
              if composites.is_composite_spec(s) else TensorSpec(shape, s.dtype)
              for s, shape in zip(nest.flatten(spec), shapes)]
    return nest.pack_sequence_as(spec, leaves)


def batched(spec: Any, size: int | None) -> Any:
    """The spec of `size` elements of `spec` stacked (size None: unknown); ragged and sparse leaves
    batch into one more (ragged) dimension, a leaf of unknown rank stays of unknown rank."""
    leaves = [composites.spec_batched(s, size) if composites.is_composite_spec(s) else
              TensorSpec(None if s.shape.rank is None else [size, *s.shape.as_list()], s.dtype)
              for s in nest.flatten(spec)]
    return nest.pack_sequence_as(spec, leaves)


def unbatched(spec: Any) -> Any:
    """The spec of the rows of elements of `spec`."""
    leaves = [composites.spec_unbatched(s) if composites.is_composite_spec(s) else
              TensorSpec(s.shape[1:], s.dtype) for s in nest.flatten(spec)]
    return nest.pack_sequence_as(spec, leaves)


def most_specific_compatible(a: Any, b: Any) -> Any:
    """The spec of elements of either `a` or `b`: dimensions that differ unknown; TF's TypeError when
    structures or dtypes differ."""
    try:
        nest.assert_same_structure(a, b)
    except (TypeError, ValueError):
        raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}") from None
    shapes = []
    for x, y in zip(nest.flatten(a), nest.flatten(b)):
        if x.dtype != y.dtype or x.shape.rank != y.shape.rank or type(x) is not type(y) or getattr(
                x, "ragged_rank", None) != getattr(y, "ragged_rank", None):
            raise TypeError(f"Incompatible dataset elements:\n  {a} vs.   {b}")
        shapes.append(TensorShape(None) if x.shape.rank is None else TensorShape(
            [p if p == q else None for p, q in zip(x.shape.as_list(), y.shape.as_list())]))
    return with_shapes(a, shapes)


def convert_flat(values: list, flat_spec: list) -> list:
    """Values a Python generator yielded, converted to the spec's dtypes and checked against its shapes."""
    out = []
    for value, spec in zip(values, flat_spec):
        array = convert_to_tensor(value, dtype=spec.dtype)._value if not isinstance(value, TensorLike) else (
            convert_to_tensor(value)._value)
        if dtypes.from_numpy(np.asarray(array).dtype) is not spec.dtype:
            raise TypeError(f"`generator` yielded an element of type "
                            f"{dtypes.from_numpy(np.asarray(array).dtype)!r} "
                            f"where an element of type {spec.dtype!r} was expected.")
        if not spec.shape.is_compatible_with(np.shape(array)):
            raise errors.InvalidArgumentError(
                None, None, f"`generator` yielded an element of shape {TensorShape(np.shape(array))} "
                            f"where an "
                f"element of shape {spec.shape} was expected. [Op:IteratorGetNext]")
        out.append(array)
    return out
