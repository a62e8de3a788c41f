"""`tf.summary.trace_on(graph=True)` / `trace_export`: the graphs of the `tf.function`s called while
tracing is on, written for TensorBoard's graph view.

tapeflow's IR (`graph/ir.py`) is rendered as a `GraphDef`: a graph input is a `Placeholder` node, each
equation a node named by its TensorFlow-style label (`MatMul`, `add_1`, scoped names kept) with the
op's TensorFlow name, its inputs' node names (`name:i` for a result after the first), its result
dtype as attribute `T` and its results' shapes as `_output_shapes` (TensorBoard labels edges with
them). A captured constant becomes a `Const` node, a variable a `VarHandleOp` node (an input of its
reads and writes). When several functions were called, each one's nodes sit under its name, so they
show as separate boxes.
"""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any

import numpy as np

from tapeflow.core.scopes import executing_eagerly
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.ir import Graph
from tapeflow.ops.declare import tensor
from tapeflow.summary.events import graph_event
from tapeflow.summary.ops import should_record_summaries
from tapeflow.summary.writer import STATE
from tapeflow.tracing import function as function_module
from tapeflow.train.bundle import dtype_enum

_PRODUCER = 1994  # the GraphDef version TensorBoard expects of TensorFlow 2 graphs


def _shape(shape: tuple) -> dict:
    return {"dim": [{"size": -1 if d is None else d} for d in shape]}


def _type(dtype: Any) -> int:
    return dtype_enum(np.empty(0, dtype))


def _node(name: str, op: str, inputs: list[str], values: list) -> dict:
    attrs = []
    if values:
        attrs.append({"key": "T", "value": {"type": _type(values[0].dtype)}})
        attrs.append({"key": "_output_shapes",
                      "value": {"list": {"shape": [_shape(v.shape) for v in values]}}})
    return {"name": name, "op": op, "input": inputs, "attr": attrs}


def graph_nodes(graph: Graph, prefix: str = "") -> list[dict]:
    """The nodes of `graph` as `NodeDef`s (dicts for `proto.encode`), names under `prefix`."""
    nodes: list[dict] = []
    names: dict[int, str] = {}
    used: set[str] = set()

    def unique(base: str) -> str:
        name, n = base, 0
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        return name

    labels = [x._label.rsplit(":", 1)[0] for x in graph.inputs]
    labels += [eq.outputs[0]._label.rsplit(":", 1)[0] for eq in graph.equations if eq.outputs]
    used.update(labels)
    for x, label in zip(graph.inputs, labels):
        names[id(x)] = prefix + label
        nodes.append(_node(prefix + label, "Placeholder", [], [x._value]))

    def source(x: Any) -> str | None:
        if type(x) is SymbolicTensor:
            return names[id(x)]
        if x is None:
            return None
        if id(x) not in names:
            if type(x) is Tensor:
                names[id(x)] = prefix + unique("Const")
                nodes.append(_node(names[id(x)], "Const", [], [np.asarray(x._value)]))
            else:  # a variable
                names[id(x)] = prefix + unique(x.name.rsplit(":", 1)[0])
                value = np.empty(x.shape, x.dtype.as_numpy_dtype)
                nodes.append(_node(names[id(x)], "VarHandleOp", [], [value]))
        return names[id(x)]

    for eq in graph.equations:
        written = eq.params.get("variable")  # a variable write names its variable as a parameter
        inputs = [name for name in map(source, (*eq.inputs, written)) if name is not None]
        name = prefix + (eq.outputs[0]._label.rsplit(":", 1)[0] if eq.outputs else unique(eq.op.label))
        for i, out in enumerate(eq.outputs):
            names[id(out)] = name if i == 0 else f"{name}:{i}"
        nodes.append(_node(name, eq.op.name, inputs, [out._value for out in eq.outputs]))
    return nodes


def _graph_def(graphs: list[Graph]) -> dict:
    """One `GraphDef` of `graphs`, each one's nodes under its name when there are several."""
    several = len(graphs) > 1
    nodes = [node for g in graphs for node in graph_nodes(g, f"{g.name}/" if several else "")]
    return {"node": nodes, "versions": {"producer": _PRODUCER}}


def graph(graph_data: Any) -> Tensor:
    """`tf.summary.graph`: write a function's graph (`f.get_concrete_function(...).graph`), or a
    `GraphDef` protobuf, to the default writer at step 0, eagerly; True if it wrote."""
    if not executing_eagerly():
        raise ValueError("graph() cannot be invoked inside a graph context.")
    if STATE.writer is None or not bool(should_record_summaries()):
        return tensor(False)
    if isinstance(graph_data, Graph):
        serialized: dict | bytes = _graph_def([graph_data])
    elif type(graph_data).__name__ == "GraphDef" and hasattr(graph_data, "SerializeToString"):
        serialized = graph_data.SerializeToString()
    else:
        raise ValueError("Argument 'graph_data' is not tf.Graph or tf.compat.v1.GraphDef. Received "
                         f"graph_data={graph_data} of type {type(graph_data).__name__}.")
    STATE.writer.add(graph_event(time.time(), 0, serialized))
    return tensor(True)


class _Trace:
    """The graphs collected since trace_on, one per concrete function, in call order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.graphs: dict[int, Graph] = {}
        self.on = False

    def collect(self, concrete: Any) -> None:
        with self.lock:
            self.graphs.setdefault(id(concrete), concrete.graph)


_TRACE = _Trace()


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir: str | None = None) -> None:
    """`tf.summary.trace_on`: collect the graphs of the functions called from now on, in every thread.
    tapeflow has no profiler: `profiler=True` warns and collects graphs only."""
    if profiler:
        warnings.warn("tapeflow has no profiler: tf.summary.trace_on(profiler=True) collects graphs only.",
                      stacklevel=2)
    if graph and not _TRACE.on:
        _TRACE.on = True
        function_module.CALL_OBSERVERS.append(_TRACE.collect)


def trace_off() -> None:
    """`tf.summary.trace_off`: stop collecting and forget what was collected."""
    if _TRACE.on:
        function_module.CALL_OBSERVERS.remove(_TRACE.collect)
        _TRACE.on = False
    _TRACE.graphs.clear()


def trace_export(name: str, step: Any = None, profiler_outdir: str | None = None) -> None:
    """`tf.summary.trace_export`: write the collected graphs as one `GraphDef` (each function under its
    own name, if there are several) to the default writer at `step`, then stop tracing."""
    writer = STATE.writer
    step = STATE.step if step is None else step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument or through "
                         "tf.summary.experimental.set_step()")
    with _TRACE.lock:
        graphs = list(_TRACE.graphs.values())
    trace_off()
    if writer is None:
        warnings.warn("Can not export trace because summary writer is not set.", stacklevel=2)
        return
    writer.add(graph_event(time.time(), int(np.asarray(step)), _graph_def(graphs)))
