"""Segment reductions: `tf.math.segment_*` and `tf.math.unsorted_segment_*` sums, means, maxima, minima
and products, `unsorted_segment_sqrt_n`; `bincount`.

Sums are `unsorted_segment_sum` (gather_ops), whose gradient is a gather; means and sqrt_n divide
them by each segment's count (or its square root). Extrema and products are ops of one kernel each,
the sorted and unsorted forms differing only in TensorFlow's op name and in what an empty segment
holds: the dtype's lowest (highest) value for an unsorted maximum (minimum), 0 for a sorted one, 1
for a product. The gradient of an extremum goes to the elements that reached it, shared equally
among ties, as TensorFlow's does; that of a product is the product of the segment's other elements,
exact at zeros to every order (as reduce_prod's). Unsorted ops drop the data of negative ids; the
sorted forms check that the ids do not decrease and take max(id) + 1 segments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import NUMERIC, REAL, type_name
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import math_ops
from tapeflow.ops.arguments import INDEX_TYPES, dims_text, index_error, int_values, invalid
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.declare import tensor, unsupported_error
from tapeflow.ops.gather_ops import gather, unsorted_segment_sum

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_mean", "unsorted_segment_max", "unsorted_segment_min", "unsorted_segment_prod",
           "unsorted_segment_sqrt_n", "bincount"]


def _lowest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max


def _kept(segment_ids: Any, like: Any) -> Any:
    """Where the ids are not negative (their data counts), shaped to broadcast against the data."""
    kept = math_ops.greater_equal(segment_ids, 0)
    return reshape(kept, kept._value.shape + (1,) * (like._value.ndim - kept._value.ndim))


def _segment_op(name: str, combine: np.ufunc, start: Callable[[np.dtype], Any], grad: Callable,
                empty: Any = None) -> Op:
    """The op `name`: data rows combined into their segments by `combine`, from `start(dtype)`; a
    segment no row reaches holds `empty` if given (the sorted extrema's 0)."""
    def kernel(data, segment_ids, num_segments):
        ids = np.asarray(segment_ids)
        bad = ids >= num_segments
        if bad.any():
            raise index_error("segment_ids", ids, bad, f"is out of range [0, {num_segments})", name)
        out = np.full((num_segments,) + np.shape(data)[ids.ndim:], start(data.dtype), data.dtype)
        kept = ids >= 0
        combine.at(out, ids[kept], np.asarray(data)[kept])
        if empty is not None:
            out[np.bincount(ids[kept], minlength=num_segments) == 0] = empty
        return out

    return Op(name, kernel, (grad, None))


def _extremum_grad(g, y, data, segment_ids, num_segments):
    """g of each segment to the elements equal to its extremum, split equally among them; the others
    get 0 by selection, not by multiplying (so a NaN or inf g stays in its elements, as in TensorFlow)."""
    ids = math_ops.maximum(segment_ids, 0)
    reached = math_ops.logical_and(math_ops.equal(data, gather(y, ids)), _kept(segment_ids, data))
    ties = unsorted_segment_sum(math_ops.cast(reached, g.dtype), segment_ids, num_segments)
    return math_ops.where(reached, gather(g / math_ops.maximum(ties, 1), ids), 0)


def _product_grad(g, y, data, segment_ids, num_segments):
    """The product of the other elements of each element's segment, not divided by the element (which
    may be 0): the product of the other non-zero elements times that of the other zeros, which is
    1 with none, 0 with two or more, and with exactly one that zero itself, written as the sum of the
    other zeros (value 0, derivative 1) so that second order is right at zeros too."""
    where = math_ops.where
    ids = math_ops.maximum(segment_ids, 0)

    def others(t):  # the sum over each element's segment of t, less the element's own
        return gather(unsorted_segment_sum(t, segment_ids, num_segments), ids) - t

    is_zero = math_ops.equal(data, 0)
    nonzero = where(is_zero, 1, data)
    nonzero_product = bind(_unsorted_prod_op, (nonzero, segment_ids), {"num_segments": num_segments})
    others_nonzero = gather(nonzero_product, ids) / nonzero
    other_zeros = others(math_ops.cast(is_zero, data.dtype))
    the_other_zero = others(where(is_zero, data, 0))
    others_zero = where(other_zeros == 0, 1, where(other_zeros == 1, the_other_zero, 0))
    return where(_kept(segment_ids, data), gather(g, ids) * math_ops.conj(others_nonzero * others_zero), 0)


_unsorted_max_op = _segment_op("UnsortedSegmentMax", np.maximum, _lowest, _extremum_grad)
_unsorted_min_op = _segment_op("UnsortedSegmentMin", np.minimum, _highest, _extremum_grad)
_unsorted_prod_op = _segment_op("UnsortedSegmentProd", np.multiply, lambda dtype: 1, _product_grad)
_max_op = _segment_op("SegmentMax", np.maximum, _lowest, _extremum_grad, empty=0)
_min_op = _segment_op("SegmentMin", np.minimum, _highest, _extremum_grad, empty=0)
_prod_op = _segment_op("SegmentProd", np.multiply, lambda dtype: 1, _product_grad)


def _tindices_error(op_name: str, dtype: dtypes.DType) -> errors.OpError:
    return invalid(op_name, f"Value for attr 'Tindices' of {type_name(dtype)} is not in the list of allowed "
                            f"values: int32, int64")


def _unsorted(op: Op, data: Any, segment_ids: Any, num_segments: Any, allowed: frozenset):
    """Check an unsorted segment op's arguments as TensorFlow does, and bind it."""
    data, ids = tensor(data), tensor(segment_ids)
    if data.dtype not in allowed:
        raise unsupported_error(op, data.dtype, allowed)
    if ids.dtype not in INDEX_TYPES:
        raise _tindices_error(op.name, ids.dtype)
    n = int_values(num_segments, op.name, "Tnumsegments")
    if n.ndim:
        raise invalid(op.name, f"num_segments should be a scalar, not shape {dims_text(n.shape)}")
    if n < 0:
        raise invalid(op.name, f"Input num_segments == {int(n)} must not be negative.")
    if not TensorShape(data._value.shape[:ids._value.ndim]).is_compatible_with(ids._value.shape):
        raise invalid(op.name, f"data.shape = {dims_text(data._value.shape)} does not start with "
                               f"segment_ids.shape = {dims_text(ids._value.shape)}")
    return bind(op, (data, ids), {"num_segments": int(n)})


def _sorted(op_name: str, data: Any, segment_ids: Any) -> tuple[Tensor, Tensor, int]:
    """The data and its sorted segment ids, checked as TensorFlow's kernels do (in their order), and
    the number of segments they make."""
    data, ids = tensor(data), tensor(segment_ids)
    if ids.dtype not in INDEX_TYPES:
        raise _tindices_error(op_name, ids.dtype)
    if data._value.ndim < 1:
        raise invalid(op_name, "input must be at least rank 1")
    if ids._value.ndim != 1:
        raise invalid(op_name, "segment_ids should be a vector.")
    if ids._value.shape[0] != data._value.shape[0]:
        raise invalid(op_name, "segment_ids should be the same size as dimension 0 of input.")
    values = np.asarray(ids._value)
    if values.size and values[-1] < 0:
        raise invalid(op_name, "segment ids must be >= 0")
    n = int(values[-1]) + 1 if values.size else 0
    steps = np.diff(values)
    changes = steps[steps != 0]
    if values.size and values[0] < 0 and not (changes.size and changes[0] < 0):
        raise invalid(op_name, f"Segment id {values[0]} out of range [0, {n}), possibly because "
                               f"'segment_ids' input is not sorted.")
    if (steps < 0).any():
        raise invalid(op_name, "segment ids are not increasing")
    return data, ids, n


def _sorted_reduction(op: Op, data: Any, segment_ids: Any, allowed: frozenset):
    data = tensor(data)
    if data.dtype not in allowed:
        raise unsupported_error(op, data.dtype, allowed)
    data, ids, n = _sorted(op.name, data, segment_ids)
    return bind(op, (data, ids), {"num_segments": n})


def _segment_counts(segment_ids: Any, total: Any) -> Any:
    """How many elements each segment of `total` (a segment sum) holds, at least 1, in its dtype and
    shaped to divide it."""
    ones = Tensor(np.ones(np.shape(segment_ids._value), total.dtype._np))
    counts = math_ops.maximum(unsorted_segment_sum(ones, segment_ids, total._value.shape[0]), 1)
    return reshape(counts, counts._value.shape + (1,) * (total._value.ndim - counts._value.ndim))


# ---- unsorted -----------------------------------------------------------------------------------

def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_mean`: each segment's mean (0 for an empty one)."""
    ids = tensor(segment_ids)
    total = unsorted_segment_sum(data, ids, num_segments)
    return total / _segment_counts(ids, total)


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_sqrt_n`: each segment's sum over the square root of its count (0 for
    an empty one)."""
    ids = tensor(segment_ids)
    total = unsorted_segment_sum(data, ids, num_segments)
    return total / math_ops.sqrt(_segment_counts(ids, total))


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_max`: each segment's largest value (the dtype's lowest value for an
    empty segment)."""
    return _unsorted(_unsorted_max_op, data, segment_ids, num_segments, REAL)


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_min`: each segment's smallest value (the dtype's highest value for an
    empty segment)."""
    return _unsorted(_unsorted_min_op, data, segment_ids, num_segments, REAL)


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_prod`: each segment's product (1 for an empty segment)."""
    return _unsorted(_unsorted_prod_op, data, segment_ids, num_segments, NUMERIC)


