"""Gradients of `tf.cond` and `tf.while_loop`, and the records of effects they replay.

Both are joint rules (`Op.joint`): one call gives the gradients of all the op's inputs, by running
its subgraph again under a tape: for a `cond`, the branch taken
(inside a `cond` on the same predicate, so it is traced once and runs as the predicate says); for a
`while_loop`, the loop — at once for concrete inputs, or, inside a trace, by a `WhileGrad` op that
does so when the compiled code runs (and whose own gradient, as a `py_function`'s, reruns it under
another tape, so any order works).

Running a subgraph again must not repeat its effects. So control flow traced while a tape records
also returns what its effects gave (`replayable`: variable reads and random draws), per iteration
for a loop, and the rerun replays those values (`Graph.evaluate(replay=...)`), skipping writes and
prints (a compiled function traced with no tape, then run under one, runs a variant of its graph
that records: `control_flow.recording`). Where an effect cannot be recorded (in a loop's condition,
or nested in control flow), a subgraph with effects refuses its gradient.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core.op import PYTHON, Op, bind
from tapeflow.core.state import tracing
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Graph
from tapeflow.graph.passes import optimize
from tapeflow.ops.array_ops import identity
from tapeflow.ops.creation_ops import zeros_like
from tapeflow.ops.indexed_slices import IndexedSlices, to_dense

__all__ = ["boxed", "effect_in", "if_gradient", "replayable", "while_gradient"]


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


def while_gradient(
    g: Any,
    y: Any,
    *inputs: Any,
    n: int,
    n_cond: int,
    maximum_iterations: Any,
    cond_graph: Graph,
    body_graph: Graph,
    replayed: tuple | None,
    saves_states: bool,
    **params: Any,
) -> list:
    """The gradients of all the loop's inputs, by a `WhileGrad` op (see `_loop_gradient_kernel`).
    Effects are not repeated: the body's variable reads and random draws give the values they gave
    the first time (recorded when the loop was traced under a tape), and its writes and prints are
    skipped."""
    effect = effect_in(body_graph) or effect_in(cond_graph)
    if effect is not None and replayed is None:
        raise NotImplementedError(
            f"Gradients through a tf.while_loop whose body has effects ({effect}) need the loop traced "
            f"while a GradientTape records (so that what its effects gave is recorded, to be replayed "
            f"by the gradient), and no effects in its condition or in control flow nested in it."
        )
    loop = {"n": n, "n_cond": n_cond, "maximum_iterations": maximum_iterations, "cond_graph": cond_graph,
            "body_graph": body_graph, "replayed": replayed, "saves_states": saves_states}
    history = (y[n],) if replayed or saves_states else ()
    seeds = tuple(g[:n])
    return bind(_LOOP_GRADIENT, (*inputs, *seeds, *history),
                {**loop, "n_inputs": len(inputs)})


def _split(values: tuple, n_inputs: int, n: int) -> tuple[list, list, tuple]:
    """A `WhileGrad`'s inputs: the loop's inputs, the gradients of its n results, its record (if any)."""
    return list(values[:n_inputs]), list(values[n_inputs:n_inputs + n]), tuple(values[n_inputs + n:])


def _loop_gradient_kernel(*values, n_inputs, **loop):
    """At run time: the loop's input gradients — by a compiled reverse sweep for a loop without
    effects (over the states it saved, or running it again to get them), else by running the loop
    again eagerly under a tape, replaying its effects."""
    inputs, g, history = _split(values, n_inputs, loop["n"])
    if effect_in(loop["body_graph"]) is None and effect_in(loop["cond_graph"]) is None:
        states = history[0][()] if loop["saves_states"] else None
        return _reverse_sweep(inputs, g, states, **loop)
    grads = _rerun_loop_gradients([Tensor(v) for v in g], [Tensor(v) for v in inputs],
                                  tuple(Tensor(h) for h in history), **loop)
    return tuple(
        np.zeros(np.shape(x), x.dtype) if gx is None else gx._value for gx, x in zip(grads, inputs)
    )


def _reverse_sweep(inputs: list, seeds: list, states: list | None, n: int, n_cond: int,
                   maximum_iterations: Any, cond_graph: Graph, body_graph: Graph, replayed: tuple | None,
                   saves_states: bool) -> tuple:
    """A loop's input gradients in compiled code: the body's compiled vector-Jacobian product runs
    over the state each iteration started from, in reverse, carrying the loop variables' gradients
    back and adding up the captured values'. The states are those the loop saved, or else it runs
    again (compiled) to find them."""
    vjp_fn = _vjp(body_graph, n)
    cond_inputs, body_inputs = inputs[n:n + n_cond], inputs[n + n_cond:]
    if states is None:
        cond_fn, body_fn = _compiled(cond_graph), _compiled(body_graph)
        state, states, count = list(inputs[:n]), [], 0
        while (maximum_iterations is None or count < maximum_iterations) and cond_fn(*state, *cond_inputs)[0]:
            states.append(state)
            state = list(body_fn(*state, *body_inputs))
            count += 1
    grads, captured = list(seeds), [np.zeros(np.shape(x), x.dtype) for x in body_inputs]
    for state in reversed(states):
        out = vjp_fn(*state, *body_inputs, *grads)
        grads, captured = list(out[:n]), [a + b for a, b in zip(captured, out[n:])]
    return (*grads, *(np.zeros(np.shape(x), x.dtype) for x in cond_inputs), *captured)


def _compiled(graph: Graph) -> Callable:
    """`graph`'s compiled code (compiled once)."""
    code = _COMPILED.get(graph)
    if code is None:
        code = _COMPILED[graph] = compile_graph(graph)[0]
    return code


