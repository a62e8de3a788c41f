"""Shape and layout: reshape, broadcast, transpose, slicing, joining and splitting, gather, pad, tile.

Layout ops move values without arithmetic, so each gradient is the inverse move: reshape back,
transpose by the inverse permutation, pad a slice back into place, sum a broadcast or a tile back,
concatenate the pieces of a split, scatter-add what `gather` read (`unsorted_segment_sum`, whose own
gradient is `gather` again). Every such rule is written with these same ops, so gradients of
gradients need nothing more.

Public functions check their arguments as TensorFlow does, with its error types and messages;
kernels only check what depends on values (an index out of range), so they stay valid when
the arguments are symbolic.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.framework import dtypes, errors
from tapeflow.framework.convert import convert_to_tensor
from tapeflow.framework.dtypes import NUMERIC
from tapeflow.framework.op import Op, bind, variadic
from tapeflow.framework.tensor import Tensor, TensorLike
from tapeflow.ops import declare
from tapeflow.ops.declare import mismatch_error, tensor, type_name, unsupported_error
from tapeflow.ops.math_ops import conj, greater_equal, maximum, where
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["reshape", "broadcast_to", "identity", "stop_gradient", "transpose", "expand_dims", "squeeze",
           "concat", "stack", "unstack", "split", "gather", "tile", "pad", "reverse", "slice",
           "strided_slice"]
# Names of this module that TensorFlow publishes in `tf.math` only, not at the top level.
MATH_ONLY = ["unsorted_segment_sum"]

_py_slice = slice  # the builtin: this module's `slice` is `tf.slice`
_INDEX_TYPES = (dtypes.int32, dtypes.int64)
_GATHER_INDEX_TYPES = (dtypes.int16, dtypes.int32, dtypes.int64)


def _invalid(op_name: str, message: str) -> errors.OpError:
    return errors.InvalidArgumentError(None, None, f"{message} [Op:{op_name}]")


def _dims(shape: Sequence) -> str:
    """A shape as TensorFlow's kernels print it: `[2,3]`."""
    return "[" + ",".join(str(int(d)) for d in shape) + "]"


def _int_values(value: Any, op_name: str, attr: str, allowed: Sequence = _INDEX_TYPES,
                strict: bool = False) -> np.ndarray:
    """An integer argument (Python int or list, NumPy value, int tensor) as an int64 array.

    Python values become int32 tensors; one of another dtype is TensorFlow's attr error, or with
    `strict` (ops whose Python wrapper converts to int32 first) a TypeError from the conversion."""
    if isinstance(value, TensorLike):
        t = tensor(value)
    elif not np.size(value):  # an empty list is an empty int32 vector here
        return np.zeros(np.shape(value), dtype=np.int64)
    else:
        t = convert_to_tensor(value, dtype=dtypes.int32) if strict else convert_to_tensor(
            value, dtype_hint=dtypes.int32)
    if t.dtype not in allowed:
        names = ", ".join(type_name(d) for d in allowed)
        raise _invalid(op_name, f"Value for attr '{attr}' of {type_name(t.dtype)} is not in the list of "
                                f"allowed values: {names}")
    return np.asarray(t._value, dtype=np.int64)


def _index_error(name: str, indices: np.ndarray, bad: np.ndarray, relation: str, op_name: str
                 ) -> errors.OpError:
    """`indices[1,0] = 5 is not in [0, 3)`: the first bad index, by its position."""
    position = tuple(int(i) for i in np.argwhere(bad)[0])
    where_ = f"[{','.join(map(str, position))}]" if position else ""
    return _invalid(op_name, f"{name}{where_} = {indices[position]} {relation}")


def _take(x: Tensor, key: tuple) -> Tensor:
    """`x[key]` for a key of ints and slices already checked: the StridedSlice op."""
    return bind(_strided_slice_op, (x,), {"key": key})


def _along(axis: int, index: Any) -> tuple:
    """The key that indexes axis `axis` by `index` (an int or a slice) and keeps the others."""
    return (_py_slice(None),) * axis + (index,)


def shape_tuple(shape: Any) -> tuple:
    """A shape argument (list, tuple, TensorShape or int tensor) as a tuple of ints."""
    if hasattr(shape, "_value"):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    if isinstance(shape, int | np.integer):
        return (int(shape),)
    return tuple(int(d) for d in shape)


# ---- reshape, broadcast, identity -------------------------------------------------------------

