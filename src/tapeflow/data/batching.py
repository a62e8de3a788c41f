"""Transformations between elements and batches: batch, padded_batch, unbatch, window.

`batch` asks its input for blocks of exactly `batch_size` elements first (see dataset.py): where
the input can give them (slices of tensors, a shuffle over them, a vectorized map), a batch is a
block as it comes, with no per-element work at all. Otherwise the elements are stacked, with
TensorFlow's error when their shapes differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core import errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.data import composites, structure
from tapeflow.data.dataset import INFINITE, UNKNOWN, Dataset, int_argument


def _positive(value: Any, what: str) -> int:
    n = int_argument(value)
    if n <= 0:
        raise errors.InvalidArgumentError(None, None, f"{what} must be greater than zero.")
    return n


def _batch_cardinality(n: int, size: int, drop_remainder: bool) -> int:
    if n < 0:
        return n
    return n // size if drop_remainder else -(-n // size)


def stack(elements: list[list], flat_spec: list) -> list:
    """Components of `elements` stacked (ragged and sparse ones batched as TensorFlow batches them);
    TF's error when one's shape differs from the first's."""
    out = []
    for c, first in enumerate(elements[0]):
        if composites.is_composite_spec(flat_spec[c]):
            out.append(composites.batch(flat_spec[c], [element[c] for element in elements]))
            continue
        first_shape = np.shape(first)
        for element in elements[1:]:
            shape = np.shape(element[c])
            if shape != first_shape:
                if int(np.prod(shape)) != int(np.prod(first_shape)):
                    message = (f"Cannot add tensor to the batch: number of elements does not match. "
                               f"Shapes are: "
                               f"[tensor]: {list(shape)}, [batch]: {list(first_shape)}")
                else:
                    message = (f"Cannot batch tensors with different shapes in component {c}. First "
                               f"element had "
                               f"shape {list(first_shape)} and element {elements.index(element)} had shape "
                               f"{list(shape)}.")
                raise errors.InvalidArgumentError(None, None, f"{message} [Op:IteratorGetNext]")
        out.append(_stacked([element[c] for element in elements]))
    return out


def _stacked(values: list) -> np.ndarray:
    """Values stacked; strings (bare bytes, as some sources give them) into an object array, since
    NumPy's fixed-width bytes would drop trailing NULs."""
    if type(values[0]) is bytes:
        out = np.empty(len(values), object)
        out[:] = values
        return out
    return np.stack(values)


