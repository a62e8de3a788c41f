"""`tf.sparse.SparseTensor`: a tensor stored as the coordinates and values of its nonzero elements.

Three tensors: `indices` (int64, one row of coordinates per element), `values` (one per row) and
`dense_shape` (int64). They are ordinary tensors, so tapes record what is computed from `values` and
gradients reach it; the sparse ops (sparse_ops.py) are written in tapeflow's own ops for the same
reason. A `SparseTensorSpec` is the rest — the static shape and dtype —: `tf.function` traces once per
spec (any number of elements) and `tf.nest.flatten(..., expand_composites=True)` opens a sparse tensor
into its three tensors (the composite protocol of `core.tensor.CompositeTensor`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import DEVICE, CompositeTensor, Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.composite_spec import CompositeSpec


class SparseTensorSpec(CompositeSpec):
    """The type of a `SparseTensor`: its static dense shape (dimensions may be unknown) and dtype."""

    __slots__ = ()

    def __init__(self, shape: Any = None, dtype: Any = dtypes.float32):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def value_type(self) -> type:
        return SparseTensor

    def is_compatible_with(self, other: Any) -> bool:
        spec = other._type_spec if isinstance(other, SparseTensor) else other
        return (isinstance(spec, SparseTensorSpec) and spec._dtype == self._dtype
                and spec._shape.is_compatible_with(self._shape))

    def _key(self) -> tuple:
        return (tuple(self._shape.as_list()) if self._shape.rank is not None else None, self._dtype)

    def __repr__(self) -> str:
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"

    # ---- the composite protocol ------------------------------------------------------------------

    def _component_specs(self) -> list[tuple[tuple, np.dtype]]:
        """(shape, dtype) of indices, values and dense_shape: any number of elements."""
        if self._shape.rank is None:
            raise NotImplementedError(f"{self!r}: tapeflow needs a sparse tensor's rank known while tracing.")
        rank = self._shape.rank
        return [((None, rank), np.dtype(np.int64)), ((None,), self._dtype._np), ((rank,), np.dtype(np.int64))]

    @staticmethod
    def _to_components(value: SparseTensor) -> list:
        return [value.indices, value.values, value.dense_shape]

    def _from_components(self, components: list) -> SparseTensor:
        indices, values, dense_shape = components
        return SparseTensor._of(indices, values, dense_shape, self._shape)


class SparseTensor(CompositeTensor):
    """`values[i]` at coordinates `indices[i]` of a tensor of shape `dense_shape`; zero elsewhere."""

    __slots__ = ("indices", "values", "dense_shape", "_shape")

    def __init__(self, indices: Any, values: Any, dense_shape: Any):
        indices = _int64(indices, "indices")
        values = convert_to_tensor(values, name="values")
        dense_shape = _int64(dense_shape, "dense_shape")
        for t, rank in ((indices, 2), (values, 1), (dense_shape, 1)):
            if t.shape.rank != rank:
                raise ValueError(f"Shape {t.shape} must have rank {rank}")
        n_indices, n_values = indices.shape[0], values.shape[0]
        if None not in (n_indices, n_values) and n_indices != n_values:
            raise ValueError(f"Dimensions {n_indices} and {n_values} are not compatible")
        rank_of_indices, rank = indices.shape[1], dense_shape.shape[0]
        if None not in (rank_of_indices, rank) and rank_of_indices != rank:
            raise ValueError(f"Dimensions {rank_of_indices} and {rank} are not compatible")
        static = (TensorShape(np.asarray(dense_shape._value).tolist()) if type(dense_shape) is Tensor
                  else TensorShape([None] * rank if rank is not None else None))
        self._set(indices, values, dense_shape, static)

    @classmethod
    def _of(cls, indices: Any, values: Any, dense_shape: Any, shape: TensorShape) -> SparseTensor:
        """A sparse tensor of parts already checked (the results of sparse ops), of static `shape`."""
        result = cls.__new__(cls)
        result._set(indices, values, dense_shape, shape)
        return result

    def _set(self, indices: Any, values: Any, dense_shape: Any, shape: TensorShape) -> None:
        self.indices, self.values, self.dense_shape, self._shape = indices, values, dense_shape, shape

    @classmethod
    def from_value(cls, value: Any) -> SparseTensor:
        if isinstance(value, SparseTensor):
            return value
        raise TypeError(f"Neither a SparseTensor nor SparseTensorValue: {value}.")

    @property
    def dtype(self) -> dtypes.DType:
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def device(self) -> str:
        return DEVICE

    @property
    def _type_spec(self) -> SparseTensorSpec:
        return SparseTensorSpec(self._shape, self.dtype)

    def with_values(self, new_values: Any) -> SparseTensor:
        """The same coordinates holding `new_values` (as many, of any dtype)."""
        new_values = convert_to_tensor(new_values)
        if new_values.shape.rank != 1:
            raise ValueError(f"Shape {new_values.shape} must have rank 1")
        return SparseTensor._of(self.indices, new_values, self.dense_shape, self._shape)

    def __mul__(self, other: Any) -> SparseTensor:
        from tapeflow.ops.sparse_ops import dense_elementwise  # (the ops import this module)

        return dense_elementwise(self, other, "mul")

    def __truediv__(self, other: Any) -> SparseTensor:
        from tapeflow.ops.sparse_ops import dense_elementwise

        return dense_elementwise(self, other, "truediv")

    __div__ = __truediv__

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices!s}, values={self.values!s}, "
                f"dense_shape={self.dense_shape!s})")

    __str__ = __repr__


def _int64(value: Any, name: str) -> Any:
    """`value` as an int64 tensor: Python lists become int64; a tensor of another dtype is refused."""
    result = convert_to_tensor(value, dtype_hint=dtypes.int64, name=name)
    if result.dtype != dtypes.int64:
        raise ValueError(f"{name}: Tensor conversion requested dtype int64 for Tensor with dtype "
                         f"{result.dtype.name}: {result!r}")
    return result
