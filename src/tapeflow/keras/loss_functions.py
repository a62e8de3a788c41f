"""Keras 2's loss functions: one value per sample (reduced over the last axis, or `axis`), computed with
the same ops and in the same order as tf-keras, so that their values and gradients match to float32
rounding. `losses.py` wraps them in `Loss` objects; `metrics` averages them.

A probability output made by Keras's `softmax` or `sigmoid` activation is taken back to its logits for
the cross-entropies (as tf-keras does), so they use the fused, stable kernels."""

from __future__ import annotations

import math
import warnings
from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import activations, backend
from tapeflow.ops.array_ops import reshape, transpose
from tapeflow.ops.math_ops import abs as absolute
from tapeflow.ops.math_ops import (
    cast,
    clip_by_value,
    equal,
    log,
    logical_or,
    maximum,
    not_equal,
    pow,
    softplus,
    square,
    squared_difference,
    where,
)
from tapeflow.ops.math_ops import sigmoid as _sigmoid
from tapeflow.ops.nn_ops import (
    l2_normalize,
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from tapeflow.ops.reduce_ops import reduce_all, reduce_max, reduce_mean, reduce_sum

__all__ = [
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]


def _operands(y_true: Any, y_pred: Any) -> tuple:
    y_pred = convert_to_tensor(y_pred)
    return cast(convert_to_tensor(y_true), y_pred.dtype), y_pred


def _epsilon(dtype: Any) -> Any:
    return convert_to_tensor(backend.epsilon(), dtype=dtype)


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean over the last axis of (y_pred - y_true)**2."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean over the last axis of |y_pred - y_true|."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(absolute(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: 100 times the mean of |y_true - y_pred| / max(|y_true|, epsilon)."""
    y_true, y_pred = _operands(y_true, y_pred)
    diff = absolute((y_true - y_pred) / maximum(absolute(y_true), backend.epsilon()))
    return 100.0 * reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean of (log(1 + y_pred) - log(1 + y_true))**2, both clipped below at epsilon."""
    y_true, y_pred = _operands(y_true, y_pred)
    first = log(maximum(y_pred, backend.epsilon()) + 1.0)
    second = log(maximum(y_true, backend.epsilon()) + 1.0)
    return reduce_mean(squared_difference(first, second), axis=-1)


def _signed_labels(y_true: Any) -> Any:
    """0/1 labels as -1/1 (labels already -1/1, or anything else, stay as they are)."""
    is_binary = reduce_all(logical_or(equal(y_true, 0), equal(y_true, 1)))
    return where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean of max(1 - y_true * y_pred, 0), with 0/1 labels taken as -1/1."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean of max(1 - y_true * y_pred, 0)**2, with 0/1 labels taken as -1/1."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(square(maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Any:
    """Per sample: max(0, 1 + (best wrong score) - (score of the one-hot class))."""
    y_true, y_pred = _operands(y_true, y_pred)
    positive = reduce_sum(y_true * y_pred, axis=-1)
    negative = reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return maximum(negative - positive + 1.0, cast(0.0, y_pred.dtype))


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Any:
    """Per sample: the mean of 0.5 * e**2 where |e| <= delta, else delta * |e| - 0.5 * delta**2."""
    floatx = backend.floatx()
    y_pred = cast(convert_to_tensor(y_pred), floatx)
    y_true = cast(convert_to_tensor(y_true), floatx)
    delta = cast(convert_to_tensor(delta), floatx)
    error = y_pred - y_true
    abs_error = absolute(error)
    half = convert_to_tensor(0.5, dtype=abs_error.dtype)
    quadratic = half * square(error)
    linear = delta * abs_error - half * square(delta)
    return reduce_mean(where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean of log(cosh(y_pred - y_true)), as x + softplus(-2x) - log(2)."""
    y_true, y_pred = _operands(y_true, y_pred)
    x = y_pred - y_true
    return reduce_mean(x + softplus(-2.0 * x) - cast(math.log(2.0), x.dtype), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Any:
    """Per sample: sum(y_true * log(y_true / y_pred)), both clipped to [epsilon, 1]."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = clip_by_value(y_true, backend.epsilon(), 1.0)
    y_pred = clip_by_value(y_pred, backend.epsilon(), 1.0)
    return reduce_sum(y_true * log(y_true / y_pred), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean of y_pred - y_true * log(y_pred + epsilon)."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(y_pred - y_true * log(y_pred + backend.epsilon()), axis=-1)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Per sample: minus the cosine of the angle between y_true and y_pred along `axis` (a loss: -1 is
    best)."""
    y_true, y_pred = _operands(y_true, y_pred)
    return -reduce_sum(l2_normalize(y_true, axis=axis) * l2_normalize(y_pred, axis=axis), axis=axis)


def _elementwise_binary_crossentropy(target: Any, output: Any, from_logits: bool) -> Any:
    logits = activations.logits_of(output, "sigmoid")
    if logits is not None:
        return sigmoid_cross_entropy_with_logits(labels=target, logits=logits)
    if from_logits:
        return sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    eps = _epsilon(output.dtype)
    output = clip_by_value(output, eps, 1.0 - eps)
    bce = target * log(output + eps)
    bce += (1 - target) * log(1 - output + eps)
    return -bce


def _smoothed_binary(y_true: Any, label_smoothing: float) -> Any:
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing if label_smoothing else y_true


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Per sample: the mean over `axis` of the binary cross-entropy."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = _smoothed_binary(y_true, label_smoothing)
    return reduce_mean(_elementwise_binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> Any:
    """Per sample: the mean over `axis` of the binary cross-entropy scaled by (1 - p_t)**gamma, where
    p_t is the probability given to the true label (and by alpha / 1 - alpha with class balancing)."""
    y_true, y_pred = _operands(y_true, y_pred)
    y_true = _smoothed_binary(y_true, label_smoothing)
    probabilities = _sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probabilities + (1 - y_true) * (1 - probabilities)
    focal = pow(1.0 - p_t, gamma) * _elementwise_binary_crossentropy(y_true, y_pred, from_logits)
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return reduce_mean(focal, axis=axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Per sample: the cross-entropy of one-hot (or soft) `y_true` and the predicted distribution."""
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_true, y_pred = _operands(y_true, y_pred)
    if y_pred.shape.rank and y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
            f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
            f"'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        classes = cast(y_true.shape[axis], y_pred.dtype)
        y_true = y_true * (1.0 - label_smoothing) + (label_smoothing / classes)
    logits = activations.logits_of(y_pred, "softmax")
    if logits is not None:
        return softmax_cross_entropy_with_logits(labels=y_true, logits=logits, axis=axis)
    if from_logits:
        return softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    output = y_pred / reduce_sum(y_pred, axis, True)
    eps = _epsilon(output.dtype)
    output = clip_by_value(output, eps, 1.0 - eps)
    return -reduce_sum(y_true * log(output), axis)


def _class_axis_last(output: Any, axis: int) -> Any:
    rank = output.shape.rank
    axis %= rank
    if axis == rank - 1:
        return output
    return transpose(output, [*range(axis), *range(axis + 1, rank), axis])


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1, ignore_class: int | None = None
) -> Any:
    """Per sample: the cross-entropy of integer labels and the predicted distribution over `axis`.
    Labels equal to `ignore_class` get a loss of 0 (`sparse_valid_mask` tells which ones count)."""
    y_pred = convert_to_tensor(y_pred)
    labels = cast(convert_to_tensor(y_true), dtypes.int64)
    logits = activations.logits_of(y_pred, "softmax")
    if logits is None:
        if from_logits:
            logits = y_pred
        else:
            eps = _epsilon(y_pred.dtype)
            logits = log(clip_by_value(y_pred, eps, 1 - eps))
    logits = _class_axis_last(logits, axis)
    output_shape = logits.shape.as_list()
    reshaped = labels.shape.rank != len(output_shape) - 1
    if reshaped:
        labels = reshape(labels, [-1])
        logits = reshape(logits, [-1, output_shape[-1]])
    if ignore_class is not None:
        valid = not_equal(labels, cast(ignore_class, labels.dtype))
        labels = where(valid, labels, 0)
    losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    if ignore_class is not None:
        losses = losses * cast(valid, losses.dtype)
    if reshaped and len(output_shape) >= 3:
        losses = reshape(losses, [-1 if d is None else d for d in output_shape[:-1]])
    return losses


def sparse_valid_mask(y_true: Any, losses: Any, ignore_class: int) -> Any:
    """Where the labels are not `ignore_class`, in the shape of the per-sample `losses`."""
    labels = convert_to_tensor(y_true)
    shape = [-1 if d is None else d for d in losses.shape.as_list()]
    return reshape(not_equal(labels, cast(ignore_class, labels.dtype)), shape)
