"""Elementwise math: arithmetic, powers and logs, trigonometry, comparisons, logic, `cast`, `where`.

Each op is one declaration: its TensorFlow name, its NumPy kernel and its gradient rules, written
with these same ops so that they can themselves be differentiated. A rule gets `(g, y, *inputs)`;
broadcasting is undone by the tape, not here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS, INEXACT, INTEGERS, NUMERIC, REAL
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops.declare import binary, logical, mismatch_error, operands, tensor, unary
from tapeflow.ops.recipes import G, Recipe, Y

__all__ = [
    "complex", "saturate_cast", "add", "subtract", "multiply", "negative", "floordiv", "floormod",
    "truncatediv", "truediv",
    "divide", "divide_no_nan", "pow", "maximum", "minimum", "squared_difference", "abs", "sign",
    "square", "sqrt", "rsqrt", "reciprocal", "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "tanh",
    "sigmoid", "softplus", "sinh", "cosh", "asinh", "acosh", "atanh", "asin", "acos", "atan", "atan2",
    "softsign", "xlogy", "xdivy", "rint", "floor", "ceil", "round", "conj", "real", "imag", "is_nan",
    "is_inf", "is_finite", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "cast", "where", "add_n", "clip_by_value",
]

_BOOL = (dtypes.bool,)
_INT_OR_BOOL = INTEGERS | {dtypes.bool}
_ORDERED = REAL


# ---- arithmetic -------------------------------------------------------------------------------

def _concatenate(x: Any, y: Any) -> np.ndarray:
    """`+` of strings: NumPy adds the bytes of object arrays (a 0-d result is bare bytes: rewrapped)."""
    out = np.add(x, y)
    return out if isinstance(out, np.ndarray) else np.array(out, dtype=object)


# (TensorFlow names the graph nodes of Python's operators in lower case: `x * 2` is "mul:0".)
add = binary("add", "AddV2", np.add, (lambda g, z, x, y: g, lambda g, z, x, y: g), NUMERIC, "+", hinted=True,
             label="add", neutral=(0, (0, 1)), string_op=Op("AddV2", _concatenate, None, label="add"),
             batchable=True)
subtract = binary("subtract", "Sub", np.subtract, None, NUMERIC, "-", label="sub", neutral=(0, (1,)),
                  batchable=True)
multiply = binary("multiply", "Mul", np.multiply, None, NUMERIC, "*", label="mul", neutral=(1, (0, 1)),
                  batchable=True)
negative = unary("negative", "Neg", np.negative, None, NUMERIC, batchable=True)


def _check_divisor(x, y):
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError("Integer division by zero")


def _floor_divide(x, y):
    _check_divisor(x, y)
    return np.floor_divide(x, y)


def _floor_mod(x, y):
    _check_divisor(x, y)
    return np.mod(x, y)


# The kernels that check an integer divisor, by the ufunc they then call (the Numba code generator
# writes the same check, then the ufunc).
CHECKED_DIVISIONS = {_floor_divide: np.floor_divide, _floor_mod: np.mod}


def _truncate_divide(x, y):
    _check_divisor(x, y)
    if x.dtype.kind == "f":
        return np.trunc(x / y)
    quotient = np.floor_divide(x, y)
    inexact_negative = (np.mod(x, y) != 0) & ((x < 0) != (y < 0))
    return quotient + inexact_negative.astype(x.dtype)


_real_div = binary("realdiv", "RealDiv", np.divide,
                   (lambda g, z, x, y: g / conj(y), lambda g, z, x, y: -g * conj(z / y)), INEXACT, "/",
                   label="truediv", neutral=(1, (1,)), batchable=True)
floordiv = binary("floordiv", "FloorDiv", _floor_divide, None, REAL, batchable=True)
floormod = binary("floormod", "FloorMod", _floor_mod,
                  (lambda g, z, x, y: g, lambda g, z, x, y: -g * floordiv(x, y)), REAL, batchable=True)
truncatediv = binary("truncatediv", "TruncateDiv", _truncate_divide, None, REAL, batchable=True)

# Integer true division casts to a float first, as TensorFlow does (its _TRUEDIV_TABLE).
_TRUEDIV_FLOAT = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32, dtypes.int16: dtypes.float32,
                  dtypes.uint16: dtypes.float32, dtypes.int32: dtypes.float64, dtypes.uint32: dtypes.float64,
                  dtypes.int64: dtypes.float64, dtypes.uint64: dtypes.float64}
_DIVISIBLE = ("tf.uint8, tf.int8, tf.uint16, tf.int16, tf.uint32, tf.int32, tf.uint64, tf.int64, "
              "tf.bfloat16, tf.float16, tf.float32, tf.float64, tf.complex64, tf.complex128")


def _division_operands(x: Any, y: Any, caller: str) -> tuple[Tensor, Tensor]:
    """TensorFlow's checks before a true division: the same dtype on both sides and one it divides
    (TypeErrors), integers cast to float."""
    if x.dtype != y.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != {y.dtype!r}.")
    if x.dtype not in _TRUEDIV_FLOAT and x.dtype not in INEXACT:
        raise TypeError(f"Invalid dtype {x.dtype!r} in {caller}. Expected one of {{{_DIVISIBLE}}}.")
    target = _TRUEDIV_FLOAT.get(x.dtype)
    return (cast(x, target), cast(y, target)) if target is not None else (x, y)


def truediv(x: Any, y: Any, name: str | None = None):
    """`tf.math.truediv` (`x / y`): x is converted alone, y to x's dtype if it can be; integers are
    first cast to float (int32 to float64, as TF)."""
    x = tensor(x)
    return _real_div(*_division_operands(x, convert_to_tensor(y, dtype_hint=x.dtype), "__truediv__"))


def divide(x: Any, y: Any, name: str | None = None):
    """`tf.math.divide` (and `2 / t`): a Python or NumPy x takes y's dtype, then as truediv."""
    if not isinstance(x, TensorLike) and isinstance(y, TensorLike):
        x = convert_to_tensor(x, dtype=y.dtype)
    return truediv(x, y)


