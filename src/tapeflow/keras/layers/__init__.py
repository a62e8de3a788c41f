"""`tf.keras.layers`."""

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


def serialize(layer: Layer) -> dict:
    """A layer's config as Keras 2 writes it in a model's config (with its build input shape); a
    user's layer class is named with its module, as tf-keras names an unregistered custom object."""
    cls = type(layer)
    custom = not cls.__module__.startswith("tapeflow.keras.")
    config = {
        "module": cls.__module__ if custom else "keras.layers",
        "class_name": cls.__name__,
        "config": layer.get_config(),
        "registered_name": cls.__name__ if custom else None,
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
