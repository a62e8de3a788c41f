"""`tf.keras.datasets.cifar100`: 60,000 32x32 colour images in 100 fine (or 20 coarse) classes."""

from __future__ import annotations

import os

from tapeflow.keras.datasets.cifar import channels_last, load_batch
from tapeflow.keras.datasets.download import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode: str = "fine", cache_dir: str | None = None) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`, labels of `label_mode` ("fine" or "coarse")."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = get_file("cifar-100-python", origin=ORIGIN, untar=True, file_hash=FILE_HASH,
                      cache_dir=cache_dir)
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=f"{label_mode}_labels")
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=f"{label_mode}_labels")
    return channels_last(x_train, y_train, x_test, y_test)
