"""`tf.keras.losses`: Keras 2's loss functions (`loss_functions.py`, one value per sample) and `Loss`
objects that weight and reduce them over the batch (`losses_utils.py`), with Keras's names and aliases
for `compile(loss='mse')`, configs and (de)serialization."""

from __future__ import annotations

from typing import Any

from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import identifiers
from tapeflow.keras.loss_functions import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    sparse_valid_mask,
    squared_hinge,
)
from tapeflow.keras.losses_utils import Reduction, apply_valid_mask, compute_weighted_loss, squeeze_or_expand

__all__ = [
    "BinaryCrossentropy",
    "BinaryFocalCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "Reduction",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "compute_weighted_loss",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "squeeze_or_expand",
]

bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber


class Loss:
    """Base class: `call(y_true, y_pred)` gives per-sample losses; `__call__` weights and reduces them."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str | None = None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def call(self, y_true: Any, y_pred: Any) -> Any:
        raise NotImplementedError("Must be implemented in subclasses.")

    def _valid_mask(self, y_true: Any, losses: Any) -> Any:
        """Which per-sample losses count (None: all of them)."""
        return None

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        losses = convert_to_tensor(self.call(y_true, y_pred))
        reduction = Reduction.SUM_OVER_BATCH_SIZE if self.reduction == Reduction.AUTO else self.reduction
        mask = self._valid_mask(y_true, losses)
        sample_weight = apply_valid_mask(losses, sample_weight, mask, reduction)
        return compute_weighted_loss(losses, sample_weight, reduction)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A loss function (per-sample losses) as a `Loss`, with its keyword arguments."""

    def __init__(self, fn: Any, reduction: str = Reduction.AUTO, name: str | None = None, **kwargs: Any):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_pred, y_true = squeeze_or_expand(convert_to_tensor(y_pred), convert_to_tensor(y_true))
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _valid_mask(self, y_true: Any, losses: Any) -> Any:
        ignore_class = self._fn_kwargs.get("ignore_class")
        return None if ignore_class is None else sparse_valid_mask(y_true, losses, ignore_class)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._fn_kwargs, "fn": getattr(self.fn, "__name__", None)}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        config = dict(config)
        fn_name = config.pop("fn", None)
        if fn_name and cls is LossFunctionWrapper:
            config["fn"] = get(fn_name)
        return cls(**config)


def _loss_class(cls_name: str, fn: Any, default_name: str, doc: str, **options: Any) -> type:
    """A `LossFunctionWrapper` class for `fn`: its options (with Keras's defaults, in Keras's order),
    then `reduction` and `name`; the options are also the object's attributes."""

    def init(self: LossFunctionWrapper, values: dict) -> None:
        reduction, name = values.pop("reduction"), values.pop("name")
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **values)
        self.__dict__.update(values)

    parameters = [*options.items(), ("reduction", Reduction.AUTO), ("name", default_name)]
    return identifiers.class_with_options(cls_name, LossFunctionWrapper, __name__, doc, parameters, init)


MeanSquaredError = _loss_class(
    "MeanSquaredError", mean_squared_error, "mean_squared_error", "The mean of (y_true - y_pred)**2."
)
MeanAbsoluteError = _loss_class(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", "The mean of |y_true - y_pred|."
)
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError",
    mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "100 times the mean of |y_true - y_pred| / |y_true|.",
)
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError",
    mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "The mean of (log(1 + y_pred) - log(1 + y_true))**2.",
)
Hinge = _loss_class("Hinge", hinge, "hinge", "The hinge loss of -1/1 (or 0/1) labels.")
SquaredHinge = _loss_class("SquaredHinge", squared_hinge, "squared_hinge", "The squared hinge loss.")
CategoricalHinge = _loss_class(
    "CategoricalHinge", categorical_hinge, "categorical_hinge", "The hinge loss of one-hot labels."
)
Poisson = _loss_class("Poisson", poisson, "poisson", "The Poisson loss: y_pred - y_true * log(y_pred).")
LogCosh = _loss_class("LogCosh", log_cosh, "log_cosh", "The mean of log(cosh(y_pred - y_true)).")
KLDivergence = _loss_class("KLDivergence", kl_divergence, "kl_divergence", "The Kullback-Leibler divergence.")
Huber = _loss_class(
    "Huber", huber, "huber_loss", "Quadratic for errors up to `delta`, linear beyond.", delta=1.0
)
CosineSimilarity = _loss_class(
    "CosineSimilarity",
    cosine_similarity,
    "cosine_similarity",
    "Minus the cosine similarity along `axis`.",
    axis=-1,
)
_CROSSENTROPY_OPTIONS = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy",
    binary_crossentropy,
    "binary_crossentropy",
    "Cross-entropy of 0/1 labels and probabilities (or logits, `from_logits=True`).",
    **_CROSSENTROPY_OPTIONS,
)
BinaryFocalCrossentropy = _loss_class(
    "BinaryFocalCrossentropy",
    binary_focal_crossentropy,
    "binary_focal_crossentropy",
    "The binary cross-entropy down-weighting the well-classified samples by (1 - p_t)**gamma.",
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    **_CROSSENTROPY_OPTIONS,
)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy",
    categorical_crossentropy,
    "categorical_crossentropy",
    "Cross-entropy of one-hot labels and a predicted distribution (or logits).",
    **_CROSSENTROPY_OPTIONS,
)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy",
    sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    "Cross-entropy of integer labels and a predicted distribution (or logits); labels equal to "
    "`ignore_class` do not count (the mean is over the others).",
    from_logits=False,
    ignore_class=None,
)


_FUNCTIONS = {
    name: fn
    for fn, names in (
        (mean_squared_error, ("mean_squared_error", "mse", "MSE")),
        (mean_absolute_error, ("mean_absolute_error", "mae", "MAE")),
        (mean_absolute_percentage_error, ("mean_absolute_percentage_error", "mape", "MAPE")),
        (mean_squared_logarithmic_error, ("mean_squared_logarithmic_error", "msle", "MSLE")),
        (kl_divergence, ("kl_divergence", "kld", "KLD", "kullback_leibler_divergence")),
        (log_cosh, ("log_cosh", "logcosh")),
        (huber, ("huber", "huber_loss")),
        (binary_crossentropy, ("binary_crossentropy", "bce", "BCE")),
        (binary_focal_crossentropy, ("binary_focal_crossentropy",)),
        (categorical_crossentropy, ("categorical_crossentropy",)),
        (sparse_categorical_crossentropy, ("sparse_categorical_crossentropy",)),
        (hinge, ("hinge",)),
        (squared_hinge, ("squared_hinge",)),
        (categorical_hinge, ("categorical_hinge",)),
        (poisson, ("poisson",)),
        (cosine_similarity, ("cosine_similarity",)),
    )
    for name in names
}
_CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        LogCosh,
        KLDivergence,
        Poisson,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        CosineSimilarity,
        BinaryCrossentropy,
        BinaryFocalCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}


def serialize(loss: Any) -> Any:
    """A `Loss` as Keras's config dict; a loss function as its name."""
    return identifiers.serialize(loss, Loss, "keras.losses")


def deserialize(name: Any) -> Any:
    """A loss from its config dict or its name (a class name gives a new instance)."""
    return get(name)


def get(identifier: Any) -> Any:
    """A loss from a name (`'mse'`), a config dict, a `Loss` or a function."""
    return identifiers.get(identifier, "loss function", {**_FUNCTIONS, **_CLASSES})
