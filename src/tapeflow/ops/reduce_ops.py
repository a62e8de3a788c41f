"""Reductions: sums, means, extrema, products, logsumexp, argmax/argmin.

`axis` follows TensorFlow: None reduces everything, an int or a list of ints (negative counts from
the end). The gradient of a reduction broadcasts `g` back over the reduced axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.framework import dtypes, errors
from tapeflow.framework.dtypes import NUMERIC
from tapeflow.framework.op import Op, bind
from tapeflow.ops.declare import tensor, unsupported_error

__all__ = ["reduce_sum", "reduce_mean"]


def normalize_axis(axis: Any, rank: int, op_name: str) -> tuple:
    """TensorFlow's `axis` argument as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(rank))
    if hasattr(axis, "_value"):
        axis = np.asarray(axis._value).tolist()
    axes = axis if isinstance(axis, list | tuple) else [axis]
    result = set()
    for a in axes:
        a = int(a)
        if not -rank <= a < max(rank, 1):
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {rank} dimension(s) "
                            f"[Op:{op_name}]")
        result.add(a % rank if rank else 0)
    return tuple(sorted(result))


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """`shape` with the reduced `axes` set to 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def broadcast_back(g, x, axes: tuple, keepdims: bool):
    """`g`, the gradient of a reduction of `x`, broadcast to x's shape."""
    from tapeflow.ops.array_ops import broadcast_to, reshape

    if not keepdims:
        g = reshape(g, kept_shape(x._value.shape, axes))
    return broadcast_to(g, x._value.shape)


def _sum_kernel(x, axes, keepdims):
    return np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)


_sum_op = Op("Sum", _sum_kernel, (lambda g, y, x, axes, keepdims: broadcast_back(g, x, axes, keepdims),))


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_sum`."""
    x = tensor(input_tensor)
    if x._value.dtype.kind not in "biufc" or x.dtype is dtypes.bool:
        raise unsupported_error(_sum_op, x.dtype, NUMERIC)
    axes = normalize_axis(axis, x._value.ndim, "Sum")
    return bind(_sum_op, (x,), {"axes": axes, "keepdims": bool(keepdims)})


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_mean`; integer means truncate toward zero, as TensorFlow's do."""
    from tapeflow.ops.math_ops import truediv, truncatediv

    x = tensor(input_tensor)
    axes = normalize_axis(axis, x._value.ndim, "Mean")
    total = reduce_sum(x, axes, keepdims)
    count = int(np.prod([x._value.shape[a] for a in axes], dtype=np.int64))
    if x.dtype.is_integer:
        return truncatediv(total, max(count, 1)) if count else total
    return truediv(total, count)
