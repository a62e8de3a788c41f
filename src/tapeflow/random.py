"""`tf.random`: random tensors and the global seed (tapeflow.ops.random_ops)."""

import types as _types

from tapeflow.ops import random_ops as _random_ops
from tapeflow.ops.random_ops import *  # noqa: F403
from tapeflow.ops.random_ops import __all__  # noqa: F401

# `tf.random.experimental`: the generator API and the stateless seed functions under their older names.
experimental = _types.SimpleNamespace(
    Generator=_random_ops.Generator, get_global_generator=_random_ops.get_global_generator,
    set_global_generator=_random_ops.set_global_generator, stateless_split=_random_ops.split,
    stateless_fold_in=_random_ops.fold_in)
