"""glibc's float32 `logf`, `sinf` and `cosf` on the inputs TensorFlow's Box-Muller gives them.

TensorFlow's float32 normals call glibc's float32 functions, which are not correctly rounded. Box-Muller
evaluates them at 2**23 points each only, indexed by the low 23 bits of a Philox word:
logf(max(i * 2**-23, 1e-7f)) and sinf/cosf((float)(2π * j * 2**-23)). So tapeflow computes them fast
and deterministically in float64 (NumPy's log; sine and cosine by angle addition from a 2049-entry
table and short polynomials, plain IEEE arithmetic), rounds to float32, and adds a recorded correction
(tools/record_glibc_float32.py compared every input with glibc; the differences, stored sparse and
compressed in glibc_float32.npz, are one unit in the last place for 0.7 % of logf and about 1.3 % of
sinf/cosf inputs). The table is loaded on the first float32 normal and kept dense, one int8 per
input and function (24 MB), where a lookup is one gather (sinf's and cosf's side by side), with a
bit mask per function of the inputs that may have a correction, for the native kernels
(philox_native.py).
"""

from __future__ import annotations

import os

import numpy as np

_TABLE = os.path.join(os.path.dirname(__file__), "glibc_float32.npz")
_LOADED: dict[str, np.ndarray] = {}
_EPSILON = float(np.float32(1e-7))  # BoxMullerFloat's smallest u1
_TWO_PI = 2 * np.pi  # TF's `2 * M_PI`, a double
GRID = 2048  # angle-addition table: sin and cos of k * 2π / GRID, k = 0..GRID
_TO_GRID = GRID / _TWO_PI
_STEP = _TWO_PI / GRID
# The native kernels first test a bit mask that covers 2**shift inputs per bit, small enough to stay in
# the L2 cache (128 KB and 256 KB), and read a correction only where the bit is set (5 % and 10 %
# of logf's and sincosf's inputs, where 1 bit per input, 1 MB each, made a normal draw 2x slower).
LOGF_MASK_SHIFT = 3
SINCOSF_MASK_SHIFT = 2


def _load() -> dict[str, np.ndarray]:
    if not _LOADED:
        with np.load(_TABLE) as data:
            dense = np.zeros((3, 2**23), np.int8)
            for row, function in enumerate(("logf", "sinf", "cosf")):
                dense[row, np.cumsum(data[f"{function}_gaps"], dtype=np.int64)] = data[f"{function}_diff"]
            _LOADED["logf"] = dense[0].copy()
            # sinf's and cosf's corrections side by side, one int16 per index: one gather fetches both
            _LOADED["sincosf"] = np.ascontiguousarray(dense[1:].T).view(np.int16).ravel()
            _LOADED["grid"] = data["grid"]
            _LOADED["logf_mask"] = _mask(dense[0] != 0, LOGF_MASK_SHIFT)
            _LOADED["sincosf_mask"] = _mask(dense[1:].any(axis=0), SINCOSF_MASK_SHIFT)
    return _LOADED


def _mask(corrected: np.ndarray, shift: int) -> np.ndarray:
    """Bit i >> shift set where input i has a correction (little-endian bits in bytes)."""
    return np.packbits(corrected.reshape(-1, 1 << shift).any(axis=1), bitorder="little")


def native_tables() -> tuple[np.ndarray, ...]:
    """What philox_native's float32 Box-Muller reads: the angle grid, then logf's and sincosf's
    corrections, each followed by its bit mask of the inputs that have one."""
    tables = _load()
    return (tables["grid"], tables["logf"], tables["logf_mask"], tables["sincosf"], tables["sincosf_mask"])


def rounded_log(i: np.ndarray) -> np.ndarray:
    """log(max(i * 2**-23, 1e-7f)) in float64, rounded to float32."""
    u1 = np.multiply(i, 2.0**-23, dtype=np.float64)  # exact
    np.maximum(u1, _EPSILON, out=u1)
    return np.log(u1, out=u1).astype(np.float32)


def rounded_sincos(j: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of v = (float)(2π j 2**-23), computed in float64 and rounded to float32: with
    k = rint(v GRID / 2π) and d = v - k 2π/GRID (exact, |d| <= π/GRID), sin v = S_k cos d + C_k sin d
    and cos v = C_k cos d - S_k sin d, where grid = [S, C] holds the sines and cosines of the
    float64 k 2π/GRID, and sin d, cos d are Taylor polynomials (error below 1e-19)."""
    # 2π · 2**-23 · j rounds as 2π · (2**-23 · j) does (the scaling is by a power of 2)
    v = np.multiply(j, _TWO_PI * 2.0**-23, dtype=np.float64).astype(np.float32).astype(np.float64)
    k = np.rint(v * _TO_GRID)
    d = v - k * _STEP
    k = k.astype(np.intp)
    d2 = d * d
    sin_d = d - d * d2 * (1 / 6 - d2 * (1 / 120))
    cos_d = 1 - d2 * (0.5 - d2 * (1 / 24 - d2 * (1 / 720)))
    s, c = grid[0, k], grid[1, k]
    sin = (s * cos_d + c * sin_d).astype(np.float32)
    cos = (c * cos_d - s * sin_d).astype(np.float32)
    return sin, cos


def logf(i: np.ndarray) -> np.ndarray:
    """glibc's logf(max(i * 2**-23, 1e-7f)) for 23-bit indices i (float32)."""
    log = rounded_log(i)
    log.view(np.int32)[...] += np.take(_load()["logf"], i)  # one unit in the last place up or down
    return log


def sincosf(j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """glibc's sinf and cosf of (float)(2π * j * 2**-23) for 23-bit indices j (float32)."""
    tables = _load()
    sin, cos = rounded_sincos(j, tables["grid"])
    corrections = np.take(tables["sincosf"], j).view(np.int8).reshape(-1, 2)
    sin.view(np.int32)[...] += corrections[:, 0]
    cos.view(np.int32)[...] += corrections[:, 1]
    return sin, cos
