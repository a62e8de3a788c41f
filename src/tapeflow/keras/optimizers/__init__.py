"""`tf.keras.optimizers` (also `tf.optimizers`): Keras 2's optimizers, learning-rate schedules, and
`serialize` / `deserialize` / `get`."""

from typing import Any

from tapeflow.keras.optimizers import schedules
from tapeflow.keras.optimizers.base import Optimizer
from tapeflow.keras.optimizers.optimizers import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Ftrl,
    Lion,
    Nadam,
    RMSprop,
)

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "Ftrl",
           "Lion", "schedules", "serialize", "deserialize", "get"]

_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, Nadam,
                                                  Ftrl, Lion)}


def serialize(optimizer: Optimizer) -> dict:
    """An optimizer as Keras's config dictionary."""
    config = optimizer.get_config()
    config["learning_rate"] = (config["learning_rate"] if isinstance(config["learning_rate"], dict)
                               else float(config["learning_rate"]))
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": config,
            "registered_name": None}


def deserialize(config: dict) -> Optimizer:
    """The optimizer a `serialize` dictionary describes."""
    name = config.get("class_name", "")
    cls = _BY_NAME.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: '{name}'. Please ensure you are using a `tf.keras.optimizers` "
                         f"optimizer.")
    return cls.from_config(config.get("config", {}))


def get(identifier: Any) -> Optimizer:
    """An optimizer from an instance, a name ('adam', 'sgd', ...) or a `serialize` dictionary."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
