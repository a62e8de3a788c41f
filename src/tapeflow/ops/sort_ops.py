"""Ordering: `tf.sort`, `tf.argsort`, `tf.math.top_k`, and the index-valued `tf.unique` and
`tf.searchsorted`.

One op finds the order: `TopKV2` gives the indices of the first k elements along the last axis,
largest or smallest first, equal values in the order of their indices (as TensorFlow orders ties). The
values are then a `gather` at those indices, so their gradient is gather's: each output's gradient
goes back to the element it came from. Other axes are moved last and back by transposes.
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.arguments import GATHER_INDEX_TYPES, index_dtype, int_values
from tapeflow.ops.array_ops import transpose
from tapeflow.ops.declare import tensor, unsupported_error
from tapeflow.ops.gather_ops import gather

__all__ = ["sort", "argsort", "top_k", "unique", "unique_with_counts", "searchsorted"]

TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])

_ORDERED = frozenset((dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16,
                      dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64))


def _order_kernel(x: np.ndarray, k: int, largest: bool) -> np.ndarray:
    if not largest:
        order = np.argsort(x, axis=-1, kind="stable")
    else:  # stable on the reversed row, reversed back: largest first, ties by ascending index
        n = x.shape[-1]
        order = (n - 1) - np.flip(np.argsort(np.flip(x, -1), axis=-1, kind="stable"), -1)
    return order[..., :k].astype(np.int32)


_order_op = Op("TopKV2", _order_kernel, None)


def _first_k(x: Any, k: int, largest: bool) -> TopKV2:
    """The first k along the last axis, largest or smallest first: values and int32 indices."""
    indices = bind(_order_op, (x,), {"k": k, "largest": largest})
    rank = x._value.ndim
    return TopKV2(gather(x, indices, axis=rank - 1, batch_dims=rank - 1), indices)


def _checked(values: Any) -> Any:
    x = tensor(values)
    if x.dtype not in _ORDERED:
        raise unsupported_error(_order_op, x.dtype, _ORDERED)
    if x._value.ndim == 0:
        raise errors.InvalidArgumentError(None, None, "input must be at least 1-D, got shape [] [Op:TopKV2]")
    return x


def _along(x: Any, axis: Any, fn: Any) -> Any:
    """`fn` applied along `axis` (moved last, and back)."""
    rank = x._value.ndim
    axis = int(int_values(axis, "StridedSlice", "Index"))
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"slice index {axis} of dimension 0 out of bounds. [Op:StridedSlice]")
    axis %= rank
    if axis == rank - 1:
        return fn(x)
    perm = [*range(axis), rank - 1, *range(axis + 1, rank - 1), axis]  # swaps axis and the last
    return transpose(fn(transpose(x, perm)), perm)


def _largest(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f"Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction={direction}")
    return direction == "DESCENDING"


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None):
    """`tf.sort`: `values` sorted along `axis`; differentiable (the gradient follows each element)."""
    largest, x = _largest(direction), _checked(values)
    return _along(x, axis, lambda t: _first_k(t, t._value.shape[-1], largest).values)


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None):
    """`tf.argsort`: the int32 indices that sort `values` along `axis` (ties by index: always stable)."""
    largest, x = _largest(direction), _checked(values)
    return _along(x, axis, lambda t: bind(_order_op, (t,), {"k": t._value.shape[-1], "largest": largest}))


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = dtypes.int32,  # noqa: A002
          name: str | None = None) -> TopKV2:
    """`tf.math.top_k`: the k largest along the last axis, largest first, with their int32 indices."""
    x = _checked(input)
    k = int(int_values(k, "TopKV2", "k", GATHER_INDEX_TYPES))  # (TensorFlow's wrapper casts an int16 k)
    n = x._value.shape[-1]
    if k < 0:
        raise errors.InvalidArgumentError(None, None, f"Need k >= 0, got {k} [Op:TopKV2]")
    if n < k:
        raise errors.InvalidArgumentError(
            None, None, f"input must have at least k columns. Had {n}, needed {k} [Op:TopKV2]")
    return _first_k(x, k, True)


Unique = collections.namedtuple("Unique", ["y", "idx"])
UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _distinct(values: np.ndarray, index_type: np.dtype, with_counts: bool) -> tuple:
    """The distinct values of a vector in order of first appearance, each element's index among them,
    and (`with_counts`) how often each appears."""
    distinct, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # by first appearance, not by value
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    index = rank[inverse.reshape(-1)].astype(index_type)
    found = (distinct[order], index)
    return found + (np.bincount(index, minlength=len(order)).astype(index_type),) if with_counts else found


def _distinct_infer(values: AbstractValue, index_type: np.dtype, with_counts: bool) -> list:
    """How many distinct values there are is known when the code runs."""
    found = [AbstractValue((None,), values.dtype), AbstractValue(values.shape, index_type)]
    return found + [AbstractValue((None,), index_type)] if with_counts else found


# TensorFlow registers no gradient for either: one reaching them raises its LookupError.
_unique_op = Op("Unique", _distinct, unregistered=True, multiple_results=True, infer=_distinct_infer)
_unique_with_counts_op = Op("UniqueWithCounts", _distinct, unregistered=True, multiple_results=True,
                            infer=_distinct_infer)


def _unique(x: Any, out_idx: Any, op: Op) -> tuple:
    index_dtype(out_idx, op.name, "out_idx")
    x = tensor(x)
    if x.shape.rank != 1:
        raise errors.InvalidArgumentError(None, None, f"unique expects a 1D vector. [Op:{op.name}]")
    return bind(op, (x,), {"index_type": dtypes.as_dtype(out_idx)._np,
                           "with_counts": op is _unique_with_counts_op})


def unique(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> Unique:
    """`tf.unique`: the distinct values of a vector in order of first appearance, and for each
    element the index of its value among them. No gradient (TensorFlow's LookupError)."""
    return Unique(*_unique(x, out_idx, _unique_op))


def unique_with_counts(x: Any, out_idx: Any = dtypes.int32, name: str | None = None) -> UniqueWithCounts:
    """`tf.unique_with_counts`: `tf.unique`'s results and how many times each value appears."""
    return UniqueWithCounts(*_unique(x, out_idx, _unique_with_counts_op))


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left", out_type: Any = dtypes.int32,
                 name: str | None = None) -> Tensor:
    """`tf.searchsorted`: for each value, where it would be inserted into its row of
    `sorted_sequence` (the last axis) to keep the row sorted. Not differentiable."""
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}.")
    index_dtype(out_type, "LowerBound" if side == "left" else "UpperBound", "out_type")
    rows, found = (np.asarray(tensor(a)._value) for a in (sorted_sequence, values))
    if rows.shape[:-1] != found.shape[:-1]:
        raise errors.InvalidArgumentError(
            None, None, f"Leading dim_size of both tensors must match. [Op:{side.title()}Bound]")
    flat_rows, flat_found = rows.reshape(-1, rows.shape[-1]), found.reshape(-1, found.shape[-1])
    result = np.stack([np.searchsorted(r, v, side=side) for r, v in zip(flat_rows, flat_found)])
    return Tensor(result.reshape(found.shape).astype(dtypes.as_dtype(out_type)._np))
