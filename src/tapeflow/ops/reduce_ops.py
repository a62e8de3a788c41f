"""Reductions: sums, means, extrema, products, logsumexp, logical any/all, argmax/argmin, moments;
and the running sum and product, `cumsum` and `cumprod`.

`axis` follows TensorFlow: None reduces everything, an int or a list of ints (negative counts from
the end; a repeated axis is an error). Every reduction op takes the static params `axes` (a sorted
tuple) and `keepdims`, and its gradient reshapes `g` to the kept shape, so that broadcasting
carries it back over the reduced axes. Sums keep their input dtype (int32 stays int32, as in TF).
Means, log-sum-exp and moments are composites of these ops and need no gradient code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import NUMERIC, REAL, type_name
from tapeflow.core.op import Op, bind
from tapeflow.core.tensor import Tensor
from tapeflow.ops import array_ops, math_ops, shape_ops
from tapeflow.ops.arguments import INDEX_TYPES, int_values, invalid
from tapeflow.ops.declare import mismatch_error, tensor, unsupported_error

__all__ = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp",
           "reduce_any", "reduce_all", "argmax", "argmin", "reduce_variance", "reduce_std", "cumsum",
           "cumprod"]

_NUMERIC_NP = frozenset(d._np for d in NUMERIC)
_REAL_NP = frozenset(d._np for d in REAL)
_ARG_INPUT = REAL | {dtypes.bool}
_ARG_OUTPUT = (dtypes.int16, dtypes.uint16, dtypes.int32, dtypes.int64)


# ---- the axis argument ------------------------------------------------------------------------

def normalize_axis(axis: Any, rank: int | None, op_name: str) -> tuple | None:
    """TensorFlow's `axis` argument as a sorted tuple of non-negative ints; None (every axis) for a
    tensor of unknown rank (a `py_function`'s result, traced)."""
    if axis is None:
        return None if rank is None else tuple(range(rank))
    if rank is None:
        raise ValueError(f"{op_name} over the axes {axis!r} of a tensor of unknown rank: state its shape "
                         f"first (`set_shape`, `tf.ensure_shape`)")
    if hasattr(axis, "_value"):
        if axis.dtype not in INDEX_TYPES:
            raise invalid(op_name, f"Value for attr 'Tidx' of {axis.dtype.name} is not in the list of "
                                   f"allowed values: int32, int64")
        axis = np.asarray(axis._value).tolist()
    seen = set()
    for a in axis if isinstance(axis, list | tuple) else [axis]:
        a = _axis_int(a)
        if not -rank <= a < rank:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {rank} dimension(s) "
                            f"[Op:{op_name}]")
        if a % rank in seen:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction arguments: Axes contains duplicate dimension: {a % rank} "
                            f"[Op:{op_name}]")
        seen.add(a % rank)
    return tuple(sorted(seen))


def _axis_int(a: Any) -> int:
    """An axis entry as an int; another value (a float) is a TypeError, as TF's conversion makes it."""
    a = getattr(a, "_value", a)
    if isinstance(a, bool | np.bool_) or not isinstance(a, int | np.integer):
        raise TypeError(f"Cannot convert {a!r} to EagerTensor of dtype int32")
    return int(a)


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """`shape` with the reduced `axes` set to 1 (what keepdims=True gives)."""
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def keep_dims(t: Tensor, x: Tensor, axes: tuple, keepdims: bool) -> Tensor:
    """`t`, a reduction of `x` (or its gradient), reshaped to the kept shape: it then broadcasts
    against `x`."""
    if keepdims or axes is None:  # (None: every axis of a tensor of unknown rank, reduced to a scalar)
        return t
    shape = kept_shape(x._value.shape, axes)
    return array_ops.reshape(t, shape if None not in shape else [-1 if d is None else d for d in shape]) if (
        shape.count(None) <= 1) else shape_ops.expand_axes(t, axes)


def broadcast_back(g, x, axes: tuple, keepdims: bool):
    """`g`, the gradient of a reduction of `x`, broadcast to x's shape."""
    return shape_ops.broadcast_like(keep_dims(g, x, axes, keepdims), x)


