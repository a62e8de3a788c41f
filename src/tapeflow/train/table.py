"""The `.index` file of a checkpoint: a LevelDB-style sorted table (TensorFlow's `table` format).

Layout: data blocks (prefix-compressed sorted entries with restart points), an empty meta-index
block, an index block (one entry per data block, pointing at it), and a 48-byte footer locating the
two last blocks. Every block is followed by a type byte (0: uncompressed) and the masked CRC32C of
block + type byte; the reader checks the footer's magic number and every block's CRC, as
TensorFlow's does, and raises `DataLossError` naming the file otherwise.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from tapeflow.core import errors
from tapeflow.train.crc32c import crc32c, extend, mask, unmask
from tapeflow.train.proto import DecodeError, decode_varint, encode_varint

__all__ = ["read_table", "write_table"]

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_SIZE = 256 * 1024  # TensorFlow's target data block size
RESTART_INTERVAL = 16


class _BlockBuilder:
    """Entries with their key's shared prefix elided, a restart point every `interval` entries."""

    def __init__(self, interval: int):
        self.interval = interval
        self.buffer = bytearray()
        self.restarts = [0]
        self.count = 0
        self.last_key = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.count < self.interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.count = 0
        self.buffer += encode_varint(shared) + encode_varint(len(key) - shared) + encode_varint(len(value))
        self.buffer += key[shared:] + value
        self.last_key = key
        self.count += 1

    def size(self) -> int:
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        restarts = struct.pack(f"<{len(self.restarts)}I", *self.restarts)
        return bytes(self.buffer) + restarts + struct.pack("<I", len(self.restarts))


def _separator(start: bytes, limit: bytes) -> bytes:
    """A short key >= `start` and < `limit` (LevelDB's bytewise FindShortestSeparator)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n and start[i] < 0xFF and start[i] + 1 < limit[i]:
        return start[:i] + bytes([start[i] + 1])
    return start


def _successor(key: bytes) -> bytes:
    """A short key >= `key` (LevelDB's bytewise FindShortSuccessor)."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


def write_table(out, entries: Iterable[tuple[bytes, bytes]]) -> None:
    """Write `entries` (keys strictly increasing) as a table to the binary file `out`."""
    offset = 0
    index = _BlockBuilder(1)
    block = _BlockBuilder(RESTART_INTERVAL)
    pending = None  # the handle of the last data block, indexed once the next key is known
    block_last = b""

    def emit(contents: bytes) -> tuple[int, int]:
        nonlocal offset
        trailer = b"\x00" + struct.pack("<I", mask(extend(crc32c(contents), b"\x00")))
        out.write(contents)
        out.write(trailer)
        handle = (offset, len(contents))
        offset += len(contents) + len(trailer)
        return handle

    for key, value in entries:
        if pending is not None:
            index.add(_separator(block_last, key), pending)
            pending = None
        block.add(key, value)
        if block.size() >= BLOCK_SIZE:
            block_last = block.last_key
            pending = _handle(emit(block.finish()))
            block = _BlockBuilder(RESTART_INTERVAL)
    if block.count:
        block_last = block.last_key
        pending = _handle(emit(block.finish()))
    if pending is not None:
        index.add(_successor(block_last), pending)
    meta = emit(_BlockBuilder(RESTART_INTERVAL).finish())
    index_handle = emit(index.finish())
    footer = _handle(meta) + _handle(index_handle)
    out.write(footer + b"\x00" * (40 - len(footer)) + struct.pack("<II", MAGIC & 0xFFFFFFFF, MAGIC >> 32))


def _handle(handle: tuple[int, int]) -> bytes:
    return encode_varint(handle[0]) + encode_varint(handle[1])


def read_table(data: bytes, filename: str) -> list[tuple[bytes, bytes]]:
    """The entries of the table held in `data` (the whole file), in order; every block's CRC checked."""
    def corrupt(why: str) -> errors.DataLossError:
        return errors.DataLossError(None, None, f"{why} in table file {filename}")

    if len(data) < FOOTER_SIZE:
        raise corrupt("File too short to be an sstable")
    footer = data[-FOOTER_SIZE:]
    lo, hi = struct.unpack("<II", footer[40:])
    if (hi << 32 | lo) != MAGIC:
        raise corrupt("not an sstable (bad magic number)")
    try:
        _, pos = decode_varint(footer, 0)
        _, pos = decode_varint(footer, pos)
        index_offset, pos = decode_varint(footer, pos)
        index_size, pos = decode_varint(footer, pos)
        entries = []
        for _, handle in _block_entries(_block(data, index_offset, index_size, corrupt), corrupt):
            offset, p = decode_varint(handle, 0)
            size, _ = decode_varint(handle, p)
            entries.extend(_block_entries(_block(data, offset, size, corrupt), corrupt))
    except DecodeError as cause:
        raise corrupt(f"bad block contents ({cause})") from None
    for (previous, _), (key, _) in zip(entries, entries[1:]):
        if key <= previous:
            raise corrupt(f"keys out of order ({previous!r} then {key!r})")
    return entries


def _block(data: bytes, offset: int, size: int, corrupt) -> memoryview:
    if offset + size + 5 > len(data) - FOOTER_SIZE:
        raise corrupt("truncated block read")
    contents = memoryview(data)[offset:offset + size + 1]
    stored = struct.unpack("<I", data[offset + size + 1:offset + size + 5])[0]
    if crc32c(contents) != unmask(stored):
        raise corrupt("block checksum mismatch")
    if data[offset + size] != 0:
        raise corrupt("bad block type (compressed blocks are not supported)")
    return contents[:size]


def _block_entries(block: memoryview, corrupt) -> list[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise corrupt("bad block contents")
    restarts = struct.unpack("<I", block[-4:])[0]
    end = len(block) - 4 * (restarts + 1)
    if end < 0:
        raise corrupt("bad block contents")
    entries, pos, key = [], 0, b""
    while pos < end:
        shared, pos = decode_varint(block, pos)
        unshared, pos = decode_varint(block, pos)
        size, pos = decode_varint(block, pos)
        if shared > len(key) or pos + unshared + size > end:
            raise corrupt("bad entry in block")
        key = key[:shared] + bytes(block[pos:pos + unshared])
        pos += unshared
        entries.append((key, bytes(block[pos:pos + size])))
        pos += size
    return entries
