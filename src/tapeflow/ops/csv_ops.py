"""CSV parsing: `tf.io.decode_csv` (an op over a tensor of lines) and the row format `CsvDataset` shares.

Each line is split by Python's `csv` module (quotes as TensorFlow's `use_quote_delim`), the selected
columns converted to the dtype of their `record_defaults` entry; an empty field (or `na_value`) takes
the entry's default, or is TensorFlow's error when the entry is required (an empty tensor, or a
dtype for `CsvDataset`).
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue

_ALLOWED = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


class Default:
    """One column's `record_defaults` entry: its dtype, and its default (None: required)."""

    def __init__(self, dtype: dtypes.DType, value: Any):
        self.dtype, self.value = dtype, value


def defaults(record_defaults: Any, allow_dtypes: bool = False) -> list[Default]:
    out = []
    for entry in record_defaults:
        if isinstance(entry, dtypes.DType) and allow_dtypes:
            dtype, value = entry, None
        else:
            tensor = convert_to_tensor(entry)
            if tensor.shape.num_elements() not in (0, 1) or tensor.shape.rank > 1:
                raise ValueError(f"Shape of a default must be a length-0 or length-1 vector, or a scalar, "
                                 f"got "
                                 f"{tensor.shape}.")
            dtype = tensor.dtype
            value = None if tensor.shape.num_elements() == 0 else np.asarray(tensor._value).reshape(-1)[0]
        if dtype not in _ALLOWED:
            raise TypeError(f"Unsupported dtype {dtype.name} in record_defaults: use one of float32, "
                            f"float64, "
                            f"int32, int64, string.")
        out.append(Default(dtype, value))
    return out


class CsvFormat:
    """How lines are split: delimiter, quoting, the text meaning "missing", the columns kept; `op` is
    the op TensorFlow's errors name (`DecodeCSV`, or `IteratorGetNext` for a CsvDataset)."""

    def __init__(self, field_delim: str = ",", use_quote_delim: bool = True, na_value: str = "",
                 select_cols: Any = None, op: str = "DecodeCSV"):
        self.op = op
        if len(field_delim) != 1:
            raise self._error("field_delim should be only 1 char")
        self.delimiter, self.quoting, self.na_value = field_delim, use_quote_delim, na_value
        self.select = None if select_cols is None else [int(c) for c in select_cols]

    def _error(self, message: str) -> errors.OpError:
        return errors.InvalidArgumentError(None, None, f"{message} [Op:{self.op}]")

    def parse(self, line: bytes, columns: list[Default], record: int) -> list:
        """The typed values of one line (NumPy scalars, bytes for strings)."""
        text = line.decode("utf-8", "surrogateescape")
        quoting = csv.QUOTE_MINIMAL if self.quoting else csv.QUOTE_NONE
        reader = csv.reader([text], delimiter=self.delimiter, quoting=quoting,
                            quotechar='"' if self.quoting else None)
        fields = next(reader, [""])
        if self.select is not None and self.select and self.select[-1] < len(fields):
            fields = [fields[c] for c in self.select]
        if len(fields) != len(columns):
            raise self._error(f"Expect {len(columns)} fields but have {len(fields)} in record {record}")
        return [self._value(field, column, i, record)
                for i, (field, column) in enumerate(zip(fields, columns))]

    def _value(self, field: str, column: Default, index: int, record: int) -> Any:
        if field == "" or field == self.na_value:
            if column.value is None:  # (TF's CsvDataset does not number the record here)
                where = f"record {record}" if self.op == "DecodeCSV" else "record"
                raise self._error(f"Field {index} is required but missing in {where}!")
            return column.value if column.dtype is dtypes.string else column.dtype._np.type(column.value)
        if column.dtype is dtypes.string:
            return field.encode("utf-8", "surrogateescape")
        try:
            number = int(field) if column.dtype.is_integer else float(field)
            if column.dtype.is_integer and not column.dtype.min <= number <= column.dtype.max:
                raise ValueError(field)
        except ValueError:
            kind = {"float32": "float", "float64": "double"}.get(column.dtype.name, column.dtype.name)
            raise self._error(f"Field {index} in record {record} is not a valid {kind}: {field}") from None
        return column.dtype._np.type(number)


def _scalar(value: bytes) -> np.ndarray:
    out = np.empty((), object)
    out[()] = value
    return out


def _decode_kernel(records: Any, columns: tuple, fmt: CsvFormat) -> tuple:
    records = np.asarray(records, object)
    outs = [np.empty(records.shape, c.dtype._np) for c in columns]
    for number, index in enumerate(np.ndindex(records.shape)):
        for out, value in zip(outs, fmt.parse(records[index], list(columns), number)):
            out[index] = value
    return tuple(out if out.ndim else _scalar(out[()]) if out.dtype == object else out[()] for out in outs)


_decode_csv = Op("DecodeCSV", _decode_kernel, None, multiple_results=True,
                 infer=lambda records, columns, fmt: [AbstractValue(np.shape(records), c.dtype._np)
                                                      for c in columns])


def decode_csv(records: Any, record_defaults: Any, field_delim: str = ",", use_quote_delim: bool = True,
               name: str | None = None, na_value: str = "", select_cols: Any = None) -> list:
    """`tf.io.decode_csv`: one tensor per column, of the records' shape."""
    records = convert_to_tensor(records, dtype=dtypes.string)
    columns = tuple(defaults(record_defaults))
    if select_cols is not None and len(select_cols) != len(columns):
        raise ValueError("Length of select_cols and record_defaults do not match.")
    fmt = CsvFormat(field_delim, use_quote_delim, na_value, select_cols)
    return list(bind(_decode_csv, (records,), {"columns": columns, "fmt": fmt}))
