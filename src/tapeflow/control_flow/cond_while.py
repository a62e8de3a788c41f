"""`tf.cond` and `tf.while_loop`: control flow as ops whose parameters are compiled subgraphs.

Eagerly they are Python's `if` and `while`. While a function is traced they trace each branch, or
the loop's condition and body, once into a subgraph of its own (values of the enclosing graph it
uses become captured inputs), compile it, and add one equation that runs the compiled code: the
branch taken, or the loop, on every call. Effects inside (variable writes, prints) happen at each
iteration. Their gradients (which run a subgraph again, replaying what its effects gave) are in
`control_flow_grad.py`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.control_flow import tensor_array
from tapeflow.control_flow.gradients import boxed, effect_in, if_gradient, replayable, while_gradient
from tapeflow.core import dtypes, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import CONTROL, Op, bind
from tapeflow.core.state import current, tracing
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Equation, Graph
from tapeflow.graph.passes import optimize, written_variables

__all__ = ["cond", "recording", "while_loop"]


def _emit_if(eq: Any, expression: Callable, name: Callable) -> list[str]:
    """`if pred: outs = true_branch(...) else: outs = false_branch(...)`."""
    pred, *captured = map(expression, eq.inputs)
    n_true, targets = eq.params["n_true"], "".join(o._name + ", " for o in eq.outputs).rstrip() or "_"
    true_call = f"{name(eq.params['true_fn'], 'cond_true')}({', '.join(captured[:n_true])})"
    false_call = f"{name(eq.params['false_fn'], 'cond_false')}({', '.join(captured[n_true:])})"
    return [f"if {pred}:", f"    {targets} = {true_call}", "else:", f"    {targets} = {false_call}"]


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


def _control_op(name: str, kernel: Callable, joint: Callable, emit: Callable) -> Op:
    """A control-flow op: any number of inputs, always kept and in order (its subgraphs may have
    effects), its results' shapes given by the subgraphs (`avals`)."""
    return Op(name, kernel, joint=joint, variadic=True, multiple_results=True, effect=CONTROL,
              infer=lambda *values, avals, **params: avals, emit=emit)


def _traced(fn: Callable, args: list, name: str, shapes: list | None = None) -> tuple[Graph, Any, Callable]:
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
        flat = [graph.capture(x) if type(x) is SymbolicTensor else x for x in map(_tensor, leaves)]
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


def _abstract(x: Any) -> AbstractValue:
    return AbstractValue(x._value.shape, x._value.dtype)


def _tensor(x: Any) -> Any:
    if x is None or type(x) is SymbolicTensor or type(x) is Tensor:
        return x
    return convert_to_tensor(x)


# ---- cond -------------------------------------------------------------------------------------


def _if_kernel(pred, *captured, true_fn, false_fn, n_true, avals, true_graph, false_graph, n_out, replayed):
    return true_fn(*captured[:n_true]) if pred else false_fn(*captured[n_true:])


_IF = _control_op("If", _if_kernel, if_gradient, _emit_if)


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

    true_graph, true_result, true_code = _traced(true_branch, [], "cond_true")
    false_branch = lambda: tensor_array.buffers(false_fn())  # noqa: E731
    false_graph, false_result, false_code = _traced(false_branch, [], "cond_false")
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
    outputs = bind(_IF, inputs,
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
                f"{_describe(a)} from true_fn, {_describe(b)} from false_fn."
            )


def _join(a: tuple, b: tuple) -> tuple:
    """The most specific shape of which `a` and `b` are both instances: differing dimensions unknown."""
    return tuple(x if x == y else None for x, y in zip(a, b))


def _describe(x: Any) -> str:
    return "None" if x is None else f"{dtypes.from_numpy(x._value.dtype).name}{list(x._value.shape)}"


# ---- while_loop -------------------------------------------------------------------------------


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


_WHILE = _control_op("While", _while_kernel, while_gradient, _emit_while)


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


def recording(graph: Graph) -> Graph:
    """`graph` with its control flow keeping records for a tape's gradient, as if it had been traced
    while a tape recorded: what a compiled function traced without one runs under a tape."""
    records = {_IF: _recording_if, _WHILE: _recording_while}
    taped = copy.copy(graph)
    taped.equations = [
        Equation(eq.op, eq.inputs, records[eq.op](eq.params), eq.outputs) if eq.op in records else eq
        for eq in graph.equations
    ]
    return taped


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

    cond_graph, _, cond_code = _traced(packed(cond), flat, "while_cond", shapes)
    if len(cond_graph.outputs) != 1 or cond_graph.outputs[0]._value.dtype != bool:
        raise TypeError("The `cond` of tf.while_loop must return a scalar bool tensor.")
    body_graph, body_result, body_code = _traced(
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
    outputs = bind(_WHILE, inputs,
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
                f"{_describe(after)} after one iteration."
            )
        if not TensorShape(after._value.shape).is_subtype_of(shape):
            raise ValueError(
                f"Input tensor {_loop_var_name(before, i)} enters the loop with shape {TensorShape(shape)}, "
                f"but has shape "
                f"{TensorShape(after._value.shape)} after one iteration. To allow the shape to vary across "
                f"iterations, use the `shape_invariants` argument of tf.while_loop to specify a "
                f"less-specific shape."
            )
