"""CIFAR batches: Python pickles of a dict with `data` (N x 3072 uint8) and labels, read with an
unpickler that builds only NumPy arrays, lists, dicts and bytes (no other code runs from the file)."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}  # (protocol 2's way to write bytes)


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")
        return super().find_class(module, name)


def load_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, Any]:
    """`(data as N x 3 x 32 x 32 uint8, labels)` of one batch file."""
    with open(path, "rb") as f:
        batch = {k.decode("utf8"): v for k, v in _ArraysOnly(f, encoding="bytes").load().items()}
    data = batch["data"]
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def channels_last(x_train: np.ndarray, y_train: Any, x_test: np.ndarray, y_test: Any) -> tuple:
    """The arrays as Keras returns them: images N x 32 x 32 x 3, labels N x 1, test as train's dtypes."""
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    x_test = x_test.astype(x_train.dtype)
    return (x_train.transpose(0, 2, 3, 1), y_train), (x_test.transpose(0, 2, 3, 1), y_test)
