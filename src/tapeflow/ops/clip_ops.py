"""Gradient clipping: `tf.clip_by_norm`, `tf.clip_by_global_norm`, `tf.linalg.global_norm`.

Composites of other ops, so they need no gradient code. Each accepts `tf.IndexedSlices` (a sparse
gradient) by working on its values, as TensorFlow does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tapeflow.ops.array_ops import stack
from tapeflow.ops.declare import tensor
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import cast, maximum, minimum, sqrt, where
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["clip_by_norm", "clip_by_global_norm", "global_norm"]


def _values(t: Any):
    return t.values if type(t) is IndexedSlices else tensor(t)


def _like(t: Any, values):
    return IndexedSlices(values, t.indices, t.dense_shape) if type(t) is IndexedSlices else values


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None):
    """`t` scaled so that its L2 norm (over `axes`, default all) is at most `clip_norm`."""
    values = _values(t)
    squared = reduce_sum(values * values, axes, keepdims=True)
    positive = squared > 0
    norm = where(positive, sqrt(where(positive, squared, 1)), squared)  # a zero norm has no nan gradient
    clip_norm = cast(clip_norm, values.dtype)
    return _like(t, values * clip_norm / maximum(norm, clip_norm))


def global_norm(t_list: Sequence, name: str | None = None):
    """The L2 norm of all the tensors of `t_list` together (None entries are skipped)."""
    values = [_values(t) for t in t_list if t is not None]
    if not values:
        raise ValueError("t_list must contain at least one tensor")
    return sqrt(reduce_sum(stack([reduce_sum(v * v) for v in values])))


def clip_by_global_norm(t_list: Sequence, clip_norm: Any, use_norm: Any = None, name: str | None = None
                        ) -> tuple[list, Any]:
    """Every tensor of `t_list` scaled by clip_norm / max(global_norm, clip_norm); returns the clipped
    list (None entries kept) and the global norm."""
    if isinstance(t_list, str) or not isinstance(t_list, Sequence):
        raise TypeError("`t_list` should be a sequence of tensors.")
    norm = global_norm(t_list) if use_norm is None else tensor(use_norm)
    clip_norm = cast(clip_norm, norm.dtype)
    # norm - norm is 0 for a finite norm and nan for an inf or nan one: TensorFlow's way of making
    # every clipped tensor nan then (and of carrying nan into the norm's gradient).
    scale = clip_norm * minimum(1.0 / norm, 1.0 / clip_norm) + (norm - norm)
    clipped = [None if t is None else _like(t, _values(t) * cast(scale, _values(t).dtype)) for t in t_list]
    return clipped, norm
