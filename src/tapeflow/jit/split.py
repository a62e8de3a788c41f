"""A graph holding equations Numba cannot write, split at them: runs of equations that lower become
native segments, each one equation of the Python code that calls its compiled binding.

A segment takes the values it uses from before it and returns those used after it; the variables it
touches are read when it is called and written back before it returns, so the Python equations
around it see them in program order. A run worth less than its call (fewer than two computing
equations and no control flow) stays Python.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from tapeflow.control_flow.cond import IF
from tapeflow.control_flow.while_loop import WHILE
from tapeflow.core.op import CONTROL, Op
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Equation, Graph
from tapeflow.jit.codegen import Unsupported, computes, lower, unsupported
from tapeflow.jit.compiler import compile_native

MIN_COMPUTING = 2  # equations in a segment without control flow (a binding costs ~1-2 us)


def split(graph: Graph) -> tuple[Callable, str, list[Unsupported]]:
    """The graph as Python code calling native segments, its source (the Python code, then each
    segment's Numba source), and why each equation that stayed in Python did."""
    runs: list[tuple[list[Equation], bool]] = [([], True)]  # (equations, whether they lower)
    kept: list[Unsupported] = []
    for eq in graph.equations:
        why = unsupported(eq)
        if why is None:
            runs[-1][0].append(eq)
        else:
            kept.append(why)
            runs += [([eq], False), ([], True)]
    equations, sources = [], []
    for run, lowers in runs:
        segment = _segment(graph, run, len(sources)) if lowers and _worth_it(run) else None
        if segment is None:
            equations += run
            continue
        equations.append(segment[0])
        sources.append(segment[1])
    split_graph = copy.copy(graph)
    split_graph.equations = equations
    python, source = compile_graph(split_graph)
    return python, source + "".join(f"\n# native segment {i}:\n{s}" for i, s in enumerate(sources)), kept


def _worth_it(run: list[Equation]) -> bool:
    """Whether a run is worth a native segment: control flow, or enough computing equations."""
    return any(eq.op is WHILE or eq.op is IF for eq in run) or sum(map(computes, run)) >= MIN_COMPUTING


def _segment(graph: Graph, run: list[Equation], index: int) -> tuple[Equation, str] | None:
    """One equation calling the run compiled as a native function (None if Numba rejects it)."""
    defined = {id(o) for eq in run for o in eq.outputs}
    inputs: dict[int, SymbolicTensor] = {}
    for eq in run:
        for x in eq.inputs:
            if type(x) is SymbolicTensor and id(x) not in defined:
                inputs.setdefault(id(x), x)
    after = graph.equations[graph.equations.index(run[-1]) + 1 :]
    used = {id(x) for eq in after for x in eq.inputs} | {id(x) for x in graph.outputs}
    outputs = [o for eq in run for o in eq.outputs if id(o) in used]
    segment = Graph(f"{graph.name}_native{index}")
    segment.inputs, segment.equations, segment.outputs = list(inputs.values()), run, outputs
    lowered = lower(segment)
    native = compile_native(lowered, segment, segment.name)
    if native is None:
        return None
    op = Op("NativeSegment", native, multiple_results=True, effect=CONTROL)
    return Equation(op, tuple(inputs.values()), {}, tuple(outputs)), lowered.source
