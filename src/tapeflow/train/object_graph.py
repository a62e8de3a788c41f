"""The object graph of a checkpoint: how TensorFlow names and links the saved objects.

Saving walks the objects breadth-first from the root, giving each a node id the first time it is
met (an object reached twice is one node), and names each variable's value after the first path
that reached it: `model/layers/0/w/.ATTRIBUTES/VARIABLE_VALUE`. An object that is not a variable but has
state of its own (a tf.data iterator) says what to save with `_serialize_to_tensors()` (suffix ->
array, TensorFlow's protocol name) and is given it back by `_restore_from_tensors`: as in TensorFlow,
the node's one attribute is named by its `_saveable_name` (`.ATTRIBUTES/ITERATOR`) and each tensor's
key is the attribute's key plus the suffix (`.ATTRIBUTES/ITERATOR_STATE`). The graph itself is saved as a
`TrackableObjectGraph` message under `_CHECKPOINTABLE_OBJECT_GRAPH`. Restoring reads the graph back
(`SavedGraph`) and follows the names there, not the paths, to find each value.
"""

from __future__ import annotations

from typing import Any

from tapeflow.ops.variables import Variable
from tapeflow.tracking.trackable import children
from tapeflow.train import messages, proto

__all__ = ["GRAPH_KEY", "SavedGraph", "build_graph", "escape"]

GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
VALUE_SUFFIX = ".ATTRIBUTES/VARIABLE_VALUE"


def escape(name: str) -> str:
    """A child's name as it appears in a path (`.` -> `..`, `/` -> `.S`)."""
    return name.replace(".", "..").replace("/", ".S")


def variable_full_name(variable: Variable) -> str:
    name = variable.name
    return name[:-2] if name.endswith(":0") else name


def saves_tensors(obj: Any) -> bool:
    """Whether `obj` saves state of its own besides a variable's value (see the module doc)."""
    return hasattr(obj, "_serialize_to_tensors") and not isinstance(obj, type)


def build_graph(root: Any) -> tuple[bytes, list[tuple[str, Any]]]:
    """The serialized object graph of everything reachable from `root`, and each value to save (an
    array) with its checkpoint key, in node order."""
    objects, paths, ids = [root], [""], {id(root): 0}
    edges: list[list[tuple[int, str]]] = []
    position = 0
    while position < len(objects):  # breadth-first; `objects` keeps every node alive (ids stay unique)
        obj = objects[position]
        node_edges = []
        for name, child in children(obj):
            child_id = ids.get(id(child))
            if child_id is None:
                child_id = ids[id(child)] = len(objects)
                objects.append(child)
                paths.append(f"{paths[position]}{escape(name)}/")
            node_edges.append((child_id, name))
        edges.append(node_edges)
        position += 1
    has_values = _has_values(objects, edges)
    nodes, saved = [], []
    for node_id, obj in enumerate(objects):
        node: dict = {"children": [{"node_id": c, "local_name": n} for c, n in edges[node_id]],
                      "has_checkpoint_values": {"value": has_values[node_id]}}
        if isinstance(obj, Variable):
            key = paths[node_id] + VALUE_SUFFIX
            node["attributes"] = [{"name": "VARIABLE_VALUE", "full_name": variable_full_name(obj),
                                   "checkpoint_key": key}]
            saved.append((key, obj._value))
        elif saves_tensors(obj):
            key = f"{paths[node_id]}.ATTRIBUTES/{obj._saveable_name}"
            node["attributes"] = [{"name": obj._saveable_name, "full_name": "", "checkpoint_key": key}]
            saved += [(key + suffix, value) for suffix, value in obj._serialize_to_tensors().items()]
        nodes.append(node)
    return proto.encode(messages.TRACKABLE_OBJECT_GRAPH, {"nodes": nodes}), saved


def _has_values(objects: list, edges: list) -> list[bool]:
    """Whether each node or anything below it holds a value (cycles allowed)."""
    has = [isinstance(obj, Variable) or saves_tensors(obj) for obj in objects]
    changed = True
    while changed:
        changed = False
        for node_id in range(len(objects) - 1, -1, -1):
            if not has[node_id] and any(has[c] for c, _ in edges[node_id]):
                has[node_id] = changed = True
    return has


class SavedGraph:
    """A checkpoint's object graph as read back: children and value keys per node, and a readable
    path for each node (for error messages)."""

    def __init__(self, serialized: bytes):
        graph = proto.decode(messages.TRACKABLE_OBJECT_GRAPH, serialized)
        self.nodes = graph["nodes"]
        self.children = [
            [(ref.get("node_id", 0), ref.get("local_name", b"").decode()) for ref in node["children"]]
            for node in self.nodes]
        self.value_keys = [
            {a.get("name", b"").decode(): a.get("checkpoint_key", b"").decode() for a in node["attributes"]}
            for node in self.nodes]
        self.slot_variables = [node["slot_variables"] for node in self.nodes]
        self.names = self._readable_names()

    def _readable_names(self) -> list[str]:
        names = [""] * len(self.nodes)
        names[0] = "(root)"
        queue, seen = [0], {0}
        for node_id in queue:  # breadth-first: the first path to each node, cycles guarded
            for child, name in self.children[node_id]:
                if child not in seen and child < len(self.nodes):
                    seen.add(child)
                    names[child] = f"{names[node_id]}.{name}"
                    queue.append(child)
        return names