_reshape_op = Op("Reshape", lambda x, shape: np.reshape(x, shape),
                 (lambda g, y, x, shape: reshape(g, x._value.shape),))


def reshape(tensor: Any, shape: Any, name: str | None = None):
    """`tf.reshape`: one dimension may be -1 and is inferred."""
    x = declare.tensor(tensor)
    target = shape_tuple(shape)
    size = x._value.size
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    if target.count(-1) > 1 or (-1 not in target and known != size) or (
            -1 in target and (known == 0 or size % known)):
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {size} values, but the requested shape "
                        f"{'has' if -1 not in target else 'requires a multiple of'} {known} [Op:Reshape]")
    if target == x._value.shape:
        return x
    return bind(_reshape_op, (x,), {"shape": target})


def _broadcast_grad(g, y, x, shape):
    from tapeflow.autodiff.backprop import unbroadcast

    return unbroadcast(g, x._value.shape)


_broadcast_to_op = Op("BroadcastTo", lambda x, shape: np.broadcast_to(x, shape), (_broadcast_grad,))


def broadcast_to(input: Any, shape: Any, name: str | None = None):  # noqa: A002
    """`tf.broadcast_to`."""
    x = tensor(input)
    target = shape_tuple(shape)
    if target == x._value.shape:
        return x
    try:
        np.broadcast_shapes(x._value.shape, target)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Unable to broadcast tensor of shape {list(x._value.shape)} to tensor of shape "
                        f"{list(target)} [Op:BroadcastTo]") from None
    return bind(_broadcast_to_op, (x,), {"shape": target})


_identity_op = Op("Identity", lambda x: x, (lambda g, y, x: g,))
_stop_gradient_op = Op("StopGradient", lambda x: x, None)


def identity(input: Any, name: str | None = None):  # noqa: A002
    """`tf.identity`: the same value, as a new tensor (a variable's current value, read)."""
    return bind(_identity_op, (tensor(input),))


def stop_gradient(input: Any, name: str | None = None):  # noqa: A002
    """`tf.stop_gradient`: the same value, through which no gradient flows."""
    return bind(_stop_gradient_op, (tensor(input),))


# ---- transpose, expand_dims, squeeze, reverse -------------------------------------------------

def _inverse_permutation(perm: tuple) -> tuple:
    return tuple(int(i) for i in np.argsort(perm))


_transpose_op = Op("Transpose", lambda x, perm: np.transpose(x, perm), (
    lambda g, y, x, perm: bind(_transpose_op, (g,), {"perm": _inverse_permutation(perm)}),))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str = "transpose"):
    """`tf.transpose`: axes permuted by `perm` (default: reversed); `conjugate` also conjugates."""
    x = tensor(a)
    rank = x._value.ndim
    if perm is None:
        perm = tuple(range(rank - 1, -1, -1))
    else:
        given = [int(p) for p in _int_values(perm, "Transpose", "Tperm").reshape(-1)]
        if len(given) != rank:
            raise _invalid("Transpose", f"transpose expects a vector of size {rank}. But input(1) is a "
                                        f"vector of size {len(given)}")
        perm = tuple(p + rank if p < 0 else p for p in given)
        for p in perm:
            if not 0 <= p < rank:
                raise _invalid("Transpose", f"{p} is out of range [0 .. {rank})")
        for d in range(rank):
            if d not in perm:
                raise _invalid("Transpose", f"{d} is missing from {{{','.join(map(str, perm))}}}.")
    result = x if perm == tuple(range(rank)) else bind(_transpose_op, (x,), {"perm": perm})
    return conj(result) if conjugate else result


def expand_dims(input: Any, axis: Any, name: str | None = None):  # noqa: A002
    """`tf.expand_dims`: a new axis of size 1 at `axis` (negative counts from the end, -1 is last)."""
    x = tensor(input)
    axes = _int_values(axis, "ExpandDims", "Tdim", strict=True)
    if axes.size != 1:
        raise _invalid("ExpandDims", "'dim' must be a tensor with a single value")
    shape = x._value.shape
    a = int(axes.reshape(-1)[0])
    if not -len(shape) - 1 <= a <= len(shape):
        raise _invalid("ExpandDims",
                       f"Tried to expand dim index {a} for tensor with {len(shape)} dimensions.")
    a = a % (len(shape) + 1)
    return reshape(x, shape[:a] + (1,) + shape[a:])


