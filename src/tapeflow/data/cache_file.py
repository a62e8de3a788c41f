"""`Dataset.cache(filename)`: a complete pass written to a file and read back by later passes.

The file (`filename` + ".tapeflow-cache") holds TFRecord-framed records (tfrecord.py), one per
element: each component as NumPy's `.npy` bytes, strings as their lengths and their concatenated
bytes. A pass writes to a temporary file renamed when the pass completes, so a partial pass leaves
nothing. The format is tapeflow's own: TensorFlow's cache files are not read.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.data import structure, tfrecord

_SUFFIX = ".tapeflow-cache"


def _encode(value: Any) -> bytes:
    array = np.asarray(value)
    buffer = io.BytesIO()
    if array.dtype == object:
        flat = [bytes(v) for v in array.reshape(-1)]
        np.save(buffer, np.array(array.shape, np.int64), allow_pickle=False)
        np.save(buffer, np.array([len(v) for v in flat], np.int64), allow_pickle=False)
        return b"S" + buffer.getvalue() + b"".join(flat)
    np.save(buffer, array, allow_pickle=False)
    return b"N" + buffer.getvalue()


def _decode(data: bytes) -> Any:
    buffer = io.BytesIO(data[1:])
    if data[:1] == b"N":
        array = np.load(buffer, allow_pickle=False)
        return array if array.ndim else array[()]
    shape, lengths = np.load(buffer, allow_pickle=False), np.load(buffer, allow_pickle=False)
    rest = buffer.read()
    out = np.empty(len(lengths), object)
    ends = np.cumsum(lengths)
    out[:] = [rest[end - n:end] for n, end in zip(lengths.tolist(), ends.tolist())]
    return out.reshape(shape)


def _record(flat: list) -> bytes:
    parts = [_encode(v) for v in flat]
    return struct.pack(f"<{len(parts) + 1}Q", len(parts), *map(len, parts)) + b"".join(parts)


def _element(record: bytes) -> list:
    (count,) = struct.unpack_from("<Q", record)
    sizes = struct.unpack_from(f"<{count}Q", record, 8)
    at, out = 8 * (count + 1), []
    for size in sizes:
        out.append(_decode(record[at:at + size]))
        at += size
    return out


def cached_pass(filename: str, dataset: Any) -> Iterator[list]:
    """A pass read from the cache file, or from `dataset` while writing the cache file."""
    path = filename + _SUFFIX
    flat_spec = nest.flatten(dataset.element_spec)  # (ragged and sparse values are kept as their parts)
    if os.path.exists(path):
        for record in tfrecord.read_records(path, ""):
            yield structure.close_flat(_element(record), flat_spec)
        return
    partial = f"{path}.{os.getpid()}.partial"
    with open(partial, "wb") as out:
        try:
            for flat in dataset._elements():
                out.write(tfrecord.frame(_record(structure.open_flat(flat, flat_spec))))
                yield flat
        except BaseException:
            out.close()
            os.remove(partial)
            raise
    os.replace(partial, path)
