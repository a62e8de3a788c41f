"""Metrics that average a loss function over the samples seen (mean squared error, cross-entropies,
hinges, ...), the root mean squared error, and the cosine similarity (positive here, unlike the
loss)."""

from __future__ import annotations

from typing import Any

from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import loss_functions as fns
from tapeflow.keras.losses_utils import squeeze_or_expand
from tapeflow.keras.metrics.base_metric import Mean, mean_metric_class
from tapeflow.ops.math_ops import cast, divide_no_nan, sqrt, squared_difference
from tapeflow.ops.nn_ops import l2_normalize
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "RootMeanSquaredError",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "cosine_similarity",
]


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Any:
    """Per sample: the cosine of the angle between y_true and y_pred along `axis`."""
    return reduce_sum(l2_normalize(y_true, axis=axis) * l2_normalize(y_pred, axis=axis), axis=axis)


def _mean_of(cls_name: str, fn: Any, default_name: str, doc: str, **options: Any) -> type:
    return mean_metric_class(cls_name, fn, default_name, doc, __name__, **options)


MeanSquaredError = _mean_of(
    "MeanSquaredError", fns.mean_squared_error, "mean_squared_error", "The mean of the squared errors."
)
MeanAbsoluteError = _mean_of(
    "MeanAbsoluteError", fns.mean_absolute_error, "mean_absolute_error", "The mean of the absolute errors."
)
MeanAbsolutePercentageError = _mean_of(
    "MeanAbsolutePercentageError",
    fns.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "The mean of the absolute errors relative to the labels, in percent.",
)
MeanSquaredLogarithmicError = _mean_of(
    "MeanSquaredLogarithmicError",
    fns.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "The mean of the squared differences of log(1 + x).",
)
LogCoshError = _mean_of("LogCoshError", fns.log_cosh, "logcosh", "The mean of log(cosh(error)).")
KLDivergence = _mean_of(
    "KLDivergence", fns.kl_divergence, "kullback_leibler_divergence", "The mean Kullback-Leibler divergence."
)
Poisson = _mean_of("Poisson", fns.poisson, "poisson", "The mean Poisson loss.")
Hinge = _mean_of("Hinge", fns.hinge, "hinge", "The mean hinge loss.")
SquaredHinge = _mean_of("SquaredHinge", fns.squared_hinge, "squared_hinge", "The mean squared hinge loss.")
CategoricalHinge = _mean_of(
    "CategoricalHinge", fns.categorical_hinge, "categorical_hinge", "The mean categorical hinge loss."
)
CosineSimilarity = _mean_of(
    "CosineSimilarity",
    cosine_similarity,
    "cosine_similarity",
    "The mean cosine similarity of labels and predictions along `axis`.",
    axis=-1,
)
BinaryCrossentropy = _mean_of(
    "BinaryCrossentropy",
    fns.binary_crossentropy,
    "binary_crossentropy",
    "The mean binary cross-entropy.",
    from_logits=False,
    label_smoothing=0,
)
CategoricalCrossentropy = _mean_of(
    "CategoricalCrossentropy",
    fns.categorical_crossentropy,
    "categorical_crossentropy",
    "The mean categorical cross-entropy.",
    from_logits=False,
    label_smoothing=0,
    axis=-1,
)
SparseCategoricalCrossentropy = _mean_of(
    "SparseCategoricalCrossentropy",
    fns.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "The mean sparse categorical cross-entropy (labels equal to `ignore_class` do not count).",
    from_logits=False,
    ignore_class=None,
    axis=-1,
)


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = cast(convert_to_tensor(y_true), self._dtype)
        y_pred = cast(convert_to_tensor(y_pred), self._dtype)
        y_pred, y_true = squeeze_or_expand(y_pred, y_true)
        super().update_state(squared_difference(y_pred, y_true), sample_weight)

    def result(self) -> Any:
        return sqrt(divide_no_nan(self.total, self.count))