def divide_no_nan(x: Any, y: Any, name: str | None = None):
    """`tf.math.divide_no_nan`: x / y, and 0 wherever y is 0 (operands converted as by divide)."""
    if not isinstance(x, TensorLike) and isinstance(y, TensorLike):
        x = convert_to_tensor(x, dtype=y.dtype)
    x = tensor(x)
    x, y = _division_operands(x, convert_to_tensor(y, dtype_hint=x.dtype), "tf.math.divide_no_nan")
    zero = equal(y, 0)
    return where(zero, 0, _real_div(x, where(zero, 1, y)))


def _pow_grad_y(g, z, x, y):
    # d(x**y)/dy = x**y * log(x), taken as 0 where x <= 0 (TensorFlow's convention).
    positive = x > 0
    return g * z * where(positive, log(where(positive, x, 1)), 0)


pow = binary("pow", "Pow", np.power, None, NUMERIC, "**", label="pow", neutral=(1, (1,)))  # noqa: A001

maximum = binary("maximum", "Maximum", np.maximum,
                 (lambda g, z, x, y: where(x >= y, g, 0), lambda g, z, x, y: where(x >= y, 0, g)), _ORDERED,
                 batchable=True)
minimum = binary("minimum", "Minimum", np.minimum,
                 (lambda g, z, x, y: where(x <= y, g, 0), lambda g, z, x, y: where(x <= y, 0, g)), _ORDERED,
                 batchable=True)
squared_difference = binary("squared_difference", "SquaredDifference", lambda x, y: np.square(x - y),
                            (lambda g, z, x, y: g * 2 * (x - y), lambda g, z, x, y: -g * 2 * (x - y)),
                            NUMERIC)


# ---- unary ------------------------------------------------------------------------------------

_real_abs = unary("abs", "Abs", np.abs, lambda g, y, x: g * sign(x), REAL, batchable=True)
# |x| of complex x is real; its gradient is g x / |x| (0 at 0), as TensorFlow's ComplexAbs.
_complex_abs_op = Op("ComplexAbs", np.abs,
                     (lambda g, y, x: divide_no_nan(complex(g, g * 0) * x, complex(y, y * 0)),))


def abs(x: Any, name: str | None = None):  # noqa: A001
    """`tf.abs`: |x| elementwise; for complex x the magnitude, a real tensor."""
    x = tensor(x)
    return bind(_complex_abs_op, (x,)) if x.dtype.is_complex else _real_abs(x)

