"""`tf.keras.datasets.cifar10`: 60,000 32x32 colour images in 10 classes (five training batches and
a test batch in Keras's archive, unpacked into `~/.keras/datasets/cifar-10-batches-py`)."""

from __future__ import annotations

import os

import numpy as np

from tapeflow.keras.datasets.cifar import channels_last, load_batch
from tapeflow.keras.datasets.download import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data(cache_dir: str | None = None) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`: uint8 images N x 32 x 32 x 3, uint8 labels N x 1."""
    folder = get_file("cifar-10-batches-py", origin=ORIGIN, untar=True, file_hash=FILE_HASH,
                      cache_dir=cache_dir)
    batches = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in batches]).astype(np.uint8)
    y_train = np.concatenate([np.asarray(y) for _, y in batches]).astype(np.uint8)
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    return channels_last(x_train, y_train, x_test, y_test)
