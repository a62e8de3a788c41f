"""Weighted counts of true/false positives/negatives at each of a list of thresholds, added to a
metric's variables (tf-keras's `update_confusion_matrix_variables`).

A prediction is positive at threshold t when it is greater than t. For evenly spaced thresholds (AUC's)
each prediction falls in one bucket, and the counts are the buckets' reversed cumulative sums: O(n + T)
instead of comparing every prediction with every threshold."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import backend
from tapeflow.keras.losses_utils import squeeze_or_expand
from tapeflow.ops.array_ops import expand_dims, reshape, transpose
from tapeflow.ops.creation_ops import one_hot, ones_like
from tapeflow.ops.gather_ops import unsorted_segment_sum
from tapeflow.ops.math_ops import cast, ceil, clip_by_value, greater, logical_and, logical_not
from tapeflow.ops.nn_ops import relu
from tapeflow.ops.reduce_ops import cumsum, reduce_sum
from tapeflow.ops.sort_ops import top_k as _top_k

__all__ = ["NEG_INF", "TP", "FP", "TN", "FN", "evenly_spaced", "update_confusion_variables"]

NEG_INF = -1e10
TP, FP, TN, FN = "tp", "fp", "tn", "fn"


def evenly_spaced(thresholds: list) -> bool:
    """Whether the thresholds are i / (n - 1) for i in 0..n-1 (to Keras's epsilon), n >= 3."""
    n = len(thresholds)
    return n >= 3 and bool(
        np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=backend.epsilon())
    )


def _keep_top_k(x: Any, k: int) -> Any:
    """`x` where it is among the `k` largest of its row, NEG_INF elsewhere."""
    indices = _top_k(x, k, sorted=False).indices
    mask = reduce_sum(one_hot(indices, x.shape[-1], axis=-1), axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def _broadcast(weight: Any, values: Any) -> Any:
    return cast(weight, values.dtype) * ones_like(values)


def update_confusion_variables(
    variables: dict,
    y_true: Any,
    y_pred: Any,
    thresholds: list,
    top_k: int | None = None,
    class_id: int | None = None,
    sample_weight: Any = None,
    multi_label: bool = False,
    label_weights: Any = None,
    evenly: bool = False,
) -> None:
    """Add to `variables` (`{TP: variable, ...}`, each of shape (T,) or, `multi_label`, (T, labels))
    the weighted counts at each threshold."""
    dtype = next(iter(variables.values())).dtype
    y_true = cast(convert_to_tensor(y_true), dtype)
    y_pred = cast(convert_to_tensor(y_pred), dtype)
    if sample_weight is None:
        y_pred, y_true = squeeze_or_expand(y_pred, y_true)
    else:
        sample_weight = cast(convert_to_tensor(sample_weight), dtype)
        y_pred, y_true, sample_weight = squeeze_or_expand(y_pred, y_true, sample_weight)
    if top_k is not None:
        y_pred = _keep_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    weights = None
    if sample_weight is not None:
        weights = _broadcast(sample_weight, y_pred)
    if label_weights is not None and not multi_label:
        per_label = _broadcast(expand_dims(convert_to_tensor(label_weights), 0), y_pred)
        weights = per_label if weights is None else weights * per_label
    if evenly:  # thresholds below 0 or above 1 (AUC's, by epsilon) take what falls outside [0, 1]
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        counts = _bucket_counts(y_true, y_pred, weights, len(thresholds), multi_label, with_epsilon)
    else:
        counts = _compared_counts(y_true, y_pred, weights, thresholds, multi_label, variables.keys())
    for key, variable in variables.items():
        variable.assign_add(counts[key])


def _bucket_counts(
    y_true: Any, y_pred: Any, weights: Any, n: int, multi_label: bool, with_epsilon: bool
) -> dict:
    """The four counts at `n` evenly spaced thresholds, from the bucket of each prediction."""
    weights = 1.0 if weights is None else weights
    y_pred = clip_by_value(y_pred, 0.0, 1.0)
    y_true = cast(cast(y_true, dtypes.bool), y_true.dtype)
    if not multi_label:
        y_true, y_pred = reshape(y_true, [-1]), reshape(y_pred, [-1])
        if not isinstance(weights, float):
            weights = reshape(weights, [-1])
    positives, negatives = y_true * weights, (1.0 - y_true) * weights
    buckets = ceil(y_pred * (n - 1)) - 1
    if with_epsilon:
        buckets = relu(buckets)
    buckets = cast(buckets, dtypes.int32)
    if multi_label:  # one run of buckets per label: label j's bucket b is segment j * n + b
        labels = positives.shape[-1]
        buckets = reshape(
            transpose(buckets) + expand_dims(cast(np.arange(labels) * n, dtypes.int32), -1), [-1]
        )

        def per_threshold(values: Any) -> Any:
            sums = reshape(
                unsorted_segment_sum(reshape(transpose(values), [-1]), buckets, labels * n), [labels, n]
            )
            return transpose(cumsum(sums, axis=1, reverse=True))

        total_axis = 0
    else:

        def per_threshold(values: Any) -> Any:
            return cumsum(unsorted_segment_sum(values, buckets, n), reverse=True)

        total_axis = None
    tp, fp = per_threshold(positives), per_threshold(negatives)
    return {
        TP: tp,
        FP: fp,
        TN: reduce_sum(negatives, axis=total_axis) - fp,
        FN: reduce_sum(positives, axis=total_axis) - tp,
    }


def _compared_counts(
    y_true: Any, y_pred: Any, weights: Any, thresholds: list, multi_label: bool, keys: Any
) -> dict:
    """The counts named in `keys`, comparing every prediction with every threshold."""
    thresholds = convert_to_tensor(np.asarray(thresholds), dtype=y_pred.dtype)
    if multi_label:
        predictions, labels = expand_dims(y_pred, 0), expand_dims(cast(y_true, dtypes.bool), 0)
        thresholds = reshape(thresholds, [-1, 1, 1])
    else:
        predictions, labels = reshape(y_pred, [1, -1]), reshape(cast(y_true, dtypes.bool), [1, -1])
        thresholds = reshape(thresholds, [-1, 1])
        if weights is not None:
            weights = reshape(weights, [1, -1])
    predicted = greater(predictions, thresholds)
    cases = {
        TP: (labels, predicted),
        FP: (logical_not(labels), predicted),
        TN: (logical_not(labels), logical_not(predicted)),
        FN: (labels, logical_not(predicted)),
    }
    counts = {}
    for key in keys:
        label, prediction = cases[key]
        both = cast(logical_and(label, prediction), y_pred.dtype)
        if weights is not None:
            both = both * weights
        counts[key] = reduce_sum(both, axis=1)
    return counts
