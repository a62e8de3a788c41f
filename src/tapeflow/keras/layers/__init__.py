"""`tf.keras.layers`."""

import inspect
from typing import Any

from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.engine.input_layer import Input, InputLayer
from tapeflow.keras.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
)
from tapeflow.keras.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from tapeflow.keras.layers.lambda_layer import Lambda
from tapeflow.keras.layers.masking import Masking
from tapeflow.keras.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from tapeflow.keras.layers.normalization import BatchNormalization, LayerNormalization
from tapeflow.keras.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from tapeflow.keras.layers.preprocessing import Normalization, Rescaling
from tapeflow.keras.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from tapeflow.keras.layers.regularization import SpatialDropout1D, SpatialDropout2D
from tapeflow.keras.layers.reshaping import Cropping2D, Permute, RepeatVector, UpSampling2D, ZeroPadding2D
from tapeflow.keras.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from tapeflow.keras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
from tapeflow.keras.saving import object_registration

Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D

__all__ = [
    "Activation",
    "Add",
    "AvgPool2D",
    "Average",
    "AveragePooling2D",
    "Bidirectional",
    "Concatenate",
    "Conv2D",
    "Convolution2D",
    "Dense",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GRU",
    "GRUCell",
    "Input",
    "InputLayer",
    "InputSpec",
    "LSTM",
    "LSTMCell",
    "Layer",
    "Masking",
    "MaxPool2D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Normalization",
    "RNN",
    "Reshape",
    "Rescaling",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    "Subtract",
    "TimeDistributed",
    "Wrapper",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
    "deserialize",
    "serialize",
    "AveragePooling1D",
    "AvgPool1D",
    "BatchNormalization",
    "Conv1D",
    "Conv2DTranspose",
    "Convolution1D",
    "Convolution2DTranspose",
    "Cropping2D",
    "DepthwiseConv2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Lambda",
    "LayerNormalization",
    "MaxPool1D",
    "MaxPooling1D",
    "Permute",
    "RepeatVector",
    "SeparableConv2D",
    "SeparableConvolution2D",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "UpSampling2D",
    "ZeroPadding2D",
]


def _plain_shapes(shape: Any) -> Any:
    """A build shape as JSON holds it: TensorShapes as tuples, nested in lists as given."""
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list()) if shape.rank is not None else None
    if isinstance(shape, (list, tuple)) and any(isinstance(s, (list, tuple)) or hasattr(s, "as_list")
                                                for s in shape):
        return [_plain_shapes(s) for s in shape]
    return shape


def _module_and_registered_name(cls: type) -> tuple[str | None, str | None]:
    """Where Keras says a class is from: a public layer or model by its namespace, a custom class by
    its module (None for `__main__`) and registered name."""
    if globals().get(cls.__name__) is cls:
        return "keras.layers", None
    if cls.__module__.startswith("tapeflow.keras.engine."):
        if cls.__name__ == "Sequential":
            return "keras", None
        if cls.__name__ == "Functional":
            return "tf_keras.src.engine.functional", "Functional"
    module = None if cls.__module__ == "__main__" else cls.__module__
    return module, object_registration.get_registered_name(cls)


def serialize(layer: Layer) -> dict:
    """A layer's config as Keras 2 writes it in a model's config (with its build input shape)."""
    module, registered_name = _module_and_registered_name(type(layer))
    config = {
        "module": module,
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": registered_name,
    }
    shape = layer._build_input_shape
    if layer.built and shape is not None and not isinstance(layer, InputLayer):
        config["build_config"] = {"input_shape": _plain_shapes(shape)}
    return config


def _model_classes() -> dict:
    from tapeflow.keras.engine.functional import Functional  # imported here: the models import layers
    from tapeflow.keras.engine.sequential import Sequential
    from tapeflow.keras.engine.training import Model

    return {"Functional": Functional, "Sequential": Sequential, "Model": Model}


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer (or model) from `serialize`'s dict: its class looked up in `custom_objects`, the custom
    object scopes and registry, these layers, then the models."""
    name = config["class_name"]
    cls = (object_registration.get_registered_object(name, custom_objects, config.get("registered_name"))
           or globals().get(name) or _model_classes().get(name))
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(
            f"Unknown layer: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` "
            f"and that this object is included in the scope. See https://www.tensorflow.org/guide/"
            f"keras/save_and_serialize#registering_the_custom_object for details."
        )
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config["config"], custom_objects=custom_objects)
    return cls.from_config(config["config"])
