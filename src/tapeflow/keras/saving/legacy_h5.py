"""Keras 2's HDF5 weights (`save_weights("w.h5")`, and the `model_weights` group of a whole-model
`.h5`): the root lists `layer_names` and says `backend` and `keras_version`; each layer is a group
named after it whose `weight_names` attribute lists its weights (trainable, then non-trainable), each a
dataset at `<layer>/<weight name>` (`dense/dense/kernel:0`); the model's own weights are in
`top_level_model_weights`.

Loading is by order (the layers with weights, in turn) or, with `by_name`, by layer name, with
Keras's errors for a layer count, weight count or shape that does not match (or, with
`skip_mismatch`, its warnings)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tapeflow.keras.saving.files import write_atomically
from tapeflow.keras.saving.hdf5 import load_attributes, open_file, save_attributes
from tapeflow.version import VERSION

__all__ = ["load_weights", "load_weights_from_group", "save_weights", "save_weights_to_group"]

_TOP = "top_level_model_weights"


def legacy_weights(layer: Any) -> list:
    """A layer's weights in the order HDF5 files keep them: trainable, then non-trainable."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _own_weights(model: Any) -> list:
    return list(model._trainable_weights) + list(model._non_trainable_weights)


def _save_subset(group: Any, weights: list) -> None:
    names = [w.name.encode("utf8") for w in weights]
    save_attributes(group, "weight_names", names)
    for name, weight in zip(names, weights):
        value = np.asarray(weight.numpy())
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        dataset[()] = value


def _load_subset(group: Any) -> list[np.ndarray]:
    return [np.asarray(group[name]) for name in load_attributes(group, "weight_names")]