def _reduction(op: Op, input_tensor: Any, axis: Any, keepdims: bool, allowed: Iterable[dtypes.DType],
               allowed_np: frozenset):
    """Convert, check the dtype and the axes, and bind a reduction op."""
    x = tensor(input_tensor)
    if x._value.dtype not in allowed_np:
        raise unsupported_error(op, x.dtype, allowed)
    axes = normalize_axis(axis, x._value.ndim, op.name)
    return bind(op, (x,), {"axes": axes, "keepdims": bool(keepdims)})


# ---- sum and mean -----------------------------------------------------------------------------

def _sum_kernel(x, axes, keepdims, *, out=None):
    return np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype, out=out)


sum_op = Op("Sum", _sum_kernel, (lambda g, y, x, axes, keepdims: broadcast_back(g, x, axes, keepdims),))


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_sum`: the sum keeps the input's dtype (integers wrap, as in TF)."""
    return _reduction(sum_op, input_tensor, axis, keepdims, NUMERIC, _NUMERIC_NP)


def _mean_kernel(x, axes, keepdims, *, out=None):
    total = np.sum(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
    count = _count(x.shape, axes)
    if x.dtype.kind in "iu":  # truncate toward zero, as TensorFlow's integer mean does
        mean = (np.abs(total) // max(count, 1) * np.sign(total)).astype(x.dtype)
    else:
        mean = total / x.dtype.type(count)
    if out is None:
        return mean
    out[...] = mean
    return out


def _count(shape: tuple, axes: tuple | None) -> int:
    return math.prod(shape if axes is None else (shape[a] for a in axes))


def _mean_grad(g, y, x, axes, keepdims):
    if axes is None or None in (x._value.shape[a] for a in axes):  # a count known when the code runs
        return broadcast_back(g / shape_ops.count(x, axes, g._value.dtype), x, axes, keepdims)
    return broadcast_back(g / _count(x._value.shape, axes), x, axes, keepdims)


mean_op = Op("Mean", _mean_kernel, (_mean_grad,))


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_mean`; integer means truncate toward zero, as TensorFlow's do; empty means are NaN."""
    return _reduction(mean_op, input_tensor, axis, keepdims, NUMERIC, _NUMERIC_NP)


# ---- extrema ----------------------------------------------------------------------------------

def _extremum_kernel(reduce, empty_value):
    def kernel(x, axes, keepdims):
        if x.size:
            return reduce(x, axis=axes, keepdims=keepdims)
        return reduce(x, axis=axes, keepdims=keepdims, initial=empty_value(x.dtype))

    return kernel


def _lowest(dtype: np.dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype: np.dtype):
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


def _extremum_grad(g, y, x, axes, keepdims):
    # The gradient is shared equally among the elements equal to the extremum (TF's tie rule).
    chosen = math_ops.cast(math_ops.equal(x, keep_dims(y, x, axes, keepdims)), g.dtype)
    count = reduce_sum(chosen, axes, keepdims=True)
    return chosen * (keep_dims(g, x, axes, keepdims) / count)


max_op = Op("Max", _extremum_kernel(np.max, _lowest), (_extremum_grad,))
min_op = Op("Min", _extremum_kernel(np.min, _highest), (_extremum_grad,))


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_max`: NaN propagates; an empty reduction gives the dtype's lowest value (-inf)."""
    return _reduction(max_op, input_tensor, axis, keepdims, REAL, _REAL_NP)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_min`: NaN propagates; an empty reduction gives the dtype's highest value (inf)."""
    return _reduction(min_op, input_tensor, axis, keepdims, REAL, _REAL_NP)


# ---- product ----------------------------------------------------------------------------------

def _prod_kernel(x, axes, keepdims):
    return np.prod(x, axis=axes, keepdims=keepdims, dtype=x.dtype)


