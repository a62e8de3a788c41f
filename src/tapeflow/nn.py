"""`tf.nn`: activations, softmax and losses."""

from tapeflow.ops.math_ops import sigmoid, softplus, tanh

__all__ = ["sigmoid", "softplus", "tanh"]
