"""Arrays that kernels write their large results into, reused once no one can see them any more.

A training loop makes the same large arrays every step: the matrix products, the weight gradients,
an optimizer's new variable values. Allocating them afresh costs the C heap's growing and trimming
(and on some systems page faults), and touches cold memory; reusing the arrays of the previous step
costs neither. `empty(shape, dtype)` hands out such an array: one this pool made earlier, if one of
that shape and dtype is *free*, else a new one that the pool keeps.

An array is free when the pool's own list holds the only reference to it (`sys.getrefcount`):
a tensor wrapping it, a user's variable, a NumPy view of it (a view refers to its base), a
`memoryview` or a tape's record all count, so nothing anyone holds is ever written into. Small
arrays are not pooled (the heap serves them well), nor very large ones, and the pool keeps at most
`LIMIT` bytes: beyond it, free arrays are dropped (of the shapes first pooled first), and if none is
free the new array is simply not kept. The pool is shared by all threads, behind a lock.
"""

from __future__ import annotations

import _thread
import sys
from typing import Any

import numpy as np

__all__ = ["LIMIT", "MIN_BYTES", "empty", "like", "pooled_bytes"]

MIN_BYTES = 1 << 16  # smaller arrays come from the C heap's free lists, cheaply
MAX_BYTES = 1 << 24  # one array larger than this is not kept
LIMIT = 1 << 27  # bytes the pool keeps at most, free or in use

_LOCK = _thread.allocate_lock()
_POOL: dict[tuple, list] = {}  # (shape, dtype) -> the arrays made for it
_kept = [0]  # bytes held by the pool


def _references_of_a_pooled_array() -> int:
    """What `sys.getrefcount` says of an array held only by a pool list, in `empty`'s loop."""
    arrays = [np.empty(0)]
    for array in arrays:
        return sys.getrefcount(array)
    raise AssertionError


FREE = _references_of_a_pooled_array()


def empty(shape: tuple, dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous array of `shape` and `dtype`, to be filled by the caller."""
    if not isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype)
    size = dtype.itemsize
    for n in shape:
        size *= n
    if size < MIN_BYTES or size > MAX_BYTES:
        return np.empty(shape, dtype)
    key = (shape, dtype)
    with _LOCK:
        arrays = _POOL.get(key)
        if arrays is None:
            arrays = _POOL[key] = []
        for array in arrays:
            if sys.getrefcount(array) == FREE:
                return array
        array = np.empty(shape, dtype)
        if _kept[0] + size > LIMIT:
            _release(_kept[0] + size - LIMIT)
        if _kept[0] + size <= LIMIT:
            arrays.append(array)
            _kept[0] += size
        return array


def like(x: Any) -> np.ndarray | None:
    """A pooled buffer for a result shaped and typed as `x`, to pass as `out=`; None (NumPy then
    allocates, as without `out`) when `x` is too small to pool or a NumPy scalar, whose results are
    new scalars."""
    return empty(x.shape, x.dtype) if type(x) is np.ndarray and x.nbytes >= MIN_BYTES else None


def _release(needed: int) -> None:
    """Drop free arrays, of the shapes first pooled first, until `needed` bytes are released."""
    for key in list(_POOL):
        arrays, kept = _POOL[key], []
        for array in arrays:
            if needed > 0 and sys.getrefcount(array) == FREE:
                needed -= array.nbytes
                _kept[0] -= array.nbytes
            else:
                kept.append(array)
        arrays[:] = kept
        if not kept:
            del _POOL[key]
        if needed <= 0:
            return


def pooled_bytes() -> int:
    """Bytes the pool holds now (free or in use)."""
    return _kept[0]
