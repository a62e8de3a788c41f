"""TensorFlow's initializers (`tf.zeros_initializer`, `tf.ones_initializer`, `tf.constant_initializer`,
`tf.random_normal_initializer`, `tf.random_uniform_initializer`): objects that make a tensor of a
given shape and dtype when called, typically as a `tf.Variable`'s initial value."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.ops.creation_ops import constant, ones, zeros
from tapeflow.ops.random_ops import normal, uniform

__all__ = ["constant_initializer", "ones_initializer", "random_normal_initializer",
           "random_uniform_initializer", "zeros_initializer"]


class Initializer:
    """`init(shape, dtype)` makes the tensor; `get_config()`/`from_config()` round-trip the settings."""

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


class zeros_initializer(Initializer):  # noqa: N801 - TensorFlow's names
    """`tf.zeros_initializer`: zeros (float32 unless `dtype` says otherwise)."""

    def __call__(self, shape: Any, dtype: Any = dtypes.float32, **kwargs: Any) -> Any:
        return zeros(shape, dtype)


class ones_initializer(Initializer):  # noqa: N801
    """`tf.ones_initializer`: ones (float32 unless `dtype` says otherwise)."""

    def __call__(self, shape: Any, dtype: Any = dtypes.float32, **kwargs: Any) -> Any:
        return ones(shape, dtype)


class constant_initializer(Initializer):  # noqa: N801
    """`tf.constant_initializer(value)`: `value` everywhere, or a list of values filling the shape."""

    def __init__(self, value: Any = 0):
        self.value = value

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return constant(self.value, dtype, shape)

    def get_config(self) -> dict:
        return {"value": self.value}


def _floating(dtype: Any) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype.kind != "float":
        raise ValueError(f"Argument `dtype` is expected to be floating point. Received: {dtype}.")
    return dtype


class random_normal_initializer(Initializer):  # noqa: N801
    """`tf.random_normal_initializer(mean, stddev, seed)`: draws from a normal distribution."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = dtypes.float32, **kwargs: Any) -> Any:
        return normal(shape, self.mean, self.stddev, _floating(dtype), self.seed)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(Initializer):  # noqa: N801
    """`tf.random_uniform_initializer(minval, maxval, seed)`: draws uniformly from [minval, maxval)
    (integers too)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: Any = None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = dtypes.float32, **kwargs: Any) -> Any:
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind not in ("float", "int"):
            raise ValueError(f"Argument `dtype` is expected to be floating point or integer. Received: "
                             f"{dtype}.")
        return uniform(shape, self.minval, self.maxval, dtype, self.seed)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


