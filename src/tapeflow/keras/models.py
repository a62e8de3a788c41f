"""`tf.keras.models`: Model, Sequential; saving and loading whole models."""

from tapeflow.keras.engine.functional import Functional
from tapeflow.keras.engine.sequential import Sequential
from tapeflow.keras.engine.training import Model
from tapeflow.keras.saving import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