def _prod_grad(g, y, x, axes, keepdims):
    """d prod / d x_i = the product of the other elements, without dividing by x_i (which may be 0).

    It factors into the product of the other non-zero elements (all non-zero elements, divided by
    x_i where x_i is not zero) times the product of the other zero elements. That second factor is
    1 with no other zero, 0 with two or more, and with exactly one other zero it is that zero
    itself, written as the sum of the other zeros: its value is 0 but its derivative is 1, so that
    the gradient of this gradient is right at zeros too.
    """
    where, cast = math_ops.where, math_ops.cast
    is_zero = math_ops.equal(x, 0)
    nonzero = where(is_zero, 1, x)
    others_nonzero = reduce_prod(nonzero, axes, keepdims=True) / nonzero
    zeros = cast(is_zero, x.dtype)
    other_zero_count = reduce_sum(zeros, axes, keepdims=True) - zeros
    zero_values = where(is_zero, x, 0)
    the_other_zero = reduce_sum(zero_values, axes, keepdims=True) - zero_values
    others_zero = where(other_zero_count == 0, 1, where(other_zero_count == 1, the_other_zero, 0))
    return keep_dims(g, x, axes, keepdims) * math_ops.conj(others_nonzero * others_zero)


_prod_op = Op("Prod", _prod_kernel, (_prod_grad,))


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_prod`: the product keeps the input's dtype; its gradient is exact at zeros."""
    return _reduction(_prod_op, input_tensor, axis, keepdims, NUMERIC, _NUMERIC_NP)


# ---- logical ----------------------------------------------------------------------------------

def _logical(op: Op, input_tensor: Any, axis: Any, keepdims: bool):
    x = tensor(input_tensor)
    if x.dtype is not dtypes.bool:
        raise mismatch_error(op, dtypes.bool, 0, x.dtype)
    axes = normalize_axis(axis, x._value.ndim, op.name)
    return bind(op, (x,), {"axes": axes, "keepdims": bool(keepdims)})


_any_op = Op("Any", lambda x, axes, keepdims: np.any(x, axis=axes, keepdims=keepdims), None)
_all_op = Op("All", lambda x, axes, keepdims: np.all(x, axis=axes, keepdims=keepdims), None)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_any`: logical or of a bool tensor (False when empty)."""
    return _logical(_any_op, input_tensor, axis, keepdims)


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_all`: logical and of a bool tensor (True when empty)."""
    return _logical(_all_op, input_tensor, axis, keepdims)


# ---- argmax / argmin --------------------------------------------------------------------------

def _arg_kernel(find, nan_loses):
    def kernel(x, axis, output_type):
        if x.dtype.kind == "f" and np.isnan(x).any():  # TF never picks a NaN unless all are NaN
            x = np.where(np.isnan(x), nan_loses, x)
        return np.asarray(find(x, axis=axis)).astype(output_type)[()]

    return kernel


_argmax_op = Op("ArgMax", _arg_kernel(np.argmax, -np.inf), None)
_argmin_op = Op("ArgMin", _arg_kernel(np.argmin, np.inf), None)


def _arg(op: Op, input: Any, axis: Any, output_type: Any):
    x = tensor(input)
    if x.dtype not in _ARG_INPUT:
        raise unsupported_error(op, x.dtype, _ARG_INPUT)
    output_type = dtypes.as_dtype(output_type)
    if output_type not in _ARG_OUTPUT:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'output_type' of {type_name(output_type)} is not in the list of "
                        f"allowed values: int16, uint16, int32, int64 [Op:{op.name}]")
    if isinstance(axis, list | tuple):
        raise TypeError("axis must be int or Tensor with integer datatype")
    rank = x._value.ndim
    axis = 0 if axis is None else _axis_int(axis)
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"Expected dimension in the range [{-rank}, {rank}), but got {axis} [Op:{op.name}]")
    if x._value.shape[axis] == 0:
        raise errors.InvalidArgumentError(
            None, None, f"Reduction axis {axis} is empty in shape {list(x._value.shape)} [Op:{op.name}]")
    return bind(op, (x,), {"axis": axis % rank, "output_type": output_type._np})


def argmax(input: Any, axis: Any = None, output_type: Any = dtypes.int64,  # noqa: A002
           name: str | None = None):
    """`tf.math.argmax`: the index of the largest value along `axis` (default 0); the first on ties."""
    return _arg(_argmax_op, input, axis, output_type)


def argmin(input: Any, axis: Any = None, output_type: Any = dtypes.int64,  # noqa: A002
           name: str | None = None):
    """`tf.math.argmin`: the index of the smallest value along `axis` (default 0); the first on ties."""
    return _arg(_argmin_op, input, axis, output_type)


