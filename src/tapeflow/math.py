"""`tf.math`: elementwise math and reductions."""

from tapeflow.ops.math_ops import *  # noqa: F403
from tapeflow.ops.math_ops import __all__ as _elementwise
from tapeflow.ops.reduce_ops import *  # noqa: F403
from tapeflow.ops.reduce_ops import __all__ as _reductions
from tapeflow.ops.math_ops import bitwise_and, bitwise_or, bitwise_xor, invert  # noqa: F401

__all__ = [*_elementwise, *_reductions]
