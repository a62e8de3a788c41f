"""TFRecord files: TensorFlow's record framing, so that files are exchanged with TensorFlow both ways.

A record is its length (uint64, little-endian), the masked CRC-32C of those 8 bytes (uint32), the
data, and the masked CRC-32C of the data. CRC-32C is the Castagnoli polynomial (not zlib's CRC-32);
"masked" rotates it right by 15 bits and adds a constant, as TensorFlow's `crc32c::Mask` does. Files may
be compressed whole with GZIP or ZLIB. The checksum is the checkpoints' (`train/crc32c.py`: vectorised
NumPy, or google-crc32c when installed).
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any

from tapeflow.core import errors
from tapeflow.train.crc32c import crc32c, mask


def masked_crc32c(data: bytes) -> int:
    return mask(crc32c(data))


@lru_cache(maxsize=1024)
def _length_header(size: int) -> bytes:
    """A record's length and its checksum (records of one size, as a summary's per step, share it)."""
    length = struct.pack("<Q", size)
    return length + struct.pack("<I", masked_crc32c(length))


def frame(record: bytes) -> bytes:
    """One record as it is written to a TFRecord file."""
    return b"".join((_length_header(len(record)), record, struct.pack("<I", masked_crc32c(record))))


def compression(kind: Any) -> str:
    """A compression type as TensorFlow names it: "" (none), "GZIP" or "ZLIB"."""
    kind = getattr(kind, "compression_type", kind)
    kind = "" if kind is None else kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind not in ("", "GZIP", "ZLIB"):
        raise ValueError(f"Unsupported compression type: {kind!r} (use '', 'GZIP' or 'ZLIB').")
    return kind


def open_read(path: str, kind: str, op: str) -> IO[bytes]:
    """A file's bytes, decompressed; TensorFlow's NotFoundError when it does not exist."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory [Op:{op}]") from None
    if kind == "GZIP":
        return gzip.GzipFile(fileobj=raw)
    if kind == "ZLIB":
        with raw:
            return io.BytesIO(zlib.decompress(raw.read()))
    return raw


def read_records(path: str, kind: str) -> Iterator[bytes]:
    """The records of a TFRecord file, checksums verified (TensorFlow's DataLossError otherwise)."""
    with open_read(path, kind, "IteratorGetNext") as f:
        offset = 0
        while True:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise _truncated(offset)
            length, length_crc = struct.unpack("<QI", header)
            if masked_crc32c(header[:8]) != length_crc:
                raise errors.DataLossError(None, None, f"corrupted record at {offset} [Op:IteratorGetNext]")
            body = f.read(length + 4)
            if len(body) < length + 4:
                raise _truncated(offset)
            data = body[:length]
            if masked_crc32c(data) != struct.unpack("<I", body[length:])[0]:  # (TF names the data's offset)
                raise errors.DataLossError(None, None, f"corrupted record at {offset + 12} "
                                                       f"[Op:IteratorGetNext]")
            offset += 16 + length
            yield data


def _truncated(offset: int) -> errors.OpError:
    return errors.DataLossError(None, None, f"truncated record at {offset}' failed with Read less bytes than "
                                f"requested [Op:IteratorGetNext]")


class TFRecordOptions:
    """`tf.io.TFRecordOptions`: how a TFRecord file is compressed."""

    def __init__(self, compression_type: str | None = None, flush_mode: Any = None,
                 input_buffer_size: Any = None, output_buffer_size: Any = None, window_bits: Any = None,
                 compression_level: int | None = None, **ignored: Any):
        self.compression_type = compression(compression_type)
        self.compression_level = compression_level


class TFRecordWriter:
    """`tf.io.TFRecordWriter`: writes records to a TFRecord file (a context manager)."""

    def __init__(self, path: str, options: Any = None):
        kind = compression(options)
        level = getattr(options, "compression_level", None)
        level = 6 if level is None or level < 0 else level
        self._file = open(str(path), "wb")  # noqa: SIM115 - closed by close()
        self._gzip = None
        if kind == "GZIP":
            self._gzip = gzip.GzipFile(fileobj=self._file, mode="wb", compresslevel=level)
        self._zlib = zlib.compressobj(level) if kind == "ZLIB" else None

    def write(self, record: Any) -> None:
        if hasattr(record, "numpy"):
            record = record.numpy()
        framed = frame(record.encode() if isinstance(record, str) else bytes(record))
        if self._gzip is not None:
            self._gzip.write(framed)
        elif self._zlib is not None:
            self._file.write(self._zlib.compress(framed))
        else:
            self._file.write(framed)

    def flush(self) -> None:
        if self._gzip is not None:
            self._gzip.flush()
        self._file.flush()

    def close(self) -> None:
        if self._file.closed:
            return
        if self._gzip is not None:
            self._gzip.close()
        elif self._zlib is not None:
            self._file.write(self._zlib.flush())
        self._file.close()

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
