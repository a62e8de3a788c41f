"""A graph holding equations Numba cannot write, split at them: runs of equations that lower become
native segments, each one equation of the Python code that calls its compiled binding.

A segment takes the values it uses from before it and returns those used after it; the variables it
touches are read when it is called and written back before it returns, so the Python equations
around it see them in program order. A run worth less than its call (fewer than two computing
equations and no control flow) stays Python. A `While` or `If` whose subgraphs hold such an equation
stays a Python loop or branch, its subgraphs split in turn: each iteration calls the native segments
of its body, with the equations that stay in Python between them, in program order.
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
    inside: list[str] = []  # the sources of the native segments in loops and branches
    for eq in graph.equations:
        why = unsupported(eq)
        if why is None:
            runs[-1][0].append(eq)
            continue
        if eq.op in SUBGRAPHS and not _records(eq):
            eq, nested, source = _split_inside(eq)
            kept += nested
            inside.append(source)
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
    segments = "".join(f"\n# native segment {i}:\n{s}" for i, s in enumerate(sources))
    return python, source + segments + "".join(inside), kept


# The subgraphs of control flow, and the parameters holding their Python code.
SUBGRAPHS = {WHILE: (("cond_graph", "cond_fn"), ("body_graph", "body_fn")),
             IF: (("true_graph", "true_fn"), ("false_graph", "false_fn"))}


_STAYS = {WHILE: "a Python loop calling its body's native segments each pass",
          IF: "a Python branch calling its native segments"}


def _records(eq: Equation) -> bool:
    """Whether a loop or branch keeps a record for a tape (its kernel runs the subgraphs' own code)."""
    p = eq.params
    if eq.op is WHILE:
        return bool(p["replayed"] or p["saves_states"])
    return p["replayed"] is not None and any(p["replayed"])


def _split_inside(eq: Equation) -> tuple[Equation, list[Unsupported], str]:
    """The loop or branch with each subgraph's Python code split in turn; what stayed in Python
    there, and the split subgraphs' sources."""
    params, kept, sources = dict(eq.params), [], []
    for graph_key, code_key in SUBGRAPHS[eq.op]:
        python, source, why = split(params[graph_key])
        params[code_key] = python
        kept += [Unsupported(k.op, f"{k.why}; in a {eq.op.name}, which stays {_STAYS[eq.op]}") for k in why]
        if "# native segment" in source:
            sources.append(f"\n# {eq.op.name} {graph_key}, split:\n{source}")
    return Equation(eq.op, eq.inputs, params, eq.outputs), kept, "".join(sources)


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
