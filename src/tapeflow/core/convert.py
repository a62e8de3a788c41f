"""Turning Python and NumPy values into tensors, with TensorFlow's dtype rules.

Python floats become float32, ints int32 (int64 when out of int32's range), complex numbers
complex128 and strings `string`; NumPy values keep their dtype. An explicit `dtype` must hold the
value exactly for Python numbers (`tf.constant(2.5, tf.int32)` is a TypeError), as in TensorFlow, which
also refuses strings to other dtypes, ints to bool and bools to a few dtypes (int8, complex64 ...).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.state import ACTIVE, current
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import CompositeTensor, Tensor, TensorLike
from tapeflow.core.tensor_shape import TensorShape

_INT32 = np.iinfo(np.int32)
_INT64 = np.iinfo(np.int64)
_DEFAULTS = {"f": np.float32, "c": np.complex128, "b": np.bool_}
# The dtypes Python bools convert to (TensorFlow's direct converters; int8, complex64 ... refuse them).
_FROM_BOOL = frozenset({dtypes.bool, dtypes.int32, dtypes.int64, dtypes.uint64,
                        dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex128})


# ---- what the core does not know: conversions registered from above -----------------------------

_CONVERSIONS: dict[type, tuple[int, Callable]] = {}  # type -> (priority, conversion), the lowest kept
_STACK: list = [None]  # stacks a list of tensors (`tf.stack`), installed by the ops layer


def register_tensor_conversion_function(base_type: type | tuple, conversion_func: Callable,
                                        priority: int = 100) -> None:
    """`tf.register_tensor_conversion_function`: `conversion_func(value, dtype=None, name=None,
    as_ref=False)` turns instances of `base_type` (or of its subclasses) into tensors; of several
    registered for one type, the lowest `priority` wins. The ops layer registers IndexedSlices so."""
    for kind in base_type if isinstance(base_type, tuple) else (base_type,):
        if not isinstance(kind, type):
            raise TypeError(f"base_type must be a type or a tuple of types, got {kind!r}")
        if issubclass(kind, (numbers.Number, np.ndarray, np.generic, str, bytes, list, tuple)):
            raise TypeError(f"Cannot register conversions for Python numeric types, NumPy scalars and "
                            f"arrays, strings and sequences: {kind.__name__}")
        if not callable(conversion_func):
            raise TypeError(f"conversion_func must be callable, got {conversion_func!r}")
        held = _CONVERSIONS.get(kind)
        if held is None or priority <= held[0]:
            _CONVERSIONS[kind] = (priority, conversion_func)


def install_stack(stack: Callable) -> None:
    """The ops layer's `stack`, with which lists holding traced tensors are packed into one."""
    _STACK[0] = stack


def _registered(value: Any) -> Callable | None:
    """The conversion registered for `value`'s type or one of its bases, if any."""
    for kind in type(value).__mro__:
        held = _CONVERSIONS.get(kind)
        if held is not None:
            return held[1]
    return None


def _python_array(value: Any, dtype: dtypes.DType | None) -> np.ndarray:
    """A NumPy array from Python data, typed by TensorFlow's rules."""
    try:
        array = np.array(value)
    except (ValueError, OverflowError) as e:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from e
    kind = array.dtype.kind
    if kind in "USO":
        text = _text_array(array, value)
        if dtype is not None and dtype is not dtypes.string:
            raise _cannot_convert(value, dtype)
        return text
    if dtype is None:
        if kind in "iuf" and isinstance(_first_element(value), bool):  # (TF types a list by its first)
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        if kind in "iu":
            if array.size and array.max() > _INT64.max:
                raise ValueError("Can't convert Python sequence with out-of-range integer to Tensor.")
            fits = not array.size or (array.min() >= _INT32.min and array.max() <= _INT32.max)
            return array.astype(np.int32 if fits else np.int64)
        return array.astype(_DEFAULTS.get(kind, array.dtype), copy=False)
    # An explicit dtype: Python ints wrap into it (as TF's do), but a float never becomes an integer,
    # an int never a bool, and bools become only the dtypes TensorFlow has a direct converter for.
    lossy = (kind == "f" and dtype.kind not in ("float", "complex")) or (
        kind == "c" and dtype.kind != "complex") or (kind in "iu" and dtype is dtypes.bool) or (
        kind == "b" and dtype not in _FROM_BOOL)
    if dtype is dtypes.string or (array.size and lossy):
        raise _cannot_convert(value, dtype)
    return array.astype(dtype._np)


def _first_element(value: Any) -> Any:
    while isinstance(value, list | tuple) and value:
        value = value[0]
    return value


def _cannot_convert(value: Any, dtype: dtypes.DType) -> TypeError:
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtypes.type_name(dtype)}")


def _text_array(array: np.ndarray, value: Any) -> np.ndarray:
    """Strings become an object array of bytes; anything else mixed in is an error."""
    if array.dtype.kind != "O":  # (NumPy's fixed-width bytes would drop trailing NULs: b"a\0" is b"a")
        array = np.array(value, dtype=object)
    if not all(isinstance(v, str | bytes) for v in array.reshape(-1)):
        raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
    return _to_bytes(array)


