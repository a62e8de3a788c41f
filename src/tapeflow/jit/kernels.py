"""Numba kernels the generated functions call where NumPy's result depends on its algorithm.

Imported only by the generated modules (so Numba loads with them, never at `import tapeflow`).
"""

from __future__ import annotations

import numba
import numpy as np

_BLOCK = 128  # NumPy's PW_BLOCKSIZE


@numba.njit(cache=True, nogil=True)
def _block(a: np.ndarray, start: int, n: int) -> float:
    """NumPy's sum of up to 128 values: in order below 8, else eight accumulators, then the rest."""
    if n < 8:
        total = a[start] - a[start]  # (zero of a's dtype)
        for i in range(n):
            total += a[start + i]
        return total
    r0, r1, r2, r3 = a[start], a[start + 1], a[start + 2], a[start + 3]
    r4, r5, r6, r7 = a[start + 4], a[start + 5], a[start + 6], a[start + 7]
    i = 8
    while i < n - n % 8:
        j = start + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[start + i]
        i += 1
    return total


@numba.njit(cache=True, nogil=True)
def _pairwise(a: np.ndarray, start: int, n: int) -> float:
    """NumPy's pairwise summation (numpy/_core/src/umath/loops_utils.h), step for step: blocks of up
    to 128 values, halves (multiples of 8) above that, added as NumPy's recursion adds them. Written
    with an explicit stack: Numba cannot cache recursive functions."""
    if n <= _BLOCK:
        return _block(a, start, n)
    starts, sizes = np.empty(64, np.int64), np.empty(64, np.int64)
    stages, values = np.zeros(64, np.int8), np.empty(64, a.dtype)
    top, count = 0, 0
    starts[0], sizes[0] = start, n
    while top >= 0:
        first, size = starts[top], sizes[top]
        if size <= _BLOCK:
            values[count] = _block(a, first, size)
            count += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if stages[top] == 2:  # both halves done: left + right
            values[count - 2] = values[count - 2] + values[count - 1]
            count -= 1
            top -= 1
            continue
        stages[top] += 1
        top += 1
        stages[top] = 0
        starts[top], sizes[top] = (first, half) if stages[top - 1] == 1 else (first + half, size - half)
    return values[0]


@numba.njit(cache=True, nogil=True)
def pairwise_sum(x: np.ndarray) -> float:
    """`np.sum` of a whole C-contiguous float array, bit for bit: the identity, plus the pairwise
    sum of all its values in one run (NumPy does not buffer a contiguous reduction)."""
    a = x.ravel()
    return (a[0] - a[0]) + _pairwise(a, 0, a.size)
