"""`tf.gather` and its adjoint `tf.math.unsorted_segment_sum`; `tf.repeat` and `tf.roll` as gathers.

Each is the other's gradient: gather reads rows, so its gradient adds `g` back into the rows it
read; the segment sum adds rows into segments, so its gradient gathers `g` by segment. Second
order therefore needs nothing more. The gradient of gather is a dense tensor (TensorFlow gives
`IndexedSlices`).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import register_tensor_conversion_function
from tapeflow.core.dtypes import NUMERIC, type_name
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, string_value
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import GATHER_INDEX_TYPES, dims_text, index_error, int_values, invalid
from tapeflow.ops.array_ops import concat, reshape
from tapeflow.ops.declare import tensor, unsupported_error
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import greater_equal, maximum, not_equal, where

__all__ = ["gather", "repeat", "roll", "boolean_mask"]
# Published in `tf.math` only, not at the top level.
MATH_ONLY = ["unsorted_segment_sum"]


def _gather_kernel(params, indices, axis, batch_dims):
    indices = np.asarray(indices)
    bad = (indices < 0) | (indices >= params.shape[axis])
    if bad.any():
        raise index_error("indices", indices, bad, f"is not in [0, {params.shape[axis]})", "GatherV2")
    if not batch_dims:
        return string_value(np.take(params, indices, axis=axis))
    # Batched: bring the gathered axis next to the batch axes, index each batch, put the axes back.
    b, p1 = batch_dims, axis - batch_dims
    batch = params.shape[:b]
    k = int(np.prod(batch, dtype=np.int64))
    moved = np.moveaxis(params, axis, b)
    rest = moved.shape[b + 1:]
    per_batch = math.prod(indices.shape[b:])  # (not -1: a batch may be empty)
    out = moved.reshape((k, params.shape[axis]) + rest)[np.arange(k)[:, None], indices.reshape(k, per_batch)]
    ni = indices.ndim - b
    out = out.reshape(batch + indices.shape[b:] + rest)  # batch, indices, P1, P2
    order = [*range(b), *range(b + ni, b + ni + p1), *range(b, b + ni), *range(b + ni + p1, out.ndim)]
    return np.transpose(out, order)


def _gather_grad(sparse: bool, g, y, params, indices, axis, batch_dims):
    """Along axis 0 (given as 0, of a known shape), the rows read, as IndexedSlices (as TensorFlow);
    otherwise g added back into zeros of the params' shape at the indices read (one `GatherGrad`)."""
    if sparse and axis == 0 and batch_dims == 0 and shape_ops.known(params):
        shape = params._value.shape
        rows = reshape(g, (-1,) + shape[1:])
        return IndexedSlices(rows, reshape(indices, [-1]), Tensor(np.array(shape, np.int32)))
    return bind(_gather_grad_op, (g, params, indices), {"axis": axis, "batch_dims": batch_dims})


def _scatter_add_kernel(g, like, indices, axis, batch_dims):
    """Zeros shaped like `like` (the gathered params) with each slice of g added at its index."""
    out = np.zeros(np.shape(like), g.dtype)
    _add_slices(out, np.asarray(g), np.asarray(indices), axis, batch_dims)
    return out


def _add_slices(out: np.ndarray, g: np.ndarray, indices: np.ndarray, axis: int, batch_dims: int) -> None:
    if batch_dims:  # one gather per batch entry
        k = int(np.prod(out.shape[:batch_dims], dtype=np.int64))
        outs, gs = out.reshape((k,) + out.shape[batch_dims:]), g.reshape((k,) + g.shape[batch_dims:])
        ids = indices.reshape((k,) + indices.shape[batch_dims:])
        for j in range(k):
            _add_slices(outs[j], gs[j], ids[j], axis - batch_dims, 0)
        return
    rows = g.reshape(out.shape[:axis] + (indices.size,) + out.shape[axis + 1:])
    np.add.at(np.moveaxis(out, axis, 0), indices.reshape(-1), np.moveaxis(rows, axis, 0))


