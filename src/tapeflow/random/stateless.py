"""The stateless random ops (`tf.random.stateless_*`, `split`, `fold_in`): draws that are a
function of a seed pair, TensorFlow's numbers.

A seed pair (int32 or int64, sign-extended to 64 bits) becomes a Philox key and counter through one
Philox block (`philox.stateless_key_counter`); the same fill rules as the stateful ops then apply.
The seed is an input of the op, so these ops have no effect: traced, they are ordinary equations.
"""

from __future__ import annotations

import enum
import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.array_ops import broadcast_to, stack
from tapeflow.ops.declare import tensor
from tapeflow.ops.math_ops import maximum
from tapeflow.random import (
    binomial_kernel,
    gamma_grad,
    gamma_kernel,
    index_shuffle,
    philox,
    poisson_kernel,
    truncated_normal_kernel,
)
from tapeflow.random.random_ops import (
    categorical_args,
    categorical_infer,
    check_float,
    check_shape,
    check_uniform_dtype,
    int_bounds,
    intra_op_threads,
    multinomial,
    scale_and_shift,
    shards,
)

__all__ = ["Algorithm", "stateless_binomial", "stateless_normal", "stateless_truncated_normal",
           "stateless_uniform",
           "stateless_categorical", "stateless_parameterized_truncated_normal", "stateless_poisson",
           "stateless_gamma", "stateless_shuffle", "stateless_index_shuffle", "split", "fold_in"]


class Algorithm(enum.Enum):
    """`tf.random.Algorithm`: the generators TensorFlow offers (tapeflow draws with Philox)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def check_alg(alg: Any) -> None:
    """Accept the algorithms that mean Philox on a CPU (None, 'philox', 'auto_select' and their enum
    values); refuse ThreeFry, which tapeflow does not draw with."""
    value = alg.value if isinstance(alg, Algorithm) else alg
    if value in (None, 1, 3, "philox", "auto_select"):
        return
    if value in (2, "threefry"):
        raise NotImplementedError("tapeflow draws with Philox only: use alg='philox' or 'auto_select'.")
    raise ValueError(f"Argument `alg` got unsupported value {alg}. Supported values are "
                     f"{[a.name.lower() for a in Algorithm]}.")


def _key_counter(seed: np.ndarray) -> tuple[tuple[int, int], int]:
    return philox.stateless_key_counter(int(seed[0]), int(seed[1]))


def _fill_op(name: str, fill: Any) -> Op:
    def kernel(seed: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
        return fill(*_key_counter(seed), math.prod(shape), dtype).reshape(shape)

    return Op(name, kernel, None, infer=lambda seed, shape, dtype: [AbstractValue(shape, dtype)])


UNIFORM = _fill_op("StatelessRandomUniformV2", philox.uniform)
NORMAL = _fill_op("StatelessRandomNormalV2", philox.normal)
TRUNCATED_NORMAL = _fill_op("StatelessTruncatedNormalV2", philox.truncated_normal)
FULL_INT = _fill_op("StatelessRandomUniformFullIntV2", philox.full_int)


def _uniform_int_kernel(seed: np.ndarray, low: np.ndarray, high: np.ndarray, shape: tuple) -> np.ndarray:
    n = math.prod(shape)
    return philox.uniform_int(*_key_counter(seed), n, int(low), int(high), low.dtype).reshape(shape)


UNIFORM_INT = Op("StatelessRandomUniformIntV2", _uniform_int_kernel, None,
                 infer=lambda seed, low, high, shape: [AbstractValue(shape, low.dtype)])


def _multinomial_kernel(seed: np.ndarray, logits: np.ndarray, num_samples: int,
                        dtype: np.dtype) -> np.ndarray:
    return multinomial(logits, num_samples, dtype, *_key_counter(seed), intra_op_threads())


MULTINOMIAL = Op("StatelessMultinomial", _multinomial_kernel, None,
                 infer=lambda seed, logits, **params: categorical_infer(logits, **params))


def seed_pair(seed: Any, op_name: str = "StatelessRandomGetKeyCounter") -> Tensor:
    """`seed` as an int32/int64 tensor of shape [2], with TensorFlow's errors."""
    seed = tensor(seed)
    if tuple(seed.shape) != (2,):
        raise errors.InvalidArgumentError(
            None, None, f"seed must have shape [2], not {list(seed.shape)} [Op:{op_name}]")
    if seed.dtype not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None, None, f"seed must be int32 or int64, got {seed.dtype.name} [Op:{op_name}]")
    return seed


