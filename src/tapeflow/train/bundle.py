"""A tensor bundle: TensorFlow's checkpoint storage, `P.index` (a table of entries) + `P.data-*` (bytes).

The data file is the tensors' bytes concatenated (little-endian, C order, no padding); the index maps
each key to a `BundleEntryProto` saying where its bytes are, their dtype, shape and CRC32C. The key ""
holds the bundle header. Strings are stored as varint lengths, a masked CRC of the lengths, then
the bytes.

Writing streams each array straight from its buffer into the data file and reading fills each
array straight from the file (no intermediate copies). Files are written under temporary names and
renamed, the data file before the index, so an interrupted save never leaves an index pointing at
missing or partial data. Every read checks sizes and CRCs and raises TensorFlow's error classes
(`NotFoundError`, `DataLossError`, `InvalidArgumentError`) naming the file and the tensor.
"""

from __future__ import annotations

import os
import struct
import uuid
from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.train import messages, proto
from tapeflow.train.crc32c import crc32c, extend, mask, unmask
from tapeflow.train.table import read_table, write_table

__all__ = ["BundleReader", "BundleWriter", "data_filename", "index_filename"]

# TensorFlow's DataType enum values and the NumPy dtypes they hold (7: DT_STRING, object arrays).
_NUMPY_BY_ENUM = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 8: "complex64",
                  9: "int64", 10: "bool", 17: "uint16", 18: "complex128", 19: "float16", 22: "uint32",
                  23: "uint64"}
_ENUM_BY_NUMPY = {np.dtype(v): k for k, v in _NUMPY_BY_ENUM.items()}
DT_STRING, DT_BFLOAT16 = 7, 14
DTYPE_NAMES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
               8: "complex64", 9: "int64", 10: "bool", 14: "bfloat16", 17: "uint16", 18: "complex128",
               19: "float16", 22: "uint32", 23: "uint64"}
# TensorFlow's own names for them, as its C++ error messages print them.
TF_DTYPE_NAMES = {**DTYPE_NAMES, 1: "float", 2: "double", 19: "half"}


class TruncatedError(errors.DataLossError, IndexError):
    """A data file ends before a tensor's bytes do. TensorFlow raises `IndexError` ("Read less bytes
    than requested") there; this is also a `DataLossError`, so either `except` catches it."""
HEADER_KEY = b""
_VERSION = {"producer": 1}


def index_filename(prefix: str) -> str:
    return f"{prefix}.index"


def data_filename(prefix: str, shard: int = 0, num_shards: int = 1) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


def temporary_name(path: str) -> str:
    """Where a file is written before it is renamed to `path` (TensorFlow's `.tempstate` names)."""
    return f"{path}.tempstate{uuid.uuid4().int % 10**19}"


def dtype_enum(array: np.ndarray) -> int:
    if array.dtype == object or array.dtype.kind in "SU":
        return DT_STRING
    if array.dtype.name == "bfloat16":
        return DT_BFLOAT16
    try:
        return _ENUM_BY_NUMPY[array.dtype.newbyteorder("=")]
    except KeyError:
        raise errors.InvalidArgumentError(
            None, None, f"Cannot save a tensor of dtype {array.dtype}") from None


def numpy_dtype(enum: int) -> np.dtype:
    if enum == DT_BFLOAT16:
        try:
            import ml_dtypes
        except ImportError:
            raise errors.UnimplementedError(
                None, None, "Reading bfloat16 tensors needs the ml_dtypes package") from None
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(_NUMPY_BY_ENUM[enum])


def slice_key(name: str, extents: list[tuple[int, int]]) -> bytes:
    """The table key of one slice of tensor `name` (TensorFlow's OrderedCode encoding): 0, the name,
    the rank, then each dimension's start and length (-1: the whole dimension)."""
    escaped = name.encode().replace(b"\xff", b"\xff\x00").replace(b"\x00", b"\x00\xff")
    key = _ordered_unsigned(0) + escaped + b"\x00\x01" + _ordered_unsigned(len(extents))
    for start, length in extents:
        key += _ordered_signed(start) + _ordered_signed(length)
    return key


