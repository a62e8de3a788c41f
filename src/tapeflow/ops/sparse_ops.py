"""`tf.sparse`: operations on `SparseTensor`s, written in tapeflow's ops.

Each op splits into a plan over the coordinates (integer work: which element goes where, done by the
small kernels below or by integer ops) and a move of the values through differentiable ops (`gather`,
`unsorted_segment_sum`, `exp`...). So gradients reach `values` and dense operands to any order with no
rule of their own, and the ops trace into `tf.function`s; sums over groups need their number of
groups at trace time, which the sparse tensor's static dense shape gives (a `SparseTensorSpec` with
known dimensions).

Coordinates are handled as linear (row-major) positions in the dense shape: `indices @ strides`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.arguments import dims_text
from tapeflow.ops.array_ops import concat, expand_dims, reshape, transpose
from tapeflow.ops.creation_ops import shape as shape_of
from tapeflow.ops.gather_ops import boolean_mask, gather, unsorted_segment_sum
from tapeflow.ops.linalg_ops import matmul
from tapeflow.ops.math_ops import (
    cast,
    conj,
    exp,
    floordiv,
    floormod,
    greater_equal,
    less,
    logical_and,
    maximum,
    minimum,
    multiply,
    not_equal,
    truediv,
    where,
)
from tapeflow.ops.reduce_ops import cumprod, reduce_all, reduce_sum
from tapeflow.ops.scatter_ops import gather_nd, tensor_scatter_nd_add
from tapeflow.ops.sparse_tensor import SparseTensor

__all__ = ["dense_elementwise", "from_dense", "map_values", "sparse_add", "sparse_dense_matmul",
           "sparse_reduce_sum", "sparse_reorder", "sparse_reshape", "sparse_retain", "sparse_slice",
           "sparse_softmax", "sparse_to_dense", "sparse_transpose"]

_INT64 = np.dtype(np.int64)


def _sparse(value: Any, op_name: str) -> SparseTensor:
    if not isinstance(value, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor ({op_name}), got {type(value).__name__}: {value!r}")
    return value


# ---- the coordinate plans -----------------------------------------------------------------------

def _strides(dense_shape: Any) -> Any:
    return cumprod(dense_shape, exclusive=True, reverse=True)


def _linear(indices: Any, dense_shape: Any) -> Any:
    """Each element's row-major position in the dense tensor (int64)."""
    return reduce_sum(indices * _strides(dense_shape), axis=1)


def _coordinates(linear: Any, dense_shape: Any) -> Any:
    """The coordinates of row-major positions `linear` in a tensor of `dense_shape`."""
    return floormod(floordiv(expand_dims(linear, 1), _strides(dense_shape)), dense_shape)


_order_op = Op("SparseReorder", lambda linear: np.argsort(linear, kind="stable"), None,
               infer=lambda linear: [AbstractValue((None,), _INT64)])
def _group_kernel(reduce: Callable) -> Callable:
    """A kernel reducing rows of `values` by group (`group[i]` is row i's), one result per `groups`."""
    def kernel(values, group, groups):
        out = np.zeros((len(groups),) + values.shape[1:], values.dtype)
        if reduce is np.maximum:
            out[...] = np.iinfo(values.dtype).min if values.dtype.kind in "iu" else -np.inf
        reduce.at(out, group, values)
        return out
    return kernel


def _group_infer(values: AbstractValue, group: AbstractValue, groups: AbstractValue) -> list:
    return [AbstractValue((None,) + values.shape[1:], values.dtype)]


# Sums and maxima over groups whose number is known only when the code runs (the distinct positions).
_group_sum_op = Op("SparseGroupSum", _group_kernel(np.add), (
    lambda g, y, values, group, groups: gather(g, group), None, None), infer=_group_infer)
_group_max_op = Op("SparseGroupMax", _group_kernel(np.maximum), None, infer=_group_infer)


def _group(op: Op, values: Any, linear: Any) -> tuple[Any, Any, Any]:
    """The distinct positions among `linear` (sorted), and `values` reduced over each."""
    distinct, group = bind(_distinct_op, (linear,))
    return distinct, group, bind(op, (values, group, distinct))


_distinct_op = Op(
    "SparseDistinct",
    lambda linear: tuple(np.asarray(part, np.int64) for part in np.unique(linear, return_inverse=True)),
    None, multiple_results=True,
    infer=lambda linear: [AbstractValue((None,), _INT64), AbstractValue((None,), _INT64)])


