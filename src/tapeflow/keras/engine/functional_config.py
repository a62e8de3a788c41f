"""A functional model's config as Keras 2 writes it, and the model rebuilt from it.

The config lists the layers (each serialized, with its `name` and `inbound_nodes`), then
`input_layers` and `output_layers` as `[layer name, node index, tensor index]`. A node is the first
argument of one call with each Keras tensor written `[layer name, node index, tensor index, kwargs]`
(the call's other arguments, by name, in every entry; a lone tensor wrapped in a list). Node indices
count only the calls that belong to this model, from 1 for a nested functional model (whose first
node Keras keeps for itself).

Rebuilding deserializes the layers, then calls each on its inbound nodes, in the layers' order, as
soon as the tensors a node needs exist: nodes may wait for layers listed after them."""

from __future__ import annotations

import inspect
from typing import Any

from tapeflow.core import nest
from tapeflow.keras import layers as layers_module
from tapeflow.keras.engine.input_layer import InputLayer
from tapeflow.keras.engine.keras_tensor import KerasTensor
from tapeflow.keras.engine.sequential import Sequential

__all__ = ["network_config", "reconstruct"]

_CONSTANT = "_CONSTANT_VALUE"


def _skips_first_node(layer: Any) -> bool:
    """Whether Keras numbers this layer's nodes from 1: a functional model, or a Sequential model with
    an input layer (Keras gives each a first node of its own)."""
    if isinstance(layer, Sequential):
        return bool(layer._layers) and isinstance(layer._layers[0], InputLayer)
    return bool(getattr(layer, "_is_graph_network", False))


def _is_entry(data: Any) -> bool:
    return (isinstance(data, list) and len(data) in (3, 4) and isinstance(data[0], str)
            and isinstance(data[1], int) and isinstance(data[2], int))


def _map_entries(data: Any, fn: Any) -> Any:
    """`fn` over each tensor entry of node data (entries are leaves, not lists to descend)."""
    if _is_entry(data):
        return fn(data)
    if isinstance(data, (list, tuple)):
        return [_map_entries(x, fn) for x in data]
    if isinstance(data, dict):
        return {k: _map_entries(v, fn) for k, v in data.items()}
    return data


def _entries(data: Any) -> list:
    found: list = []
    _map_entries(data, found.append)
    return found


def network_config(model: Any) -> dict:
    """`model.get_config()` of a functional model (see the module doc)."""
    nodes = {id(node) for node in model._execution_order}
    index_of: dict[int, int] = {}  # id(node) -> its index among the layer's nodes in this model
    for layer in model.layers:
        kept = int(_skips_first_node(layer))
        for node in layer._inbound_nodes:
            if id(node) in nodes:
                index_of[id(node)] = kept
                kept += 1

    def coordinates(tensor: KerasTensor) -> list:
        return [tensor.node.layer.name, index_of.get(id(tensor.node), 0), tensor.index]

    def value(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            return coordinates(x)
        return x.tolist() if hasattr(x, "tolist") else x

    configs = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in nodes or isinstance(layer, InputLayer):
                continue
            names = list(inspect.signature(layer.call).parameters)[1:]
            kwargs = {**dict(zip(names, node.args[1:])), **node.kwargs}
            kwargs = nest.map_structure(value, kwargs)
            first = node.args[0] if node.args else None
            data = nest.map_structure(
                lambda t, kwargs=kwargs: [*coordinates(t), kwargs] if isinstance(t, KerasTensor)
                else [_CONSTANT, -1, value(t), kwargs], first)
            inbound.append([data] if _is_entry(data) else data)
        config = layers_module.serialize(layer)
        config["name"] = layer.name
        config["inbound_nodes"] = inbound
        configs.append(config)

    def ends(structure: Any) -> Any:
        out = nest.map_structure(coordinates, structure)
        return [out] if _is_entry(out) else out

    return {"name": model.name, "trainable": model.trainable, "layers": configs,
            "input_layers": ends(model._nested_inputs), "output_layers": ends(model._nested_outputs)}


def reconstruct(config: dict, custom_objects: dict | None = None) -> tuple[Any, Any]:
    """The inputs and outputs of the graph `config` describes, its layers made and called anew."""
    created: dict[str, Any] = {}
    pending: dict[str, list] = {}
    node_map: dict[tuple[str, int], int] = {}  # (layer name, config node index) -> index in the layer
    counts: dict[str, int] = {}
    for layer_data in config["layers"]:
        layer = layers_module.deserialize(layer_data, custom_objects)
        created[layer_data["name"]] = layer
        counts[layer_data["name"]] = int(_skips_first_node(layer))
        pending[layer_data["name"]] = list(layer_data.get("inbound_nodes", []))

    def tensor(entry: list) -> KerasTensor | None:
        layer = created[entry[0]]
        index = 0 if isinstance(layer, InputLayer) else node_map.get((entry[0], entry[1]))
        if index is None:
            return None
        return nest.flatten(layer._inbound_nodes[index].outputs)[entry[2]]

    def call(name: str, node_data: Any) -> bool:
        entries = _entries(node_data)
        kwargs = entries[0][3] if entries and len(entries[0]) == 4 else {}
        needed = [e for e in entries if e[0] != _CONSTANT] + _entries(kwargs)
        if any(e[0] in created and tensor(e) is None for e in needed):
            return False
        kwargs = _map_entries(kwargs, lambda e: tensor(e) if e[0] in created else e)
        inputs = _map_entries(node_data, lambda e: e[2] if e[0] == _CONSTANT else tensor(e))
        flat = nest.flatten(inputs)
        if not isinstance(inputs, dict) and len(flat) == 1:
            inputs = flat[0]
        layer = created[name]
        outputs = layer(inputs, **kwargs)
        node_map[(name, counts[name])] = layer._inbound_nodes.index(nest.flatten(outputs)[0].node)
        counts[name] += 1
        return True

    while any(pending.values()):
        progressed = False
        for name, nodes in pending.items():
            while nodes and call(name, nodes[0]):
                nodes.pop(0)
                progressed = True
        if not progressed:
            raise ValueError("Improperly formatted model config: a node's inputs are never produced "
                             f"(layers waiting: {[n for n, nodes in pending.items() if nodes]}).")

    def ends(structure: Any) -> Any:
        out = _map_entries(structure, tensor)
        return out[0] if isinstance(out, list) and len(out) == 1 else out

    return ends(config["input_layers"]), ends(config["output_layers"])
