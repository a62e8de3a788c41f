"""Symbolic Keras tensors and the nodes that connect layers in a functional model.

`Input(...)` gives a `KerasTensor`: a shape and dtype with no value. Calling a layer on Keras tensors
records a `Node` (the layer, the arguments it was called with, the outputs it gave) and returns new
Keras tensors whose `_keras_history` points at the node; a functional model is the nodes reached by
walking back from its outputs."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes, nest
from tapeflow.core.tensor_shape import TensorShape

__all__ = ["KerasTensor", "Node", "is_keras_tensor"]


class KerasTensor:
    """A symbolic value in a functional model: `shape` (batch first, None where unknown), `dtype`,
    `name`, and the node that made it."""

    def __init__(
        self,
        shape: Any,
        dtype: Any = "float32",
        name: str | None = None,
        node: Node | None = None,
        index: int = 0,
    ):
        self.shape = TensorShape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name
        self.node = node
        self.index = index

    @property
    def _keras_history(self) -> tuple:
        return (self.node.layer, 0, self.index)

    def __repr__(self) -> str:
        created = f" (created by layer '{self.node.layer.name}')" if self.node is not None else ""
        return f"<KerasTensor: shape={self.shape} dtype={self.dtype.name}{created}>"

    def __len__(self) -> int:
        raise TypeError(
            "Keras symbolic inputs/outputs do not implement `__len__`. You may be trying to "
            "pass Keras symbolic inputs/outputs to a TF API that does not register dispatching, "
            "preventing Keras from automatically converting the API call to a lambda layer in "
            "the Functional Model. This error will also get raised if you try asserting a "
            "symbolic input/output directly."
        )


def is_keras_tensor(x: Any) -> bool:
    return isinstance(x, KerasTensor)


class Node:
    """One call of a layer on Keras tensors: `args`/`kwargs` as given (Keras tensors inside), and the
    `outputs` structure of Keras tensors it returned."""

    def __init__(self, layer: Any, args: tuple, kwargs: dict):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs: Any = None
        layer._inbound_nodes.append(self)

    @property
    def input_tensors(self) -> list[KerasTensor]:
        return [x for x in nest.flatten((self.args, self.kwargs)) if isinstance(x, KerasTensor)]

    @property
    def parent_nodes(self) -> list[Node]:
        return [x.node for x in self.input_tensors if x.node is not None]

    def run(self, values: dict) -> Any:
        """Call the layer with each Keras tensor replaced by `values[id(tensor)]`."""

        def value(x: Any) -> Any:
            return values[id(x)] if isinstance(x, KerasTensor) else x

        args = nest.map_structure(value, self.args)
        kwargs = nest.map_structure(value, self.kwargs)
        return self.layer(*args, **kwargs)
