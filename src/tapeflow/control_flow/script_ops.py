"""`tf.py_function` and `tf.numpy_function`: arbitrary Python as an op that runs on every call.

The Python function `func` is the op's kernel. Eagerly it runs at once; inside a `tf.function` the
op is an effectful equation, so the compiled code calls `func` on every call, in program order,
while the trace itself happens once. `func` always runs as eager code: no trace and no tape sees the
ops inside it. `py_function` hands `func` eager tensors and converts what it returns to the dtypes
`Tout` names (TensorFlow's conversion rules); `numpy_function` hands it NumPy arrays and, inside a
function, wants arrays of exactly those dtypes back. Eagerly, `numpy_function` is a plain call of
`func` whose results become tensors whatever `Tout` says, as in TensorFlow.

Result shapes while tracing. As in TensorFlow, `func` is not called while tracing: its results have
the dtypes `Tout` names and an unknown shape (not even the rank: `y.shape` is `<unknown>`), which
`y.set_shape(...)` or `tf.ensure_shape` make known; the ops they feed infer what they can
(graph/ir.py). So `func`'s prints and other side effects happen once per call, in program order. The
gradient op's results have its inputs' shapes.

Gradients. `py_function` is differentiable like TensorFlow's: the rule for an input is another
`py_function` that reruns `func` under a `GradientTape` on the same inputs and returns the
vector-Jacobian products of all its floating inputs, so it works eagerly, inside traced backward
passes, and to any order (TensorFlow stops at first order). `func` therefore runs again, once, when
gradients are taken. Variables that `func` reads are not differentiated (their gradient is None), and
results that do not come from tapeflow ops on the inputs (NumPy, `.numpy()`) give zero gradients.
`numpy_function` has no gradient: None, as in TensorFlow.

Errors. An exception from `func` becomes the `tf.errors` type TensorFlow maps it to (ValueError and
TypeError: InvalidArgumentError; StopIteration: OutOfRangeError; MemoryError: ResourceExhaustedError;
NotImplementedError: UnimplementedError; anything else: UnknownError), chained to the original.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor, to_array
from tapeflow.core.op import PYTHON, Op, bind
from tapeflow.core.state import current, paused
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops.creation_ops import zeros_like

__all__ = ["numpy_function", "py_function"]

_ERROR_TYPES = (
    ((ValueError, TypeError), errors.InvalidArgumentError),
    (StopIteration, errors.OutOfRangeError),
    (MemoryError, errors.ResourceExhaustedError),
    (NotImplementedError, errors.UnimplementedError),
)


def _op_error(cause: BaseException, op_name: str) -> errors.OpError:
    """TensorFlow's error for an exception raised by the Python function of a script op."""
    kind = next((kind for types, kind in _ERROR_TYPES if isinstance(cause, types)), errors.UnknownError)
    return kind(None, None, f"{type(cause).__name__}: {cause} [Op:{op_name}]")


def _func_name(func: Callable) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _as_list(result: Any) -> list:
    """What `func` returned, as a list of results: a list or tuple is several, None is none."""
    if isinstance(result, list | tuple):
        return list(result)
    return [] if result is None else [result]


# ---- converting what func returns ---------------------------------------------------------------


