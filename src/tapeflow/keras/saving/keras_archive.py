"""The `.keras` format of tf-keras 2.21: a zip archive (stored, not compressed) holding
`metadata.json` (Keras's version, the date), `config.json` (the model's serialized config with its
build and compile configs, serialization.py) and `model.weights.h5` (the variables, object_state.py).

Saving writes a temporary file beside the target and renames it over the target, so a crash never
leaves a partial archive under the name. A file that is not a readable archive, or an archive
missing a member or failing its CRC, raises an error naming the file."""

from __future__ import annotations

import datetime
import io
import json
import warnings
import zipfile
from typing import Any

from tapeflow.keras.saving import object_state, serialization
from tapeflow.keras.saving.files import write_atomically
from tapeflow.keras.saving.hdf5 import open_file
from tapeflow.version import VERSION

__all__ = ["load_model", "load_weights", "save_model", "save_weights"]

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def _weights_bytes(model: Any) -> bytes:
    buffer = io.BytesIO()
    with open_file(buffer, "w", "Saving a model") as h5:
        object_state.save_state(model, h5)
    return buffer.getvalue()


def save_model(model: Any, filepath: str) -> None:
    """Write `model` (config, compile config, variables) as a `.keras` archive at `filepath`."""
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid `filepath` argument: expected a `.keras` extension. Received: "
                         f"filepath={filepath}")
    if not model.built:
        warnings.warn("You are saving a model that has not yet been built. It might not contain any weights "
                      "yet. Consider building the model first by calling it on some data.", stacklevel=4)
    config = serialization.to_json(serialization.serialize_model(model))
    metadata = json.dumps({"keras_version": VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = _weights_bytes(model)

    def write(path: str) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config)
            archive.writestr(WEIGHTS, weights)

    write_atomically(filepath, write)


def save_weights(model: Any, filepath: str) -> None:
    """Only the variables, in a `.weights.h5` file laid out as the archive's `model.weights.h5`."""
    write_atomically(filepath, lambda path: _save_weights_file(model, path))


def _save_weights_file(model: Any, path: str) -> None:
    with open_file(path, "w", "`save_weights`") as h5:
        object_state.save_state(model, h5)


class _Archive:
    """An open `.keras` archive whose read errors name the file."""

    def __init__(self, filepath: str):
        self.filepath = filepath
        try:
            self.zip = zipfile.ZipFile(filepath, "r")
        except (zipfile.BadZipFile, OSError) as error:
            raise ValueError(f"Cannot load {filepath}: it is not a valid .keras archive (a zip file), "
                             f"perhaps truncated or corrupted ({error}).") from error

    def read(self, member: str) -> bytes:
        try:
            return self.zip.read(member)
        except KeyError:
            raise ValueError(f"Cannot load {self.filepath}: the .keras archive has no {member}.") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise ValueError(f"Cannot load {self.filepath}: {member} in the .keras archive is damaged "
                             f"({error}).") from error

    def load_state(self, model: Any, skip_mismatch: bool = False) -> None:
        data = self.read(WEIGHTS)
        with open_file(io.BytesIO(data), "r", f"Loading {self.filepath}") as h5:
            object_state.load_state(model, h5, skip_mismatch)

    def close(self) -> None:
        self.zip.close()


def load_model(filepath: str, custom_objects: dict | None = None, compile: bool = True) -> Any:
    """The model saved in the `.keras` archive `filepath`, with its variables (and compiled)."""
    archive = _Archive(filepath)
    try:
        try:
            config = json.loads(archive.read(CONFIG))
        except json.JSONDecodeError as error:
            raise ValueError(f"Cannot load {filepath}: its config.json is not JSON ({error}).") from error
        model = serialization.deserialize_model(config, custom_objects, compile=compile)
        archive.load_state(model)
    finally:
        archive.close()
    return model


def load_weights(model: Any, filepath: str, skip_mismatch: bool = False) -> None:
    """Assign the variables of a `.keras` archive or a `.weights.h5` file to `model`."""
    if filepath.endswith(".keras"):
        archive = _Archive(filepath)
        try:
            archive.load_state(model, skip_mismatch)
        finally:
            archive.close()
        return
    with open_file(filepath, "r", "`load_weights`") as h5:
        object_state.load_state(model, h5, skip_mismatch)
