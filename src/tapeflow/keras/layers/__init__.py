"""`tf.keras.layers`."""

from tapeflow.keras.engine.base_layer import Layer
from tapeflow.keras.engine.input_layer import Input, InputLayer
from tapeflow.keras.layers.convolutional import AveragePooling2D, Conv2D, MaxPooling2D
from tapeflow.keras.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
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

Convolution2D = Conv2D
MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D

__all__ = [
    "Activation",
    "Add",
    "AvgPool2D",
    "Average",
    "AveragePooling2D",
    "Concatenate",
    "Conv2D",
    "Convolution2D",
    "Dense",
    "Dropout",
    "Embedding",
    "Flatten",
    "Input",
    "InputLayer",
    "Layer",
    "MaxPool2D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "Multiply",
    "Normalization",
    "Reshape",
    "Rescaling",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
