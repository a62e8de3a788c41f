"""`tf.RaggedTensor`, as far as text needs it: rows of different lengths, eagerly.

A ragged tensor is `values` (a tensor, or another ragged tensor for more ragged dimensions) cut into
rows by `row_splits` (int64: row i is `values[splits[i]:splits[i+1]]`). Elementwise work goes through
`flat_values` (`tf.ragged.map_flat_values`), so it is ordinary tensor code — recorded by tapes, so
gradients reach `flat_values`. Ragged tensors are not traced into compiled functions, nor carried
by datasets, in tapeflow yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape


class RaggedTensor:
    """Rows of `values` delimited by `row_splits` (see the module doc)."""

    def __init__(self, values: Any, row_splits: Tensor):
        self._values = values
        self._row_splits = row_splits

    # ---- construction ----------------------------------------------------------------------------

    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: str | None = None,
                        validate: bool = True) -> RaggedTensor:
        values = values if isinstance(values, RaggedTensor) else convert_to_tensor(values)
        splits = np.asarray(convert_to_tensor(row_splits, dtype_hint=dtypes.int64)._value).astype(np.int64)
        if validate and (splits.ndim != 1 or not len(splits) or splits[0] != 0 or np.any(np.diff(splits) < 0)
                         or splits[-1] != _nrows(values)):
            raise errors.InvalidArgumentError(None, None, "Arguments to _from_row_partition do not form a "
                                                          "valid "
                                              "RaggedTensor")
        return cls(values, Tensor(splits))

    @classmethod
    def from_row_lengths(cls, values: Any, row_lengths: Any, name: str | None = None,
                         validate: bool = True) -> RaggedTensor:
        lengths = np.asarray(convert_to_tensor(row_lengths, dtype_hint=dtypes.int64)._value).astype(np.int64)
        return cls.from_row_splits(values, np.concatenate([[0], np.cumsum(lengths)]), validate=validate)

    @classmethod
    def from_nested_row_splits(cls, flat_values: Any, nested_row_splits: Any, name: str | None = None,
                               validate: bool = True) -> RaggedTensor:
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    def with_flat_values(self, new_values: Any) -> RaggedTensor:
        """The same rows over other flat values (which must have as many rows)."""
        inner = new_values if not isinstance(self._values, RaggedTensor) else self._values.with_flat_values(
            new_values)
        return RaggedTensor(inner, self._row_splits)

    # ---- properties ------------------------------------------------------------------------------

    @property
    def values(self) -> Any:
        return self._values

    @property
    def row_splits(self) -> Tensor:
        return self._row_splits

    @property
    def flat_values(self) -> Tensor:
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
    def shape(self) -> TensorShape:
        return TensorShape([self.nrows_int(), *[None] * self.ragged_rank, *self.flat_values.shape[1:]])

    def nrows_int(self) -> int:
        return len(self._row_splits._value) - 1

    def nrows(self, out_type: Any = dtypes.int64, name: str | None = None) -> Tensor:
        return Tensor(dtypes.as_dtype(out_type)._np.type(self.nrows_int()))

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Tensor:
        return Tensor(np.diff(self._row_splits._value))

    def bounding_shape(self, axis: Any = None, name: str | None = None,
                       out_type: Any = dtypes.int64) -> Tensor:
        shape = np.asarray(self.to_tensor().shape.as_list(), dtypes.as_dtype(out_type)._np)
        return Tensor(shape if axis is None else shape[axis])

    # ---- conversions -----------------------------------------------------------------------------

    def _rows(self) -> list:
        """Each row: a NumPy array (the last ragged dimension) or a list of rows."""
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
        out = np.empty(len(rows), object)
        out[:] = [row if isinstance(row, np.ndarray) else RaggedTensor._object_rows(row) for row in rows]
        return out

    @staticmethod
    def _object_rows(rows: list) -> np.ndarray:
        out = np.empty(len(rows), object)
        out[:] = rows
        return out

    def to_tensor(self, default_value: Any = None, name: str | None = None, shape: Any = None) -> Tensor:
        """The rows padded (with `default_value`, zeros or b"" by default) to a dense tensor."""
        dtype = self.dtype
        fill = (b"" if dtype is dtypes.string else 0) if default_value is None else default_value
        fill = np.asarray(convert_to_tensor(fill, dtype=dtype)._value)
        bounds = _bounds(self._rows())
        inner = list(self.flat_values.shape[1:])
        target = [*bounds, *inner] if shape is None else [b if s is None else s
                                                         for s, b in zip(TensorShape(shape).as_list(),
                                                                         [*bounds, *inner])]
        out = np.empty(target, dtype._np)
        out[...] = fill
        _fill(out, self._rows())
        return Tensor(out)

    # ---- indexing --------------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        splits = self._row_splits._value
        if isinstance(key, slice):
            rows = range(self.nrows_int())[key]
            if key.step not in (None, 1):
                raise NotImplementedError("Ragged row slices with a step are not in tapeflow yet.")
            start, stop = (rows.start, rows.stop) if len(rows) else (0, 0)
            return RaggedTensor(_slice(self._values, splits[start], splits[stop]),
                                Tensor(splits[start:stop + 1] - splits[start]))
        index = int(key)
        if not -self.nrows_int() <= index < self.nrows_int():
            raise errors.InvalidArgumentError(None, None, f"slice index {index} of dimension 0 out of "
                                                          f"bounds.")
        index %= self.nrows_int()
        return _slice(self._values, splits[index], splits[index + 1])

    def __repr__(self) -> str:
        return f"<tf.RaggedTensor {self.to_list()!r}>"

    __str__ = __repr__


def _nrows(values: Any) -> int:
    if isinstance(values, RaggedTensor):
        return values.nrows_int()
    return values.shape[0] if values.shape.rank else 0


def _slice(values: Any, start: int, stop: int) -> Any:
    if isinstance(values, RaggedTensor):
        return values[int(start):int(stop)]
    from tapeflow.ops.slicing_ops import slice as tf_slice  # (a differentiable op on the flat values)

    size = [int(stop - start)] + [-1] * (values.shape.rank - 1)
    return tf_slice(values, [int(start)] + [0] * (values.shape.rank - 1), size)


def _bounds(rows: list) -> list:
    """The longest length along each ragged dimension."""
    if not rows:
        return [0, 0]
    if isinstance(rows[0], np.ndarray):
        return [len(rows), max(len(r) for r in rows)]
    inner = [_bounds(r) for r in rows]
    return [len(rows), *np.max(inner, axis=0).tolist()]


def _fill(out: np.ndarray, rows: list) -> None:
    for i, row in enumerate(rows[:out.shape[0]]):
        if isinstance(row, np.ndarray):
            n = min(len(row), out.shape[1])
            out[i, :n] = row[:n]
        else:
            _fill(out[i], row)


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


__all__ = ["RaggedTensor", "constant", "is_ragged", "map_flat_values"]
