"""`tf.keras.metrics`: stateful metrics (`update_state`, `result`, `reset_state`) and the per-sample
metric functions they average, by class, by Keras's names and aliases (`'mse'`, `'acc'`) and from
configs.

`base_metric.py` holds `Metric`, `Mean`, `Sum`, `MeanMetricWrapper` and `MeanTensor`; the others group
the metrics by what they count."""

from __future__ import annotations

from typing import Any

from tapeflow.keras import identifiers
from tapeflow.keras.loss_functions import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
from tapeflow.keras.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from tapeflow.keras.metrics.base_metric import Mean, MeanMetricWrapper, MeanTensor, Metric, Sum
from tapeflow.keras.metrics.confusion_metrics import (
    AUC,
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from tapeflow.keras.metrics.iou_metrics import MeanIoU
from tapeflow.keras.metrics.loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    cosine_similarity,
)

__all__ = [
    "AUC",
    "Accuracy",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "KLDivergence",
    "LogCoshError",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "MeanTensor",
    "Metric",
    "Poisson",
    "Precision",
    "Recall",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "accuracy",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]

acc = ACC = accuracy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
cosine_proximity = cosine_similarity

_FUNCTIONS = {
    name: fn
    for fn, names in (
        (accuracy, ("accuracy", "acc", "ACC")),
        (binary_accuracy, ("binary_accuracy",)),
        (categorical_accuracy, ("categorical_accuracy",)),
        (sparse_categorical_accuracy, ("sparse_categorical_accuracy",)),
        (top_k_categorical_accuracy, ("top_k_categorical_accuracy",)),
        (sparse_top_k_categorical_accuracy, ("sparse_top_k_categorical_accuracy",)),
        (mean_squared_error, ("mean_squared_error", "mse", "MSE")),
        (mean_absolute_error, ("mean_absolute_error", "mae", "MAE")),
        (mean_absolute_percentage_error, ("mean_absolute_percentage_error", "mape", "MAPE")),
        (mean_squared_logarithmic_error, ("mean_squared_logarithmic_error", "msle", "MSLE")),
        (kl_divergence, ("kl_divergence", "kullback_leibler_divergence", "kld", "KLD")),
        (log_cosh, ("log_cosh", "logcosh")),
        (cosine_similarity, ("cosine_similarity", "cosine_proximity")),
        (hinge, ("hinge",)),
        (squared_hinge, ("squared_hinge",)),
        (categorical_hinge, ("categorical_hinge",)),
        (poisson, ("poisson",)),
        (binary_crossentropy, ("binary_crossentropy",)),
        (categorical_crossentropy, ("categorical_crossentropy",)),
        (sparse_categorical_crossentropy, ("sparse_categorical_crossentropy",)),
    )
    for name in names
}
_CLASSES = {
    c.__name__: c
    for c in (
        AUC,
        Accuracy,
        BinaryAccuracy,
        BinaryCrossentropy,
        CategoricalAccuracy,
        CategoricalCrossentropy,
        CategoricalHinge,
        CosineSimilarity,
        FalseNegatives,
        FalsePositives,
        Hinge,
        KLDivergence,
        LogCoshError,
        Mean,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanIoU,
        MeanMetricWrapper,
        MeanSquaredError,
        MeanSquaredLogarithmicError,
        MeanTensor,
        Poisson,
        Precision,
        Recall,
        RootMeanSquaredError,
        SparseCategoricalAccuracy,
        SparseCategoricalCrossentropy,
        SparseTopKCategoricalAccuracy,
        SquaredHinge,
        Sum,
        TopKCategoricalAccuracy,
        TrueNegatives,
        TruePositives,
    )
}


def serialize(metric: Any) -> Any:
    """A `Metric` as Keras's config dict; a metric function as its name."""
    return identifiers.serialize(metric, Metric, "keras.metrics")


def deserialize(config: Any) -> Any:
    """A metric from its config dict, or the function or a new instance of the class of a name."""
    return get(config)


def get(identifier: Any) -> Any:
    """A metric function or object from a name, a config dict, a `Metric` or a function."""
    if identifier is None:
        raise ValueError("Could not interpret metric identifier: None")
    return identifiers.get(identifier, "metric function", {**_FUNCTIONS, **_CLASSES}, "metric")
