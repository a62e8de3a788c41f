"""TensorFlow's CPU gamma sampler (RandomGamma) over a Philox stream, vectorised over outputs.

Output i (alpha-major: alpha a, sample s, i = a * num_samples + s, stored at [s, a]) reads its own part
of the stream from block base + 256 i, in double precision whatever the dtype. Alpha 1 is an
exponential, -log1p(-u). Otherwise Marsaglia and Tsang's method: normals x (Box-Muller, two per block)
and uniforms u (two per block) come from the same stream, each fetching its next block when its
pair is used up, both taken second first; with d = alpha - 1/3 (alpha + 2/3 below 1) and
c = 1/3/sqrt(d), v = (1 + c x)**3 is kept when u < 1 - 0.0331 x**4 or log u < x**2/2 + d (1 - v + log v);
the sample is d v, times b**(1/alpha) for one more uniform b when alpha < 1. Logarithms and powers are
glibc's, through Python's math module, so the samples are TensorFlow's exactly.
"""

from __future__ import annotations

import math

import numpy as np

from tapeflow.random import philox

_log = np.frompyfunc(math.log, 1, 1)


def _glibc_log(x: np.ndarray) -> np.ndarray:
    return _log(x).astype(np.float64) if x.size else np.zeros(0)


class _Pairs:
    """Per output, the pair of values its last block gave and how many are left; `next(mask)` takes
    the next value of the outputs in `mask` (indices into the active outputs), fetching a block for
    those whose pair is used up."""

    def __init__(self, n: int, fill):
        self.values = np.zeros((n, 2))
        self.left = np.zeros(n, np.int64)
        self.fill = fill  # fill(blocks [m, 4]) -> [m, 2] values

    def next(self, key, counter, outputs, pointer, rows):
        empty = rows[self.left[rows] == 0]
        if empty.size:
            offsets = outputs[empty].astype(np.uint64) * np.uint64(philox.BLOCKS_PER_OUTPUT) \
                + pointer[empty].astype(np.uint64)
            self.values[empty] = self.fill(philox.at(key, counter, offsets))
            self.left[empty] = 2
            pointer[empty] += 1
        self.left[rows] -= 1
        return self.values[rows, self.left[rows]]


def _normals(w: np.ndarray) -> np.ndarray:
    sin, cos = philox.box_muller_float64(w)
    return np.stack([sin, cos], axis=1)


def _uniforms(w: np.ndarray) -> np.ndarray:
    first, second = philox.float64_from_pairs(w[:, 0], w[:, 1]), philox.float64_from_pairs(w[:, 2], w[:, 3])
    return np.stack([first, second], axis=1)


def _marsaglia(key: tuple[int, int], counter: int, outputs: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    n = len(outputs)
    small = alpha < 1
    d = alpha + np.where(small, 2.0 / 3, -1.0 / 3)
    c = 1.0 / 3 / np.sqrt(d)
    pointer = np.zeros(n, np.int64)
    normals, uniforms = _Pairs(n, _normals), _Pairs(n, _uniforms)
    out = np.zeros(n)
    active = np.arange(n)
    while active.size:
        x = normals.next(key, counter, outputs, pointer, active)
        v = 1 + c[active] * x
        positive = v > 0
        rows, x, v = active[positive], x[positive], v[positive]
        v = v * v * v
        u = uniforms.next(key, counter, outputs, pointer, rows)
        accept = u < 1 - 0.0331 * (x * x) * (x * x)
        check = ~accept
        accept[check] = _glibc_log(u[check]) < 0.5 * x[check] * x[check] + d[rows[check]] * (
            1 - v[check] + _glibc_log(v[check]))
        done, value = rows[accept], d[rows[accept]] * v[accept]
        scaled = small[done]
        if scaled.any():
            b = uniforms.next(key, counter, outputs, pointer, done[scaled])
            value[scaled] *= np.array([math.pow(bb, 1 / a) for bb, a in zip(b, alpha[done[scaled]])])
        out[done] = value
        active = np.setdiff1d(active, done, assume_unique=True)
    return out


def gamma(key: tuple[int, int], counter: int, alpha: np.ndarray, num_samples: int) -> np.ndarray:
    """[num_samples, *alpha.shape] gamma samples of alpha's dtype, as TF's CPU kernel draws them."""
    alphas = np.repeat(alpha.reshape(-1).astype(np.float64), num_samples)  # alpha-major output order
    outputs = np.arange(len(alphas))
    values = np.zeros(len(alphas))
    one = alphas == 1.0
    if one.any():
        w = philox.at(key, counter, outputs[one].astype(np.uint64) * np.uint64(philox.BLOCKS_PER_OUTPUT))
        u = philox.float64_from_pairs(w[:, 2], w[:, 3])  # the block's second double
        values[one] = -np.frompyfunc(math.log1p, 1, 1)(-u).astype(np.float64)
    values[~one] = _marsaglia(key, counter, outputs[~one], alphas[~one])
    return values.reshape(alpha.size, num_samples).T.reshape((num_samples, *alpha.shape)).astype(alpha.dtype)
