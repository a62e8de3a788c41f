"""`tf.RaggedTensor`, as far as text needs it: rows of different lengths, eager or traced.

A ragged tensor is `values` (a tensor, or another ragged tensor for more ragged dimensions) cut into
rows by `row_splits` (int64: row i is `values[splits[i]:splits[i+1]]`). Everything it computes
(`row_lengths`, `to_tensor`, indexing) is written in tapeflow's own ops, so the same code runs on
concrete tensors and on the symbolic ones of a traced function, and tapes record it: gradients reach
`flat_values`. It is a composite tensor: its `RaggedTensorSpec` (ragged_spec.py) is its trace type,
and `flat_values` with the nested `row_splits` its components, as in TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import CompositeTensor, Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import array_ops, gather_ops, math_ops, reduce_ops, sequence_ops
from tapeflow.ops import creation_ops as creation
from tapeflow.ops.ragged_spec import RaggedTensorSpec


class RaggedTensor(CompositeTensor):
    """Rows of `values` delimited by `row_splits` (see the module doc)."""

    __slots__ = ("_values", "_row_splits")

    def __init__(self, values: Any, row_splits: Any):
        self._values = values
        self._row_splits = row_splits

    # ---- construction ----------------------------------------------------------------------------

    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: str | None = None,
                        validate: bool = True) -> RaggedTensor:
        values = values if isinstance(values, RaggedTensor) else convert_to_tensor(values)
        splits = convert_to_tensor(row_splits, dtype_hint=dtypes.int64)
        if splits.dtype not in (dtypes.int32, dtypes.int64):
            raise ValueError(f"dtype of row_splits must be int32 or int64, got {splits.dtype.name}")
        if validate and type(splits) is Tensor and _concrete(values):
            s = np.asarray(splits._value)
            if (s.ndim != 1 or not len(s) or s[0] != 0 or np.any(np.diff(s) < 0)
                    or s[-1] != _nrows(values)):
                raise errors.InvalidArgumentError(
                    None, None, "Arguments to _from_row_partition do not form a valid RaggedTensor")
        return cls(values, splits)

    @classmethod
    def from_row_lengths(cls, values: Any, row_lengths: Any, name: str | None = None,
                         validate: bool = True) -> RaggedTensor:
        lengths = convert_to_tensor(row_lengths, dtype_hint=dtypes.int64)
        kind = lengths.dtype if lengths.dtype in (dtypes.int32, dtypes.int64) else dtypes.int64
        if type(lengths) is Tensor:
            sums = np.cumsum(np.asarray(lengths._value, kind._np))
            splits = Tensor(np.concatenate([[0], sums]).astype(kind._np))
        else:
            splits = array_ops.concat([creation.zeros([1], kind),
                                       reduce_ops.cumsum(math_ops.cast(lengths, kind))], 0)
        return cls.from_row_splits(values, splits, validate=validate)

    @classmethod
    def from_nested_row_splits(cls, flat_values: Any, nested_row_splits: Any, name: str | None = None,
                               validate: bool = True) -> RaggedTensor:
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor: Any, lengths: Any = None, padding: Any = None, ragged_rank: int = 1,
                    name: str | None = None, row_splits_dtype: Any = dtypes.int64) -> RaggedTensor:
        """Each row of a dense tensor, whole (or its first `lengths[i]` entries)."""
        if padding is not None or ragged_rank != 1:
            raise NotImplementedError("RaggedTensor.from_tensor with padding or ragged_rank > 1.")
        x = convert_to_tensor(tensor)
        shape = creation.shape(x, out_type=dtypes.int64)
        nrows, width = shape[0], shape[1]
        if lengths is None:
            lengths = creation.fill([nrows], width)
        mask = sequence_ops.sequence_mask(lengths, width)
        return cls.from_row_lengths(gather_ops.boolean_mask(x, mask), lengths, validate=False)

    def with_flat_values(self, new_values: Any) -> RaggedTensor:
        """The same rows over other flat values (which must have as many rows)."""
        inner = new_values if not isinstance(self._values, RaggedTensor) else self._values.with_flat_values(
            new_values)
        return RaggedTensor(inner, self._row_splits)

    def with_values(self, new_values: Any) -> RaggedTensor:
        return RaggedTensor(new_values, self._row_splits)

    # ---- properties ------------------------------------------------------------------------------

    @property
    def values(self) -> Any:
        return self._values

    @property
    def row_splits(self) -> Any:
        return self._row_splits

    @property
    def flat_values(self) -> Any:
        return self._values.flat_values if isinstance(self._values, RaggedTensor) else self._values

    @property
    def nested_row_splits(self) -> tuple:
        inner = self._values.nested_row_splits if isinstance(self._values, RaggedTensor) else ()
        return (self._row_splits, *inner)

    @property
    def ragged_rank(self) -> int:
        return len(self.nested_row_splits)

    @property
    def dtype(self) -> dtypes.DType:
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return self._row_splits.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([self._static_nrows(), *[None] * self.ragged_rank,
                            *self.flat_values.shape.as_list()[1:]])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def _type_spec(self) -> RaggedTensorSpec:
        return RaggedTensorSpec(self.shape, self.dtype, self.ragged_rank, self.row_splits_dtype)

    def _static_nrows(self) -> int | None:
        n = self._row_splits.shape[0]
        return None if n is None else n - 1

    def nrows_int(self) -> int:
        return len(self._row_splits._value) - 1

    def nrows(self, out_type: Any = None, name: str | None = None) -> Any:
        out_type = self.row_splits_dtype if out_type is None else out_type
        static = self._static_nrows()
        if static is not None:
            return Tensor(dtypes.as_dtype(out_type)._np.type(static))
        return creation.shape(self._row_splits, out_type=out_type)[0] - 1

    def row_starts(self, name: str | None = None) -> Any:
        return self._row_splits[:-1]

    def row_limits(self, name: str | None = None) -> Any:
        return self._row_splits[1:]

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Any:
        if axis != 1:
            raise NotImplementedError("RaggedTensor.row_lengths of an axis other than 1.")
        return self._row_splits[1:] - self._row_splits[:-1]

    def value_rowids(self, name: str | None = None) -> Any:
        """The row of each value."""
        lengths = self.row_lengths()
        mask = sequence_ops.sequence_mask(lengths, _longest(lengths))
        rows = array_ops.broadcast_to(creation.range(creation.shape(lengths)[0], dtype=dtypes.int64)[:, None],
                                      creation.shape(mask))
        return gather_ops.boolean_mask(rows, mask)

    def bounding_shape(self, axis: Any = None, name: str | None = None,
                       out_type: Any = dtypes.int64) -> Tensor:
        shape = creation.shape(self.to_tensor(), out_type=out_type)
        return shape if axis is None else shape[axis]

    # ---- conversions -----------------------------------------------------------------------------

    def _rows(self) -> list:
        """Each row (eagerly): a NumPy array (the last ragged dimension) or a list of rows."""
        splits = self._row_splits._value
        if isinstance(self._values, RaggedTensor):
            inner = self._values._rows()
            return [inner[a:b] for a, b in zip(splits[:-1], splits[1:])]
        values = np.asarray(self._values._value)
        return [values[a:b] for a, b in zip(splits[:-1], splits[1:])]

    def to_list(self) -> list:
        return nest.map_structure(lambda a: a.tolist(), self._rows())

    def numpy(self) -> np.ndarray:
        """Rows as NumPy arrays in an object array (TensorFlow's `numpy()` of a ragged tensor)."""
        rows = self._rows()
        return _object_rows([row if isinstance(row, np.ndarray) else _object_rows(row) for row in rows])

    def to_tensor(self, default_value: Any = None, name: str | None = None, shape: Any = None) -> Any:
        """The rows padded (with `default_value`, zeros or b"" by default) to a dense tensor: each
        position gathers its value, or the padding appended after the values."""
        dtype = self.dtype
        fill = (b"" if dtype is dtypes.string else 0) if default_value is None else default_value
        fill = convert_to_tensor(fill, dtype=dtype)
        target = [None] * (self.ragged_rank + self.flat_values.shape.rank) if shape is None else (
            TensorShape(shape).as_list())
        values = self._values
        inner = values.to_tensor(fill, shape=[None, *target[2:]]) if isinstance(values, RaggedTensor) else (
            values)
        if not isinstance(values, RaggedTensor) and any(d is not None for d in target[2:]):
            raise NotImplementedError("RaggedTensor.to_tensor with a shape for the uniform dimensions.")
        if fill.shape.rank:
            raise NotImplementedError("RaggedTensor.to_tensor with a non-scalar default_value.")
        splits = math_ops.cast(self._row_splits, dtypes.int64)
        starts, lengths = splits[:-1], splits[1:] - splits[:-1]
        if target[0] is not None:  # rows past the last are empty; rows past the target dropped
            starts, lengths = (_resized(t, target[0]) for t in (starts, lengths))
        width = _longest(lengths) if target[1] is None else target[1]
        mask = sequence_ops.sequence_mask(lengths, width)
        nvalues = creation.shape(inner, out_type=dtypes.int64)[0]
        index = math_ops.where(mask, starts[:, None] + creation.range(width, dtype=dtypes.int64)[None, :],
                               nvalues)
        padded = array_ops.pad(inner, [[0, 1]] + [[0, 0]] * (inner.shape.rank - 1), constant_values=fill)
        return gather_ops.gather(padded, index)

    # ---- indexing --------------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            head, *rest = key
            if not rest:
                return self[head]
            if isinstance(head, slice):
                raise NotImplementedError("Ragged indexing with a slice followed by more indices.")
            row = self[head]
            return row[tuple(rest)] if isinstance(row, RaggedTensor) else row[tuple(rest) if len(rest) > 1
                                                                             else rest[0]]
        splits = self._row_splits
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise NotImplementedError("Ragged row slices with a step are not in tapeflow yet.")
            starts = splits[:-1][key]  # the rows' starts, and one past the last row
            stop = splits[1:][key][-1:]
            bounds = array_ops.concat([starts, stop], 0) if starts.shape[0] != 0 else splits[:1]
            return RaggedTensor(_rows_of(self._values, bounds[0], bounds[-1]), bounds - bounds[0])
        index = key
        nrows = self._static_nrows()
        if isinstance(index, int | np.integer) and nrows is not None:
            if not -nrows <= index < nrows:
                raise errors.InvalidArgumentError(None, None, f"slice index {index} of dimension 0 out of "
                                                              f"bounds.")
            index %= nrows
        elif isinstance(index, int | np.integer) and index < 0:
            index = self.nrows() + index
        return _rows_of(self._values, splits[index], splits[index + 1])

    # ---- arithmetic (elementwise on flat values with a scalar or a ragged of the same rows) ------

    def _elementwise(self, other: Any, op: Callable) -> RaggedTensor:
        return map_flat_values(op, self, other)

    def __add__(self, other: Any) -> RaggedTensor:
        return self._elementwise(other, math_ops.add)

    def __sub__(self, other: Any) -> RaggedTensor:
        return self._elementwise(other, math_ops.subtract)

    def __mul__(self, other: Any) -> RaggedTensor:
        return self._elementwise(other, math_ops.multiply)

    def __truediv__(self, other: Any) -> RaggedTensor:
        return self._elementwise(other, math_ops.truediv)

    def __repr__(self) -> str:
        if _concrete(self):
            return f"<tf.RaggedTensor {self.to_list()!r}>"
        return f"tf.RaggedTensor(values={self._values!s}, row_splits={self._row_splits!s})"

    __str__ = __repr__


def _object_rows(rows: list) -> np.ndarray:
    out = np.empty(len(rows), object)
    out[:] = rows
    return out


def _concrete(value: Any) -> bool:
    if isinstance(value, RaggedTensor):
        return type(value._row_splits) is Tensor and _concrete(value._values)
    return type(value) is Tensor


def _nrows(values: Any) -> int:
    if isinstance(values, RaggedTensor):
        return values.nrows_int()
    return values.shape[0] if values.shape.rank else 0


def _longest(lengths: Any) -> Any:
    """The longest of `lengths` (0 for none)."""
    return reduce_ops.reduce_max(array_ops.concat([lengths, creation.zeros([1], lengths.dtype)], 0))


def _resized(vector: Any, size: int) -> Any:
    """`vector` cut to `size` entries, or padded with zeros to it."""
    padded = array_ops.pad(vector, [[0, size]])
    return padded[:size]


def _rows_of(values: Any, start: Any, stop: Any) -> Any:
    """Rows `start:stop` of `values` (a tensor, or a ragged tensor: its rows with their values)."""
    if isinstance(values, RaggedTensor):
        splits = values._row_splits[start:stop + 1]
        return RaggedTensor(_rows_of(values._values, splits[0], splits[-1]), splits - splits[0])
    return values[start:stop]


def constant(pylist: Any, dtype: Any = None, ragged_rank: int | None = None, inner_shape: Any = None,
             name: str | None = None, row_splits_dtype: Any = dtypes.int64) -> RaggedTensor:
    """`tf.ragged.constant`: nested Python lists of different lengths as a ragged tensor (ragged in
    every dimension but the innermost scalars')."""
    depth = _depth(pylist)
    if depth < 2:
        raise ValueError("tf.ragged.constant needs a list of lists (a ragged rank of at least 1).")
    rank = depth - 1 if ragged_rank is None else ragged_rank
    splits_list, flat = [], pylist
    for _ in range(rank):
        lengths = [len(row) for row in flat]
        splits_list.append(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64))
        flat = [item for row in flat for item in row]
    values = convert_to_tensor(flat, dtype=dtype) if flat else convert_to_tensor(
        np.zeros(0, (dtypes.as_dtype(dtype) if dtype is not None else dtypes.float32)._np))
    return RaggedTensor.from_nested_row_splits(values, splits_list)


def _depth(value: Any) -> int:
    if not isinstance(value, list | tuple):
        return 0
    return 1 + max((_depth(v) for v in value), default=0)


def map_flat_values(op: Callable, *args: Any, **kwargs: Any) -> Any:
    """`tf.ragged.map_flat_values`: `op` applied to the flat values of the ragged arguments (which
    must share their row partitions), the result given their rows."""
    template = None

    def flat(value: Any) -> Any:
        nonlocal template
        if isinstance(value, RaggedTensor):
            template = template or value
            return value.flat_values
        return value

    new_args = [flat(a) for a in args]
    new_kwargs = {k: flat(v) for k, v in kwargs.items()}
    if template is None:
        raise ValueError("map_flat_values needs at least one RaggedTensor argument.")
    return template.with_flat_values(op(*new_args, **new_kwargs))


def is_ragged(value: Any) -> bool:
    return isinstance(value, RaggedTensor)


RaggedTensorSpec.value_type = RaggedTensor  # (the spec's module cannot import this one)

__all__ = ["RaggedTensor", "RaggedTensorSpec", "constant", "is_ragged", "map_flat_values"]
