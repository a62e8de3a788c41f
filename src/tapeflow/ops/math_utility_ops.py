"""The smaller `tf.math` functions: counting and norms, products and reciprocals that give 0 instead of
NaN, truncated modulo, permutations, monotonicity, polynomials, the running log-sum-exp, confusion
matrices, `angle`, `accumulate_n` and `in_top_k`.

Most are composites of other ops and need no gradient code. The ops among them (`EuclideanNorm`,
`MulNoNan`, `DivNoNan`, `CumulativeLogsumexp`, `Angle`) carry TensorFlow's gradient conventions,
which for complex inputs are not always those of the arithmetic ops (MulNoNan's does not conjugate).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS, INEXACT, NUMERIC, REAL
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import math_ops, reduce_ops
from tapeflow.ops.arguments import INDEX_TYPES, invalid
from tapeflow.ops.array_ops import reshape, stack
from tapeflow.ops.creation_ops import ones_like, size, zeros, zeros_like
from tapeflow.ops.declare import binary, mismatch_error, tensor, unary, unsupported_error
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.scatter_ops import scatter_nd

__all__ = ["count_nonzero", "reduce_euclidean_norm", "multiply_no_nan", "reciprocal_no_nan", "mod",
           "scalar_mul", "zero_fraction", "invert_permutation", "is_non_decreasing", "is_strictly_increasing",
           "polyval", "cumulative_logsumexp", "confusion_matrix", "angle", "accumulate_n", "in_top_k"]
# TensorFlow publishes these at the top level only (`tf.truncatemod`), not in `tf.math`.
TOP_LEVEL_ONLY = ["truncatemod"]

_NUMERIC_NP = frozenset(d._np for d in NUMERIC)

mod = math_ops.floormod  # TensorFlow's alias


def _converted_like(value: Any, dtype: dtypes.DType, argument: str) -> Tensor:
    """`value` converted to `dtype`, as TensorFlow's Python wrappers convert a second argument: a
    tensor of another dtype is a ValueError naming the argument."""
    try:
        return convert_to_tensor(value, dtype=dtype)
    except ValueError as e:
        raise ValueError(f"{argument}: {e}") from None


# ---- counting and norms -------------------------------------------------------------------------

def count_nonzero(input: Any, axis: Any = None, keepdims: bool | None = None,  # noqa: A002
                  dtype: Any = dtypes.int64, name: str | None = None):
    """`tf.math.count_nonzero`: how many elements are not zero ("" for strings, False for bools; NaN
    counts), counted in int64 and then cast to `dtype`."""
    x = tensor(input)
    zero = "" if x.dtype is dtypes.string else zeros([], x.dtype)
    nonzero = math_ops.cast(math_ops.not_equal(x, zero), dtypes.int64)
    return math_ops.cast(reduce_ops.reduce_sum(nonzero, axis, bool(keepdims)), dtype)


def _euclidean_norm_kernel(x, axes, keepdims):
    squares = x * np.conj(x) if x.dtype.kind == "c" else x * x  # integers wrap, as TensorFlow's do
    total = np.sum(squares, axis=axes, keepdims=keepdims, dtype=x.dtype)
    if x.dtype.kind in "iu":  # the square root truncated to the integer type
        return np.sqrt(np.asarray(total, np.float64)).astype(x.dtype)[()]
    return np.sqrt(total)


def _euclidean_norm_grad(g, y, x, axes, keepdims):
    # x / |x| (NaN where the norm is 0, as TensorFlow's); for complex x, TensorFlow's convention.
    keep = reduce_ops.keep_dims
    return keep(g, x, axes, keepdims) * x / keep(y, x, axes, keepdims)


_euclidean_norm_op = Op("EuclideanNorm", _euclidean_norm_kernel, (_euclidean_norm_grad,))


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None):
    """`tf.math.reduce_euclidean_norm`: sqrt(sum |x|^2) in x's dtype (integers truncate; complex
    norms are complex with a zero imaginary part)."""
    return reduce_ops._reduction(_euclidean_norm_op, input_tensor, axis, keepdims, NUMERIC, _NUMERIC_NP)


# ---- products and quotients without NaN -----------------------------------------------------------

def _mul_no_nan_kernel(x, y):
    product = x * y
    return np.where(y == 0, 0, product).astype(product.dtype, copy=False)[()]


# TensorFlow's gradients of MulNoNan do not conjugate complex operands (those of Mul do).
_mul_no_nan = binary("multiply_no_nan", "MulNoNan", _mul_no_nan_kernel,
                     (lambda g, z, x, y: _mul_no_nan(g, y), lambda g, z, x, y: _mul_no_nan(x, g)), INEXACT)


def multiply_no_nan(x: Any, y: Any, name: str | None = None):
    """`tf.math.multiply_no_nan`: x * y, and 0 wherever y is 0 even if x is inf or NaN."""
    x = tensor(x)
    return _mul_no_nan(x, _converted_like(y, x.dtype, "y"))


def _reciprocal_no_nan_kernel(x):
    zero = x == 0
    return np.where(zero, 0, 1 / np.where(zero, 1, x)).astype(x.dtype, copy=False)[()]


# TensorFlow's is DivNoNan(1, x), whose name its errors carry.
reciprocal_no_nan = unary("reciprocal_no_nan", "DivNoNan", _reciprocal_no_nan_kernel,
                          lambda g, y, x: -g * math_ops.conj(y * y), INEXACT)
reciprocal_no_nan.__doc__ = "`tf.math.reciprocal_no_nan`: 1 / x, and 0 where x is 0."


def _truncate_mod_kernel(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise errors.InternalError(None, None, "Unexpected error in binary operator (only integer div and "
                                               "mod should have errors) [Op:TruncateMod]")
    return np.fmod(x, y)


# The remainder of division rounded toward zero: its sign is x's. TensorFlow registers no gradient.
truncatemod = binary("truncatemod", "TruncateMod", _truncate_mod_kernel, None,
                     FLOATS | {dtypes.int32, dtypes.int64}, unregistered=True)


def scalar_mul(scalar: Any, x: Any, name: str | None = None):
    """`tf.math.scalar_mul`: `scalar` (converted to x's dtype; it must have shape ()) times `x`, a
    tensor or IndexedSlices."""
    sliced = isinstance(x, IndexedSlices)
    if not sliced:
        x = tensor(x)
    scalar = _converted_like(scalar, x.dtype, "scalar")
    if scalar._value.ndim:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape {scalar.shape}.")
    if sliced:
        return IndexedSlices(math_ops.multiply(scalar, x.values), x.indices, x.dense_shape)
    return math_ops.multiply(scalar, x)


def zero_fraction(value: Any, name: str | None = None):
    """`tf.math.zero_fraction`: the fraction of elements that are zero, as float32 (NaN when empty)."""
    x = tensor(value)
    total = size(x, out_type=dtypes.int64)
    zeros_ = total - count_nonzero(x)
    return math_ops.cast(zeros_, dtypes.float32) / math_ops.cast(total, dtypes.float32)


# ---- permutations and order -----------------------------------------------------------------------

def _invert_permutation_kernel(x):
    n = x.shape[0]
    out_of_range = (x < 0) | (x >= n)
    values = np.where(out_of_range, -1, x)
    order = np.argsort(values, kind="stable")  # equal values in order of position
    repeated = np.zeros(n, bool)
    repeated[order[1:]] = values[order[1:]] == values[order[:-1]]
    bad = out_of_range | repeated
    if bad.any():  # TensorFlow reports the first bad element
        i = int(np.argmax(bad))
        raise invalid("InvertPermutation", f"{x[i]} is not between 0 and {n}" if out_of_range[i] else
                      f"{x[i]} is duplicated in the input.")
    inverse = np.empty_like(x)
    inverse[x] = np.arange(n, dtype=x.dtype)
    return inverse


# Its shape is its input's (tracing cannot run the kernel on stand-in zeros: they repeat).
_invert_permutation_op = Op("InvertPermutation", _invert_permutation_kernel, None,
                            infer=lambda x: [AbstractValue(x.shape, x.dtype)])


def invert_permutation(x: Any, name: str | None = None):
    """`tf.math.invert_permutation`: y with y[x[i]] = i, for a permutation x of 0 ... n - 1."""
    x = tensor(x)
    if x.dtype not in INDEX_TYPES:
        raise unsupported_error(_invert_permutation_op, x.dtype, INDEX_TYPES)
    if x._value.ndim != 1:
        raise invalid("InvertPermutation", "invert_permutation expects a 1D vector.")
    return bind(_invert_permutation_op, (x,))


def _consecutive(x: Any, holds) -> Tensor:
    """Whether `holds(next, previous)` for every consecutive pair of x's elements in row-major order."""
    x = tensor(x)
    if x.dtype not in NUMERIC:
        raise TypeError(f"Expected x to be numeric, instead found: {x!s}")
    flat = reshape(x, [-1])
    return reduce_ops.reduce_all(holds(flat[1:], flat[:-1]))


def is_non_decreasing(x: Any, name: str | None = None):
    """`tf.math.is_non_decreasing`: whether x[i] <= x[i + 1] throughout (flattened); True with fewer
    than two elements."""
    return _consecutive(x, math_ops.greater_equal)


def is_strictly_increasing(x: Any, name: str | None = None):
    """`tf.math.is_strictly_increasing`: whether x[i] < x[i + 1] throughout (flattened); True with
    fewer than two elements."""
    return _consecutive(x, math_ops.greater)


# ---- polynomials and running log-sum-exp ------------------------------------------------------------

def polyval(coeffs: list, x: Any, name: str | None = None):
    """`tf.math.polyval`: coeffs[0] * x^(n-1) + ... + coeffs[n-1], by Horner's rule (coefficients may
    be tensors broadcasting against x; an empty list gives zeros like x)."""
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    x = tensor(x)
    if not coeffs:
        return zeros_like(x)
    coeffs = [tensor(c) for c in coeffs]
    p = coeffs[0]
    for c in coeffs[1:]:
        p = c + p * x
    return p


def _cumulative_logsumexp_grad(g, y, x, axis, exclusive, reverse):
    """dx_i = sum over the outputs j that include x_i of g_j exp(x_i - y_j): the running log-sum-exp
    taken the other way of log|g_j| - y_j, separately for positive and negative g (logs need a sign).
    Outputs that are not finite (an exclusive scan's -inf first) and zero gradients take the dtype's
    lowest value there, which adds nothing and keeps every intermediate (and its gradient) finite."""
    lowest = float(x.dtype.min)
    live = math_ops.is_finite(y)
    finite_y = math_ops.where(live, y, 0)

    def log_share(mask, magnitude):
        keep = math_ops.logical_and(mask, live)
        return math_ops.where(keep, math_ops.log(math_ops.where(keep, magnitude, 1)) - finite_y, lowest)

    def back(t):
        params = {"axis": axis, "exclusive": exclusive, "reverse": not reverse}
        return bind(_cumulative_logsumexp_op, (t,), params)

    return (math_ops.exp(x + back(log_share(g > 0, g)))
            - math_ops.exp(x + back(log_share(g < 0, -g))))


_cumulative_logsumexp_op = Op("CumulativeLogsumexp",
                              reduce_ops._scan_kernel(np.logaddexp.accumulate, -np.inf),
                              (_cumulative_logsumexp_grad,))


def cumulative_logsumexp(x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False,
                         name: str | None = None):
    """`tf.math.cumulative_logsumexp`: log(cumsum(exp(x))) along `axis` without overflow; `exclusive`
    leaves each element out of its own (the first is -inf), `reverse` runs from the end. NaN
    propagates."""
    x = tensor(x)
    if x.dtype not in FLOATS:
        raise unsupported_error(_cumulative_logsumexp_op, x.dtype, FLOATS)
    return reduce_ops._scan(_cumulative_logsumexp_op, x, axis, exclusive, reverse)


# ---- confusion matrices -----------------------------------------------------------------------------

def _check_classes(values: np.ndarray, what: str, num_classes: int | None) -> None:
    """TensorFlow's assertions on labels or predictions, with its messages."""
    if (values < 0).any():
        shown = [str(v) for v in values[:3].tolist()] + (["..."] if values.size > 3 else [])
        raise errors.InvalidArgumentError(
            None, None, f"`{what}` contains negative values.  \nCondition x >= 0 did not hold element-wise:\n"
                        f"x (shape={TensorShape(values.shape)} dtype=int64) = \n{shown}")
    if num_classes is not None and (values >= num_classes).any():
        raise errors.InvalidArgumentError(
            None, None, f"`{what}` out of bound\nCondition x < y did not hold.\nFirst {min(values.size, 3)} "
                        f"elements of x:\n{values[:3]}\nFirst 1 elements of y:\n[{num_classes}]")


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None, weights: Any = None,
                     dtype: Any = dtypes.int32, name: str | None = None):
    """`tf.math.confusion_matrix`: m[i, j] counts (or sums the weights of) the examples labelled i
    and predicted j; `num_classes` defaults to the largest class seen plus one. Labels and predictions
    are 1-D and cast to int64 (floats truncate); the weights are cast to `dtype` and differentiable."""
    dtype = dtypes.as_dtype(dtype)
    labels = math_ops.cast(tensor(labels), dtypes.int64)
    predictions = math_ops.cast(tensor(predictions), dtypes.int64)
    if num_classes is not None:
        num_classes = int(getattr(num_classes, "_value", num_classes))
    seen = [np.asarray(t._value).reshape(-1) for t in (labels, predictions)]
    for values, what in zip(seen, ("labels", "predictions")):
        _check_classes(values, what, num_classes)
    if num_classes is None:
        num_classes = int(max(v.max(initial=-1) for v in seen)) + 1
    if weights is None:
        updates = ones_like(labels, dtype=dtype)
    else:
        updates = math_ops.cast(tensor(weights), dtype)
        if not updates.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {labels.shape} and {updates.shape} are incompatible")
    return scatter_nd(stack([labels, predictions], axis=1), updates, [num_classes, num_classes])


