"""`tf.print`: prints tensors with TensorFlow's formatting, to standard error by default.

Other values print as their Python repr, and structures like Python's (`(-2, 1)`, `[1, 2]`,
`{'a': 1}`, dicts by sorted key) with each tensor replaced by its formatted value; only top-level
strings print bare.
"""

from __future__ import annotations

import sys
from typing import Any

from tapeflow.framework.formatting import format_for_print
from tapeflow.framework.tensor import TensorLike

_STDERR, _STDOUT = sys.stderr, sys.stdout


def _text(value: Any, summarize: int, top: bool) -> str:
    if isinstance(value, TensorLike):
        return format_for_print(value._numpy_value(), summarize, quote_strings=not top)
    if isinstance(value, str) and top:
        return value
    if isinstance(value, list):
        return "[" + ", ".join(_text(v, summarize, False) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_text(v, summarize, False) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        keys = sorted(value, key=repr) if not all(isinstance(k, str) for k in value) else sorted(value)
        return "{" + ", ".join(f"{k!r}: {_text(value[k], summarize, False)}" for k in keys) + "}"
    return repr(value)


def print_v2(*inputs: Any, output_stream: Any = sys.stderr, summarize: int = 3, sep: str = " ",
             end: str = "\n", name: str | None = None) -> None:
    """`tf.print`: print `inputs` separated by `sep`; `summarize` elements per axis end (-1: all)."""
    if summarize is None or summarize < 0:
        summarize = -1
    text = sep.join(_text(v, summarize, True) for v in inputs) + end
    stream = output_stream
    if stream is _STDERR or stream == "stderr":  # resolved now, so redirections of sys.stderr apply
        stream = sys.stderr
    elif stream is _STDOUT or stream == "stdout":
        stream = sys.stdout
    stream.write(text)
    stream.flush()
