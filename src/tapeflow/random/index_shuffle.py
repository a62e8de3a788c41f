"""TensorFlow's `index_shuffle`: a pseudorandom permutation of [0, max_index] evaluated at an index.

TF encrypts the index with a reduced Simon block cipher (a Feistel network of 4 rounds on two W-bit
words, W = half the block size: ceil(log2(max_index)) rounded up to even, at least 16), keyed by three
32-bit seed words, and walks the cycle (encrypts again) until the value is at most max_index. Vectorised
over indices with uint64 words masked to W bits; the walk repeats only for the indices still out of range.
"""

from __future__ import annotations

import math

import numpy as np

_ROUNDS = 4
_MIN_BLOCK = 16
_C = 0xFFFFFFFC  # Simon's key schedule constants, cut to W bits
_Z = 0x7369F885192C0EF5


def _rotl(x: np.ndarray, r: int, w: int, mask: np.uint64) -> np.ndarray:
    return ((x << np.uint64(r)) | (x >> np.uint64(w - r))) & mask


def _round_keys(key: tuple[int, int, int], w: int) -> list[np.uint64]:
    """The key schedule: the three key words (cut to W bits), then one word per further round."""
    mask = (1 << w) - 1
    rk = [k & mask for k in key]
    z = _Z & mask
    for i in range(3, _ROUNDS):
        rotated = [(rk[i - 1] >> r | rk[i - 1] << (w - r)) & mask for r in (3, 4)]
        rk.append(_C & mask ^ z & 1 ^ rk[i - 3] ^ rotated[0] ^ rotated[1])
        z >>= 1
    return [np.uint64(k) for k in rk]


def _f(x: np.ndarray, w: int, mask: np.uint64) -> np.ndarray:
    return (_rotl(x, 1, w, mask) & _rotl(x, 8, w, mask)) ^ _rotl(x, 2, w, mask)


def _encrypt(value: np.ndarray, rk: list[np.ndarray], w: int, mask: np.uint64) -> np.ndarray:
    left, right = (value >> np.uint64(w)) & mask, value & mask
    for i in range(0, len(rk), 2):
        left = left ^ _f(right, w, mask) ^ rk[i]
        right = right ^ _f(left, w, mask) ^ rk[i + 1]
    return (left << np.uint64(w)) | right


def _block_size(max_index: int) -> int:
    bits = math.ceil(math.log2(max_index))
    return min(max(bits + bits % 2, _MIN_BLOCK), 64)


def _walk(value: np.ndarray, top: np.ndarray, rk: list[np.uint64], w: int, mask: np.uint64) -> np.ndarray:
    """Encrypt each value, again while above its `top`."""
    active = np.arange(len(value))
    while active.size:
        value[active] = _encrypt(value[active], rk, w, mask)
        active = active[value[active] > top[active]]
    return value


def _walk_by_table(value: np.ndarray, top: int, rk: list[np.uint64], w: int, mask: np.uint64) -> np.ndarray:
    """The walk for the smallest block, where a small top makes it long (2**16 / top steps): the cipher
    of all 2**16 values, then pointer jumping to the first value at most `top` after each (each start
    is at most top, so its cycle has one; cycles of larger values only are never reached)."""
    jump = _encrypt(np.arange(1 << (2 * w), dtype=np.uint64), rk, w, mask)
    starts = value.astype(np.intp)
    while (jump[starts] > top).any():
        far = np.flatnonzero(jump > top)
        jump[far] = jump[jump[far].astype(np.intp)]
    return jump[starts]


def index_shuffle(index: np.ndarray, key: tuple[int, int, int], max_index: np.ndarray) -> np.ndarray:
    """The shuffled positions (uint64) of `index` in the permutations of [0, max_index] keyed by the
    three 32-bit words `key` (index and max_index of one shape)."""
    index, max_index = index.astype(np.uint64).ravel(), max_index.astype(np.uint64).ravel()
    out = np.zeros(len(index), np.uint64)
    blocks = np.array([_block_size(int(m)) if m else 0 for m in max_index.tolist()], np.int64)
    for block in np.unique(blocks[blocks > 0]).tolist():
        w = block // 2
        mask, rk = np.uint64((1 << w) - 1), _round_keys(key, w)
        rows = np.flatnonzero(blocks == block)
        tops = max_index[rows]
        if block == _MIN_BLOCK:
            for top in np.unique(tops).tolist():
                chosen = rows[tops == top]
                out[chosen] = _walk_by_table(index[chosen], top, rk, w, mask)
        else:
            out[rows] = _walk(index[rows], tops, rk, w, mask)
    return out