def _count(sp: SparseTensor, axes: list[int], op_name: str) -> int:
    """How many positions the dense dimensions `axes` span: group counts must be known to trace."""
    if type(sp.dense_shape) is Tensor:
        return int(np.prod(np.asarray(sp.dense_shape._value)[axes], dtype=np.int64))
    dims = [sp.shape[a] for a in axes]
    if None in dims:
        raise NotImplementedError(f"{op_name} of a sparse tensor of shape {sp.shape} inside tf.function: "
                                  f"tapeflow needs its dense shape known while tracing (pass a "
                                  f"tf.SparseTensorSpec with known dimensions).")
    return int(np.prod(dims, dtype=np.int64))


# ---- conversions --------------------------------------------------------------------------------

def _check_indices(indices: np.ndarray, dense_shape: np.ndarray, op_name: str, ordered: bool) -> None:
    """TensorFlow's checks of a sparse tensor's coordinates: in bounds, and (`ordered`) in row-major
    order with no repeats."""
    bad = np.flatnonzero(((indices < 0) | (indices >= dense_shape)).any(axis=1))
    if bad.size:
        i = int(bad[0])
        raise errors.InvalidArgumentError(
            None, None, f"indices[{i}] = {dims_text(indices[i])} is out of bounds: need 0 <= index < "
                        f"{dims_text(dense_shape)} [Op:{op_name}]")
    if ordered and len(indices) > 1:
        strides = np.concatenate([np.cumprod(dense_shape[::-1])[-2::-1], [1]]).astype(np.int64)
        steps = np.diff(indices @ strides)
        bad = np.flatnonzero(steps <= 0)
        if bad.size:
            i = int(bad[0]) + 1
            what = ("is repeated" if steps[i - 1] == 0 else
                    "is out of order. Many sparse ops require sorted indices.\n    Use `tf.sparse.reorder` "
                    "to create a correctly ordered copy.\n\n")
            raise errors.InvalidArgumentError(None, None, f"indices[{i}] = {dims_text(indices[i])} {what} "
                                                          f"[Op:{op_name}]".replace("\n\n [", "\n\n ["))


def _to_dense_kernel(indices, values, dense_shape, default, validate, static):
    shape = tuple(int(d) for d in dense_shape)
    _check_indices(indices, np.asarray(dense_shape), "SparseToDense", ordered=validate)
    out = np.full(shape, default, dtype=values.dtype)
    out[tuple(indices.T)] = values
    return out


def _to_dense_default_grad(g, y, indices, values, dense_shape, default, validate, static):
    return reduce_sum(g) - reduce_sum(gather_nd(g, indices))


_to_dense_op = Op("SparseToDense", _to_dense_kernel, (
    None,
    lambda g, y, indices, values, dense_shape, default, validate, static: gather_nd(g, indices),
    None,
    _to_dense_default_grad,
), infer=lambda indices, values, dense_shape, default, validate, static: [
    AbstractValue(static, values.dtype)])