# ---- composites: logsumexp and moments --------------------------------------------------------

def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.reduce_logsumexp`: log(sum(exp(x))) computed after shifting by the (finite) maximum, so
    that it neither overflows nor underflows; its gradient is the softmax."""
    x = tensor(input_tensor)
    axes = normalize_axis(axis, x._value.ndim, "Max")
    peak = reduce_max(x, axes, keepdims=True)
    shift = array_ops.stop_gradient(math_ops.where(math_ops.is_finite(peak), peak, 0))
    total = reduce_sum(math_ops.exp(x - shift), axes, keepdims)
    if not keepdims:
        shift = array_ops.squeeze(shift, axes) if axes else shift
    return math_ops.log(total) + shift


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.math.reduce_variance`: the mean squared deviation from the mean (real for complex input)."""
    x = tensor(input_tensor)
    if x.dtype.is_integer:  # (bool passes on, to reduce_mean's error)
        raise TypeError(f"Input must be either real or complex. Received integer type {x.dtype}.")
    deviation = x - reduce_mean(x, axis, keepdims=True)
    if x.dtype.is_complex:
        squared = math_ops.real(deviation * math_ops.conj(deviation))  # |d|**2
    else:
        squared = math_ops.square(deviation)
    return reduce_mean(squared, axis, keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: str | None = None):
    """`tf.math.reduce_std`: the square root of the variance (its gradient is NaN where it is 0)."""
    return math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims))


# ---- scans ---------------------------------------------------------------------------------------

def _scan_kernel(scan: Any, identity: int) -> Any:
    """A running sum or product along `axis`; `exclusive` shifts it by one (each element left out of
    its own, the first being `identity`, exactly rather than by dividing), `reverse` runs from the end."""
    def kernel(x: np.ndarray, axis: int, exclusive: bool, reverse: bool) -> np.ndarray:
        if reverse:
            x = np.flip(x, axis)
        out = scan(x, axis=axis, dtype=x.dtype)
        if exclusive:
            shifted = np.full_like(out, identity)
            inner = (slice(None),) * axis
            shifted[(*inner, slice(1, None))] = out[(*inner, slice(None, -1))]
            out = shifted
        return np.flip(out, axis) if reverse else out

    return kernel


# The gradient of a running sum is the running sum of g taken the other way; that of a running
# product is the reversed running sum of g times the products, over x: 0 where x is 0, as TensorFlow's
# div_no_nan makes it (the true derivative there is not 0).
_cumsum_op = Op("Cumsum", _scan_kernel(np.cumsum, 0), (
    lambda g, y, x, axis, exclusive, reverse: bind(
        _cumsum_op, (g,), {"axis": axis, "exclusive": exclusive, "reverse": not reverse}),
))
_cumprod_op = Op("Cumprod", _scan_kernel(np.cumprod, 1), (
    lambda g, y, x, axis, exclusive, reverse: math_ops.divide_no_nan(bind(
        _cumsum_op, (y * g,), {"axis": axis, "exclusive": exclusive, "reverse": not reverse}), x),
))


def _scan(op: Op, x: Any, axis: Any, exclusive: bool, reverse: bool) -> Any:
    x = tensor(x)
    if x._value.dtype not in _NUMERIC_NP:
        raise unsupported_error(op, x.dtype, NUMERIC)
    given = int_values(axis, op.name, "Tidx")
    rank = x._value.ndim
    if given.ndim != 0 or not -rank <= int(given) < rank:
        raise errors.InvalidArgumentError(
            None, None, f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got "
                        f"{given.tolist()} [Op:{op.name}]")
    return bind(op, (x,), {"axis": int(given) % rank, "exclusive": bool(exclusive), "reverse": bool(reverse)})


def cumsum(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None):
    """`tf.math.cumsum`: running sums along `axis`; `exclusive` leaves each element out of its own sum,
    `reverse` runs from the end."""
    return _scan(_cumsum_op, x, axis, exclusive, reverse)


def cumprod(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: str | None = None):
    """`tf.math.cumprod`: running products along `axis` (`exclusive` and `reverse` as for cumsum)."""
    return _scan(_cumprod_op, x, axis, exclusive, reverse)
