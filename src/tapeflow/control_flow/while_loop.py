"""`tf.while_loop`: Python's `while` eagerly; traced, the condition and body become compiled
subgraphs of one `While` op, which runs the loop on every call (bounded by `maximum_iterations`).

Its gradient (`while_gradient`, a joint rule) is a `WhileGrad` op: the body's compiled
vector-Jacobian product run over each iteration's starting state in reverse — states the loop saved
when traced under a tape, or found by running it again. A loop with effects is rerun eagerly with
what its effects gave replayed. The gradient of `WhileGrad` reruns the loop under a tape, as a
`py_function`'s does, so every order works.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.autodiff.tape import GradientTape
from tapeflow.control_flow import tensor_array
from tapeflow.control_flow.replay import (
    boxed,
    dense,
    effect_in,
    graph_gradient,
    records_with,
    replayable,
    require_record,
)
from tapeflow.control_flow.script_ops import py_function_gradients
from tapeflow.control_flow.subgraph import control_op, describe, traced
from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import PYTHON, Op, bind
from tapeflow.core.state import current, tracing
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Graph
from tapeflow.graph.passes import optimize
from tapeflow.ops.array_ops import identity
from tapeflow.ops.creation_ops import zeros_like


def _emit_while(eq: Any, expression: Callable, name: Callable) -> list[str]:
    """The loop variables set, then `while cond(...)[0]: vars = body(...)` (with a step count if
    bounded; with a record for the gradient, if it keeps one: what the body's effects gave, or the
    state each iteration starts from)."""
    args = list(map(expression, eq.inputs))
    n, n_cond, limit = eq.params["n"], eq.params["n_cond"], eq.params["maximum_iterations"]
    names = [o._name for o in eq.outputs[:n]]
    state = "".join(v + ", " for v in names).rstrip()
    condition = f"{name(eq.params['cond_fn'], 'while_cond')}({', '.join([*names, *args[n : n + n_cond]])})[0]"
    body = f"{name(eq.params['body_fn'], 'while_body')}({', '.join([*names, *args[n + n_cond :]])})"
    lines = [f"{state} = {''.join(a + ', ' for a in args[:n]).rstrip()}"]
    step = [f"    {state} = {body}"]
    recording = eq.params["replayed"] or eq.params["saves_states"]
    if recording:
        history = f"record_{eq.outputs[n]._name}"
        lines.append(f"{history} = []")
    if eq.params["replayed"]:
        step = [f"    {state} *effects = {body}", f"    {history}.append(effects)"]
    elif eq.params["saves_states"]:
        step = [f"    {history}.append(({state}))", *step]
    if limit is None:
        lines += [f"while {condition}:", *step]
    else:
        counter = f"steps_{eq.outputs[0]._name}"
        lines += [f"{counter} = 0", f"while {counter} < {limit} and {condition}:", *step,
                  f"    {counter} += 1"]
    if recording:
        lines.append(f"{eq.outputs[n]._name} = {name(boxed, 'boxed')}({history})")
    return lines


def _while_kernel(*values, cond_fn, body_fn, n, n_cond, maximum_iterations, avals, cond_graph, body_graph,
                  replayed, saves_states):
    state = values[:n]
    cond_captured, body_captured = values[n : n + n_cond], values[n + n_cond :]
    count, history = 0, []
    while (maximum_iterations is None or count < maximum_iterations) and cond_fn(*state, *cond_captured)[0]:
        if saves_states:
            history.append(tuple(state))
        state = body_fn(*state, *body_captured)
        if replayed:
            history.append(state[n:])
            state = state[:n]
        count += 1
    return (*state, boxed(history)) if replayed or saves_states else tuple(state)


def _recording_while(params: dict) -> dict:
    """The parameters of a `While` that keeps a record for a tape's gradient: a loop with effects
    also returns, each iteration, what its body's effects gave (variable reads, random draws), for
    the gradient to replay; a loop without saves the state each iteration starts from, so that its
    gradient need not run it again (TensorFlow's loops do the same). A loop whose condition has
    effects keeps no record, and its gradient is refused."""
    cond_graph, body_graph = params["cond_graph"], params["body_graph"]
    replayed = replayable(body_graph) if not effect_in(cond_graph) else None
    saves_states = effect_in(body_graph) is None and effect_in(cond_graph) is None
    if params["replayed"] is not None or params["saves_states"]:
        return params  # (recording already)
    recording = {**params, "replayed": replayed, "saves_states": saves_states}
    if replayed or saves_states:
        recording["avals"] = [*params["avals"], AbstractValue((), object)]
    if replayed:
        body_graph = recording["body_graph"] = copy.copy(body_graph)  # (the same equations)
        effects = [o for i in replayed for o in body_graph.equations[i].outputs]
        body_graph.outputs = body_graph.outputs + effects
        recording["body_fn"] = compile_graph(body_graph)[0]
    return recording


def while_loop(
    cond: Callable,
    body: Callable,
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    maximum_iterations: Any = None,
    name: str | None = None,
) -> Any:
    """`tf.while_loop`: repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`; traced, the
    condition and the body become subgraphs of one loop equation."""
    if not callable(cond) or not callable(body):
        raise TypeError("'cond' and 'body' must be callable.")
    single = not isinstance(loop_vars, list | tuple)
    structure = [loop_vars] if single else loop_vars
    if maximum_iterations is not None:
        maximum_iterations = int(getattr(maximum_iterations, "_value", maximum_iterations))
    if not current().graphs:
        return _python_loop(cond, body, structure, single, maximum_iterations)
    if tensor_array.unallocated(structure):
        _allocate_arrays(body, structure)
    arrays = structure  # the loop variables as given: TensorArrays travel as their buffers
    structure = tensor_array.buffers(structure)
    flat = [convert_to_tensor(x) for x in nest.flatten(structure)]
    shapes = _invariant_shapes(shape_invariants, arrays, single, flat)

    def packed(fn: Callable) -> Callable:
        return lambda *args: fn(*tensor_array.rebuild(arrays, nest.pack_sequence_as(structure, list(args))))

    cond_graph, _, cond_code = traced(packed(cond), flat, "while_cond", shapes)
    if len(cond_graph.outputs) != 1 or cond_graph.outputs[0]._value.dtype != bool:
        raise TypeError("The `cond` of tf.while_loop must return a scalar bool tensor.")
    body_graph, body_result, body_code = traced(
        lambda *a: tensor_array.buffers(_as_structure(packed(body)(*a), arrays)), flat, "while_body", shapes
    )
    _check_loop_vars(flat, shapes, body_graph)
    inputs = (*flat, *(o for o, _ in cond_graph.captures), *(o for o, _ in body_graph.captures))
    params = {
        "cond_fn": cond_code,
        "body_fn": body_code,
        "n": len(flat),
        "n_cond": len(cond_graph.captures),
        "maximum_iterations": maximum_iterations,
        "cond_graph": cond_graph,
        "body_graph": body_graph,
        "replayed": None,
        "saves_states": False,
        "avals": [AbstractValue(shape, x._value.dtype) for x, shape in zip(flat, shapes)],
    }
    outputs = bind(WHILE, inputs,
                   _recording_while(params) if current().tapes else params)
    result = tensor_array.rebuild(arrays, nest.pack_sequence_as(structure, list(outputs[: len(flat)])))
    return result[0] if single else nest.pack_sequence_as(loop_vars, nest.flatten(result))


def _allocate_arrays(body: Callable, structure: list) -> None:
    """TensorArrays entering a traced loop before their element shape is known: a trial trace of the
    body (into a graph that is then dropped, with the tapes paused) shows what it writes, and each
    array is allocated for that."""
    trial = Graph("while_trial", parent=current().graphs[-1])
    with tracing(trial, tapes=False):
        def stand_in(x: Any) -> Any:
            if isinstance(x, tensor_array.TensorArray):
                return copy.copy(x)
            x = convert_to_tensor(x)
            return trial.placeholder(x._value.shape, x._value.dtype)

        result = _as_structure(body(*nest.map_structure(stand_in, structure)), structure)
    for before, after in zip(nest.flatten(structure), nest.flatten(result)):
        if isinstance(before, tensor_array.TensorArray) and before._buffer is None:
            if not isinstance(after, tensor_array.TensorArray) or after._buffer is None:
                raise ValueError("A TensorArray entering tf.while_loop needs a known element shape: give it "
                                 "element_shape, or write to it in the loop body.")
            before._allocate(after._buffer._value.shape[1:])


def _python_loop(
    cond: Callable, body: Callable, structure: list, single: bool, maximum_iterations: Any
) -> Any:
    state, count = list(structure), 0
    while (maximum_iterations is None or count < maximum_iterations) and bool(cond(*state)):
        state = _as_structure(body(*state), structure)
        count += 1
    return state[0] if single else nest.pack_sequence_as(structure, nest.flatten(state))


def _as_structure(result: Any, structure: list) -> list:
    """The body's result, as a list like the loop variables (a 1-element loop may return the value)."""
    if len(structure) == 1 and not isinstance(result, list | tuple):
        result = [result]
    result = list(result)
    try:
        nest.assert_same_structure(result, list(structure))
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"The body of tf.while_loop must return the same structure as loop_vars: {e}"
        ) from None
    return result


def _invariant_shapes(shape_invariants: Any, structure: list, single: bool, flat: list) -> list[tuple]:
    """Each loop variable's shape through the loop: its own, or the less specific invariant given for
    it (which its initial value must fit, as in TensorFlow)."""
    given = [None] * len(structure) if shape_invariants is None else (
        [shape_invariants] if single else list(shape_invariants))
    invariants = [s for var, inv in zip(structure, given) for s in _invariant_leaves(var, inv)]
    shapes = []
    for i, (x, var, invariant) in enumerate(zip(flat, nest.flatten(structure), invariants)):
        if isinstance(var, tensor_array.TensorArray):  # the elements written so far: more each turn
            shapes.append((None,) + x._value.shape[1:])
            continue
        if invariant is None:
            shapes.append(x._value.shape)
            continue
        invariant = TensorShape(invariant)
        if invariant.rank is None:
            raise NotImplementedError(f"Loop variable {i}: shape invariants of unknown rank are not "
                                      f"supported.")
        if not invariant.is_compatible_with(x._value.shape):
            raise ValueError(
                f"The shape invariant specified for loop variable {i} is not compatible with the initial "
                f"shape of the loop variable. It enters the loop with shape {TensorShape(x._value.shape)}, "
                f"but the specified shape invariant is {invariant}.")
        shapes.append(tuple(invariant.as_list()))
    return shapes


def _invariant_leaves(var: Any, invariant: Any) -> list:
    if not nest.is_nested(var) or invariant is None:
        return [invariant] if not nest.is_nested(var) else [None] * len(nest.flatten(var))
    parts = list(var.values()) if isinstance(var, dict) else list(var)
    invariants = [invariant[k] for k in var] if isinstance(var, dict) else list(invariant)
    return [s for v, i in zip(parts, invariants) for s in _invariant_leaves(v, i)]


def _loop_var_name(x: Any, i: int) -> str:
    return f"`{x.name}`" if type(x) is SymbolicTensor else str(i)


def _check_loop_vars(flat: list, shapes: list, body_graph: Graph) -> None:
    for i, (before, shape, after) in enumerate(zip(flat, shapes, body_graph.outputs)):
        if after is None or after._value.dtype != before._value.dtype:
            raise TypeError(
                f"Loop variable {i} enters the loop with dtype {before.dtype.name}, but has dtype "
                f"{describe(after)} after one iteration."
            )
        if not TensorShape(after._value.shape).is_subtype_of(shape):
            raise ValueError(
                f"Input tensor {_loop_var_name(before, i)} enters the loop with shape {TensorShape(shape)}, "
                f"but has shape "
                f"{TensorShape(after._value.shape)} after one iteration. To allow the shape to vary across "
                f"iterations, use the `shape_invariants` argument of tf.while_loop to specify a "
                f"less-specific shape."
            )


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
    require_record([body_graph, cond_graph], replayed, "tf.while_loop whose body has", "loop",
                   "its condition or in control flow nested in it")
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


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # graph -> its compiled code


def _compiled(graph: Graph) -> Callable:
    """`graph`'s compiled code (compiled once)."""
    code = _COMPILED.get(graph)
    if code is None:
        code = _COMPILED[graph] = compile_graph(graph)[0]
    return code


_VJPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop body -> its compiled VJP


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
            graph.outputs = graph_gradient(body, inputs, tuple(seeds))
        optimize(graph)
        vjp = _VJPS[body] = compile_graph(graph)[0]
    return vjp


def _abstract_of(value: Any) -> AbstractValue:
    return AbstractValue(np.shape(value), value.dtype)


def _second_order_loop_gradient(g: tuple, y: tuple, *inputs: Any, n_inputs: int, **loop: Any) -> list:
    """The gradients of a `WhileGrad`'s inputs: `WhileGrad` computes a function of its inputs by
    running Python (the loop under a tape), so it is differentiated as a `tf.py_function` is, by a
    py_function that reruns it under another tape — which is differentiable in turn, to any order."""
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
            state = body_graph.evaluate(state + body_inputs, replay, rerun=True)[:n]
            count += 1
    return dense(tape.gradient(state, inputs, output_gradients=list(g), unconnected_gradients="zero"))


WHILE = control_op("While", _while_kernel, while_gradient, _emit_while)
records_with(WHILE, _recording_while)
