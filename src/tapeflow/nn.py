"""`tf.nn`: activations, softmax and losses (tapeflow.ops.nn_ops)."""

from tapeflow.ops.nn_ops import *  # noqa: F403
from tapeflow.ops.nn_ops import __all__  # noqa: F401
