"""`tf.io.parse_example` and `parse_single_example`: serialized `tf.train.Example` records
(data/example.py) to tensors — dense for `FixedLenFeature` and `FixedLenSequenceFeature`, a
`SparseTensor` for `VarLenFeature`, a `RaggedTensor` for `RaggedFeature` (without partitions) —
with TensorFlow's errors for a missing feature, a list of the wrong type and a wrong number of
values. One op parses every feature (its results: each feature's tensors in key order), so it runs
traced inside a dataset's map as well as eagerly."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.data.example import Example
from tapeflow.ops.ragged_tensor import RaggedTensor
from tapeflow.ops.sparse_tensor import SparseTensor


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """`tf.io.FixedLenFeature(shape, dtype, default_value=None)`: a feature of a fixed number of values."""

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None):
        return super().__new__(cls, shape, dtype, default_value)


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """`tf.io.FixedLenSequenceFeature`: any number of values of `shape` each; batched, padded with
    `default_value` (zeros by default) to the longest."""

    def __new__(cls, shape: Any, dtype: Any, allow_missing: bool = False, default_value: Any = None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """`tf.io.VarLenFeature(dtype)`: any number of values, parsed into a `SparseTensor`."""


class RaggedFeature(collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"])):
    """`tf.io.RaggedFeature(dtype)`: any number of values, parsed into a `RaggedTensor` (tapeflow reads
    the values list only: no partitions)."""

    def __new__(cls, dtype: Any, value_key: str | None = None, partitions: tuple = (),
                row_splits_dtype: Any = dtypes.int32, validate: bool = False):
        return super().__new__(cls, dtype, value_key, partitions, row_splits_dtype, validate)


_LISTS = {"int64": "int64_list", "float": "float_list", "string": "bytes_list"}


def _kind(dtype: dtypes.DType) -> str:
    kind = {dtypes.int64: "int64", dtypes.float32: "float", dtypes.string: "string"}.get(dtype)
    if kind is None:
        raise ValueError(f"Unsupported dtype {dtype.name} for a feature: use tf.int64, tf.float32 or "
                         f"tf.string.")
    return kind


def _parse_one(record: bytes, specs: tuple) -> list:
    """Each feature's values (a flat array), or None where a feature with a default is missing."""
    try:
        features = Example.FromString(record).features.feature
    except (ValueError, UnicodeDecodeError, IndexError):
        raise errors.InvalidArgumentError(None, None, "Could not parse example input, value: "
                                          f"'{record!r}' [Op:ParseExampleV2]") from None
    out = []
    for key, how, shape, dtype, default in specs:
        kind, size = _kind(dtype), int(np.prod(shape))
        feature = features.get(key)
        if feature is None or feature.kind is None:
            if how == "fixed" and default is None:
                raise errors.InvalidArgumentError(None, None, f"Feature: {key} (data type: {kind}) is "
                                                              f"required but "
                                                  f"could not be found. [Op:ParseExampleV2]")
            out.append(default if how == "fixed" else np.empty(0, dtype._np))
            continue
        if feature.kind != _LISTS[kind]:
            found = next(k for k, name in _LISTS.items() if name == feature.kind)
            raise errors.InvalidArgumentError(None, None, f"Key: {key}.  Data types don't match. Data "
                                                          f"type: {found} "
                                              f"but expected type: {kind} [Op:ParseExampleV2]")
        values = feature.values.value
        if (how == "fixed" and len(values) != size) or (how == "sequence" and len(values) % max(size, 1)):
            raise errors.InvalidArgumentError(None, None, f"Key: {key}.  Can't parse serialized Example: "
                                                          f"Some "
                                              f"{feature.kind} slice was not parsed. [Op:ParseExampleV2]")
        array = np.empty(len(values), object) if kind == "string" else np.array(values, dtype._np)
        if kind == "string":
            array[:] = values
        out.append(array)
    return out


def _kernel(serialized: Any, specs: tuple) -> tuple:
    records = np.asarray(serialized, object)
    batch = records.shape
    parsed = [_parse_one(records[index], specs) for index in np.ndindex(batch)]
    results: list = []
    for i, (_, how, shape, dtype, default) in enumerate(specs):
        values = [p[i] for p in parsed]
        results.extend(_ASSEMBLE[how](values, batch, shape, dtype, default))
    return tuple(results)


def _fixed(values: list, batch: tuple, shape: tuple, dtype: Any, default: Any) -> list:
    stacked = np.empty((len(values), *shape), dtype._np)
    for n, v in enumerate(values):
        stacked[n] = np.reshape(v, shape)
    out = stacked.reshape((*batch, *shape))
    return [out if out.ndim or out.dtype == object else out[()]]  # (a string scalar stays 0-d)


