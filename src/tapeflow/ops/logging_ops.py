"""`tf.print`: prints tensors with TensorFlow's formatting, to standard error by default.

Other values print as their Python repr, and structures like Python's (`(-2, 1)`, `[1, 2]`,
`{'a': 1}`, dicts by sorted key) with each tensor replaced by its formatted value; only top-level
strings print bare. Printing is an op with an effect: inside a compiled function it prints on
every call, in program order, with the values of that call.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.core.formatting import format_for_print
from tapeflow.core.op import PRINT, Op, bind
from tapeflow.core.tensor import TensorLike
from tapeflow.ops.declare import tensor

_STDERR, _STDOUT = sys.stderr, sys.stdout


class _Printed:
    """A tensor's value inside the structure being printed (formatted as a tensor, not as Python)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _text(value: Any, summarize: int, top: bool) -> str:
    if type(value) is _Printed:
        return format_for_print(value.value, summarize, quote_strings=True)
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


def _print_kernel(*values, template, summarize, sep, end, stream):
    leaves = iter(values)
    filled = [
        nest.map_structure(lambda v: _Printed(next(leaves)) if v is _SLOT else v, item) for item in template
    ]
    if len(values) == len(template) == 1 and template[0] is _SLOT and np.ndim(values[0]) == 0:
        text = format_for_print(values[0], summarize, quote_strings=False) + end  # a lone scalar: unquoted
    else:
        text = sep.join(_text(item, summarize, True) for item in filled) + end
    if stream is _STDERR or stream == "stderr":  # resolved now, so redirections of sys.stderr apply
        stream = sys.stderr
    elif stream is _STDOUT or stream == "stdout":
        stream = sys.stdout
    stream.write(text)
    stream.flush()
    return ()


_SLOT = object()  # where a tensor goes in the template of what to print
_print_op = Op(
    "PrintV2", _print_kernel, None, multiple_results=True, effect=PRINT,
    infer=lambda *values, **params: []
)


def print_v2(
    *inputs: Any,
    output_stream: Any = sys.stderr,
    summarize: int = 3,
    sep: str = " ",
    end: str = "\n",
    name: str | None = None,
) -> None:
    """`tf.print`: print `inputs` separated by `sep`; `summarize` elements per axis end (-1: all)."""
    if summarize is None or summarize < 0:
        summarize = -1
    tensors = [tensor(leaf) for leaf in nest.flatten(list(inputs)) if isinstance(leaf, TensorLike)]
    template = [
        nest.map_structure(lambda v: _SLOT if isinstance(v, TensorLike) else v, item) for item in inputs
    ]
    bind(
        _print_op,
        tuple(tensors),
        {"template": template, "summarize": summarize, "sep": sep, "end": end, "stream": output_stream},
    )