# ---- angle, accumulate_n, in_top_k ------------------------------------------------------------------

# The gradient of the angle of z is i / conj(z) (TensorFlow's convention for a real function of z).
_angle_op = Op("Angle", lambda z: np.angle(z).astype(z.real.dtype, copy=False)[()],
               (lambda g, y, z: math_ops.cast(g, z.dtype) * (1j / math_ops.conj(z)),))


def angle(input: Any, name: str | None = None):  # noqa: A002
    """`tf.math.angle`: the argument of complex numbers (in (-pi, pi]); for real ones, pi where
    negative and 0 elsewhere (NaN included), without a gradient."""
    x = tensor(input)
    if x.dtype.is_complex:
        return bind(_angle_op, (x,))
    if x.dtype not in REAL:  # as TensorFlow's comparison with 0 refuses them
        raise TypeError(f"Cannot convert 0 to EagerTensor of dtype {x.dtype.name}")
    pi = convert_to_tensor(math.pi, dtype=x.dtype)  # a TypeError for integers, as TensorFlow's
    return math_ops.where(math_ops.less(x, 0), pi, zeros([], x.dtype))


def accumulate_n(inputs: Any, shape: Any = None, tensor_dtype: Any = None, name: str | None = None):
    """`tf.math.accumulate_n`: the sum of a list of tensors of one shape and dtype (TensorFlow's
    deprecated form of `add_n`, checking `shape` and `tensor_dtype` if given)."""
    problem = ValueError("inputs must be a list of at least one Tensor with the same dtype and shape")
    if not isinstance(inputs, list | tuple) or not inputs:
        raise problem
    inputs = [tensor(t) for t in inputs]
    if any(t.dtype != inputs[0].dtype for t in inputs):
        raise problem
    merged = TensorShape(None) if shape is None else TensorShape(shape)
    for t in inputs:
        if not merged.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {merged} and {t.shape} are not compatible")
        merged = t.shape
    if tensor_dtype is not None and dtypes.as_dtype(tensor_dtype) != inputs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is {dtypes.as_dtype(tensor_dtype)}, but `input` is "
                        f"of type {inputs[0].dtype}. These must be equal. Try casting the input to the "
                        f"desired type.")
    return math_ops.add_n(inputs)


