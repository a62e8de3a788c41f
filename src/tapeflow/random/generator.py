"""`tf.random.Generator`: a Philox stream of its own, TensorFlow's numbers.

Its state is TensorFlow's three int64 words [counter low, counter high, key]; `from_seed(s)` splits s
into 64-bit words, so a small seed sets the counter and leaves the key 0. Each draw of n values
reads the state and moves the counter 256 n on (TF's RngReadAndSkip), then fills as the stateless
ops do from that key and counter. A draw is an op with the "draw" effect whose parameters hold the
generator, so in a compiled function every call draws anew and advances the state.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import DRAW, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.array_ops import stack
from tapeflow.ops.creation_ops import zeros_like
from tapeflow.random import binomial_kernel, philox, random_ops
from tapeflow.random.random_ops import check_float, check_shape, check_uniform_dtype, draw, scale_and_shift
from tapeflow.random.stateless import binomial_shape, check_alg

__all__ = ["Generator", "create_rng_state", "get_global_generator", "set_global_generator"]

_STATE_SIZE = 3  # Philox: a 128-bit counter and a 64-bit key


def create_rng_state(seed: Any, alg: Any = "philox") -> np.ndarray:
    """`tf.random.experimental.create_rng_state`: the int64 state words of `seed` (an integer, split
    into 64-bit words, least significant first; or a sequence of words)."""
    seed = getattr(seed, "_value", seed)
    if isinstance(seed, int | np.integer):
        seed, words = int(seed), []
        for _ in range(_STATE_SIZE):
            words.append(seed & philox.MASK64)
            seed >>= 64
    else:
        words = [int(w) & philox.MASK64 for w in np.ravel(seed)][:_STATE_SIZE]
        words += [0] * (_STATE_SIZE - len(words))
    return np.array(words, np.uint64).view(np.int64)


class Generator:
    """`tf.random.Generator` (Philox only): `from_seed`, `from_state`, `from_non_deterministic_state`;
    `normal`, `truncated_normal`, `uniform`, `uniform_full_int`, `make_seeds`, `split`, `skip`."""

    def __init__(self, copy_from: Generator | None = None, state: Any = None, alg: Any = "philox"):
        check_alg(alg)
        if copy_from is not None:
            state = copy_from.state
        if state is None:
            raise ValueError("Make a Generator with Generator.from_seed(seed), Generator.from_state(state, "
                             "alg) or Generator.from_non_deterministic_state().")
        self._words = [int(w) & philox.MASK64 for w in create_rng_state(state)]

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        return cls(state=create_rng_state(seed), alg=alg)

    @classmethod
    def from_state(cls, state: Any, alg: Any = None) -> Generator:
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any = None) -> Generator:
        counter = [int(c) for c in np.ravel(getattr(counter, "_value", counter))]
        return cls(state=[*counter, int(np.ravel(getattr(key, "_value", key))[0])], alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        return cls(state=[int.from_bytes(os.urandom(8), "little") for _ in range(_STATE_SIZE)], alg=alg)

    @property
    def state(self) -> Tensor:
        """The state words [counter low, counter high, key] (int64)."""
        return Tensor(np.array(self._words, np.uint64).view(np.int64))

    @property
    def algorithm(self) -> int:
        return 1  # RNG_ALG_PHILOX

    def reset(self, state: Any) -> None:
        self._words = [int(w) & philox.MASK64 for w in create_rng_state(state)]

    def reset_from_seed(self, seed: Any) -> None:
        self.reset(create_rng_state(seed))

    @property
    def key(self) -> tuple[int, int]:
        """The Philox key: the state's third word, as two 32-bit words."""
        return self._words[2] & 0xFFFFFFFF, self._words[2] >> 32

    def reserve(self, blocks: int) -> int:
        """The counter a draw of `blocks` blocks starts at; the counter moves past them."""
        low, high, key = self._words
        counter = low | high << 64
        moved = (counter + blocks) & ((1 << 128) - 1)
        self._words = [moved & philox.MASK64, moved >> 64, key]
        return counter

    def take(self, n: int) -> tuple[tuple[int, int], int]:
        """The key and counter of a draw of n values; the counter moves 256 n on."""
        return self.key, self.reserve(n * philox.BLOCKS_PER_OUTPUT)

    def skip(self, delta: int) -> None:
        """Move the counter on as a draw of `delta` values would."""
        self.take(int(delta))

    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
               name: str | None = None) -> Tensor:
        dtype = check_float(dtype)
        return scale_and_shift(draw(random_ops.NORMAL, shape, dtype, self), stddev, mean, dtype)

    def truncated_normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = dtypes.float32,
                         name: str | None = None) -> Tensor:
        dtype = check_float(dtype)
        return scale_and_shift(draw(random_ops.TRUNCATED_NORMAL, shape, dtype, self), stddev, mean, dtype)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = dtypes.float32,
                name: str | None = None) -> Tensor:
        dtype = check_uniform_dtype(dtype)
        if dtype.is_integer:
            if (minval is None) != (maxval is None):
                raise ValueError(f"For integer dtype {dtype}, minval and maxval must be both `None` or both "
                                 f"non-`None`; got minval={minval} and maxval={maxval}")
            if minval is None:
                return self.uniform_full_int(shape, dtype)
            low, high = random_ops.int_bounds(minval, maxval, dtype, random_ops.UNIFORM_INT.name)
            return bind(random_ops.UNIFORM_INT, (low, high),
                        {"shape": check_shape(shape, random_ops.UNIFORM_INT.name), "source": self})
        maxval = 1 if maxval is None else maxval
        low, high = convert_to_tensor(minval, dtype), convert_to_tensor(maxval, dtype)
        return draw(random_ops.UNIFORM, shape, dtype, self) * (high - low) + low

    def binomial(self, shape: Any, counts: Any, probs: Any, dtype: Any = dtypes.int32,
                 name: str | None = None) -> Tensor:
        """The number of successes in `counts` trials of probability `probs` (broadcast together;
        `shape` ends with their shape), TF's StatefulRandomBinomial."""
        counts, probs = convert_to_tensor(counts), convert_to_tensor(probs)
        shape = binomial_shape(shape, counts, probs, BINOMIAL.name)
        return bind(BINOMIAL, (counts, probs), {"shape": shape, "dtype": dtypes.as_dtype(dtype)._np,
                                                 "source": self})

    def uniform_full_int(self, shape: Any, dtype: Any = dtypes.uint64, name: str | None = None) -> Tensor:
        """Integers over the whole range of `dtype` (int32 or int64 here)."""
        return draw(FULL_INT, shape, dtypes.as_dtype(dtype), self)

    def make_seeds(self, count: int = 1) -> Tensor:
        """`count` seed pairs for the stateless ops, as the columns of an int64 [2, count] tensor: a
        full-range int64 row over a row of zeros."""
        keys = self.uniform_full_int([int(count)], dtypes.int64)
        return stack([keys, zeros_like(keys)])

    def split(self, count: int = 1) -> list[Generator]:
        """`count` new generators with counter 0 and keys drawn from this one."""
        keys = self.uniform_full_int([int(count)], dtypes.int64).numpy()
        return [Generator(state=[0, 0, int(k)]) for k in keys]


