"""Graph optimisations. Constants fold for free while tracing (an op whose inputs are all concrete
runs at once), so the passes here are common-subexpression elimination and dead-code elimination.
Neither touches an effectful equation (reads, writes, prints, random draws): they keep their
program order and run even when their results are unused."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.framework.tensor import Tensor
from tapeflow.graph.ir import Equation, Graph
from tapeflow.graph.symbolic import SymbolicTensor


def _key(x: Any) -> Any:
    """How an input is compared: symbols by name, small constants by value, the rest by identity."""
    if type(x) is SymbolicTensor:
        return x._name
    if type(x) is Tensor and np.size(x._value) <= 16 and x._value.dtype != object:
        value = np.asarray(x._value)
        return ("const", value.dtype.str, value.shape, value.tobytes())
    return id(x)


def eliminate_common_subexpressions(graph: Graph) -> None:
    """An equation that repeats an earlier pure one (same op, inputs and parameters) is dropped and
    its results replaced by the earlier ones."""
    seen: dict = {}
    replaced: dict[str, SymbolicTensor] = {}
    kept = []
    for eq in graph.equations:
        if replaced:
            eq.inputs = tuple(replaced.get(x._name, x) if type(x) is SymbolicTensor else x for x in eq.inputs)
        if not eq.op.effectful:
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
        if eq.op.effectful or any(o._name in live for o in eq.outputs):
            kept.append(eq)
            live.update(x._name for x in eq.inputs if type(x) is SymbolicTensor)
    graph.equations = kept[::-1]


def optimize(graph: Graph) -> None:
    eliminate_common_subexpressions(graph)
    eliminate_dead_code(graph)