class BatchDataset(Dataset):
    """`batch(batch_size, drop_remainder)`: consecutive elements stacked; the last batch is shorter
    unless `drop_remainder` (and the batch dimension is then known in the spec)."""

    _tf_name = "_BatchDataset"

    def __init__(self, dataset: Dataset, batch_size: Any, drop_remainder: bool):
        self._size = _positive(batch_size, "Batch size")
        self._drop = bool(drop_remainder)
        spec = structure.batched(dataset.element_spec, self._size if self._drop else None)
        super().__init__(spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        blocks = self._inputs[0]._blocks(self._size)
        if blocks is not None:
            for block in blocks:
                if len(block[0]) == self._size or (len(block[0]) and not self._drop):
                    yield block
            return
        batch, flat_spec = [], nest.flatten(self._inputs[0].element_spec)
        for flat in self._inputs[0]._elements():
            batch.append(flat)
            if len(batch) == self._size:
                yield stack(batch, flat_spec)
                batch = []
        if batch and not self._drop:
            yield stack(batch, flat_spec)

    def _cardinality(self) -> int:
        return _batch_cardinality(self._inputs[0]._cardinality(), self._size, self._drop)


class DenseToRaggedDataset(Dataset):
    """What `ragged_batch` batches: its input with each dense component of unknown dimensions seen
    as a ragged one (TensorFlow's `_DenseToRaggedDataset`), so that batching makes it ragged."""

    _tf_name = "_DenseToRaggedDataset"

    def __init__(self, dataset: Dataset):
        flat_spec = nest.flatten(dataset.element_spec)
        self._ranks = [getattr(composites.ragged_spec_of_dense(s), "ragged_rank", 0)
                       if not composites.is_composite_spec(s) else 0 for s in flat_spec]
        spec = nest.map_structure(composites.ragged_spec_of_dense, dataset.element_spec)
        super().__init__(spec, (dataset,))

    def _elements(self) -> Iterator[list]:
        ranks = self._ranks
        for flat in self._inputs[0]._elements():
            yield [composites.dense_to_ragged(v, r) if r else v for v, r in zip(flat, ranks)]

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class PaddedBatchDataset(Dataset):
    """`padded_batch`: elements padded (with `padding_values`, zeros or b"" by default) to
    `padded_shapes` (None dimensions: the batch's longest), then stacked."""

    _tf_name = "_PaddedBatchDataset"

    def __init__(self, dataset: Dataset, batch_size: Any, padded_shapes: Any, padding_values: Any,
                 drop_remainder: bool):
        self._size = _positive(batch_size, "Batch size")
        self._drop = bool(drop_remainder)
        spec = dataset.element_spec
        flat_spec = nest.flatten(spec)
        for s in flat_spec:
            if composites.is_composite_spec(s):
                raise TypeError(f"`padded_batch` is only supported for datasets that produce tensor elements "
                                f"but type spec of elements in the input dataset is not a subclass of "
                                f"TensorSpec: `{s!r}`.")
        if padded_shapes is None:
            shapes = [s.shape for s in flat_spec]
            for s in shapes:
                if s.rank is None:
                    raise ValueError("You must provide `padded_shapes` argument because component has "
                                     "unknown "
                                     "rank.")
        else:
            shapes = [TensorShape(s) for s in _flatten_shapes(spec, padded_shapes)]
        for given, s in zip(shapes, flat_spec):
            if given.rank != s.shape.rank or not all(
                    g is None or d is None or g >= d for g, d in zip(given.as_list(), s.shape.as_list())):
                raise ValueError(f"The padded shape {given} is not compatible with the shape {s.shape} of "
                                 f"the "
                                 f"corresponding input component.")
        self._shapes = shapes
        if padding_values is None:
            self._pads = [b"" if s.dtype.kind == "string" else s.dtype.as_numpy_dtype(0) for s in flat_spec]
        else:
            nested = nest.is_nested(padding_values)
            values = nest.flatten(padding_values) if nested else [padding_values] * len(flat_spec)
            self._pads = [convert_to_tensor(v, s.dtype)._value for v, s in zip(values, flat_spec)]
        batch = self._size if self._drop else None
        super().__init__(structure.with_shapes(spec, [TensorShape([batch, *s.as_list()]) for s in shapes]),
                         (dataset,))

    def _pad(self, batch: list[list]) -> list:
        out = []
        for c, (target, pad) in enumerate(zip(self._shapes, self._pads)):
            values = [np.asarray(flat[c], object if type(flat[c]) is bytes else None) for flat in batch]
            longest = np.max([v.shape for v in values], axis=0) if values[0].ndim else ()
            shape = tuple(int(m) if d is None else d for d, m in zip(target.as_list(), longest))
            for v in values:
                if any(a > b for a, b in zip(v.shape, shape)):
                    raise errors.InvalidArgumentError(
                        None, None, "Attempted to pad to a smaller size than the input element. "
                        "[Op:IteratorGetNext]")
            padded = np.full((len(values), *shape), pad, dtype=values[0].dtype)
            for i, v in enumerate(values):
                padded[(i, *(slice(0, n) for n in v.shape))] = v
            out.append(padded)
        return out

    def _elements(self) -> Iterator[list]:
        batch = []
        for flat in self._inputs[0]._elements():
            batch.append(flat)
            if len(batch) == self._size:
                yield self._pad(batch)
                batch = []
        if batch and not self._drop:
            yield self._pad(batch)

    def _cardinality(self) -> int:
        return _batch_cardinality(self._inputs[0]._cardinality(), self._size, self._drop)


def _flatten_shapes(spec: Any, shapes: Any) -> list:
    """`padded_shapes` laid out as the element spec (each shape a leaf, though it is a list)."""
    if isinstance(spec, dict):
        return [s for k in sorted(spec) for s in _flatten_shapes(spec[k], shapes[k])]
    if isinstance(spec, tuple):
        return [s for sub, shape in zip(spec, shapes) for s in _flatten_shapes(sub, shape)]
    return [shapes]


class UnbatchDataset(Dataset):
    """`unbatch`: each element split along its first dimension."""

    _tf_name = "_UnbatchDataset"

    def __init__(self, dataset: Dataset):
        flat_spec = nest.flatten(dataset.element_spec)
        for s in flat_spec:
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
        self._composite = [composites.is_composite_spec(s) for s in flat_spec]
        super().__init__(structure.unbatched(dataset.element_spec), (dataset,))

    def _elements(self) -> Iterator[list]:
        composite = self._composite
        for flat in self._inputs[0]._elements():
            rows = {composites.length(v) if c else len(v) for v, c in zip(flat, composite)}
            if len(rows) > 1:
                raise errors.InvalidArgumentError(None, None, "Input element must have the same batch "
                                                              "size in "
                                                  "each component. [Op:IteratorGetNext]")
            for i in range(rows.pop() if rows else 0):
                yield [composites.row(v, i) if c else v[i] for v, c in zip(flat, composite)]

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        return INFINITE if n == INFINITE else UNKNOWN


class ElementsDataset(Dataset):
    """A dataset of elements already in hand: a window of `window` (TF's `_VariantDataset`)."""

    _tf_name = "_VariantDataset"

    def __init__(self, element_spec: Any, elements: list[list]):
        super().__init__(element_spec)
        self._list = elements

    def _elements(self) -> Iterator[list]:
        return iter(self._list)

    def _cardinality(self) -> int:
        return len(self._list)


class WindowDataset(Dataset):
    """`window(size, shift, stride, drop_remainder)`: each element a dataset of up to `size` elements,
    `stride` apart, starting `shift` elements after the previous window's start (a tuple element gives
    a tuple of datasets)."""

    _tf_name = "_WindowDataset"

    def __init__(self, dataset: Dataset, size: Any, shift: Any, stride: Any, drop_remainder: bool):
        self._size = _positive(size, "Window size")
        self._shift = self._size if shift is None else _positive(shift, "Window shift")
        self._stride = _positive(stride, "Window stride")
        self._drop = bool(drop_remainder)
        spec = dataset.element_spec
        super().__init__(nest.map_structure(lambda s: structure.DatasetSpec(s), spec), (dataset,))

    def _elements(self) -> Iterator[list]:
        flat_spec = nest.flatten(self._inputs[0].element_spec)
        span = (self._size - 1) * self._stride + 1
        buffer: list = []
        start = 0  # position of buffer[0] in the input
        next_window = 0
        source = self._inputs[0]._elements()
        exhausted = False
        while True:
            while not exhausted and start + len(buffer) < next_window + span:
                flat = next(source, None)
                if flat is None:
                    exhausted = True
                else:
                    buffer.append(flat)
            offset = next_window - start
            members = buffer[offset:offset + span:self._stride] if offset < len(buffer) else []
            if not members or (self._drop and len(members) < self._size):
                return
            yield [ElementsDataset(s, [[flat[c]] for flat in members]) for c, s in enumerate(flat_spec)]
            next_window += self._shift
            drop = min(next_window - start, len(buffer))
            del buffer[:drop]
            start += drop

    def _cardinality(self) -> int:
        n = self._inputs[0]._cardinality()
        if n < 0:
            return n
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return 0 if n < span else (n - span) // self._shift + 1
        return -(-n // self._shift)