_gather_grad_op = Op("GatherGrad", _scatter_add_kernel, (
    lambda gg, y, g, like, indices, axis, batch_dims: bind(_gather_op, (gg, indices),
                                                           {"axis": axis, "batch_dims": batch_dims}),
    None, None), infer=lambda g, like, indices, axis, batch_dims: [AbstractValue(like.shape, g.dtype)])


def _gather_shape(params, indices, axis, batch_dims):
    """The result's shape without reading the indices (tracing: an index may be out of range for the
    stand-in values of an empty tensor, though never at run time)."""
    shape = params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]
    return [AbstractValue(shape, params.dtype)]


_gather_op = Op("GatherV2", _gather_kernel, (functools.partial(_gather_grad, True), None),
                infer=_gather_shape)
# (TensorFlow's gradient is sparse only where the axis was given as 0: -rank gives a dense one)
_dense_gather_op = Op("GatherV2", _gather_kernel, (functools.partial(_gather_grad, False), None),
                      infer=_gather_shape)
GATHER_OPS = (_gather_op, _dense_gather_op)  # (for the Numba code generator, which lowers gathers)


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None, batch_dims: int = 0,
           name: str | None = None):
    """`tf.gather`: slices of `params` along `axis` at `indices` (each in [0, dim), else an error);
    the first `batch_dims` axes of both are batch axes, matched one to one."""
    p = tensor(params)
    i = tensor(indices)
    if i.dtype not in GATHER_INDEX_TYPES:
        raise invalid("GatherV2", f"Value for attr 'Tindices' of {type_name(i.dtype)} is not in the list of "
                                   f"allowed values: int16, int32, int64")
    rank, index_rank = p._value.ndim, i._value.ndim
    batch_dims = int(getattr(batch_dims, "_value", batch_dims))
    if not -index_rank <= batch_dims <= index_rank:
        raise invalid("GatherV2", f"Expected batch_dims in the range [{-index_rank}, {index_rank}], but got "
                                   f"{batch_dims}")
    if batch_dims < 0:
        batch_dims += index_rank
    axis = batch_dims if axis is None else int(int_values(axis, "GatherV2", "Taxis"))
    op = _gather_op if axis == 0 else _dense_gather_op
    if axis == 0:
        batch_dims = 0  # TensorFlow's Python wrapper drops batch_dims when axis is 0 (literally)
    if rank == 0:
        raise invalid("GatherV2", "params must be at least 1 dimensional")
    if not -rank <= axis < rank:
        raise invalid("GatherV2", f"Shape must be at least rank {axis + 1 if axis >= 0 else -axis} but is "
                                   f"rank {rank}")
    axis %= rank
    if batch_dims >= rank:
        raise invalid("GatherV2", f"batch_dims ({batch_dims}) must be less than rank(params) ({rank}).")
    if batch_dims > axis:
        raise invalid("GatherV2", f"batch_dims ({batch_dims}) must be less than or equal to axis ({axis}).")
    for d in range(batch_dims):
        if p._value.shape[d] != i._value.shape[d]:
            raise invalid("GatherV2", f"params.shape[{d}]: {p._value.shape[d]} should be equal to "
                                       f"indices.shape[{d}]: {i._value.shape[d]}")
    return bind(op, (p, i), {"axis": axis, "batch_dims": batch_dims})


def _segment_sum_kernel(data, segment_ids, num_segments):
    ids = np.asarray(segment_ids)
    bad = ids >= num_segments
    if bad.any():
        raise index_error("segment_ids", ids, bad, f"is out of range [0, {num_segments})",
                           "UnsortedSegmentSum")
    out = np.zeros((num_segments,) + data.shape[ids.ndim:], dtype=data.dtype)
    kept = ids >= 0  # negative ids drop their data, as in TensorFlow
    np.add.at(out, ids[kept], np.asarray(data)[kept])
    return out


def _segment_sum_grad(g, y, data, segment_ids, num_segments):
    """Each data row reads the gradient of its segment (0 for a dropped, negative id)."""
    kept = greater_equal(segment_ids, 0)
    read = gather(g, maximum(segment_ids, 0))
    extra = read._value.ndim - kept._value.ndim
    return where(reshape(kept, kept._value.shape + (1,) * extra), read, 0)


