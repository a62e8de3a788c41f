"""`tf.keras`: the parts of Keras that TensorFlow's autodiff code uses — the optimizers."""

from tapeflow.keras import optimizers

__all__ = ["optimizers"]
