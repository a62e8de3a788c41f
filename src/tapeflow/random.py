"""`tf.random`: random tensors and the global seed (tapeflow.ops.random_ops)."""

from tapeflow.ops.random_ops import *  # noqa: F403
from tapeflow.ops.random_ops import __all__  # noqa: F401