def _vjp(body: Graph, n: int) -> Callable:
    """The compiled vector-Jacobian product of a loop body: (state, captured values, gradients of
    the next state) -> (gradients of the state, gradients of the captured values). Traced once,
    with the tapes around paused, from the body's own gradient rules."""
    vjp = _VJPS.get(body)
    if vjp is None:
        graph = Graph(f"{body.name}_vjp")
        inputs = [graph.placeholder(x._value.shape, x._value.dtype) for x in body.inputs]
        seeds = [graph.placeholder(x._value.shape, x._value.dtype) for x in body.outputs[:n]]
        with tracing(graph, tapes=False):
            graph.outputs = _graph_gradient(body, inputs, tuple(seeds))
        optimize(graph)
        vjp = _VJPS[body] = compile_graph(graph)[0]
    return vjp


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> its compiled code
_VJPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop body -> its compiled VJP


def _second_order_loop_gradient(g: tuple, y: tuple, *inputs: Any, n_inputs: int, **loop: Any) -> list:
    """The gradients of a `WhileGrad`'s inputs: `WhileGrad` computes a function of its inputs by
    running Python (the loop under a tape), so it is differentiated as a `tf.py_function` is, by a
    py_function that reruns it under another tape — which is differentiable in turn, to any order."""
    from tapeflow.control_flow.script_ops import py_function_gradients

    def loop_gradients(*args: Any) -> list:
        values, seeds, history = _split(args, n_inputs, loop["n"])
        grads = _rerun_loop_gradients(seeds, values, history, **loop)
        return [zeros_like(x) if gx is None else gx for gx, x in zip(grads, values)]

    loop_gradients.__name__ = "while_loop_gradient"
    values = inputs[:n_inputs]
    return py_function_gradients(
        g, y, *inputs, func=loop_gradients, Tout=tuple(x.dtype for x in values),
        shapes=tuple(tuple(x._value.shape) for x in values),
    )


_LOOP_GRADIENT = Op("WhileGrad", _loop_gradient_kernel, joint=_second_order_loop_gradient, variadic=True,
                    multiple_results=True, effect=PYTHON,
                    infer=lambda *values, n_inputs, **loop: [_abstract_of(v) for v in values[:n_inputs]])


def _abstract_of(value: Any) -> AbstractValue:
    return AbstractValue(np.shape(value), value.dtype)