sign = unary("sign", "Sign", np.sign, lambda g, y, x: g * 0, NUMERIC, batchable=True)
square = unary("square", "Square", np.square, None, NUMERIC, batchable=True)
exp = unary("exp", "Exp", np.exp, None, INEXACT)
expm1 = unary("expm1", "Expm1", np.expm1, lambda g, y, x: g * conj(y + 1), INEXACT)
log = unary("log", "Log", np.log, lambda g, y, x: g / conj(x), INEXACT)
log1p = unary("log1p", "Log1p", np.log1p, lambda g, y, x: g / conj(x + 1), INEXACT)
sin = unary("sin", "Sin", np.sin, None, INEXACT)
cos = unary("cos", "Cos", np.cos, None, INEXACT)

tan = unary("tan", "Tan", np.tan, lambda g, y, x: g * conj(1 + y * y), INEXACT)


def _sigmoid(x):
    # exp(-|x|) never overflows; both branches are the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


# Ops whose derivative is a function of their output get a fused gradient op, as in TensorFlow
# (TanhGrad, SigmoidGrad, ...): `grad_op(y, g)` is one kernel call instead of three, and its own
# rules keep second order working: d/dg is the same gradient op again (unless `dg_rule` says
# otherwise), d/dy is written out.

def _output_grad_op(name: str, kernel, dy_rule, dg_rule=None) -> Op:
    def rule_g(gg, z, y, g):
        return bind(op, (y, gg))

    op = Op(name, kernel, (dy_rule, dg_rule or rule_g))
    return op


def _cj(v):
    return np.conj(v) if v.dtype.kind == "c" else v


# (Without `out`, the operator: NumPy scalars multiply faster so than through the ufunc.)
def _tanh_grad_kernel(y, g, *, out=None):
    factor = _cj(1 - y * y)
    return g * factor if out is None else np.multiply(g, factor, out=out)


def _sigmoid_grad_kernel(y, g, *, out=None):
    factor = y * (1 - y)
    return g * factor if out is None else np.multiply(g, factor, out=out)


_tanh_grad = _output_grad_op("TanhGrad", _tanh_grad_kernel,
                             lambda gg, z, y, g: gg * conj(g * -2 * y))
_sigmoid_grad = _output_grad_op("SigmoidGrad", _sigmoid_grad_kernel,
                                lambda gg, z, y, g: gg * g * (1 - 2 * y))
def _zero_where_g_is(kernel):
    """`kernel(y, g)`, but 0 where g is 0 even where y makes it inf or NaN (TensorFlow's SqrtGrad,
    RsqrtGrad and ReciprocalGrad: a zero gradient stays zero at y = 0 or inf)."""
    def guarded(y, g):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.where(g == 0, np.zeros((), g.dtype), kernel(y, g))[()]

    return guarded


# d/dg of SqrtGrad is TensorFlow's plain 0.5 gg / y, not SqrtGrad again: NaN at y = 0 even where gg is 0.
_sqrt_grad = _output_grad_op("SqrtGrad", _zero_where_g_is(lambda y, g: g * 0.5 / _cj(y)),
                             lambda gg, z, y, g: -gg * conj(z / y), lambda gg, z, y, g: 0.5 * (gg / y))
_rsqrt_grad = _output_grad_op("RsqrtGrad", _zero_where_g_is(lambda y, g: g * -0.5 * _cj(y * y * y)),
                              lambda gg, z, y, g: gg * conj(g * -1.5 * y * y))
_reciprocal_grad = _output_grad_op("ReciprocalGrad", _zero_where_g_is(lambda y, g: -g * _cj(y * y)),
                                   lambda gg, z, y, g: gg * conj(g * -2 * y))

sqrt = unary("sqrt", "Sqrt", np.sqrt, Recipe(_sqrt_grad, Y, G), INEXACT, batchable=True)
rsqrt = unary("rsqrt", "Rsqrt", lambda x: 1 / np.sqrt(x), Recipe(_rsqrt_grad, Y, G), INEXACT)
reciprocal = unary("reciprocal", "Reciprocal", np.reciprocal, Recipe(_reciprocal_grad, Y, G), INEXACT)
tanh = unary("tanh", "Tanh", np.tanh, Recipe(_tanh_grad, Y, G), INEXACT)
sigmoid = unary("sigmoid", "Sigmoid", _sigmoid, Recipe(_sigmoid_grad, Y, G), FLOATS)


