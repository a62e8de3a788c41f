"""AutoGraph's runtime: what converted code calls in place of `if`, `while`, `for`, `and`, `or`, `not`.

Each statement arrives as functions of its *state* (the names it assigns that are read later): a
branch or loop body takes the state's values and returns the new ones. With Python values the
statement runs as the Python statement would; with a tensor condition it becomes `tf.cond` or
`tf.while_loop`, after checks that name the user's variable (TensorFlow's messages): a name defined
in one branch only, a loop variable changing dtype or shape, a variable undefined before a loop.

Deciding per call, not per program, is what lets one converted function serve both worlds: `for _ in
range(3)` unrolls while tracing, `for _ in tf.range(3)` becomes a loop. Conditions that are concrete
tensors take the Python path when not tracing; while tracing, loops over tensors are always staged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from tapeflow.control_flow.cond import cond
from tapeflow.control_flow.while_loop import while_loop
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.state import current
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.creation_ops import range as tf_range
from tapeflow.ops.creation_ops import range_op, shape
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.math_ops import cast, logical_and, logical_not, logical_or

__all__ = [
    "Undefined",
    "UndefinedReturnValue",
    "and_",
    "converted_call",
    "for_stmt",
    "if_exp",
    "if_stmt",
    "ld",
    "maybe_undefined",
    "not_",
    "or_",
    "retval",
    "while_stmt",
]

_NUMBERS = (bool, int, float, np.ndarray, np.generic)
_TARGETS: dict = {}  # long-lived callable -> what converted code calls for it (`conversion.py`)


class Undefined:
    """The value of a variable not (yet) assigned: reading it raises Python's error (`ld`)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Undefined({self.name!r})"


class UndefinedReturnValue(Undefined):
    """What a function with early returns returns until one of its `return` statements runs."""

    def __init__(self):
        super().__init__("retval_")


def ld(value: Any) -> Any:
    """Read a variable that may be undefined, with Python's error if it is."""
    if isinstance(value, Undefined):
        raise UnboundLocalError(
            f"cannot access local variable '{value.name}' where it is not associated with a value"
        )
    return value


def maybe_undefined(scope: dict, name: str) -> Any:
    """The variable `name` of `scope` (a `locals()`), or `Undefined` where it is not bound."""
    return scope.get(name, Undefined(name))


def retval(value: Any) -> Any:
    """The value a converted function returns: `None` when no `return` ran."""
    return None if isinstance(value, Undefined) else value


def converted_call(f: Any, args: tuple, kwargs: dict | None) -> Any:
    """A call made by converted code: `f` converted first where it is user code (`conversion.py`
    decides, once; afterwards this is a dict lookup and the call)."""
    try:
        target = _TARGETS.get(f)
    except TypeError:  # not hashable
        target = None
    if target is None:  # not decided yet, or not kept (bound methods, closures)
        target = _CALL_TARGET[0](f)
    return target(*args) if kwargs is None else target(*args, **kwargs)


# ---- builtins that tensors change (what converted code calls for `len`, `range`, `int`, `float`) ----


def len_(x: Any) -> Any:
    """`len(x)`; for a traced tensor whose first dimension is unknown, that dimension as a tensor."""
    if type(x) is SymbolicTensor and x._value.ndim and x._value.shape[0] is None:
        return shape(x)[0]
    return len(x)


def range_(*args: Any) -> Any:
    """`range(...)`; with a traced bound, `tf.range` (a `for` loop over it is one graph loop)."""
    if any(type(a) is SymbolicTensor for a in args):
        return tf_range(*args)
    return range(*args)


def int_(x: Any = 0, *args: Any) -> Any:
    """`int(x)`; a traced tensor is cast to int32 instead, as TensorFlow's AutoGraph does."""
    return _cast_traced(x, "int32") if type(x) is SymbolicTensor and not args else int(x, *args)


def float_(x: Any = 0.0) -> Any:
    """`float(x)`; a traced tensor is cast to float32."""
    return _cast_traced(x, "float32") if type(x) is SymbolicTensor else float(x)


def _cast_traced(x: Any, dtype: str) -> Any:
    return cast(x, dtype)


def keywords(**kwargs: Any) -> dict:
    """A call's keyword arguments, with `**` unpacking: Python itself refuses a name given twice."""
    return kwargs


# What converted code calls for a callable: `conversion.call_target`, which decides whether to convert
# it. The conversion module (above this one) installs it when it loads, and every way to convert code
# goes through that module, so converted code never runs without it.
_CALL_TARGET: list = [None]


def install_call_target(call_target: Callable) -> None:
    _CALL_TARGET[0] = call_target


# ---- boolean operators --------------------------------------------------------------------------


def and_(*operands: Callable[[], Any]) -> Any:
    """`a and b and ...` with each operand a thunk: Python's short circuit, or `tf.cond` on tensors."""
    value = operands[0]()
    for operand in operands[1:]:
        if _is_symbolic(value):
            value = _cond(value, _as_tensor_thunk(operand), lambda: convert_to_tensor(False))
        elif not value:
            return value
        else:
            value = operand()
    return value


