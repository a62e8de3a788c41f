"""Running a subgraph again to differentiate it, without repeating its effects.

Control flow traced while a tape records also returns what its effects gave (`replayable`: variable
reads and random draws), per iteration for a loop; the rerun replays those values
(`Graph.evaluate(replay=...)`) and skips writes and prints. A compiled function traced with no tape,
then run under one, runs a variant of its graph whose control flow records (`recording`). Where an
effect cannot be recorded (in a loop's condition, or nested in control flow), a subgraph with
effects refuses its gradient.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.core.op import Op
from tapeflow.graph.ir import Equation, Graph
from tapeflow.ops.array_ops import identity
from tapeflow.ops.gather_ops import to_dense
from tapeflow.ops.indexed_slices import IndexedSlices


def effect_in(graph: Graph) -> str | None:
    """The name of an op in `graph` (or nested in it) that running the graph twice would repeat
    differently — a variable write, a random draw, Python code — or None. Prints only print twice."""
    for eq in graph.equations:
        nested = [p for p in eq.params.values() if isinstance(p, Graph)]
        found = next(filter(None, map(effect_in, nested)), None)
        if found is not None:
            return found
        if not nested and eq.op.effect is not None and eq.op.effect.unrepeatable:
            return eq.op.name
    return None


def require_record(graphs: list, replayed: tuple | None, subject: str, op: str, nested: str) -> None:
    """Control flow with effects can be differentiated only from a record of what they gave: TF's
    error where there is none (it was traced with no tape recording, or an effect is out of reach)."""
    effect = next(filter(None, map(effect_in, graphs)), None)
    if effect is not None and replayed is None:
        raise NotImplementedError(
            f"Gradients through a {subject} effects ({effect}) need the {op} traced while a GradientTape "
            f"records (so that what its effects gave is recorded, to be replayed by the gradient), and "
            f"no effects in {nested}."
        )


def boxed(value: Any) -> np.ndarray:
    """A Python object as a scalar object array: what a loop's record of its effects travels as."""
    box = np.empty((), dtype=object)
    box[()] = value
    return box


def replayable(graph: Graph) -> tuple[int, ...] | None:
    """The equations of a loop body to record, so that running it again to differentiate it can
    replay them: variable reads and random draws. None where an effect cannot be replayed (one in a
    nested cond or loop): differentiating the loop is then refused. Python functions run again."""
    recorded = []
    for index, eq in enumerate(graph.equations):
        nested = [p for p in eq.params.values() if isinstance(p, Graph)]
        if nested:  # control flow: run again as it is, unless it has effects of its own
            if any(map(effect_in, nested)):
                return None
            continue
        if eq.op.effect is not None and eq.op.effect.replayed:
            recorded.append(index)
    return tuple(recorded)


def replay_record(graph: Graph, replayed: tuple, values: list) -> dict:
    """The `Graph.evaluate` replay of `graph`'s effects: equation index -> the values it gave."""
    values = iter(values)
    return {k: tuple(next(values) for _ in graph.equations[k].outputs) for k in replayed}


def graph_gradient(graph: Graph, inputs: list, output_gradients: tuple, replay: dict | None = None) -> list:
    """d(outputs of `graph` run on `inputs`)/d(inputs), weighted by `output_gradients` (zeros where
    unconnected); `replay` as for `Graph.evaluate`. A rerun: its prints and summaries are skipped."""
    inputs = [identity(x) for x in inputs]  # each use gets its own share (see _rerun_loop_gradients)
    with GradientTape() as tape:
        tape.watch([x for x in inputs if x.dtype.kind in ("float", "complex")])
        outputs = graph.evaluate(inputs, replay, rerun=True)[: len(output_gradients)]
    pairs = [(o, g) for o, g in zip(outputs, output_gradients) if o is not None]
    return dense(tape.gradient(
        [o for o, _ in pairs], inputs, output_gradients=[g for _, g in pairs], unconnected_gradients="zero"
    ))


def dense(grads: list) -> list:
    """Gradients as tensors (a gather's IndexedSlices made dense): what an op's results are."""
    return [to_dense(g) if type(g) is IndexedSlices else g for g in grads]


# control-flow op -> its parameters for a run that keeps records for a tape's gradient (registered by
# `cond.py` and `while_loop.py`, which the op's presence in a graph implies were imported)
_RECORDING: dict[Op, Callable] = {}


def records_with(op: Op, recording_params: Callable) -> None:
    """`recording_params(params)` gives `op`'s parameters for a run that keeps records for a tape."""
    _RECORDING[op] = recording_params


def recording(graph: Graph) -> Graph:
    """`graph` with its control flow keeping records for a tape's gradient, as if it had been traced
    while a tape recorded: what a compiled function traced without one runs under a tape."""
    records = _RECORDING
    taped = copy.copy(graph)
    taped.equations = [
        Equation(eq.op, eq.inputs, records[eq.op](eq.params), eq.outputs) if eq.op in records else eq
        for eq in graph.equations
    ]
    return taped
