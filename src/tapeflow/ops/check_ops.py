"""Run-time checks: `tf.debugging.assert_*`, `tf.Assert`, `tf.debugging.check_numerics` and
`tf.ensure_shape`, with TensorFlow's errors and messages.

A check is an op with an "assert" effect: eagerly it raises at once; inside a compiled function it
runs on every call, in program order, and raises `InvalidArgumentError` from the values of that call.
Checks that only need static facts (ranks, dtypes) raise while tracing, as TensorFlow's do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.op import ASSERT, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.declare import operands, tensor

__all__ = ["Assert", "assert_all_finite", "assert_equal", "assert_greater", "assert_greater_equal",
           "assert_less", "assert_less_equal", "assert_near", "assert_negative", "assert_non_negative",
           "assert_non_positive", "assert_none_equal", "assert_positive", "assert_rank",
           "assert_rank_at_least", "assert_rank_in", "assert_integer", "assert_same_float_dtype",
           "is_numeric_tensor", "assert_proper_iterable",
           "assert_scalar", "assert_type", "check_numerics", "ensure_shape"]


def _no_results(*values: Any, **params: Any) -> list:
    return []


# ---- comparisons of two tensors --------------------------------------------------------------------

_COMPARE = {"==": np.equal, "!=": np.not_equal, ">": np.greater, ">=": np.greater_equal, "<": np.less,
            "<=": np.less_equal}
_OP_NAMES = {"==": "Equal", "!=": "NotEqual", ">": "Greater", ">=": "GreaterEqual", "<": "Less",
             "<=": "LessEqual"}


def _compare_kernel(x, y, symbol, message, summarize):
    try:
        held = _COMPARE[symbol](x, y)
    except ValueError:
        shapes = f"{list(np.shape(x))} vs. {list(np.shape(y))}"
        raise errors.InvalidArgumentError(None, None,
                                          f"Incompatible shapes: {shapes} [Op:{_OP_NAMES[symbol]}]") from None
    if np.all(held):
        return ()
    x, y = np.broadcast_arrays(x, y)
    failed = np.argwhere(~np.broadcast_to(held, x.shape))[:summarize]
    lines = [message] if message else []
    lines += [f"Condition x {symbol} y did not hold.", f"Indices of first {len(failed)} different values:",
              str(failed), "Corresponding x values:", str(x[tuple(failed.T)]), "Corresponding y values:",
              str(y[tuple(failed.T)]), f"First {min(summarize, x.size)} elements of x:",
              str(x.reshape(-1)[:summarize]), f"First {min(summarize, y.size)} elements of y:",
              str(y.reshape(-1)[:summarize])]
    raise errors.InvalidArgumentError(None, None, "\n".join(lines))


def _check_op(kernel: Any) -> Op:
    """An op that checks its inputs and gives no results."""
    return Op("Assert", kernel, None, multiple_results=True, effect=ASSERT, infer=_no_results)


_compare_op = _check_op(_compare_kernel)


def _asserting(symbol: str):
    def check(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
              name: str | None = None) -> None:
        x, y = operands(x, y)
        bind(_compare_op, (x, y), {"symbol": symbol, "message": message or "", "summarize": summarize or 3})

    words = {"==": "equal", "!=": "none_equal", ">": "greater", ">=": "greater_equal", "<": "less",
             "<=": "less_equal"}
    check.__name__ = check.__qualname__ = "assert_" + words[symbol]
    check.__doc__ = f"`tf.debugging.{check.__name__}`: raise `InvalidArgumentError` unless x {symbol} y " \
                    f"for every element (broadcast), naming the first elements that fail."
    return check


assert_equal = _asserting("==")
assert_none_equal = _asserting("!=")
assert_greater = _asserting(">")
assert_greater_equal = _asserting(">=")
assert_less = _asserting("<")
assert_less_equal = _asserting("<=")


def _near_kernel(x, y, rtol, atol, message, summarize):
    if np.all(np.abs(x - y) <= atol + rtol * np.abs(y)):
        return ()
    name = dtypes.from_numpy(x.dtype).name
    raise errors.InvalidArgumentError(
        None, None, f"{message}\nx and y not equal to tolerance rtol = {rtol}, atol = {atol}\n"
                    f"x (shape={np.shape(x)} dtype={name}) = {np.ravel(x)[:summarize]}\n"
                    f"y (shape={np.shape(y)} dtype={name}) = {np.ravel(y)[:summarize]}")


_near_op = _check_op(_near_kernel)


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None, message: str | None = None,
                summarize: int | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_near`: |x - y| <= atol + rtol |y| everywhere, the tolerances by default
    ten machine epsilons of the dtype (TensorFlow's)."""
    x, y = operands(x, y)
    default = 10 * float(np.finfo(x._value.dtype).eps) if x.dtype.kind in ("float", "complex") else 0.0
    bind(_near_op, (x, y), {"rtol": default if rtol is None else float(rtol),
                            "atol": default if atol is None else float(atol),
                            "message": message or "", "summarize": summarize or 3})


