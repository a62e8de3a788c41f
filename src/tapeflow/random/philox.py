"""Philox4x32-10 and the way TensorFlow's CPU kernels turn its stream into numbers.

Pure NumPy and the standard library (its one tapeflow import, glibc_float32, is pure NumPy too), so
the bit-level rules stay apart from seeds and ops. A stream is a key (k0, k1) and a 128-bit block
counter; block i of a draw is Philox(key, base + i), four uint32 words. Everything is vectorised
over blocks with uint64 arithmetic, in chunks that stay in the CPU cache and run on a thread pool
(NumPy releases the GIL), as TensorFlow's kernels use every core. When Numba is installed, draws of
1024 blocks or more run as philox_native's kernels instead (the same numbers, 5-10x faster).

The fill rules follow TensorFlow's `FillPhiloxRandom`: output group g always reads block base + g
(truncated normals: block base + g * 256 or 128), so a draw does not depend on how it is split.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.random import glibc_float32  # (pure NumPy; its table loads on first use)

_W0, _W1 = 0x9E3779B9, 0xBB67AE85
_32 = np.uint64(32)
MASK64 = (1 << 64) - 1
# The key that turns a stateless seed pair into a key and counter (StatelessRandomGetKeyCounter).
_SEED_SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)
# Blocks each stateful kernel call reserves per output element.
BLOCKS_PER_OUTPUT = 256
# Blocks per chunk of work, so that its arrays stay in the L2 cache: large for Philox alone, small
# for Box-Muller's float64 temporaries (measured: 20 ns per pair at 8192 blocks, 31 at 32768).
_CHUNK = 32768
_NORMAL_CHUNK = 8192
_POOL: list[Any] = []  # the ThreadPoolExecutor, made on first use (concurrent.futures loads slowly)
# Draws of at least this many blocks run as philox_native's Numba kernels when Numba is installed
# (None: never). Smaller ones stay in NumPy, where they are quick, so that a program drawing little
# never waits for Numba to load (0.5 s, plus the kernels' machine code from Numba's cache).
_NATIVE: dict[str, Any] = {"min_blocks": 1024, "module": None}


def _threads() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _parallel(n: int, chunk: int, work: Callable[[int, int], None]) -> None:
    """work(start, stop) over [0, n) in chunks, on a thread pool when there are several chunks."""
    spans = [(start, min(start + chunk, n)) for start in range(0, n, chunk)]
    if len(spans) <= 1 or _threads() <= 1:
        for span in spans:
            work(*span)
        return
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor  # (loaded on first use: keeps imports fast)

        _POOL.append(ThreadPoolExecutor(_threads(), thread_name_prefix="tapeflow-philox"))
    for _ in _POOL[0].map(lambda span: work(*span), spans):  # (re-raises a worker's exception)
        pass


def set_native_min_blocks(blocks: int | None) -> int | None:
    """Run draws of at least `blocks` blocks natively (0: all; None: none, the NumPy path); returns
    the previous setting. For tests and benchmarks, which compare the two paths."""
    previous, _NATIVE["min_blocks"] = _NATIVE["min_blocks"], blocks
    return previous


def _native(blocks: int) -> Any:
    """philox_native for a draw of `blocks` blocks, or None where it runs in NumPy."""
    threshold = _NATIVE["min_blocks"]
    if threshold is None or blocks < threshold:
        return None
    if _NATIVE["module"] is None:
        try:
            from tapeflow.random import philox_native  # (Numba: loaded on the first large draw)
        except ImportError:  # (Numba is not installed)
            philox_native = False
        _NATIVE["module"] = philox_native
    return _NATIVE["module"] or None


def _native_stream(key: tuple[int, int], counter: int) -> tuple[np.uint64, ...]:
    """A native kernel's first arguments: the key words and the 128-bit counter's low and high halves."""
    counter &= (1 << 128) - 1
    return (np.uint64(key[0] & 0xFFFFFFFF), np.uint64(key[1] & 0xFFFFFFFF), np.uint64(counter & MASK64),
            np.uint64(counter >> 64))


def _fill_native(kernel: Callable, key: tuple[int, int], counter: int, n: int, per_block: int,
                 dtype: np.dtype, *tables: Any) -> np.ndarray:
    """`n` values, `per_block` from each block, by the native `kernel` over parallel chunks."""
    count = -(-n // per_block)
    out = np.empty(count * per_block, dtype)

    def work(start: int, stop: int) -> None:
        kernel(*_native_stream(key, counter + start), out[start * per_block:stop * per_block], *tables)

    _parallel(count, _CHUNK, work)
    return out[:n]


def blocks(key: tuple[int, int], counter: int, n: int) -> np.ndarray:
    """Philox4x32-10 of `n` successive 128-bit counters from `counter`: a uint32 array [n, 4]."""
    return _fill(key, counter, 4 * n, 4, np.uint32, lambda w: w.ravel()).reshape(n, 4)


def at(key: tuple[int, int], base: int, offsets: np.ndarray) -> np.ndarray:
    """Philox4x32-10 of the counters base + offsets[i] (uint64 offsets): a uint32 array [n, 4].

    Computed in chunks that stay in the CPU cache. The state is kept as A = [c0, c2] and
    B = [c1, c3] (uint32); one round is P = A * (M0, M1) in uint64, A = hi(P)[::-1] ^ B ^ key and
    B = lo(P)[::-1], where hi and lo are strided uint32 views of P (no copies)."""
    base &= (1 << 128) - 1
    n = len(offsets)
    out = np.empty((n, 4), np.uint32)
    native = _native(n)
    if native is not None:
        native.blocks_at(*_native_stream(key, base), offsets.astype(np.uint64, copy=False), out.reshape(-1))
        return out
    keys = _round_keys(key)
    buffers = [np.empty((2, min(n, _CHUNK)), np.uint64) for _ in range(2)]
    for start in range(0, n, _CHUNK):
        low = offsets[start:start + _CHUNK] + np.uint64(base & MASK64)
        m = len(low)
        high = np.full(m, base >> 64, dtype=np.uint64)
        if (base & MASK64) + int(offsets[start:start + m].max()) > MASK64:  # the low word wraps: carry
            high[low < offsets[start:start + m]] += np.uint64(1)
        a = np.empty((2, m), np.uint32)
        b = np.empty((2, m), np.uint32)
        a[0], b[0] = low.view(np.uint32)[0::2], low.view(np.uint32)[1::2]
        a[1], b[1] = high.view(np.uint32)[0::2], high.view(np.uint32)[1::2]
        products = [buffer[:, :m] for buffer in buffers]
        for r in range(10):
            p = products[r & 1]
            np.multiply(a, _MULTIPLIERS, out=p)
            halves = p.view(np.uint32)
            np.bitwise_xor(halves[::-1, 1::2], b, out=a)
            a ^= keys[r]
            b = halves[::-1, 0::2]
        block = out[start:start + m]
        block[:, 0], block[:, 1], block[:, 2], block[:, 3] = a[0], b[0], a[1], b[1]
    return out


# Empty stand-ins of the float32 tables for the float64 truncated normal kernel, which never reads them
_NO_TABLES = (np.zeros((2, 0)), np.zeros(0, np.int8), np.zeros(0, np.uint8), np.zeros(0, np.int16),
              np.zeros(0, np.uint8))
_MULTIPLIERS = np.array([[0xD2511F53], [0xCD9E8D57]], np.uint64)


def _round_keys(key: tuple[int, int]) -> list[np.ndarray]:
    """The key of each of the ten rounds, as a [2, 1] uint32 column."""
    k0, k1 = key[0] & 0xFFFFFFFF, key[1] & 0xFFFFFFFF
    keys = []
    for _ in range(10):
        keys.append(np.array([[k0], [k1]], np.uint32))
        k0, k1 = (k0 + _W0) & 0xFFFFFFFF, (k1 + _W1) & 0xFFFFFFFF
    return keys


def words(key: tuple[int, int], counter: int, count: int) -> np.ndarray:
    """The first `count` uint32 words of the stream from block `counter`."""
    return blocks(key, counter, -(-count // 4)).reshape(-1)[:count]


def shuffled_order(key: tuple[int, int], counter: int, size: int) -> np.ndarray:
    """TF's shuffle permutation of range(size): a forward Fisher-Yates shuffle swapping i with
    i + w_i % (size - i) for the words w_i from `counter` on (a Python loop: each swap depends on the
    ones before)."""
    order = list(range(size))
    if size > 1:
        w = words(key, counter, size - 1)
        targets = (np.arange(size - 1) + w % np.arange(size, 1, -1, dtype=np.uint32)).tolist()
        for i, j in enumerate(targets):
            order[i], order[j] = order[j], order[i]
    return np.array(order, np.intp)


def stateless_key_counter(seed0: int, seed1: int) -> tuple[tuple[int, int], int]:
    """The key and counter a stateless op derives from its seed pair (sign-extended to 64 bits)."""
    s0, s1 = seed0 & MASK64, seed1 & MASK64
    m = blocks(_SEED_SCRAMBLE_KEY, s0 | s1 << 64, 1)[0]
    return (int(m[0]), int(m[1])), int(m[2]) << 64 | int(m[3]) << 96


# ---- uniform -------------------------------------------------------------------------------------

def float32_from_words(w: np.ndarray) -> np.ndarray:
    """[0, 1) floats from the low 23 bits of each word: bits(0x3F800000 | w & 0x7FFFFF) - 1."""
    bits = (w & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)
    return bits.view(np.float32) - np.float32(1)


def float64_from_pairs(w0: np.ndarray, w1: np.ndarray) -> np.ndarray:
    """[0, 1) doubles with mantissa (w0 & 0xFFFFF) << 32 | w1."""
    bits = (w0.astype(np.uint64) & np.uint64(0xFFFFF)) << _32
    bits |= w1
    bits |= np.uint64(0x3FF0000000000000)
    return bits.view(np.float64) - 1.0


def float16_from_words(w: np.ndarray) -> np.ndarray:
    """[0, 1) halves from the low 10 bits of each word."""
    bits = ((w & np.uint32(0x3FF)) | np.uint32(0x3C00)).astype(np.uint16)
    return bits.view(np.float16) - np.float16(1)


def _fill(key: tuple[int, int], counter: int, n: int, per_block: int, dtype: np.dtype,
          convert: Callable[[np.ndarray], np.ndarray], chunk: int = _CHUNK) -> np.ndarray:
    """`n` values, `per_block` from each block: convert(blocks [m, 4]) gives a chunk's values."""
    count = -(-n // per_block)
    out = np.empty(count * per_block, dtype)

    def work(start: int, stop: int) -> None:
        out[start * per_block:stop * per_block] = convert(at(key, counter + start,
                                                             np.arange(stop - start, dtype=np.uint64)))

    _parallel(count, chunk, work)
    return out[:n]


def uniform(key: tuple[int, int], counter: int, n: int, dtype: np.dtype) -> np.ndarray:
    """`n` uniform [0, 1) values of a float `dtype`, as TF's RandomUniform kernel draws them."""
    dtype = np.dtype(dtype)
    native = _native(n // 4) if dtype != np.float16 else None
    if native is not None:
        if dtype == np.float64:
            return _fill_native(native.uniform_float64, key, counter, n, 2, dtype)
        return _fill_native(native.uniform_float32, key, counter, n, 4, dtype)
    if dtype == np.float64:
        return _fill(key, counter, n, 2, dtype, lambda w: float64_from_pairs(w[:, 0::2], w[:, 1::2]).ravel())
    convert = float16_from_words if dtype == np.float16 else float32_from_words
    return _fill(key, counter, n, 4, dtype, lambda w: convert(w.ravel()))


def full_int(key: tuple[int, int], counter: int, n: int, dtype: np.dtype) -> np.ndarray:
    """`n` integers over the whole range of int32/int64 (uint32 words, or pairs w0 | w1 << 32)."""
    if np.dtype(dtype) == np.int64:
        return _fill(key, counter, n, 2, np.int64, lambda w: w.view(np.int64).ravel())
    return _fill(key, counter, n, 4, np.int32, lambda w: w.view(np.int32).ravel())


def uniform_int(key: tuple[int, int], counter: int, n: int, low: int, high: int,
                dtype: np.dtype) -> np.ndarray:
    """`n` integers lo + (w % (hi - lo)) of int32 or int64 (TF's plain, slightly biased, modulo)."""
    if np.dtype(dtype) == np.int64:
        span, offset = np.uint64((high - low) & MASK64), np.uint64(low & MASK64)
        return _fill(key, counter, n, 2, np.int64,
                     lambda w: (w.view(np.uint64).ravel() % span + offset).view(np.int64))
    span, offset = np.uint32((high - low) & 0xFFFFFFFF), np.uint32(low & 0xFFFFFFFF)
    return _fill(key, counter, n, 4, np.int32, lambda w: (w.ravel() % span + offset).view(np.int32))


# ---- normal --------------------------------------------------------------------------------------

_TWO_PI = 2 * np.pi  # 2π as a double, as TF's `2 * M_PI`


def box_muller_float32(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TF's BoxMullerFloat over word arrays: (sin(v) r, cos(v) r) in float32 with
    u1 = max(U(a), 1e-7f), r = sqrtf(-2 logf(u1)) and v = (float)(2π U(b)), through glibc's
    logf, sinf and cosf (which depend on the low 23 bits of a and b only)."""
    log = glibc_float32.logf(a & np.uint32(0x7FFFFF))
    log *= np.float32(-2)
    r = np.sqrt(log, out=log)
    sin, cos = glibc_float32.sincosf(b & np.uint32(0x7FFFFF))
    sin *= r
    cos *= r
    return sin, cos


def _glibc_log(x: np.ndarray) -> np.ndarray:
    """glibc's double `log` (through `math.log`, which calls it): NumPy's SIMD log differs in the
    last bit for about 0.3 % of inputs."""
    return np.fromiter(map(math.log, x.tolist()), np.float64, len(x))


def box_muller_float64(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TF's BoxMullerDouble over blocks [n, 4]: u1 = max(D(w0, w1), 1e-7), v = 2π D(w2, w3)."""
    u1 = np.maximum(float64_from_pairs(w[:, 0], w[:, 1]), 1e-7)
    v = _TWO_PI * float64_from_pairs(w[:, 2], w[:, 3])
    r = np.sqrt(-2.0 * _glibc_log(u1))
    return np.sin(v) * r, np.cos(v) * r


def _interleave(sin: np.ndarray, cos: np.ndarray) -> np.ndarray:
    out = np.empty(2 * len(sin), sin.dtype)
    out[0::2], out[1::2] = sin, cos
    return out


def normal(key: tuple[int, int], counter: int, n: int, dtype: np.dtype) -> np.ndarray:
    """`n` standard normal values, as TF's RandomStandardNormal kernel draws them (float16: the
    float32 values, rounded)."""
    dtype = np.dtype(dtype)
    native = _native(n // 4)
    if native is not None:
        if dtype == np.float64:
            return _fill_native(native.normal_float64, key, counter, n, 2, dtype)
        tables = glibc_float32.native_tables()
        sample = _fill_native(native.normal_float32, key, counter, n, 4, np.float32, tables)
        return sample.astype(dtype, copy=False)
    if dtype == np.float64:
        return _fill(key, counter, n, 2, dtype, lambda w: _interleave(*box_muller_float64(w)), _NORMAL_CHUNK)
    return _fill(key, counter, n, 4, dtype, lambda w: _interleave(*box_muller_float32(w[:, 0::2].ravel(),
                                                                                      w[:, 1::2].ravel())),
                 _NORMAL_CHUNK)


def truncated_normal(key: tuple[int, int], counter: int, n: int, dtype: np.dtype) -> np.ndarray:
    """`n` standard normal values with |x| < 2, as TF's TruncatedNormal kernel draws them: output
    group g (4 floats, or 2 doubles) reads the stream from block base + g * 256 (doubles: 128),
    keeping Box-Muller candidates in the order sin, cos while |x| < 2. A block gives one group's worth
    of candidates: the first blocks are read in parallel chunks, then the next blocks of the groups
    still short of values (17 % of float32 groups, 9 % of float64), all together, until none is."""
    dtype = np.dtype(dtype)
    double = dtype == np.float64
    group, skip = (2, 128) if double else (4, 256)
    groups = -(-n // group)
    out = np.empty((groups, group), np.float64 if double else np.float32)
    native = _native(groups)
    if native is not None:
        stream = _native_stream(key, counter)
        tables = _NO_TABLES if double else glibc_float32.native_tables()
        _parallel(groups, _CHUNK, lambda start, stop: native.truncated_normal(*stream, start, out[start:stop],
                                                                               tables))
        return out.reshape(-1)[:n].astype(dtype, copy=False)
    filled = np.zeros(groups, np.int64)
    short: list[np.ndarray] = []

    def first_blocks(start: int, stop: int) -> None:
        offsets = np.arange(start, stop, dtype=np.uint64) * np.uint64(skip)
        candidates = _candidates(key, counter, offsets, double)
        out[start:stop] = candidates  # right for the groups whose candidates all fall inside
        keep = np.abs(candidates) < 2
        partial = np.flatnonzero(~keep.all(axis=1))
        filled[start:stop] = group
        filled[start + partial] = 0
        short.append(_keep(start + partial, candidates[partial], keep[partial], out, filled))

    _parallel(groups, _NORMAL_CHUNK, first_blocks)
    active, read = np.concatenate(short) if short else np.zeros(0, np.intp), 1
    while active.size:
        offsets = active.astype(np.uint64) * np.uint64(skip) + np.uint64(read)
        candidates = _candidates(key, counter, offsets, double)
        active = _keep(active, candidates, np.abs(candidates) < 2, out, filled)
        read += 1
    return out.reshape(-1)[:n].astype(dtype, copy=False)


def _candidates(key: tuple[int, int], counter: int, offsets: np.ndarray, double: bool) -> np.ndarray:
    """The Box-Muller values (sin, cos, ...) of the blocks counter + offsets: one row per block."""
    w = at(key, counter, offsets)
    if double:
        sin, cos = box_muller_float64(w)
    else:
        sin, cos = box_muller_float32(w[:, 0::2].ravel(), w[:, 1::2].ravel())
    return np.stack([sin, cos], axis=-1).reshape(len(offsets), -1)


def _keep(active: np.ndarray, candidates: np.ndarray, keep: np.ndarray, out: np.ndarray,
          filled: np.ndarray) -> np.ndarray:
    """The `keep` candidates of the groups `active` fill `out` after the `filled` values they have;
    returns the groups still short."""
    group = out.shape[1]
    position = filled[active, None] + np.cumsum(keep, axis=1) - 1
    take = keep & (position < group)
    rows = np.broadcast_to(active[:, None], candidates.shape)
    out[rows[take], position[take]] = candidates[take]
    filled[active] = np.minimum(position[:, -1] + 1, group)
    return active[filled[active] < group]
