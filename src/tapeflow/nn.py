"""`tf.nn`: activations, softmax and losses (tapeflow.ops.nn_ops), convolutions (conv_ops), pooling
(pool_ops), normalization helpers, more losses and block rearrangements (nn_extra_ops), `top_k`, and dropout
(tapeflow.random.dropout)."""

import types as _types

from tapeflow.ops.conv_ops import *  # noqa: F403
from tapeflow.ops.conv_ops import __all__ as _conv
from tapeflow.ops.math_utility_ops import in_top_k, zero_fraction
from tapeflow.ops.nn_extra_ops import *  # noqa: F403
from tapeflow.ops.nn_extra_ops import __all__ as _extra
from tapeflow.ops.nn_ops import *  # noqa: F403
from tapeflow.ops.nn_ops import __all__ as _nn
from tapeflow.ops.pool_ops import *  # noqa: F403
from tapeflow.ops.pool_ops import __all__ as _pool
from tapeflow.ops.sort_ops import top_k
from tapeflow.random.dropout import dropout
from tapeflow.random.dropout import stateless_dropout as _stateless_dropout

experimental = _types.SimpleNamespace(stateless_dropout=_stateless_dropout)

__all__ = [*_nn, *_extra, *_conv, *_pool, "top_k", "in_top_k", "zero_fraction", "dropout",
           "experimental"]