def or_(*operands: Callable[[], Any]) -> Any:
    """`a or b or ...` with each operand a thunk (see `and_`)."""
    value = operands[0]()
    for operand in operands[1:]:
        if _is_symbolic(value):
            value = _cond(value, lambda: convert_to_tensor(True), _as_tensor_thunk(operand))
        elif value:
            return value
        else:
            value = operand()
    return value


def not_(value: Any) -> Any:
    """`not x`: `tf.logical_not` for a tensor (whose truth TensorFlow will not guess)."""
    if isinstance(value, TensorLike):
        return logical_not(value)
    return not value


def if_exp(cond: Any, if_true: Callable[[], Any], if_false: Callable[[], Any]) -> Any:
    """`a if cond else b`: a `tf.cond` when `cond` is symbolic."""
    if _is_symbolic(cond):
        return _cond(cond, _as_tensor_thunk(if_true), _as_tensor_thunk(if_false))
    return if_true() if cond else if_false()


# ---- if ------------------------------------------------------------------------------------------


def if_stmt(cond: Any, body: Callable, orelse: Callable, state: tuple, names: Sequence[str]) -> tuple:
    """An `if` statement whose branches map the state to the new state."""
    if not _is_symbolic(cond):
        return body(*state) if cond else orelse(*state)
    outputs: dict[str, tuple] = {}

    def branch(fn: Callable, label: str, other: str) -> Callable[[], tuple]:
        def run() -> tuple:
            values = tuple(_as_tensor(v) for v in fn(*state))
            for name, value in zip(names, values):
                if isinstance(value, UndefinedReturnValue):
                    raise ValueError(f"the {label} branch must also have a return statement.")
                if isinstance(value, Undefined):
                    raise ValueError(f"'{name}' must also be initialized in the {label} branch")
            outputs[label] = values
            if other in outputs:
                _check_branches(names, outputs["main"], outputs["else"])
            return values

        return run

    return tuple(_cond(cond, branch(body, "main", "else"), branch(orelse, "else", "main")))


def _check_branches(names: Sequence[str], main: tuple, other: tuple) -> None:
    for name, a, b in zip(names, main, other):
        if isinstance(a, TensorLike) and isinstance(b, TensorLike) and a.dtype != b.dtype:
            raise TypeError(
                f"'{name}' has dtype {a.dtype.name} in the main branch, but dtype {b.dtype.name} in the "
                f"else branch"
            )


# ---- loops ---------------------------------------------------------------------------------------


def while_stmt(
    test: Callable, body: Callable, state: tuple, names: Sequence[str], opts: dict | None = None
) -> tuple:
    """A `while` loop: Python while its test gives a Python value (or a concrete tensor, eagerly);
    `tf.while_loop` when the first test is symbolic, or a tensor while tracing."""
    first = test(*state)
    if _is_symbolic(first) or (current().graphs and isinstance(first, TensorLike)):
        return _staged_while(test, body, state, names, opts or {})
    while first:
        state = body(*state)
        first = test(*state)
    return state


def for_stmt(
    iterated: Any,
    extra_test: Callable | None,
    body: Callable,
    state: tuple,
    names: Sequence[str],
    opts: dict | None = None,
) -> tuple:
    """A `for` loop: over a tensor while tracing, a `tf.while_loop` over its first dimension with an
    index; over anything else (Python `range`, lists, tensors eagerly), a Python loop unrolled now.
    `extra_test` (from `break` or an early `return`) is checked before each iteration."""
    if current().graphs and hasattr(iterated, "_staged_for"):  # a tf.data.Dataset: read when the code runs
        return iterated._staged_for(extra_test, body, state, names, opts or {})
    if isinstance(iterated, TensorLike) and (current().graphs or _is_symbolic(iterated)):
        bounds = _range_bounds(iterated)
        if bounds is not None:
            return _staged_range(bounds, extra_test, body, state, names, opts or {})
        return _staged_for(iterated, extra_test, body, state, names, opts or {})
    items = iter(iterated)
    while extra_test is None or extra_test(*state):
        item = next(items, items)
        if item is items:
            break
        state = body(item, *state)
    return state


def _staged_for(
    iterated: Any, extra_test: Callable | None, body: Callable, state: tuple, names: Sequence[str], opts: dict
) -> tuple:
    if not iterated.shape.rank:
        raise TypeError("Cannot iterate over a scalar tensor.")
    length = iterated.shape[0]
    if length is None:  # known when the code runs
        length = shape(iterated)[0]

    def test(index: Any, *values: Any) -> Any:
        if extra_test is None:
            return index < length
        return and_(lambda: index < length, lambda: extra_test(*values))

    def step(index: Any, *values: Any) -> tuple:
        return (index + 1, *body(gather(iterated, index), *values))

    index = convert_to_tensor(0)
    return tuple(_staged_while(test, step, (index, *state), ("<iteration index>", *names), opts)[1:])


