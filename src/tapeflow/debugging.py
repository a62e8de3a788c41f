"""`tf.debugging`: run-time checks (tapeflow.ops.check_ops)."""

from tapeflow.ops.check_ops import *  # noqa: F403
from tapeflow.ops.check_ops import __all__  # noqa: F401