FULL_INT = random_ops.fill_op("RandomUniformFullInt", philox.full_int)


def _binomial_kernel(counts: np.ndarray, probs: np.ndarray, shape: tuple, dtype: np.dtype,
                     source: Generator) -> np.ndarray:
    """TF's stateful binomial: it reads the state and moves the counter on as a draw of
    batch * 50 * (samples + 3) values would, whatever the samples use, and samples as the stateless
    op does from the old counter."""
    counts, probs = np.broadcast_arrays(counts, probs)
    samples = math.prod(shape[:len(shape) - counts.ndim])
    key, counter = source.take(counts.size * 2 * 100 * (samples + 3) // 4)
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype)
    return binomial_kernel.binomial(key, counter, counts, probs, samples, dtype).reshape(shape)


BINOMIAL = Op("StatefulRandomBinomial", _binomial_kernel, unregistered=True, effect=DRAW,
              infer=lambda counts, probs, shape, dtype, source: [AbstractValue(shape, dtype)])


_GLOBAL: list[Generator] = []


def get_global_generator() -> Generator:
    """`tf.random.get_global_generator`: the generator made (nondeterministically) on first use, or the
    one set."""
    if not _GLOBAL:
        _GLOBAL.append(Generator.from_non_deterministic_state())
    return _GLOBAL[0]


def set_global_generator(generator: Generator) -> None:
    """`tf.random.set_global_generator`: replace the global generator."""
    _GLOBAL[:] = [generator]