def squeeze(input: Any, axis: Any = None, name: str | None = None):  # noqa: A002
    """`tf.squeeze`: drops the size-1 axes (all of them, or those in `axis`, which must be 1)."""
    x = tensor(input)
    shape = x._value.shape
    rank = len(shape)
    if axis is None:
        dropped = {i for i, d in enumerate(shape) if d == 1}
    else:
        dropped = set()
        for a in np.asarray(getattr(axis, "_value", axis)).reshape(-1):
            a = int(a)
            if not -rank <= a < rank:
                raise _invalid("Squeeze",
                               f"Tried to squeeze dim index {a} for tensor with {rank} dimensions.")
            a %= rank
            if shape[a] != 1:
                raise _invalid("Squeeze",
                               f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]}")
            dropped.add(a)
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in dropped))


_reverse_op = Op("ReverseV2", lambda x, axes: np.flip(x, axes),
                 (lambda g, y, x, axes: bind(_reverse_op, (g,), {"axes": axes}),))


def reverse(tensor: Any, axis: Any, name: str | None = None):
    """`tf.reverse`: the order of elements reversed along each axis in the list `axis`."""
    x = declare.tensor(tensor)
    given = _int_values(axis, "ReverseV2", "Tidx")
    if given.ndim != 1:
        raise _invalid("ReverseV2", f"'dims' must be 1-dimension, not {given.ndim}")
    rank = x._value.ndim
    axes = []
    for i, a in enumerate(given.tolist()):
        if not -rank <= a < rank:
            raise _invalid("ReverseV2", f"'axis'[{i}] = {a} is out of valid range [0, {rank - 1}")
        if a % rank in axes:
            raise _invalid("ReverseV2", f"axis {a % rank} specified more than once.")
        axes.append(a % rank)
    if not axes:
        return x
    return bind(_reverse_op, (x,), {"axes": tuple(sorted(axes))})


# ---- joining and splitting --------------------------------------------------------------------

def _same_dtype(values: Sequence, op: Op) -> list:
    """A list of values as tensors of one dtype: Python values take the dtype of the first tensor
    among them (or of the first value), as TensorFlow converts an op's list input."""
    values = [tensor(v) if isinstance(v, TensorLike) else v for v in values]
    dtype = next((v.dtype for v in values if type(v) is Tensor), None)
    out = []
    for v in values:
        t = v if type(v) is Tensor else convert_to_tensor(v, dtype=dtype)
        dtype = dtype or t.dtype
        out.append(t)
    for i, t in enumerate(out):
        if t.dtype != out[0].dtype:
            raise mismatch_error(op, out[0].dtype, i, t.dtype)
    return out


def _concat_grad(i: int, g, y, *xs, axis):
    start = sum(x._value.shape[axis] for x in xs[:i])
    return _take(g, _along(axis, _py_slice(start, start + xs[i]._value.shape[axis])))


def _concat_kernel(*xs, axis):
    return np.concatenate(xs, axis=axis)


def concat(values: Any, axis: Any, name: str = "concat"):
    """`tf.concat`: tensors of one rank joined along an existing axis."""
    values = values if isinstance(values, list | tuple) else [values]
    op = variadic("ConcatV2", _concat_kernel, _concat_grad, len(values))
    xs = _same_dtype(values, op)
    axis = int(_int_values(axis, "ConcatV2", "Tidx"))
    if len(xs) == 1:
        return identity(xs[0])
    if not xs:
        raise _invalid("ConcatV2", "ConcatOp : Expected a non-empty list of tensors")
    shapes = [x._value.shape for x in xs]
    rank = len(shapes[0])
    if rank == 0:
        raise _invalid("ConcatV2", "ConcatOp : Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        raise _invalid("ConcatV2", f"ConcatOp : Expected concatenating dimensions in the range "
                                   f"[{-rank}, {rank}), but got {axis}")
    axis %= rank
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != rank:
            raise _invalid("ConcatV2", f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                                       f"{_dims(shapes[0])} vs. shape[{i}] = {_dims(s)}")
        for d in range(rank):
            if d != axis and s[d] != shapes[0][d]:
                raise _invalid("ConcatV2", f"ConcatOp : Dimension {d} in both shapes must be equal: "
                                           f"shape[0] = {_dims(shapes[0])} vs. shape[{i}] = {_dims(s)}")
    return bind(op, tuple(xs), {"axis": axis})


def _stack_grad(i: int, g, y, *xs, axis):
    return _take(g, _along(axis, i))


