"""Datasets that read files: lines of text, TFRecord records and CSV rows.

Files are read lazily, one after the other, when a pass reaches them (a missing file is TensorFlow's
NotFoundError then, at the iterator). `filenames` may be one path, a list of them, a string
tensor or a dataset of names. CSV rows are parsed by `tapeflow.io`'s `decode_csv` rules, one line per record.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.tensor import TensorLike
from tapeflow.data import tfrecord
from tapeflow.data.dataset import AUTOTUNE, UNKNOWN, Dataset
from tapeflow.data.transforms import interleaved
from tapeflow.ops.csv_ops import CsvFormat, defaults
from tapeflow.tracing.signatures import TensorSpec


def _paths(filenames: Any) -> list[str] | Dataset:
    """The file names: a list, or a dataset of string scalars read at each pass."""
    if isinstance(filenames, Dataset):
        spec = filenames.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype != dtypes.string:
            raise TypeError(f"The `filenames` argument must contain `tf.string` elements. Got a dataset of "
                            f"`{spec.dtype!r}` elements.")
        return filenames
    if isinstance(filenames, TensorLike):
        filenames = filenames.numpy()
    if isinstance(filenames, str | bytes):
        filenames = [filenames]
    values = np.asarray(filenames, object).reshape(-1).tolist()
    if not values:
        raise ValueError("`filenames` must be a non-empty list of file names.")
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _each_path(paths: list[str] | Dataset) -> Iterator[str]:
    if isinstance(paths, Dataset):
        for (name,) in paths._elements():
            yield np.asarray(name, object)[()].decode()
    else:
        yield from paths


class _FileDataset(Dataset):
    """Records of each file in turn, a string scalar each; with `num_parallel_reads`, that many files
    interleaved a record at a time, as TensorFlow's parallel interleave orders them."""

    def __init__(self, filenames: Any, compression_type: Any, num_parallel_reads: Any = None):
        super().__init__(TensorSpec([], dtypes.string))
        self._paths = _paths(filenames)
        self._compression = tfrecord.compression(compression_type)
        reads = None if num_parallel_reads is None else int(num_parallel_reads)
        self._cycle = (os.cpu_count() or 1) if reads == AUTOTUNE else reads or 1

    def _records(self, path: str) -> Iterator[bytes]:
        raise NotImplementedError

    def _elements(self) -> Iterator[list]:
        files = (([record] for record in self._records(path)) for path in _each_path(self._paths))
        return interleaved(files, self._cycle, 1)

    def _cardinality(self) -> int:
        return UNKNOWN


def text_lines(path: str, compression: str) -> Iterator[bytes]:
    """The lines of a text file, without their "\\n" or "\\r\\n"."""
    with tfrecord.open_read(path, compression, "IteratorGetNext") as f:
        for line in f:
            yield line[:-2] if line.endswith(b"\r\n") else line[:-1] if line.endswith(b"\n") else line


class TextLineDataset(_FileDataset):
    """`tf.data.TextLineDataset`: each line of the files."""

    _tf_name = "TextLineDatasetV2"

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: str | None = None):
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records(self, path: str) -> Iterator[bytes]:
        return text_lines(path, self._compression)


class TFRecordDataset(_FileDataset):
    """`tf.data.TFRecordDataset`: each record of the TFRecord files, checksums verified."""

    _tf_name = "TFRecordDatasetV2"

    def __init__(self, filenames: Any, compression_type: Any = None, buffer_size: Any = None,
                 num_parallel_reads: Any = None, name: str | None = None):
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _records(self, path: str) -> Iterator[bytes]:
        return tfrecord.read_records(path, self._compression)


class CsvDataset(Dataset):
    """`tf.data.experimental.CsvDataset`: each line of the files as a tuple of fields, typed by
    `record_defaults` (a dtype: a required field; a value: the default of an empty one)."""

    _tf_name = "CsvDatasetV2"

    def __init__(self, filenames: Any, record_defaults: Any, compression_type: Any = None,
                 buffer_size: Any = None, header: bool = False, field_delim: str = ",",
                 use_quote_delim: bool = True, na_value: str = "",
                 select_cols: Any = None, exclude_cols: Any = None, name: str | None = None):
        self._defaults = defaults(record_defaults, allow_dtypes=True)
        if exclude_cols is not None:
            if select_cols is not None:
                raise ValueError("Either select_cols or exclude_cols should be set, not both.")
            select_cols = [c for c in range(len(self._defaults) + len(exclude_cols)) if c not in exclude_cols]
        self._format = CsvFormat(field_delim, use_quote_delim, na_value, select_cols, op="IteratorGetNext")
        super().__init__(tuple(TensorSpec([], d.dtype) for d in self._defaults))
        self._paths = _paths(filenames)
        self._compression = tfrecord.compression(compression_type)
        self._header = bool(header)

    def _elements(self) -> Iterator[list]:
        for path in _each_path(self._paths):
            lines = text_lines(path, self._compression)
            if self._header:
                next(lines, None)
            for number, line in enumerate(lines):
                yield self._format.parse(line, self._defaults, number)

    def _cardinality(self) -> int:
        return UNKNOWN
