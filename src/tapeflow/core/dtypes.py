"""Data types: TensorFlow's `tf.DType` objects over NumPy dtypes.

A `DType` wraps one NumPy dtype and answers TensorFlow's questions about it (`is_floating`,
`min`, `max`, `name`...). TensorFlow's conversion rules also live here: Python floats become
float32 and Python ints int32 (int64 when they do not fit), never NumPy's float64/int64 defaults.
Strings are NumPy object arrays of `bytes`, as TensorFlow hands them back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_PY_BOOL = bool  # `bool` is rebound below to TensorFlow's dtype


class DType:
    """A tensor element type, compared by identity and equal to its NumPy counterpart."""

    __slots__ = ("name", "_np", "kind", "size")

    def __init__(self, name: str, np_dtype: Any, kind: str):
        self.name = name
        self._np = np.dtype(np_dtype)
        self.kind = kind  # one of: float, int, uint, complex, bool, string
        self.size = self._np.itemsize if kind != "string" else 1

    @property
    def as_numpy_dtype(self) -> type:
        return self._np.type

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def is_floating(self) -> bool:
        return self.kind == "float"

    @property
    def is_integer(self) -> bool:
        return self.kind in ("int", "uint")

    @property
    def is_unsigned(self) -> bool:
        return self.kind in ("uint", "bool")

    @property
    def is_complex(self) -> bool:
        return self.kind == "complex"

    @property
    def is_bool(self) -> bool:
        return self.kind == "bool"

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("float", "int", "uint", "complex")

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def real_dtype(self) -> DType:
        return {complex64: float32, complex128: float64}.get(self, self)

    def _bound(self, which: str):
        if self.kind == "bool":
            return which == "max"
        if self.kind not in ("float", "int", "uint"):
            raise TypeError(f"Cannot find {'minimum' if which == 'min' else 'maximum'} value of {self!r}.")
        info = np.finfo(self._np) if self.kind == "float" else np.iinfo(self._np)
        return self._np.type(getattr(info, which))

    @property
    def min(self):
        return self._bound("min")

    @property
    def max(self):
        return self._bound("max")

    @property
    def limits(self) -> tuple:
        return (self.min, self.max)

    def is_compatible_with(self, other: Any) -> bool:
        return as_dtype(other) is self

    def __eq__(self, other: Any) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: {self.name!r}>"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16, "float")
float32 = DType("float32", np.float32, "float")
float64 = DType("float64", np.float64, "float")
int8 = DType("int8", np.int8, "int")
int16 = DType("int16", np.int16, "int")
int32 = DType("int32", np.int32, "int")
int64 = DType("int64", np.int64, "int")
uint8 = DType("uint8", np.uint8, "uint")
uint16 = DType("uint16", np.uint16, "uint")
uint32 = DType("uint32", np.uint32, "uint")
uint64 = DType("uint64", np.uint64, "uint")
bool = DType("bool", np.bool_, "bool")  # noqa: A001 - TensorFlow's name
complex64 = DType("complex64", np.complex64, "complex")
complex128 = DType("complex128", np.complex128, "complex")
string = DType("string", np.object_, "string")

half = float16
double = float64

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
       bool, complex64, complex128, string)
FLOATS = frozenset((float16, float32, float64))
INEXACT = FLOATS | {complex64, complex128}
INTEGERS = frozenset((int8, int16, int32, int64, uint8, uint16, uint32, uint64))
REAL = FLOATS | INTEGERS
NUMERIC = REAL | {complex64, complex128}

_BY_NAME = {d.name: d for d in ALL} | {"half": float16, "double": float64}
# Keyed by NumPy dtype: the lookup behind every `Tensor.dtype`.
_BY_NUMPY: dict = {d._np: d for d in ALL}
_BY_NUMPY.update({np.dtype(np.bytes_): string, np.dtype(np.str_): string})


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of a NumPy dtype (fast path for arrays already in hand)."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        if np_dtype.kind in "SU":
            return string
        raise TypeError(f"Cannot convert NumPy dtype {np_dtype} to a tapeflow DType.") from None


def as_dtype(type_value: Any) -> DType:
    """Convert a DType, a NumPy dtype or type, a Python type or a name to a `DType`."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        try:
            return _BY_NAME[type_value]
        except KeyError:
            pass
    elif type_value is float:
        return float32
    elif type_value is int:
        return int32
    elif type_value is complex:
        return complex128
    elif type_value is _PY_BOOL:
        return bool
    elif type_value is bytes:
        return string
    else:
        try:
            return from_numpy(np.dtype(type_value))
        except TypeError:
            pass
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")


def type_name(dtype: DType) -> str:
    """TensorFlow's word for a dtype in kernel messages: float32 is `float`, float64 `double`."""
    return {"float32": "float", "float64": "double", "float16": "half"}.get(dtype.name, dtype.name)