def _stack_kernel(*xs, axis):
    return np.stack(xs, axis=axis)


def stack(values: Any, axis: int = 0, name: str = "stack"):
    """`tf.stack`: tensors of one shape joined along a new axis."""
    if axis == 0 and not any(isinstance(v, TensorLike | np.ndarray | np.generic) for v in values):
        return convert_to_tensor(list(values))  # plain Python values: one conversion, as TF
    op = variadic("Pack", _stack_kernel, _stack_grad, len(values))
    xs = _same_dtype(values, op)
    rank = xs[0]._value.ndim + 1
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    first = xs[0]._value.shape
    for i, x in enumerate(xs[1:], 1):
        if x._value.shape != first:
            raise _invalid("Pack", f"Shapes of all inputs must match: values[0].shape = {_dims(first)} != "
                                   f"values[{i}].shape = {_dims(x._value.shape)}")
    return bind(op, tuple(xs), {"axis": axis % rank})


_unstack_op = Op("Unpack", lambda x, axis: tuple(np.moveaxis(x, axis, 0)),
                 (lambda g, ys, x, axis: stack(list(g), axis),), multiple_results=True)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list:
    """`tf.unstack`: the slices of `value` along `axis`, as a list (what iterating a tensor gives)."""
    x = tensor(value)
    shape = x._value.shape
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"Argument `axis` = {axis} not in range [{-len(shape)}, {len(shape)})")
    axis %= len(shape)
    if num is not None and int(num) != shape[axis]:
        raise _invalid("Unpack", f"Input shape axis {axis} must equal {int(num)}, got shape {_dims(shape)}")
    return list(bind(_unstack_op, (x,), {"axis": axis}))


def _split_kernel(x, sizes, axis):
    return tuple(np.split(x, np.cumsum(sizes[:-1]), axis=axis))


def _split_grad(g, ys, x, sizes, axis):
    return concat(list(g), axis)


_split_op = Op("Split", _split_kernel, (_split_grad,), multiple_results=True)
_split_v_op = Op("SplitV", _split_kernel, (_split_grad,), multiple_results=True)


def split(value: Any, num_or_size_splits: Any, axis: Any = 0, num: int | None = None,
          name: str = "split") -> list:
    """`tf.split`: `value` cut along `axis` into equal parts, or parts of the given sizes (one may
    be -1: what is left)."""
    x = tensor(value)
    shape = x._value.shape
    equal = isinstance(num_or_size_splits, int | np.integer) and not isinstance(num_or_size_splits, bool)
    op = _split_op if equal else _split_v_op
    axis = int(_int_values(axis, op.name, "Tidx"))
    if not -len(shape) <= axis < len(shape):
        raise _invalid(op.name, f"-input rank(-{len(shape)}) <= split_dim < input rank ({len(shape)}), "
                                f"but got {axis}")
    axis %= len(shape)
    size = shape[axis]
    if equal:
        n = int(num_or_size_splits)
        if n < 1:
            raise _invalid("Split", f"Value for attr 'num_split' of {n} must be at least minimum 1")
        if size % n:
            raise _invalid("Split", f"Number of ways to split should evenly divide the split dimension, "
                                    f"but got split_dim {axis} (size = {size}) and num_split {n}")
        sizes = (size // n,) * n
    else:
        if np.ndim(getattr(num_or_size_splits, "_value", num_or_size_splits)) == 0:
            raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument to split. "
                             f"Argument provided: {num_or_size_splits}")
        sizes = _split_sizes(_int_values(num_or_size_splits, "SplitV", "Tlen",
                                         (dtypes.int8, dtypes.int32, dtypes.int64)), size, num)
    return list(bind(op, (x,), {"sizes": sizes, "axis": axis}))


def _split_sizes(given: np.ndarray, size: int, num: int | None) -> tuple:
    """SplitV's sizes checked as TensorFlow does, with the one -1 filled in."""
    sizes = given.reshape(-1).tolist()
    if not sizes:
        raise _invalid("SplitV", "Value for attr 'num_split' of 0 must be at least minimum 1")
    if num is not None and int(num) != len(sizes):
        raise _invalid("SplitV", f"size of the split_tensor must be 1-D and have the same elements as "
                                 f"outputs got {given.ndim} -D and {len(sizes)} elements")
    if sizes.count(-1) > 1:
        raise _invalid("SplitV", "There can only be one -1 in the input.")
    for i, s in enumerate(sizes):
        if s < -1:
            raise _invalid("SplitV", f"Split size at index {i} must be >= 0. Got: {s}")
    determined = sum(s for s in sizes if s != -1)
    if (-1 not in sizes and determined != size) or determined > size:
        raise _invalid("SplitV", "Determined shape must either match input shape along split_dim exactly "
                                 "if fully specified, or be less than the size of the input along split_dim "
                                 f"if not fully specified.  Got: {determined}")
    return tuple(size - determined if s == -1 else s for s in sizes)


