"""`tf.test.compute_gradient`: the Jacobian by the tape beside the Jacobian by finite differences.

For each argument `x` of `f`, both Jacobians are 2-D arrays with one row per element of `f`'s
output and one column per element of `x`. The tape's Jacobian is built a row at a time (an
output gradient that is one-hot on that element); the numerical one a column at a time by central
differences with step `delta` (default 1/1024: exact in binary, which keeps rounding noise low).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import Tensor


def _theoretical(f: Callable, xs: list, param: int, y: Tensor) -> np.ndarray:
    x = xs[param]
    y_size = int(np.size(y._value))
    jacobian = np.zeros((y_size, int(np.size(x._value))), dtype=x._value.dtype)
    seed = np.zeros(np.shape(y._value), dtype=y._value.dtype)
    for row in range(y_size):
        seed.reshape(-1)[row] = 1
        with GradientTape() as tape:
            tape.watch(x)
            out = f(*xs)
        grad = tape.gradient(out, x, output_gradients=Tensor(seed.copy()))
        if grad is not None:
            jacobian[row] = np.asarray(convert_to_tensor(grad)._value).reshape(-1)
        seed.reshape(-1)[row] = 0
    return jacobian


def _numerical(f: Callable, xs: list, param: int, y: Tensor, delta: float) -> np.ndarray:
    x = np.array(xs[param]._value)
    flat = x.reshape(-1)
    jacobian = np.zeros((int(np.size(y._value)), flat.size), dtype=x.dtype)
    args = list(xs)

    def evaluate() -> np.ndarray:
        args[param] = Tensor(x.copy())
        return np.asarray(convert_to_tensor(f(*args))._value, dtype=np.float64).reshape(-1)

    for col in range(flat.size):
        original = flat[col]
        flat[col] = original + delta
        above = evaluate()
        flat[col] = original - delta
        below = evaluate()
        flat[col] = original
        jacobian[:, col] = (above - below) / (2 * delta)
    return jacobian


def compute_gradient(f: Callable, x: Sequence, delta: float | None = None) -> tuple[tuple, tuple]:
    """(theoretical, numerical) Jacobians of `f` at `x`, a list of arguments: one array per argument."""
    if not isinstance(x, list | tuple):
        raise ValueError("`x` must be a list or tuple of values convertible to a Tensor (arguments to `f`), "
                         f"not a {type(x)}")
    xs = [convert_to_tensor(v) for v in x]
    for v in xs:
        if v.dtype.kind != "float":
            raise TypeError(f"compute_gradient supports real floating arguments, got {v.dtype.name}")
    delta = 1.0 / 1024 if delta is None else delta
    y = convert_to_tensor(f(*xs))
    theoretical = tuple(_theoretical(f, xs, i, y) for i in range(len(xs)))
    numerical = tuple(_numerical(f, xs, i, y, delta) for i in range(len(xs)))
    return theoretical, numerical


def max_error(grad1: Sequence, grad2: Sequence) -> float:
    """The largest absolute difference between two lists of Jacobians."""
    return float(max((np.max(np.abs(a - b)) if np.size(a) else 0.0) for a, b in zip(grad1, grad2)))
