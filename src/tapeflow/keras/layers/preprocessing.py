"""Keras's numeric preprocessing layers: Rescaling and Normalization (with `adapt`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import backend
from tapeflow.keras.engine.base_layer import Layer
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.math_ops import cast, maximum, sqrt

__all__ = ["Normalization", "Rescaling"]


class Rescaling(Layer):
    """`inputs * scale + offset`."""

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs: Any) -> Any:
        dtype = self.dtype
        return cast(inputs, dtype) * cast(self.scale, dtype) + cast(self.offset, dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Standardises features to zero mean and unit variance along `axis`, with statistics given or
    learnt by `adapt(data)` (kept as the non-trainable weights `mean`, `variance` and `count`)."""

    def __init__(
        self, axis: Any = -1, mean: Any = None, variance: Any = None, invert: bool = False, **kwargs: Any
    ):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(
                f"When setting values directly, both `mean` and `variance` must be set. Got mean: "
                f"{mean} and variance: {variance}"
            )
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def build(self, input_shape: Any) -> None:
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else list(input_shape)
        rank = len(shape)
        self._keep_axis = tuple(sorted(a if a >= 0 else a + rank for a in self.axis))
        for a in self._keep_axis:
            if shape[a] is None:
                raise ValueError(
                    f"All `axis` values to be kept must have known shape. Got axis: {self.axis}, "
                    f"input shape: {shape}, with unknown axis at index: {a}"
                )
        self._reduce_axis = tuple(a for a in range(rank) if a not in self._keep_axis)
        self._broadcast_shape = [shape[a] if a in self._keep_axis else 1 for a in range(rank)]
        kept = [shape[a] for a in self._keep_axis]
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", shape=kept, initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", shape=kept, initializer="ones", trainable=False)
            self.count = self.add_weight(
                "count", shape=(), dtype="int64", initializer="zeros", trainable=False
            )
        self.built = True

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Set the mean and variance to those of `data` (an array, tensor or dataset of batches)."""
        if hasattr(data, "as_numpy_iterator"):
            values = np.concatenate([np.asarray(b) for b in data.as_numpy_iterator()], axis=0)
        else:
            values = np.asarray(data)
        values = values.astype(np.float64)
        if values.ndim == 1:
            values = values[:, None]
        if not self.built:
            self.build(TensorShape(values.shape))
        axes = self._reduce_axis
        self.adapt_mean.assign(np.mean(values, axis=axes).astype(np.float32).reshape(self.adapt_mean.shape))
        self.adapt_variance.assign(
            np.var(values, axis=axes).astype(np.float32).reshape(self.adapt_variance.shape)
        )
        self.count.assign(int(np.prod([values.shape[a] for a in axes])))

    def _statistics(self) -> tuple:
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, np.float32), self._broadcast_shape)
            variance = np.broadcast_to(np.asarray(self.input_variance, np.float32), self._broadcast_shape)
            return mean, variance
        return (
            reshape(self.adapt_mean, self._broadcast_shape),
            reshape(self.adapt_variance, self._broadcast_shape),
        )

    def call(self, inputs: Any) -> Any:
        mean, variance = self._statistics()
        inputs = cast(inputs, self.dtype)
        if self.invert:
            return mean + inputs * maximum(sqrt(variance), backend.epsilon())
        return (inputs - mean) / maximum(sqrt(variance), backend.epsilon())

    def get_config(self) -> dict:
        mean = None if self.input_mean is None else np.asarray(self.input_mean).tolist()
        variance = None if self.input_variance is None else np.asarray(self.input_variance).tolist()
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": mean,
            "variance": variance,
        }
