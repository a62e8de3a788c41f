"""Datasets that start a pipeline: tensors and their slices, ranges, Python generators, and the
datasets made of other datasets side by side (`zip`) or one after the other (`concatenate`).

Tensor slices and ranges are arrays in hand, so they also give blocks of elements and random access
(what a shuffle over them and a vectorized map use; see dataset.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.data import composites, structure
from tapeflow.data.dataset import INFINITE, UNKNOWN, Dataset
from tapeflow.io.gfile import glob
from tapeflow.tracing.signatures import TensorSpec


class TensorDataset(Dataset):
    """`Dataset.from_tensors`: one element, the value given."""

    _tf_name = "_TensorDataset"

    def __init__(self, tensors: Any):
        element = structure.normalize(tensors)
        super().__init__(structure.specs(element))
        self._flat = structure.flat_values(element)

    def _elements(self) -> Iterator[list]:
        yield list(self._flat)

    def _cardinality(self) -> int:
        return 1


class TensorSliceDataset(Dataset):
    """`Dataset.from_tensor_slices`: the rows of each component, the first dimension shared."""

    _tf_name = "_TensorSliceDataset"

    def __init__(self, tensors: Any):
        element = structure.normalize(tensors)
        leaves = nest.flatten(element)
        for leaf in leaves:
            if isinstance(leaf, Dataset) or not leaf.shape.rank:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        lengths = {leaf.shape[0] for leaf in leaves}
        if len(lengths) > 1:
            first = leaves[0].shape[0]
            other = next(leaf.shape[0] for leaf in leaves if leaf.shape[0] != first)
            raise ValueError(f"Dimensions {first} and {other} are not compatible")
        super().__init__(structure.unbatched(structure.specs(element)))
        self._arrays = structure.flat_values(element)
        self._composite = [composites.is_composite(a) for a in self._arrays]
        self._length = lengths.pop() if lengths else 0

    def _elements(self) -> Iterator[list]:
        arrays = self._arrays
        if any(self._composite):
            for i in range(self._length):
                yield [composites.row(a, i) if c else a[i] for a, c in zip(arrays, self._composite)]
        elif len(arrays) == 1:
            array = arrays[0]
            for i in range(self._length):
                yield [array[i]]
        else:
            for i in range(self._length):
                yield [a[i] for a in arrays]

    def _blocks(self, size: int) -> Iterator[list] | None:
        if any(self._composite):
            return None
        return ([a[start:start + size] for a in self._arrays] for start in range(0, self._length, size))

    def _random_access(self) -> tuple | None:
        if any(self._composite):
            return None
        arrays = self._arrays
        return self._length, lambda indices: [a[indices] for a in arrays]

    def _cardinality(self) -> int:
        return self._length


class RangeDataset(Dataset):
    """`Dataset.range(stop)`, `range(start, stop[, step])`: int64 by default."""

    _tf_name = "_RangeDataset"

    def __init__(self, *args: Any, output_type: Any = None):
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Invalid arguments to RangeDataset: {args}")
        start, stop, step = (0, int(args[0]), 1) if len(args) == 1 else (*map(int, args[:2]), int(
            args[2]) if len(args) == 3 else 1)
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "step must be a non-zero integer. "
                                                          "[Op:RangeDataset]")
        self._dtype = dtypes.int64 if output_type is None else dtypes.as_dtype(output_type)
        super().__init__(TensorSpec([], self._dtype))
        self._start, self._step = start, step
        self._length = max(0, math.ceil((stop - start) / step))

    def _elements(self) -> Iterator[list]:
        kind = self._dtype.as_numpy_dtype
        for block in self._blocks(1024):
            yield from ([kind(v)] for v in block[0].tolist())

    def _blocks(self, size: int) -> Iterator[list]:
        for first in range(0, self._length, size):
            yield self._gather(np.arange(first, min(first + size, self._length)))

    def _gather(self, indices: np.ndarray) -> list:
        return [(self._start + indices.astype(np.int64) * self._step).astype(self._dtype._np)]

    def _random_access(self) -> tuple:
        return self._length, self._gather

    def _cardinality(self) -> int:
        return self._length


class GeneratorDataset(Dataset):
    """`Dataset.from_generator`: the values a Python generator yields, converted to `output_signature`
    (or the older `output_types`/`output_shapes`). The generator is called anew for each pass."""

    _tf_name = "_FlatMapDataset"  # (TensorFlow builds it as a flat_map over its arguments)

    def __init__(self, generator: Callable, output_types: Any, output_shapes: Any, args: Any,
                 output_signature: Any):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("The `output_signature` argument must be set.")
            output_signature = _legacy_signature(output_types, output_shapes)
        elif output_types is not None or output_shapes is not None:
            raise TypeError("The `output_types` and `output_shapes` arguments must not be set when "
                            "`output_signature` is set.")
        for spec in nest.flatten(output_signature):
            if not isinstance(spec, TensorSpec):
                raise TypeError(f"`output_signature` must contain objects that are subclass of "
                                f"`tf.TypeSpec` but found {type(spec)} which is not.")
        super().__init__(output_signature)
        self._generator = generator
        self._args = tuple(args) if args is not None else ()

    def _elements(self) -> Iterator[list]:
        flat_spec = nest.flatten(self._element_spec)
        args = [a.numpy() if hasattr(a, "numpy") else a for a in self._args]
        for value in self._generator(*args):
            try:
                values = _flatten_as(self._element_spec, value)
            except (TypeError, ValueError):
                raise TypeError(f"`generator` yielded an element that did not match the expected structure. "
                                f"The expected structure was {self._element_spec}, but the yielded element "
                                f"was {value}.") from None
            yield structure.convert_flat(values, flat_spec)

    def _cardinality(self) -> int:
        return UNKNOWN


def _legacy_signature(types: Any, shapes: Any) -> Any:
    """The signature `output_types` and `output_shapes` (None: unknown) describe together."""
    if isinstance(types, dict):
        return {k: _legacy_signature(t, None if shapes is None else shapes[k]) for k, t in types.items()}
    if isinstance(types, tuple | list):
        return tuple(_legacy_signature(t, None if shapes is None else s)
                     for t, s in zip(types, shapes if shapes is not None else [None] * len(types)))
    return TensorSpec(TensorShape(shapes), types)


def _flatten_as(spec: Any, value: Any) -> list:
    """`value`'s leaves laid out by `spec` (a list where the spec has a tensor is one value)."""
    if isinstance(spec, TensorSpec):
        return [value]
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) != set(spec):
            raise ValueError("structure")
        return [leaf for k in sorted(spec) for leaf in _flatten_as(spec[k], value[k])]
    if not isinstance(value, list | tuple) or len(value) != len(spec):
        raise ValueError("structure")
    return [leaf for s, v in zip(spec, value) for leaf in _flatten_as(s, v)]