_segment_sum_op = Op("UnsortedSegmentSum", _segment_sum_kernel, (_segment_sum_grad, None))


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any, name: str | None = None):
    """`tf.math.unsorted_segment_sum`: out[j] is the sum of the data rows whose segment id is j
    (ids in any order; negative ids are dropped; an id >= num_segments is an error)."""
    x = tensor(data)
    ids = tensor(segment_ids)
    if x.dtype not in NUMERIC:
        raise unsupported_error(_segment_sum_op, x.dtype, NUMERIC)
    if ids.dtype not in GATHER_INDEX_TYPES:
        raise invalid("UnsortedSegmentSum", f"Value for attr 'Tindices' of {type_name(ids.dtype)} is not in "
                                             f"the list of allowed values: int16, int32, int64")
    n = int_values(num_segments, "UnsortedSegmentSum", "Tnumsegments")
    if n.ndim:
        raise invalid("UnsortedSegmentSum",
                      f"num_segments should be a scalar, not shape {dims_text(n.shape)}")
    n = int(n)
    if n < 0:
        raise invalid("UnsortedSegmentSum", f"Input num_segments == {n} must not be negative.")
    if not TensorShape(x._value.shape[:ids._value.ndim]).is_compatible_with(ids._value.shape):
        raise invalid("UnsortedSegmentSum", f"data.shape = {dims_text(x._value.shape)} does not start with "
                                             f"segment_ids.shape = {dims_text(ids._value.shape)}")
    return bind(_segment_sum_op, (x, ids), {"num_segments": n})


# ---- gathers at indices known from shapes alone: repeat and roll --------------------------------

