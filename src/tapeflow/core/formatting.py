"""How tensors read as text: `repr`/`str` (NumPy's formatting, as TensorFlow uses) and `tf.print`'s
own number format (TensorFlow's C++ one: shortest of 6 or 9 significant digits for float32, 15 or
17 for float64, whole numbers without a point, `...` summaries)."""

from __future__ import annotations

from typing import Any

import numpy as np


def _numpy_text(value: Any, is_repr: bool) -> str:
    """NumPy's text for a value; a scalar's repr is that of the Python number (TensorFlow's choice)."""
    array = np.asarray(value)
    if array.ndim == 0 and is_repr:
        text = repr(array.item())
    else:
        text = repr(array) if is_repr else str(array if array.ndim else array[()])
    return "\n" + text if "\n" in text else text


def tensor_str(t: Any) -> str:
    return f"tf.Tensor({_numpy_text(t._value, False)}, shape={t.shape}, dtype={t.dtype.name})"


def tensor_repr(t: Any) -> str:
    return f"<tf.Tensor: shape={t.shape}, dtype={t.dtype.name}, numpy={_numpy_text(t._value, True)}>"


def variable_repr(v: Any) -> str:
    return (f"<tf.Variable '{v.name}' shape={v.shape} dtype={v.dtype.name}, "
            f"numpy={_numpy_text(v._value, True)}>")


# ---- tf.print ---------------------------------------------------------------------------------

def format_scalar(value: Any) -> str:
    """One element as TensorFlow's kernels print it."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    kind = value.dtype.kind
    if kind == "f":
        return _format_float(value)
    if kind == "b":
        return "1" if value else "0"
    if kind == "c":
        return "?"  # TensorFlow's print kernel has no format for complex numbers
    return str(value)


def _format_float(value: Any) -> str:
    x = float(value)
    if np.isnan(x):
        return "-nan" if np.signbit(x) else "nan"
    if np.isinf(x):
        return "-inf" if x < 0 else "inf"
    if value.dtype.itemsize == 8:
        short, long = 15, 17
    else:  # half precision is printed as the float32 it widens to
        short, long, value = 6, 9, np.float32(value)
    text = f"{x:.{short}g}"
    if value.dtype.type(text) != value:
        text = f"{x:.{long}g}"
    return text


def format_for_print(value: Any, summarize: int, quote_strings: bool) -> str:
    """A tensor's value as `tf.print` shows it: nested brackets, `...` past `summarize` per axis."""
    array = np.asarray(value)
    if array.ndim == 0:
        text = format_scalar(array[()])
        return f'"{text}"' if quote_strings and array.dtype.kind in "OS" else text
    if array.size == 0 and array.ndim > 1 and array.shape[0]:  # (TensorFlow's text for these)
        return "[" + "\n" * (array.ndim - 1) + " ...]"
    return _format_axis(array, summarize, quote_strings, 0)


def _format_axis(array: np.ndarray, summarize: int, quote: bool, depth: int) -> str:
    n = array.shape[0]
    if 0 <= summarize and 2 * summarize < n:
        indices = list(range(summarize)) + [None] + list(range(n - summarize, n))
    else:
        indices = list(range(n))
    if array.ndim == 1:
        parts = ["..." if i is None else format_for_print(array[i], summarize, True) for i in indices]
        return "[" + (" " if summarize == 0 and n else "") + " ".join(parts) + "]"
    separator = "\n" * (array.ndim - 1) + " " * (depth + 1)
    parts = ["..." if i is None else _format_axis(array[i], summarize, quote, depth + 1) for i in indices]
    return "[" + separator.join(parts) + "]"
