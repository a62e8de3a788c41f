"""Output shapes of a layer called on Keras tensors, found by running it.

tapeflow has no symbolic execution outside `tf.function`, so a layer's output shape is found by
calling it (in inference mode) on zero batches that stand in for its inputs: twice, with the unknown
dimensions set to 2 and then 3; an output dimension that differs between the two is unknown (None).
Keras instead traces `call` on symbolic placeholders; the results agree for layers whose output shape
depends on the input's shape only."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras.engine.keras_tensor import KerasTensor

__all__ = ["output_shapes", "symbolic_outputs"]


def _stand_in(x: Any, size: int) -> Any:
    if not isinstance(x, KerasTensor):
        return x
    shape = [size if d is None else d for d in x.shape.as_list()]
    return convert_to_tensor(np.zeros(shape, x.dtype.as_numpy_dtype))


def _probe(layer: Any, args: tuple, kwargs: dict, size: int) -> Any:
    args = nest.map_structure(lambda x: _stand_in(x, size), args)
    kwargs = nest.map_structure(lambda x: _stand_in(x, size), kwargs)
    if layer._call_takes_training:
        kwargs["training"] = False
    losses = [list(sub._losses) for sub in [layer, *layer._flatten_layers()]]
    states = [(v, v.numpy()) for sub in [layer, *layer._flatten_layers()] for v in _recurrent_states(sub)]
    outputs = layer(*args, **kwargs)
    for sub, kept in zip([layer, *layer._flatten_layers()], losses):
        sub._losses = kept  # the stand-in call's activity losses are not the model's
    for variable, value in states:  # nor are the states it left in stateful RNNs
        variable.assign(value)
    return outputs


def _recurrent_states(layer: Any) -> list:
    """A stateful recurrent layer's state variables (none for other layers)."""
    return list(getattr(layer, "_states", None) or []) if getattr(layer, "stateful", False) else []


def _merged(a: Any, b: Any) -> TensorShape:
    return TensorShape([x if x == y else None for x, y in zip(a.shape.as_list(), b.shape.as_list())])


def symbolic_outputs(layer: Any, node: Any) -> Any:
    """The Keras tensors `layer` gives for the call `node` records (building the layer first)."""
    layer._maybe_build(node.args[0])
    first = _probe(layer, node.args, dict(node.kwargs), 2)
    second = _probe(layer, node.args, dict(node.kwargs), 3)
    flat = [
        KerasTensor(_merged(a, b), a.dtype, name=layer.name, node=node, index=i)
        for i, (a, b) in enumerate(zip(nest.flatten(first), nest.flatten(second)))
    ]
    return nest.pack_sequence_as(first, flat)


def _is_shape(value: Any) -> bool:
    return isinstance(value, TensorShape) or (
        isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)
    )


def output_shapes(layer: Any, input_shape: Any) -> Any:
    """`compute_output_shape`: the output shapes for inputs of `input_shape` (batch first; a list of
    shapes for a layer of several inputs)."""
    if _is_shape(input_shape):
        inputs: Any = KerasTensor(input_shape, layer.dtype)
    else:
        inputs = [KerasTensor(shape, layer.dtype) for shape in input_shape]
    layer._maybe_build(inputs)
    first = _probe(layer, (inputs,), {}, 2)
    second = _probe(layer, (inputs,), {}, 3)
    return nest.map_structure(_merged, first, second)
