"""Functional models: `tf.keras.Model(inputs, outputs)`, a graph of layer calls on Keras tensors.

The graph is the nodes found by walking back from the outputs. Each node's depth is its longest
distance from an output; running the model runs the nodes from the deepest (the inputs) up. `layers`
lists the layers by decreasing depth (so the input layers first), in the order they were found."""

from __future__ import annotations

from typing import Any

from tapeflow.core import nest
from tapeflow.keras import backend
from tapeflow.keras.engine import functional_config
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.engine.input_layer import InputLayer
from tapeflow.keras.engine.keras_tensor import KerasTensor
from tapeflow.keras.engine.training import Model

__all__ = ["Functional"]


def _to_tuple(shape: Any) -> tuple:
    return tuple(shape.as_list())


class Functional(Model):
    """A model whose `call` replays the layer calls that led from `inputs` to `outputs`."""

    def __init__(
        self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True, **kwargs: Any
    ):
        Layer.__init__(self, name=name or backend.unique_name("model"), trainable=trainable, **kwargs)
        self._init_training_state()
        self._init_network(inputs, outputs)

    def _init_network(self, inputs: Any, outputs: Any) -> None:
        if isinstance(inputs, dict):
            self._input_names = list(inputs.keys())
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and not isinstance(outputs, dict):
            inputs = inputs[0] if not isinstance(inputs, list) else inputs
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs = list(nest.flatten(inputs))
        self.outputs = list(nest.flatten(outputs))
        for tensor in self.inputs + self.outputs:
            if not isinstance(tensor, KerasTensor):
                raise ValueError(
                    f"Found unexpected instance while processing input tensors for keras functional "
                    f"model. Expecting KerasTensor which is from tf.keras.Input() or output from "
                    f"keras layer call(). Got: {tensor}"
                )
        self._nodes_by_depth, ordered_layers = self._map_graph()
        self._is_graph_network = True
        object.__setattr__(self, "_layers", ordered_layers)
        self._output_layer_names = [t.node.layer.name for t in self.outputs]
        self.input_spec = [InputSpec(shape=(None, *t.shape.as_list()[1:])) for t in self.inputs]
        self.built = True
        self._build_input_shape = nest.map_structure(lambda t: _to_tuple(t.shape), inputs)

    def _map_graph(self) -> tuple[dict, list]:
        """Nodes by depth and the layers in Keras's order: a node's depth is one more than the deepest
        node using its outputs, and at least its layer's (so the calls of a shared layer line up);
        layers of equal depth keep the order a depth-first walk from the outputs meets them in."""
        post_order: list = []  # the nodes, each after those it uses
        finished: set[int] = set()
        layer_index: dict[int, int] = {}

        def visit(node: Any) -> None:
            layer_index.setdefault(id(node.layer), len(layer_index))
            if id(node) in finished:
                return
            for parent in node.parent_nodes:
                visit(parent)
            finished.add(id(node))
            post_order.append(node)

        for tensor in self.outputs:
            visit(tensor.node)
        reached = {id(n) for n in post_order}
        for tensor in self.inputs:
            if id(tensor.node) not in reached:
                raise ValueError(f"Graph disconnected: input {tensor.name} does not lead to the outputs.")
        inputs = {id(t.node) for t in self.inputs}
        for node in post_order:
            if isinstance(node.layer, InputLayer) and id(node) not in inputs:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {node.outputs} at layer "
                    f'"{node.layer.name}". The following previous layers were accessed without issue: '
                    f"{[n.layer.name for n in post_order if id(n) in inputs]}"
                )
        node_depth: dict[int, int] = {}
        layer_depth: dict[int, int] = {}
        for node in reversed(post_order):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
            layer_depth[id(node.layer)] = node_depth[id(node)] = depth
            for parent in node.parent_nodes:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        by_depth: dict[int, list] = {}
        for node in post_order:
            by_depth.setdefault(node_depth[id(node)], []).append(node)
        by_depth = dict(sorted(by_depth.items(), reverse=True))
        layers = list({id(n.layer): n.layer for n in post_order}.values())
        layers.sort(key=lambda layer: (-layer_depth[id(layer)], layer_index[id(layer)]))
        self._execution_order = [n for depth in by_depth for n in by_depth[depth]]
        return by_depth, layers

    def _output_names(self) -> list[str]:
        return self._output_layer_names

    @property
    def input_shape(self) -> Any:
        return nest.map_structure(lambda t: _to_tuple(t.shape), self._nested_inputs)

    @property
    def output_shape(self) -> Any:
        return nest.map_structure(lambda t: _to_tuple(t.shape), self._nested_outputs)

    @property
    def input_names(self) -> list[str]:
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return self._output_layer_names

    def _flatten_inputs(self, inputs: Any) -> list:
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f'Missing data for input "{missing[0]}". You passed a data dictionary with keys '
                    f"{list(inputs)}. Expected the following keys: {names}"
                )
            return [inputs[n] for n in names]
        flat = nest.flatten(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(
                f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it received '
                f"{len(flat)} input tensors. Inputs received: {flat}"
            )
        return flat

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        values = {id(t): x for t, x in zip(self.inputs, self._flatten_inputs(inputs))}
        for node in self._execution_order:
            if isinstance(node.layer, InputLayer):
                continue
            kwargs = (
                {}
                if training is None or not node.layer._call_takes_training or "training" in node.kwargs
                else {"training": training}
            )
            outputs = (
                node.run(values)
                if not kwargs
                else node.layer(*_replace(node.args, values), **_replace(node.kwargs, values), **kwargs)
            )
            for tensor, value in zip(nest.flatten(node.outputs), nest.flatten(outputs)):
                values[id(tensor)] = value
        return nest.map_structure(lambda t: values[id(t)], self._nested_outputs)

    def _cast_inputs(self, inputs: Any) -> Any:
        return inputs  # each layer casts its own inputs

    def _trackable_children(self) -> list:
        """tf-keras's names for a functional model's layers: `layer_with_weights-i` for those with weights,
        `layer-i` for all (InputLayers included)."""
        return self._layer_children()

    def get_config(self) -> dict:
        """Keras 2's config of the graph: layers with their inbound nodes, input and output layers."""
        return functional_config.network_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Functional:
        """The model `get_config` describes, with new layers (and new weights)."""
        inputs, outputs = functional_config.reconstruct(config, custom_objects)
        return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
                   trainable=config.get("trainable", True))


def _replace(structure: Any, values: dict) -> Any:
    return nest.map_structure(lambda x: values[id(x)] if isinstance(x, KerasTensor) else x, structure)
