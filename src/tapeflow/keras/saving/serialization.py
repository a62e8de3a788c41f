"""A model's config as the `.keras` format holds it, and the model made from it.

`serialize_model` is the layer's serialized form (`keras/layers.serialize`: module, class name,
`get_config()`, registered name, build config) plus the `compile_config`: the arguments `compile`
was given, objects serialized (an optimizer, loss or metric object as its config), names as given.
`deserialize_model` makes the model with `from_config`, builds a model that is not built yet from its
build config, and compiles it again (building the optimizer's slots, so saved ones can be loaded)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from tapeflow.keras import layers as layers_module
from tapeflow.keras import losses, metrics, optimizers
from tapeflow.keras.saving import object_registration

__all__ = ["deserialize_keras_object", "deserialize_model", "json_default", "serialize_keras_object",
           "serialize_model", "to_json"]


def _serialize_value(value: Any) -> Any:
    """One compile argument (or part of one) as Keras's compile config writes it."""
    if isinstance(value, (list, tuple)):
        return [_serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_value(v) for k, v in value.items()}
    if isinstance(value, optimizers.Optimizer):
        return optimizers.serialize(value)
    if isinstance(value, losses.Loss):
        return losses.serialize(value)
    if isinstance(value, metrics.Metric):
        return {"module": "keras.metrics", "class_name": type(value).__name__, "config": value.get_config(),
                "registered_name": None}
    if callable(value) and hasattr(value, "__name__"):
        return object_registration.get_registered_name(value)
    return value


def serialize_model(model: Any) -> dict:
    """The model's entry of `config.json` (see the module doc)."""
    config = layers_module.serialize(model)
    compile_args = getattr(model, "_compile_config", None)
    if model._is_compiled and compile_args is not None:
        config["compile_config"] = _serialize_value(compile_args)
    return config


def json_default(value: Any) -> Any:
    """What `json.dumps` cannot write itself, as Keras writes it."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if hasattr(value, "as_list"):  # a TensorShape
        return value.as_list()
    if hasattr(value, "as_numpy_dtype"):  # a DType
        return value.name
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def to_json(config: dict) -> str:
    """The config as JSON (NumPy scalars, shapes and dtypes as Keras writes them)."""
    return json.dumps(config, default=json_default)


def _custom(name: Any, custom_objects: dict | None) -> Any:
    if isinstance(name, str):
        found = object_registration.get_registered_object(name, custom_objects)
        if found is not None:
            return found
    return name


def _deserialize_value(value: Any, kind: Any, custom_objects: dict | None) -> Any:
    """A compile argument back from its config: objects by `kind`, custom names from `custom_objects`."""
    if isinstance(value, list):
        return [_deserialize_value(v, kind, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" not in value:
        return {k: _deserialize_value(v, kind, custom_objects) for k, v in value.items()}
    if isinstance(value, dict):
        if value["class_name"] == "function":  # a function, as newer Keras writes it
            return _custom(value["config"], custom_objects)
        found = object_registration.get_registered_object(value["class_name"], custom_objects,
                                                          value.get("registered_name"))
        if found is not None:
            return found.from_config(value.get("config", {}))
        return kind(value)
    return _custom(value, custom_objects)


def compile_from_config(model: Any, config: dict, custom_objects: dict | None = None) -> None:
    """Compile `model` as its compile config says, and build the optimizer's slots if it is built."""
    arguments = dict(config)
    optimizer = arguments.get("optimizer", "rmsprop")
    arguments["optimizer"] = (optimizers.deserialize(optimizer) if isinstance(optimizer, dict)
                              else _custom(optimizer, custom_objects))
    for name, kind in (("loss", losses.deserialize), ("metrics", metrics.get),
                       ("weighted_metrics", metrics.get)):
        if arguments.get(name) is not None:
            arguments[name] = _deserialize_value(arguments[name], kind, custom_objects)
    model.compile(**arguments)
    if model.built and model.trainable_variables:
        model.optimizer.build(model.trainable_variables)


def deserialize_model(config: dict, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """The model `serialize_model` described, built, and compiled again when `compile`."""
    model = layers_module.deserialize(config, custom_objects)
    shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built and shape is not None:
        model.build(_tuples(shape))
    if compile and config.get("compile_config"):
        compile_from_config(model, config["compile_config"], custom_objects)
    return model


def _tuples(shape: Any) -> Any:
    """JSON's lists back as shape tuples (a list of shapes stays a list)."""
    if isinstance(shape, list) and shape and all(isinstance(s, list) or s is None for s in shape) \
            and any(isinstance(s, list) for s in shape):
        return [_tuples(s) for s in shape]
    return tuple(shape) if isinstance(shape, list) else shape


def serialize_keras_object(obj: Any) -> Any:
    """`tf.keras.saving.serialize_keras_object`: a model with its compile config, a layer, optimizer,
    loss, metric or other object with `get_config` as `{module, class_name, config, registered_name}`."""
    if hasattr(obj, "_compile_config"):
        return serialize_model(obj)
    if isinstance(obj, layers_module.Layer):
        return layers_module.serialize(obj)
    if isinstance(obj, (optimizers.Optimizer, losses.Loss, metrics.Metric)):
        return _serialize_value(obj)
    if hasattr(obj, "get_config") and not isinstance(obj, type):
        return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
                "registered_name": object_registration.get_registered_name(type(obj))}
    return _serialize_value(obj)


def deserialize_keras_object(config: Any, custom_objects: dict | None = None) -> Any:
    """The object `serialize_keras_object` described (a model compiled again, as `load_model` does)."""
    if not isinstance(config, dict) or "class_name" not in config:
        return _deserialize_value(config, lambda c: c, custom_objects)
    module = config.get("module") or ""
    if module.startswith("keras.optimizers"):
        return optimizers.deserialize(config)
    if module.startswith("keras.losses"):
        return losses.deserialize(config)
    if module.startswith("keras.metrics"):
        return metrics.get(config)
    found = object_registration.get_registered_object(config["class_name"], custom_objects,
                                                      config.get("registered_name"))
    if found is not None and not issubclass(found, layers_module.Layer):
        return found.from_config(config.get("config", {}))
    return deserialize_model(config, custom_objects)