# ---- gather and its adjoint, unsorted_segment_sum ---------------------------------------------

def _gather_kernel(params, indices, axis, batch_dims):
    indices = np.asarray(indices)
    bad = (indices < 0) | (indices >= params.shape[axis])
    if bad.any():
        raise _index_error("indices", indices, bad, f"is not in [0, {params.shape[axis]})", "GatherV2")
    if not batch_dims:
        return np.take(params, indices, axis=axis)
    # Batched: bring the gathered axis next to the batch axes, index each batch, put the axes back.
    b, p1 = batch_dims, axis - batch_dims
    batch = params.shape[:b]
    k = int(np.prod(batch, dtype=np.int64))
    moved = np.moveaxis(params, axis, b)
    rest = moved.shape[b + 1:]
    out = moved.reshape((k, params.shape[axis]) + rest)[np.arange(k)[:, None], indices.reshape(k, -1)]
    ni = indices.ndim - b
    out = out.reshape(batch + indices.shape[b:] + rest)  # batch, indices, P1, P2
    order = [*range(b), *range(b + ni, b + ni + p1), *range(b, b + ni), *range(b + ni + p1, out.ndim)]
    return np.transpose(out, order)


def _gather_grad(g, y, params, indices, axis, batch_dims):
    """Scatter-add g back: move the gathered axes first, sum by index, restore the axis order."""
    shape = params._value.shape
    b, ni = batch_dims, indices._value.ndim - batch_dims
    p1, p2 = axis - b, len(shape) - axis - 1
    n = shape[axis]
    # g's axes: batch (b), P1 (p1), indices (ni), P2 (p2) -> batch, indices, P2, P1.
    order = [*range(b), *range(b + p1, b + p1 + ni), *range(b + p1 + ni, b + p1 + ni + p2), *range(b, b + p1)]
    ids = indices
    k = int(np.prod(shape[:b], dtype=np.int64))
    if b:  # batch j's indices address rows j*n ... j*n + n-1 of one flat segment axis
        offsets = (np.arange(k, dtype=indices._value.dtype) * n).reshape(shape[:b] + (1,) * ni)
        ids = ids + Tensor(offsets)
    summed = unsorted_segment_sum(transpose(g, order), ids, k * n)
    summed = reshape(summed, shape[:b] + (n,) + shape[axis + 1:] + shape[b:axis])
    # now batch, N, P2, P1 -> batch, P1, N, P2
    back = [*range(b), *range(b + 1 + p2, b + 1 + p2 + p1), b, *range(b + 1, b + 1 + p2)]
    return transpose(summed, back)


_gather_op = Op("GatherV2", _gather_kernel, (_gather_grad, None))


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: Any = None, batch_dims: int = 0,
           name: str | None = None):
    """`tf.gather`: slices of `params` along `axis` at `indices` (each in [0, dim), else an error);
    the first `batch_dims` axes of both are batch axes, matched one to one."""
    p = tensor(params)
    i = tensor(indices)
    if i.dtype not in _GATHER_INDEX_TYPES:
        raise _invalid("GatherV2", f"Value for attr 'Tindices' of {type_name(i.dtype)} is not in the list of "
                                   f"allowed values: int16, int32, int64")
    rank, index_rank = p._value.ndim, i._value.ndim
    batch_dims = int(getattr(batch_dims, "_value", batch_dims))
    if not -index_rank <= batch_dims <= index_rank:
        raise _invalid("GatherV2", f"Expected batch_dims in the range [{-index_rank}, {index_rank}], but got "
                                   f"{batch_dims}")
    if batch_dims < 0:
        batch_dims += index_rank
    axis = batch_dims if axis is None else int(_int_values(axis, "GatherV2", "Taxis"))
    if axis == 0:
        batch_dims = 0  # TensorFlow's Python wrapper drops batch_dims when axis is 0 (literally)
    if rank == 0:
        raise _invalid("GatherV2", "params must be at least 1 dimensional")
    if not -rank <= axis < rank:
        raise _invalid("GatherV2", f"Shape must be at least rank {axis + 1 if axis >= 0 else -axis} but is "
                                   f"rank {rank}")
    axis %= rank
    if batch_dims >= rank:
        raise _invalid("GatherV2", f"batch_dims ({batch_dims}) must be less than rank(params) ({rank}).")
    if batch_dims > axis:
        raise _invalid("GatherV2", f"batch_dims ({batch_dims}) must be less than or equal to axis ({axis}).")
    for d in range(batch_dims):
        if p._value.shape[d] != i._value.shape[d]:
            raise _invalid("GatherV2", f"params.shape[{d}]: {p._value.shape[d]} should be equal to "
                                       f"indices.shape[{d}]: {i._value.shape[d]}")
    return bind(_gather_op, (p, i), {"axis": axis, "batch_dims": batch_dims})


