"""`tf.io.parse_example` and `parse_single_example` of `FixedLenFeature`s: serialized `tf.train.Example`
records (data/example.py) to dense tensors, one per feature, with TensorFlow's errors for a missing
feature, a list of the wrong type and a wrong number of values."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.data.example import Example


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """`tf.io.FixedLenFeature(shape, dtype, default_value=None)`: a feature of a fixed number of values."""

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None):
        return super().__new__(cls, shape, dtype, default_value)


_LISTS = {"int64": "int64_list", "float": "float_list", "string": "bytes_list"}


def _kind(dtype: dtypes.DType) -> str:
    kind = {dtypes.int64: "int64", dtypes.float32: "float", dtypes.string: "string"}.get(dtype)
    if kind is None:
        raise ValueError(f"Unsupported dtype {dtype.name} for a feature: use tf.int64, tf.float32 or "
                         f"tf.string.")
    return kind


def _parse_one(record: bytes, specs: tuple) -> list:
    try:
        features = Example.FromString(record).features.feature
    except (ValueError, UnicodeDecodeError, IndexError):
        raise errors.InvalidArgumentError(None, None, "Could not parse example input, value: "
                                          f"'{record!r}' [Op:ParseExampleV2]") from None
    out = []
    for key, shape, dtype, default in specs:
        kind, size = _kind(dtype), int(np.prod(shape))
        feature = features.get(key)
        if feature is None or feature.kind is None:
            if default is None:
                raise errors.InvalidArgumentError(None, None, f"Feature: {key} (data type: {kind}) is "
                                                              f"required but "
                                                  f"could not be found. [Op:ParseExampleV2]")
            out.append(default)
            continue
        if feature.kind != _LISTS[kind]:
            found = next(k for k, name in _LISTS.items() if name == feature.kind)
            raise errors.InvalidArgumentError(None, None, f"Key: {key}.  Data types don't match. Data "
                                                          f"type: {found} "
                                              f"but expected type: {kind} [Op:ParseExampleV2]")
        values = feature.values.value
        if len(values) != size:
            raise errors.InvalidArgumentError(None, None, f"Key: {key}.  Can't parse serialized Example: "
                                                          f"Some "
                                              f"{feature.kind} slice was not parsed. [Op:ParseExampleV2]")
        array = np.empty(size, object) if kind == "string" else np.array(values, dtype._np)
        if kind == "string":
            array[:] = values
        out.append(array.reshape(shape))
    return out


def _kernel(serialized: Any, specs: tuple) -> tuple:
    records = np.asarray(serialized, object)
    parsed = [_parse_one(records[index], specs) for index in np.ndindex(records.shape)]
    results = []
    for i, (_, shape, dtype, _) in enumerate(specs):
        stacked = np.empty((len(parsed), *shape), dtype._np) if parsed else np.empty((0, *shape), dtype._np)
        for n, values in enumerate(parsed):
            stacked[n] = values[i]
        out = stacked.reshape((*records.shape, *shape))
        results.append(out if out.ndim or out.dtype == object else out[()])  # (a string scalar stays 0-d)
    return tuple(results)


_PARSE = Op("ParseExampleV2", _kernel, None, multiple_results=True,
            infer=lambda serialized, specs: [AbstractValue((*np.shape(serialized), *shape), dtype._np)
                                             for _, shape, dtype, _ in specs])


def _specs(features: dict) -> tuple:
    specs = []
    for key in sorted(features):
        feature = features[key]
        if not isinstance(feature, FixedLenFeature):
            raise NotImplementedError(f"{type(feature).__name__} is not in tapeflow yet: parse "
                                      f"FixedLenFeatures.")
        dtype = dtypes.as_dtype(feature.dtype)
        _kind(dtype)
        shape = tuple(int(d) for d in feature.shape)
        default = None
        if feature.default_value is not None:
            value = convert_to_tensor(feature.default_value, dtype=dtype)._value
            default = np.broadcast_to(np.asarray(value, dtype._np), shape).copy()
        specs.append((key, shape, dtype, default))
    return tuple(specs)


def parse_example(serialized: Any, features: dict, example_names: Any = None,
                  name: str | None = None) -> dict:
    """`tf.io.parse_example`: a vector of serialized Examples to a dict of tensors (batch first)."""
    specs = _specs(features)
    values = bind(_PARSE, (convert_to_tensor(serialized, dtype=dtypes.string),), {"specs": specs})
    return {key: value for (key, *_), value in zip(specs, values)}


def parse_single_example(serialized: Any, features: dict, example_names: Any = None,
                         name: str | None = None) -> dict:
    """`tf.io.parse_single_example`: one serialized Example to a dict of tensors."""
    tensor = convert_to_tensor(serialized, dtype=dtypes.string)
    if tensor.shape.rank != 0:
        raise ValueError(f"Input serialized must be a scalar, got shape {tensor.shape}.")
    return parse_example(tensor, features)
