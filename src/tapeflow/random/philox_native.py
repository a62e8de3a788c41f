"""Philox4x32-10 and TensorFlow's fill rules as Numba kernels: philox.py's numbers, computed natively.

Imported by philox.py on the first draw when Numba is installed (the `jit` extra), never at
`import tapeflow`; compiled once per machine (`cache=True`: the machine code is kept beside this
file) and released from the GIL, so philox.py runs them on its thread pool, one chunk each.
Each kernel writes the values of the blocks base + i (128-bit counters, i from 0) into `out`; the
arithmetic is that of philox.py and glibc_float32.py, operation for operation (no fast-math, no fused
multiply-add), so the two paths agree bit for bit (tests/test_random_ops.py checks all 2**23 inputs of
the float32 transcendentals).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from tapeflow.random.glibc_float32 import LOGF_MASK_SHIFT as _LOGF_SHIFT
from tapeflow.random.glibc_float32 import SINCOSF_MASK_SHIFT as _SINCOSF_SHIFT

_LOW = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_MANTISSA32 = np.uint64(0x7FFFFF)
_MANTISSA64_HIGH = np.uint64(0xFFFFF)
_2_23 = 2.0**-23
_2_52 = 2.0**-52
_EPSILON32 = float(np.float32(1e-7))  # BoxMullerFloat's smallest u1
_TWO_PI = 2 * np.pi
_GRID = 2048  # glibc_float32.GRID
_TO_GRID = _GRID / _TWO_PI
_STEP = _TWO_PI / _GRID
_POS, _NEG = np.float32(np.inf), np.float32(-np.inf)

_jit = numba.njit(cache=True, nogil=True)
_inline = numba.njit(cache=True, nogil=True, inline="always")


@_inline
def _block(k0, k1, lo, hi, offset):
    """The four words of Philox(key, counter + offset) for a 128-bit counter hi << 64 | lo (uint64s)."""
    c_lo = lo + offset
    c_hi = hi + np.uint64(c_lo < lo)  # the carry when the low word wraps
    c0, c1, c2, c3 = c_lo & _LOW, c_lo >> _32, c_hi & _LOW, c_hi >> _32
    for _ in range(10):
        p = _M0 * c0
        q = _M1 * c2
        c0, c1, c2, c3 = (q >> _32) ^ c1 ^ k0, q & _LOW, (p >> _32) ^ c3 ^ k1, p & _LOW
        k0 = (k0 + _W0) & _LOW
        k1 = (k1 + _W1) & _LOW
    return c0, c1, c2, c3


@_jit
def blocks_at(k0, k1, lo, hi, offsets, out):
    """out[4 i: 4 i + 4] = the block at counter + offsets[i] (out: uint32 [4 n]; flat, which lets
    LLVM vectorise the loop: 6x faster than rows of a 2-D array)."""
    for i in range(offsets.shape[0]):
        out[4 * i], out[4 * i + 1], out[4 * i + 2], out[4 * i + 3] = _block(k0, k1, lo, hi, offsets[i])


@_jit
def uniform_float32(k0, k1, lo, hi, out):
    """TF's float32 uniforms: word w gives (w & 0x7FFFFF) 2**-23 (= bits(0x3F800000 | m) - 1, exactly)."""
    for i in range(out.shape[0] // 4):
        w0, w1, w2, w3 = _block(k0, k1, lo, hi, np.uint64(i))
        out[4 * i] = np.float32(w0 & _MANTISSA32) * np.float32(_2_23)
        out[4 * i + 1] = np.float32(w1 & _MANTISSA32) * np.float32(_2_23)
        out[4 * i + 2] = np.float32(w2 & _MANTISSA32) * np.float32(_2_23)
        out[4 * i + 3] = np.float32(w3 & _MANTISSA32) * np.float32(_2_23)


@_inline
def _double(w0, w1):
    """TF's [0, 1) double from two words: ((w0 & 0xFFFFF) << 32 | w1) 2**-52, exactly."""
    return np.float64(((w0 & _MANTISSA64_HIGH) << _32) | w1) * _2_52


@_jit
def uniform_float64(k0, k1, lo, hi, out):
    for i in range(out.shape[0] // 2):
        w0, w1, w2, w3 = _block(k0, k1, lo, hi, np.uint64(i))
        out[2 * i] = _double(w0, w1)
        out[2 * i + 1] = _double(w2, w3)


@_inline
def _nudged(x, correction):
    """x moved `correction` (-1, 0 or 1) units in the last place, as adding it to x's bits does."""
    if correction == 0:
        return x
    return np.nextafter(x, _POS if (x >= 0) == (correction > 0) else _NEG)


@_inline
def _is_set(mask, bit):
    return (mask[bit >> 3] >> (bit & 7)) & 1


@_inline
def logf(i, corrections, mask):
    """glibc's logf(max(i 2**-23, 1e-7f)): the float64 log rounded, then glibc_float32's correction
    (read only where its bit mask, which stays in cache, says there may be one)."""
    x = np.float32(math.log(max(np.float64(i) * _2_23, _EPSILON32)))
    return _nudged(x, corrections[i]) if _is_set(mask, i >> _LOGF_SHIFT) else x


@_inline
def sincosf(j, grid, corrections, mask):
    """glibc's sinf and cosf of (float)(2π j 2**-23), as glibc_float32.rounded_sincos and sincosf."""
    v = np.float64(np.float32(np.float64(j) * (_TWO_PI * _2_23)))
    k = np.rint(v * _TO_GRID)
    d = v - k * _STEP
    index = np.intp(k)
    d2 = d * d
    sin_d = d - d * d2 * (1 / 6 - d2 * (1 / 120))
    cos_d = 1 - d2 * (0.5 - d2 * (1 / 24 - d2 * (1 / 720)))
    s, c = grid[0, index], grid[1, index]
    sin = np.float32(s * cos_d + c * sin_d)
    cos = np.float32(c * cos_d - s * sin_d)
    if _is_set(mask, j >> _SINCOSF_SHIFT):
        both = corrections[j]  # sinf's correction in the low byte, cosf's in the high one
        sin = _nudged(sin, np.int8(both & 0xFF))
        cos = _nudged(cos, np.int8((both >> 8) & 0xFF))
    return sin, cos


@_inline
def _box_muller32(a, b, tables):
    """TF's BoxMullerFloat of two words: (sinf(v) r, cosf(v) r), r = sqrtf(-2 logf(u1))."""
    grid, log_corrections, log_mask, sincos_corrections, sincos_mask = tables
    log = logf(np.intp(a & _MANTISSA32), log_corrections, log_mask)
    r = np.float32(math.sqrt(log * np.float32(-2)))
    sin, cos = sincosf(np.intp(b & _MANTISSA32), grid, sincos_corrections, sincos_mask)
    return sin * r, cos * r


@_jit
def normal_float32(k0, k1, lo, hi, out, tables):
    for i in range(out.shape[0] // 4):
        w0, w1, w2, w3 = _block(k0, k1, lo, hi, np.uint64(i))
        out[4 * i], out[4 * i + 1] = _box_muller32(w0, w1, tables)
        out[4 * i + 2], out[4 * i + 3] = _box_muller32(w2, w3, tables)


@_inline
def _box_muller64(w0, w1, w2, w3):
    """TF's BoxMullerDouble of a block, with glibc's log, sin and cos (the libm Numba calls)."""
    u1 = max(_double(w0, w1), 1e-7)
    v = _TWO_PI * _double(w2, w3)
    r = math.sqrt(-2.0 * math.log(u1))
    return math.sin(v) * r, math.cos(v) * r


@_jit
def normal_float64(k0, k1, lo, hi, out):
    for i in range(out.shape[0] // 2):
        w0, w1, w2, w3 = _block(k0, k1, lo, hi, np.uint64(i))
        out[2 * i], out[2 * i + 1] = _box_muller64(w0, w1, w2, w3)


@_inline
def _candidates(w0, w1, w2, w3, tables, double):
    """A block's truncated-normal candidates: float32's (sin, cos, sin, cos), or float64's
    (sin, cos) and two NaNs, which are never kept."""
    if double:
        sin, cos = _box_muller64(w0, w1, w2, w3)
        return sin, cos, np.nan, np.nan
    s0, c0 = _box_muller32(w0, w1, tables)
    s1, c1 = _box_muller32(w2, w3, tables)
    return np.float64(s0), np.float64(c0), np.float64(s1), np.float64(c1)


@_jit
def truncated_normal(k0, k1, lo, hi, first, out, tables):
    """Groups first.. of TF's TruncatedNormal: group g (a row of out: 4 float32 or 2 float64) keeps
    the Box-Muller values with |x| < 2 in order, reading blocks base + 256 g (float64: 128 g) on.
    The float64 groups never read `tables`."""
    group = out.shape[1]
    for row in range(out.shape[0]):
        offset = np.uint64(first + row) * np.uint64(64 * group)
        filled = 0
        while filled < group:
            w0, w1, w2, w3 = _block(k0, k1, lo, hi, offset)
            offset += np.uint64(1)
            for x in _candidates(w0, w1, w2, w3, tables, group == 2):
                if filled < group and abs(x) < 2:
                    out[row, filled] = x
                    filled += 1