def repeat(input: Any, repeats: Any, axis: int | None = None, name: str | None = None):  # noqa: A002
    """`tf.repeat`: each slice along `axis` repeated (`repeats` a count, or one per slice); with no
    axis, of the flattened tensor. Its gradient sums the copies."""
    x = tensor(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    rank = x._value.ndim
    if not -rank <= axis < rank:
        raise ValueError(f"axis={axis} out of bounds: expected {-rank}<=axis<{rank}")
    axis %= rank
    n = x._value.shape[axis]
    counts = int_values(repeats, "Repeat", "repeats", GATHER_INDEX_TYPES)
    if (counts < 0).any():
        raise invalid("Tile", f"Expected multiples[1] >= 0, but got {counts.min()}")
    if counts.ndim == 0:  # every element `counts` times: also for a length known only when the code runs
        return bind(_repeat_op, (x,), {"count": int(counts), "axis": axis})
    if counts.shape != (n,):
        raise ValueError(f"Dimensions {n} and {counts.size} are not compatible")
    return gather(x, np.repeat(np.arange(n), counts), axis=axis)


def _repeat_sum_kernel(g, like, count, axis):
    """The gradient of repeating each element of `like` `count` times along `axis`: the copies summed."""
    shape = np.shape(like)
    if not count:
        return np.zeros(shape, g.dtype)
    pairs = g.reshape(shape[:axis] + (shape[axis], count) + shape[axis + 1:])
    return np.sum(pairs, axis=axis + 1, dtype=g.dtype)


_repeat_op = Op("Repeat", lambda x, count, axis: np.repeat(x, count, axis=axis),
                (lambda g, y, x, count, axis: bind(_repeat_sum_op, (g, x), {"count": count, "axis": axis}),))
_repeat_sum_op = Op("RepeatGrad", _repeat_sum_kernel, (
    lambda gg, y, g, like, count, axis: bind(_repeat_op, (gg,), {"count": count, "axis": axis}), None),
    infer=lambda g, like, count, axis: [AbstractValue(like.shape, g.dtype)])


def roll(input: Any, shift: Any, axis: Any, name: str | None = None):  # noqa: A002
    """`tf.roll`: elements shifted along each axis, wrapping around (shifts on one axis add up); its
    gradient rolls back."""
    x = tensor(input)
    shifts = int_values(shift, "Roll", "Tshift").reshape(-1)
    axes = int_values(axis, "Roll", "Taxis").reshape(-1)
    if shifts.size != axes.size:
        raise invalid("Roll", "shift and axis must have the same size")
    rank = x._value.ndim
    total: dict = {}
    for a, s in zip(axes.tolist(), shifts.tolist()):
        if not -rank <= a < rank:
            raise invalid("Roll", f"axis {a} is out of range")
        total[a % rank] = total.get(a % rank, 0) + s
    moved = {a: s for a, s in total.items() if s and x._value.shape[a] != 0}
    if not moved:
        return x
    return bind(_roll_op, (x,), {"shifts": tuple(moved.values()), "axes": tuple(moved)})


_roll_op = Op("Roll", lambda x, shifts, axes: np.roll(x, shifts, axes), (
    lambda g, y, x, shifts, axes: bind(_roll_op, (g,), {"shifts": tuple(-s for s in shifts), "axes": axes}),))


def boolean_mask(tensor_: Any = None, mask: Any = None, axis: int | None = None, name: str = "boolean_mask",
                 **kwargs: Any):
    """`tf.boolean_mask`: the slices of `tensor` where `mask` (covering axes `axis`, `axis + 1`, ...)
    is true, those axes flattened into one. A gather at the true positions when the mask is known;
    a `BooleanMask` op, whose result's length is known only when the code runs, when it is traced."""
    x, m = tensor(kwargs.pop("tensor", tensor_)), tensor(mask)
    if m._value.ndim == 0:
        raise ValueError("mask cannot be scalar.")
    rank = m._value.ndim
    axis = 0 if axis is None else axis % x._value.ndim
    shape = x._value.shape
    covered = shape[axis: axis + rank]
    if not TensorShape(covered).is_compatible_with(m._value.shape):
        raise ValueError(f"Shapes {TensorShape(covered)} and {TensorShape(m._value.shape)} are incompatible")
    if rank > 1:  # the masked axes flattened into one (the others may be known only at run time)
        dims = shape_ops.shape_of(x) if None in shape else shape
        kept = [*range(axis), None, *range(axis + rank, len(shape))]
        x = reshape(x, [-1 if i is None else dims[i] for i in kept])
        m = reshape(m, [-1])
    if type(m) is Tensor:
        return gather(x, np.flatnonzero(m._value), axis=axis)  # any nonzero entry counts, as in TF
    if m.dtype != dtypes.bool:
        m = not_equal(m, 0)
    return bind(_mask_op, (x, m), {"axis": axis})


def _unmask_kernel(g, like, mask, axis):
    """The gradient of a boolean mask: g's slices back where the mask is true, zeros elsewhere."""
    out = np.zeros(np.shape(like), g.dtype)
    np.moveaxis(out, axis, 0)[np.asarray(mask)] = np.moveaxis(g, axis, 0)
    return out


def _masked_shape(x: AbstractValue, mask: AbstractValue, axis: int) -> list[AbstractValue]:
    return [AbstractValue(x.shape[:axis] + (None,) + x.shape[axis + 1:], x.dtype)]


_mask_op = Op("BooleanMask", lambda x, mask, axis: np.compress(mask, x, axis=axis), (
    lambda g, y, x, mask, axis: bind(_unmask_op, (g, x, mask), {"axis": axis}), None), infer=_masked_shape)
_unmask_op = Op("BooleanMaskGrad", _unmask_kernel, (
    lambda gg, y, g, like, mask, axis: bind(_mask_op, (gg, mask), {"axis": axis}), None, None),
    infer=lambda g, like, mask, axis: [AbstractValue(like.shape, g.dtype)])


# ---- IndexedSlices (the sparse gradient of gather) as dense tensors ------------------------------

def to_dense(slices: IndexedSlices):
    """The dense tensor the slices stand for (rows not mentioned are zero, repeated rows add up)."""
    if slices.dense_shape is None:
        raise ValueError("Cannot convert IndexedSlices with an unknown dense_shape to a Tensor.")
    return unsorted_segment_sum(slices.values, slices.indices, int(slices.dense_shape._value[0]))


register_tensor_conversion_function(
    IndexedSlices, lambda value, dtype=None, name=None, as_ref=False: to_dense(value))


def concat_slices(parts: list) -> IndexedSlices:
    """Several IndexedSlices of one tensor as one (their rows are simply listed together)."""
    return IndexedSlices(concat([p.values for p in parts], 0), concat([p.indices for p in parts], 0),
                         parts[0].dense_shape)
