"""HDF5 through h5py, the optional `h5` extra: imported only when a Keras file is read or written, so
`import tapeflow` stays fast and works without it. Errors opening a file name the file."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["HDF5_OBJECT_HEADER_LIMIT", "h5py", "load_attributes", "open_file", "save_attributes"]

HDF5_OBJECT_HEADER_LIMIT = 64512  # bytes an HDF5 object header holds: longer attributes are split


def h5py(purpose: str) -> Any:
    """The h5py module, or an ImportError saying what needed it and how to install it."""
    try:
        import h5py as module  # imported here: an optional dependency, slow to import
    except ImportError as error:
        raise ImportError(
            f"{purpose} requires h5py, which is not installed. Install it with "
            f"`pip install h5py` (or `pip install tapeflow[h5]`)."
        ) from error
    return module


def open_file(path: Any, mode: str, purpose: str) -> Any:
    """`h5py.File(path, mode)`; a file h5py cannot open (truncated, not HDF5) raises OSError naming it."""
    module = h5py(purpose)
    try:
        return module.File(path, mode)
    except OSError as error:
        name = path if isinstance(path, str) else getattr(path, "name", "<in-memory file>")
        raise OSError(f"{purpose}: cannot open {name!s} as an HDF5 file ({error})") from error


def save_attributes(group: Any, name: str, data: list) -> None:
    """Keras's attribute list: split into `name0`, `name1` ... when one attribute would be too large."""
    too_long = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise RuntimeError(
            f"The following attributes cannot be saved to HDF5 file because they are larger than "
            f"{HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long}"
        )
    array = np.asarray(data)
    chunks = 1
    parts = np.array_split(array, chunks)
    while any(part.nbytes > HDF5_OBJECT_HEADER_LIMIT for part in parts):
        chunks += 1
        parts = np.array_split(array, chunks)
    if chunks > 1:
        for index, part in enumerate(parts):
            group.attrs[f"{name}{index}"] = part
    else:
        group.attrs[name] = data


def load_attributes(group: Any, name: str) -> list:
    """The attribute list `save_attributes` wrote (joined from its chunks), bytes decoded to str."""
    if name in group.attrs:
        raw = list(group.attrs[name])
    else:
        raw, index = [], 0
        while f"{name}{index}" in group.attrs:
            raw.extend(group.attrs[f"{name}{index}"])
            index += 1
    return [x.decode("utf8") if hasattr(x, "decode") else x for x in raw]
