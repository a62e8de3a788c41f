"""`tf.math`: elementwise math and reductions."""

from tapeflow.ops.gather_ops import MATH_ONLY as _gather_math
from tapeflow.ops.gather_ops import unsorted_segment_sum
from tapeflow.ops.math_ops import *  # noqa: F403
from tapeflow.ops.math_ops import __all__ as _elementwise
from tapeflow.ops.math_utility_ops import *  # noqa: F403
from tapeflow.ops.math_utility_ops import __all__ as _utilities
from tapeflow.ops.nn_ops import l2_normalize, log_sigmoid, log_softmax, softmax
from tapeflow.ops.reduce_ops import *  # noqa: F403
from tapeflow.ops.reduce_ops import __all__ as _reductions
from tapeflow.ops.segment_ops import *  # noqa: F403
from tapeflow.ops.segment_ops import __all__ as _segments
from tapeflow.ops.sort_ops import top_k
from tapeflow.ops.special_ops import *  # noqa: F403
from tapeflow.ops.special_ops import __all__ as _special

__all__ = [*_elementwise, *_reductions, *_gather_math, *_segments, *_special, *_utilities, "top_k",
           "l2_normalize", "log_sigmoid", "log_softmax", "softmax"]
