"""`tf.keras.datasets.mnist`: 70,000 28x28 uint8 digit images and their uint8 labels."""

from __future__ import annotations

import numpy as np

from tapeflow.keras.datasets.download import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz", cache_dir: str | None = None) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`: 60,000 training and 10,000 test images."""
    local = get_file(path, origin=ORIGIN, file_hash=FILE_HASH, cache_dir=cache_dir)
    with np.load(local, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
