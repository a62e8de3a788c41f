"""`tf.nn.dropout` and `tf.nn.experimental.stateless_dropout`: TensorFlow's masks.

Dropout keeps x * (1 / (1 - rate)) where a uniform draw of x's dtype is >= rate and gives 0
elsewhere, as TensorFlow computes it (`where(u >= rate, x * scale, 0)`, the scale rounded to x's
dtype first when rate is a number, `x / (1 - rate)` when it is a tensor). A number rate of 0 returns x
but still takes an op seed, so later draws are the same with or without it (as TF)."""

from __future__ import annotations

from typing import Any

from tapeflow.core.convert import convert_to_tensor
from tapeflow.ops import math_ops, shape_ops
from tapeflow.ops.declare import tensor
from tapeflow.random import random_ops, seeds, stateless

__all__ = ["dropout", "stateless_dropout"]


def _dropout(x: Any, rate: Any, noise_shape: Any, sampler: Any, skipped: Any) -> Any:
    x = tensor(x)
    number = isinstance(rate, int | float) and not isinstance(rate, bool)
    if number and not 0 <= rate < 1:
        raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: "
                         f"rate={rate}")
    if not x.dtype.is_floating:
        raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
                         f"x_dtype={x.dtype}")
    if number and rate == 0:
        skipped()
        return x
    if number:
        kept = x * convert_to_tensor(1 / (1 - rate), x.dtype)
        rate_t = convert_to_tensor(rate, x.dtype)
    else:
        rate_t = math_ops.cast(rate, x.dtype)
        kept = x / (convert_to_tensor(1, x.dtype) - rate_t)
    shape = shape_ops.shape_of(x) if noise_shape is None else noise_shape
    mask = sampler(shape, x.dtype) >= rate_t
    return math_ops.where(mask, kept, convert_to_tensor(0, x.dtype))


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: Any = None, name: str | None = None) -> Any:
    """`tf.nn.dropout`: each element (or each slice that `noise_shape` picks) kept with probability
    1 - rate and scaled by 1 / (1 - rate), else zero; the mask is a stateful uniform draw."""
    return _dropout(x, rate, noise_shape,
                    lambda shape, dtype: random_ops.uniform(shape, dtype=dtype, seed=seed),
                    lambda: seeds.get_seed(seed))


def stateless_dropout(x: Any, rate: Any, seed: Any, rng_alg: Any = None, noise_shape: Any = None,
                      name: str | None = None) -> Any:
    """`tf.nn.experimental.stateless_dropout`: `dropout` with a stateless uniform mask of `seed`."""
    return _dropout(x, rate, noise_shape,
                    lambda shape, dtype: stateless.stateless_uniform(shape, seed=seed, dtype=dtype),
                    lambda: None)


