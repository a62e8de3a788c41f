"""PNG encoding of 8-bit images with the standard library (zlib), for `tf.summary.image`.

A PNG is its signature, an IHDR chunk (size, bit depth 8, colour type by channel count), the rows
compressed with zlib (each row prefixed by filter type 0), and an IEND chunk; every chunk carries
zlib's CRC-32 of its type and data.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # grey, grey + alpha, RGB, RGBA


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: np.ndarray) -> bytes:
    """`image`: uint8 of shape [height, width, channels] with 1 to 4 channels."""
    height, width, channels = image.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPE[channels], 0, 0, 0)
    rows = np.zeros((height, 1 + width * channels), np.uint8)
    rows[:, 1:] = image.reshape(height, width * channels)
    return b"".join((_SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(rows.tobytes())),
                     _chunk(b"IEND", b"")))