def _segment_sum_kernel(data, segment_ids, num_segments):
    ids = np.asarray(segment_ids)
    bad = ids >= num_segments
    if bad.any():
        raise _index_error("segment_ids", ids, bad, f"is out of range [0, {num_segments})",
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
    if ids.dtype not in _GATHER_INDEX_TYPES:
        raise _invalid("UnsortedSegmentSum", f"Value for attr 'Tindices' of {type_name(ids.dtype)} is not in "
                                             f"the list of allowed values: int16, int32, int64")
    n = _int_values(num_segments, "UnsortedSegmentSum", "Tnumsegments")
    if n.ndim:
        raise _invalid("UnsortedSegmentSum", f"num_segments should be a scalar, not shape {_dims(n.shape)}")
    n = int(n)
    if n < 0:
        raise _invalid("UnsortedSegmentSum", f"Input num_segments == {n} must not be negative.")
    if x._value.shape[:ids._value.ndim] != ids._value.shape:
        raise _invalid("UnsortedSegmentSum", f"data.shape = {_dims(x._value.shape)} does not start with "
                                             f"segment_ids.shape = {_dims(ids._value.shape)}")
    return bind(_segment_sum_op, (x, ids), {"num_segments": n})


# ---- tile and pad -----------------------------------------------------------------------------

def _tile_grad(g, y, x, multiples):
    """Each input element was copied once per tile: view g as (tile, size) pairs, sum over the tiles."""
    shape = x._value.shape
    pairs = tuple(v for m, d in zip(multiples, shape, strict=True) for v in (m, d))
    return reduce_sum(reshape(g, pairs), axis=tuple(range(0, 2 * len(shape), 2)))


_tile_op = Op("Tile", lambda x, multiples: np.tile(x, multiples), (_tile_grad,))


def tile(input: Any, multiples: Any, name: str | None = None):  # noqa: A002
    """`tf.tile`: `input` repeated `multiples[i]` times along axis i."""
    x = tensor(input)
    given = _int_values(multiples, "Tile", "Tmultiples")
    if given.ndim != 1:
        raise _invalid("Tile", f"Expected multiples to be 1-D, but got shape {_dims(given.shape)}")
    if given.size != x._value.ndim:
        raise _invalid("Tile", f"Expected multiples argument to be a vector of length {x._value.ndim} but "
                               f"got length {given.size}")
    for i, m in enumerate(given.tolist()):
        if m < 0:
            raise _invalid("Tile", f"Expected multiples[{i}] >= 0, but got {m}")
    multiples = tuple(given.tolist())
    if all(m == 1 for m in multiples):
        return identity(x)
    return bind(_tile_op, (x,), {"multiples": multiples})


def _pad_constant(x, value, paddings):
    return np.pad(x, paddings, constant_values=value)


_pad_op = Op("PadV2", _pad_constant, (
    lambda g, y, x, value, paddings: _take(g, tuple(
        _py_slice(b, b + d) for (b, _), d in zip(paddings, x._value.shape, strict=True))),
    None))  # TensorFlow gives constant_values no gradient


def _mirror_pad(x, paddings, mode):
    return np.pad(x, paddings, mode=mode.lower())


def _mirror_fold(g, paddings, mode):
    """The adjoint of mirror padding: each padded element is added back onto the one it copied."""
    skip = 1 if mode == "REFLECT" else 0  # REFLECT does not repeat the edge element
    for axis, (before, after) in enumerate(paddings):
        g = np.moveaxis(g, axis, 0)
        n = g.shape[0] - before - after
        core = g[before:before + n].copy()
        core[skip:skip + before] += g[:before][::-1]
        core[n - skip - after:n - skip] += g[before + n:][::-1]
        g = np.moveaxis(core, 0, axis)
    return g


_mirror_pad_op = Op("MirrorPad", _mirror_pad, (
    lambda g, y, x, paddings, mode: bind(_mirror_pad_grad_op, (g,), {"paddings": paddings, "mode": mode}),))
_mirror_pad_grad_op = Op("MirrorPadGrad", _mirror_fold, (
    lambda gg, y, g, paddings, mode: bind(_mirror_pad_op, (gg,), {"paddings": paddings, "mode": mode}),))


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None):
    """`tf.pad`: `paddings[i] = [before, after]` elements added around axis i: `constant_values`, or
    a mirror image of the edge (REFLECT leaves the edge element out, SYMMETRIC repeats it)."""
    x = declare.tensor(tensor)
    mode = str(mode).upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or '
                         f'"SYMMETRIC". Received `mode` = {mode}')
    constant = mode == "CONSTANT"
    default = isinstance(constant_values, int | float) and constant_values == 0  # Pad: zeros of the dtype
    op_name = "MirrorPad" if not constant else "Pad" if default else "PadV2"
    given = _int_values(paddings, op_name, "Tpaddings")
    if given.ndim != 2 or given.shape[1] != 2:
        raise _invalid(op_name, f"paddings must be a matrix with 2 columns: {_dims(given.shape)}")
    shape = x._value.shape
    if given.shape[0] != len(shape):
        raise _invalid(op_name, f"The first dimension of paddings must be the rank of "
                                f"inputs{_dims(given.shape)} {_dims(shape)}")
    pads = tuple((int(b), int(a)) for b, a in given.tolist())
    for (before, after), d in zip(pads, shape, strict=True):
        if before < 0 or after < 0:
            raise _invalid(op_name,
                           f"{'P' if constant else 'p'}addings must be non-negative: {before} {after}")
        if mode == "REFLECT" and max(before, after) >= d:
            raise _invalid(op_name, f"paddings must be less than the dimension size: {before}, {after} not "
                                    f"less than {d}")
        if mode == "SYMMETRIC" and max(before, after) > d:
            raise _invalid(op_name, f"paddings must be no greater than the dimension size: {before}, {after} "
                                    f"greater than {d}")
    if not constant:
        return bind(_mirror_pad_op, (x,), {"paddings": pads, "mode": mode})
    if default:
        value = Tensor(np.array(b"" if x.dtype is dtypes.string else 0, dtype=x._value.dtype))
    elif isinstance(constant_values, TensorLike):
        value = declare.tensor(constant_values)
    else:
        value = convert_to_tensor(constant_values, dtype=x.dtype)
    if value._value.ndim:
        raise _invalid("PadV2", f"constant_values must be a scalar. Found: {_dims(value._value.shape)}")
    if value.dtype != x.dtype:
        raise mismatch_error(_pad_op, x.dtype, 2, value.dtype)
    return bind(_pad_op, (x, value), {"paddings": pads})


