"""`tf.keras.losses`: Keras 2's losses, as functions (one value per sample) and as `Loss` objects
(reduced over the batch, with sample weights), computed with the same ops and in the same order as
tf-keras, so that training follows its trajectory to the float32 rounding.

A probability output made by Keras's `softmax` or `sigmoid` activation is taken back to its logits for
the cross-entropies (as tf-keras does), so they use the fused, stable kernels."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import activations, backend, identifiers
from tapeflow.ops.array_ops import reshape, squeeze
from tapeflow.ops.creation_ops import size
from tapeflow.ops.math_ops import abs as absolute
from tapeflow.ops.math_ops import cast, clip_by_value, divide_no_nan, log, squared_difference
from tapeflow.ops.nn_ops import (
    sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from tapeflow.ops.reduce_ops import reduce_mean, reduce_sum

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "Reduction",
    "SparseCategoricalCrossentropy",
    "squeeze_or_expand",
    "binary_crossentropy",
    "categorical_crossentropy",
    "deserialize",
    "get",
    "mae",
    "mean_absolute_error",
    "mean_squared_error",
    "mse",
    "serialize",
    "sparse_categorical_crossentropy",
]


class Reduction:
    """`tf.keras.losses.Reduction`: how a `Loss` reduces the per-sample losses."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')


def _operands(y_true: Any, y_pred: Any) -> tuple:
    y_pred = convert_to_tensor(y_pred)
    y_true = cast(convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


def squeeze_or_expand(y_pred: Any, y_true: Any) -> tuple:
    """Keras's `squeeze_or_expand_dimensions` without weights: drop a trailing axis of size 1 from the
    one of the two that has an extra axis."""
    if y_true is None:
        return y_pred, y_true
    pred_rank, true_rank = y_pred.shape.rank, y_true.shape.rank
    if pred_rank is None or true_rank is None:
        return y_pred, y_true
    if pred_rank - true_rank == 1 and y_pred.shape[-1] in (1, None):
        y_pred = squeeze(y_pred, [-1])
    elif true_rank - pred_rank == 1 and y_true.shape[-1] in (1, None):
        y_true = squeeze(y_true, [-1])
    return y_pred, y_true


def mean_squared_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean over the last axis of (y_pred - y_true)**2."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Any:
    """Per sample: the mean over the last axis of |y_pred - y_true|."""
    y_true, y_pred = _operands(y_true, y_pred)
    return reduce_mean(absolute(y_pred - y_true), axis=-1)


def _epsilon(dtype: Any) -> Any:
    return convert_to_tensor(backend.epsilon(), dtype=dtype)


def _binary_crossentropy(target: Any, output: Any, from_logits: bool) -> Any:
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


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Per sample: the mean over `axis` of the binary cross-entropy."""
    y_true, y_pred = _operands(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return reduce_mean(_binary_crossentropy(y_true, y_pred, from_logits), axis=axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> Any:
    """Per sample: the cross-entropy of one-hot (or soft) `y_true` and the predicted distribution."""
    y_true, y_pred = _operands(y_true, y_pred)
    if label_smoothing:
        classes = cast(y_pred.shape[-1], y_pred.dtype)
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


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, axis: int = -1, ignore_class: int | None = None
) -> Any:
    """Per sample: the cross-entropy of integer labels and the predicted distribution."""
    y_pred = convert_to_tensor(y_pred)
    y_true = convert_to_tensor(y_true)
    logits = activations.logits_of(y_pred, "softmax")
    if logits is None:
        if from_logits:
            logits = y_pred
        else:
            eps = _epsilon(y_pred.dtype)
            logits = log(clip_by_value(y_pred, eps, 1 - eps))
    labels = cast(y_true, dtypes.int64)
    if labels.shape.rank == logits.shape.rank:
        labels = reshape(labels, [-1] if logits.shape.rank == 2 else labels.shape.as_list()[:-1])
    return sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


class Loss:
    """Base class: `call(y_true, y_pred)` gives per-sample losses; `__call__` weights and reduces them."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str | None = None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError("Must be implemented in subclasses.")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        losses = self.call(y_true, y_pred)
        return compute_weighted_loss(losses, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def compute_weighted_loss(losses: Any, sample_weight: Any = None, reduction: str = Reduction.AUTO) -> Any:
    """Weight per-sample `losses` and reduce them: their sum, or (the default) their sum over their
    number (`divide_no_nan`, as Keras), or no reduction."""
    losses = convert_to_tensor(losses)
    if sample_weight is not None:
        weight = cast(convert_to_tensor(sample_weight), losses.dtype)
        if weight.shape.rank is not None and weight.shape.rank > losses.shape.rank:
            weight = reshape(weight, losses.shape.as_list() if None not in losses.shape.as_list() else [-1])
        losses = losses * weight
    if reduction == Reduction.NONE:
        return losses
    total = reduce_sum(losses)
    if reduction == Reduction.SUM:
        return total
    return divide_no_nan(total, cast(size(losses), losses.dtype))


class LossFunctionWrapper(Loss):
    """A loss function (per-sample losses) as a `Loss`, with its keyword arguments."""

    def __init__(self, fn: Any, reduction: str = Reduction.AUTO, name: str | None = None, **kwargs: Any):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred = convert_to_tensor(y_pred)
        y_pred, y_true = squeeze_or_expand(y_pred, convert_to_tensor(y_true))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs}


class MeanSquaredError(LossFunctionWrapper):
    """The mean of (y_true - y_pred)**2."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str = "mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}


class MeanAbsoluteError(LossFunctionWrapper):
    """The mean of |y_true - y_pred|."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str = "mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy of 0/1 labels and probabilities (or logits, `from_logits=True`)."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = Reduction.AUTO,
        name: str = "binary_crossentropy",
    ):
        super().__init__(
            binary_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot labels and a predicted distribution (or logits)."""

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = Reduction.AUTO,
        name: str = "categorical_crossentropy",
    ):
        super().__init__(
            categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer labels and a predicted distribution (or logits)."""

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str = Reduction.AUTO,
        name: str = "sparse_categorical_crossentropy",
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )


_FUNCTIONS = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}
_CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}


def serialize(loss: Any) -> Any:
    if isinstance(loss, Loss):
        return {
            "module": "keras.losses",
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    return getattr(loss, "__name__", loss)


def deserialize(name: Any) -> Any:
    if isinstance(name, dict):
        return identifiers.from_config("loss function", _CLASSES, name)
    found = identifiers.registered("loss function", {**_FUNCTIONS, **_CLASSES}, name)
    return found() if isinstance(found, type) else found


def get(identifier: Any) -> Any:
    """A loss from a name (`'mse'`), a config dict, a `Loss` or a function."""
    return identifiers.get(identifier, "loss function", {**_FUNCTIONS, **_CLASSES})
