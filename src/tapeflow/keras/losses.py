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


def _plain(cls_name: str, fn: Any, default_name: str, doc: str) -> type:
    """A `LossFunctionWrapper` class for a loss function with no options."""

    def __init__(self, reduction: str = Reduction.AUTO, name: str = default_name):  # noqa: N807
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name)

    return type(
        cls_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc, "__module__": __name__}
    )


MeanSquaredError = _plain(
    "MeanSquaredError", mean_squared_error, "mean_squared_error", "The mean of (y_true - y_pred)**2."
)
MeanAbsoluteError = _plain(
    "MeanAbsoluteError", mean_absolute_error, "mean_absolute_error", "The mean of |y_true - y_pred|."
)
MeanAbsolutePercentageError = _plain(
    "MeanAbsolutePercentageError",
    mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "100 times the mean of |y_true - y_pred| / |y_true|.",
)
MeanSquaredLogarithmicError = _plain(
    "MeanSquaredLogarithmicError",
    mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "The mean of (log(1 + y_pred) - log(1 + y_true))**2.",
)
Hinge = _plain("Hinge", hinge, "hinge", "The hinge loss of -1/1 (or 0/1) labels.")
SquaredHinge = _plain("SquaredHinge", squared_hinge, "squared_hinge", "The squared hinge loss.")
CategoricalHinge = _plain(
    "CategoricalHinge", categorical_hinge, "categorical_hinge", "The hinge loss of one-hot labels."
)
Poisson = _plain("Poisson", poisson, "poisson", "The Poisson loss: y_pred - y_true * log(y_pred).")
LogCosh = _plain("LogCosh", log_cosh, "log_cosh", "The mean of log(cosh(y_pred - y_true)).")
KLDivergence = _plain("KLDivergence", kl_divergence, "kl_divergence", "The Kullback-Leibler divergence.")


class Huber(LossFunctionWrapper):
    """Quadratic for errors up to `delta`, linear beyond."""

    def __init__(self, delta: float = 1.0, reduction: str = Reduction.AUTO, name: str = "huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class CosineSimilarity(LossFunctionWrapper):
    """Minus the cosine similarity along `axis`."""

    def __init__(self, axis: int = -1, reduction: str = Reduction.AUTO, name: str = "cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


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


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """The binary cross-entropy down-weighting the well-classified samples by (1 - p_t)**gamma."""

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str = Reduction.AUTO,
        name: str = "binary_focal_crossentropy",
    ):
        super().__init__(
            binary_focal_crossentropy,
            reduction=reduction,
            name=name,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )
        self.from_logits = from_logits
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


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
    """Cross-entropy of integer labels and a predicted distribution (or logits); labels equal to
    `ignore_class` do not count (the mean is over the others)."""

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
    if isinstance(loss, Loss):
        return {
            "module": "keras.losses",
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None,
        }
    return getattr(loss, "__name__", loss)


def deserialize(name: Any) -> Any:
    """A loss from its config dict or its name (a class name gives a new instance)."""
    if isinstance(name, dict):
        return identifiers.from_config("loss function", _CLASSES, name)
    found = identifiers.registered("loss function", {**_FUNCTIONS, **_CLASSES}, name)
    return found() if isinstance(found, type) else found


def get(identifier: Any) -> Any:
    """A loss from a name (`'mse'`), a config dict, a `Loss` or a function."""
    return identifiers.get(identifier, "loss function", {**_FUNCTIONS, **_CLASSES})