def _draw(op: Op, shape: Any, seed: Any, dtype: dtypes.DType) -> Tensor:
    return bind(op, (seed_pair(seed),), {"shape": check_shape(shape, op.name), "dtype": dtype._np})


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                     name: str | None = None, alg: Any = "auto_select") -> Tensor:
    """`tf.random.stateless_normal`: normal samples determined by `seed` (a pair of integers)."""
    check_alg(alg)
    dtype = check_float(dtype)
    return scale_and_shift(_draw(NORMAL, shape, seed, dtype), stddev, mean, dtype)


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = dtypes.float32, name: str | None = None,
                               alg: Any = "auto_select") -> Tensor:
    """`tf.random.stateless_truncated_normal`: truncated normal samples determined by `seed`."""
    check_alg(alg)
    dtype = check_float(dtype)
    return scale_and_shift(_draw(TRUNCATED_NORMAL, shape, seed, dtype), stddev, mean, dtype)


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                      name: str | None = None, alg: Any = "auto_select") -> Tensor:
    """`tf.random.stateless_uniform`: uniform samples in [minval, maxval) determined by `seed`;
    integer dtypes need both bounds, or neither (the whole range of the dtype)."""
    check_alg(alg)
    dtype = check_uniform_dtype(dtype)
    if dtype.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(f"For integer `dtype` argument {dtype}, argument `minval` and `maxval` must be "
                             f"both None or not None. Got `minval`={minval} and `maxval`={maxval}.")
        if minval is None:
            return _draw(FULL_INT, shape, seed, dtype)
        low, high = int_bounds(minval, maxval, dtype, UNIFORM_INT.name)
        shape = check_shape(shape, UNIFORM_INT.name)
        return bind(UNIFORM_INT, (seed_pair(seed), low, high), {"shape": shape})
    maxval = 1 if maxval is None else maxval
    low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
    return _draw(UNIFORM, shape, seed, dtype) * (high - low) + low


def stateless_categorical(logits: Any, num_samples: Any, seed: Any, dtype: Any = dtypes.int64,
                          name: str | None = None) -> Tensor:
    """`tf.random.stateless_categorical`: `categorical`, determined by `seed`."""
    logits, params = categorical_args(logits, num_samples, dtype, MULTINOMIAL.name)
    return bind(MULTINOMIAL, (seed_pair(seed, MULTINOMIAL.name), logits), params)


def split(seed: Any, num: int = 2, alg: Any = "auto_select") -> Tensor:
    """`tf.random.split`: `num` new seed pairs (rows), full-range integers drawn from `seed`."""
    check_alg(alg)
    pair = seed_pair(seed)
    return _draw(FULL_INT, [int(num), 2], pair, pair.dtype)


def fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """`tf.random.fold_in`: the seed pair [a full-range integer drawn from `seed`, `data`], of `data`'s
    dtype (int32 for a Python int, as in TF)."""
    check_alg(alg)
    data = tensor(data)
    return stack([_draw(FULL_INT, [], seed_pair(seed), data.dtype), data])


def _samples(shape: tuple, parameters: tuple, op_name: str) -> tuple:
    """The leading dimensions of `shape` (the samples of each parameter), which must end with the
    parameters' shape."""
    ndim = len(parameters)
    if len(shape) < ndim or tuple(shape[len(shape) - ndim:]) != tuple(parameters):
        raise errors.InvalidArgumentError(
            None, None, f"Shape passed in must end with broadcasted shape. [Op:{op_name}]")
    return shape[:len(shape) - ndim]


def _poisson_kernel(seed: np.ndarray, lam: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
    num_samples = math.prod(shape) // max(lam.size, 1)
    if num_samples == 0 or lam.size == 0:
        return np.zeros(shape, dtype)
    return poisson_kernel.poisson(*_key_counter(seed), lam, num_samples, dtype).reshape(shape)


POISSON = Op("StatelessRandomPoisson", _poisson_kernel, None,
             infer=lambda seed, lam, shape, dtype: [AbstractValue(shape, dtype)])


def stateless_poisson(shape: Any, seed: Any, lam: Any, dtype: Any = dtypes.int32,
                      name: str | None = None) -> Tensor:
    """`tf.random.stateless_poisson`: Poisson samples of rate `lam` determined by `seed`, of shape
    `shape`, which ends with lam's shape (int32 by default)."""
    dtype = dtypes.as_dtype(dtype)
    lam = convert_to_tensor(lam, dtype_hint=dtypes.float32)
    shape = check_shape(shape, POISSON.name)
    _samples(shape, tuple(lam.shape), POISSON.name)
    return bind(POISSON, (seed_pair(seed, POISSON.name), lam), {"shape": shape, "dtype": dtype._np})


def _binomial_kernel(seed: np.ndarray, counts: np.ndarray, probs: np.ndarray, shape: tuple,
                     dtype: np.dtype) -> np.ndarray:
    counts, probs = np.broadcast_arrays(counts, probs)
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype)
    samples = math.prod(shape[:len(shape) - counts.ndim])
    return binomial_kernel.binomial(*_key_counter(seed), counts, probs, samples, dtype).reshape(shape)


