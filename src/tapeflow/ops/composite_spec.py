"""What the specs of composite tensors (`SparseTensorSpec`, `RaggedTensorSpec`) share: a static
shape and dtype, and equality by a key of their own (so that `tf.function` traces once per spec)."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.tensor_shape import TensorShape


class CompositeSpec:
    """The base of a composite tensor's spec: `_shape`, `_dtype` and `_key()` (hashable)."""

    __slots__ = ("_shape", "_dtype")

    @classmethod
    def from_value(cls, value: Any) -> Any:
        return value._type_spec

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    def _key(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())