def save_weights_to_group(group: Any, model: Any) -> None:
    """Write `model`'s weights into an open HDF5 group (a file's root, or `model_weights`)."""
    save_attributes(group, "layer_names", [layer.name.encode("utf8") for layer in model.layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda x: x.name):
        _save_subset(group.create_group(layer.name), legacy_weights(layer))
    _save_subset(group.create_group(_TOP), _own_weights(model))


def _assign(pairs: list) -> None:
    for variable, value in pairs:
        if tuple(variable.shape.as_list()) != tuple(value.shape):
            raise ValueError(
                f"Cannot assign value to variable ' {variable.name}': Shape mismatch.The variable shape "
                f"{tuple(variable.shape.as_list())}, and the assigned value shape {tuple(value.shape)} "
                f"are incompatible."
            )
    for variable, value in pairs:
        variable.assign(value.astype(variable.dtype.as_numpy_dtype, copy=False))


def load_weights_from_group(group: Any, model: Any) -> None:
    """Assign the saved weights to `model`'s layers with weights, in order."""
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    names = [name for name in load_attributes(group, "layer_names")
             if load_attributes(group[name], "weight_names")]
    if len(names) != len(layers):
        raise ValueError(
            f"Layer count mismatch when loading weights from file. Model expected {len(layers)} layers, "
            f"found {len(names)} saved layers."
        )
    pairs = []
    for k, (name, layer) in enumerate(zip(names, layers)):
        variables, values = legacy_weights(layer), _load_subset(group[name])
        if len(values) != len(variables):
            raise ValueError(
                f"Weight count mismatch for layer #{k} (named {layer.name} in the current model, {name} in "
                f"the save file). Layer expects {len(variables)} weight(s). Received {len(values)} saved "
                f"weight(s)"
            )
        pairs += zip(variables, values)
    if _TOP in group:
        variables, values = _own_weights(model), _load_subset(group[_TOP])
        if len(values) != len(variables):
            raise ValueError(
                f"Weight count mismatch for top-level weights when loading weights from file. Model expects "
                f"{len(variables)} top-level weight(s). Received {len(values)} saved top-level weight(s)"
            )
        pairs += zip(variables, values)
    _assign(pairs)


class _Where:
    """Keras's texts for a count or shape mismatch, for one layer (`#k`) or the model's own weights."""

    def __init__(self, k: int | None = None, name: str = ""):
        self.top = k is None
        if self.top:
            self.count_error = "Weight count mismatch for top-level weights of model."
            self.count_warning = ("Skipping loading top-level weights for model due to mismatch in number of "
                                  "weights.")
            self.shape_error = "Shape mismatch in model for top-level"
            self.shape_warning = "Skipping loading top-level weight for model due to mismatch in shape for"
        else:
            layer = f"layer #{k} (named {name})"
            self.count_error = f"Weight count mismatch for {layer}."
            self.count_warning = (f"Skipping loading of weights for {layer} due to mismatch in number of "
                                  f"weights.")
            self.shape_error = f"Shape mismatch in {layer} for"
            self.shape_warning = f"Skipping loading weights for {layer} due to mismatch in shape for"

    def counts(self, expected: int, received: int) -> str:
        what = "Model expects {} top-level weight(s). Received {} saved top-level weight(s)" if self.top \
            else "Layer expects {} weight(s). Received {} saved weight(s)"
        return what.format(expected, received)


def _checked_pairs(where: _Where, variables: list, values: list, skip_mismatch: bool) -> list:
    """The (variable, value) pairs to assign: a count or shape mismatch raises Keras's ValueError, or
    with `skip_mismatch` warns and skips (the whole layer, or the one weight)."""
    if len(values) != len(variables):
        counts = where.counts(len(variables), len(values))
        if not skip_mismatch:
            raise ValueError(f"{where.count_error} {counts}")
        warnings.warn(f"{where.count_warning} {counts}", stacklevel=4)
        return []
    pairs = []
    for variable, value in zip(variables, values):
        expected, received = tuple(variable.shape.as_list()), tuple(value.shape)
        if expected == received:
            pairs.append((variable, value))
            continue
        detail = (f"weight {variable.name}. Weight expects shape {expected}. Received saved weight with "
                  f"shape {received}")
        if not skip_mismatch:
            raise ValueError(f"{where.shape_error} {detail}")
        warnings.warn(f"{where.shape_warning} {detail}", stacklevel=4)
    return pairs


def load_weights_from_group_by_name(group: Any, model: Any, skip_mismatch: bool = False) -> None:
    """Assign saved weights to the layers of the same name; other layers keep theirs."""
    by_name: dict[str, list] = {}
    for layer in model.layers:
        by_name.setdefault(layer.name, []).append(layer)
    pairs = []
    for k, name in enumerate(load_attributes(group, "layer_names")):
        values = _load_subset(group[name])
        for layer in by_name.get(name, []):
            pairs += _checked_pairs(_Where(k, layer.name), legacy_weights(layer), values, skip_mismatch)
    if _TOP in group:
        pairs += _checked_pairs(_Where(), _own_weights(model), _load_subset(group[_TOP]), skip_mismatch)
    _assign(pairs)


def save_weights(model: Any, filepath: str) -> None:
    """Write `model`'s weights to the HDF5 file `filepath` (replacing it)."""
    def write(path: str) -> None:
        with open_file(path, "w", "`save_weights` in HDF5") as f:
            save_weights_to_group(f, model)

    write_atomically(filepath, write)


def load_weights(model: Any, filepath: str, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Read the weights of a Keras HDF5 weights file, or of a whole-model `.h5` (`model_weights`)."""
    if not model._is_graph_network and not model.built:
        raise ValueError(
            "Unable to load weights saved in HDF5 format into a subclassed Model which has not created "
            "its variables yet. Call the Model first, then load the weights."
        )
    with open_file(filepath, "r", "`load_weights` from HDF5") as f:
        group = f["model_weights"] if "layer_names" not in f.attrs and "model_weights" in f else f
        if by_name:
            load_weights_from_group_by_name(group, model, skip_mismatch)
        else:
            load_weights_from_group(group, model)
