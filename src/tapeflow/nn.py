"""`tf.nn`: activations, softmax and losses (tapeflow.ops.nn_ops), and `top_k`."""

from tapeflow.ops.nn_ops import *  # noqa: F403
from tapeflow.ops.nn_ops import __all__ as _nn
from tapeflow.ops.sort_ops import top_k

__all__ = [*_nn, "top_k"]