# ---- sorted -------------------------------------------------------------------------------------

def segment_sum(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_sum`: sums over runs of sorted segment ids."""
    data, ids, n = _sorted("SegmentSum", data, segment_ids)
    return unsorted_segment_sum(data, ids, n)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_mean`: means over runs of sorted segment ids, in data's dtype (integer means
    truncate toward zero, as TensorFlow's); 0 for an id that is skipped."""
    data, ids, n = _sorted("SegmentMean", data, segment_ids)
    total = unsorted_segment_sum(data, ids, n)
    counts = np.maximum(np.bincount(np.asarray(ids._value), minlength=n), 1).astype(data.dtype._np)
    counts = Tensor(counts.reshape(counts.shape + (1,) * (data._value.ndim - 1)))
    return (math_ops.truncatediv if data.dtype.is_integer else math_ops.truediv)(total, counts)


def segment_max(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_max`: maxima over runs of sorted segment ids (0 for an id that is skipped)."""
    return _sorted_reduction(_max_op, data, segment_ids, REAL)


def segment_min(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_min`: minima over runs of sorted segment ids (0 for an id that is skipped)."""
    return _sorted_reduction(_min_op, data, segment_ids, REAL)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_prod`: products over runs of sorted segment ids (1 for an id that is skipped)."""
    return _sorted_reduction(_prod_op, data, segment_ids, NUMERIC)


def _bincount_kernel(arr: np.ndarray, weights: np.ndarray, minlength: int | None, maxlength: int | None,
                     binary_output: bool, dtype: np.dtype, per_row: bool) -> np.ndarray:
    if arr.size and arr.min() < 0:
        raise errors.InvalidArgumentError(None, None, "Input arr must be non-negative! [Op:Bincount]")
    length = max(int(arr.max()) + 1 if arr.size else 0, minlength or 0)
    if maxlength is not None:
        length = min(length, maxlength)
    rows = arr.reshape(len(arr) if per_row else 1, -1)
    given = weights.reshape(rows.shape) if weights.size else None
    counts = np.zeros((len(rows), length), np.float64 if given is not None else np.int64)
    for i, row in enumerate(rows):
        keep = row < length
        counts[i] = np.bincount(row[keep], None if given is None else given[i][keep], minlength=length)
    if binary_output:
        counts = counts > 0
    return counts.astype(dtype) if per_row else counts[0].astype(dtype)


def _bincount_infer(arr, weights, minlength, maxlength, binary_output, dtype, per_row) -> list:
    """The number of bins is known while tracing only when `minlength` and `maxlength` fix it."""
    length = minlength if minlength is not None and minlength == maxlength else None
    return [AbstractValue((arr.shape[0], length) if per_row else (length,), dtype)]


# TensorFlow registers no gradient for it (for the weights): one reaching it raises its LookupError.
_bincount_op = Op("DenseBincount", _bincount_kernel, unregistered=True, infer=_bincount_infer)


def bincount(arr: Any, weights: Any = None, minlength: int | None = None, maxlength: int | None = None,
             dtype: Any = dtypes.int32, name: str | None = None, axis: Any = None,
             binary_output: bool = False):
    """`tf.math.bincount`: how often each value 0, 1, ... occurs in `arr` (or the sum of its
    `weights`), at least `minlength` and at most `maxlength` bins; with `axis=-1`, for each row of a
    matrix. No gradient (TensorFlow's LookupError)."""
    if weights is not None and binary_output:
        raise ValueError("Arguments `binary_output` and `weights` are mutually exclusive. Please specify "
                         "only one.")
    arr = tensor(arr)
    if arr.dtype not in (dtypes.int32, dtypes.int64):  # (TensorFlow counts the values cast to int32)
        arr = math_ops.cast(arr, dtypes.int32)
    weights = tensor(weights) if weights is not None else Tensor(np.zeros(0, dtypes.as_dtype(dtype)._np))
    return bind(_bincount_op, (arr, weights), {
        "minlength": minlength, "maxlength": maxlength, "binary_output": binary_output,
        "dtype": weights.dtype._np, "per_row": axis == -1 and arr.shape.rank == 2})