def _to_bytes(array: np.ndarray) -> np.ndarray:
    out = np.empty(array.shape, dtype=object)
    for index, v in np.ndenumerate(array):
        out[index] = v.encode("utf-8") if isinstance(v, str) else bytes(v)
    return out


def _numpy_array(value: Any, dtype: dtypes.DType | None) -> Any:
    """A NumPy value keeps its dtype, or is cast to `dtype` silently (as TensorFlow does)."""
    if value.dtype.kind in "USO":
        return _to_bytes(np.asarray(value))
    if dtype is dtypes.string:
        raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported object type "
                         f"{type(value.item(0) if value.size else 0).__name__}).")
    if dtype is None or value.dtype == dtype._np:
        return value.copy() if isinstance(value, np.ndarray) else value
    return np.asarray(value).astype(dtype._np)[()]


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None):
    """`tf.convert_to_tensor`: a Tensor for `value`, which must already be of `dtype` if a tensor."""
    if type(value) is Tensor or type(value) is SymbolicTensor:
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
    if ACTIVE and type(value) in (list, tuple) and current().graphs and _holds_symbolic(value):
        return _pack(value, dtype)
    if dtype is None and dtype_hint is not None:
        try:
            return convert_to_tensor(value, dtype_hint)
        except (TypeError, ValueError):
            pass
    try:
        return Tensor(to_array(value, dtype))
    except ValueError:
        registered = _registered(value)  # a type the core does not know, registered from above
        if registered is None:
            raise
        return _converted(registered, value, dtype, name)


def _converted(conversion: Callable, value: Any, dtype: Any, name: str | None) -> Any:
    tensor = conversion(value, dtype=None if dtype is None else dtypes.as_dtype(dtype), name=name)
    if dtype is not None and tensor.dtype != dtypes.as_dtype(dtype):
        raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} for "
                         f"Tensor with dtype {tensor.dtype.name}: {value!r}")
    return tensor


def _holds_symbolic(value: Any) -> bool:
    return any(type(v) is SymbolicTensor or (type(v) in (list, tuple) and _holds_symbolic(v)) for v in value)


def _leaf_dtype(value: Any) -> Any:
    for v in value:
        found = v.dtype if isinstance(v, TensorLike) else _leaf_dtype(v) if type(v) in (list, tuple) else None
        if found is not None:
            return found
    return None


def _pack(value: Any, dtype: dtypes.DType | None) -> Any:
    """A list holding traced tensors, as one tensor: its elements stacked (TensorFlow's auto-packing,
    with the stacking op the ops layer installs)."""
    dtype = dtype or _leaf_dtype(value)
    return _STACK[0]([_pack(v, dtype) if type(v) in (list, tuple) else convert_to_tensor(v, dtype)
                  for v in value])


def to_array(value: Any, dtype: dtypes.DType | None = None) -> Any:
    """The NumPy value (array, or NumPy scalar for shape ()) of a non-tensor `value`."""
    kind = type(value)
    if kind is float and (dtype is None or dtype.kind == "float"):
        return np.float32(value) if dtype is None else dtype._np.type(value)
    if kind is int and dtype is not None and (dtype.kind == "float" or (
            dtype.kind in ("int", "uint") and (0 if dtype.kind == "uint" else -128) <= value < 128)):
        return dtype._np.type(value)  # the common `x * 2` or `i + 1`: no array round trip
    if isinstance(value, np.ndarray | np.generic):
        return _numpy_array(value, dtype)
    if kind is TensorShape:
        return _shape_array(value, dtype)
    if isinstance(value, numbers.Number | str | bytes | list | tuple):
        array = _python_array(value, dtype)
        return array if array.dtype.kind == "O" else array[()]
    if hasattr(value, "__array__"):
        return _numpy_array(np.asarray(value), dtype)
    raise ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type "
                     f"({type(value)}) to a Tensor.")


def _shape_array(shape: TensorShape, dtype: dtypes.DType | None) -> np.ndarray:
    """A fully known shape as a vector of its dimensions (int32, or int64 when asked), as in TF."""
    if not shape.is_fully_defined():
        raise ValueError(f"Cannot convert a partially known TensorShape {shape} to a Tensor.")
    if dtype is not None and dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Cannot convert TensorShape {shape} to dtype {dtype}. Allowed dtypes are "
                        f"tf.int32 and tf.int64.")
    return np.array(shape.as_list(), (dtype or dtypes.int32)._np)


def is_tensor(x: Any) -> bool:
    """`tf.is_tensor`: whether x is a tensor, a variable or a composite of tensors (not a NumPy array)."""
    return isinstance(x, TensorLike | CompositeTensor)


def is_symbolic_tensor(x: Any) -> bool:
    """`tf.is_symbolic_tensor`: whether x is a tensor of a function being traced."""
    return type(x) is SymbolicTensor


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """`tf.get_static_value`: a tensor's value as NumPy when it is known now (None inside a trace, and
    for variables, whose value may change); Python values are returned as they are."""
    if isinstance(tensor, Tensor):
        return tensor.numpy()
    return None if isinstance(tensor, TensorLike) else tensor