def _in_top_k_kernel(predictions, targets, k):
    classes = predictions.shape[1]
    known = (targets >= 0) & (targets < classes)
    target = np.take_along_axis(predictions, np.where(known, targets, 0)[:, None], 1) if classes else 0
    higher = np.sum(predictions > target, axis=1)
    # A target out of range, or any prediction in its row not finite, is never in the top k.
    known &= np.isfinite(predictions).all(axis=1)
    return known & (higher < k)


_in_top_k_op = Op("InTopKV2", _in_top_k_kernel, None)


def in_top_k(targets: Any, predictions: Any, k: Any, name: str | None = None):
    """`tf.math.in_top_k`: whether each row's target class is among the k largest predictions, ties
    counting in its favour (a prediction equal to the target's is not ahead of it)."""
    predictions, targets = tensor(predictions), tensor(targets)
    op = _in_top_k_op
    if targets.dtype not in INDEX_TYPES:
        raise unsupported_error(op, targets.dtype, INDEX_TYPES)
    k = tensor(k) if isinstance(k, TensorLike) else convert_to_tensor(k, dtype=targets.dtype)
    if predictions.dtype is not dtypes.float32:
        raise mismatch_error(op, dtypes.float32, 0, predictions.dtype)
    if k.dtype != targets.dtype:
        raise mismatch_error(op, targets.dtype, 2, k.dtype)
    if predictions._value.ndim != 2:
        raise invalid(op.name, "predictions must be 2-dimensional")
    if targets._value.ndim != 1:
        raise invalid(op.name, "targets must be 1-dimensional")
    if predictions._value.shape[0] != targets._value.shape[0]:
        raise invalid(op.name, f"First dimension of predictions {predictions._value.shape[0]} must match "
                               f"length of targets {targets._value.shape[0]}")
    if k._value.ndim:
        raise invalid(op.name, f"k must be 0-D, got shape {list(k._value.shape)}")
    return bind(op, (predictions, targets, k))