BINOMIAL = Op("StatelessRandomBinomial", _binomial_kernel, None,
              infer=lambda seed, counts, probs, shape, dtype: [AbstractValue(shape, dtype)])


def stateless_binomial(shape: Any, seed: Any, counts: Any, probs: Any, output_dtype: Any = dtypes.int32,
                       name: str | None = None) -> Tensor:
    """`tf.random.stateless_binomial`: the number of successes in `counts` trials of probability
    `probs` (broadcast together; `shape` ends with their shape), determined by `seed`."""
    probs = convert_to_tensor(probs, dtype_hint=dtypes.float32)
    counts = convert_to_tensor(counts, dtype_hint=probs.dtype)
    shape = binomial_shape(shape, counts, probs, BINOMIAL.name)
    return bind(BINOMIAL, (seed_pair(seed, BINOMIAL.name), counts, probs),
                {"shape": shape, "dtype": dtypes.as_dtype(output_dtype)._np})


def binomial_shape(shape: Any, counts: Tensor, probs: Tensor, op_name: str) -> tuple:
    """A binomial draw's static shape, which must end with the broadcast shape of counts and probs."""
    shape = check_shape(shape, op_name)
    try:
        batch = np.broadcast_shapes(tuple(counts.shape), tuple(probs.shape))
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"counts and probs must have compatible batch dimensions: {list(counts.shape)} vs. "
                        f"{list(probs.shape)} [Op:{op_name}]") from None
    _samples(shape, batch, op_name)
    return shape


# The cost per output TF's kernel gives Eigen's cost model that shards its outputs: 25 adds and
# multiplies, a square root, 3 exps and 4 uniforms (13 each) by Eigen's costs for the dtype (exp:
# 34, 51 and 43 cycles; sqrt: 8, 28 and 8), confirmed against TF's shards on 2 threads.
PARAMETERIZED_TRUNCATED_NORMAL_COST = {np.float16: 214, np.float32: 187, np.float64: 258}


def _parameterized_truncated_normal_kernel(seed: np.ndarray, means: np.ndarray, stddevs: np.ndarray,
                                           minvals: np.ndarray, maxvals: np.ndarray,
                                           shape: tuple) -> np.ndarray:
    params = np.broadcast_arrays(means, stddevs, minvals, maxvals)
    total = math.prod(shape)
    if total == 0:
        return np.zeros(shape, means.dtype)
    _, stddev, low, high = params
    if not np.all((stddev > 0) & (low < high) & (np.isfinite(low) | np.isfinite(high))):
        raise errors.InvalidArgumentError(
            None, None, f"Invalid parameters [Op:{PARAMETERIZED_TRUNCATED_NORMAL.name}]")
    samples = total // max(params[0].size, 1)
    cost = PARAMETERIZED_TRUNCATED_NORMAL_COST[means.dtype.type]
    return truncated_normal_kernel.parameterized_truncated_normal(
        *_key_counter(seed), [p.reshape(-1) for p in params], samples,
        shards(total, cost, intra_op_threads())).reshape(shape)


PARAMETERIZED_TRUNCATED_NORMAL = Op(
    "StatelessParameterizedTruncatedNormal", _parameterized_truncated_normal_kernel, None,
    infer=lambda seed, means, stddevs, minvals, maxvals, shape: [AbstractValue(shape, means.dtype)])


def stateless_parameterized_truncated_normal(shape: Any, seed: Any, means: Any = 0.0, stddevs: Any = 1.0,
                                             minvals: Any = -2.0, maxvals: Any = 2.0,
                                             name: str | None = None) -> Tensor:
    """`tf.random.stateless_parameterized_truncated_normal`: normal samples of mean `means` and
    standard deviation `stddevs` kept within [minvals, maxvals] (broadcast together; `shape` ends
    with their shape), determined by `seed`; the dtype is the parameters'."""
    values = [convert_to_tensor(v) for v in (means, stddevs, minvals, maxvals)]
    name = PARAMETERIZED_TRUNCATED_NORMAL.name
    shape = check_shape(shape, name)
    try:
        batch = np.broadcast_shapes(*(tuple(v.shape) for v in values))
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, "means, stddevs, minvals, maxvals must have compatible batch dimensions: "
                        + " vs. ".join(str(list(v.shape)) for v in values) + f" [Op:{name}]") from None
    _samples(shape, batch, name)
    return bind(PARAMETERIZED_TRUNCATED_NORMAL, (seed_pair(seed, name), *values), {"shape": shape})


