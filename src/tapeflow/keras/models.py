"""`tf.keras.models`: Model, Sequential; saving and loading whole models; models from configs."""

import json
from typing import Any

from tapeflow.keras import layers as layers_module
from tapeflow.keras.engine.functional import Functional
from tapeflow.keras.engine.sequential import Sequential
from tapeflow.keras.engine.training import Model
from tapeflow.keras.saving import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "load_model", "model_from_config", "model_from_json",
           "save_model"]


def model_from_config(config: dict, custom_objects: dict | None = None) -> Any:
    """A model (new weights) from `{"class_name": ..., "config": ...}` (as `to_json` writes it)."""
    return layers_module.deserialize(config, custom_objects)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Any:
    """A model (new weights) from `model.to_json()`."""
    return model_from_config(json.loads(json_string), custom_objects)
