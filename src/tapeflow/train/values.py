"""Saved values given back to Python objects: a variable's (its dtype and shape checked against the
saved tensor's), an object's own state tensors; and what a restore can reach from its root."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.core.tensor import Tensor
from tapeflow.ops.variables import Variable
from tapeflow.tracking.trackable import children
from tapeflow.train.bundle import TF_DTYPE_NAMES, BundleReader, dtype_enum

__all__ = ["assign_saved", "reachable", "read_state"]


def assign_saved(variable: Variable, reader: BundleReader, key: str) -> None:
    """Give `variable` the tensor saved under `key`: TensorFlow's errors for a missing key, another
    dtype or an incompatible shape, naming the checkpoint."""
    if key not in reader.entries:
        raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint {reader.prefix}")
    saved_enum = reader.dtype_enum(key)
    wanted = dtype_enum(np.empty(0, variable.dtype.as_numpy_dtype))
    if saved_enum != wanted:
        raise errors.InvalidArgumentError(
            None, None, f"tensor_name = {key}; expected dtype {TF_DTYPE_NAMES[wanted]} does not equal "
            f"original dtype {TF_DTYPE_NAMES.get(saved_enum, saved_enum)} (checkpoint {reader.prefix})")
    shape = reader.shape(key)
    if not variable.shape.is_compatible_with(shape):
        raise ValueError(f"Received incompatible tensor with shape {tuple(shape)} when attempting to restore "
                         f"variable with shape {tuple(variable.shape.as_list())} and name {variable.name} "
                         f"(tensor {key!r} of checkpoint {reader.prefix}).")
    value = reader.read(key)
    # A fresh array no one else holds is taken as it is (no copy); scalars are converted as usual.
    if value.ndim == 0:
        variable.assign(value[()])
    else:
        variable.assign(Tensor(value) if value.dtype != object else value)


def read_state(reader: BundleReader, key: str) -> np.ndarray:
    """A saved object's state tensor; TensorFlow's own (a DT_VARIANT, as its tf.data iterators write)
    is refused by name."""
    if reader.dtype_enum(key) == _DT_VARIANT:
        raise errors.UnimplementedError(
            None, None, f"{key} in checkpoint {reader.prefix} is a DT_VARIANT written by TensorFlow (a "
            "tf.data iterator's state): tapeflow restores only the iterator states it writes itself")
    return reader.read(key)


_DT_VARIANT = 21


def reachable(root: Any) -> list:
    """Every object reachable from `root` (breadth-first, each once)."""
    objects, seen = [root], {id(root)}
    for obj in objects:
        for _, child in children(obj):
            if id(child) not in seen:
                seen.add(id(child))
                objects.append(child)
    return objects
