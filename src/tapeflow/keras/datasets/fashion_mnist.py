"""`tf.keras.datasets.fashion_mnist`: 70,000 28x28 uint8 images of clothes in 10 classes, read from
the four gzipped IDX files Keras downloads (into `~/.keras/datasets/fashion-mnist`)."""

from __future__ import annotations

import gzip
import os

import numpy as np

from tapeflow.keras.datasets.download import get_file

BASE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz")


def _idx(path: str, header: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header)


def load_data(cache_dir: str | None = None) -> tuple:
    """`((x_train, y_train), (x_test, y_test))`: 60,000 training and 10,000 test images."""
    paths = [get_file(name, origin=BASE + name, cache_dir=cache_dir,
                      cache_subdir=os.path.join("datasets", "fashion-mnist")) for name in FILES]
    y_train, y_test = _idx(paths[0], 8), _idx(paths[2], 8)
    x_train = _idx(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
