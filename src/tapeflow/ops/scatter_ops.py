"""Indexing by coordinates: `tf.gather_nd`, its adjoint `tf.scatter_nd`, and the `tensor_scatter_nd_*`
updates of an existing tensor.

An index tensor's last axis holds coordinates into the leading axes of the other tensor. `gather_nd`
reads the slices there; `scatter_nd` adds updates into zeros there (repeated coordinates add up).
Each is the other's gradient. `batch_dims` in `gather_nd` is done by prefixing each index with its
batch coordinates, which depend only on shapes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import type_name
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import shape_tuple
from tapeflow.ops.array_ops import concat
from tapeflow.ops.declare import mismatch_error, tensor
from tapeflow.ops.gather_ops import GATHER_INDEX_TYPES
from tapeflow.ops.math_ops import cast, equal

__all__ = ["gather_nd", "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add",
           "tensor_scatter_nd_sub", "tensor_scatter_nd_max", "tensor_scatter_nd_min"]


def _coordinates(indices: np.ndarray, shape: tuple, op: str) -> tuple:
    """The index tensor as one array per indexed axis, after checking every index is in range."""
    depth = indices.shape[-1]
    rows = indices.reshape(-1, depth)
    bad = np.flatnonzero(((rows < 0) | (rows >= np.array(shape[:depth], dtype=np.int64))).any(-1))
    if bad.size:
        index = f"indices[{bad[0]}] = [{', '.join(map(str, rows[bad[0]]))}]"
        dims = f"[{','.join(map(str, shape))}]"
        raise errors.InvalidArgumentError(
            None, None, f"{index} does not index into param shape {dims}, node name: GatherNd [Op:GatherNd]"
            if op == "GatherNd" else f"{index} does not index into shape {dims} [Op:{op}]")
    return tuple(np.moveaxis(indices, -1, 0))


def _gather_nd_kernel(params: np.ndarray, indices: np.ndarray) -> np.ndarray:
    return params[_coordinates(indices, params.shape, "GatherNd")]


def _scatter_nd_kernel(indices: np.ndarray, updates: np.ndarray, shape: tuple) -> np.ndarray:
    out = np.zeros(shape, updates.dtype)
    np.add.at(out, _coordinates(indices, shape, "ScatterNd"), updates)
    return out


def _gather_nd_grad(g, y, params, indices):
    """g added into zeros of the params' shape at the coordinates read (a shape read when the code
    runs, if it is not known now)."""
    if shape_ops.known(params):
        return bind(_scatter_nd_op, (indices, g), {"shape": params._value.shape})
    return bind(_scatter_nd_like_op, (indices, g, params))


_gather_nd_op = Op("GatherNd", _gather_nd_kernel, (_gather_nd_grad, None))
_scatter_nd_op = Op("ScatterNd", _scatter_nd_kernel, (
    None, lambda g, y, indices, updates, shape: bind(_gather_nd_op, (g, indices))))
_scatter_nd_like_op = Op(
    "ScatterNd", lambda indices, updates, like: _scatter_nd_kernel(indices, updates, np.shape(like)),
    (None, lambda g, y, indices, updates, like: bind(_gather_nd_op, (g, indices)), None),
    infer=lambda indices, updates, like: [AbstractValue(like.shape, updates.dtype)])


_OP_NAMES = {"update": "TensorScatterUpdate", "add": "TensorScatterAdd", "sub": "TensorScatterSub",
             "max": "TensorScatterMax", "min": "TensorScatterMin"}
_ACCUMULATE = {"add": np.add, "sub": np.subtract, "max": np.maximum, "min": np.minimum}


def _tensor_scatter_kernel(tensor: np.ndarray, indices: np.ndarray, updates: np.ndarray, mode: str):
    out = tensor.copy()
    coordinates = _coordinates(indices, tensor.shape, _OP_NAMES[mode])
    if mode == "update":
        out[coordinates] = updates
    else:
        _ACCUMULATE[mode].at(out, coordinates, updates)
    return out


def _winners(y, tensor, indices, updates):
    """For max/min: which of the tensor's elements and the updates gave each result (1.0 or 0.0), and
    for each result how many did (ties share its gradient, as in TensorFlow)."""
    kept = cast(equal(tensor, y), y.dtype)
    won = cast(equal(updates, bind(_gather_nd_op, (y, indices))), y.dtype)
    return kept, won, kept + bind(_scatter_nd_like_op, (indices, won, tensor))


def _tensor_grad(g, y, tensor, indices, updates, mode):
    if mode in ("max", "min"):
        kept, _, count = _winners(y, tensor, indices, updates)
        return g * kept / count
    if mode != "update":
        return g
    return bind(_tensor_scatter_op, (g, indices, bind(_gather_nd_op, (g, indices)) * 0), {"mode": "update"})


def _updates_grad(g, y, tensor, indices, updates, mode):
    if mode in ("max", "min"):
        _, won, count = _winners(y, tensor, indices, updates)
        return bind(_gather_nd_op, (g / count, indices)) * won
    taken = bind(_gather_nd_op, (g, indices))
    return -taken if mode == "sub" else taken


# An update's gradient reaches the updates; the overwritten elements of the tensor get none.
_tensor_scatter_op = Op("TensorScatterUpdate", _tensor_scatter_kernel, (_tensor_grad, None, _updates_grad))


def _tensor_scatter(tensor_: Any, indices: Any, updates: Any, mode: str):
    op = _OP_NAMES[mode]
    t = tensor(tensor_)
    u = tensor(updates) if isinstance(updates, TensorLike) else convert_to_tensor(updates, t.dtype)
    i = _index_tensor(indices, op)
    depth, outer = i._value.shape[-1], i._value.shape[:-1]
    shapes = [f"[{','.join(map(str, x._value.shape))}]" for x in (t, i, u)]
    if u._value.shape[: len(outer)] != outer:
        raise errors.InvalidArgumentError(
            None, None, f"Outer dimensions of indices and update must match. Indices shape: {shapes[1]}, "
                        f"updates shape:{shapes[2]} [Op:{op}]")
    if depth > t._value.ndim or u._value.shape != outer + t._value.shape[depth:]:
        raise errors.InvalidArgumentError(
            None, None, f"Inner dimensions of output shape must match inner dimensions of updates shape. "
                        f"Output: {shapes[0]} updates: {shapes[2]} [Op:{op}]")
    if u.dtype != t.dtype:
        raise mismatch_error(_tensor_scatter_op, t.dtype, 2, u.dtype)
    return bind(_tensor_scatter_op, (t, i, u), {"mode": mode})


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: str | None = None):
    """`tf.tensor_scatter_nd_update`: a copy of `tensor` with `updates` written at `indices`."""
    return _tensor_scatter(tensor, indices, updates, "update")


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any, name: str | None = None):
    """`tf.tensor_scatter_nd_add`: a copy of `tensor` with `updates` added at `indices`."""
    return _tensor_scatter(tensor, indices, updates, "add")


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any, name: str | None = None):
    """`tf.tensor_scatter_nd_sub`: a copy of `tensor` with `updates` subtracted at `indices`."""
    return _tensor_scatter(tensor, indices, updates, "sub")


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any, name: str | None = None):
    """`tf.tensor_scatter_nd_max`: a copy of `tensor` where each element at `indices` becomes the
    maximum of itself and its updates."""
    return _tensor_scatter(tensor, indices, updates, "max")


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any, name: str | None = None):
    """`tf.tensor_scatter_nd_min`: as `tensor_scatter_nd_max`, with the minimum."""
    return _tensor_scatter(tensor, indices, updates, "min")


def _index_tensor(indices: Any, op: str) -> Any:
    i = tensor(indices)
    if i.dtype == dtypes.int16 and op != "GatherNd":  # TensorFlow registers no CPU kernel for these
        raise errors.NotFoundError(None, None, f"Could not find device for node: {{{{node {op}}}}} = "
                                               f"{op}[Tindices=DT_INT16]: int16 indices have no CPU kernel")
    if i.dtype not in GATHER_INDEX_TYPES:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'Tindices' of {type_name(i.dtype)} is not in the list of allowed "
                        f"values: int16, int32, int64 [Op:{op}]")
    if i._value.ndim == 0:
        raise errors.InvalidArgumentError(None, None, f"indices must be at least a vector [Op:{op}]")
    return i


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None):
    """`tf.gather_nd`: the slices of `params` at the coordinates in `indices`' last axis."""
    p, i = tensor(params), _index_tensor(indices, "GatherNd")
    if batch_dims:
        batch = i._value.shape[:batch_dims]
        if p._value.shape[:batch_dims] != batch:
            raise errors.InvalidArgumentError(
                None, None, f"Batch dimensions of params {list(p._value.shape)} and indices "
                            f"{list(i._value.shape)} do not match [Op:GatherNd]")
        grid = np.stack(np.meshgrid(*map(np.arange, batch), indexing="ij"), -1)  # each index's batch coords
        grid = np.broadcast_to(grid.reshape(batch + (1,) * (i._value.ndim - 1 - batch_dims) + (batch_dims,)),
                               i._value.shape[:-1] + (batch_dims,)).astype(i._value.dtype)
        i = concat([Tensor(grid), i], -1)
    depth = i._value.shape[-1]
    if depth > p._value.ndim:
        raise errors.InvalidArgumentError(
            None, None, f"index innermost dimension length must be <= params rank; saw: {depth} vs. "
                        f"{p._value.ndim} [Op:GatherNd]")
    return bind(_gather_nd_op, (p, i))


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None):
    """`tf.scatter_nd`: zeros of `shape` with `updates` added at the coordinates in `indices`."""
    i, u = _index_tensor(indices, "ScatterNd"), tensor(updates)
    shape = shape_tuple(shape, "ScatterNd", "Tindices")
    depth, outer = i._value.shape[-1], i._value.shape[:-1]
    expected = outer + tuple(shape[depth:])
    if u._value.shape != expected:
        n = len(outer)
        raise errors.InvalidArgumentError(
            None, None, f"Dimensions [0,{n}) of indices[shape=[{','.join(map(str, i._value.shape))}]] must "
                        f"match dimensions [0,{n}) of updates[shape=[{','.join(map(str, u._value.shape))}]] "
                        f"[Op:ScatterNd]")
    return bind(_scatter_nd_op, (i, u), {"shape": shape})
