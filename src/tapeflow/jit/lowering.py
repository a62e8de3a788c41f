"""What the Numba code generator knows how to write: which ops lower, and as what.

Ops are recognised by their own attributes and objects, never by name: an elementwise op lowers when
its kernel is one of the NumPy ufuncs below (Numba compiles the same ufunc, with NumPy's typing);
AddN and the reductions by their op objects; variable reads and writes by their `Effect`; control
flow by the `While` and `If` op objects (whose equations the generator inlines as native loops and
branches). Everything else stays in Python: the function falls back (see `tapeflow.jit`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
