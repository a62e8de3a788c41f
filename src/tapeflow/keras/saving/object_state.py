"""The variables of a model in the `.keras` format (its `model.weights.h5`, or `save_weights` to a
`.weights.h5` file), placed as tf-keras 2.21 places them.

The model's Keras objects (layers, the optimizer, metrics, losses) are found by walking attributes:
each object's public attributes in reverse alphabetical order; a Keras object's variables go to the
group `<path>/vars` as datasets "0", "1" ... (a layer's own weights: trainable, then
non-trainable; an optimizer's `variables`); a list, tuple or dict of Keras objects names each by its
class in snake case (`dense`, `dense_1` ...), not by its layer name, so the paths do not depend on
generated names. An object reached twice is saved once, where it was first met.

Loading walks the model the same way: a layer whose group is missing or holds another number of
variables is an error (Keras's); an optimizer or metric whose count differs is skipped, as Keras
skips an optimizer not built yet."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.keras.engine.base_layer import Layer, to_snake_case
from tapeflow.keras.losses import Loss
from tapeflow.keras.metrics import Metric
from tapeflow.keras.optimizers.base import Optimizer

__all__ = ["load_state", "save_state"]

# Attributes not walked: views of the weights, the graph's plumbing, and values computed on reading.
_SKIPPED = frozenset({
    "inbound_nodes", "outbound_nodes", "input_shape", "output_shape", "submodules", "weights",
    "non_trainable_weights", "trainable_weights", "variables", "non_trainable_variables",
    "trainable_variables", "updates", "state_updates", "losses", "output", "input", "inputs", "outputs",
})


def _is_keras_object(obj: Any) -> bool:
    return isinstance(obj, (Layer, Optimizer, Metric, Loss))


def _attributes(obj: Any) -> Iterator[tuple[str, Any]]:
    for name in sorted(dir(obj), reverse=True):
        if name.startswith("_") or name in _SKIPPED:
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 (a property that cannot be read now is not a child)
            continue
        yield name, value


def _own_variables(obj: Any) -> list:
    if isinstance(obj, Layer):
        return list(obj._trainable_weights) + list(obj._non_trainable_weights)
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    if isinstance(obj, Metric):
        return list(obj.variables)
    return []


def _walk(obj: Any, path: str, seen: set, visit: Any) -> None:
    """Call `visit(keras_object, path)` for `obj` and every Keras object below it, each once."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    visit(obj, path)
    for name, child in _attributes(obj):
        child_path = f"{path}/{name}" if path else name
        if _is_keras_object(child):
            _walk(child, child_path, seen, visit)
        elif isinstance(child, (list, tuple, dict, set)):
            used: dict[str, int] = {}
            for item in child.values() if isinstance(child, dict) else child:
                if not _is_keras_object(item) or id(item) in seen:
                    continue
                label = to_snake_case(type(item).__name__)
                used[label] = used.get(label, -1) + 1
                _walk(item, f"{child_path}/{label}_{used[label]}" if used[label] else f"{child_path}/{label}",
                      seen, visit)


def save_state(model: Any, h5: Any) -> None:
    """Write the variables of `model` and every Keras object it holds into the open HDF5 file `h5`."""

    def visit(obj: Any, path: str) -> None:
        if isinstance(obj, Loss):
            return
        group = h5.create_group(f"{path}/vars" if path else "vars")
        for index, variable in enumerate(_own_variables(obj)):
            group[str(index)] = np.asarray(variable.numpy())

    _walk(model, "", set(), visit)


def load_state(model: Any, h5: Any, skip_mismatch: bool = False) -> None:
    """Assign the variables `save_state` wrote to `model` and the Keras objects it holds."""

    def visit(obj: Any, path: str) -> None:
        if isinstance(obj, Loss):
            return
        key = f"{path}/vars" if path else "vars"
        store = h5[key] if key in h5 else {}
        variables = _own_variables(obj)
        if len(store) != len(variables):
            if isinstance(obj, Layer):
                error = ValueError(
                    f"Layer '{obj.name}' expected {len(variables)} variables, but received {len(store)} "
                    f"variables during loading. Expected: {[v.name for v in variables]}")
                if not skip_mismatch:
                    raise error
                warnings.warn(f"Could not load weights in object {obj}. Skipping object. Exception "
                              f"encountered: {error}", stacklevel=4)
            elif isinstance(obj, Optimizer):
                warnings.warn(
                    f"Skipping variable loading for optimizer '{obj.name}', because it has "
                    f"{len(variables)} variables whereas the saved optimizer has {len(store)} variables. "
                    + ("This is likely because the optimizer has not been called/built yet."
                       if not variables else ""), stacklevel=4)
            return
        for index, variable in enumerate(variables):
            value = np.asarray(store[str(index)])
            if tuple(variable.shape.as_list()) != value.shape:
                raise ValueError(
                    f"Cannot assign value to variable ' {variable.name}': Shape mismatch.The variable shape "
                    f"{tuple(variable.shape.as_list())}, and the assigned value shape {value.shape} are "
                    f"incompatible.")
            variable.assign(value.astype(variable.dtype.as_numpy_dtype, copy=False))

    _walk(model, "", set(), visit)
