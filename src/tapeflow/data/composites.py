"""Ragged and sparse elements in a pipeline: their rows, batches and components, on NumPy.

A composite leaf (described by a `RaggedTensorSpec` or `SparseTensorSpec`) travels through the
pipeline as the eager `RaggedTensor` / `SparseTensor` itself — or, for a `RaggedTensorSpec` of ragged
rank 0 (the rows of a ragged tensor of ragged rank 1), as the dense NumPy row, which is what
TensorFlow hands out for it. Batching follows TensorFlow: ragged elements batch into a ragged tensor
with one more ragged dimension, sparse ones into a sparse tensor whose dense shape is the batch size
and each dimension's largest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.tensor import CompositeTensor, Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.ragged_spec import RaggedTensorSpec
from tapeflow.ops.ragged_tensor import RaggedTensor
from tapeflow.ops.sparse_tensor import SparseTensor, SparseTensorSpec
from tapeflow.tracing.signatures import TensorSpec


def is_composite_spec(spec: Any) -> bool:
    return isinstance(spec, RaggedTensorSpec | SparseTensorSpec)


def is_composite(value: Any) -> bool:
    return isinstance(value, CompositeTensor) and is_composite_spec(getattr(value, "_type_spec", None))


def spec_batched(spec: Any, size: int | None) -> Any:
    if isinstance(spec, RaggedTensorSpec):
        return spec._batch(size)
    return SparseTensorSpec([size, *spec.shape.as_list()], spec.dtype)


def spec_with_shape(spec: Any, shape: Any) -> Any:
    if isinstance(spec, RaggedTensorSpec):
        return RaggedTensorSpec(shape, spec.dtype, spec.ragged_rank)
    return SparseTensorSpec(shape, spec.dtype)


def spec_unbatched(spec: Any) -> Any:
    if isinstance(spec, RaggedTensorSpec):
        return spec._unbatch()
    return SparseTensorSpec(spec.shape.as_list()[1:], spec.dtype)


def ragged_spec_of_dense(spec: Any) -> Any:
    """TensorFlow's `ragged_batch` view of a dense spec: a shape with unknown dimensions becomes a
    ragged spec, ragged up to its last unknown dimension (ragged rank 0 when only the first is)."""
    if not isinstance(spec, TensorSpec) or spec.shape.rank is None or spec.shape.is_fully_defined():
        return spec
    ragged_rank = max(axis for axis, size in enumerate(spec.shape.as_list()) if size is None)
    return RaggedTensorSpec(spec.shape, spec.dtype, ragged_rank)


def dense_to_ragged(value: np.ndarray, ragged_rank: int) -> Any:
    """A dense value as a ragged one of `ragged_rank` (every row full)."""
    if not ragged_rank:
        return value
    shape = np.shape(value)
    splits = [np.arange(int(np.prod(shape[:k + 1])) + 1, dtype=np.int64) * shape[k + 1]
              for k in range(ragged_rank)]
    return _ragged(np.reshape(value, (-1, *shape[ragged_rank + 1:])), splits)


# ---- components (what a compiled function takes and returns) ---------------------------------------

def components(spec: Any, value: Any) -> list:
    """The NumPy components of a composite value as the pipeline carries it."""
    if isinstance(spec, RaggedTensorSpec) and not spec.ragged_rank:
        return [value]
    return [t._value for t in spec._to_components(value)]


def from_components(spec: Any, values: list) -> Any:
    if isinstance(spec, RaggedTensorSpec) and not spec.ragged_rank:
        return values[0]
    return spec._from_components([Tensor(v) for v in values])


def handed_out(spec: Any, value: Any) -> Any:
    """The value an iterator gives for a composite leaf (a tensor for ragged rank 0)."""
    return Tensor(value) if isinstance(value, np.ndarray) else value


# ---- rows and batches -------------------------------------------------------------------------------

def _ragged_parts(value: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """(flat values, nested row splits) of a ragged value; a dense row has no splits."""
    if isinstance(value, RaggedTensor):
        return np.asarray(value.flat_values._value), [np.asarray(s._value) for s in value.nested_row_splits]
    return np.asarray(value), []


def _ragged(flat: np.ndarray, splits: list) -> Any:
    if not splits:
        return flat
    return RaggedTensor.from_nested_row_splits(Tensor(flat), [Tensor(s) for s in splits], validate=False)


def length(value: Any) -> int:
    """The number of rows of a composite value."""
    if isinstance(value, SparseTensor):
        return int(value.dense_shape._value[0])
    flat, splits = _ragged_parts(value)
    return len(splits[0]) - 1 if splits else len(flat)


def row(value: Any, i: int) -> Any:
    """Row i of a ragged or sparse value (a dense array for the rows of a ragged rank of 1)."""
    if isinstance(value, SparseTensor):
        indices = np.asarray(value.indices._value)
        mine = indices[:, 0] == i
        return SparseTensor._of(Tensor(indices[mine, 1:]), Tensor(np.asarray(value.values._value)[mine]),
                                Tensor(np.asarray(value.dense_shape._value)[1:]), value.shape[1:])
    flat, splits = _ragged_parts(value)
    lo, hi = splits[0][i], splits[0][i + 1]
    inner = []
    for s in splits[1:]:
        inner.append(s[lo:hi + 1] - s[lo])
        lo, hi = s[lo], s[hi]
    return _ragged(flat[lo:hi], inner)


def batch(spec: Any, values: list) -> Any:
    """Values of `spec` batched as TensorFlow batches them (see the module doc)."""
    if isinstance(spec, SparseTensorSpec):
        return _sparse_batch(values)
    parts = [_ragged_parts(v) for v in values]
    rows = [len(s[0]) - 1 if s else len(f) for f, s in parts]
    kind = spec.row_splits_dtype._np
    splits = [np.concatenate([[0], np.cumsum(rows)]).astype(kind)]
    for level in range(len(parts[0][1])):
        offset, pieces = 0, [np.zeros(1, kind)]
        for _, s in parts:
            pieces.append(s[level][1:] + offset)
            offset += s[level][-1]
        splits.append(np.concatenate(pieces).astype(kind))
    flat = np.concatenate([f for f, _ in parts]) if parts else np.zeros(0)
    return _ragged(flat, splits)


def _sparse_batch(values: list) -> SparseTensor:
    shapes = np.array([np.asarray(v.dense_shape._value) for v in values], np.int64)
    indices = [np.concatenate([np.full((len(v.indices._value), 1), i, np.int64),
                               np.asarray(v.indices._value).reshape(len(v.indices._value), -1)], 1)
               for i, v in enumerate(values)]
    dense_shape = np.concatenate([[len(values)], shapes.max(axis=0)]).astype(np.int64)
    flat_values = np.concatenate([np.asarray(v.values._value) for v in values])
    return SparseTensor._of(Tensor(np.concatenate(indices)), Tensor(flat_values), Tensor(dense_shape),
                            TensorShape(dense_shape.tolist()))