def _softplus(x):
    return (np.logaddexp(0, x)).astype(x.dtype, copy=False)


softplus = unary("softplus", "Softplus", _softplus, lambda g, y, x: g * sigmoid(x), FLOATS)
sinh = unary("sinh", "Sinh", np.sinh, lambda g, y, x: g * conj(cosh(x)), INEXACT)
cosh = unary("cosh", "Cosh", np.cosh, lambda g, y, x: g * conj(sinh(x)), INEXACT)
asinh = unary("asinh", "Asinh", np.arcsinh, lambda g, y, x: g / conj(sqrt(x * x + 1)), INEXACT)
acosh = unary("acosh", "Acosh", np.arccosh, lambda g, y, x: g / conj(sqrt(x * x - 1)), INEXACT)
atanh = unary("atanh", "Atanh", np.arctanh, lambda g, y, x: g / conj(1 - x * x), INEXACT)
asin = unary("asin", "Asin", np.arcsin, lambda g, y, x: g / conj(sqrt(1 - x * x)), INEXACT)
acos = unary("acos", "Acos", np.arccos, lambda g, y, x: -g / conj(sqrt(1 - x * x)), INEXACT)
atan = unary("atan", "Atan", np.arctan, lambda g, y, x: g / conj(1 + x * x), INEXACT)
softsign = unary("softsign", "Softsign", lambda x: x / (1 + np.abs(x)),
                 lambda g, y, x: g / square(1 + abs(x)), FLOATS)
atan2 = binary("atan2", "Atan2", np.arctan2, (lambda g, z, y, x: g * x / (x * x + y * y),
                                              lambda g, z, y, x: -g * y / (x * x + y * y)), FLOATS)


def _xlogy(x, y):
    return np.where(x == 0, np.zeros_like(x), x * np.log(np.where(x == 0, 1, y))).astype(x.dtype, copy=False)


def _xdivy(x, y):
    return np.where(x == 0, np.zeros_like(x), x / np.where(x == 0, 1, y)).astype(x.dtype, copy=False)


# x * log(y) and x / y, both 0 where x is 0 (whatever y is), as TensorFlow's; so are their gradients.
xlogy = binary("xlogy", "Xlogy", _xlogy, (lambda g, z, x, y: g * xlogy(cast(not_equal(x, 0), x.dtype), y),
                                          lambda g, z, x, y: g * xdivy(x, y)), FLOATS)
xdivy = binary("xdivy", "Xdivy", _xdivy, (lambda g, z, x, y: g * xdivy(cast(not_equal(x, 0), x.dtype), y),
                                          lambda g, z, x, y: g * xdivy(-x, y * y)), FLOATS)
rint = unary("rint", "Rint", np.rint, None, FLOATS, batchable=True)
floor = unary("floor", "Floor", np.floor, None, FLOATS, batchable=True)
ceil = unary("ceil", "Ceil", np.ceil, None, FLOATS, batchable=True)
round = unary("round", "Round", np.round, None, NUMERIC, batchable=True)  # noqa: A001 - half to even, as TF
_conj = unary("conj", "Conj", np.conj, lambda g, y, x: conj(g), NUMERIC)


def conj(x: Any, name: str | None = None):
    """`tf.math.conj`: the complex conjugate; real tensors are returned as they are, as TF."""
    if type(x) is not Tensor:
        x = tensor(x)
    return _conj(x) if x._value.dtype.kind == "c" else x


# Rules written as recipes (`ops/recipes.py`: the sweep can run their kernels alone) name the ops'
# own functions, `conj` among them, so they are declared once those exist.
multiply.op.declare_grads((Recipe(multiply, G, Recipe(conj, 1)), Recipe(multiply, Recipe(conj, 0), G)))
subtract.op.declare_grads((lambda g, z, x, y: g, Recipe(negative, G)))
negative.op.declare_grads((Recipe(negative, G),))
pow.op.declare_grads((Recipe(multiply, Recipe(multiply, G, 1), Recipe(pow, 0, Recipe(subtract, 1, 1.0))),
                      _pow_grad_y))
