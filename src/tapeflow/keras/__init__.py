"""`tf.keras`: Keras 2 (tf-keras 2.21) on tapeflow — layers, models, compile/fit, losses, metrics,
callbacks, initializers, optimizers, the datasets and utilities."""

from tapeflow.keras import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    regularizers,
    saving,
    utils,
)
from tapeflow.keras.engine.input_layer import Input
from tapeflow.keras.engine.sequential import Sequential
from tapeflow.keras.engine.training import Model

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "optimizers",
    "regularizers",
    "saving",
    "utils",
]
