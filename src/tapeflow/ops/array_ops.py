"""Shape and layout: reshape, broadcast, transpose, joining and splitting, tile, pad, reverse.

Layout ops move values without arithmetic, so each gradient is the inverse move: reshape back,
transpose by the inverse permutation, sum a broadcast or a tile back, concatenate the pieces of a
split, slice a pad away. Every such rule is written with these same ops, so gradients of gradients
need nothing more. (Indexing — slices and gather — lives in slicing_ops and gather_ops.)

Public functions check their arguments as TensorFlow does, with its error types and messages;
kernels only check what depends on values, so they stay valid when the arguments are symbolic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor, install_stack
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike, string_value
from tapeflow.ops import (
    declare,
    reduce_ops,  # modules: they use array_ops in turn
    shape_ops,
)
from tapeflow.ops.arguments import dims_text, int_values, invalid, shape_tuple
from tapeflow.ops.declare import mismatch_error, tensor
from tapeflow.ops.math_ops import conj
from tapeflow.ops.slicing_ops import along, getitem, take

__all__ = ["reshape", "broadcast_to", "meshgrid", "identity", "identity_n", "stop_gradient", "transpose",
           "expand_dims", "squeeze", "concat", "stack", "unstack", "split", "tile", "pad", "reverse"]


# ---- reshape, broadcast, identity -------------------------------------------------------------

_reshape_op = Op("Reshape", lambda x, shape: np.reshape(x, shape),
                 (lambda g, y, x, shape: shape_ops.reshape_like(g, x),))


_dynamic_reshape_op = Op(
    "Reshape", lambda x, shape, static: np.reshape(x, tuple(shape)),
    (lambda g, y, x, shape, static: shape_ops.reshape_like(g, x), None),
    infer=lambda x, shape, static: [AbstractValue([None if d == -1 else d for d in static], x.dtype)])


def reshape(tensor: Any, shape: Any, name: str | None = None):
    """`tf.reshape`: one dimension may be -1 and is inferred."""
    x = declare.tensor(tensor)
    if shape_ops.traced_dims(shape):  # dimensions known when the code runs: the rest stay known
        static, packed = shape_ops.static_and_packed(shape)
        return bind(_dynamic_reshape_op, (x, packed), {"static": static})
    target = shape_tuple(shape)
    size = x._value.size
    known = math.prod(d for d in target if d != -1)
    if target.count(-1) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"Only one input size may be -1, not both {target.index(-1)} and "
                        f"{len(target) - 1 - target[::-1].index(-1)} [Op:Reshape]")
    if size is None:  # some dimensions known only when the code runs: its kernel checks then
        result = bind(_reshape_op, (x,), {"shape": target})
        if x._value.shape is None:  # (of unknown rank: the result still has the shape asked for)
            result.set_shape([None if d == -1 else d for d in target])
        return result
    if size == 0 and -1 in target and 0 in target:  # TensorFlow's rule: -1 from the nonzero dimensions
        missing = math.prod(d for d in x._value.shape if d) // math.prod(d for d in target if d > 0)
        target = tuple(missing if d == -1 else d for d in target)
    if (-1 not in target and known != size) or (
            -1 in target and (known == 0 or size % known)):
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {size} values, but the requested shape "
                        f"{'has' if -1 not in target else 'requires a multiple of'} {known} [Op:Reshape]")
    if target == x._value.shape:
        return x
    return bind(_reshape_op, (x,), {"shape": target})


_broadcast_to_op = Op("BroadcastTo", lambda x, shape: np.broadcast_to(x, shape),
                      (lambda g, y, x, shape: shape_ops.sum_to(g, x),))


def broadcast_to(input: Any, shape: Any, name: str | None = None):  # noqa: A002
    """`tf.broadcast_to`."""
    x = tensor(input)
    if shape_ops.traced_dims(shape):  # a shape known when the code runs
        static, packed = shape_ops.static_and_packed(shape)
        return bind(_dynamic_broadcast_op, (x, packed), {"static": static})
    target = shape_tuple(shape, "BroadcastTo", "Tidx")
    if target == x._value.shape:
        return x
    if not shape_ops.broadcasts_to(x._value.shape, target):
        raise errors.InvalidArgumentError(
            None, None, f"Unable to broadcast tensor of shape {list(x._value.shape)} to tensor of shape "
                        f"{list(target)} [Op:BroadcastTo]")
    return bind(_broadcast_to_op, (x,), {"shape": target})


_dynamic_broadcast_op = Op(
    "BroadcastTo", lambda x, shape, static: np.broadcast_to(x, tuple(shape)),
    (lambda g, y, x, shape, static: shape_ops.sum_to(g, x), None),
    infer=lambda x, shape, static: [AbstractValue(static, x.dtype)])
_identity_op = Op("Identity", lambda x: x, (lambda g, y, x: g,), sparse_ok=True, identity=True,
                  batchable=True)
_stop_gradient_op = Op("StopGradient", lambda x: x, None)


def identity(input: Any, name: str | None = None):  # noqa: A002
    """`tf.identity`: the same value, as a new tensor (a variable's current value, read)."""
    return bind(_identity_op, (tensor(input),))


def identity_n(input: list, name: str | None = None) -> list:  # noqa: A002
    """`tf.identity_n`: `identity` of each tensor."""
    return [identity(x) for x in input]


def tensor_tuple(tensors: list, name: str | None = None, control_inputs: Any = None) -> list:
    """`tf.tuple` (named so here not to hide Python's): the tensors, each as `identity` (they are all
    ready together already)."""
    return identity_n(tensors)


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
        given = [int(p) for p in int_values(perm, "Transpose", "Tperm").reshape(-1)]
        if len(given) != rank:
            raise invalid("Transpose", f"transpose expects a vector of size {rank}. But input(1) is a "
                                        f"vector of size {len(given)}")
        perm = tuple(p + rank if p < 0 else p for p in given)
        for p in perm:
            if not 0 <= p < rank:
                raise invalid("Transpose", f"{p} is out of range [0 .. {rank})")
        for d in range(rank):
            if d not in perm:
                raise invalid("Transpose", f"{d} is missing from {{{','.join(map(str, perm))}}}.")
    result = x if perm == tuple(range(rank)) else bind(_transpose_op, (x,), {"perm": perm})
    return conj(result) if conjugate else result


def expand_dims(input: Any, axis: Any, name: str | None = None):  # noqa: A002
    """`tf.expand_dims`: a new axis of size 1 at `axis` (negative counts from the end, -1 is last)."""
    x = tensor(input)
    axes = int_values(axis, "ExpandDims", "Tdim", strict=True)
    if axes.size != 1:
        raise invalid("ExpandDims", "'dim' must be a tensor with a single value")
    shape = x._value.shape
    a = int(axes.reshape(-1)[0])
    if not -len(shape) - 1 <= a <= len(shape):
        raise invalid("ExpandDims",
                       f"Tried to expand dim index {a} for tensor with {len(shape)} dimensions.")
    a = a % (len(shape) + 1)
    return reshape(x, shape[:a] + (1,) + shape[a:]) if shape_ops.known(x) else shape_ops.expand_axes(x, (a,))


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
                raise invalid("Squeeze",
                               f"Tried to squeeze dim index {a} for tensor with {rank} dimensions.")
            a %= rank
            if shape[a] != 1:
                raise invalid("Squeeze",
                               f"Can not squeeze dim[{a}], expected a dimension of 1, got {shape[a]}")
            dropped.add(a)
    if not shape_ops.known(x):
        return shape_ops.squeeze_axes(x, tuple(sorted(dropped)))
    return reshape(x, tuple(d for i, d in enumerate(shape) if i not in dropped))


_reverse_op = Op("ReverseV2", lambda x, axes: np.flip(x, axes),
                 (lambda g, y, x, axes: bind(_reverse_op, (g,), {"axes": axes}),))


def reverse(tensor: Any, axis: Any, name: str | None = None):
    """`tf.reverse`: the order of elements reversed along each axis in the list `axis`."""
    x = declare.tensor(tensor)
    given = int_values(axis, "ReverseV2", "Tidx")
    if given.ndim != 1:
        raise invalid("ReverseV2", f"'dims' must be 1-dimension, not {given.ndim}")
    rank = x._value.ndim
    if not rank:  # a scalar is its own reverse, whatever the axes (as TensorFlow's kernel has it)
        return x
    axes = []
    for i, a in enumerate(given.tolist()):
        if not -rank <= a < rank:
            raise invalid("ReverseV2", f"'axis'[{i}] = {a} is out of valid range [0, {rank - 1}")
        if a % rank in axes:
            raise invalid("ReverseV2", f"axis {a % rank} specified more than once.")
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
    """Input i's piece of g: a static slice, or one whose bounds are read when the code runs."""
    sizes = [x._value.shape[axis] for x in xs[: i + 1]]
    if None in sizes:
        sizes = [shape_ops.shape_of(x)[axis] if d is None else d for x, d in zip(xs, sizes)]
        start = sum(sizes[:-1], Tensor(np.int32(0)))
        return getitem(g, along(axis, slice(start, start + sizes[-1])))
    start = sum(sizes[:-1])
    return take(g, along(axis, slice(start, start + sizes[-1])))


def _concat_kernel(*xs, axis):
    return np.concatenate(xs, axis=axis)


def concat(values: Any, axis: Any, name: str = "concat"):
    """`tf.concat`: tensors of one rank joined along an existing axis."""
    values = values if isinstance(values, list | tuple) else [values]
    op = _CONCAT
    xs = _same_dtype(values, op)
    axis = int(int_values(axis, "ConcatV2", "Tidx"))
    if len(xs) == 1:
        return identity(xs[0])
    if not xs:
        raise invalid("ConcatV2", "ConcatOp : Expected a non-empty list of tensors")
    shapes = [x._value.shape for x in xs]
    known = next((s for s in shapes if s is not None), None)
    if known is None:
        raise ValueError("tf.concat of tensors of unknown rank (py_function results): state the shape of "
                         "one of them first (`set_shape`, `tf.ensure_shape`)")
    rank = len(known)
    shapes = [(None,) * rank if s is None else s for s in shapes]  # (the rank of the others)
    if rank == 0:
        raise invalid("ConcatV2", "ConcatOp : Can't concatenate scalars (use tf.stack instead)")
    if not -rank <= axis < rank:
        raise invalid("ConcatV2", f"ConcatOp : Expected concatenating dimensions in the range "
                                   f"[{-rank}, {rank}), but got {axis}")
    axis %= rank
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != rank:
            raise invalid("ConcatV2", f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                                       f"{dims_text(shapes[0])} vs. shape[{i}] = {dims_text(s)}")
        for d in range(rank):
            if d != axis and s[d] != shapes[0][d] and None not in (s[d], shapes[0][d]):
                raise invalid("ConcatV2", f"ConcatOp : Dimension {d} in both shapes must be equal: "
                                          f"shape[0] = {dims_text(shapes[0])} vs. shape[{i}] = "
                                          f"{dims_text(s)}")
    return bind(op, tuple(xs), {"axis": axis})


def _stack_grad(i: int, g, y, *xs, axis):
    return take(g, along(axis, i))


def _stack_kernel(*xs, axis):
    return np.stack(xs, axis=axis)


def stack(values: Any, axis: int = 0, name: str = "stack"):
    """`tf.stack`: tensors of one shape joined along a new axis."""
    if axis == 0 and not any(isinstance(v, TensorLike | np.ndarray | np.generic) for v in values):
        return convert_to_tensor(list(values))  # plain Python values: one conversion, as TF
    op = _PACK
    xs = _same_dtype(values, op)
    rank = xs[0]._value.ndim + 1
    if not -rank <= axis < rank:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank}, {rank})")
    first = xs[0]._value.shape
    for i, x in enumerate(xs[1:], 1):
        if x._value.shape != first:
            raise invalid("Pack", f"Shapes of all inputs must match: values[0].shape = {dims_text(first)} != "
                                   f"values[{i}].shape = {dims_text(x._value.shape)}")
    return bind(op, tuple(xs), {"axis": axis % rank})