def _ordered_unsigned(value: int) -> bytes:
    """An unsigned number as its byte count then its big-endian bytes (0 is one zero byte)."""
    digits = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return bytes([len(digits)]) + digits


def _ordered_signed(value: int) -> bytes:
    """A signed number in n bytes that sort as the numbers do: its two's complement, with the first n
    bits replaced by n ones and a zero (so inverted for negative numbers) saying the length."""
    magnitude = ~value if value < 0 else value
    length = (magnitude.bit_length() + 7) // 7  # 7 value bits per byte, one of them the sign
    encoded = bytearray((value % (1 << 80)).to_bytes(10, "big")[-length:])
    header = (0xFFFF << (16 - length)) & 0xFFFF
    encoded[0] ^= header >> 8
    if length > 1:
        encoded[1] ^= header & 0xFF
    return bytes(encoded)


class BundleWriter:
    """Writes one bundle: `add` each tensor (any key order), then `finish` (or `abort`)."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._data_path = data_filename(prefix)
        directory = os.path.dirname(prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self._temp = temporary_name(self._data_path)
        self._file = open(self._temp, "wb", buffering=0)
        self._offset = 0
        self._entries: dict[bytes, bytes] = {}

    def add(self, key: str | bytes, value: Any) -> None:
        key = key.encode() if isinstance(key, str) else key
        if key in self._entries or key == HEADER_KEY:
            raise errors.InvalidArgumentError(
                None, None, f"Adding duplicate key: {key.decode(errors='replace')}")
        array = np.asarray(value)
        enum = dtype_enum(array)
        if enum == DT_STRING:
            size, crc = self._write_strings(array)
        else:
            flat = np.ascontiguousarray(array.reshape(-1)).astype(array.dtype.newbyteorder("<"), copy=False)
            buffer = memoryview(flat).cast("B") if flat.size else b""
            size, crc = self._write(buffer), crc32c(buffer)
        entry = {"dtype": enum, "shape": {"dim": [{"size": d} for d in array.shape]},
                 "offset": self._offset, "size": size, "crc32c": mask(crc)}
        self._offset += size
        self._entries[key] = proto.encode(messages.BUNDLE_ENTRY, entry)

    def _write(self, buffer) -> int:
        view = memoryview(buffer)
        written = 0
        while written < len(view):
            written += self._file.write(view[written:])
        return written

    def _write_strings(self, array: np.ndarray) -> tuple[int, int]:
        items = [x.encode() if isinstance(x, str) else bytes(x) for x in array.reshape(-1)]
        lengths = [len(x) for x in items]
        wide = any(n >= 1 << 32 for n in lengths)
        packed_lengths = struct.pack(f"<{len(lengths)}{'Q' if wide else 'I'}", *lengths)
        stored = struct.pack("<I", mask(crc32c(packed_lengths)))
        body = b"".join(items)
        size = self._write(b"".join(proto.encode_varint(n) for n in lengths) + stored + body)
        return size, extend(extend(crc32c(packed_lengths), stored), body)

    def finish(self) -> None:
        """Write the index under a temporary name, then rename the data file into place, then the index.
        An index already under this prefix (an older checkpoint) is removed first, so that a crash in
        between leaves no index beside data it does not describe."""
        self._file.close()
        header = proto.encode(messages.BUNDLE_HEADER, {"num_shards": 1, "version": _VERSION})
        entries = [(HEADER_KEY, header), *sorted(self._entries.items())]
        index = index_filename(self.prefix)
        self._index_temp = temporary_name(index)
        with open(self._index_temp, "wb") as out:
            write_table(out, entries)
        if os.path.exists(index):
            os.remove(index)
        os.replace(self._temp, self._data_path)
        os.replace(self._index_temp, index)

    def abort(self) -> None:
        """Close and remove the temporary files of an unfinished bundle."""
        self._file.close()
        for temp in (self._temp, getattr(self, "_index_temp", None)):
            if temp and os.path.exists(temp):
                os.remove(temp)


class BundleReader:
    """Reads a bundle written by TensorFlow or `BundleWriter`: its entries, and each tensor on request."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self._files: dict[int, Any] = {}
        self._index = index_filename(prefix)
        if os.path.isdir(prefix):
            raise errors.DataLossError(
                None, None, f"Unable to open table file {prefix}: FAILED_PRECONDITION: {prefix}; Is a "
                "directory: perhaps your file is in a different file format and you need to use a different "
                "restore operator?")
        try:
            with open(self._index, "rb") as f:
                data = f.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise errors.NotFoundError(
                None, None, f"Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
                f"for {prefix}") from None
        table = read_table(data, self._index)
        if not table or table[0][0] != HEADER_KEY:
            raise errors.DataLossError(None, None, f"Missing bundle header in {self._index}")
        header = self._decode(messages.BUNDLE_HEADER, table[0][1], "the bundle header")
        version = header.get("version", {})
        if version.get("min_consumer", 0) > 1 or 1 in version.get("bad_consumers", []):
            raise errors.InvalidArgumentError(
                None, None, f"Checkpoint {prefix} needs a newer reader (min_consumer "
                f"{version.get('min_consumer')}); this one is version 1")
        self.num_shards = header.get("num_shards", 1)
        self._big_endian = header.get("endianness", 0) == 1
        self._raw = dict(table[1:])
        self.entries: dict[str, dict] = {}
        for key, value in table[1:]:
            if key.startswith(b"\x00"):  # a slice of a partitioned tensor (binary OrderedCode key)
                continue
            name = key.decode("utf-8", "backslashreplace")
            self.entries[name] = self._decode(messages.BUNDLE_ENTRY, value, f"the entry of {name!r}")

    def _decode(self, fields: dict, value: bytes, what: str) -> dict:
        try:
            return proto.decode(fields, value)
        except proto.DecodeError as cause:
            raise errors.DataLossError(None, None, f"Corrupt {what} in {self._index}: {cause}") from None

    def shape(self, key: str) -> list[int]:
        return [d.get("size", 0) for d in self.entries[key].get("shape", {}).get("dim", [])]

    def dtype_enum(self, key: str) -> int:
        return self.entries[key].get("dtype", 0)

    def read(self, key: str) -> np.ndarray:
        """The tensor stored under `key`, its size and CRC32C checked."""
        entry = self.entries.get(key)
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint {self.prefix}")
        if entry.get("slices"):
            return self._read_slices(key, entry)
        return self._read_entry(key, entry)

    def _read_entry(self, key: str, entry: dict) -> np.ndarray:
        shape = [d.get("size", 0) for d in entry.get("shape", {}).get("dim", [])]
        enum = entry.get("dtype", 0)
        size, offset, shard = entry.get("size", 0), entry.get("offset", 0), entry.get("shard_id", 0)
        where = f"tensor {key!r} in {data_filename(self.prefix, shard, self.num_shards)}"
        if enum == DT_STRING:
            return self._read_strings(key, entry, shape, where)
        try:
            dtype = numpy_dtype(enum)
        except KeyError:
            raise errors.DataLossError(None, None, f"Unknown dtype {enum} for {where}") from None
        if size != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise errors.DataLossError(None, None, f"Size of {where} is {size} bytes, but its shape "
                                       f"{shape} and dtype {DTYPE_NAMES.get(enum)} need "
                                       f"{int(np.prod(shape)) * dtype.itemsize}")
        array = np.empty(shape, dtype.newbyteorder(">") if self._big_endian else dtype)
        buffer = memoryview(array.reshape(-1)).cast("B") if array.size else memoryview(b"")
        self._read_into(shard, offset, buffer, where)
        self._check(crc32c(buffer), entry, where)
        return array.astype(dtype) if self._big_endian else array

    def _read_slices(self, key: str, entry: dict) -> np.ndarray:
        """A tensor saved in pieces (sharded saves, partitioned variables): each slice is an entry of its
        own, keyed by the tensor's name and the slice's extents (`slice_key`)."""
        shape = self.shape(key)
        if entry.get("dtype") == DT_STRING:
            out = np.empty(shape, object)
        else:
            out = np.empty(shape, numpy_dtype(entry.get("dtype", 0)))
        for piece in entry["slices"]:
            extents = [(e.get("start", 0), e.get("length", -1)) for e in piece.get("extent", [])]
            raw = self._raw.get(slice_key(key, extents))
            if raw is None:
                raise errors.DataLossError(None, None, f"Slice {extents} of tensor {key!r} is missing from "
                                           f"{self._index}")
            part = self._read_entry(key, self._decode(messages.BUNDLE_ENTRY, raw, f"a slice of {key!r}"))
            region = tuple(slice(start, None if length < 0 else start + length) for start, length in extents)
            if part.dtype != out.dtype or out[region].shape != part.shape:
                raise errors.DataLossError(None, None, f"Slice {extents} of tensor {key!r} in {self.prefix} "
                                           f"has dtype {part.dtype} and shape {part.shape}")
            out[region] = part
        return out

    def _read_strings(self, key: str, entry: dict, shape: list, where: str) -> np.ndarray:
        size, offset, shard = entry.get("size", 0), entry.get("offset", 0), entry.get("shard_id", 0)
        raw = bytearray(size)
        self._read_into(shard, offset, memoryview(raw), where)
        count = int(np.prod(shape, dtype=np.int64))
        lengths, pos = [], 0
        try:
            for _ in range(count):
                n, pos = proto.decode_varint(raw, pos)
                lengths.append(n)
        except proto.DecodeError:
            raise errors.DataLossError(None, None, f"Corrupt string lengths of {where}") from None
        wide = any(n >= 1 << 32 for n in lengths)
        packed = struct.pack(f"<{count}{'Q' if wide else 'I'}", *lengths)
        stored = bytes(raw[pos:pos + 4])
        if len(stored) < 4 or unmask(struct.unpack("<I", stored)[0]) != crc32c(packed):
            raise errors.DataLossError(None, None, f"The length checksum does not match for {where}")
        body = memoryview(raw)[pos + 4:]
        if len(body) != sum(lengths):
            raise errors.DataLossError(None, None, f"Size of {where} does not match its string lengths")
        self._check(extend(extend(crc32c(packed), stored), body), entry, where)
        out = np.empty(count, object)
        start = 0
        for i, n in enumerate(lengths):
            out[i] = bytes(body[start:start + n])
            start += n
        return out.reshape(shape)

    def _check(self, crc: int, entry: dict, where: str) -> None:
        stored = unmask(entry.get("crc32c", 0))
        if crc != stored:
            raise errors.DataLossError(None, None, f"Checksum does not match: stored {stored} vs. calculated "
                                       f"on the restored bytes {crc}, reading {where}")

    def _read_into(self, shard: int, offset: int, buffer: memoryview, where: str) -> None:
        if not len(buffer):
            return
        if shard >= self.num_shards:
            raise errors.DataLossError(None, None, f"Shard {shard} of {where} is past the bundle's "
                                       f"{self.num_shards} shards")
        f = self._files.get(shard)
        if f is None:
            path = data_filename(self.prefix, shard, self.num_shards)
            try:
                f = self._files[shard] = open(path, "rb", buffering=0)
            except FileNotFoundError:
                raise errors.NotFoundError(None, None, f"{path}; No such file or directory (reading "
                                           f"{where})") from None
        f.seek(offset)
        done = 0
        while done < len(buffer):
            n = f.readinto(buffer[done:])
            if not n:
                raise TruncatedError(None, None, f"Read less bytes than requested: {len(buffer)} bytes at "
                                     f"offset {offset} for {where}, the file ends after {done}")
            done += n

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()

    def __del__(self) -> None:
        self.close()