def _sequence(values: list, batch: tuple, shape: tuple, dtype: Any, default: Any) -> list:
    size = max(int(np.prod(shape)), 1)
    longest = max((len(v) // size for v in values), default=0)
    out = np.empty((len(values), longest, *shape), dtype._np)
    out[...] = b"" if dtype is dtypes.string and default is None else 0 if default is None else default
    for n, v in enumerate(values):
        out[n, :len(v) // size] = np.reshape(v, (-1, *shape))
    return [out.reshape((*batch, longest, *shape))]


def _var_len(values: list, batch: tuple, shape: tuple, dtype: Any, default: Any) -> list:
    positions = list(np.ndindex(batch))
    indices = [[*position, j] for position, v in zip(positions, values) for j in range(len(v))]
    longest = max((len(v) for v in values), default=0)
    flat = np.concatenate(values) if values else np.empty(0, dtype._np)
    return [np.array(indices, np.int64).reshape(-1, len(batch) + 1), flat.astype(dtype._np),
            np.array([*batch, longest], np.int64)]


def _ragged(values: list, batch: tuple, shape: tuple, dtype: Any, default: Any) -> list:
    flat = np.concatenate(values) if values else np.empty(0, dtype._np)
    if not batch:
        return [flat.astype(dtype._np)]
    splits = np.concatenate([[0], np.cumsum([len(v) for v in values])]).astype(default._np)
    return [flat.astype(dtype._np), splits]


_ASSEMBLE = {"fixed": _fixed, "sequence": _sequence, "var": _var_len, "ragged": _ragged}


def _infer(serialized: Any, specs: tuple) -> list:
    batch = tuple(np.shape(serialized))
    out = []
    for _, how, shape, dtype, default in specs:
        if how == "fixed":
            out.append(AbstractValue((*batch, *shape), dtype._np))
        elif how == "sequence":
            out.append(AbstractValue((*batch, None, *shape), dtype._np))
        elif how == "var":
            out += [AbstractValue((None, len(batch) + 1), np.int64), AbstractValue((None,), dtype._np),
                    AbstractValue((len(batch) + 1,), np.int64)]
        else:
            out.append(AbstractValue((None,), dtype._np))
            if batch:
                out.append(AbstractValue((None if None in batch else int(np.prod(batch)) + 1,), default._np))
    return out


_PARSE = Op("ParseExampleV2", _kernel, None, multiple_results=True, infer=_infer)


def _spec(key: str, feature: Any) -> tuple:
    """(key read, how, shape, dtype, default) of one feature (a ragged one's "default" is the dtype
    of its row splits)."""
    dtype = dtypes.as_dtype(feature.dtype)
    _kind(dtype)
    if isinstance(feature, VarLenFeature):
        return key, "var", (), dtype, None
    if isinstance(feature, RaggedFeature):
        if feature.partitions:
            raise NotImplementedError("tf.io.RaggedFeature with partitions is not in tapeflow yet.")
        return feature.value_key or key, "ragged", (), dtype, dtypes.as_dtype(feature.row_splits_dtype)
    if not isinstance(feature, FixedLenFeature | FixedLenSequenceFeature):
        raise NotImplementedError(f"{type(feature).__name__} is not in tapeflow yet.")
    shape = tuple(int(d) for d in feature.shape)
    how = "fixed" if isinstance(feature, FixedLenFeature) else "sequence"
    if how == "sequence" and not feature.allow_missing:
        raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
    default = None
    if feature.default_value is not None:
        value = np.asarray(convert_to_tensor(feature.default_value, dtype=dtype)._value, dtype._np)
        default = np.broadcast_to(value, shape).copy() if how == "fixed" else value
    return key, how, shape, dtype, default


def parse_example(serialized: Any, features: dict, example_names: Any = None,
                  name: str | None = None) -> dict:
    """`tf.io.parse_example`: a vector of serialized Examples to a dict of tensors (batch first)."""
    keys = sorted(features)
    specs = tuple(_spec(key, features[key]) for key in keys)
    tensor = convert_to_tensor(serialized, dtype=dtypes.string)
    values = list(bind(_PARSE, (tensor,), {"specs": specs}))
    batch = tensor.shape.as_list()
    out = {}
    for key, (_, how, *_) in zip(keys, specs):
        if how == "var":
            indices, flat, dense_shape = values[:3]
            del values[:3]
            static = (TensorShape(np.asarray(dense_shape._value).tolist()) if type(dense_shape) is Tensor
                      else TensorShape([*batch, None]))
            out[key] = SparseTensor._of(indices, flat, dense_shape, static)
        elif how == "ragged" and batch:
            out[key] = RaggedTensor.from_row_splits(values[0], values[1], validate=False)
            del values[:2]
        else:
            out[key] = values.pop(0)
    order = {"var": 0, "fixed": 1, "sequence": 1, "ragged": 2}  # TensorFlow's: sparse, dense, ragged
    return {key: out[key] for key, _ in sorted(zip(keys, specs), key=lambda item: order[item[1][1]])}
def parse_single_example(serialized: Any, features: dict, example_names: Any = None,
                         name: str | None = None) -> dict:
    """`tf.io.parse_single_example`: one serialized Example to a dict of tensors."""
    tensor = convert_to_tensor(serialized, dtype=dtypes.string)
    if tensor.shape.rank != 0:
        raise ValueError(f"Input serialized must be a scalar, got shape {tensor.shape}.")
    return parse_example(tensor, features)