def _rerun_loop_gradients(
    g: list,
    inputs: list,
    history: tuple,
    n: int,
    n_cond: int,
    maximum_iterations: Any,
    cond_graph: Graph,
    body_graph: Graph,
    replayed: tuple | None,
    saves_states: bool,
) -> list:
    from tapeflow.autodiff.tape import GradientTape

    # Fresh copies: one tensor may feed the loop twice (as a loop variable and as a captured value),
    # and each use must get its own share of the gradient.
    inputs = [identity(x) for x in inputs]
    records = history[0]._value[()] if history else None  # per iteration, what the effects gave
    state, cond_inputs, body_inputs = (
        list(inputs[:n]),
        list(inputs[n : n + n_cond]),
        list(inputs[n + n_cond :]),
    )
    with GradientTape() as tape:
        tape.watch([x for x in inputs if x.dtype.kind in ("float", "complex")])
        count = 0
        while (maximum_iterations is None or count < maximum_iterations) and bool(
            cond_graph.evaluate(state + cond_inputs)[0]
        ):
            replay = None  # (not replaying: a loop without effects, or refused above)
            if replayed is not None:  # recorded values for the reads and draws; writes are skipped
                values = iter(records[count] if records is not None else ())
                replay = {i: tuple(next(values) for _ in body_graph.equations[i].outputs) for i in replayed}
            state = body_graph.evaluate(state + body_inputs, replay)[:n]
            count += 1
    return _dense(tape.gradient(state, inputs, output_gradients=list(g), unconnected_gradients="zero"))


def _dense(grads: list) -> list:
    """Gradients as tensors (a gather's IndexedSlices made dense): what an op's results are."""
    return [to_dense(g) if type(g) is IndexedSlices else g for g in grads]


def if_gradient(
    g: Any,
    y: Any,
    pred: Any,
    *captured: Any,
    n_true: int,
    true_graph: Graph,
    false_graph: Graph,
    n_out: int,
    replayed: tuple | None,
    **params: Any,
) -> list:
    """The gradients of all the cond's inputs: a `cond` on the same predicate whose branches run the
    branch taken again under a tape (replaying what its effects gave) and give its inputs'
    gradients, zeros for the other branch's (and none for the predicate)."""
    from tapeflow.control_flow.cond_while import cond

    effect = effect_in(true_graph) or effect_in(false_graph)
    if effect is not None and replayed is None:
        raise NotImplementedError(
            f"Gradients through a tf.cond whose branches have effects ({effect}) need the cond traced "
            f"while a GradientTape records (so that what its effects gave is recorded, to be replayed "
            f"by the gradient), and no effects in control flow nested in them."
        )
    seeds = tuple(g[:n_out])
    true_inputs, false_inputs = list(captured[:n_true]), list(captured[n_true:])
    records = list(y[n_out:])
    n_effects = sum(len(true_graph.equations[k].outputs) for k in replayed[0]) if replayed else 0

    def true_side() -> list:
        replay = _replay(true_graph, replayed[0], records[:n_effects]) if replayed else None
        grads = _graph_gradient(true_graph, true_inputs, seeds, replay)
        return grads + [zeros_like(x) for x in false_inputs]

    def false_side() -> list:
        replay = _replay(false_graph, replayed[1], records[n_effects:]) if replayed else None
        grads = _graph_gradient(false_graph, false_inputs, seeds, replay)
        return [zeros_like(x) for x in true_inputs] + grads

    return [None, *cond(pred, true_side, false_side)]


def _replay(graph: Graph, replayed: tuple, values: list) -> dict:
    """The `Graph.evaluate` replay of `graph`'s effects: equation index -> the values it gave."""
    values = iter(values)
    return {k: tuple(next(values) for _ in graph.equations[k].outputs) for k in replayed}


def _graph_gradient(graph: Graph, inputs: list, output_gradients: tuple, replay: dict | None = None) -> list:
    """d(outputs of `graph` run on `inputs`)/d(inputs), weighted by `output_gradients` (zeros where
    unconnected); `replay` as for `Graph.evaluate`."""
    from tapeflow.autodiff.tape import GradientTape

    inputs = [identity(x) for x in inputs]  # each use gets its own share (see _rerun_loop_gradients)
    with GradientTape() as tape:
        tape.watch([x for x in inputs if x.dtype.kind in ("float", "complex")])
        outputs = graph.evaluate(inputs, replay)[: len(output_gradients)]
    pairs = [(o, g) for o, g in zip(outputs, output_gradients) if o is not None]
    return _dense(tape.gradient(
        [o for o, _ in pairs], inputs, output_gradients=[g for _, g in pairs], unconnected_gradients="zero"
    ))
