"""`tf.norm`: vector norms along one axis and matrix norms over two, composed of tapeflow ops.

Being compositions, norms need no gradient code: the Euclidean norm's gradient is `x / norm` (and,
like TensorFlow's, NaN at zero, where the norm has none).
"""

from __future__ import annotations

import math
from typing import Any

from tapeflow.ops.array_ops import squeeze
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import abs as abs_
from tapeflow.ops.math_ops import conj, pow, sqrt
from tapeflow.ops.reduce_ops import reduce_max, reduce_sum

__all__ = ["norm"]


def norm(tensor_: Any = None, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None,  # noqa: A002
         name: str | None = None, **kwargs: Any):
    """`tf.norm`: with `axis` None or an int, a vector norm ('euclidean', or any p > 0 including
    `np.inf`; None flattens first); with two axes, a matrix norm ('euclidean'/'fro', 1, `np.inf`)."""
    x = tensor(kwargs.pop("tensor", tensor_))
    matrix = isinstance(axis, list | tuple) and len(axis) == 2
    if isinstance(axis, list | tuple) and (not matrix or axis[0] == axis[1]):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    if matrix:
        if ord not in ("euclidean", "fro", 1, math.inf):
            if ord == 2:
                raise NotImplementedError("tf.norm with ord=2 over two axes (the spectral norm) is not "
                                          "supported yet: it needs a singular value decomposition.")
            raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], "
                             f"got {ord}")
    elif isinstance(ord, str) and ord != "euclidean" or not isinstance(ord, str) and not ord > 0:
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    axes = tuple(axis) if matrix else (None if axis is None else (axis,))
    result = _norm(x, ord, axes, matrix)
    if keepdims:
        return result
    return squeeze(result) if axes is None else squeeze(result, [a % x._value.ndim for a in axes])


def _norm(x: Any, ord: Any, axes: tuple | None, matrix: bool) -> Any:  # noqa: A002
    """The norm with the reduced axes kept (size 1)."""
    if ord in ("euclidean", "fro", 2) and not matrix or ord in ("euclidean", "fro"):
        return sqrt(reduce_sum(x * conj(x) if x.dtype.is_complex else x * x, axes, keepdims=True))
    size = abs_(x)
    if matrix:  # 1: the largest column sum; inf: the largest row sum
        summed, top = (axes[0], axes[1]) if ord == 1 else (axes[1], axes[0])
        return reduce_max(reduce_sum(size, summed, keepdims=True), top, keepdims=True)
    if ord == math.inf:
        return reduce_max(size, axes, keepdims=True)
    if ord == 1:
        return reduce_sum(size, axes, keepdims=True)
    return pow(reduce_sum(pow(size, ord), axes, keepdims=True), 1.0 / ord)
