"""`tf.keras.utils`: `get_file`, `to_categorical`, `set_random_seed`, `Progbar`; custom objects by name."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.keras.datasets.download import get_file
from tapeflow.keras.progbar import Progbar
from tapeflow.keras.saving.object_registration import *  # noqa: F403 (custom objects by name)
from tapeflow.keras.saving.object_registration import __all__ as _registration
from tapeflow.random.keras_seeds import set_random_seed

__all__ = ["Progbar", "get_file", "set_random_seed", "to_categorical", *_registration]


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """Integer class labels as one-hot rows (a trailing axis of size 1 is dropped first)."""
    y = np.array(y, dtype="int")
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = int(np.max(y)) + 1
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    return np.reshape(categorical, input_shape + (num_classes,))
