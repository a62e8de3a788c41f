"""TensorFlow's initializers (`tf.zeros_initializer`, `tf.ones_initializer`, `tf.constant_initializer`):
objects that make a tensor of a given shape and dtype when called, typically as a `tf.Variable`'s
initial value. The random ones live in tapeflow.random.initializers."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.ops.creation_ops import constant, ones, zeros

__all__ = ["constant_initializer", "ones_initializer", "zeros_initializer"]


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
