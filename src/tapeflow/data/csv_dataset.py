"""`tf.data.experimental.make_csv_dataset`: CSV files to batches of `(features, label)`, the columns
named by the header and typed by inference from the first rows, as TensorFlow does: int32 if every
value fits, else int64, else float32, else string; an empty field is the type's zero.

The pipeline is TensorFlow's: CsvDataset -> repeat(num_epochs) -> shuffle -> batch -> map to an
OrderedDict of columns (the label apart) -> prefetch. Files are read as UTF-8, one after the other
(`num_parallel_reads` and `sloppy` change nothing).
"""

from __future__ import annotations

import collections
import csv
from typing import Any

import numpy as np

from tapeflow.core.tensor import Tensor
from tapeflow.data.dataset import AUTOTUNE, Dataset
from tapeflow.data.readers import CsvDataset, text_lines
from tapeflow.data.tfrecord import compression
from tapeflow.io.gfile import glob

_INT32 = np.iinfo(np.int32)


def _rows(path: str, kind: str, delimiter: str, limit: int) -> list[list[str]]:
    lines = []
    for line in text_lines(path, kind):
        lines.append(line.decode("utf-8"))
        if len(lines) > limit:
            break
    return list(csv.reader(lines, delimiter=delimiter))


def _infer(values: list[str], na_value: str) -> Tensor:
    """The default (and so the type) of a column from its values."""
    present = [v for v in values if v not in ("", na_value)]

    def all_parse(kind: type) -> bool:
        try:
            for v in present:
                kind(v)
        except ValueError:
            return False
        return True

    if all_parse(int):
        fits = all(_INT32.min <= int(v) <= _INT32.max for v in present)
        return Tensor(np.int32(0) if fits else np.int64(0))
    if all_parse(float):
        return Tensor(np.float32(0))
    out = np.empty((), object)
    out[()] = b""
    return Tensor(out)


def _columns(select: Any, names: list[str]) -> list[int]:
    indices = []
    for column in select:
        if isinstance(column, str):
            if column not in names:
                raise ValueError(f"Value {column!r} in `select_columns` is not a column name: {names}")
            indices.append(names.index(column))
        else:
            indices.append(int(column))
    return sorted(indices)


def make_csv_dataset(file_pattern: Any, batch_size: int, column_names: Any = None,
                     column_defaults: Any = None, label_name: str | None = None, select_columns: Any = None,
                     field_delim: str = ",", use_quote_delim: bool = True, na_value: str = "",
                     header: bool = True, num_epochs: int | None = None, shuffle: bool = True,
                     shuffle_buffer_size: int = 10000, shuffle_seed: int | None = None,
                     prefetch_buffer_size: int | None = None, num_parallel_reads: Any = None,
                     sloppy: bool = False, num_rows_for_inference: int = 100, compression_type: Any = None,
                     ignore_errors: bool = False, encoding: str = "utf-8") -> Dataset:
    """Batches of `(OrderedDict of columns, label)` (or of the dict alone, with no `label_name`)."""
    if ignore_errors:
        raise NotImplementedError("make_csv_dataset(ignore_errors=True) is not in tapeflow yet.")
    patterns = [file_pattern] if isinstance(file_pattern, str | bytes) else list(file_pattern)
    files = [f for pattern in patterns for f in glob(pattern)]
    if not files:
        raise ValueError(f"No files match `file_pattern` {file_pattern}.")
    kind = compression(compression_type)
    rows = _rows(files[0], kind, field_delim, num_rows_for_inference)
    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` argument to be set.")
        column_names = rows[0]
    names = list(column_names)
    data_rows = rows[1:] if header else rows
    indices = list(range(len(names))) if select_columns is None else _columns(select_columns, names)
    selected = [names[i] for i in indices]
    if label_name is not None and label_name not in selected:
        raise ValueError(f"`label_name` provided must be one of the columns: {selected}. Received: "
                         f"{label_name}.")
    if column_defaults is None:
        defaults = [_infer([row[i] for row in data_rows if i < len(row)], na_value) for i in indices]
    else:
        defaults = list(column_defaults)
    dataset = CsvDataset(files, defaults, compression_type=kind or None, header=header,
                         field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                         select_cols=indices)
    if num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    if shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    dataset = dataset.batch(batch_size)

    def to_features(*columns: Any) -> Any:
        features = collections.OrderedDict(zip(selected, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    dataset = dataset.map(to_features)
    return dataset.prefetch(AUTOTUNE if prefetch_buffer_size is None else prefetch_buffer_size)


