"""TensorFlow's CPU sampler of parameterized truncated normals (StatelessParameterizedTruncatedNormal).

Output i (batch-major: batch member b, sample s, i = b * samples + s, stored at [s, b]) belongs to
a shard of outputs; TF splits the outputs into shards by Eigen's cost model for its intra-op thread
count (as `categorical`), and each shard reads the stream from block base + ceil(start * 2000 / R)
on, R values per block (4 float32 or float16, 2 float64), one output after the other. A batch
member's samples come from one of three rejection samplers, chosen from its normalised bounds:
normals kept inside the bounds, uniforms on the bounds accepted with probability exp(-z**2/2)
(relative), or an exponential proposal from the lower bound. A block whose values are not all
needed when a batch member is done is dropped. Arithmetic is in the dtype (float16: each operation
rounded, as Eigen's half does); exp and log are glibc's (float32: `expf`/`logf` through ctypes).

The rejection loops are sequential in TF; here each batch member's candidates are computed a run
of blocks at a time and the accepted ones counted, so Python loops over batch members (and runs),
not over values. TF's errors after 1000 rejections in a row are not raised.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from tapeflow.random import philox

_MAX_ITERATIONS = 1000
_RUN = 64  # blocks of candidates computed at a time for a batch member


@functools.cache
def _libm_float32(name: str):
    """glibc's float32 function `name` over an array, through ctypes (loaded on first use); float64
    rounded where the C library cannot be loaded."""
    import ctypes
    import ctypes.util

    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library("m")), name)
    except (OSError, TypeError, AttributeError):
        fallback = getattr(np, name[:-1])
        return lambda x: fallback(x.astype(np.float64)).astype(np.float32)
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
    ufunc = np.frompyfunc(function, 1, 1)
    return lambda x: ufunc(x).astype(np.float32) if x.size else x.astype(np.float32)


_EXP, _LOG = np.frompyfunc(math.exp, 1, 1), np.frompyfunc(lambda v: math.log(v) if v > 0 else -math.inf, 1, 1)


def _function(t: type, name: str):
    """exp or log as TF calls it for dtype t: glibc's double, or float's (half: through float)."""
    if t is np.float64:
        ufunc = _EXP if name == "exp" else _LOG
        return lambda x: ufunc(x).astype(np.float64) if x.size else x
    single = _libm_float32("expf" if name == "exp" else "logf")
    return lambda x: single(x.astype(np.float32)).astype(t)


def _per_block(t: type) -> int:
    return 2 if t is np.float64 else 4


def _uniforms(w: np.ndarray, t: type) -> np.ndarray:
    """TF's [0, 1) uniforms of dtype t from blocks [m, 4]: [m, R]."""
    if t is np.float64:
        return np.stack([philox.float64_from_pairs(w[:, 0], w[:, 1]),
                         philox.float64_from_pairs(w[:, 2], w[:, 3])], axis=1)
    convert = philox.float16_from_words if t is np.float16 else philox.float32_from_words
    return convert(w.reshape(-1)).reshape(-1, 4)


def _normals(w: np.ndarray, t: type) -> np.ndarray:
    """TF's normals of dtype t from blocks [m, 4] (sin, cos per Box-Muller pair): [m, R]."""
    if t is np.float64:
        return np.stack(philox.box_muller_float64(w), axis=1)
    sin, cos = philox.box_muller_float32(w[:, 0::2].ravel(), w[:, 1::2].ravel())
    return np.stack([sin, cos], axis=1).reshape(-1, 4).astype(t)


class _Batch:
    """One batch member's parameters, normalised, and its sampler (TF's choice)."""

    def __init__(self, mean, stddev, minval, maxval, t: type):
        if (np.isinf(minval) and minval < 0) or maxval < mean:
            minval, maxval, stddev = maxval, minval, -stddev
        self.t, self.mean, self.stddev = t, mean, stddev
        self.low, self.high = (minval - mean) / stddev, (maxval - mean) / stddev
        exp = _function(t, "exp")
        sqrt_factor = np.sqrt(self.low * self.low + t(4))
        cutoff = t(2) * exp(np.array([t(0.5) + (self.low * (self.low - sqrt_factor)) / t(4)]))[0] / (
            self.low + sqrt_factor)
        self.diff = self.high - self.low
        inside = t(1.3)
        if (self.low < -inside and self.high >= t(0)) or (self.high > inside and self.low <= t(0)):
            self.sampler, self.blocks = self._normal, 1
        elif self.diff < cutoff:
            self.sampler, self.blocks = self._uniform, 2
            self.plus = t(0) if self.low < t(0) else self.low * self.low
        else:
            self.sampler, self.blocks = self._exponential, 1
            self.alpha = (self.low + np.sqrt(self.low * self.low + t(4))) / t(2)

    def _normal(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = _normals(w, self.t)
        return x, (x >= self.low) & (x <= self.high)

    def _uniform(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.t
        z = _uniforms(w[0::2], t) * self.diff + self.low
        g = (self.plus - z * z) / t(2)
        return z, _uniforms(w[1::2], t) <= _function(t, "exp")(g)

    def _exponential(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.t
        r = _uniforms(w, t)
        z = -_function(t, "log")(r[:, 0::2]) / self.alpha + self.low
        x = self.alpha - z if self.low < self.alpha else np.full_like(z, self.low - self.alpha)
        g = _function(t, "exp")(-x * x / t(2))
        return z, (r[:, 1::2] <= g) & (z < self.high)

    def draw(self, key: tuple[int, int], counter: int, block: int, n: int) -> tuple[np.ndarray, int]:
        """n samples from the stream at `block`, and the block after the last one used."""
        out: list[np.ndarray] = []
        while n:
            w = philox.at(key, counter, np.arange(block, block + _RUN * self.blocks, dtype=np.uint64))
            values, accept = self.sampler(w)  # [tries, candidates per try]
            taken = np.cumsum(accept.ravel())
            if taken[-1] >= n:
                last = int(np.searchsorted(taken, n))  # the candidate giving the n-th sample
                out.append(values.ravel()[: last + 1][accept.ravel()[: last + 1]])
                return np.concatenate(out) * self.stddev + self.mean, block + (
                    last // values.shape[1] + 1) * self.blocks
            out.append(values.ravel()[accept.ravel()])
            n -= int(taken[-1])
            block += _RUN * self.blocks
        return np.zeros(0, self.t), block


def parameterized_truncated_normal(key: tuple[int, int], counter: int, params: list[np.ndarray], samples: int,
                                   shards: list[tuple[int, int]]) -> np.ndarray:
    """[samples, batch] samples for the broadcast, flattened parameters [mean, stddev, min, max] of
    one float dtype, drawn shard by shard."""
    t = params[0].dtype.type
    batches = params[0].size
    out = np.empty((samples, batches), t)
    per_block = _per_block(t)
    for start, limit in shards:
        block = (start * 2 * _MAX_ITERATIONS + per_block - 1) // per_block
        output = start
        while output < limit:
            b, s = divmod(output, samples)
            n = min(samples - s, limit - output)
            batch = _Batch(*(p[b] for p in params), t)
            out[s:s + n, b], block = batch.draw(key, counter, block, n)
            output += n
    return out
