"""Turning Python and NumPy values into tensors, with TensorFlow's dtype rules.

Python floats become float32, ints int32 (int64 when out of int32's range), complex numbers
complex128 and strings `string`; NumPy values keep their dtype. An explicit `dtype` must hold the
value exactly for Python numbers (`tf.constant(2.5, tf.int32)` is a TypeError), as in TensorFlow.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tapeflow.framework import dtypes
from tapeflow.framework.tensor import Tensor, TensorLike

_INT32 = np.iinfo(np.int32)
_DEFAULTS = {"f": np.float32, "c": np.complex128, "b": np.bool_}


def _python_array(value: Any, dtype: dtypes.DType | None) -> np.ndarray:
    """A NumPy array from Python data, typed by TensorFlow's rules."""
    try:
        array = np.array(value)
    except ValueError as e:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {value!r}") from e
    kind = array.dtype.kind
    if kind in "USO":
        if kind == "O" and not _all_text(array):
            raise TypeError(f"Failed to convert elements of {value!r} to Tensor.")
        return _to_bytes(array)
    if dtype is not None:
        target = dtype._np
        if dtype is dtypes.string:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype string")
        converted = array.astype(target)
        if kind != "b" and not np.array_equal(converted, array):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return converted
    if kind in "iu":
        if array.size and (array.min() < _INT32.min or array.max() > _INT32.max):
            return array.astype(np.int64)
        return array.astype(np.int32)
    return array.astype(_DEFAULTS.get(kind, array.dtype), copy=False)


def _all_text(array: np.ndarray) -> bool:
    return all(isinstance(v, str | bytes) for v in array.flat)


def _to_bytes(array: np.ndarray) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    for index, v in np.ndenumerate(array):
        out[index] = v.encode("utf-8") if isinstance(v, str) else bytes(v)
    return out


def _numpy_array(value: Any, dtype: dtypes.DType | None) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind in "USO" or isinstance(value, np.str_ | np.bytes_):
        return _to_bytes(np.asarray(value))
    if dtype is None or value.dtype == dtype._np:
        return value.copy() if isinstance(value, np.ndarray) else value
    return np.asarray(value).astype(dtype._np)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None):
    """`tf.convert_to_tensor`: a Tensor for `value`, which must already be of `dtype` if a tensor."""
    if type(value) is Tensor:
        if dtype is not None and value._value.dtype != dtypes.as_dtype(dtype)._np:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    if isinstance(value, TensorLike):  # a Variable: reading it is an op the tapes see
        tensor = value.value()
        if dtype is not None and tensor._value.dtype != dtypes.as_dtype(dtype)._np:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for "
                             f"Variable with dtype {tensor.dtype.name}: {value!r}")
        return tensor
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
    elif dtype_hint is not None:
        try:
            return convert_to_tensor(value, dtype_hint)
        except (TypeError, ValueError):
            pass
    return Tensor(to_array(value, dtype))


def to_array(value: Any, dtype: dtypes.DType | None = None) -> Any:
    """The NumPy value (array, or NumPy scalar for shape ()) of a non-tensor `value`."""
    if isinstance(value, np.ndarray | np.generic):
        return _numpy_array(value, dtype)
    if isinstance(value, float) and (dtype is None or dtype.kind == "float"):
        return (dtype._np.type if dtype is not None else np.float32)(value)
    if isinstance(value, numbers.Number | str | bytes | list | tuple) or value is None:
        if value is None:
            raise ValueError("Attempt to convert a value (None) with an unsupported type "
                             "(<class 'NoneType'>) to a Tensor.")
        return _python_array(value, dtype)[()]
    if hasattr(value, "__array__"):
        return _numpy_array(np.asarray(value), dtype)
    raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                     f"({type(value)}) to a Tensor.")


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """`tf.constant`: a tensor from a Python or NumPy value, optionally cast and broadcast to `shape`."""
    if isinstance(value, TensorLike):
        tensor = convert_to_tensor(value)
        if dtype is not None and tensor.dtype != dtypes.as_dtype(dtype):
            from tapeflow.ops.math_ops import cast

            tensor = cast(tensor, dtype)
        array = tensor._value
    else:
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        array = to_array(value, dtype) if dtype is None or not isinstance(value, np.ndarray | np.generic) \
            else np.asarray(value).astype(dtype._np)
    if shape is not None:
        shape = tuple(shape)
        if np.size(array) == 1:
            array = np.broadcast_to(array, shape).copy()
        elif np.size(array) == int(np.prod(shape)):
            array = np.reshape(array, shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {value!r} "
                            f"(converted from {value!r}) has {np.size(array)} elements, but got `shape` "
                            f"{shape} with {int(np.prod(shape))} elements).")
    return Tensor(array)
