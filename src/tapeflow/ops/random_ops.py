"""Random tensors (`tf.random.normal`, `uniform`, `truncated_normal`, `shuffle`) and TensorFlow's
two-level seeds.

TensorFlow draws from a stream chosen by a global seed (`tf.random.set_seed`) and an op seed (the
`seed=` argument):

* neither set: fresh, unreproducible numbers;
* global seed only: each random op call takes the next op seed from a sequence that the global seed
  fixes, so after `set_seed(s)` the same program draws the same numbers;
* op seed set: the stream belongs to the pair (global seed, op seed), per kind of op, and continues
  from call to call (two calls with `seed=1` differ); `set_seed` restarts every stream. Without a
  global seed, a fixed default global seed stands in, so op-seeded programs are reproducible too.

Streams are NumPy PCG64 generators seeded from the seed pair: values are reproducible within
tapeflow but are not TensorFlow's. Each draw is an op without gradient whose static parameters
include its generator; `mean`/`stddev` and `minval`/`maxval` are then applied with ordinary ops,
so gradients flow to them as in TensorFlow.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from tapeflow.framework import dtypes, errors
from tapeflow.framework.convert import convert_to_tensor
from tapeflow.framework.dtypes import FLOATS
from tapeflow.framework.op import Op, bind
from tapeflow.framework.tensor import Tensor
from tapeflow.graph.symbolic import AbstractValue
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import shape_tuple
from tapeflow.ops.declare import tensor

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "set_seed"]

DEFAULT_GLOBAL_SEED = 87654321  # stands in for the global seed when only an op seed is given (as TF)
_OP_SEED_LIMIT = 2**31 - 1
_UNIFORM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


class _Seeds:
    """The global seed, the op seeds it implies, and the streams of op-seeded ops."""

    def __init__(self):
        self.global_seed: int | None = None
        self.op_seeds: np.random.Generator | None = None
        self.streams: dict[tuple, np.random.Generator] = {}
        self.unseeded: np.random.Generator | None = None  # made on first use: numpy.random loads lazily

    def generator(self, kind: str, seed: Any) -> np.random.Generator:
        """The generator a random op of `kind` with op seed `seed` draws from now."""
        if seed is None:
            if self.global_seed is None:
                if self.unseeded is None:
                    self.unseeded = np.random.default_rng()
                return self.unseeded
            op_seed = int(self.op_seeds.integers(_OP_SEED_LIMIT))
            return _pcg((self.global_seed, op_seed))
        global_seed = DEFAULT_GLOBAL_SEED if self.global_seed is None else self.global_seed
        key = (kind, global_seed, int(seed))
        stream = self.streams.get(key)
        if stream is None:
            stream = self.streams[key] = _pcg(key[1:])
        return stream


def _pcg(seeds: tuple) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([s % 2**64 for s in seeds]))


_SEEDS = _Seeds()


def set_seed(seed: Any) -> None:
    """`tf.random.set_seed`: fix (or, with None, clear) the global seed; restarts every stream."""
    _SEEDS.global_seed = None if seed is None else int(seed)
    _SEEDS.op_seeds = None if seed is None else _pcg((int(seed),))
    _SEEDS.streams.clear()


# ---- the sampling ops (no gradient) -----------------------------------------------------------

def _in_dtype(sample: np.ndarray, dtype: np.dtype):
    return sample.astype(dtype, copy=False)[()]


def _native(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy's generators can draw directly (float16 is drawn as float32, then rounded)."""
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _truncated(generator: np.random.Generator, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Standard normal samples, redrawing those more than two standard deviations out."""
    sample = generator.standard_normal(shape, dtype=_native(dtype))
    outside = np.abs(sample) > 2
    while outside.any():
        sample[outside] = generator.standard_normal(int(outside.sum()), dtype=sample.dtype)
        outside = np.abs(sample) > 2
    return sample


# Random draws are effects: in a compiled function they draw anew on every call.
def _drawn(shape, dtype, generator):
    return [AbstractValue(shape, dtype)]


_normal_op = Op("RandomStandardNormal", lambda shape, dtype, generator: _in_dtype(
    generator.standard_normal(shape, dtype=_native(dtype)), dtype), None, effectful="draw", infer=_drawn)
_truncated_normal_op = Op("TruncatedNormal", lambda shape, dtype, generator: _in_dtype(
    _truncated(generator, shape, dtype), dtype), None, effectful="draw", infer=_drawn)
_uniform_op = Op("RandomUniform", lambda shape, dtype, generator: _in_dtype(
    generator.random(shape, dtype=_native(dtype)), dtype), None, effectful="draw", infer=_drawn)
_uniform_int_op = Op("RandomUniformInt", lambda minval, maxval, shape, generator: _in_dtype(
    generator.integers(minval, maxval, size=shape, dtype=minval.dtype), minval.dtype), None, effectful="draw",
    infer=lambda minval, maxval, shape, generator: [AbstractValue(shape, minval.dtype)])
_shuffle_op = Op("RandomShuffle", lambda value, generator: generator.permutation(value) if np.ndim(value)
                 else value, None, effectful="draw",
                 infer=lambda value, generator: [AbstractValue(value.shape, value.dtype)])


def _shape(shape: Any, op: Op) -> tuple:
    if isinstance(shape, int | np.integer) or isinstance(shape, Tensor) and not np.ndim(shape._value):
        raise errors.InvalidArgumentError(
            None, None, f"shape must be a vector of {{int32,int64}}, got shape [] [Op:{op.name}]")
    dims = shape_tuple(shape)
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"Dimension {d} must be >= 0 [Op:{op.name}]")
    return dims


def _draw(op: Op, shape: Any, dtype: dtypes.DType, seed: Any) -> Tensor:
    params = {"dtype": dtype._np, "generator": _SEEDS.generator(op.name, seed)}
    if shape_ops.traced_dims(shape):  # a shape known when the code runs (`tf.shape(x)` of a traced x)
        static, packed = shape_ops.static_and_packed(shape)
        return bind(_to_runtime_shape(op), (packed,), {**params, "static": static})
    return bind(op, (), {"shape": _shape(shape, op), **params})


@functools.cache
def _to_runtime_shape(op: Op) -> Op:
    """`op` drawing a sample of the shape its input holds (its known dimensions: `static`)."""
    def kernel(shape: Any, static: tuple, **params: Any) -> Any:
        return op.kernel(shape=tuple(int(d) for d in shape), **params)

    return Op(op.name, kernel, None, effectful="draw",
              infer=lambda shape, static, dtype, generator: [AbstractValue(static, dtype)])


def _affine(sample: Tensor, scale: Tensor, offset: Tensor, default_scale: bool, default_offset: bool):
    """sample * scale + offset, skipping what the defaults make a no-op."""
    if not default_scale:
        sample = sample * scale
    return sample if default_offset else sample + offset


def _is(value: Any, number: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == number


def _normal(op: Op, shape: Any, mean: Any, stddev: Any, dtype: Any, seed: Any):
    dtype = dtypes.as_dtype(dtype)
    mean_t, stddev_t = convert_to_tensor(mean, dtype), convert_to_tensor(stddev, dtype)
    if dtype not in FLOATS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}: a random normal must be floating")
    return _affine(_draw(op, shape, dtype, seed), stddev_t, mean_t, _is(stddev, 1), _is(mean, 0))


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32, seed: Any = None,
           name: str | None = None):
    """`tf.random.normal`: samples of N(mean, stddev**2); gradients flow to `mean` and `stddev`."""
    return _normal(_normal_op, shape, mean, stddev, dtype, seed)


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     seed: Any = None, name: str | None = None):
    """`tf.random.truncated_normal`: normal samples, redrawn when more than 2 stddev from the mean."""
    return _normal(_truncated_normal_op, shape, mean, stddev, dtype, seed)


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32, seed: Any = None,
            name: str | None = None):
    """`tf.random.uniform`: samples in [minval, maxval); floats default to [0, 1), integer dtypes
    need `maxval`. Gradients flow to float `minval` and `maxval`."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value <dtype: '{dtype.name}'>. Accepted dtypes are "
                         f"(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64).")
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
        if low._value >= high._value:
            raise errors.InvalidArgumentError(
                None, None, f"Need minval < maxval, got {low._value} >= {high._value} [Op:RandomUniformInt]")
        generator = _SEEDS.generator(_uniform_int_op.name, seed)
        return bind(_uniform_int_op, (low, high), {"shape": _shape(shape, _uniform_int_op),
                                                   "generator": generator})
    default_range = maxval is None and _is(minval, 0)
    low, high = convert_to_tensor(minval, dtype), convert_to_tensor(1 if maxval is None else maxval, dtype)
    sample = _draw(_uniform_op, shape, dtype, seed)
    if default_range:
        return sample
    return _affine(sample, high - low, low, False, _is(minval, 0))


def shuffle(value: Any, seed: Any = None, name: str | None = None):
    """`tf.random.shuffle`: `value` with its first dimension randomly permuted (no gradient)."""
    return bind(_shuffle_op, (tensor(value),), {"generator": _SEEDS.generator(_shuffle_op.name, seed)})
