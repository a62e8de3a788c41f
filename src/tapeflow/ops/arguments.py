"""Checking op arguments as TensorFlow does: integer arguments, shapes, and its error texts.

Shared by the array, indexing and creation ops, whose public functions validate their arguments
before `bind`; kernels then only check what depends on values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import type_name
from tapeflow.core.tensor import TensorLike
from tapeflow.ops.declare import tensor

INDEX_TYPES = (dtypes.int32, dtypes.int64)
GATHER_INDEX_TYPES = (dtypes.int16, dtypes.int32, dtypes.int64)


def invalid(op_name: str, message: str) -> errors.OpError:
    return errors.InvalidArgumentError(None, None, f"{message} [Op:{op_name}]")


def dims_text(shape: Sequence) -> str:
    """A shape as TensorFlow's kernels print it: `[2,3]`."""
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def int_values(value: Any, op_name: str, attr: str, allowed: Sequence = INDEX_TYPES,
                strict: bool = False) -> np.ndarray:
    """An integer argument (Python int or list, NumPy value, int tensor) as an int64 array.

    Python values become int32 tensors; one of another dtype is TensorFlow's attr error, or with
    `strict` (ops whose Python wrapper converts to int32 first) a TypeError from the conversion."""
    if isinstance(value, TensorLike):
        t = tensor(value)
    elif not np.size(value):  # an empty list is an empty int32 vector here
        return np.zeros(np.shape(value), dtype=np.int64)
    else:
        t = convert_to_tensor(value, dtype=dtypes.int32) if strict else convert_to_tensor(
            value, dtype_hint=dtypes.int32)
    if t.dtype not in allowed:
        names = ", ".join(type_name(d) for d in allowed)
        raise invalid(op_name, f"Value for attr '{attr}' of {type_name(t.dtype)} is not in the list of "
                                f"allowed values: {names}")
    return np.asarray(t._value, dtype=np.int64)


def index_dtype(dtype: Any, op_name: str, attr: str) -> dtypes.DType:
    """An output index dtype argument (`out_type`, `out_idx`): int32 or int64, else TensorFlow's error."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in INDEX_TYPES:
        raise invalid(op_name, f"Value for attr '{attr}' of {type_name(dtype)} is not in the list of allowed "
                               f"values: int32, int64")
    return dtype


def index_error(name: str, indices: np.ndarray, bad: np.ndarray, relation: str, op_name: str
                 ) -> errors.OpError:
    """`indices[1,0] = 5 is not in [0, 3)`: the first bad index, by its position."""
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    where_ = f"[{','.join(map(str, position))}]" if position else ""
    return invalid(op_name, f"{name}{where_} = {indices[position]} {relation}")


def shape_tuple(shape: Any, op_name: str = "Reshape", attr: str = "Tshape") -> tuple:
    """A shape argument (list, tuple, TensorShape, int32 or int64 tensor) as a tuple of ints; another
    dtype is TensorFlow's error for the op's attribute `attr`."""
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    if isinstance(shape, int | np.integer):
        return (int(shape),)
    return tuple(int(d) for d in int_values(shape, op_name, attr).reshape(-1))
