"""The stateful random ops (`tf.random.uniform`, `normal`, `truncated_normal`, `shuffle`,
`categorical`, `poisson`, `gamma`), drawing TensorFlow's numbers.

Each draw is an op with the "draw" effect and no gradient; its static parameters include the
stream it draws from (a `seeds.Kernel`, or a `Generator`), so in a compiled function it draws anew
on every call, in program order. The Python-level arithmetic TensorFlow's wrappers do (`rnd *
stddev + mean`, `rnd * (maxval - minval) + minval`) is done with ordinary ops, in the same order and
dtype, so the values match and gradients flow to mean, stddev, minval and maxval.
"""

from __future__ import annotations

import functools
import math
import os
from typing import Any

import numpy as np

from tapeflow import config
from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS
from tapeflow.core.op import DRAW, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import shape_tuple
from tapeflow.ops.array_ops import broadcast_to
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import maximum
from tapeflow.random import gamma_grad, gamma_kernel, philox, poisson_kernel, seeds

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "categorical", "poisson", "gamma"]

UNIFORM_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def _size(shape: tuple) -> int:
    return math.prod(shape)


def _drawn(shape, dtype, source):
    return [AbstractValue(shape, dtype)]


def fill_op(name: str, fill: Any) -> Op:
    """The draw op `name`: a sample of `shape` and `dtype` from `source`."""
    def kernel(shape: tuple, dtype: np.dtype, source: Any) -> np.ndarray:
        n = _size(shape)
        return fill(*source.take(n), n, dtype).reshape(shape)

    return Op(name, kernel, None, effect=DRAW, infer=_drawn)


UNIFORM = fill_op("RandomUniform", philox.uniform)
NORMAL = fill_op("RandomStandardNormal", philox.normal)
TRUNCATED_NORMAL = fill_op("TruncatedNormal", philox.truncated_normal)


def _uniform_int_kernel(minval: np.ndarray, maxval: np.ndarray, shape: tuple, source: Any) -> np.ndarray:
    n = _size(shape)
    return philox.uniform_int(*source.take(n), n, int(minval), int(maxval), minval.dtype).reshape(shape)


UNIFORM_INT = Op("RandomUniformInt", _uniform_int_kernel, None, effect=DRAW,
                 infer=lambda minval, maxval, shape, source: [AbstractValue(shape, minval.dtype)])


def check_shape(shape: Any, op_name: str) -> tuple:
    """A static shape argument as a tuple, with TensorFlow's errors."""
    if isinstance(shape, int | np.integer) or isinstance(shape, Tensor) and not np.ndim(shape._value):
        raise errors.InvalidArgumentError(
            None, None, f"shape must be a vector of {{int32,int64}}, got shape [] [Op:{op_name}]")
    dims = shape_tuple(shape, op_name, "T")
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"Dimension {d} must be >= 0 [Op:{op_name}]")
    return dims


def draw(op: Op, shape: Any, dtype: dtypes.DType, source: Any) -> Tensor:
    """Bind the draw `op` of `shape` (static, or known when the code runs) from `source`."""
    params = {"dtype": dtype._np, "source": source}
    if shape_ops.traced_dims(shape):  # a shape known when the code runs (`tf.shape(x)` of a traced x)
        static, packed = shape_ops.static_and_packed(shape)
        return bind(_to_runtime_shape(op), (packed,), {**params, "static": static})
    return bind(op, (), {"shape": check_shape(shape, op.name), **params})


@functools.cache
def _to_runtime_shape(op: Op) -> Op:
    """`op` drawing a sample of the shape its input holds (its known dimensions: `static`)."""
    def kernel(shape: Any, static: tuple, **params: Any) -> Any:
        return op.kernel(shape=tuple(int(d) for d in shape), **params)

    return Op(op.name, kernel, None, effect=DRAW,
              infer=lambda shape, static, dtype, source: [AbstractValue(static, dtype)])


