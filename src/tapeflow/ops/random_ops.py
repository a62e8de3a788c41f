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

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS
from tapeflow.core.op import DRAW, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import shape_tuple
from tapeflow.ops.declare import tensor

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "set_seed", "categorical", "poisson",
           "stateless_normal", "stateless_truncated_normal", "stateless_uniform", "stateless_categorical",
           "split", "fold_in", "Generator", "get_global_generator", "set_global_generator"]

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


# Leading words of the seeds of streams that are not the op-seeded ones, so that no two kinds share one.
_STATELESS_STREAMS, _SPLIT_STREAMS, _FOLD_IN_STREAMS, _GENERATOR_STREAMS = 0x5EED1, 0x5EED2, 0x5EED3, 0x5EED4


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
    generator.standard_normal(shape, dtype=_native(dtype)), dtype), None, effect=DRAW, infer=_drawn)
_truncated_normal_op = Op("TruncatedNormal", lambda shape, dtype, generator: _in_dtype(
    _truncated(generator, shape, dtype), dtype), None, effect=DRAW, infer=_drawn)
_uniform_op = Op("RandomUniform", lambda shape, dtype, generator: _in_dtype(
    generator.random(shape, dtype=_native(dtype)), dtype), None, effect=DRAW, infer=_drawn)
_uniform_int_op = Op("RandomUniformInt", lambda minval, maxval, shape, generator: _in_dtype(
    generator.integers(minval, maxval, size=shape, dtype=minval.dtype), minval.dtype), None, effect=DRAW,
    infer=lambda minval, maxval, shape, generator: [AbstractValue(shape, minval.dtype)])
_shuffle_op = Op("RandomShuffle", lambda value, generator: generator.permutation(value) if np.ndim(value)
                 else value, None, effect=DRAW,
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


def _draw(op: Op, shape: Any, dtype: dtypes.DType, generator: np.random.Generator) -> Tensor:
    params = {"dtype": dtype._np, "generator": generator}
    if shape_ops.traced_dims(shape):  # a shape known when the code runs (`tf.shape(x)` of a traced x)
        static, packed = shape_ops.static_and_packed(shape)
        return bind(_to_runtime_shape(op), (packed,), {**params, "static": static})
    return bind(op, (), {"shape": _shape(shape, op), **params})


@functools.cache
def _to_runtime_shape(op: Op) -> Op:
    """`op` drawing a sample of the shape its input holds (its known dimensions: `static`)."""
    def kernel(shape: Any, static: tuple, **params: Any) -> Any:
        return op.kernel(shape=tuple(int(d) for d in shape), **params)

    return Op(op.name, kernel, None, effect=DRAW,
              infer=lambda shape, static, dtype, generator: [AbstractValue(static, dtype)])


def _affine(sample: Tensor, scale: Tensor, offset: Tensor, default_scale: bool, default_offset: bool):
    """sample * scale + offset, skipping what the defaults make a no-op."""
    if not default_scale:
        sample = sample * scale
    return sample if default_offset else sample + offset


def _is(value: Any, number: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == number


def _normal(op: Op, shape: Any, mean: Any, stddev: Any, dtype: Any, generator: np.random.Generator):
    dtype = dtypes.as_dtype(dtype)
    mean_t, stddev_t = convert_to_tensor(mean, dtype), convert_to_tensor(stddev, dtype)
    if dtype not in FLOATS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}: a random normal must be floating")
    return _affine(_draw(op, shape, dtype, generator), stddev_t, mean_t, _is(stddev, 1), _is(mean, 0))


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32, seed: Any = None,
           name: str | None = None):
    """`tf.random.normal`: samples of N(mean, stddev**2); gradients flow to `mean` and `stddev`."""
    return _normal(_normal_op, shape, mean, stddev, dtype, _SEEDS.generator(_normal_op.name, seed))


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     seed: Any = None, name: str | None = None):
    """`tf.random.truncated_normal`: normal samples, redrawn when more than 2 stddev from the mean."""
    generator = _SEEDS.generator(_truncated_normal_op.name, seed)
    return _normal(_truncated_normal_op, shape, mean, stddev, dtype, generator)


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32, seed: Any = None,
            name: str | None = None):
    """`tf.random.uniform`: samples in [minval, maxval); floats default to [0, 1), integer dtypes
    need `maxval`. Gradients flow to float `minval` and `maxval`."""
    return _uniform(shape, minval, maxval, dtype, lambda op: _SEEDS.generator(op.name, seed))


def _uniform(shape: Any, minval: Any, maxval: Any, dtype: Any, generator_for: Any):
    """`uniform`, drawing from `generator_for(op)`."""
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
        return bind(_uniform_int_op, (low, high), {"shape": _shape(shape, _uniform_int_op),
                                                   "generator": generator_for(_uniform_int_op)})
    default_range = maxval is None and _is(minval, 0)
    low, high = convert_to_tensor(minval, dtype), convert_to_tensor(1 if maxval is None else maxval, dtype)
    sample = _draw(_uniform_op, shape, dtype, generator_for(_uniform_op))
    if default_range:
        return sample
    return _affine(sample, high - low, low, False, _is(minval, 0))


