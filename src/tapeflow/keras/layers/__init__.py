"""`tf.keras.layers`."""

from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.engine.input_layer import Input, InputLayer
from tapeflow.keras.layers.convolutional import AveragePooling2D, Conv2D, MaxPooling2D
from tapeflow.keras.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from tapeflow.keras.layers.masking import Masking
from tapeflow.keras.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)
from tapeflow.keras.layers.preprocessing import Normalization, Rescaling
from tapeflow.keras.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from tapeflow.keras.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from tapeflow.keras.layers.wrappers import Bidirectional, TimeDistributed, Wrapper

Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D

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
    "maximum",
    "minimum",
    "multiply",
    "subtract",
    "deserialize",
    "serialize",
]


def serialize(layer: Layer) -> dict:
    """A layer's config as Keras 2 writes it in a model's config (with its build input shape)."""
    config = {
        "module": "keras.layers",
        "class_name": type(layer).__name__,
        "config": layer.get_config(),
        "registered_name": None,
    }
    shape = layer._build_input_shape
    if layer.built and shape is not None and not isinstance(layer, InputLayer):
        config["build_config"] = {
            "input_shape": tuple(shape.as_list()) if hasattr(shape, "as_list") else shape
        }
    return config


def deserialize(config: dict, custom_objects: dict | None = None) -> Layer:
    """A layer from `serialize`'s dict (its class looked up among these layers or `custom_objects`)."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or globals().get(name)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(
            f"Unknown layer: '{name}'. Please ensure you are using a `keras.utils.custom_object_scope` "
            f"and that this object is included in the scope. See https://www.tensorflow.org/guide/"
            f"keras/save_and_serialize#registering_the_custom_object for details."
        )
    return cls.from_config(config["config"])
