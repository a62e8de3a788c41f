"""Compiling a graph to the source of one plain Python function that calls the kernels directly.

Each equation becomes one line, `v7 = Mul_3(v5, v6)  # float32[2, 3]`, in program order (control
flow writes a real `if` or `while` around calls of its compiled subgraphs); a large intermediate
value is written into a buffer the function keeps between calls, `v7 = Mul_3(v5, v6, b0)`
(graph/buffer_plan.py says which). Kernels,
parameters, constants and captured variables are names in the function's globals; a variable is
read as `var._value` at the point where the traced code read it. The source is registered with
`linecache`, so tracebacks and `inspect.getsource` show it.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.buffer_plan import BufferPlan, plan
from tapeflow.graph.ir import Graph

_serial = itertools.count()
KEPT_SETS = 4  # sets of buffers a function keeps between calls (more only while calls run at once)


class _Names:
    """The globals of the generated function: one readable name per kernel, constant and variable."""

    def __init__(self):
        self.values: dict[str, Any] = {}
        self._by_id: dict[int, str] = {}

    def name(self, obj: Any, stem: str) -> str:
        known = self._by_id.get(id(obj))
        if known is None:
            known = self._by_id[id(obj)] = f"{stem}_{len(self._by_id)}"
            self.values[known] = obj
        return known


def _identifier(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else "_" for c in text)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"f_{cleaned}"


def generate(graph: Graph) -> tuple[str, dict]:
    """The source of `graph` as a Python function of its inputs' values, and its globals."""
    names = _Names()
    function_name = _identifier(graph.name)
    lines = [f"def {function_name}({', '.join(x._name for x in graph.inputs)}):"]
    for x in graph.inputs:
        lines.append(f"    # {x._name}: {x._value!r}")
    buffers = plan(graph)
    held = "".join(f"b{slot}, " for slot in range(len(buffers.slots)))
    if held:  # (a set of buffers per running call: see graph/buffer_plan.py)
        free = names.name([], "free")
        lines += ["    try:", f"        {held}= {free}.pop()", "    except IndexError:",
                  f"        {held}= {names.name(_maker(buffers), 'new')}()"]

    def expression(x: Any) -> str:
        if type(x) is SymbolicTensor:
            return x._name
        if type(x) is Tensor:
            return names.name(x._value, "const")
        if x is None:
            return "None"
        return f"{names.name(x, 'var')}._value"  # a variable, read now

    for index, eq in enumerate(graph.equations):
        shapes = ", ".join(repr(o._value) for o in eq.outputs)
        slot = buffers.slot_of.get(index)  # (a buffered value: its kernel called with the buffer)
        if eq.op.infix is not None and slot is None:  # `v3 = v1 * v2`: the operator is the kernel's ufunc
            left, right = map(expression, eq.inputs)
            lines.append(f"    {eq.outputs[0]._name} = {left} {eq.op.infix} {right}  # {shapes}")
            continue
        if eq.op.emit is not None and slot is None:  # variable reads and writes, control flow: their own code
            emitted = eq.op.emit(eq, expression, names.name)
            if len(emitted) == 1:
                lines.append(f"    {emitted[0]}" + (f"  # {shapes}" if eq.outputs else ""))
            else:
                lines.append(f"    # {', '.join(o._name for o in eq.outputs)} = {eq.op.name}: {shapes}")
                lines.extend("    " + line for line in emitted)
            continue
        arguments = [expression(x) for x in eq.inputs]
        if slot is not None:  # `v4 = add_3(v2, v3, b0)`: written into buffer b0
            arguments.append(f"b{slot}" if type(eq.op.kernel) is np.ufunc else f"out=b{slot}")
        if eq.params:
            arguments.append(f"**{names.name(eq.params, 'params')}")
        call = f"{names.name(eq.op.kernel, _identifier(eq.op.name))}({', '.join(arguments)})"
        if not eq.outputs:
            lines.append(f"    {call}")
            continue
        targets = ", ".join(o._name for o in eq.outputs)
        if eq.op.multiple_results:
            targets += ","
        lines.append(f"    {targets} = {call}  # {shapes}")
    if held:  # (kept for the next call, unless calls running at once made more sets than that)
        lines.append(f"    len({free}) < {KEPT_SETS} and {free}.append(({held}))")
    lines.append(f"    return ({''.join(expression(x) + ', ' for x in graph.outputs)})")
    return "\n".join(lines) + "\n", names.values


def _maker(buffers: BufferPlan) -> Callable[[], tuple]:
    """A function making one new set of the plan's buffers."""
    slots = tuple(buffers.slots)
    return lambda: tuple(np.empty(shape, dtype) for shape, dtype in slots)


def compile_graph(graph: Graph) -> tuple[Callable, str]:
    """The graph as a Python function (and its source), registered so that tracebacks show it."""
    source, namespace = generate(graph)
    filename = f"<tapeflow function {graph.name} #{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace["__name__"] = "tapeflow.compiled"  # NumPy's overflow warnings are silenced, as eagerly
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated source
    return namespace[_identifier(graph.name)], source
