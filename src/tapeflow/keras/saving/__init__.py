"""`tf.keras.saving` (and `tf.keras.models.save_model` / `load_model`): whole models in the `.keras`
archive and Keras 2's HDF5, weights in HDF5; custom objects by name.

The format follows the file name as in tf-keras 2.21: `.keras` is the archive, `.h5`/`.hdf5` HDF5; a
name without either is TensorFlow's SavedModel for a model (which tapeflow does not write) and a
TensorFlow checkpoint for weights. The modules doing the work are imported when called (they need
h5py, an optional dependency, and the models)."""

from __future__ import annotations

import os
import zipfile
from typing import Any

from tapeflow.keras.saving.object_registration import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = ["custom_object_scope", "deserialize_keras_object", "get_custom_objects", "get_registered_name",
           "get_registered_object", "load_model", "model_format", "register_keras_serializable", "save_model",
           "serialize_keras_object", "weights_format"]

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def model_format(filepath: str, given: str | None) -> str:
    """"keras", "h5" or "tf": what `model.save` writes for this name and `save_format`."""
    if given:
        if given in ("keras", "keras_v3"):
            return "keras"
        if given in ("h5", "hdf5"):
            return "h5"
        if given in ("tf", "tensorflow"):
            return "tf"
        raise ValueError(f"Unknown `save_format` argument. Expected one of 'keras', 'tf', or 'h5'. "
                         f"Received: save_format={given}")
    if filepath.endswith(".keras"):
        return "keras"
    return "h5" if filepath.endswith((".h5", ".hdf5")) else "tf"


def weights_format(filepath: str, given: str | None) -> str:
    """"keras" (a `.weights.h5` file), "h5" or "tf": what `save_weights` writes, with Keras's errors."""
    if filepath.endswith(".weights.h5"):
        return "keras"
    is_h5 = filepath.endswith((".h5", ".keras", ".hdf5"))
    if given is None:
        return "h5" if is_h5 else "tf"
    user = given.lower().strip()
    if user in ("tensorflow", "tf"):
        if is_h5:
            raise ValueError(f'save_weights got save_format="tf"/"tensorflow", but the filepath ({filepath}) '
                             f'looks like an HDF5 file. Omit the ".h5"/".keras" when saving in TensorFlow '
                             f"format.")
        return "tf"
    if user in ("hdf5", "h5", "keras"):
        return "h5"
    raise ValueError(f'Unknown format. Received: `save_format`={given}. Was expecting one of {{"tf", "h5"}}.')


def save_model(model: Any, filepath: Any, overwrite: bool = True, save_format: str | None = None,
               **kwargs: Any) -> None:
    """Save `model` whole: `.keras` archive or Keras 2 HDF5 (see the module doc)."""
    from tapeflow.keras.saving import keras_archive, legacy_model_h5  # imported here: see the module doc

    filepath = os.fspath(filepath)
    chosen = model_format(filepath, save_format)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if chosen == "keras":
        if kwargs:
            raise ValueError(f"The following argument(s) are not supported with the native TF-Keras format: "
                             f"{list(kwargs.keys())}")
        keras_archive.save_model(model, filepath)
    elif chosen == "h5":
        legacy_model_h5.save_model(model, filepath, include_optimizer=kwargs.get("include_optimizer", True))
    else:
        raise NotImplementedError(
            f"tapeflow does not write TensorFlow's SavedModel format (the default for {filepath!r}, a name "
            f"without .keras or .h5): save as 'name.keras' (or 'name.h5'), which tf-keras loads too.")



def load_model(filepath: Any, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True, **kwargs: Any) -> Any:
    """The model saved at `filepath` (`.keras` archive or Keras 2 HDF5), compiled as it was."""
    from tapeflow.keras.saving import keras_archive, legacy_model_h5  # imported here: see the module doc

    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise OSError(f"No file or directory found at {filepath}")
    if os.path.isdir(filepath):
        raise NotImplementedError(f"{filepath} is a directory (a TensorFlow SavedModel?): tapeflow loads "
                                  f".keras and .h5 models only.")
    with open(filepath, "rb") as f:
        hdf5 = f.read(len(_HDF5_SIGNATURE)) == _HDF5_SIGNATURE
    if hdf5:
        return legacy_model_h5.load_model(filepath, custom_objects, compile)
    if filepath.endswith(".keras") or zipfile.is_zipfile(filepath):
        if kwargs:
            raise ValueError(f"The following argument(s) are not supported with the native TF-Keras format: "
                             f"{list(kwargs.keys())}")
        return keras_archive.load_model(filepath, custom_objects, compile)
    raise ValueError(f"Cannot load {filepath}: it is neither a .keras archive nor an HDF5 file (perhaps "
                     f"truncated or corrupted).")


def serialize_keras_object(obj: Any) -> Any:
    """A Keras object as its config dict (see saving/serialization.py)."""
    from tapeflow.keras.saving import serialization  # imported here: see the module doc

    return serialization.serialize_keras_object(obj)


def deserialize_keras_object(config: Any, custom_objects: dict | None = None, **kwargs: Any) -> Any:
    """The Keras object a config dict describes (see saving/serialization.py)."""
    from tapeflow.keras.saving import serialization  # imported here: see the module doc

    return serialization.deserialize_keras_object(config, custom_objects)