square.op.declare_grads((Recipe(multiply, G, Recipe(multiply, 2.0, Recipe(conj, 0))),))
exp.op.declare_grads((Recipe(multiply, G, Recipe(conj, Y)),))
sin.op.declare_grads((Recipe(multiply, G, Recipe(conj, Recipe(cos, 0))),))
cos.op.declare_grads((Recipe(multiply, Recipe(negative, G), Recipe(conj, Recipe(sin, 0))),))


# The real and imaginary parts, and `complex` putting them together: each other's gradients.
real = unary("real", "Real", np.real, lambda g, y, x: complex(g, g * 0) if x.dtype.is_complex else g, NUMERIC)
imag = unary("imag", "Imag", np.imag, lambda g, y, x: complex(g * 0, g) if x.dtype.is_complex else g * 0,
             NUMERIC)
_complex_op = Op("Complex", lambda re, im: (re + 1j * im).astype(np.result_type(re.dtype, np.complex64)),
                 (lambda g, y, re, im: real(g), lambda g, y, re, im: imag(g)))


def complex(real: Any, imag: Any, name: str | None = None):  # noqa: A001
    """`tf.complex`: real + i·imag, elementwise (broadcasting); float32 parts make complex64, float64
    parts complex128."""
    re, im = tensor(real), tensor(imag)
    if re.dtype != im.dtype or re.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(f"The `real` and `imag` components have incorrect types: {re.dtype.name} "
                        f"{im.dtype.name}. They must be consistent, and one of [tf.float32, tf.float64]")
    return bind(_complex_op, (re, im))
is_nan = unary("is_nan", "IsNan", np.isnan, None, FLOATS)
is_inf = unary("is_inf", "IsInf", np.isinf, None, FLOATS)
is_finite = unary("is_finite", "IsFinite", np.isfinite, None, FLOATS)


# ---- comparison and logic (no gradient) -------------------------------------------------------

equal = binary("equal", "Equal", np.equal, None, dtypes.ALL, batchable=True)
not_equal = binary("not_equal", "NotEqual", np.not_equal, None, dtypes.ALL, batchable=True)
less = binary("less", "Less", np.less, None, _ORDERED, "<", batchable=True)
less_equal = binary("less_equal", "LessEqual", np.less_equal, None, _ORDERED, "<=", batchable=True)
greater = binary("greater", "Greater", np.greater, None, _ORDERED, ">", batchable=True)
greater_equal = binary("greater_equal", "GreaterEqual", np.greater_equal, None, _ORDERED, ">=",
                       batchable=True)
logical_and = logical("logical_and", "LogicalAnd", np.logical_and, batchable=True)
logical_or = logical("logical_or", "LogicalOr", np.logical_or, batchable=True)
logical_xor = logical("logical_xor", "LogicalXor", np.logical_xor)
logical_not = logical("logical_not", "LogicalNot", np.logical_not, batchable=True)
bitwise_and = binary("bitwise_and", "BitwiseAnd", np.bitwise_and, None, INTEGERS)
bitwise_or = binary("bitwise_or", "BitwiseOr", np.bitwise_or, None, INTEGERS)
bitwise_xor = binary("bitwise_xor", "BitwiseXor", np.bitwise_xor, None, INTEGERS)
invert = unary("invert", "Invert", np.invert, None, INTEGERS)
left_shift = binary("left_shift", "LeftShift", np.left_shift, None, INTEGERS)
right_shift = binary("right_shift", "RightShift", np.right_shift, None, INTEGERS)


# ---- cast, where, add_n, clip -----------------------------------------------------------------

def _cast_grad(g, y, x, dtype):
    source = x.dtype
    if source.kind in ("float", "complex") and g.dtype.kind in ("float", "complex"):
        return cast(g, source)
    return None


cast_op = Op("Cast", lambda x, dtype: np.asarray(x).astype(dtype, copy=False)[()], (_cast_grad,),
              batchable=True)


def cast(x: Any, dtype: Any, name: str | None = None):
    """`tf.cast`: a tensor of `dtype`; floats to integers truncate toward zero, as TF."""
    dtype = dtypes.as_dtype(dtype)
    x = tensor(x)
    if x._value.dtype == dtype._np:
        return x
    if x.dtype is dtypes.string or dtype is dtypes.string:
        raise errors.UnimplementedError(None, None, f"Cast {x.dtype.name} to {dtype.name} is not supported "
                                                    f"[Op:Cast]")
    return bind(cast_op, (x,), {"dtype": dtype._np})