install_stack(stack)  # lists holding traced tensors convert to one tensor with it


_unstack_op = Op("Unpack", lambda x, axis: tuple(map(string_value, np.moveaxis(x, axis, 0))),
                 (lambda g, ys, x, axis: stack(list(g), axis),), multiple_results=True)


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list:
    """`tf.unstack`: the slices of `value` along `axis`, as a list (what iterating a tensor gives)."""
    x = tensor(value)
    shape = x._value.shape
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"Argument `axis` = {axis} not in range [{-len(shape)}, {len(shape)})")
    axis %= len(shape)
    if num is not None and int(num) != shape[axis]:
        raise invalid("Unpack",
                      f"Input shape axis {axis} must equal {int(num)}, got shape {dims_text(shape)}")
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
    axis = int(int_values(axis, op.name, "Tidx"))
    if not -len(shape) <= axis < len(shape):
        raise invalid(op.name, f"-input rank(-{len(shape)}) <= split_dim < input rank ({len(shape)}), "
                                f"but got {axis}")
    axis %= len(shape)
    size = shape[axis]
    if equal:
        n = int(num_or_size_splits)
        if n < 1:
            raise invalid("Split", f"Value for attr 'num_split' of {n} must be at least minimum 1")
        if size % n:
            raise invalid("Split", f"Number of ways to split should evenly divide the split dimension, "
                                    f"but got split_dim {axis} (size = {size}) and num_split {n}")
        sizes = (size // n,) * n
    else:
        if np.ndim(getattr(num_or_size_splits, "_value", num_or_size_splits)) == 0:
            raise ValueError("Rank-0 tensors are not supported as the num_or_size_splits argument to split. "
                             f"Argument provided: {num_or_size_splits}")
        sizes = _split_sizes(int_values(num_or_size_splits, "SplitV", "Tlen",
                                         (dtypes.int8, dtypes.int32, dtypes.int64)), size, num)
    return list(bind(op, (x,), {"sizes": sizes, "axis": axis}))


def _split_sizes(given: np.ndarray, size: int, num: int | None) -> tuple:
    """SplitV's sizes checked as TensorFlow does, with the one -1 filled in."""
    sizes = given.reshape(-1).tolist()
    if not sizes:
        raise invalid("SplitV", "Value for attr 'num_split' of 0 must be at least minimum 1")
    if num is not None and int(num) != len(sizes):
        raise invalid("SplitV", f"size of the split_tensor must be 1-D and have the same elements as "
                                 f"outputs got {given.ndim} -D and {len(sizes)} elements")
    if sizes.count(-1) > 1:
        raise invalid("SplitV", "There can only be one -1 in the input.")
    for i, s in enumerate(sizes):
        if s < -1:
            raise invalid("SplitV", f"Split size at index {i} must be >= 0. Got: {s}")
    determined = sum(s for s in sizes if s != -1)
    if (-1 not in sizes and determined != size) or determined > size:
        raise invalid("SplitV", "Determined shape must either match input shape along split_dim exactly "
                                 "if fully specified, or be less than the size of the input along split_dim "
                                 f"if not fully specified.  Got: {determined}")
    return tuple(size - determined if s == -1 else s for s in sizes)


# ---- tile and pad -----------------------------------------------------------------------------

def _tile_grad(g, y, x, multiples):
    """Each input element was copied once per tile: view g as (tile, size) pairs, sum over the tiles."""
    shape = x._value.shape
    if None in shape:  # the pairs' sizes are read when the code runs
        dims = shape_ops.shape_of(x)
        viewed = reshape(g, [v for i, m in enumerate(multiples) for v in (m, dims[i])])
    else:
        viewed = reshape(g, tuple(v for m, d in zip(multiples, shape, strict=True) for v in (m, d)))
    return reduce_ops.reduce_sum(viewed, axis=tuple(range(0, 2 * len(shape), 2)))


_tile_op = Op("Tile", lambda x, multiples: np.tile(x, multiples), (_tile_grad,))


def tile(input: Any, multiples: Any, name: str | None = None):  # noqa: A002
    """`tf.tile`: `input` repeated `multiples[i]` times along axis i."""
    x = tensor(input)
    given = int_values(multiples, "Tile", "Tmultiples")
    if given.ndim != 1:
        raise invalid("Tile", f"Expected multiples to be 1-D, but got shape {dims_text(given.shape)}")
    if given.size != x._value.ndim:
        raise invalid("Tile", f"Expected multiples argument to be a vector of length {x._value.ndim} but "
                               f"got length {given.size}")
    for i, m in enumerate(given.tolist()):
        if m < 0:
            raise invalid("Tile", f"Expected multiples[{i}] >= 0, but got {m}")
    multiples = tuple(given.tolist())
    if all(m == 1 for m in multiples):
        return identity(x)
    return bind(_tile_op, (x,), {"multiples": multiples})


def _pad_constant(x, value, paddings):
    return np.pad(x, paddings, constant_values=value)


_pad_op = Op("PadV2", _pad_constant, (
    lambda g, y, x, value, paddings: take(g, tuple(slice(b, -a or None) for b, a in paddings)),
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
    given = int_values(paddings, op_name, "Tpaddings")
    if given.ndim != 2 or given.shape[1] != 2:
        raise invalid(op_name, f"paddings must be a matrix with 2 columns: {dims_text(given.shape)}")
    shape = x._value.shape
    if given.shape[0] != len(shape):
        raise invalid(op_name, f"The first dimension of paddings must be the rank of "
                                f"inputs{dims_text(given.shape)} {dims_text(shape)}")
    pads = tuple((int(b), int(a)) for b, a in given.tolist())
    for (before, after), d in zip(pads, shape, strict=True):
        if before < 0 or after < 0:
            raise invalid(op_name,
                           f"{'P' if constant else 'p'}addings must be non-negative: {before} {after}")
        if mode == "REFLECT" and max(before, after) >= d:
            raise invalid(op_name, f"paddings must be less than the dimension size: {before}, {after} not "
                                    f"less than {d}")
        if mode == "SYMMETRIC" and max(before, after) > d:
            raise invalid(op_name, f"paddings must be no greater than the dimension size: {before}, {after} "
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
        raise invalid("PadV2", f"constant_values must be a scalar. Found: {dims_text(value._value.shape)}")
    if value.dtype != x.dtype:
        raise mismatch_error(_pad_op, x.dtype, 2, value.dtype)
    return bind(_pad_op, (x, value), {"paddings": pads})


def meshgrid(*args: Any, indexing: str = "xy", name: str | None = None) -> list:
    """`tf.meshgrid`: each 1-D input broadcast over the grid of all of them ('xy': the first two
    swap places, as in plotting)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Argument `indexing` parameter must be either 'xy' or 'ij', got '{indexing}'")
    vectors = [tensor(a) for a in args]
    sizes = [v._value.size for v in vectors]
    swap = indexing == "xy" and len(vectors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        shape = [1] * len(vectors)
        shape[1 - i if swap and i < 2 else i] = -1
        grids.append(broadcast_to(reshape(v, shape), sizes))
    return grids


_CONCAT = Op("ConcatV2", _concat_kernel, _concat_grad, variadic=True)


_PACK = Op("Pack", _stack_kernel, _stack_grad, variadic=True)
