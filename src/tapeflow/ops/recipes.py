"""Gradient rules written as one expression of ops, which the reverse sweep can also run on raw arrays.

A `Recipe` is a gradient rule like any other — `rule(g, y, *inputs)` applies tapeflow's own public op
functions, so an outer tape records it and second order needs nothing more — but it says what it
computes as data: an op function applied to leaves (`G`, the gradient flowing in; `Y`, the op's
output; an input's index; a Python float) or to other recipes. `Recipe(multiply, G, Recipe(cos, 0))`
is `multiply(g, cos(x))`.

When nothing can observe the rule's ops (no tape records and no graph is traced in any thread: the
caller checks) and every leaf is a concrete tensor of one real floating dtype that all its ops accept,
`quick` calls the ops' kernels on the arrays directly and wraps only the result: the kernels `bind`
would have called, on the values it would have passed (a float constant as that dtype's scalar, as
the ops convert it), so the result is the same bit for bit, without a Tensor, a conversion or a
dtype check per op. Otherwise (complex values, mixed dtypes, a kernel that raises) it returns None
and the sweep calls the rule, which behaves, and fails, as the ops do.

Both forms are generated as plain Python on a recipe's first use (`source`, registered with
`linecache` so tracebacks show it): a nested call per form.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.op import Op, bind
from tapeflow.core.tensor import Tensor

G = -2  # the gradient flowing into the op's output
Y = -1  # the op's output

_REAL_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))


class Recipe:
    """`fn(*args)` as a gradient rule (see module doc): `fn` a public op function (with its `op` and the
    NumPy dtypes it `allows`), an `Op` (bound as it is), or `conj` (nothing for real values)."""

    __slots__ = ("fn", "kernel", "args", "dtypes", "source", "rule", "quick")

    def __init__(self, fn: Callable | Op, *args: Any):
        if type(fn) is Op:
            op = fn
            self.fn = lambda *values: bind(op, values)
            self.kernel, allowed = op.kernel, _REAL_FLOATS
        elif getattr(fn, "op", None) is None:  # conj: the identity on real values
            self.fn, self.kernel, allowed = fn, None, _REAL_FLOATS
        else:
            self.fn, self.kernel, allowed = fn, fn.op.kernel, fn.allows
        self.args = args
        self.dtypes = _REAL_FLOATS & allowed  # (and what every sub-expression accepts)
        for a in args:
            if type(a) is Recipe:
                self.dtypes &= a.dtypes
        self.source = None
        self.rule, self.quick = self._on_first_use("rule"), self._on_first_use("quick")

    def _on_first_use(self, form: str) -> Callable:
        """A stand-in for `form` that generates both forms first (only top-level recipes are ever
        called, and import stays quick)."""
        def first_call(*args: Any) -> Any:
            self._generate()
            return getattr(self, form)(*args)

        return first_call

    def _generate(self) -> None:
        names: dict[str, Any] = {"Tensor": Tensor, "new": Tensor.__new__, "dtypes": self.dtypes,
                                 "__name__": __name__}  # (NumPy's warnings silenced, as in the ops)
        leaves: set[int] = set()
        rule = self._expression(names, leaves, raw=False)
        quick = self._expression(names, leaves, raw=True)
        read = "".join(f"    x{i} = inputs[{i}]\n" for i in sorted(leaves) if i >= 0)
        checks = "".join(f"    if type({_leaf(i)}) is not Tensor or {_leaf(i)}._value.dtype is not dtype:\n"
                         f"        return None\n" for i in sorted(leaves) if i != G)
        self.source = (
            f"def rule(g, y, *inputs):\n{read}    return {rule}\n\n\n"
            f"def quick(g, y, inputs):\n"
            f"    if type(g) is not Tensor:\n        return None\n"
            f"    dtype = g._value.dtype\n"
            f"    if dtype not in dtypes:\n        return None\n"
            f"{read}{checks}"
            f"    try:\n        value = {quick}\n"
            f"    except Exception:  # (the rule's ops raise their own errors)\n        return None\n"
            f"    result = new(Tensor)\n    result._value = value\n    return result\n")
        filename = f"<gradient recipe {self!r}>"
        linecache.cache[filename] = (len(self.source), None, self.source.splitlines(True), filename)
        exec(compile(self.source, filename, "exec"), names)
        self.rule, self.quick = names["rule"], names["quick"]

    def __call__(self, g: Any, y: Any, *inputs: Any) -> Any:
        """The rule in tapeflow's ops (recorded by the tapes that record, traced into a graph)."""
        return self.rule(g, y, *inputs)

    def _expression(self, names: dict, leaves: set, raw: bool) -> str:
        parts = []
        for a in self.args:
            if type(a) is Recipe:
                parts.append(a._expression(names, leaves, raw))
            elif type(a) is int:
                leaves.add(a)
                parts.append(f"{_leaf(a)}._value" if raw else _leaf(a))
            else:
                parts.append(f"dtype.type({a!r})" if raw else repr(a))
        if raw and self.kernel is None:
            return parts[0]
        name = f"f{len(names)}"
        names[name] = self.kernel if raw else self.fn
        return f"{name}({', '.join(parts)})"

    def __repr__(self) -> str:
        return f"Recipe({getattr(self.fn, '__name__', self.fn)}, {', '.join(map(repr, self.args))})"


def _leaf(i: int) -> str:
    return "g" if i == G else "y" if i == Y else f"x{i}"
