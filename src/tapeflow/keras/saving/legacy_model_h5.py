"""Whole models in Keras 2's HDF5 file (`model.save("m.h5")`): root attributes `model_config` (the
model's config as JSON, layers without the `.keras` format's module, registered name and build
config), `training_config` (loss, metrics, loss weights and `optimizer_config`), `backend` and
`keras_version`; the weights in `model_weights` (legacy_h5.py); the optimizer's variables in
`optimizer_weights`, named as the variables are and restored in order.

tapeflow writes the metrics of `training_config` as `compile` was given them (names or configs);
tf-keras writes the metric objects it compiled from them. Both load either way."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np

from tapeflow.keras import layers as layers_module
from tapeflow.keras import losses, metrics, optimizers
from tapeflow.keras.saving import legacy_h5, serialization
from tapeflow.keras.saving.files import write_atomically
from tapeflow.keras.saving.hdf5 import load_attributes, open_file, save_attributes
from tapeflow.keras.saving.object_registration import get_registered_object
from tapeflow.version import VERSION

__all__ = ["load_model", "save_model"]

_NEW_FORMAT_KEYS = ("module", "registered_name", "build_config")


def _legacy_layers(config: dict) -> dict:
    """The model config with each layer entry (nested models' too) in Keras 2's older form."""
    inner = dict(config["config"])
    if "layers" in inner:
        inner["layers"] = [_legacy_layers({k: v for k, v in layer.items() if k not in _NEW_FORMAT_KEYS})
                           if isinstance(layer.get("config"), dict) and "layers" in layer["config"]
                           else {k: v for k, v in layer.items() if k not in _NEW_FORMAT_KEYS}
                           for layer in inner["layers"]]
    return {"class_name": config["class_name"], "config": inner}


def _training_config(model: Any) -> dict:
    args = serialization.serialize_model(model).get("compile_config", {})
    optimizer = model.optimizer
    return {
        "loss": args.get("loss"),
        "metrics": args.get("metrics"),
        "weighted_metrics": args.get("weighted_metrics"),
        "loss_weights": args.get("loss_weights"),
        "optimizer_config": {"class_name": f"Custom>{type(optimizer).__name__}",
                             "config": optimizers.serialize(optimizer)["config"]},
    }


def save_model(model: Any, filepath: str, include_optimizer: bool = True) -> None:
    """Write `model` (config, weights, and the optimizer's state) as a Keras 2 HDF5 file."""
    warnings.warn("You are saving your model as an HDF5 file via `model.save()`. This file format is "
                  "considered legacy. We recommend using instead the native TF-Keras format, e.g. "
                  "`model.save('my_model.keras')`.", UserWarning, stacklevel=4)
    model_config = serialization.to_json(_legacy_layers(layers_module.serialize(model)))
    compiled = include_optimizer and model.optimizer is not None and model._is_compiled

    def write(path: str) -> None:
        with open_file(path, "w", "Saving a model in HDF5") as f:
            f.attrs["keras_version"] = VERSION
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = model_config.encode("utf8")
            if compiled:
                f.attrs["training_config"] = serialization.to_json(_training_config(model)).encode("utf8")
            legacy_h5.save_weights_to_group(f.create_group("model_weights"), model)
            variables = list(model.optimizer.variables) if compiled else []
            if variables:
                group = f.create_group("optimizer_weights")
                names = [_optimizer_weight_name(model.optimizer, v).encode("utf8") for v in variables]
                save_attributes(group, "weight_names", names)
                for name, variable in zip(names, variables):
                    value = np.asarray(variable.numpy())
                    group.create_dataset(name, value.shape, dtype=value.dtype)[()] = value

    write_atomically(filepath, write)


def _optimizer_weight_name(optimizer: Any, variable: Any) -> str:
    """A slot's name as tf-keras gives it, under the optimizer's name (`Adam/m/dense/kernel:0`)."""
    if variable is optimizer.iterations or variable.name.startswith(f"{optimizer.name}/"):
        return variable.name
    return f"{optimizer.name}/{variable.name}"


def _metric(config: Any, custom_objects: dict | None) -> Any:
    """A metric of a training config: a name, or a serialized metric (tf-keras's MeanMetricWrapper
    holds its function by name)."""
    if isinstance(config, str):
        return get_registered_object(config, custom_objects) or config
    inner = config.get("config", {})
    if config.get("class_name") == "MeanMetricWrapper" and "fn" in inner:
        fn = get_registered_object(inner["fn"], custom_objects) or metrics.get(inner["fn"])
        return metrics.MeanMetricWrapper(fn, name=inner.get("name"), dtype=inner.get("dtype"))
    custom = get_registered_object(config["class_name"], custom_objects)
    return custom.from_config(inner) if custom is not None else metrics.get(config)


def _loss(config: Any, custom_objects: dict | None) -> Any:
    if isinstance(config, str):
        return get_registered_object(config, custom_objects) or config
    custom = get_registered_object(config["class_name"], custom_objects)
    return custom.from_config(config.get("config", {})) if custom is not None else losses.deserialize(config)


def _nested(config: Any, one: Any) -> Any:
    """`one` over each object of a loss or metrics config (a name or dict; or lists, dicts of them)."""
    if config is None:
        return None
    if isinstance(config, str) or isinstance(config, dict) and "class_name" in config:
        return one(config)
    if isinstance(config, dict):
        return {k: _nested(v, one) for k, v in config.items()}
    return [_nested(v, one) for v in config]


def _compile(model: Any, training: dict, custom_objects: dict | None) -> None:
    optimizer = dict(training["optimizer_config"])
    optimizer["class_name"] = optimizer["class_name"].split(">")[-1]
    model.compile(
        optimizer=optimizers.deserialize(optimizer),
        loss=_nested(training.get("loss"), lambda c: _loss(c, custom_objects)),
        metrics=_nested(training.get("metrics"), lambda c: _metric(c, custom_objects)),
        weighted_metrics=_nested(training.get("weighted_metrics"), lambda c: _metric(c, custom_objects)),
        loss_weights=training.get("loss_weights"),
    )


def _restore_optimizer(model: Any, group: Any) -> None:
    if model.trainable_variables:
        model.optimizer.build(model.trainable_variables)
    values = [np.asarray(group[name]) for name in load_attributes(group, "weight_names")]
    variables = list(model.optimizer.variables)
    if len(values) != len(variables) or any(
            tuple(v.shape.as_list()) != x.shape for v, x in zip(variables, values)):
        warnings.warn("Error in loading the saved optimizer state. As a result, your model is starting with "
                      "a freshly initialized optimizer.", stacklevel=4)
        return
    for variable, value in zip(variables, values):
        variable.assign(value.astype(variable.dtype.as_numpy_dtype, copy=False))


def load_model(filepath: str, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """The model of a Keras 2 HDF5 file, with its weights (and compiled, with the optimizer's state)."""
    with open_file(filepath, "r", "Loading a model from HDF5") as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"No model config found in the file at {filepath}.")
        config = json.loads(raw.decode("utf-8") if hasattr(raw, "decode") else raw)
        model = layers_module.deserialize(config, custom_objects)
        legacy_h5.load_weights_from_group(f["model_weights"], model)
        if not compile:
            return model
        raw = f.attrs.get("training_config")
        if raw is None:
            warnings.warn("No training configuration found in the save file, so the model was *not* "
                          "compiled. Compile it manually.", stacklevel=3)
            return model
        _compile(model, json.loads(raw.decode("utf-8") if hasattr(raw, "decode") else raw), custom_objects)
        if "optimizer_weights" in f:
            _restore_optimizer(model, f["optimizer_weights"])
    return model
