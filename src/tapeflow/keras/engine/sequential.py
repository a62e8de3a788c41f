"""`tf.keras.Sequential`: a stack of layers, each called on the previous one's output.

As in Keras 2, a model whose input shape is known (from `input_shape` on the first layer, an `Input`
added first, `build`, or the first batch it is called on) is connected as a functional graph on an
`Input` with that shape (batch dimension None), so that `summary()` shows each layer's output shape;
the input layer itself is not among `layers`."""

from __future__ import annotations

from typing import Any

from tapeflow.core import nest
from tapeflow.keras import backend
from tapeflow.keras import layers as layers_module
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.engine.input_layer import Input, InputLayer
from tapeflow.keras.engine.keras_tensor import KerasTensor
from tapeflow.keras.engine.training import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers (see the module doc)."""

    def __init__(self, layers: Any = None, name: str | None = None):
        Layer.__init__(self, name=name or backend.unique_name("sequential"))
        self._init_training_state()
        self._input_tensor: KerasTensor | None = None
        self._output_tensor: KerasTensor | None = None
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list:
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer: Any) -> None:
        """Append a layer (or an `Input` tensor, which fixes the input shape)."""
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(
                f"The added layer must be an instance of class Layer. Received: layer={layer} of type "
                f"{type(layer)}."
            )
        if any(layer.name == existing.name for existing in self._layers):
            raise ValueError(
                f"All layers added to a Sequential model should have unique names. Name "
                f'"{layer.name}" is already the name of a layer in this model. Update the `name` '
                f"argument to pass a unique name."
            )
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("An InputLayer can only be added as the first layer of a Sequential model.")
            self._layers.append(layer)
            self._input_layer = layer
            self._input_tensor = self._output_tensor = layer.output
            return
        self._layers.append(layer)
        self._train_function = self._test_function = self._predict_function = None
        if self._output_tensor is not None:
            self._output_tensor = layer(self._output_tensor)
            self.built = True
        elif len(self.layers) == 1 and hasattr(layer, "_batch_input_shape"):
            batch_shape = layer._batch_input_shape
            self._connect(Input(batch_shape=batch_shape, dtype=layer.dtype, name=f"{layer.name}_input"))

    def pop(self) -> None:
        """Remove the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        self._layers.pop()
        self._train_function = self._test_function = self._predict_function = None
        if self._input_tensor is not None:
            self._connect(self._input_tensor)

    def _connect(self, input_tensor: KerasTensor) -> None:
        """Call the layers in turn on `input_tensor`: the graph that gives `summary` its shapes."""
        self._input_tensor = input_tensor
        self._input_layer = input_tensor.node.layer
        self._layers[:] = [self._input_layer] + self.layers  # Keras keeps it first, out of `layers`
        output = input_tensor
        for layer in self.layers:
            output = layer(output)
        self._output_tensor = output
        self._build_input_shape = tuple(input_tensor.shape.as_list())
        self.input_spec = InputSpec(shape=(None, *self._build_input_shape[1:]))
        self.built = bool(self.layers) or self.built

    def build(self, input_shape: Any = None) -> None:
        """Connect the layers for inputs of `input_shape` (batch first)."""
        if input_shape is None:
            if self._input_tensor is None:
                raise ValueError("You must provide an `input_shape` argument.")
            return
        if self._input_tensor is None or tuple(self._input_tensor.shape.as_list()) != tuple(input_shape):
            self._connect(
                Input(
                    batch_shape=tuple(input_shape),
                    name=f"{self.layers[0].name}_input" if self.layers else None,
                )
            )
        self.built = True

    def _build_from_batch(self, x: Any) -> None:
        shape = list(nest.flatten(x)[0].shape)
        self.build((None, *shape[1:]))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.built and args and self.layers and not isinstance(nest.flatten(args[0])[0], KerasTensor):
            self.build(tuple(nest.flatten(args[0])[0].shape))  # Keras 2 keeps the first batch's size
        return super().__call__(*args, **kwargs)

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        outputs = inputs
        for layer in self.layers:
            kwargs = {"training": training} if training is not None and layer._call_takes_training else {}
            outputs = layer(outputs, **kwargs)
        return outputs

    def _cast_inputs(self, inputs: Any) -> Any:
        return inputs  # each layer casts its own inputs

    @property
    def input_shape(self) -> Any:
        if self._input_tensor is None:
            raise AttributeError(
                f'The layer "{self.name}" has never been called and thus has no defined input shape.'
            )
        return tuple(self._input_tensor.shape.as_list())

    @property
    def output_shape(self) -> Any:
        if self._output_tensor is None:
            raise AttributeError(
                f'The layer "{self.name}" has never been called and thus has no defined output shape.'
            )
        return tuple(self._output_tensor.shape.as_list())

    @property
    def inputs(self) -> list:
        return [self._input_tensor] if self._input_tensor is not None else []

    @property
    def outputs(self) -> list:
        return [self._output_tensor] if self._output_tensor is not None else []

    def _output_names(self) -> list[str] | None:
        return [self.layers[-1].name] if self.layers else None

    def _trackable_children(self) -> list:
        """tf-keras's names: `layer_with_weights-i` for layers with weights, `layer-i` for all (the input
        layer not among them)."""
        return self._layer_children()

    def get_config(self) -> dict:
        """Keras 2's config: the layers (the input layer first, where there is one), serialised."""
        config = {"name": self.name, "layers": [layers_module.serialize(layer) for layer in self._layers]}
        if self._input_tensor is None and self._build_input_shape is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Sequential:
        model = cls(name=config.get("name"))
        for layer_config in config["layers"]:
            model.add(layers_module.deserialize(layer_config, custom_objects))
        if not model.inputs and config.get("build_input_shape"):
            model.build(config["build_input_shape"])
        return model
