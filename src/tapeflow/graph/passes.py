"""Graph optimisations. Constants fold for free while tracing (an op whose inputs are all concrete
runs at once), so the passes here are algebraic simplification (x * 1, x + 0, ... are x),
common-subexpression elimination and dead-code elimination. None touches an effectful equation
(reads, writes, prints, random draws): those keep their program order and run even when their
results are unused."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.ir import Equation, Graph


def _key(x: Any) -> Any:
    """How an input is compared: symbols by name, small constants by value, the rest by identity."""
    if type(x) is SymbolicTensor:
        return x._name
    if type(x) is Tensor and np.size(x._value) <= 16 and x._value.dtype != object:
        value = np.asarray(x._value)
        return ("const", value.dtype.str, value.shape, value.tobytes())
    return id(x)


def written_variables(graph: Graph) -> set | None:
    """The ids of the variables `graph` (and the graphs nested in it) assigns; None where it calls
    Python code, which could write any."""
    written: set = set()
    for eq in graph.equations:
        found = _writes(eq)
        if found is None:
            return None
        written |= found
    return written


def _writes(eq: Equation) -> set | None:
    """The ids of the variables one equation assigns (None: it runs Python, which may assign any)."""
    touches = eq.op.effect.variables if eq.op.effect is not None else None
    if touches == "any":
        return None
    written = {id(eq.params["variable"])} if touches == "write" else set()
    for inner in eq.params.values():
        if isinstance(inner, Graph):
            nested = written_variables(inner)
            if nested is None:
                return None
            written |= nested
    return written


def eliminate_common_subexpressions(graph: Graph) -> None:
    """An equation that repeats an earlier pure one (same op, inputs and parameters) is dropped and
    its results replaced by the earlier ones; so is a variable read with no write of that variable
    since an earlier read (an optimizer reads `iterations` once per variable it updates)."""
    seen: dict = {}
    replaced: dict[str, SymbolicTensor] = {}
    kept = []
    writes: dict[int, int] = {}  # variable id -> how many writes so far
    unknown_writes = 0  # Python code run so far, which may have written any variable
    for eq in graph.equations:
        if replaced:
            eq.inputs = tuple(replaced.get(x._name, x) if type(x) is SymbolicTensor else x for x in eq.inputs)
        effect = eq.op.effect
        if effect is not None and effect.variables == "read":
            variable = id(eq.inputs[0])
            key = ("read", variable, writes.get(variable, 0), unknown_writes)
            earlier = seen.get(key)
            if earlier is not None:
                replaced[eq.outputs[0]._name] = earlier.outputs[0]
                continue
            seen[key] = eq
        elif effect is not None:
            written = _writes(eq)
            if written is None:
                unknown_writes += 1
            for variable in written or ():
                writes[variable] = writes.get(variable, 0) + 1
        else:
            try:
                key = (id(eq.op), tuple(map(_key, eq.inputs)), tuple(sorted(eq.params.items())))
                hash(key)
            except TypeError:  # unhashable parameters: leave the equation alone
                key = None
            if key is not None:
                earlier = seen.get(key)
                if earlier is not None:
                    replaced.update((new._name, old) for new, old in zip(eq.outputs, earlier.outputs))
                    continue
                seen[key] = eq
        kept.append(eq)
    graph.equations = kept
    graph.outputs = [replaced.get(x._name, x) if type(x) is SymbolicTensor else x for x in graph.outputs]


def eliminate_dead_code(graph: Graph) -> None:
    """Pure equations whose results nothing uses are dropped (effectful ones always stay)."""
    live = {x._name for x in graph.outputs if type(x) is SymbolicTensor}
    kept: list[Equation] = []
    for eq in reversed(graph.equations):
        kept_anyway = eq.op.effect is not None and not eq.op.effect.droppable  # (a read may go)
        if kept_anyway or any(o._name in live for o in eq.outputs):
            kept.append(eq)
            live.update(x._name for x in eq.inputs if type(x) is SymbolicTensor)
    graph.equations = kept[::-1]


def simplify(graph: Graph) -> None:
    """Drop equations that return one of their inputs unchanged: identity(x), x * 1, 1 * x, x + 0,
    x - 0, x / 1, x ** 1 (when the constant does not broadcast x to another shape or dtype). Values
    are never written in place, so a copy is the value itself. (`stop_gradient` stays: a graph run
    under tapes still differentiates it.)"""
    replaced: dict[str, SymbolicTensor] = {}
    kept = []
    for eq in graph.equations:
        if replaced:
            eq.inputs = tuple(replaced.get(x._name, x) if type(x) is SymbolicTensor else x for x in eq.inputs)
        if eq.op.identity and type(eq.inputs[0]) is SymbolicTensor:
            replaced[eq.outputs[0]._name] = eq.inputs[0]
            continue
        rule = eq.op.neutral
        if rule is not None and len(eq.inputs) == 2:
            identity, positions = rule
            for position in positions:
                constant, other = eq.inputs[position], eq.inputs[1 - position]
                if (
                    type(constant) is Tensor
                    and type(other) is SymbolicTensor
                    and np.all(constant._value == identity)
                    and other._value.shape == eq.outputs[0]._value.shape
                    and other._value.dtype == eq.outputs[0]._value.dtype
                ):
                    replaced[eq.outputs[0]._name] = other
                    break
            else:
                kept.append(eq)
            continue
        kept.append(eq)
    graph.equations = kept
    graph.outputs = [replaced.get(x._name, x) if type(x) is SymbolicTensor else x for x in graph.outputs]


def optimize(graph: Graph) -> None:
    simplify(graph)
    eliminate_common_subexpressions(graph)
    eliminate_dead_code(graph)