def shuffle(value: Any, seed: Any = None, name: str | None = None):
    """`tf.random.shuffle`: `value` with its first dimension randomly permuted (no gradient)."""
    return bind(_shuffle_op, (tensor(value),), {"generator": _SEEDS.generator(_shuffle_op.name, seed)})


# ---- categorical and Poisson draws ---------------------------------------------------------------

def _categorical_kernel(logits, num_samples, dtype, generator):
    """For each row, `num_samples` class indices drawn with probabilities softmax(logits): the
    largest of logits plus Gumbel noise (a class of logit -inf is never drawn)."""
    noise = -np.log(-np.log(generator.random((logits.shape[0], num_samples, logits.shape[1]))))
    return np.argmax(logits[:, None, :].astype(np.float64) + noise, axis=-1).astype(dtype)


def _categorical_infer(logits, num_samples, dtype, generator):
    return [AbstractValue((logits.shape[0], num_samples), dtype)]


_categorical_op = Op("Multinomial", _categorical_kernel, None, effect=DRAW, infer=_categorical_infer)


def _categorical_args(logits: Any, num_samples: Any, dtype: Any, op_name: str) -> tuple:
    logits = tensor(logits)
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are (tf.int32, "
                         f"tf.int64).")
    if logits._value.ndim != 2:
        raise errors.InvalidArgumentError(
            None, None, f"logits should be a matrix, got shape {list(logits._value.shape)} [Op:{op_name}]")
    return logits, {"num_samples": int(getattr(num_samples, "_value", num_samples)), "dtype": dtype._np}


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None, name: str | None = None):
    """`tf.random.categorical`: for each row of `logits` (unnormalised log-probabilities of the
    classes), `num_samples` drawn class indices (int64 by default). Not differentiable."""
    logits, params = _categorical_args(logits, num_samples, dtype, "Multinomial")
    return bind(_categorical_op, (logits,), {**params, "generator": _SEEDS.generator("Multinomial", seed)})


_poisson_op = Op("RandomPoissonV2", lambda lam, shape, dtype, generator: _in_dtype(
    generator.poisson(lam, size=shape + np.shape(lam)), dtype), None, effect=DRAW,
    infer=lambda lam, shape, dtype, generator: [AbstractValue(shape + lam.shape, dtype)])


def poisson(shape: Any, lam: Any, dtype: Any = dtypes.float32, seed: Any = None, name: str | None = None):
    """`tf.random.poisson`: Poisson samples of rate `lam`, of shape `shape + lam.shape` (no gradient)."""
    dtype = dtypes.as_dtype(dtype)
    lam = convert_to_tensor(lam, dtype_hint=dtypes.float32)
    generator = _SEEDS.generator(_poisson_op.name, seed)
    return bind(_poisson_op, (lam,), {"shape": _shape(shape, _poisson_op), "dtype": dtype._np,
                                      "generator": generator})


# ---- stateless draws: a function of their seed -----------------------------------------------------

def _seed_pair(seed: Any, op_name: str) -> Any:
    seed = tensor(seed)
    if seed._value.shape != (2,):
        raise errors.InvalidArgumentError(
            None, None, f"seed must have shape [2], not {list(seed._value.shape)} [Op:{op_name}]")
    if seed.dtype not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None, None, f"seed must be int32 or int64, got {seed.dtype.name} [Op:{op_name}]")
    return seed


def _stateless(op: Op) -> Op:
    """`op`, drawing from a generator made from its first input, a seed pair: the same seed gives the
    same values, eagerly and compiled, and the op has no effect."""
    def kernel(seed, *inputs, **params):
        return op.kernel(*inputs, **params, generator=_pcg((_STATELESS_STREAMS, *(int(s) for s in seed))))

    infer = op.infer
    return Op("Stateless" + op.name, kernel, None,
              infer=None if infer is None else lambda seed, *inputs, **params: infer(*inputs, **params,
                                                                                     generator=None))


_STATELESS = {op.name: _stateless(op)
              for op in (_normal_op, _truncated_normal_op, _uniform_op, _uniform_int_op, _categorical_op)}


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     name: str | None = None, alg: Any = "auto_select"):
    """`tf.random.stateless_normal`: normal samples determined by `seed` (a pair of integers)."""
    return _stateless_draw(_normal_op, shape, seed, mean, stddev, dtype)


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = dtypes.float32, name: str | None = None,
                               alg: Any = "auto_select"):
    """`tf.random.stateless_truncated_normal`: truncated normal samples determined by `seed`."""
    return _stateless_draw(_truncated_normal_op, shape, seed, mean, stddev, dtype)


