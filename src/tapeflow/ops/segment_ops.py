"""Segment reductions: `tf.math.segment_sum/mean/max`, `unsorted_segment_mean/max`, `bincount`.

Sums are `unsorted_segment_sum` (gather_ops), whose gradient is a gather. Means divide by each
segment's count. A maximum is its own op: each segment's largest value (the dtype's lowest value
for an empty segment, as TensorFlow gives), and its gradient goes to the elements that reached it,
shared equally among ties, as TensorFlow's does. The sorted `segment_*` forms check that the ids
do not decrease and take `max(id) + 1` segments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.framework import dtypes, errors
from tapeflow.framework.dtypes import REAL
from tapeflow.framework.op import Op, bind
from tapeflow.framework.tensor import Tensor
from tapeflow.ops import math_ops
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.declare import tensor, unsupported_error
from tapeflow.ops.gather_ops import gather, unsorted_segment_sum

__all__ = ["segment_sum", "segment_mean", "segment_max", "unsorted_segment_mean", "unsorted_segment_max",
           "bincount"]


def _lowest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _segment_max_kernel(data, segment_ids, num_segments):
    out = np.full((num_segments,) + data.shape[np.ndim(segment_ids):], _lowest(data.dtype), data.dtype)
    np.maximum.at(out, np.asarray(segment_ids), data)
    return out


def _segment_max_grad(g, y, data, segment_ids, num_segments):
    """g of each segment to the elements equal to its maximum, split equally among them."""
    reached = math_ops.cast(math_ops.equal(data, gather(y, segment_ids)), g.dtype)
    ties = unsorted_segment_sum(reached, segment_ids, num_segments)
    return reached * gather(g / math_ops.maximum(ties, 1), segment_ids)


_segment_max_op = Op("UnsortedSegmentMax", _segment_max_kernel, (_segment_max_grad, None))


def _counts(segment_ids: Any, num_segments: int, dtype: dtypes.DType) -> Any:
    ones = Tensor(np.ones(np.shape(segment_ids._value), dtype._np))
    return unsorted_segment_sum(ones, segment_ids, num_segments)


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_mean`: each segment's mean (0 for an empty one)."""
    data, ids = tensor(data), tensor(segment_ids)
    total = unsorted_segment_sum(data, ids, num_segments)
    counts = math_ops.maximum(_counts(ids, int(getattr(num_segments, "_value", num_segments)), data.dtype), 1)
    return total / reshape(counts, counts._value.shape + (1,) * (total._value.ndim - counts._value.ndim))


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_max`: each segment's largest value (the dtype's lowest value for an
    empty segment)."""
    data, ids = tensor(data), tensor(segment_ids)
    if data.dtype not in REAL:
        raise unsupported_error(_segment_max_op, data.dtype, REAL)
    unsorted_segment_sum(data, ids, num_segments)  # TensorFlow's checks of the arguments
    return bind(_segment_max_op, (data, ids), {"num_segments": int(getattr(num_segments, "_value",
                                                                          num_segments))})


def _sorted(segment_ids: Any, op_name: str) -> tuple[Any, int]:
    """Sorted segment ids, checked, and the number of segments they make."""
    ids = tensor(segment_ids)
    values = np.asarray(ids._value).reshape(-1)
    if values.size and (np.any(np.diff(values) < 0) or values[0] < 0):
        raise errors.InvalidArgumentError(None, None, f"segment ids are not increasing [Op:{op_name}]")
    return ids, int(values[-1]) + 1 if values.size else 0


def segment_sum(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_sum`: sums over runs of sorted segment ids."""
    ids, n = _sorted(segment_ids, "SegmentSum")
    return unsorted_segment_sum(data, ids, n)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_mean`: means over runs of sorted segment ids."""
    ids, n = _sorted(segment_ids, "SegmentMean")
    return unsorted_segment_mean(data, ids, n)


def segment_max(data: Any, segment_ids: Any, name: str | None = None):
    """`tf.math.segment_max`: maxima over runs of sorted segment ids."""
    ids, n = _sorted(segment_ids, "SegmentMax")
    return unsorted_segment_max(data, ids, n)


def bincount(arr: Any, weights: Any = None, minlength: int | None = None, maxlength: int | None = None,
             dtype: Any = dtypes.int32, name: str | None = None, axis: Any = None,
             binary_output: bool = False):
    """`tf.math.bincount`: how often each value 0, 1, ... occurs in `arr` (or the sum of its
    `weights`), at least `minlength` and at most `maxlength` bins. Not differentiable."""
    values = np.asarray(tensor(arr)._value).reshape(-1)
    if values.size and values.min() < 0:
        raise errors.InvalidArgumentError(
            None, None, "Input arr must be non-negative! [Op:Bincount]")
    length = int(values.max()) + 1 if values.size else 0
    length = max(length, minlength or 0)
    if maxlength is not None:
        length = min(length, maxlength)
        keep = values < length
        values = values[keep]
    given = None if weights is None else np.asarray(tensor(weights)._value).reshape(-1)
    if given is not None and maxlength is not None:
        given = given[keep]
    counts = np.bincount(values, weights=given, minlength=length)[:length]
    out_dtype = dtypes.as_dtype(dtype) if weights is None else tensor(weights).dtype
    if binary_output:
        counts = counts > 0
    return Tensor(counts.astype(out_dtype._np))