def sparse_to_dense(sp_input: SparseTensor, default_value: Any = None, validate_indices: bool = True,
             name: str | None = None) -> Any:
    """`tf.sparse.to_dense`: the dense tensor, `default_value` (0) where no element is given."""
    sp = _sparse(sp_input, "SparseToDense")
    default = convert_to_tensor(0 if default_value is None else default_value, dtype=sp.dtype)
    return bind(_to_dense_op, (sp.indices, sp.values, sp.dense_shape, default),
                {"validate": bool(validate_indices), "static": tuple(sp.shape.as_list())})


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse.from_dense`: the nonzero elements of `tensor` (in row-major order)."""
    dense = convert_to_tensor(tensor)
    indices = where(not_equal(dense, 0) if dense.dtype != dtypes.bool else dense)
    dense_shape = shape_of(dense, out_type=dtypes.int64)
    return SparseTensor._of(indices, gather_nd(dense, indices), dense_shape, dense.shape)


def map_values(op: Callable, *args: Any, **kwargs: Any) -> SparseTensor:
    """`tf.sparse.map_values`: `op` applied to the values of the sparse arguments (all with the same
    coordinates), the other arguments passed as they are."""
    sparse = [a for a in [*args, *kwargs.values()] if isinstance(a, SparseTensor)]
    if not sparse:
        raise ValueError("No SparseTensor in argument list of map_values")
    first = sparse[0]

    def values_of(a: Any) -> Any:
        return a.values if isinstance(a, SparseTensor) else a

    result = op(*map(values_of, args), **{k: values_of(v) for k, v in kwargs.items()})
    return first.with_values(result)


# ---- reordering and reshaping -------------------------------------------------------------------

def sparse_reorder(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """`tf.sparse.reorder`: the same tensor with its elements in row-major order."""
    sp = _sparse(sp_input, "SparseReorder")
    order = bind(_order_op, (_linear(sp.indices, sp.dense_shape),))
    return SparseTensor._of(gather(sp.indices, order), gather(sp.values, order), sp.dense_shape, sp.shape)


def sparse_transpose(sp_input: SparseTensor, perm: Any = None, name: str | None = None) -> SparseTensor:
    """`tf.sparse.transpose`: dimensions permuted (reversed by default), elements reordered."""
    sp = _sparse(sp_input, "SparseTranspose")
    rank = sp.shape.rank
    perm = list(range(rank))[::-1] if perm is None else [int(p) for p in np.asarray(
        convert_to_tensor(perm)._value).tolist()]
    if sorted(perm) != list(range(rank)):
        raise errors.InvalidArgumentError(None, None, f"{perm} is not a valid permutation of {rank} "
                                                      f"dimensions [Op:SparseTranspose]")
    shape = TensorShape([sp.shape[p] for p in perm])
    moved = SparseTensor._of(gather(sp.indices, perm, axis=1), sp.values, gather(sp.dense_shape, perm), shape)
    return sparse_reorder(moved)


def sparse_reshape(sp_input: SparseTensor, shape: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse.reshape`: the same elements in a dense shape of as many positions (one -1 allowed)."""
    sp = _sparse(sp_input, "SparseReshape")
    new = np.asarray(convert_to_tensor(shape, dtype_hint=dtypes.int64)._value, np.int64)
    total = _count(sp, list(range(sp.shape.rank)), "SparseReshape")
    unknown = np.flatnonzero(new == -1)
    known = int(np.prod(new[new != -1], dtype=np.int64))
    if len(unknown) > 1:
        raise errors.InvalidArgumentError(
            None, None, f"only one output dimension may be -1, not both {int(unknown[0])} and "
                        f"{int(unknown[1])} [Op:SparseReshape]")
    if len(unknown):
        if known == 0 or total % known:
            raise errors.InvalidArgumentError(
                None, None, f"Input to reshape is a SparseTensor with {total} dense values, but the "
                            f"requested shape requires a multiple of {known}. [Op:SparseReshape]")
        new[unknown[0]] = total // known
    elif known != total:
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {total} dense values, but the requested shape "
                        f"has {known} [Op:SparseReshape]")
    dense_shape = Tensor(new)
    indices = _coordinates(_linear(sp.indices, sp.dense_shape), dense_shape)
    return SparseTensor._of(indices, sp.values, dense_shape, TensorShape(new.tolist()))


def sparse_slice(sp_input: SparseTensor, start: Any, size: Any, name: str | None = None) -> SparseTensor:
    """`tf.sparse.slice`: the elements in the box `[start, start + size)`, coordinates from its corner."""
    sp = _sparse(sp_input, "SparseSlice")
    start = convert_to_tensor(start, dtype_hint=dtypes.int64)
    end = minimum(start + convert_to_tensor(size, dtype_hint=dtypes.int64), sp.dense_shape)
    inside = reduce_all(logical_and(greater_equal(sp.indices, start), less(sp.indices, end)), axis=1)
    dense_shape = maximum(end - start, 0)
    static = (TensorShape(np.asarray(dense_shape._value).tolist()) if type(dense_shape) is Tensor
              else TensorShape([None] * sp.shape.rank))
    return SparseTensor._of(boolean_mask(sp.indices, inside) - start, boolean_mask(sp.values, inside),
                            dense_shape, static)


def sparse_retain(sp_input: SparseTensor, to_retain: Any) -> SparseTensor:
    """`tf.sparse.retain`: the elements whose entry of the bool vector `to_retain` is true."""
    sp = _sparse(sp_input, "SparseRetain")
    keep = convert_to_tensor(to_retain)
    if keep.dtype != dtypes.bool or keep.shape.rank != 1:
        raise ValueError(f"to_retain must be a bool vector, got {keep.dtype.name}{list(keep.shape)}")
    if None not in (keep.shape[0], sp.values.shape[0]) and keep.shape[0] != sp.values.shape[0]:
        raise ValueError(f"Dimensions {keep.shape[0]} and {sp.values.shape[0]} are not compatible")
    return SparseTensor._of(boolean_mask(sp.indices, keep), boolean_mask(sp.values, keep), sp.dense_shape,
                            sp.shape)


# ---- arithmetic ---------------------------------------------------------------------------------

def sparse_add(a: Any, b: Any, threshold: Any = 0, name: str | None = None) -> Any:
    """`tf.sparse.add`: sparse + sparse is sparse (elements at one position summed; sums smaller than
    `threshold` in magnitude dropped); sparse + dense is dense."""
    if not isinstance(a, SparseTensor):
        a, b = b, a
    a = _sparse(a, "SparseAdd")
    if not isinstance(b, SparseTensor):
        dense = convert_to_tensor(b, dtype=a.dtype)
        return tensor_scatter_nd_add(dense, a.indices, a.values)
    if a.dtype != b.dtype:
        raise errors.InvalidArgumentError(
            None, None, f"cannot compute SparseAdd as input #4(zero-based) was expected to be a "
                        f"{a.dtype.name} tensor but is a {b.dtype.name} tensor [Op:SparseAdd]")
    if type(a.dense_shape) is Tensor and type(b.dense_shape) is Tensor:
        for i, (m, n) in enumerate(zip(np.asarray(a.dense_shape._value), np.asarray(b.dense_shape._value))):
            if m != n:
                raise errors.InvalidArgumentError(
                    None, None, f"Operands' shapes do not match: got {m} and {n} for dimension {i} "
                                f"[Op:SparseAdd]")
    linear = concat([_linear(a.indices, a.dense_shape), _linear(b.indices, b.dense_shape)], 0)
    distinct, _, sums = _group(_group_sum_op, concat([a.values, b.values], 0), linear)
    indices = _coordinates(distinct, a.dense_shape)
    threshold = convert_to_tensor(threshold, dtype_hint=a.dtype)
    if type(threshold) is Tensor and not np.any(threshold._value):
        return SparseTensor._of(indices, sums, a.dense_shape, a.shape)
    kept = greater_equal(cast(abs(sums), threshold.dtype), threshold)
    return SparseTensor._of(boolean_mask(indices, kept), boolean_mask(sums, kept), a.dense_shape,
                            a.shape)


def dense_elementwise(sp: SparseTensor, dense: Any, kind: str) -> SparseTensor:
    """`sp * dense` or `sp / dense` (`dense` broadcast to the sparse tensor's shape): sparse."""
    dense = convert_to_tensor(dense, dtype=sp.dtype)
    rank = sp.shape.rank
    if dense.shape.rank is not None and dense.shape.rank > rank:
        raise errors.InvalidArgumentError(None, None, f"Input dense shape {list(dense.shape)} has more "
                                                      f"dimensions than the sparse operand's {rank}")
    lead = rank - dense.shape.rank
    # The dense element each sparse element meets: its coordinates, broadcast (size-1 dims read at 0).
    varies = cast(not_equal(shape_of(dense, out_type=dtypes.int64), 1), dtypes.int64)
    at = multiply(sp.indices[:, lead:], varies)
    operand = gather_nd(dense, at) if dense.shape.rank else dense
    values = multiply(sp.values, operand) if kind == "mul" else truediv(sp.values, operand)
    return sp.with_values(values)


def sparse_dense_matmul(sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False,
                        name: str | None = None) -> Any:
    """`tf.sparse.sparse_dense_matmul`: a sparse matrix times a dense one (or a dense one times a
    sparse one), dense: each element's value times its row of `b`, summed into its row of the result."""
    if not isinstance(sp_a, SparseTensor):  # dense @ sparse = (sparse^T @ dense^T)^T
        return _adjoint(sparse_dense_matmul(b, sp_a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a))
    sp = _sparse(sp_a, "SparseTensorDenseMatMul")
    b = convert_to_tensor(b, dtype=sp.dtype)
    if sp.shape.rank != 2 or b.shape.rank != 2:
        raise ValueError(f"SparseTensorDenseMatMul takes matrices; got shapes {sp.shape} and {b.shape}")
    b = _adjoint(b) if adjoint_b else b
    rows, cols = (1, 0) if adjoint_a else (0, 1)
    inner, n_rows = sp.shape[cols], _count(sp, [rows], "SparseTensorDenseMatMul")
    if None not in (inner, b.shape[0]) and inner != b.shape[0]:
        a_dims = [sp.shape[rows], inner]
        raise errors.InvalidArgumentError(
            None, None, f"Cannot multiply A and B because inner dimension does not match: {inner} vs. "
                        f"{b.shape[0]}.  Did you forget a transpose?  Dimensions of A: {dims_text(a_dims)}.  "
                        f"Dimensions of B: {dims_text(list(b.shape))} [Op:SparseTensorDenseMatMul]")
    values = conj(sp.values) if adjoint_a else sp.values
    products = expand_dims(values, 1) * gather_nd(b, sp.indices[:, cols:cols + 1])  # (a dense gradient)
    return unsorted_segment_sum(products, sp.indices[:, rows], n_rows)


def _adjoint(matrix: Any) -> Any:
    return conj(transpose(matrix))


# ---- reductions and softmax ---------------------------------------------------------------------

def sparse_reduce_sum(sp_input: SparseTensor, axis: Any = None, keepdims: bool = False,
                      output_is_sparse: bool = False, name: str | None = None) -> Any:
    """`tf.sparse.reduce_sum`: the sum over `axis` (all axes by default) of the dense tensor, dense (or
    sparse, with the positions where some element was summed, with `output_is_sparse`)."""
    sp = _sparse(sp_input, "SparseReduceSum")
    rank = sp.shape.rank
    axes = list(range(rank)) if axis is None else sorted(
        {int(a) % rank for a in np.atleast_1d(np.asarray(convert_to_tensor(axis)._value))})
    kept = [d for d in range(rank) if d not in axes]
    out_shape = TensorShape([1 if d in axes else sp.shape[d] for d in range(rank)] if keepdims
                            else [sp.shape[d] for d in kept])
    if not kept and not output_is_sparse:
        total = reduce_sum(sp.values)
        return reshape(total, [1] * rank) if keepdims else total
    kept_shape = gather(sp.dense_shape, kept)
    linear = _linear(gather(sp.indices, kept, axis=1), kept_shape)
    if output_is_sparse:
        distinct, _, sums = _group(_group_sum_op, sp.values, linear)
        coordinates = _coordinates(distinct, kept_shape)
        dense_shape = kept_shape
        if keepdims:
            coordinates = _scatter_columns(coordinates, kept, rank)
            dense_shape = _scatter_columns(expand_dims(kept_shape, 0), kept, rank, fill=1)[0]
        return SparseTensor._of(coordinates, sums, dense_shape, out_shape)
    sums = unsorted_segment_sum(sp.values, linear, _count(sp, kept, "SparseReduceSum"))
    return reshape(sums, [-1 if d is None else d for d in out_shape.as_list()])


def _scatter_columns(columns: Any, positions: list[int], rank: int, fill: int = 0) -> Any:
    """A matrix of `rank` columns holding `columns` at `positions` and `fill` in the others."""
    eye = np.zeros((len(positions), rank), np.int64)
    eye[np.arange(len(positions)), positions] = 1
    padding = np.full(rank, fill, np.int64)
    padding[positions] = 0
    return matmul(columns, Tensor(eye)) + Tensor(padding)


def sparse_softmax(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """`tf.sparse.softmax`: a softmax over each innermost row's given elements (the others are not
    there, rather than zero); the elements must be in row-major order."""
    sp = _sparse(sp_input, "SparseSoftmax")
    rank = sp.shape.rank
    if rank < 2:
        raise errors.InvalidArgumentError(None, None, f"Input should have rank >= 2, but received shape: "
                                                      f"{sp.shape[0]} [Op:SparseSoftmax]")
    lead = list(range(rank - 1))
    rows = _linear(gather(sp.indices, lead, axis=1), gather(sp.dense_shape, lead))
    _, group, largest = _group(_group_max_op, sp.values, rows)  # a shift the softmax does not depend on
    shifted = exp(sp.values - gather(largest, group))
    distinct, group, sums = _group(_group_sum_op, shifted, rows)
    return sp.with_values(shifted / gather(sums, group))
