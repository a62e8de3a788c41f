"""`tf.keras.datasets.boston_housing`: 506 houses, 13 features and a price each, split after Keras's
seeded shuffle (NumPy's `RandomState(seed)`), so the splits are Keras's own."""

from __future__ import annotations

import numpy as np

from tapeflow.keras.datasets.download import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113,
              cache_dir: str | None = None) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`, the last `test_split` of the shuffled houses for testing."""
    if not 0 <= test_split < 1:
        raise AssertionError("test_split must be in [0, 1)")
    local = get_file(path, origin=ORIGIN, file_hash=FILE_HASH, cache_dir=cache_dir)
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (x[:split].copy(), y[:split].copy()), (x[split:].copy(), y[split:].copy())