def _gamma_kernel(seed: np.ndarray, alpha: np.ndarray, shape: tuple) -> np.ndarray:
    num_samples = math.prod(shape) // max(alpha.size, 1)
    if num_samples == 0 or alpha.size == 0:
        return np.zeros(shape, alpha.dtype)
    return gamma_kernel.gamma(*_key_counter(seed), alpha, num_samples).reshape(shape)


GAMMA = Op("StatelessRandomGammaV3", _gamma_kernel,
           [None, lambda g, y, seed, alpha, shape: gamma_grad.alpha_gradient(
               g, alpha, y, len(shape) - alpha.ndim)],
           infer=lambda seed, alpha, shape: [AbstractValue(shape, alpha.dtype)])


def stateless_gamma(shape: Any, seed: Any, alpha: Any, beta: Any = None, dtype: Any = dtypes.float32,
                    name: str | None = None) -> Tensor:
    """`tf.random.stateless_gamma`: `gamma` determined by `seed`, of shape `shape`, which ends with the
    shape of broadcast(alpha, beta)."""
    dtype = dtypes.as_dtype(dtype)
    alpha = convert_to_tensor(alpha, dtype)
    beta = convert_to_tensor(1 if beta is None else beta, dtype)
    alpha = broadcast_to(alpha, np.broadcast_shapes(tuple(alpha.shape), tuple(beta.shape)))
    shape = check_shape(shape, GAMMA.name)
    _samples(shape, tuple(alpha.shape), GAMMA.name)
    sample = bind(GAMMA, (seed_pair(seed), alpha), {"shape": shape})
    return maximum(convert_to_tensor(np.finfo(dtype._np).tiny, dtype), sample / beta)


_INDEX_SHUFFLE_PAD = 498247692  # the first key word TF's wrapper puts before each seed pair


def _index_shuffle_kernel(index: np.ndarray, seed: np.ndarray, max_index: np.ndarray) -> np.ndarray:
    key = tuple(int(k) & 0xFFFFFFFF for k in (_INDEX_SHUFFLE_PAD, *seed.astype(np.int64).tolist()))
    index, max_index = np.broadcast_arrays(index, max_index)
    short = np.flatnonzero(max_index.reshape(-1) < index.reshape(-1))
    if short.size:
        i = short[0]
        raise errors.InvalidArgumentError(
            None, None, f"max_index must be >= index, but {max_index.flat[i]} < {index.flat[i]} "
                        f"[Op:{INDEX_SHUFFLE.name}]")
    return index_shuffle.index_shuffle(index, key, max_index).astype(index.dtype).reshape(index.shape)


def _index_shuffle_infer(index, seed, max_index):
    return [AbstractValue(np.broadcast_shapes(index.shape, max_index.shape), index.dtype)]


INDEX_SHUFFLE = Op("RandomIndexShuffle", _index_shuffle_kernel, None, infer=_index_shuffle_infer)


def stateless_index_shuffle(index: Any, seed: Any, max_index: Any) -> Tensor:
    """`tf.random.experimental.index_shuffle`: the position of `index` (a scalar or vector) in the
    permutation of [0, max_index] that `seed` (a pair) determines."""
    index, seed = tensor(index), tensor(seed)
    max_index = convert_to_tensor(max_index, index.dtype)
    if len(seed.shape) != 1:  # TF's wrapper pads the first dimension, which suits a pair only
        rows = seed.shape[0] + 1 if len(seed.shape) else 1
        n = max(math.prod(index.shape), math.prod(max_index.shape), rows * math.prod(seed.shape[1:]) // 3)
        raise errors.InvalidArgumentError(
            None, None, f"Seed must be a vector of size [3] or a matrix of size [{n}, 3] but got "
                        f"[{','.join(map(str, (rows, *seed.shape[1:])))}]. [Op:{INDEX_SHUFFLE.name}]")
    return bind(INDEX_SHUFFLE, (index, seed, max_index))


def _shuffle_kernel(seed: np.ndarray, value: np.ndarray) -> np.ndarray:
    if np.ndim(value) == 0 or len(value) <= 1:
        return value
    return value[philox.shuffled_order(*_key_counter(seed), len(value))]


SHUFFLE = Op("StatelessShuffle", _shuffle_kernel, unregistered=True,
             infer=lambda seed, value: [AbstractValue(value.shape, value.dtype)])


def stateless_shuffle(value: Any, seed: Any, alg: Any = "auto_select", name: str | None = None) -> Tensor:
    """`tf.random.experimental.stateless_shuffle`: `value` with its first dimension permuted as `seed`
    determines (TF's Fisher-Yates shuffle from the seed's key and counter)."""
    check_alg(alg)
    return bind(SHUFFLE, (seed_pair(seed), tensor(value)))