def is_int(value: Any, number: int) -> bool:
    """Whether `value` is the Python int `number` (TF's wrappers test `isinstance(v, int)`)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == number


def _is(value: Any, number: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == number


def scale_and_shift(sample: Tensor, stddev: Any, mean: Any, dtype: dtypes.DType) -> Tensor:
    """`sample * stddev + mean` in `dtype`, as two ops (skipping a multiply by 1 and an add of 0,
    which change no value)."""
    stddev_t, mean_t = convert_to_tensor(stddev, dtype), convert_to_tensor(mean, dtype)
    if not _is(stddev, 1):
        sample = sample * stddev_t
    return sample if _is(mean, 0) else sample + mean_t


def check_float(dtype: Any) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in FLOATS:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}: a random normal must be floating")
    return dtype


def _stateful(op: Op, dtype: dtypes.DType, seed: Any) -> seeds.Kernel:
    return seeds.kernel(op.name, dtype.name, seeds.get_seed(seed), seed is not None)


def _normal_like(op: Op, shape: Any, mean: Any, stddev: Any, dtype: Any, seed: Any) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    for value in (mean, stddev):  # TF's conversion errors come before the dtype check
        convert_to_tensor(value, dtype)
    dtype = check_float(dtype)
    return scale_and_shift(draw(op, shape, dtype, _stateful(op, dtype, seed)), stddev, mean, dtype)


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32, seed: Any = None,
           name: str | None = None) -> Tensor:
    """`tf.random.normal`: samples of N(mean, stddev**2); gradients flow to `mean` and `stddev`."""
    return _normal_like(NORMAL, shape, mean, stddev, dtype, seed)


def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     seed: Any = None, name: str | None = None) -> Tensor:
    """`tf.random.truncated_normal`: normal samples, redrawn when 2 stddev or more from the mean."""
    return _normal_like(TRUNCATED_NORMAL, shape, mean, stddev, dtype, seed)


def check_uniform_dtype(dtype: Any) -> dtypes.DType:
    dtype = dtypes.as_dtype(dtype)
    if dtype not in UNIFORM_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value <dtype: '{dtype.name}'>. Accepted dtypes are "
                         f"(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64).")
    return dtype


def int_bounds(minval: Any, maxval: Any, dtype: dtypes.DType, op_name: str) -> tuple[Tensor, Tensor]:
    low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
    if type(low) is Tensor and type(high) is Tensor and low._value >= high._value:
        raise errors.InvalidArgumentError(
            None, None, f"Need minval < maxval, got {low._value} >= {high._value} [Op:{op_name}]")
    return low, high


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32, seed: Any = None,
            name: str | None = None) -> Tensor:
    """`tf.random.uniform`: samples in [minval, maxval); floats default to [0, 1), integer dtypes
    need `maxval`. With minval the int 0 and maxval the int 1 (or None) the raw draw is returned;
    with minval the int 0, `rnd * maxval`; else `rnd * (maxval - minval) + minval`."""
    dtype = check_uniform_dtype(dtype)
    if dtype.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        low, high = int_bounds(minval, maxval, dtype, UNIFORM_INT.name)
        source = _stateful(UNIFORM_INT, dtype, seed)
        shape = check_shape(shape, UNIFORM_INT.name)
        return bind(UNIFORM_INT, (low, high), {"shape": shape, "source": source})
    maxval = 1 if maxval is None else maxval
    low_is_zero, high_is_one = is_int(minval, 0), is_int(maxval, 1)
    if not (low_is_zero and high_is_one):
        low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
    sample = draw(UNIFORM, shape, dtype, _stateful(UNIFORM, dtype, seed))
    if low_is_zero:
        return sample if high_is_one else sample * high
    return sample * (high - low) + low


# ---- shuffle ---------------------------------------------------------------------------------------

def _shuffle_kernel(value: np.ndarray, source: Any) -> np.ndarray:
    """TF's RandomShuffle: a forward Fisher-Yates shuffle of the first axis, swapping i with
    i + w_i % (size - i), reading one word per swap from ceil((size - 1) / 4) reserved blocks."""
    size = len(value) if np.ndim(value) else 0
    if size <= 1:
        return value
    return value[philox.shuffled_order(source.key, source.reserve(-(-(size - 1) // 4)), size)]


SHUFFLE = Op("RandomShuffle", _shuffle_kernel, None, effect=DRAW,
             infer=lambda value, source: [AbstractValue(value.shape, value.dtype)])


def shuffle(value: Any, seed: Any = None, name: str | None = None) -> Tensor:
    """`tf.random.shuffle`: `value` with its first dimension randomly permuted (no gradient)."""
    value = tensor(value)
    return bind(SHUFFLE, (value,), {"source": _stateful(SHUFFLE, value.dtype, seed)})


# ---- categorical -----------------------------------------------------------------------------------

def intra_op_threads() -> int:
    """The thread count TF's CPU kernels would shard over: `tf.config.threading`'s intra-op setting,
    else the CPUs this process may run on."""
    threads = config.threading.get_intra_op_parallelism_threads()
    if threads:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def shards(total: int, cost: int, threads: int) -> list[tuple[int, int]]:
    """The row ranges Eigen's `parallelFor` splits `total` rows of `cost` cycles into over `threads`
    threads (its cost model and block-size heuristic), which TF's Multinomial kernel depends on."""
    if total <= 1 or threads <= 1 or min(threads, max(1, int((total * cost - 100000) / 100000 + 0.9))) == 1:
        return [(0, total)]
    block_size = min(total, max(-(-total // (4 * threads)), int(1.0 / (cost / 40000))))
    max_block_size = min(total, 2 * block_size)
    count = -(-total // block_size)
    efficiency = count / (-(-count // threads) * threads)
    previous = count
    while efficiency < 1.0 and previous > 1:
        coarser = -(-total // (previous - 1))
        if coarser > max_block_size:
            break
        coarser_count = -(-total // coarser)
        previous = coarser_count
        coarser_efficiency = coarser_count / (-(-coarser_count // threads) * threads)
        if coarser_efficiency + 0.01 >= efficiency:
            block_size, count = coarser, coarser_count
            efficiency = max(efficiency, coarser_efficiency)
    return [(start, min(start + block_size, total)) for start in range(0, total, block_size)]


def multinomial(logits: np.ndarray, num_samples: int, dtype: np.dtype, key: tuple[int, int], counter: int,
                threads: int) -> np.ndarray:
    """TF's CPU Multinomial: per row, the cumulative sum (float64) of exp(logit - max) over the
    finite logits, and per sample the upper bound of D * total, where D is a double from two words.
    Each shard of rows reads the stream from block start_row * (num_samples + 3) // 4 on."""
    batch, classes = logits.shape
    out = np.zeros((batch, num_samples), dtype)
    if batch == 0 or num_samples == 0 or classes == 0:
        return out
    wide = logits.astype(np.float64)
    finite = np.isfinite(wide)
    lowest = float(np.finfo(logits.dtype).min)
    top = np.where(finite, wide, lowest).max(axis=1, keepdims=True)
    cdf = np.cumsum(np.where(finite, np.exp(wide - top), 0.0), axis=1)
    cost = int(50 * (num_samples * math.log(classes) / math.log(2) + classes))
    for start, limit in shards(batch, cost, threads):
        w = philox.words(key, counter + start * (num_samples + 3) // 4, 2 * num_samples * (limit - start))
        found = philox.float64_from_pairs(w[0::2], w[1::2]).reshape(limit - start, num_samples)
        for row in range(start, limit):
            out[row] = np.searchsorted(cdf[row], found[row - start] * cdf[row, -1], side="right")
    return out


def _multinomial_kernel(logits: np.ndarray, num_samples: int, dtype: np.dtype, source: Any) -> np.ndarray:
    counter = source.reserve(logits.shape[0] * ((num_samples + 3) // 4 * 4) * 2 * philox.BLOCKS_PER_OUTPUT)
    return multinomial(logits, num_samples, dtype, source.key, counter, intra_op_threads())


def categorical_infer(logits, num_samples, dtype, **params):
    return [AbstractValue((logits.shape[0], num_samples), dtype)]


MULTINOMIAL = Op("Multinomial", _multinomial_kernel, None, effect=DRAW, infer=categorical_infer)


def categorical_args(logits: Any, num_samples: Any, dtype: Any, op_name: str) -> tuple:
    logits = tensor(logits)
    dtype = dtypes.int64 if dtype is None else dtypes.as_dtype(dtype)
    if dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"Argument `dtype` got invalid value {dtype}. Accepted dtypes are (tf.int32, "
                         f"tf.int64).")
    if len(logits.shape) != 2:
        raise errors.InvalidArgumentError(
            None, None, f"logits should be a matrix, got shape {list(logits.shape)} [Op:{op_name}]")
    return logits, {"num_samples": int(getattr(num_samples, "_value", num_samples)), "dtype": dtype._np}


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None,
                name: str | None = None) -> Tensor:
    """`tf.random.categorical`: for each row of `logits` (unnormalised log-probabilities of the
    classes), `num_samples` drawn class indices (int64 by default). Not differentiable."""
    logits, params = categorical_args(logits, num_samples, dtype, MULTINOMIAL.name)
    # TF's kernel cache tells kernels apart by logits and output dtype
    source = seeds.kernel(MULTINOMIAL.name, (logits.dtype.name, params["dtype"].name), seeds.get_seed(seed),
                          seed is not None)
    return bind(MULTINOMIAL, (logits,), {**params, "source": source})


# ---- Poisson ---------------------------------------------------------------------------------------

def _poisson_kernel(lam: np.ndarray, shape: tuple, dtype: np.dtype, source: Any) -> np.ndarray:
    num_samples = _size(shape)
    if num_samples == 0 or lam.size == 0:  # (TF reserves nothing then)
        return np.zeros(shape + lam.shape, dtype)
    samples = poisson_kernel.poisson(*source.take(num_samples * lam.size), lam, num_samples, dtype)
    return samples.reshape(shape + lam.shape)


POISSON = Op("RandomPoissonV2", _poisson_kernel, unregistered=True, effect=DRAW,
             infer=lambda lam, shape, dtype, source: [AbstractValue(shape + lam.shape, dtype)])


def poisson(shape: Any, lam: Any, dtype: Any = dtypes.float32, seed: Any = None,
            name: str | None = None) -> Tensor:
    """`tf.random.poisson`: Poisson samples of rate `lam`, of shape `shape + lam.shape` (no gradient)."""
    dtype = dtypes.as_dtype(dtype)
    lam = convert_to_tensor(lam, dtype_hint=dtypes.float32)
    source = _stateful(POISSON, dtype, seed)
    return bind(POISSON, (lam,), {"shape": check_shape(shape, POISSON.name), "dtype": dtype._np,
                                  "source": source})


# ---- gamma -----------------------------------------------------------------------------------------

def _gamma_kernel(alpha: np.ndarray, shape: tuple, source: Any) -> np.ndarray:
    num_samples = _size(shape)
    if num_samples == 0 or alpha.size == 0:  # (TF reserves nothing then)
        return np.zeros(shape + alpha.shape, alpha.dtype)
    samples = gamma_kernel.gamma(*source.take(num_samples * alpha.size), alpha, num_samples)
    return samples.reshape(shape + alpha.shape)


GAMMA = Op("RandomGamma", _gamma_kernel,
           [lambda g, y, alpha, shape, source: gamma_grad.alpha_gradient(g, alpha, y, len(shape))],
           effect=DRAW, infer=lambda alpha, shape, source: [AbstractValue(shape + alpha.shape, alpha.dtype)])


def gamma(shape: Any, alpha: Any, beta: Any = None, dtype: Any = dtypes.float32, seed: Any = None,
          name: str | None = None) -> Tensor:
    """`tf.random.gamma`: Gamma(alpha, rate beta) samples of shape `shape + broadcast(alpha, beta)`,
    at least the dtype's smallest normal number. Gradients flow to `beta`, and to `alpha` by
    TensorFlow's implicit reparameterisation (gamma_grad.py)."""
    dtype = dtypes.as_dtype(dtype)
    alpha = convert_to_tensor(alpha, dtype)
    beta = convert_to_tensor(1 if beta is None else beta, dtype)
    alpha = broadcast_to(alpha, np.broadcast_shapes(tuple(alpha.shape), tuple(beta.shape)))
    source = _stateful(GAMMA, dtype, seed)
    sample = bind(GAMMA, (alpha,), {"shape": check_shape(shape, GAMMA.name), "source": source})
    return maximum(convert_to_tensor(np.finfo(dtype._np).tiny, dtype), sample / beta)
