"""CRC32C (Castagnoli), the checksum TensorFlow stores for every block and tensor of a checkpoint.

`google-crc32c` (hardware CRC instructions) is used when installed; otherwise the CRC is computed
with vectorised NumPy. The CRC is linear over GF(2), so instead of the byte-at-a-time loop the data
is cut into 64-byte chunks, each chunk's CRC is one table look-up per byte (a table per position in
the chunk) XOR-ed together, and the chunk CRCs are merged pairwise in a tree, each merge shifting the
left CRC over the right chunk's length with four 256-entry tables (the CRC of zero bytes).

TensorFlow stores CRCs masked (`mask`), so that a CRC of data holding CRCs is not degenerate.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["crc32c", "extend", "mask", "unmask"]

_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_CHUNK = 64  # bytes per chunk of the vectorised CRC
_BLOCK = 1 << 20  # bytes per block, so temporaries stay in cache
_MASK_DELTA = 0xA282EAD8


def _byte_table() -> np.ndarray:
    """The CRC register after one byte b, from a zero register: the classic byte table."""
    crc = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        crc = np.where(crc & 1, (crc >> 1) ^ np.uint32(_POLY), crc >> 1).astype(np.uint32)
    return crc


_T0 = _byte_table()


def _apply(tables: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A linear map of 32-bit values, given as four byte tables, applied to `x` (uint32)."""
    return (tables[0][x & 0xFF] ^ tables[1][(x >> 8) & 0xFF] ^ tables[2][(x >> 16) & 0xFF]
            ^ tables[3][x >> 24])


@lru_cache(maxsize=64)
def _shift(n: int) -> np.ndarray:
    """The map "run the register over `n` zero bytes", as four byte tables ((4, 256) uint32)."""
    if n == 1:
        basis = (np.arange(256, dtype=np.uint32)[None, :] << (8 * np.arange(4, dtype=np.uint32))[:, None])
        return (_T0[basis & 0xFF] ^ (basis >> 8)).astype(np.uint32)
    half = _shift(n // 2)
    twice = _apply(half, half)
    return _apply(_shift(1), twice) if n % 2 else twice


@lru_cache(maxsize=1)
def _position_tables() -> np.ndarray:
    """For each position p of a chunk, the raw CRC contribution of byte b there ((CHUNK, 256))."""
    tables = np.empty((_CHUNK, 256), np.uint32)
    tables[_CHUNK - 1] = _T0
    for p in range(_CHUNK - 2, -1, -1):
        tables[p] = _apply(_shift(1), tables[p + 1])
    return tables


def _raw_numpy(data: np.ndarray) -> int:
    """The CRC register after `data` from a zero register, with no final inversion (linear in data)."""
    n = data.size
    head = n % _CHUNK
    crc = 0
    if head:  # leading zero bytes leave a zero register unchanged: pad the first chunk in front
        first = np.zeros(_CHUNK, np.uint8)
        first[_CHUNK - head:] = data[:head]
        crc = int(_chunk_crcs(first.reshape(1, _CHUNK))[0])
    for start in range(head, n, _BLOCK):
        block = data[start:start + _BLOCK]
        crcs = _chunk_crcs(block.reshape(-1, _CHUNK))
        crc = int(_apply(_shift(block.size), np.uint32(crc))) ^ _merge(crcs)
    return crc


def _chunk_crcs(chunks: np.ndarray) -> np.ndarray:
    """The raw CRC of each row of `chunks` ((n, CHUNK) bytes): per position, one look-up per row."""
    tables = _position_tables()
    columns = np.ascontiguousarray(chunks.T)  # each position's bytes contiguous: faster look-ups
    acc = tables[0].take(columns[0])
    for p in range(1, _CHUNK):
        acc ^= tables[p].take(columns[p])
    return acc


def _merge(crcs: np.ndarray) -> int:
    """The raw CRC of consecutive chunks from theirs, merged pairwise (left shifted over right)."""
    length = _CHUNK
    while crcs.size > 1:
        if crcs.size % 2:  # a zero chunk in front changes nothing
            crcs = np.concatenate([np.zeros(1, np.uint32), crcs])
        crcs = _apply(_shift(length), crcs[0::2]) ^ crcs[1::2]
        length *= 2
    return int(crcs[0]) if crcs.size else 0


def _extend_numpy(crc: int, data: memoryview) -> int:
    array = np.frombuffer(data, np.uint8)
    ones = int(_apply(_shift(array.size), np.uint32(crc ^ 0xFFFFFFFF))) if array.size else crc ^ 0xFFFFFFFF
    return ones ^ _raw_numpy(array) ^ 0xFFFFFFFF


def _google_extend() -> object | None:
    """`google-crc32c`'s CRC over a buffer without copying it, or None when it is not installed.

    Its Python function takes `bytes` only (a copy of every tensor); the library it bundles exports
    the C function `crc32c_extend(crc, pointer, size)`, which is called through ctypes instead (it
    releases the GIL). Without that library, the Python function is used on a copy."""
    try:
        import google_crc32c
    except ImportError:
        return None
    if google_crc32c.implementation != "c":
        return None  # the pure-Python fallback is slower than NumPy
    import ctypes
    import pathlib

    package = pathlib.Path(google_crc32c.__file__).parent
    for library in sorted(package.parent.glob("google_crc32c.libs/libcrc32c*")):
        try:
            function = ctypes.CDLL(str(library)).crc32c_extend
        except (OSError, AttributeError):
            continue
        function.argtypes = (ctypes.c_uint32, ctypes.c_void_p, ctypes.c_size_t)
        function.restype = ctypes.c_uint32

        return _pointer_extend(function)
    return lambda crc, data: google_crc32c.extend(crc, bytes(data))


def _pointer_extend(function: object) -> object:
    def extend_pointer(crc: int, data: memoryview) -> int:
        array = np.frombuffer(data, np.uint8)
        return function(crc, array.ctypes.data, array.size) if array.size else crc

    return extend_pointer


_extend = _google_extend() or _extend_numpy


def extend(crc: int, data: bytes | bytearray | memoryview | np.ndarray) -> int:
    """The CRC32C of the bytes hashed so far (whose CRC is `crc`) followed by `data`."""
    view = memoryview(data).cast("B") if not isinstance(data, np.ndarray) else memoryview(
        np.ascontiguousarray(data)).cast("B")
    return _extend(crc, view)


def crc32c(data: bytes | bytearray | memoryview | np.ndarray) -> int:
    """The CRC32C of `data`."""
    return extend(0, data)


def mask(crc: int) -> int:
    """TensorFlow's masked CRC: rotated right by 15 bits, plus a constant."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rotated = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF
