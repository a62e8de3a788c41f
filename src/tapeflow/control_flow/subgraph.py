"""Tracing a piece of control flow (a branch, a loop's condition or body) into a subgraph of the
graph being traced, and the op that runs compiled subgraphs.

Values of the enclosing graph that a subgraph uses become its captured inputs, and so do what a
tape may differentiate: reads of variables the subgraph never writes move out to the enclosing graph,
and tensors a tape watches come in as inputs rather than constants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapeflow.core import dtypes, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import CONTROL, Op
from tapeflow.core.state import current, tracing
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Graph
from tapeflow.graph.passes import optimize, written_variables


def control_op(name: str, kernel: Callable, joint: Callable, emit: Callable) -> Op:
    """A control-flow op: any number of inputs, always kept and in order (its subgraphs may have
    effects), its results' shapes given by the subgraphs (`avals`)."""
    return Op(name, kernel, joint=joint, variadic=True, multiple_results=True, effect=CONTROL,
              infer=lambda *values, avals, **params: avals, emit=emit)


def traced(fn: Callable, args: list, name: str, shapes: list | None = None) -> tuple[Graph, Any, Callable]:
    """`fn(*args)` traced into a subgraph of the current graph: its graph, result structure, compiled
    code. `shapes` (a loop's shape invariants) replace the arguments' own."""
    graph = Graph(name, parent=current().graphs[-1])
    shapes = shapes or [a._value.shape for a in args]
    params = [graph.placeholder(shape, a._value.dtype) for a, shape in zip(args, shapes)]
    with tracing(graph):
        result = fn(*params)
        # A value of an enclosing graph returned as it is becomes a captured input of this one; a
        # branch that returns None (it only has effects) has no outputs.
        leaves = [] if result is None else nest.flatten(result)
        flat = [graph.capture(x) if type(x) is SymbolicTensor else x for x in map(as_tensor, leaves)]
    graph.outputs = flat
    _lift_sources(graph)
    optimize(graph)
    compiled, _ = compile_graph(graph)
    return graph, result, compiled


def _lift_sources(graph: Graph) -> None:
    """Make what a tape may differentiate inputs of the control-flow op: reads of variables that
    `graph` never writes move to the enclosing graph (now tracing), and tensors a tape watches come
    in as captured values instead of constants. Gradients then reach them through the op, as through
    any of its inputs; and a loop reads each such variable once instead of every iteration. A
    variable the graph writes is read where it is, and also captured, unused, so that a tape knows
    the op depends on it (and the gradient rule can refuse what it cannot do)."""
    written = written_variables(graph)
    tracked = list(current().tapes)
    lifted: dict = {}  # the read's symbol (by name) -> the captured input standing for it
    kept = []
    for eq in graph.equations:
        if lifted or tracked:
            eq.inputs = tuple(_lifted_input(graph, x, lifted, tracked) for x in eq.inputs)
        reads = eq.op.effect is not None and eq.op.effect.variables == "read"
        if reads and written is not None and id(eq.inputs[0]) not in written:
            lifted[eq.outputs[0]._name] = graph.capture(eq.inputs[0].value())
            continue
        if reads and id(eq.inputs[0]) not in graph.variable_reads:
            # read where it is, but a tape sees the op depend on it (and a replayed read's gradient
            # goes there: see `Graph.evaluate`)
            graph.variable_reads[id(eq.inputs[0])] = graph.capture(eq.inputs[0].value())
        kept.append(eq)
    graph.equations = kept
    graph.outputs = [_lifted_input(graph, x, lifted, tracked) for x in graph.outputs]


def _lifted_input(graph: Graph, x: Any, lifted: dict, tracked: list) -> Any:
    if type(x) is SymbolicTensor:
        return lifted.get(x._name, x)
    if type(x) is Tensor and any(tape.tracks(x) for tape in tracked):
        return graph.capture(x)
    return x


def abstract(x: Any) -> AbstractValue:
    return AbstractValue(x._value.shape, x._value.dtype)


def as_tensor(x: Any) -> Any:
    if x is None or type(x) is SymbolicTensor or type(x) is Tensor:
        return x
    return convert_to_tensor(x)


def describe(x: Any) -> str:
    return "None" if x is None else f"{dtypes.from_numpy(x._value.dtype).name}{list(x._value.shape)}"
