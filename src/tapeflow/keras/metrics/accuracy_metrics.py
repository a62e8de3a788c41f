"""Keras's accuracies: the per-sample match functions (`binary_accuracy`, `top_k_categorical_accuracy`,
...) and the metrics that average them."""

from __future__ import annotations

from typing import Any

from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import backend
from tapeflow.keras.metrics.base_metric import MeanMetricWrapper, mean_metric_class
from tapeflow.ops.array_ops import reshape, squeeze
from tapeflow.ops.creation_ops import shape as dynamic_shape
from tapeflow.ops.math_ops import cast, equal, greater
from tapeflow.ops.math_utility_ops import in_top_k
from tapeflow.ops.reduce_ops import argmax, reduce_mean

__all__ = [
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
]


def accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where `y_true == y_pred`, else 0.0."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.dtype != y_pred.dtype:
        y_pred = cast(y_pred, y_true.dtype)
    return cast(equal(y_true, y_pred), backend.floatx())


def binary_matches(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """1.0 where `y_pred > threshold` agrees with the 0/1 label, element by element."""
    y_pred = convert_to_tensor(y_pred)
    predicted = cast(greater(y_pred, cast(threshold, y_pred.dtype)), y_pred.dtype)
    return cast(equal(cast(convert_to_tensor(y_true), y_pred.dtype), predicted), backend.floatx())


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Any:
    """Per sample: the fraction of `y_pred > threshold` matching the 0/1 labels."""
    return reduce_mean(binary_matches(y_true, y_pred, threshold), axis=-1)


def sparse_categorical_matches(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the predicted class (argmax) is the integer label (labels may keep an axis of 1)."""
    y_pred, y_true = convert_to_tensor(y_pred), convert_to_tensor(y_true)
    labels_shape = dynamic_shape(y_true)
    keeps_axis = y_true.shape.rank is not None and y_true.shape.rank == y_pred.shape.rank
    if keeps_axis:
        y_true = squeeze(y_true, [-1])
    predicted = argmax(y_pred, axis=-1)
    if predicted.dtype != y_true.dtype:
        predicted = cast(predicted, y_true.dtype)
    matches = cast(equal(y_true, predicted), backend.floatx())
    return reshape(matches, labels_shape) if keeps_axis else matches


def categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the predicted class (argmax) is the one-hot label's."""
    return sparse_categorical_matches(argmax(convert_to_tensor(y_true), axis=-1), y_pred)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Any:
    """1.0 where the predicted class (argmax) is the integer label."""
    matches = sparse_categorical_matches(y_true, y_pred)
    if matches.shape.rank is not None and matches.shape.rank > 1 and matches.shape[-1] == 1:
        matches = squeeze(matches, [-1])
    return matches


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the integer label is among the `k` highest predictions (ties in its favour)."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    labels_shape = dynamic_shape(y_true)
    if y_pred.shape.rank is not None and y_pred.shape.rank > 2:
        y_pred = reshape(y_pred, [-1, y_pred.shape[-1]])
    flattened = y_true.shape.rank is not None and y_true.shape.rank > 1
    if flattened:
        y_true = reshape(y_true, [-1])
    matches = cast(in_top_k(targets=cast(y_true, "int32"), predictions=y_pred, k=k), backend.floatx())
    return reshape(matches, labels_shape) if flattened else matches


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Any:
    """1.0 where the one-hot label's class is among the `k` highest predictions."""
    return sparse_top_k_categorical_accuracy(argmax(convert_to_tensor(y_true), axis=-1), y_pred, k)


Accuracy = mean_metric_class(
    "Accuracy", accuracy, "accuracy", "How often predictions equal labels.", __name__
)
BinaryAccuracy = mean_metric_class(
    "BinaryAccuracy",
    binary_matches,
    "binary_accuracy",
    "How often `y_pred > threshold` matches the 0/1 labels.",
    __name__,
    threshold=0.5,
)
CategoricalAccuracy = mean_metric_class(
    "CategoricalAccuracy",
    categorical_accuracy,
    "categorical_accuracy",
    "How often the argmax of the predictions is the one-hot label.",
    __name__,
)
SparseCategoricalAccuracy = mean_metric_class(
    "SparseCategoricalAccuracy",
    sparse_categorical_matches,
    "sparse_categorical_accuracy",
    "How often the argmax of the predictions is the integer label.",
    __name__,
)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the `k` highest predictions."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` highest predictions."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype: Any = None):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)