# ---- the sign of every element ------------------------------------------------------------------------

def _sign_kernel(x, symbol, message):
    if np.all(_COMPARE[symbol](x, 0)):
        return ()
    values = [str(v) for v in np.asarray(x, np.float64 if x.dtype.kind == "f" else x.dtype).reshape(-1)]
    raise errors.InvalidArgumentError(
        None, None, f"{message}\nCondition x {symbol} 0 did not hold element-wise:\nx (shape={np.shape(x)} "
                    f"dtype={dtypes.from_numpy(x.dtype).name}) = \n{values}")


_sign_op = _check_op(_sign_kernel)


def _signed(symbol: str, name: str):
    def check(x: Any, message: str | None = None, summarize: int | None = None,
              name: str | None = None) -> None:
        bind(_sign_op, (tensor(x),), {"symbol": symbol, "message": message or ""})

    check.__name__ = check.__qualname__ = name
    check.__doc__ = f"`tf.debugging.{name}`: raise `InvalidArgumentError` unless x {symbol} 0 everywhere."
    return check


assert_positive = _signed(">", "assert_positive")
assert_non_negative = _signed(">=", "assert_non_negative")
assert_negative = _signed("<", "assert_negative")
assert_non_positive = _signed("<=", "assert_non_positive")


# ---- finite values ----------------------------------------------------------------------------------

def _check_numerics_kernel(x, message):
    for test, what in ((np.isnan, "NaN"), (np.isinf, "Inf")):
        if test(x).any():
            raise errors.InvalidArgumentError(None, None,
                                              f"{message} : Tensor had {what} values [Op:CheckNumerics]")
    return x


_check_numerics_op = Op("CheckNumerics", _check_numerics_kernel, (lambda g, y, x, message: g,),
                        effect=ASSERT, infer=lambda x, message: [AbstractValue(x.shape, x.dtype)])


def check_numerics(tensor_: Any, message: str, name: str | None = None) -> Any:
    """`tf.debugging.check_numerics`: the tensor itself, or `InvalidArgumentError` if it holds a NaN or
    an infinity; its gradient passes through."""
    x = tensor(tensor_)
    if x.dtype.kind != "float":
        raise TypeError(f"Value for attr 'T' of {x.dtype.name} is not in the list of allowed values: half, "
                        f"bfloat16, float, double")
    return bind(_check_numerics_op, (x,), {"message": message})


def assert_all_finite(x: Any, message: str, name: str | None = None) -> Any:
    """`tf.debugging.assert_all_finite`: `check_numerics` under its other name."""
    return check_numerics(x, message)


# ---- a condition with data ------------------------------------------------------------------------------

def _assert_kernel(condition, *data, texts, summarize):
    if bool(condition):
        return ()
    items = iter(data)
    shown = [repr(t.encode()) if t is not None else ", ".join(map(str, np.ravel(next(items))[:summarize]))
             for t in texts]
    raise errors.InvalidArgumentError(
        None, None, "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
                    + "\n".join(shown))


def Assert(condition: Any, data: list, summarize: int | None = None, name: str | None = None) -> None:  # noqa: N802
    """`tf.Assert`: raise `InvalidArgumentError` showing `data` (tensors and strings) if `condition`,
    a scalar bool, is False."""
    condition = tensor(condition)
    if condition.dtype is not dtypes.bool or condition._value.shape != ():
        raise ValueError(f"Condition must be a scalar bool tensor, got {condition.dtype.name}"
                         f"{list(condition._value.shape)}")
    texts = tuple(d if isinstance(d, str) else None for d in data)
    tensors = tuple(tensor(d) for d in data if not isinstance(d, str))
    params = {"texts": texts, "summarize": 3 if summarize is None else summarize}
    bind(_ASSERT_OP, (condition, *tensors), params)


# ---- static facts: rank, dtype, shape ----------------------------------------------------------------