def list_files(pattern: Any, shuffle: bool | None, seed: int | None) -> Dataset:
    """`Dataset.list_files`: a dataset of the matching file names (TF's error when none match)."""
    patterns = pattern.numpy() if hasattr(pattern, "numpy") else pattern
    if isinstance(patterns, str | bytes):
        patterns = [patterns]
    patterns = list(np.asarray(patterns, object).reshape(-1))
    names = sorted({name for p in patterns for name in glob(p.decode() if isinstance(p, bytes) else p)})
    if not names:
        raise errors.InvalidArgumentError(None, None, f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' "
                                                      f"to be "
                                          f"true. Summarized data: b'No files matched pattern: "
                                          f"{', '.join(map(str, patterns))}'")
    dataset = TensorSliceDataset(np.array(names, object))
    return dataset.shuffle(len(names), seed=seed) if shuffle is not False else dataset


class ZipDataset(Dataset):
    """`Dataset.zip`: a structure of datasets read side by side, until the shortest ends."""

    _tf_name = "_ZipDataset"

    def __init__(self, datasets: Any):
        leaves = nest.flatten(datasets)
        if type(datasets) is list:
            leaves = [None]  # (TF refuses a list: the error below)
        for leaf in leaves:
            if not isinstance(leaf, Dataset):
                raise TypeError("Invalid input to `zip`. Inputs are expected to be (nested) structures of "
                                "`tf.data.Dataset` objects. Python `list` is not supported and you should "
                                "use "
                                "`tuple` instead." if isinstance(datasets, list) else
                                f"Invalid input to `zip`: {leaf!r} is not a `tf.data.Dataset`.")
        super().__init__(nest.map_structure(lambda d: d.element_spec, datasets), tuple(leaves))

    def _elements(self) -> Iterator[list]:
        for parts in zip(*(d._elements() for d in self._inputs)):
            yield [v for part in parts for v in part]

    def _cardinality(self) -> int:
        counts = [d._cardinality() for d in self._inputs]
        if UNKNOWN in counts:
            return UNKNOWN
        finite = [n for n in counts if n >= 0]
        return min(finite) if finite else INFINITE


class ConcatenateDataset(Dataset):
    """`a.concatenate(b)`: a's elements, then b's; the spec is the one both fit."""

    _tf_name = "_ConcatenateDataset"

    def __init__(self, first: Dataset, second: Dataset):
        spec = structure.most_specific_compatible(first.element_spec, second.element_spec)
        super().__init__(spec, (first, second))

    def _elements(self) -> Iterator[list]:
        for dataset in self._inputs:
            yield from dataset._elements()

    def _cardinality(self) -> int:
        a, b = (d._cardinality() for d in self._inputs)
        if INFINITE in (a, b):
            return INFINITE
        return UNKNOWN if UNKNOWN in (a, b) else a + b
