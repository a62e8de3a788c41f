"""Numba kernels the generated functions call where NumPy's result depends on its algorithm.

Imported only by the generated modules (so Numba loads with them, never at `import tapeflow`). The
kernels that divide use NumPy's error model: a division by zero gives inf or NaN, as NumPy's does
(Python's model would raise, and its check keeps LLVM from vectorising the loop: Adam's update ran
6x slower with it).
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sum_leading(x: np.ndarray) -> np.ndarray:
    """`np.sum` of a C-contiguous (outer, inner) array over its first axis, bit for bit: NumPy adds
    the rows in order into the identity (its inner loop runs along a row); a single column is one
    contiguous run, summed pairwise."""
    outer, inner = x.shape
    if inner == 1:
        out = np.empty(1, x.dtype)
        out[0] = pairwise_sum(x)
        return out
    out = np.zeros(inner, x.dtype)
    for i in range(outer):
        for j in range(inner):
            out[j] += x[i, j]
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sum_trailing(x: np.ndarray) -> np.ndarray:
    """`np.sum` of a C-contiguous (outer, inner) array over its last axis, bit for bit: each row's
    pairwise sum, added to the identity."""
    outer, inner = x.shape
    flat = x.reshape(x.size)
    out = np.empty(outer, x.dtype)
    for i in range(outer):
        out[i] = (flat[0] - flat[0]) + _pairwise(flat, i * inner, inner)
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _row_maximum(x: np.ndarray, i: int) -> float:
    """The maximum of row `i`, from -inf, NaN winning (`np.max(..., initial=-np.inf)`)."""
    top = x[i, 0] - x[i, 0] - np.inf
    for j in range(x.shape[1]):
        top = np.maximum(top, x[i, j])
    return top


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _exp_shifted_rows(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`out[i] = exp(x[i] - max(x[i]))` for each row; returns each row's pairwise sum of them."""
    outer, inner = x.shape
    flat = out.reshape(out.size)
    sums = np.empty(outer, x.dtype)
    for i in range(outer):
        top = _row_maximum(x, i)
        for j in range(inner):
            out[i, j] = np.exp(x[i, j] - top)
        sums[i] = (flat[0] - flat[0]) + _pairwise(flat, i * inner, inner)
    return sums


@numba.njit(cache=True, nogil=True, error_model="numpy")
def softmax_rows(x: np.ndarray) -> np.ndarray:
    """Softmax along the last axis of a C-contiguous (outer, inner) array, in tapeflow's kernel's
    order (shift by the row maximum, exp, pairwise sum, divide); exp is libm's."""
    out = np.empty_like(x)
    sums = _exp_shifted_rows(x, out)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = out[i, j] / sums[i]
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def log_softmax_rows(x: np.ndarray) -> np.ndarray:
    """Log-softmax along the last axis: (x - max) - log(sum(exp(x - max))), in the kernel's order."""
    out = np.empty_like(x)
    sums = _exp_shifted_rows(x, out)
    for i in range(x.shape[0]):
        top, log_sum = _row_maximum(x, i), np.log(sums[i])
        for j in range(x.shape[1]):
            out[i, j] = (x[i, j] - top) - log_sum
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def sparse_cross_entropy_rows(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """-log_softmax(logits[i])[labels[i]] per row (the labels checked in range beforehand)."""
    picked = log_softmax_rows(logits)
    out = np.empty(logits.shape[0], logits.dtype)
    for i in range(logits.shape[0]):
        out[i] = -picked[i, labels[i]]
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def adam(var, g, m, v, vhat, amsgrad, alpha, one_minus_beta_1, one_minus_beta_2, epsilon, out, m_out,
         v_out, vhat_out):
    """`ApplyAdam` in one pass over C-contiguous arrays, in the fused kernel's operation order (so bit
    for bit): the new values of the variable, m, v (and with `amsgrad` vhat) written into the `*out`
    arrays, which are returned; the inputs are left as they were."""
    w, gs, os = var.reshape(var.size), g.reshape(g.size), out.reshape(out.size)
    ms, vs, hats = m.reshape(m.size), v.reshape(v.size), vhat.reshape(vhat.size)
    new_ms, new_vs, new_hats = m_out.reshape(m.size), v_out.reshape(v.size), vhat_out.reshape(vhat.size)
    for i in range(w.size):
        gi = gs[i]
        mi = ms[i] + (gi - ms[i]) * one_minus_beta_1
        vi = vs[i] + (gi * gi - vs[i]) * one_minus_beta_2
        new_ms[i] = mi
        new_vs[i] = vi
        if amsgrad:
            vi = np.maximum(hats[i], vi)
            new_hats[i] = vi
        os[i] = w[i] - mi * alpha / (np.sqrt(vi) + epsilon)
    return out, m_out, v_out, vhat_out