def _tensor_result(value: Any, dtype: dtypes.DType, index: int, op_name: str) -> Any:
    """py_function: TensorFlow's conversion to `dtype` (NumPy values are cast, tensors must match)."""
    try:
        result = convert_to_tensor(value, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise _op_error(e, op_name) from e
    if type(result) is not Tensor:
        raise errors.InvalidArgumentError(
            None, None, f"Result {index} of the function is a symbolic tensor: a py_function must "
                        f"return values computed eagerly from its arguments. [Op:{op_name}]")
    return result._value


def _array_result(value: Any, dtype: dtypes.DType, index: int, op_name: str) -> Any:
    """numpy_function inside a function: an array that already has exactly `dtype`."""
    array = np.asarray(value)
    if dtype is dtypes.string and array.dtype.kind in "SUO":
        return to_array(array, dtype)
    if array.dtype != dtype._np:
        got = dtypes.from_numpy(array.dtype).name if array.dtype.kind in "biufc" else str(array.dtype)
        raise errors.InvalidArgumentError(
            None, None, f"{index}-th value returned by the function is {got}, but expects {dtype.name} "
                        f"[Op:{op_name}]")
    return array[()]


def _run(op_name: str, func: Callable, args: list, Tout: tuple, exact_count: bool,
         convert: Callable) -> tuple:
    """Call `func` eagerly on `args` and convert its results to `Tout`."""
    with paused():  # plain eager code: no graph being traced, no tape of this thread recording
        try:
            results = _as_list(func(*args))
        except Exception as e:
            raise _op_error(e, op_name) from e
    if len(results) < len(Tout) or (exact_count and len(results) != len(Tout)):
        raise errors.InvalidArgumentError(
            None, None, f"{_func_name(func)} returns {len(results)} values, but expects to see "
                        f"{len(Tout)} values. [Op:{op_name}]")
    return tuple(convert(v, d, i, op_name) for i, (v, d) in enumerate(zip(results, Tout)))


def _eager_py_func_kernel(*values: Any, func: Callable, Tout: tuple, shapes: tuple | None) -> tuple:
    return _run("EagerPyFunc", func, [Tensor(v) for v in values], Tout, False, _tensor_result)


def _py_func_kernel(*values: Any, func: Callable, Tout: tuple, shapes: tuple | None) -> tuple:
    return _run("PyFunc", func, [np.array(v) for v in values], Tout, True, _array_result)


def _infer(*values: Any, func: Callable, Tout: tuple, shapes: tuple | None) -> list[AbstractValue]:
    """`Tout`'s dtypes; the shapes the caller knows (a gradient's: its inputs'), else unknown."""
    return [AbstractValue(None if shapes is None else shapes[i], dtype._np)
            for i, dtype in enumerate(Tout)]


# ---- the ops ------------------------------------------------------------------------------------


def py_function_gradients(g: tuple, y: tuple, *inputs: Any, func: Callable, Tout: tuple,
                           shapes: tuple | None) -> list:
    """All inputs' gradients (a joint rule): one py_function that reruns `func` under a tape on the
    same inputs and returns the vector-Jacobian product for each floating input (None for others)."""
    n = len(inputs)
    wanted = [k for k, x in enumerate(inputs) if x.dtype.kind in ("float", "complex")]
    if not wanted:
        return [None] * n

    def vjp(*args: Any) -> list:
        xs, seeds = args[:n], args[n:]
        sources = [xs[k] for k in wanted]
        with GradientTape() as tape:
            tape.watch(sources)
            results = _as_list(func(*xs))[: len(Tout)]
        pairs = [(r, s) for r, s in zip(results, seeds)
                 if isinstance(r, TensorLike) and r.dtype.kind in ("float", "complex")]
        if not pairs:
            return [zeros_like(x) for x in sources]
        return tape.gradient([r for r, _ in pairs], sources, output_gradients=[s for _, s in pairs],
                             unconnected_gradients="zero")

    vjp.__name__ = f"{_func_name(func)}_gradient"
    grads = _bind_py_function(vjp, (*inputs, *g), tuple(inputs[k].dtype for k in wanted),
                              tuple(tuple(inputs[k]._value.shape) for k in wanted))
    given = dict(zip(wanted, grads))
    return [given.get(k) for k in range(n)]


_EAGER_PY_FUNC = Op("EagerPyFunc", _eager_py_func_kernel, joint=py_function_gradients, variadic=True,
                    multiple_results=True, effect=PYTHON, infer=_infer)


_PY_FUNC = Op("PyFunc", _py_func_kernel, None, multiple_results=True, effect=PYTHON, infer=_infer)
_PY_FUNC_STATELESS = Op("PyFuncStateless", _py_func_kernel, None, multiple_results=True, infer=_infer)


def _bind(op: Op, func: Callable, inputs: tuple, Tout: tuple, shapes: tuple | None) -> tuple:
    """Apply a script op; `shapes`, where known, are its results' (else unknown while tracing)."""
    return bind(op, inputs, {"func": func, "Tout": Tout, "shapes": shapes})


def _bind_py_function(func: Callable, inputs: tuple, Tout: tuple, shapes: tuple | None = None) -> tuple:
    return _bind(_EAGER_PY_FUNC, func, inputs, Tout, shapes)


# ---- the public functions -----------------------------------------------------------------------


def _decorator_or_check(script_op: Callable, op_name: str, func: Any, inp: Any, Tout: Any,
                        **kwargs: Any) -> Callable | None:
    """TensorFlow's argument checks; with `func=None`, the decorator `@op_name(Tout=...)`."""
    if Tout is None:
        raise TypeError(f"Missing required argument: 'Tout'\n  If using {op_name} as a decorator, set "
                        f"`Tout`\n  **by name** above the function:\n  `@{op_name}(Tout=tout)`")
    if func is None:
        if inp is not None:
            raise TypeError(f"Don't set the `inp` argument when using {op_name} as a decorator "
                            f"(`func=None`).")

        def decorator(fun: Callable) -> Callable:
            @functools.wraps(fun)
            def wrapper(*args: Any) -> Any:
                return script_op(fun, list(args), Tout, **kwargs)

            return wrapper

        return decorator
    if inp is None:
        raise TypeError(f"Missing argument `inp`:\n  You must set the `inp` argument (the list of arguments "
                        f"to the\n  function), unless you use `{op_name}` as a decorator (`func=None`).")
    return None


def _checked(func: Any, inp: Any, Tout: Any) -> tuple[tuple, tuple, bool]:
    """The inputs as tensors, `Tout` as a tuple of dtypes, and whether the caller gets a list."""
    if not callable(func):
        raise ValueError(f"Expected func to be callable. Received func={func} of type {type(func)}.")
    several = isinstance(Tout, list | tuple)
    out_dtypes = tuple(dtypes.as_dtype(t) for t in (Tout if several else [Tout]))
    return tuple(convert_to_tensor(x) for x in list(inp)), out_dtypes, several


def py_function(func: Callable | None = None, inp: Any = None, Tout: Any = None,
                name: str | None = None) -> Any:
    """`tf.py_function`: call `func` on eager tensors, on every call of a compiled function; its results
    are converted to `Tout` (one dtype: a tensor; a list or tuple of dtypes: a list of tensors)."""
    decorator = _decorator_or_check(py_function, "tf.py_function", func, inp, Tout, name=name)
    if decorator is not None:
        return decorator
    inputs, out_dtypes, several = _checked(func, inp, Tout)
    results = _bind_py_function(func, inputs, out_dtypes)
    return list(results) if several else results[0]


def numpy_function(func: Callable | None = None, inp: Any = None, Tout: Any = None, stateful: bool = True,
                   name: str | None = None) -> Any:
    """`tf.numpy_function`: call `func` on NumPy arrays (not differentiable). Eagerly, a plain call whose
    results become tensors; inside a function, an op that must return exactly `Tout`; with
    `stateful=False` the op counts as pure (it may be merged with an identical call or dropped if unused)."""
    decorator = _decorator_or_check(numpy_function, "tf.numpy_function", func, inp, Tout,
                                    stateful=stateful, name=name)
    if decorator is not None:
        return decorator
    if not current().graphs:
        results = [None if r is None else convert_to_tensor(r)
                   for r in nest.flatten(func(*(np.array(x) for x in inp)))]
        return results[0] if len(results) == 1 else results
    inputs, out_dtypes, several = _checked(func, inp, Tout)
    results = _bind(_PY_FUNC if stateful else _PY_FUNC_STATELESS, func, inputs, out_dtypes, None)
    return list(results) if several else results[0]