def _range_bounds(iterated: Any) -> tuple | None:
    """(start, limit, delta) of what a `for` loop iterates, where it is a range: a traced `tf.range`
    (whose length is known only when the code runs), or a constant integer vector that counts evenly
    (`tf.range(1000)`): the loop then counts itself, with no element to look up at each iteration."""
    if type(iterated) is Tensor:
        values = iterated._value
        if values.ndim != 1 or values.dtype.kind not in "iu" or len(values) < 2:
            return None
        delta = values[1] - values[0]
        if delta == 0 or not np.array_equal(np.diff(values), np.full(len(values) - 1, delta)):
            return None
        return tuple(Tensor(v) for v in (values[0], values[-1] + delta, delta))
    if type(iterated) is not SymbolicTensor:
        return None
    equation = iterated.graph.producer(iterated)
    return equation.inputs if equation is not None and equation.op is range_op else None


def _staged_range(
    bounds: tuple, extra_test: Callable | None, body: Callable, state: tuple, names: Sequence[str],
    opts: dict,
) -> tuple:
    """`for i in tf.range(n)` with `n` known only when the code runs: a loop over `i` itself (the
    range is never made, and dead-code elimination drops its op)."""
    start, limit, delta = bounds

    def test(index: Any, *values: Any) -> Any:
        if _is_symbolic(delta):
            rising, falling = logical_and(delta > 0, index < limit), logical_and(delta < 0, index > limit)
            in_range = logical_or(rising, falling)
        else:
            in_range = index < limit if delta.numpy() > 0 else index > limit
        if extra_test is None:
            return in_range
        return and_(lambda: in_range, lambda: extra_test(*values))

    def step(index: Any, *values: Any) -> tuple:
        return (index + delta, *body(index, *values))

    return tuple(_staged_while(test, step, (start, *state), ("<iteration index>", *names), opts)[1:])


def _staged_while(test: Callable, body: Callable, state: tuple, names: Sequence[str], opts: dict) -> tuple:
    for name, value in zip(names, state):
        if isinstance(value, UndefinedReturnValue):
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may happen if a "
                "return statement depends on a static Python condition such as a hyperparameter"
            )
        if isinstance(value, Undefined):
            raise ValueError(f"'{name}' must be defined before the loop.")
    initial = tuple(_as_tensor(v) for v in state)
    invariants = _shape_invariants(initial, opts.get("shape_invariants", ()))

    def checked_body(*values: Any) -> tuple:
        new = tuple(_as_tensor(v) for v in body(*values))
        for name, before, after, invariant in zip(names, initial, new, invariants):
            _check_loop_variable(name, before, after, invariant)
        return new

    result = while_loop(
        test,
        checked_body,
        initial,
        shape_invariants=invariants,
        maximum_iterations=opts.get("maximum_iterations"),
        parallel_iterations=opts.get("parallel_iterations", 10),
        swap_memory=opts.get("swap_memory", False),
    )
    return tuple(result)


def _shape_invariants(initial: tuple, pairs: Iterable) -> tuple:
    """One shape per loop variable: its own, or the one `set_loop_options` gave (matched by identity)."""
    given = {id(var): TensorShape(shape) for var, shape in pairs}
    return tuple(given.get(id(v), v.shape) if isinstance(v, TensorLike) else None for v in initial)


def _check_loop_variable(name: str, before: Any, after: Any, invariant: TensorShape | None) -> None:
    if not (isinstance(before, TensorLike) and isinstance(after, TensorLike)):
        return
    if before.dtype != after.dtype:
        raise TypeError(
            f"'{name}' has dtype {before.dtype.name} before the loop, but dtype {after.dtype.name} after one "
            f"iteration"
        )
    if invariant == before.shape and not after.shape.is_subtype_of(before.shape):
        raise ValueError(
            f"'{name}' has shape {before.shape} before the loop, but shape {after.shape} after one "
            f"iteration. Use tf.autograph.experimental.set_loop_options to set shape invariants."
        )
    if not after.shape.is_subtype_of(invariant):
        raise ValueError(
            f"'{name}' has shape {after.shape} after one iteration, which does not conform with the shape "
            f"invariant {invariant}."
        )


# ---- helpers -------------------------------------------------------------------------------------


def _is_symbolic(value: Any) -> bool:
    """A tensor whose value is not known now: a symbolic one, or a variable read while tracing."""
    return bool(current().graphs) and isinstance(value, TensorLike) and type(value) is not Tensor


def _as_tensor(value: Any) -> Any:
    """Python numbers and NumPy values become tensors in staged control flow, as in TensorFlow."""
    return convert_to_tensor(value) if isinstance(value, _NUMBERS) else value


def _as_tensor_thunk(thunk: Callable[[], Any]) -> Callable[[], Any]:
    return lambda: _as_tensor(thunk())


def _cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    return cond(pred, true_fn, false_fn)