def _stateless_draw(op: Op, shape: Any, seed: Any, mean: Any, stddev: Any, dtype: Any):
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}: a random normal must be floating")
    pair = _seed_pair(seed, "StatelessRandomGetKeyCounter")
    sample = bind(_STATELESS[op.name], (pair,), {"shape": _shape(shape, op), "dtype": dtype._np})
    mean_t, stddev_t = convert_to_tensor(mean, dtype), convert_to_tensor(stddev, dtype)
    return _affine(sample, stddev_t, mean_t, _is(stddev, 1), _is(mean, 0))


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                      name: str | None = None, alg: Any = "auto_select"):
    """`tf.random.stateless_uniform`: uniform samples in [minval, maxval) determined by `seed`;
    integer dtypes need both bounds."""
    dtype = dtypes.as_dtype(dtype)
    pair = _seed_pair(seed, "StatelessRandomGetKeyCounter")
    if dtype.is_integer and (minval is None) != (maxval is None) or dtype.is_integer and maxval is None:
        raise ValueError(f"For integer `dtype` argument {dtype}, argument `minval` and `maxval` must be both "
                         f"None or not None. Got `minval`={minval} and `maxval`={maxval}.")
    if dtype.is_integer:
        low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
        return bind(_STATELESS[_uniform_int_op.name], (pair, low, high),
                    {"shape": _shape(shape, _uniform_op)})
    default_range = maxval is None and _is(minval, 0)
    low, high = convert_to_tensor(minval, dtype), convert_to_tensor(1 if maxval is None else maxval, dtype)
    sample = bind(_STATELESS[_uniform_op.name], (pair,),
                  {"shape": _shape(shape, _uniform_op), "dtype": dtype._np})
    return sample if default_range else _affine(sample, high - low, low, False, _is(minval, 0))


def stateless_categorical(logits: Any, num_samples: Any, seed: Any, dtype: Any = dtypes.int64,
                          name: str | None = None):
    """`tf.random.stateless_categorical`: `categorical`, determined by `seed`."""
    logits, params = _categorical_args(logits, num_samples, dtype, "StatelessMultinomial")
    return bind(_STATELESS[_categorical_op.name], (_seed_pair(seed, "StatelessMultinomial"), logits), params)


def split(seed: Any, num: int = 2, alg: Any = "auto_select"):
    """`tf.random.split`: `num` new seed pairs (rows) derived from `seed`."""
    pair = _seed_pair(seed, "StatelessRandomGetKeyCounter")
    drawn = _pcg((_SPLIT_STREAMS, *(int(s) for s in pair._value))).integers(-(2**31), 2**31, (int(num), 2))
    return Tensor(drawn.astype(pair._value.dtype))


def fold_in(seed: Any, data: Any, alg: Any = "auto_select"):
    """`tf.random.fold_in`: a new seed pair from `seed` and the integer `data` (its second half is
    `data`, as in TensorFlow)."""
    pair = _seed_pair(seed, "StatelessRandomGetKeyCounter")
    data = int(getattr(data, "_value", data))
    first = _pcg((_FOLD_IN_STREAMS, *(int(s) for s in pair._value), data)).integers(-(2**31), 2**31)
    return Tensor(np.array([first, data], pair._value.dtype))


# ---- tf.random.Generator: a stream of its own ---------------------------------------------------

class Generator:
    """`tf.random.Generator`: random draws from a stream of its own, seeded (`from_seed`) or not
    (`from_non_deterministic_state`); inside a compiled function each call draws anew, as eagerly."""

    def __init__(self, copy_from: Any = None, state: Any = None, alg: Any = None, *, _stream: Any = None):
        if _stream is None:
            raise ValueError("Make a Generator with Generator.from_seed(seed) or "
                             "Generator.from_non_deterministic_state().")
        self._stream = _stream

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        return cls(_stream=_pcg((_GENERATOR_STREAMS, int(getattr(seed, "_value", seed)))))

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        return cls(_stream=np.random.default_rng())

    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
               name: str | None = None):
        return _normal(_normal_op, shape, mean, stddev, dtype, self._stream)

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                         name: str | None = None):
        return _normal(_truncated_normal_op, shape, mean, stddev, dtype, self._stream)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                name: str | None = None):
        return _uniform(shape, minval, maxval, dtype, lambda op: self._stream)

    def make_seeds(self, count: int = 1):
        """`count` seed pairs for the stateless functions, as the columns of an int64 [2, count] tensor."""
        return Tensor(self._stream.integers(-(2**63), 2**63 - 1, (2, int(count)), dtype=np.int64))

    def split(self, count: int = 1) -> list:
        """`count` new generators, each seeded from this one's stream."""
        seeds = self._stream.integers(2**63, size=count)
        return [Generator(_stream=_pcg((_GENERATOR_STREAMS, int(s)))) for s in seeds]


_GLOBAL_GENERATOR: list = []


def get_global_generator() -> Generator:
    """`tf.random.get_global_generator`: the generator made (unseeded) on first use, or the one set."""
    if not _GLOBAL_GENERATOR:
        _GLOBAL_GENERATOR.append(Generator.from_non_deterministic_state())
    return _GLOBAL_GENERATOR[0]


def set_global_generator(generator: Generator) -> None:
    """`tf.random.set_global_generator`: replace the global generator."""
    _GLOBAL_GENERATOR[:] = [generator]
