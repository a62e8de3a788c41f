"""Reading checkpoints without restoring them: `tf.train.load_checkpoint`, `list_variables`,
`checkpoints_iterator`.

The reader gives every saved tensor by its checkpoint key (object-based keys such as
`model/w/.ATTRIBUTES/VARIABLE_VALUE`, and `_CHECKPOINTABLE_OBJECT_GRAPH`), checked as on restore.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from tapeflow.core import dtypes, errors
from tapeflow.train.bundle import DTYPE_NAMES, BundleReader
from tapeflow.train.state import latest_checkpoint

__all__ = ["CheckpointReader", "checkpoints_iterator", "list_variables", "load_checkpoint", "load_variable"]


class CheckpointReader:
    """The tensors of one checkpoint (`tf.train.load_checkpoint`'s result)."""

    def __init__(self, prefix: str):
        self._bundle = BundleReader(prefix)

    def has_tensor(self, key: str) -> bool:
        return key in self._bundle.entries

    def get_tensor(self, key: str) -> Any:
        """The tensor's value: a NumPy array (bytes for a scalar string, NumPy scalars for scalars)."""
        if key not in self._bundle.entries:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint")
        value = self._bundle.read(key)
        return value[()] if value.ndim == 0 else value

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {key: self._bundle.shape(key) for key in self._bundle.entries}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        return {key: _dtype(self._bundle.dtype_enum(key)) for key in self._bundle.entries}

    def debug_string(self) -> bytes:
        lines = [f"{k} ({DTYPE_NAMES.get(self._bundle.dtype_enum(k))}) {self._bundle.shape(k)}"
                 for k in sorted(self._bundle.entries)]
        return ("\n".join(lines) + "\n").encode()


def _dtype(enum: int) -> Any:
    try:
        return dtypes.as_dtype(DTYPE_NAMES[enum])
    except (KeyError, TypeError, ValueError):
        return DTYPE_NAMES.get(enum, enum)


def _prefix(ckpt_dir_or_file: Any) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}")
        return latest
    return path


def load_checkpoint(ckpt_dir_or_file: Any) -> CheckpointReader:
    """A reader for a checkpoint prefix, or for the latest checkpoint of a directory."""
    return CheckpointReader(_prefix(ckpt_dir_or_file))


def load_variable(ckpt_dir_or_file: Any, name: str) -> Any:
    """One tensor of a checkpoint (a trailing ":0" in `name` is ignored, as TensorFlow does)."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list[int]]]:
    """Every key of the checkpoint with its shape, sorted by key."""
    shapes = load_checkpoint(ckpt_dir_or_file).get_variable_to_shape_map()
    return [(key, shapes[key]) for key in sorted(shapes)]


def checkpoints_iterator(checkpoint_dir: Any, min_interval_secs: float = 0, timeout: float | None = None,
                         timeout_fn: Callable[[], bool] | None = None) -> Iterator[str]:
    """Yield each new latest checkpoint of the directory as it appears (polling once a second)."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    last = None
    while True:
        deadline = None if timeout is None else time.time() + timeout
        path = None
        while path is None:
            latest = latest_checkpoint(checkpoint_dir)
            if latest is not None and latest != last:
                path = latest
            elif deadline is not None and time.time() + 1 > deadline:
                break
            else:
                time.sleep(1)
        if path is None:
            if timeout_fn is None or timeout_fn():
                return
            continue
        start = time.time()
        last = path
        yield path
        time.sleep(max(0.0, min_interval_secs - (time.time() - start)))


