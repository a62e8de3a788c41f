"""`tf.dynamic_partition` and `tf.dynamic_stitch`: split a tensor's rows into groups by a partition
number each, and merge groups back by index. Each is the other's gradient (rows are gathered back
by the positions they came from)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.creation_ops import range as range_
from tapeflow.ops.declare import tensor
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.shape_ops import count, shape_of

__all__ = ["dynamic_partition", "dynamic_stitch"]


def _partition_kernel(data, partitions, num_partitions):
    partitions = np.asarray(partitions)
    if partitions.size and (partitions.min() < 0 or partitions.max() >= num_partitions):
        bad = partitions[(partitions < 0) | (partitions >= num_partitions)].flat[0]
        raise errors.InvalidArgumentError(
            None, None, f"partitions[{int(np.argmax(partitions.reshape(-1) == bad))}] = {bad} is not in "
                        f"[0, {num_partitions}) [Op:DynamicPartition]")
    return tuple(data[partitions == p] for p in range(num_partitions))


def _partition_grad(g, y, data, partitions, num_partitions):
    size = count(partitions, tuple(range(partitions._value.ndim)), np.int32)
    positions = reshape(range_(size), shape_of(partitions))
    parts = bind(_partition_op, (positions, partitions), {"num_partitions": num_partitions})
    return reshape(dynamic_stitch(list(parts), list(g)), shape_of(data))


_partition_op = Op("DynamicPartition", _partition_kernel, (_partition_grad, None), multiple_results=True)


def dynamic_partition(data: Any, partitions: Any, num_partitions: int, name: str | None = None) -> list:
    """`tf.dynamic_partition`: for each p < num_partitions, the rows of `data` (the entries of its
    leading dimensions, which `partitions` has) whose partition is p, in order."""
    data, partitions = tensor(data), tensor(partitions)
    if partitions.dtype is not dtypes.int32:
        raise errors.InvalidArgumentError(
            None, None, f"cannot compute DynamicPartition as input #1(zero-based) was expected to be a int32 "
                        f"tensor but is a {partitions.dtype.name} tensor [Op:DynamicPartition]")
    rank = partitions._value.ndim
    if data._value.shape[:rank] != partitions._value.shape:
        raise errors.InvalidArgumentError(
            None, None, f"data.shape must start with partitions.shape, got data.shape = "
                        f"{list(data._value.shape)}, partitions.shape = {list(partitions._value.shape)} "
                        f"[Op:DynamicPartition]")
    return list(bind(_partition_op, (data, partitions), {"num_partitions": int(num_partitions)}))


def _stitch_kernel(*values, n):
    indices, data = values[:n], values[n:]
    inner = data[0].shape[np.ndim(indices[0]):]
    size = 1 + max((int(np.max(i)) for i in indices if np.size(i)), default=-1)
    merged = np.zeros((size, *inner), data[0].dtype)
    for i, d in zip(indices, data):  # later indices win, as in TensorFlow
        merged[np.asarray(i).reshape(-1)] = np.asarray(d).reshape(-1, *inner)
    return merged


def _stitch_rule(k: int, g, y, *values, n):
    return None if k < n else gather(g, values[k - n])


_STITCH = Op("DynamicStitch", _stitch_kernel, _stitch_rule, variadic=True)


def dynamic_stitch(indices: list, data: list, name: str | None = None):
    """`tf.dynamic_stitch`: `merged[indices[m][i]] = data[m][i]`, the rows of all `data` placed at their
    indices (a later one wins where indices repeat); the result has max(index) + 1 rows."""
    indices, data = [convert_to_tensor(i, dtype=dtypes.int32) for i in indices], [tensor(d) for d in data]
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch needs as many data tensors as index tensors, got {len(indices)} "
                         f"and {len(data)}")
    for i, d in zip(indices, data):
        if d._value.shape[: i._value.ndim] != i._value.shape:
            raise errors.InvalidArgumentError(
                None, None, f"data[{data.index(d)}].shape = {list(d._value.shape)} does not start with "
                            f"indices[{indices.index(i)}].shape = {list(i._value.shape)} [Op:DynamicStitch]")
    return bind(_STITCH, (*indices, *data), {"n": len(indices)})
