"""`tf.keras.Input` and `InputLayer`: the entry points of a functional model."""

from __future__ import annotations

from typing import Any

from tapeflow.keras import backend
from tapeflow.keras.engine.base_layer import Layer
from tapeflow.keras.engine.keras_tensor import KerasTensor, Node

__all__ = ["Input", "InputLayer"]


class InputLayer(Layer):
    """A layer that holds a model's input: its one node outputs the Keras tensor `Input` returns."""

    def __init__(
        self,
        input_shape: Any = None,
        batch_size: int | None = None,
        dtype: Any = None,
        input_tensor: Any = None,
        sparse: bool | None = None,
        name: str | None = None,
        ragged: bool | None = None,
        type_spec: Any = None,
        **kwargs: Any,
    ):
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        optional = bool(kwargs.pop("optional", False))
        if input_shape is not None and batch_input_shape is not None:
            raise ValueError(
                "Only provide the input_shape OR batch_input_shape argument to InputLayer, not "
                "both at the same time."
            )
        if input_tensor is None and input_shape is None and batch_input_shape is None:
            raise ValueError(
                "You should provide one of `input_shape`, `batch_input_shape`, or `input_tensor`."
            )
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {list(kwargs.keys())}")
        name = name or f"input_{backend.get_uid('input')}"  # Keras counts inputs from 1
        super().__init__(name=name, dtype=dtype)
        if input_tensor is not None:
            batch_input_shape = tuple(input_tensor.shape.as_list())
        elif batch_input_shape is None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = tuple(batch_input_shape)
        self.sparse, self.ragged, self.optional = bool(sparse), bool(ragged), optional
        self.built = True
        node = Node(self, (), {})
        node.outputs = (
            input_tensor
            if input_tensor is not None
            else KerasTensor(self._batch_input_shape, self.dtype, name=self.name, node=node)
        )

    @property
    def output(self) -> KerasTensor:
        return self._inbound_nodes[0].outputs

    def get_config(self) -> dict:
        return {
            "batch_input_shape": self._batch_input_shape,
            "dtype": self.dtype,
            "sparse": self.sparse,
            "ragged": self.ragged,
            "name": self.name,
            "optional": self.optional,
        }


def Input(
    shape: Any = None,
    batch_size: int | None = None,
    name: str | None = None,
    dtype: Any = None,  # noqa: N802
    sparse: bool | None = None,
    tensor: Any = None,
    ragged: bool | None = None,
    type_spec: Any = None,
    **kwargs: Any,
) -> KerasTensor:
    """A Keras tensor standing for a model input of `shape` (without the batch axis)."""
    batch_shape = kwargs.pop("batch_shape", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {list(kwargs.keys())}")
    if shape is None and tensor is None and batch_shape is None:
        raise ValueError(
            "Please provide to Input a `shape` or a `tensor` or a `type_spec` argument. Note "
            "that `shape` does not include the batch dimension."
        )
    if isinstance(shape, int):
        shape = (shape,)
    layer = InputLayer(
        input_shape=shape,
        batch_size=batch_size,
        name=name,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        input_tensor=tensor,
        batch_input_shape=batch_shape,
    )
    return layer.output
