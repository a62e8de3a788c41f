"""`tf.cond`: Python's `if` eagerly; traced, both branches become compiled subgraphs of one `If` op,
which runs the branch taken on every call.

Its gradient (`if_gradient`, a joint rule) is a `cond` on the same predicate over the branches'
gradients, each rerunning its branch under a tape, with what its effects gave replayed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.control_flow import tensor_array
from tapeflow.control_flow.replay import (
    graph_gradient,
    records_with,
    replay_record,
    replayable,
    require_record,
)
from tapeflow.control_flow.subgraph import control_op, describe, traced
from tapeflow.core import dtypes, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import bind
from tapeflow.core.state import current
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Graph
from tapeflow.ops.creation_ops import zeros_like


def _emit_if(eq: Any, expression: Callable, name: Callable) -> list[str]:
    """`if pred: outs = true_branch(...) else: outs = false_branch(...)`."""
    pred, *captured = map(expression, eq.inputs)
    n_true, targets = eq.params["n_true"], "".join(o._name + ", " for o in eq.outputs).rstrip() or "_"
    true_call = f"{name(eq.params['true_fn'], 'cond_true')}({', '.join(captured[:n_true])})"
    false_call = f"{name(eq.params['false_fn'], 'cond_false')}({', '.join(captured[n_true:])})"
    return [f"if {pred}:", f"    {targets} = {true_call}", "else:", f"    {targets} = {false_call}"]


def _if_kernel(pred, *captured, true_fn, false_fn, n_true, avals, true_graph, false_graph, n_out, replayed):
    return true_fn(*captured[:n_true]) if pred else false_fn(*captured[n_true:])


def cond(
    pred: Any, true_fn: Callable | None = None, false_fn: Callable | None = None, name: str | None = None
):
    """`tf.cond`: `true_fn()` if `pred` else `false_fn()`; traced, both branches become subgraphs."""
    if true_fn is None or false_fn is None:
        raise TypeError("cond(): 'true_fn' and 'false_fn' arguments are required.")
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("'true_fn' and 'false_fn' must be callable.")
    pred = convert_to_tensor(pred)
    if pred.dtype is not dtypes.bool or pred._value.shape != ():
        raise ValueError(
            f"The `pred` argument to tf.cond must be a scalar bool tensor, got "
            f"{pred.dtype.name}{list(pred._value.shape)}."
        )
    if type(pred) is not SymbolicTensor:  # a known condition: only the branch taken runs (or is traced)
        return true_fn() if bool(pred._value) else false_fn()
    returned: list = []  # what the true branch returned: TensorArrays in it travel as their buffers

    def true_branch() -> Any:
        returned.append(true_fn())
        return tensor_array.buffers(returned[0])

    true_graph, true_result, true_code = traced(true_branch, [], "cond_true")
    false_branch = lambda: tensor_array.buffers(false_fn())  # noqa: E731
    false_graph, false_result, false_code = traced(false_branch, [], "cond_false")
    _check_branches(true_graph, true_result, false_graph, false_result)
    n_out = len(true_graph.outputs)
    inputs = (pred, *(o for o, _ in true_graph.captures), *(o for o, _ in false_graph.captures))
    params = {
        "true_fn": true_code,
        "false_fn": false_code,
        "n_true": len(true_graph.captures),
        "avals": _joined(true_graph, false_graph),
        "true_graph": true_graph,
        "false_graph": false_graph,
        "n_out": n_out,
        "replayed": None,
    }
    outputs = bind(IF, inputs,
                   _recording_if(params) if current().tapes else params)
    outputs = outputs[:n_out]
    if not nest.is_nested(true_result):
        return tensor_array.rebuild(returned[0], outputs[0]) if outputs else None
    return tensor_array.rebuild(returned[0], nest.pack_sequence_as(true_result, list(outputs)))


def _recording_if(params: dict) -> dict:
    """The parameters of an `If` that also returns what its branches' effects gave (variable reads,
    random draws), for a tape's gradient to replay: both branches return the true branch's values
    first, then the false branch's, each giving zeros in the other's places. Where an effect cannot
    be replayed (one nested in control flow), `replayed` stays None and the gradient is refused."""
    true_graph, false_graph = params["true_graph"], params["false_graph"]
    replayed = (replayable(true_graph), replayable(false_graph))
    if None in replayed or params["replayed"] is not None:  # (nothing to replay, or recording already)
        return params
    if not (replayed[0] or replayed[1]):
        return {**params, "replayed": replayed}
    true_effects = [o for i in replayed[0] for o in true_graph.equations[i].outputs]
    false_effects = [o for i in replayed[1] for o in false_graph.equations[i].outputs]

    def zeros(values: list) -> list:
        return [Tensor(np.zeros([d or 0 for d in x._value.shape], x._value.dtype)) for x in values]

    true_graph, false_graph = copy.copy(true_graph), copy.copy(false_graph)  # (the same equations)
    true_graph.outputs = true_graph.outputs + true_effects + zeros(false_effects)
    false_graph.outputs = false_graph.outputs + zeros(true_effects) + false_effects
    return {**params, "replayed": replayed, "true_graph": true_graph, "false_graph": false_graph,
            "true_fn": compile_graph(true_graph)[0], "false_fn": compile_graph(false_graph)[0],
            "avals": _joined(true_graph, false_graph)}


def _joined(true_graph: Graph, false_graph: Graph) -> list[AbstractValue]:
    """The results of an `If`: each the less specific of the two branches' shapes."""
    return [AbstractValue(_join(a._value.shape, b._value.shape), a._value.dtype)
            for a, b in zip(true_graph.outputs, false_graph.outputs)]


def _join(a: tuple, b: tuple) -> tuple:
    """The most specific shape of which `a` and `b` are both instances: differing dimensions unknown."""
    return tuple(x if x == y else None for x, y in zip(a, b))


def _check_branches(true_graph: Graph, true_result: Any, false_graph: Graph, false_result: Any) -> None:
    try:
        nest.assert_same_structure(true_result, false_result)
    except (ValueError, TypeError) as e:
        raise ValueError(
            "true_fn and false_fn arguments to tf.cond must have the same number, type, and "
            f"overall structure of return values. ({e})"
        ) from None
    for i, (a, b) in enumerate(zip(true_graph.outputs, false_graph.outputs)):
        if (a is None) != (b is None) or (
            a is not None and (a._value.dtype != b._value.dtype or a._value.ndim != b._value.ndim)
        ):
            raise ValueError(
                f"tf.cond branches return different values at position {i}: "
                f"{describe(a)} from true_fn, {describe(b)} from false_fn."
            )


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
    require_record([true_graph, false_graph], replayed, "tf.cond whose branches have", "cond",
                   "control flow nested in them")
    seeds = tuple(g[:n_out])
    true_inputs, false_inputs = list(captured[:n_true]), list(captured[n_true:])
    records = list(y[n_out:])
    n_effects = sum(len(true_graph.equations[k].outputs) for k in replayed[0]) if replayed else 0

    def true_side() -> list:
        replay = replay_record(true_graph, replayed[0], records[:n_effects]) if replayed else None
        grads = graph_gradient(true_graph, true_inputs, seeds, replay)
        return grads + [zeros_like(x) for x in false_inputs]

    def false_side() -> list:
        replay = replay_record(false_graph, replayed[1], records[n_effects:]) if replayed else None
        grads = graph_gradient(false_graph, false_inputs, seeds, replay)
        return [zeros_like(x) for x in true_inputs] + grads

    return [None, *cond(pred, true_side, false_side)]


IF = control_op("If", _if_kernel, if_gradient, _emit_if)
records_with(IF, _recording_if)