# ---- slicing (`tensor[...]`, tf.slice, tf.strided_slice) --------------------------------------

def _scatter_slice(g, key, shape):
    out = np.zeros(shape, dtype=g.dtype)
    out[key] = g
    return out


_slice_grad_op = Op("StridedSliceGrad", _scatter_slice,
                    (lambda gg, y, g, key, shape: _take(gg, key),))
_strided_slice_op = Op("StridedSlice", lambda x, key: x[key], (
    lambda g, y, x, key: bind(_slice_grad_op, (g,), {"key": key, "shape": x._value.shape}),))

_INDEX_HELP = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
               "tf.int32/tf.int64 tensors are valid indices, got ")


def _index(item: Any) -> Any:
    if type(item) is int or item is None or item is Ellipsis:
        return item
    if isinstance(item, int | np.integer):  # a bool inside a key counts as an int, as in TensorFlow
        return int(item)
    if isinstance(item, _py_slice):
        parts = (item.start, item.stop, item.step)
        if all(v is None or type(v) is int for v in parts):
            return item
        return _py_slice(*(None if v is None else _scalar_index(v) for v in parts))
    return _scalar_index(item)


def _scalar_index(v: Any) -> int:
    """An int from a Python or NumPy integer or a scalar int16/int32/int64 tensor (TF's accepted set)."""
    if isinstance(v, TensorLike):
        valid = not v._value.ndim and v.dtype in _GATHER_INDEX_TYPES
    else:
        valid = isinstance(v, int | np.integer) or (isinstance(v, np.ndarray) and not v.ndim
                                                     and v.dtype.kind in "iu")
    if not valid or isinstance(v, bool | np.bool_):
        raise TypeError(f"{_INDEX_HELP}{v!r}")
    return int(getattr(v, "_value", v))


