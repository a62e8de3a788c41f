"""`tf.IndexedSlices`: a gradient that touches only some rows of a tensor.

The gradient of `gather` along axis 0 is one: `values[i]` is a contribution to row `indices[i]`
of a tensor of shape `dense_shape`, repeated rows adding up. Optimizers apply it row by row
(`Variable.scatter_sub` and friends); anything else sees it through `convert_to_tensor`, which
makes it dense with `unsorted_segment_sum` (`gather_ops.to_dense`: differentiable, so second order
still works).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.tensor import DEVICE, CompositeTensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.declare import tensor


class IndexedSlices(CompositeTensor):
    """Rows `indices` of a tensor of shape `dense_shape`, holding `values` (all three are tensors)."""

    __slots__ = ("values", "indices", "dense_shape")

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None):
        self.values = tensor(values)
        self.indices = tensor(indices)
        self.dense_shape = None if dense_shape is None else tensor(dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self) -> TensorShape:
        if self.dense_shape is None:
            return TensorShape([None] + list(self.values.shape)[1:])
        return TensorShape(np.asarray(self.dense_shape._value).tolist())

    @property
    def device(self) -> str:
        return DEVICE

    def __neg__(self) -> IndexedSlices:
        return IndexedSlices(-self.values, self.indices, self.dense_shape)

    def __repr__(self) -> str:
        shape = "None" if self.dense_shape is None else np.asarray(self.dense_shape._value).tolist()
        return (f"IndexedSlices(indices={np.asarray(self.indices._value).tolist()}, values={self.values!r}, "
                f"dense_shape={shape})")
