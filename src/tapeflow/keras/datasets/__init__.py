"""`tf.keras.datasets`: Keras's small datasets, from Keras's URLs into Keras's cache folder, checked
against Keras's hashes, returned as the same NumPy arrays (see download.py)."""

from tapeflow.keras.datasets import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
