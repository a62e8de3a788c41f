"""`tf.io.read_file` and `tf.io.write_file`: ops with a "python" effect, so a compiled function reads
(or writes) the file each time it runs, as TensorFlow's kernels do, not once while it is traced."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import PYTHON, Op, bind
from tapeflow.core.symbolic import AbstractValue


def _path(value: Any) -> str:
    value = np.asarray(value, object)[()]
    return value.decode() if isinstance(value, bytes) else str(value)


def _read(filename: Any) -> np.ndarray:
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory [Op:ReadFile]") from None
    out = np.empty((), object)
    out[()] = data
    return out


def _write(filename: Any, contents: Any) -> tuple:
    with open(_path(filename), "wb") as f:
        f.write(np.asarray(contents, object)[()])
    return ()  # (no results)


_READ = Op("ReadFile", _read, None, effect=PYTHON, infer=lambda filename: [AbstractValue((), object)])
_WRITE = Op("WriteFile", _write, None, multiple_results=True, effect=PYTHON,
            infer=lambda filename, contents: [])


def _scalar_string(value: Any, what: str) -> Any:
    tensor = convert_to_tensor(value, dtype=dtypes.string)
    if tensor.shape.rank:
        raise errors.InvalidArgumentError(None, None, f"{what} must be a scalar, got shape {tensor.shape}")
    return tensor


def read_file(filename: Any, name: str | None = None) -> Any:
    """`tf.io.read_file`: a file's contents as a string scalar."""
    return bind(_READ, (_scalar_string(filename, "filename"),))


def write_file(filename: Any, contents: Any, name: str | None = None) -> None:
    """`tf.io.write_file`: write a string scalar to a file."""
    bind(_WRITE, (_scalar_string(filename, "filename"), _scalar_string(contents, "contents")))
