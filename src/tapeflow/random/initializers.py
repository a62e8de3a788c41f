"""TensorFlow's random initializers (`tf.random_normal_initializer`, `tf.random_uniform_initializer`).

As TF 2's `init_ops_v2`: with a seed s they call the stateless op with seed [s, 0] (so every call
gives the same tensor); without one, the stateful op (a new draw each call)."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.ops.initializers import Initializer
from tapeflow.random import random_ops, stateless

__all__ = ["random_normal_initializer", "random_uniform_initializer"]


def _floating(dtype: Any) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype.kind != "float":
        raise ValueError(f"Argument `dtype` is expected to be floating point. Received: {dtype}.")
    return dtype


class random_normal_initializer(Initializer):  # noqa: N801 - TensorFlow's names
    """`tf.random_normal_initializer(mean, stddev, seed)`: draws from a normal distribution."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: Any = None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = dtypes.float32, **kwargs: Any) -> Any:
        dtype = _floating(dtype)
        if self.seed is not None:
            return stateless.stateless_normal(shape, [self.seed, 0], self.mean, self.stddev, dtype)
        return random_ops.normal(shape, self.mean, self.stddev, dtype)

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
        if self.seed is not None:
            return stateless.stateless_uniform(shape, [self.seed, 0], self.minval, self.maxval, dtype)
        return random_ops.uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}