def _check_key(key: tuple, shape: tuple) -> None:
    """TensorFlow's StridedSlice errors for a key of ints, slices, `...` and None on `shape`."""
    rank = len(shape)
    position = 0  # the input axis that the next int or slice indexes
    seen_ellipsis = False
    for i, k in enumerate(key):
        if k is None:
            continue
        if k is Ellipsis:
            if seen_ellipsis:
                raise _invalid("StridedSlice", "Multiple ellipses in slice spec not allowed")
            seen_ellipsis = True
            after = sum(1 for j in key[i + 1:] if j is not None and j is not Ellipsis)
            position = max(position, rank - after)
            continue
        if position >= rank:
            raise _invalid("StridedSlice", "Attempting to slice scalar input." if not rank else
                           f"Index out of range using input dim {position}; input has only {rank} dims")
        if type(k) is int:
            if not -shape[position] <= k < shape[position]:
                shown = k + shape[position] if k < 0 else k
                raise _invalid("StridedSlice", f"slice index {shown} of dimension {position} out of bounds.")
        elif k.step == 0:
            raise _invalid("StridedSlice", f"strides[{i}] must be non-zero")
        position += 1


def getitem(x: Any, key: Any):
    """`tensor[key]`: ints, slices (with steps, negative too), `...`, `tf.newaxis`, scalar int tensors."""
    x = tensor(x)
    if isinstance(key, bool):
        raise ValueError("mask cannot be scalar.")
    key = tuple(map(_index, key if isinstance(key, tuple | list) else (key,)))
    _check_key(key, x._value.shape)
    return _take(x, key)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None):  # noqa: A001
    """`tf.slice`: the block of `size` elements from `begin` (a size of -1: to the end of that axis)."""
    x = tensor(input_)
    shape = x._value.shape
    begin = _int_values(begin, "Slice", "Index")
    size = _int_values(size, "Slice", "Index")
    if begin.shape != (len(shape),) or size.shape != (len(shape),):
        raise _invalid("Slice", f"Expected begin and size arguments to be 1-D tensors of size {len(shape)}, "
                                f"but got shapes {_dims(begin.shape)} and {_dims(size.shape)} instead.")
    key = []
    for i, (b, s, d) in enumerate(zip(begin.tolist(), size.tolist(), shape, strict=True)):
        if not 0 <= b <= d:
            raise _invalid("Slice", f"Expected begin[{i}] in [0, {d}], but got {b}")
        s = d - b if s == -1 else s
        if not 0 <= s <= d - b:
            raise _invalid("Slice", f"Expected size[{i}] in [0, {d - b}], but got {size[i]}")
        key.append(_py_slice(b, b + s))
    return _take(x, tuple(key))


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0,
                  end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                  shrink_axis_mask: int = 0, var: Any = None, name: str | None = None):
    """`tf.strided_slice`: the slicing that `tensor[...]` does, spelled as begin/end/strides arrays and
    bit masks (bit i of a mask applies to entry i)."""
    allowed = _GATHER_INDEX_TYPES
    begin = _int_values(begin, "StridedSlice", "Index", allowed)
    end = _int_values(end, "StridedSlice", "Index", allowed)
    strides = np.ones_like(begin) if strides is None else _int_values(strides, "StridedSlice", "Index",
                                                                      allowed)
    if not begin.ndim == 1 or begin.shape != end.shape or begin.shape != strides.shape:
        raise _invalid("StridedSlice", f"Expected begin, end, and strides to be 1D equal size tensors, but "
                                       f"got shapes {_dims(begin.shape)}, {_dims(end.shape)}, and "
                                       f"{_dims(strides.shape)} instead.")
    key = []
    for i, (b, e, s) in enumerate(zip(begin.tolist(), end.tolist(), strides.tolist(), strict=True)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            if s != 1:
                raise _invalid("StridedSlice", "only stride 1 allowed on non-range indexing.")
            key.append(b)
        else:
            key.append(_py_slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return getitem(input_, tuple(key))
