"""Python operators on tensors and variables: `x + y` is `tf.add(x, y)`, `x[i]` a strided slice.

Installed on `TensorLike` (the base of `Tensor` and `Variable`) as the ops themselves, so an
operator adds no call of its own. `&`, `|`, `^`, `~` are logical for bool tensors and bitwise for
integers, as in TensorFlow; `==` is elementwise, False for `None` and a False tensor for shapes that
do not broadcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops import array_ops, linalg_ops, math_ops, slicing_ops


def _flip(fn):
    """`y op x` for a tensor `x` and a non-tensor `y`, which converts to x's dtype first (TypeError if
    it does not fit), as TensorFlow's reflected operators convert."""
    def reflected(x, y):
        x, y = math_ops.operands(x, y)
        return fn(y, x)

    reflected.__name__ = f"r{fn.__name__}"
    return reflected


def _multiply(x, y):
    """`x * y`: with a bool tensor on either side, TensorFlow's operator multiplies the two as int32
    and casts the product back to bool (a logical and of nonzero values). Multiply refuses bool, so the
    rule is looked at only when it raised: a product of numbers pays nothing for it."""
    try:
        return math_ops.multiply(x, y)
    except (errors.InvalidArgumentError, TypeError):
        if not (_is_bool(x) or _is_bool(y)):
            raise
    as_int = [math_ops.cast(convert_to_tensor(v), dtypes.int32) for v in (x, y)]
    return math_ops.cast(math_ops.multiply(*as_int), dtypes.bool)


def _is_bool(v: Any) -> bool:
    return isinstance(v, TensorLike) and v.dtype == dtypes.bool


def _logical_or_bitwise(logical, bitwise):
    def apply(x, y):
        x, y = math_ops.operands(x, y)
        return (logical if x.dtype.is_bool else bitwise)(x, y)

    return apply


def _invert(x):
    return math_ops.logical_not(x) if x.dtype.is_bool else math_ops.invert(x)


def _equality(fn, default: bool):
    """`==` / `!=`: TensorFlow's Equal with incompatible_shape_error=False, so shapes that do not
    broadcast give a bool scalar tensor (False / True), while mismatched dtypes still raise."""
    def compare(x: Any, y: Any):
        if y is None:
            return default
        x, y = math_ops.operands(x, y)
        if x.dtype != y.dtype:
            return fn(x, y)  # raises TensorFlow's dtype error, which comes before the shapes
        try:
            np.broadcast_shapes(*(tuple(1 if d is None else d for d in t.shape.as_list()) for t in (x, y)))
        except ValueError:
            return convert_to_tensor(default)
        return fn(x, y)

    return compare


_and = _logical_or_bitwise(math_ops.logical_and, math_ops.bitwise_and)
_or = _logical_or_bitwise(math_ops.logical_or, math_ops.bitwise_or)
_xor = _logical_or_bitwise(math_ops.logical_xor, math_ops.bitwise_xor)

OPERATORS = {
    "__add__": math_ops.add, "__radd__": _flip(math_ops.add),
    "__sub__": math_ops.subtract, "__rsub__": _flip(math_ops.subtract),
    "__mul__": _multiply, "__rmul__": _flip(_multiply),
    "__truediv__": math_ops.truediv, "__rtruediv__": _flip(math_ops.divide),
    "__floordiv__": math_ops.floordiv, "__rfloordiv__": _flip(math_ops.floordiv),
    "__mod__": math_ops.floormod, "__rmod__": _flip(math_ops.floormod),
    "__pow__": math_ops.pow, "__rpow__": _flip(math_ops.pow),
    "__matmul__": linalg_ops.matmul, "__rmatmul__": _flip(linalg_ops.matmul),
    "__and__": _and, "__rand__": _flip(_and),
    "__or__": _or, "__ror__": _flip(_or),
    "__xor__": _xor, "__rxor__": _flip(_xor),
    "__neg__": math_ops.negative, "__abs__": math_ops.abs, "__invert__": _invert,
    "__lt__": math_ops.less, "__le__": math_ops.less_equal,
    "__gt__": math_ops.greater, "__ge__": math_ops.greater_equal,
    "__eq__": _equality(math_ops.equal, False), "__ne__": _equality(math_ops.not_equal, True),
    "__getitem__": slicing_ops.getitem,
}

for _name, _fn in OPERATORS.items():
    setattr(TensorLike, _name, _fn)


def _rows(x: Tensor):
    """`for row in tensor`: the rows along the first axis, as TensorFlow's eager tensors give them."""
    if not x._value.ndim:
        raise TypeError("Cannot iterate over a scalar tensor.")
    return iter(array_ops.unstack(x))


Tensor.__iter__ = _rows