def assert_rank(x: Any, rank: int, message: str | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_rank`: ValueError unless x has rank `rank` (a fact known while tracing)."""
    x = tensor(x)
    if x._value.ndim != int(rank):
        raise ValueError(f"{message + '.  ' if message else ''}Tensor  must have rank {int(rank)}.  Received "
                         f"rank {x._value.ndim}, shape {TensorShape(x._value.shape)}")


def assert_rank_at_least(x: Any, rank: int, message: str | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_rank_at_least`: ValueError if x's rank is less than `rank`."""
    x = tensor(x)
    if x._value.ndim < int(rank):
        raise ValueError(f"{message + '.  ' if message else ''}Tensor  must have rank at least {int(rank)}.  "
                         f"Received rank {x._value.ndim}, shape {TensorShape(x._value.shape)}")


def assert_rank_in(x: Any, ranks: Any, message: str | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_rank_in`: ValueError unless x's rank is one of `ranks`."""
    x, ranks = tensor(x), tuple(int(r) for r in ranks)
    if x._value.ndim not in ranks:
        raise ValueError(f"{message + '.  ' if message else ''}Tensor  must have rank in {ranks}.  Received "
                         f"rank {x._value.ndim}, shape {TensorShape(x._value.shape)}")


def assert_integer(x: Any, message: str | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_integer`: TypeError unless x's dtype is an integer type."""
    x = tensor(x)
    if not x.dtype.is_integer:
        raise TypeError(f"{message + '.  ' if message else ''}Expected \"x\" to be integer type.  "
                        f"Found: tensor of dtype {x.dtype}")


def assert_same_float_dtype(tensors: Any = None, dtype: Any = None) -> dtypes.DType:
    """`tf.debugging.assert_same_float_dtype`: the one floating dtype of `tensors` (and `dtype`);
    ValueError if they differ or it is not floating; float32 when there is nothing to look at."""
    first = None
    for t in tensors or ():
        if dtype is None:
            first, dtype = t, t.dtype
        elif t.dtype != dtype:
            raise ValueError(f"{t!s}, type={t.dtype}, must be of the same type ({dtype}) as {first!s}.")
    if dtype is None:
        return dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def is_numeric_tensor(tensor_: Any) -> bool:
    """`tf.debugging.is_numeric_tensor`: a tensor of a numeric dtype (not bool, not string)."""
    return isinstance(tensor_, TensorLike) and tensor_.dtype in dtypes.NUMERIC


def assert_proper_iterable(values: Any) -> None:
    """`tf.debugging.assert_proper_iterable`: TypeError for what iterates but is one value (a tensor,
    an array, a string) and for what does not iterate."""
    if isinstance(values, TensorLike | np.ndarray | str | bytes):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: {type(values)}')
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def assert_scalar(tensor_: Any, message: str | None = None, name: str | None = None) -> Any:
    """`tf.debugging.assert_scalar`: the tensor, or ValueError unless it has rank 0."""
    x = tensor(tensor_)
    if x._value.ndim:
        raise ValueError(f"{message + '  ' if message else ''}Expected scalar shape, saw shape: "
                         f"{TensorShape(x._value.shape)}.")
    return x


def assert_type(tensor_: Any, tf_type: Any, message: str | None = None, name: str | None = None) -> None:
    """`tf.debugging.assert_type`: TypeError unless the tensor has dtype `tf_type`."""
    dtype = dtypes.as_dtype(tf_type)
    got = tensor_.dtype if isinstance(tensor_, TensorLike) else tensor(tensor_).dtype
    if got != dtype:
        raise TypeError(f"{message + ' ' if message else ''}tensor must be of type {dtype!r}; got {got!r}")


def _ensure_shape_kernel(x, shape):
    if not TensorShape(shape).is_compatible_with(np.shape(x)):
        raise errors.InvalidArgumentError(
            None, None, f"Shape of tensor input {list(np.shape(x))} is not compatible with expected shape "
                        f"{list(shape)}. [Op:EnsureShape]")
    return x


def _ensure_shape_infer(x: AbstractValue, shape: tuple) -> list[AbstractValue]:
    if x.shape is None:
        return [AbstractValue(shape, x.dtype)]
    merged = tuple(s if s is not None else d for s, d in zip(shape, x.shape))
    return [AbstractValue(merged, x.dtype)]


_ensure_shape_op = Op("EnsureShape", _ensure_shape_kernel, (lambda g, y, x, shape: g,), effect=ASSERT,
                      infer=_ensure_shape_infer)


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Any:
    """`tf.ensure_shape`: x, checked to have a shape compatible with `shape` — at once where the
    shape is known, else when the code runs; the result has the more specific of the two shapes."""
    x = tensor(x)
    shape = TensorShape(shape)
    if shape.rank is None:
        return x
    known = x.shape
    if known.rank is not None and known.rank != shape.rank:
        if isinstance(x._value, AbstractValue):
            raise ValueError(f"Shape must be rank {shape.rank} but is rank {known.rank} for '{{{{node "
                             f"EnsureShape}}}}' with input shapes: {known}.")
    elif known.rank is not None and isinstance(x._value, AbstractValue):
        for i, (a, b) in enumerate(zip(known.as_list(), shape.as_list())):
            if a is not None and b is not None and a != b:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {b} and {a}. Shapes "
                                 f"are {shape.as_list()} and {known.as_list()}.")
    return bind(_ensure_shape_op, (x,), {"shape": tuple(shape.as_list())})


_ASSERT_OP = Op("Assert", _assert_kernel, variadic=True, multiple_results=True, effect=ASSERT,
                infer=_no_results)
