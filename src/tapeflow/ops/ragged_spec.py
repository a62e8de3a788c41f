"""`tf.RaggedTensorSpec`: the type of a ragged tensor — its static shape (the ragged dimensions
unknown), dtype and ragged rank. `tf.function` traces once per spec, and datasets describe ragged
elements by it. Its components are TensorFlow's: the flat values, then each level's row splits.

A spec of ragged rank 0 describes a dense tensor (TensorFlow's rows of a ragged tensor of ragged
rank 1, as `from_tensor_slices` or `unbatch` give them): its value is a plain tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.composite_spec import CompositeSpec


class RaggedTensorSpec(CompositeSpec):
    """`tf.RaggedTensorSpec(shape, dtype, ragged_rank, row_splits_dtype)`."""

    __slots__ = ("_ragged_rank", "_row_splits_dtype")
    value_type: type  # RaggedTensor, set by ragged_tensor.py

    def __init__(self, shape: Any = None, dtype: Any = dtypes.float32, ragged_rank: int | None = None,
                 row_splits_dtype: Any = dtypes.int64, flat_values_spec: Any = None):
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        if self._shape.rank is None:
            raise NotImplementedError("tapeflow needs a RaggedTensorSpec's rank known.")
        self._ragged_rank = self._shape.rank - 1 if ragged_rank is None else int(ragged_rank)
        if not 0 <= self._ragged_rank < max(self._shape.rank, 1):
            raise ValueError(f"ragged_rank must be non-negative and less than the rank of shape "
                             f"({self._shape.rank}), got {self._ragged_rank}")

    @property
    def ragged_rank(self) -> int:
        return self._ragged_rank

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return self._row_splits_dtype

    def is_compatible_with(self, other: Any) -> bool:
        spec = other._type_spec if hasattr(other, "_type_spec") else other
        return (isinstance(spec, RaggedTensorSpec) and spec._dtype == self._dtype
                and spec._ragged_rank == self._ragged_rank
                and spec._row_splits_dtype == self._row_splits_dtype
                and spec._shape.is_compatible_with(self._shape))

    def most_specific_compatible_type(self, other: RaggedTensorSpec) -> RaggedTensorSpec:
        dims = zip(self._shape.as_list(), other._shape.as_list())
        shape = TensorShape([a if a == b else None for a, b in dims])
        return RaggedTensorSpec(shape, self._dtype, self._ragged_rank, self._row_splits_dtype)

    def _batch(self, size: int | None) -> RaggedTensorSpec:
        """The spec of `size` values of this spec batched: one ragged dimension more."""
        return RaggedTensorSpec([size, *self._shape.as_list()], self._dtype, self._ragged_rank + 1,
                                self._row_splits_dtype)

    def _unbatch(self) -> RaggedTensorSpec:
        return RaggedTensorSpec(self._shape.as_list()[1:], self._dtype, self._ragged_rank - 1,
                                self._row_splits_dtype)

    def _key(self) -> tuple:
        return tuple(self._shape.as_list()), self._dtype, self._ragged_rank, self._row_splits_dtype

    def __repr__(self) -> str:
        return (f"RaggedTensorSpec({self._shape!r}, {self._dtype!r}, {self._ragged_rank}, "
                f"{self._row_splits_dtype!r})")

    # ---- the composite protocol ------------------------------------------------------------------

    def _component_specs(self) -> list[tuple[tuple, np.dtype]]:
        dims = self._shape.as_list()
        if not self._ragged_rank:
            return [(tuple(dims), self._dtype._np)]
        outer = None if dims[0] is None else dims[0] + 1
        kind = self._row_splits_dtype._np
        splits = [((outer,), kind)] + [((None,), kind)] * (self._ragged_rank - 1)
        return [((None, *dims[self._ragged_rank + 1:]), self._dtype._np), *splits]

    def _to_components(self, value: Any) -> list:
        if not self._ragged_rank:
            return [value]
        return [value.flat_values, *value.nested_row_splits]

    def _from_components(self, components: list) -> Any:
        if not self._ragged_rank:
            return components[0]
        flat, *splits = components
        return self.value_type.from_nested_row_splits(flat, splits, validate=False)
