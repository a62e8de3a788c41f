"""`tf.keras`: the parts of Keras that TensorFlow's autodiff and input code use — the optimizers,
the datasets (loaded on first use: they import more of the standard library) and `utils.get_file`."""

from tapeflow.keras import datasets, optimizers, utils

__all__ = ["datasets", "optimizers", "utils"]


def __getattr__(name: str):
    if name == "datasets":
        return datasets
    if name == "utils":
        return utils
    raise AttributeError(f"module 'tapeflow.keras' has no attribute {name!r}")