def saturate_cast(value: Any, dtype: Any, name: str | None = None):
    """`tf.saturate_cast`: `cast`, after clipping to the range of `dtype` (its bounds as the largest
    values of the input's dtype that do not pass them), so that nothing wraps around."""
    dtype = dtypes.as_dtype(dtype)
    x = tensor(value)
    source = x._value.dtype
    if dtype.kind in ("float", "int", "uint") and source.kind in "fiu":
        info = np.finfo(dtype._np) if dtype.kind == "float" else np.iinfo(dtype._np)
        low, high = np.asarray(info.min).astype(source), np.asarray(info.max).astype(source)
        # (Python compares floats with ints exactly: a bound rounded past the target's is moved back)
        high = np.nextafter(high, source.type(0)) if high.item() > info.max else high
        low = np.nextafter(low, source.type(0)) if low.item() < info.min else low
        x = clip_by_value(x, Tensor(low), Tensor(high))
    return cast(x, dtype)


def _where_kernel(condition, x, y):
    return np.where(condition, x, y)


_where_op = Op("SelectV2", _where_kernel, (
    None,
    lambda g, z, c, x, y: where(c, g, 0),
    lambda g, z, c, x, y: where(c, 0, g),
))


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None):
    """`tf.where`: elements of `x` where `condition`, else of `y` (broadcasting); with only
    `condition`, the int64 coordinates of its true elements."""
    condition = tensor(condition)
    if condition.dtype is not dtypes.bool:
        if x is None and y is None:
            condition = cast(condition, dtypes.bool)
        else:
            raise errors.InvalidArgumentError(
                None, None, f"condition must be a bool tensor, got {condition.dtype.name} [Op:SelectV2]")
    if x is None and y is None:
        return bind(_coordinates_op, (condition,))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = operands(x, y)
    if x.dtype != y.dtype:
        raise mismatch_error(_where_op, x.dtype, 2, y.dtype)
    return bind(_where_op, (condition, x, y))


_coordinates_op = Op(
    "Where", lambda condition: np.argwhere(condition).astype(np.int64), None,
    infer=lambda condition: [AbstractValue((None, len(condition.shape)), np.dtype(np.int64))])


def _add_n_kernel(*values, out=None):
    if len(values) == 1:  # (a new array even so: a kernel taking `out` never returns its input)
        if out is None:
            return values[0].copy()
        out[...] = values[0]
        return out
    if out is None:
        total = values[0]
        for v in values[1:]:
            total = total + v
        return total
    np.add(values[0], values[1], out=out)
    for v in values[2:]:
        out += v
    return out


def add_n(inputs: Any, name: str | None = None):
    """`tf.math.add_n`: the elementwise sum of a list of tensors of one shape and dtype."""
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    inputs = [tensor(t) for t in inputs]
    first = inputs[0]
    for i, t in enumerate(inputs):
        if t.dtype != first.dtype:
            raise mismatch_error(ADD_N, first.dtype, i, t.dtype)
        if t.shape != first.shape:
            raise errors.InvalidArgumentError(
                None, None, f"Inputs to operation AddN must have the same size and shape. Input 0: "
                            f"{first.shape} != input {i}: {t.shape} [Op:AddN]")
    if len(inputs) == 1:
        return first
    return bind(ADD_N, tuple(inputs))




def _emit_add_n(eq, expression, name):
    """Generated code for AddN: the inputs added left to right, as the kernel does."""
    return [f"{eq.outputs[0]._name} = {' + '.join(map(expression, eq.inputs))}"]


def _add_n_grad(i, g, y, *inputs):
    return g


ADD_N = Op("AddN", _add_n_kernel, _add_n_grad, variadic=True, emit=_emit_add_n)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None):
    """`tf.clip_by_value`: `t` limited to [min, max]; the gradient passes where t is inside or on
    a boundary; bounds may broadcast against `t` but not widen it (TensorFlow's ValueError)."""
    t = tensor(t)
    clipped = maximum(minimum(t, clip_value_max), clip_value_min)
    if not t.shape.is_compatible_with(clipped.shape):
        raise ValueError(f"Shapes {t.shape} and {clipped.shape} are incompatible")
    return clipped
