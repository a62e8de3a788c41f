"""`tf.Tensor`: an immutable value, a NumPy array (or NumPy scalar for shape ()) in a thin shell.

`TensorLike` is the base shared by `Tensor` and `Variable`: everything that can stand where a
tensor stands. Its arithmetic, comparison and indexing operators are the ops themselves, attached
by `tapeflow.ops.operators` once the ops exist, so `x * y` costs exactly what `tf.multiply(x, y)`
costs. Tensors are unhashable, as in TensorFlow 2 (`==` is elementwise); `ref()` gives a key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.formatting import tensor_repr, tensor_str
from tapeflow.core.tensor_shape import TensorShape

DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class TensorLike:
    """Operators and conversions common to tensors and variables (operators: ops/operators.py)."""

    __slots__ = ()
    __array_priority__ = 100  # NumPy defers to our reflected operators: `np_array * tensor`

    # Every subclass keeps its value's facts in `_value` (an array, or a traced value's AbstractValue).
    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def ndim(self) -> int:
        return len(self._value.shape)

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape: Any) -> None:
        """`Tensor.set_shape`: a value's shape is known; TensorFlow's ValueError if `shape` differs."""
        given = TensorShape(shape)
        if not given.is_compatible_with(self.shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied shape {given}.")

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self._numpy_value())
        return value if dtype is None else value.astype(dtype, copy=False)

    def __len__(self) -> int:
        shape = self._numpy_value().shape
        if not shape:
            raise TypeError("len is not well defined for a rank-0 tensor")
        return shape[0]

    def __bool__(self) -> bool:
        value = self._numpy_value()
        if np.ndim(value):
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous. "
                "Use a.any() or a.all()"
            )
        return bool(value)

    def __float__(self) -> float:
        return float(self._numpy_value())

    def __int__(self) -> int:
        return int(self._numpy_value())

    def __index__(self) -> int:
        value = self._numpy_value()
        if np.ndim(value) or not np.issubdtype(np.asarray(value).dtype, np.integer):
            raise TypeError(f"Only integer scalar tensors can be used as an index, got {self.dtype.name} "
                            f"with shape {self.shape}")
        return int(value)

    def __complex__(self) -> complex:
        return complex(self._numpy_value())

    def __hash__(self) -> int:
        raise TypeError(f"{type(self).__name__} is unhashable. Instead, use tensor.ref() as the key.")

    def ref(self) -> Reference:
        return Reference(self)

    def experimental_ref(self) -> Reference:
        return Reference(self)


class CompositeTensor:
    """A value made of tensors (`tf.IndexedSlices`, `tf.SparseTensor`): `tf.is_tensor` is true of it.

    One that `tf.nest` can open (`expand_composites=True`) and `tf.function` can take and return has a
    `_type_spec`: a hashable description of all but its tensors (one trace per spec), with
    `_component_specs()` (each tensor's (shape, NumPy dtype), None for dimensions that vary),
    `_to_components(value)` and `_from_components(tensors)`."""

    __slots__ = ()


class Tensor(TensorLike):
    """A concrete, immutable tensor. `_value` is never written after construction; `_keras_mask` is
    the mask a Keras layer's output carries to the next layer (unset on other tensors)."""

    __slots__ = ("_value", "_keras_mask", "__weakref__")

    def __init__(self, value: Any):
        self._value = value

    def _numpy_value(self):
        return self._value

    @property
    def device(self) -> str:
        return DEVICE

    @property
    def name(self):
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    def numpy(self):
        """A NumPy copy of the value (a NumPy scalar for shape ())."""
        value = self._value
        return value.copy() if isinstance(value, np.ndarray) and value.ndim else value[()]

    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, format_spec: str) -> str:
        """`f"{t:.2f}"` formats the NumPy value, as TensorFlow's eager tensors do (`f"{t}"` too)."""
        return format(self.numpy(), format_spec)

    def __str__(self) -> str:
        return tensor_str(self)

    def __reduce__(self):
        return Tensor, (self._value,)


def string_value(value: Any) -> Any:
    """A string tensor's value for bare `bytes`, which indexing an object array gives: a 0-d object array
    (other values are returned as they are)."""
    if type(value) is not bytes:
        return value
    array = np.empty((), object)
    array[()] = value
    return array


class Reference:
    """A hashable handle on a tensor or variable, compared by identity (`tensor.ref()`)."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Any):
        self._obj = obj

    def deref(self) -> Any:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"
