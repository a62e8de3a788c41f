"""What the Numba code generator knows how to write: which ops lower, and as what.

Ops are recognised by their own attributes and objects, never by name: an elementwise op lowers when
its kernel is one of the NumPy ufuncs below (Numba compiles the same ufunc, with NumPy's typing);
AddN, the reductions, the activations and their gradients with kernels of their own, softmax and
cross-entropy, and the fused optimizer updates by their op objects; variable reads and writes by
their `Effect`; control flow by the `While` and `If` op objects (whose equations the generator
inlines as native loops and branches). Everything else stays in Python: the graph is split at it
(see `tapeflow.jit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.ops import linalg_ops, math_ops, nn_ops, training_ops
from tapeflow.ops.gather_ops import GATHER_OPS
from tapeflow.ops.math_ops import CHECKED_DIVISIONS
from tapeflow.ops.reduce_ops import max_op, mean_op, min_op, sum_op
from tapeflow.ops.slicing_ops import DYNAMIC_SLICE, TRACED

# Elementwise ufuncs whose Numba loops give NumPy's results bit for bit (IEEE operations correctly
# rounded, comparisons, selection): a fused chain of these equals the Python path exactly.
EXACT_UFUNCS = frozenset({
    np.add, np.subtract, np.multiply, np.true_divide, np.negative, np.absolute, np.sqrt, np.square,
    np.maximum, np.minimum, np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.sign, np.floor, np.ceil,
})
# Transcendental ufuncs: Numba calls the C library (libm) where NumPy may use its own SIMD loops, so
# a result may differ in the last place (docs/compatibility.md).
LIBM_UFUNCS = frozenset({np.power, np.exp, np.log, np.tanh, np.sin, np.cos, np.expm1, np.log1p})
UFUNCS = EXACT_UFUNCS | LIBM_UFUNCS

# The dtypes Numba computes with as NumPy does (no float16, complex, strings or objects).
DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64, np.bool_))


def ufunc_of(op: Any) -> np.ufunc | None:
    """The op's kernel if it is a ufunc Numba lowers (or the ufunc a divisor-checking kernel calls:
    `checks_divisor`), else None."""
    kernel = op.kernel
    if isinstance(kernel, np.ufunc):
        return kernel if kernel in UFUNCS else None
    return CHECKED_DIVISIONS.get(kernel) if callable(kernel) else None


def checks_divisor(op: Any) -> bool:
    """Whether the op is an integer floor division or modulo, whose kernel raises for a zero divisor."""
    return callable(op.kernel) and op.kernel in CHECKED_DIVISIONS


# Whole-array reductions of floats, as expressions of the array `x` and its size `n` (a typed
# literal): sums and means in NumPy's own pairwise order (tapeflow.jit.kernels), so bit for bit.
REDUCTIONS = {sum_op: "pairwise_sum({x})", mean_op: "pairwise_sum({x}) / {n}",
              max_op: "np.max({x})", min_op: "np.min({x})"}


def reduction_of(op: Any) -> str | None:
    """The expression a reduction op lowers to, if it is one Numba lowers."""
    return REDUCTIONS.get(op)


# Axis reductions (sums and means of floats over leading or trailing axes) by a kernel of the array
# reshaped to (outer, inner), in NumPy's order (tapeflow.jit.kernels): bit for bit.
AXIS_SUMS = frozenset({sum_op, mean_op})
LEADING, TRAILING = "sum_leading", "sum_trailing"

# Elementwise ops whose kernels are not one ufunc, as expressions of their inputs ({0}, {1}) and of
# 0 and 1 in their dtype: the kernel's own operations in its order, so bit for bit (Relu's
# maximum, Rsqrt's 1 / sqrt(x), ReluGrad's product with the mask, TanhGrad's g * (1 - y*y),
# SigmoidGrad's g * (y*(1-y))).
ELEMENTWISE = {
    nn_ops.relu.op: "np.maximum({0}, {zero})",
    math_ops.rsqrt.op: "np.divide({one}, np.sqrt({0}))",
    nn_ops._relu_grad: "np.multiply({1}, np.greater({0}, {zero}))",
    math_ops._tanh_grad: "np.multiply({1}, np.subtract({one}, np.multiply({0}, {0})))",
    math_ops._sigmoid_grad: "np.multiply({1}, np.multiply({0}, np.subtract({one}, {0})))",
}

BIAS_ADD = nn_ops._bias_add_op  # value + bias along the channel axis: an add, the bias reshaped

# Ops over the last axis of an array, by a kernel of its rows (tapeflow.jit.kernels): the Python
# kernels' order, with libm's exp and log (within their last place, docs/compatibility.md).
ROWS = {nn_ops._softmax_op: "softmax_rows", nn_ops._log_softmax_op: "log_softmax_rows",
        nn_ops._sparse_xent_op: "sparse_cross_entropy_rows"}
SPARSE_LABELS = nn_ops._sparse_xent_op  # its labels must be in range: checked when lowering

# Fused optimizer updates in native code, into fresh arrays: the kernel's name. (The other rules
# of ops/training_ops.py are traced as their ops in compiled functions: only Adam is fused there.)
UPDATES = {training_ops.ADAM: "adam"}

# Ops kept in Python on purpose, and why (the warning says it).
MATMUL_REASON = "NumPy's BLAS runs it, between native segments"
IN_PYTHON = {linalg_ops._matmul_op: MATMUL_REASON, linalg_ops._batch_matmul_op: MATMUL_REASON}

KERNELS = (LEADING, TRAILING, *ROWS.values(), *UPDATES.values(), "pairwise_sum")


def indexing_of(op: Any) -> str | None:
    """"gather" or "slice" for the ops that read elements at indices known when the code runs (the
    native code checks each index first: Numba's indexing does not)."""
    if op in GATHER_OPS:
        return "gather"
    return "slice" if op is DYNAMIC_SLICE else None


def slice_key(template: tuple) -> bool:
    """Whether an `x[...]` template lowers: integers, known or run-time, one per leading axis."""
    return all(k is TRACED or type(k) is int for k in template)


def scalar_type(dtype: np.dtype) -> str:
    """The NumPy scalar constructor that gives a 0-d value its dtype inside Numba (Numba computes
    integer scalars in 64 bits: the cast keeps int32's wrap-around and float32's precision)."""
    return f"np.{np.dtype(dtype).name}" if np.dtype(dtype) != np.bool_ else "np.bool_"


def literal(value: np.ndarray | np.generic) -> str:
    """A 0-d constant as typed source (`np.float32(4.0)`): exact, since repr round-trips a float64
    and every float32 is one."""
    value = np.asarray(value)
    if value.dtype == np.bool_:
        return repr(bool(value))
    python = value.item()
    text = repr(python)
    if text in ("inf", "-inf", "nan"):
        text = f"np.{text.lstrip('-')}" if not text.startswith("-") else f"-np.{text[1:]}"
    return f"{scalar_type(value.dtype)}({text})"
