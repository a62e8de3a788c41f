"""Metrics over thresholded predictions: the counts (`TruePositives` ...), `Precision`, `Recall` and
`AUC` (ROC or PR, Keras 2's Riemann sums or the interpolated PR curve of Davis & Goadrich)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import backend
from tapeflow.keras.metrics.base_metric import Metric
from tapeflow.keras.metrics.confusion_counts import (
    FN,
    FP,
    NEG_INF,
    TN,
    TP,
    evenly_spaced,
    update_confusion_variables,
)
from tapeflow.ops.creation_ops import ones_like
from tapeflow.ops.math_ops import divide_no_nan, log, logical_and, maximum, minimum, where
from tapeflow.ops.math_ops import sigmoid as _sigmoid
from tapeflow.ops.reduce_ops import reduce_mean, reduce_sum

__all__ = ["AUC", "FalseNegatives", "FalsePositives", "Precision", "Recall", "TrueNegatives", "TruePositives"]


def _thresholds(thresholds: Any, default: float) -> list:
    """The thresholds as a list, checked to lie in [0, 1]."""
    if thresholds is None:
        return [default]
    listed = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    invalid = [t for t in listed if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return listed


class _ConfusionCount(Metric):
    """One count (`_key`) at each threshold, in a variable named `accumulator`."""

    _key = TP

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = _thresholds(thresholds, 0.5)
        self._evenly = evenly_spaced(self.thresholds)
        self.accumulator = self.add_weight("accumulator", shape=(len(self.thresholds),))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_variables(
            {self._key: self.accumulator},
            y_true,
            y_pred,
            self.thresholds,
            sample_weight=sample_weight,
            evenly=self._evenly,
        )

    def result(self) -> Any:
        return convert_to_tensor(self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator)

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """The (weighted) number of positive labels predicted positive."""

    _key = TP


class FalsePositives(_ConfusionCount):
    """The (weighted) number of negative labels predicted positive."""

    _key = FP


class TrueNegatives(_ConfusionCount):
    """The (weighted) number of negative labels predicted negative."""

    _key = TN


class FalseNegatives(_ConfusionCount):
    """The (weighted) number of positive labels predicted negative."""

    _key = FN


class _Ratio(Metric):
    """tp / (tp + `_other`) at each threshold, optionally over the `top_k` predictions or one class."""

    _other, _other_name = FP, "false_positives"

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = _thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = evenly_spaced(self.thresholds)
        self.true_positives = self.add_weight("true_positives", shape=(len(self.thresholds),))
        self._others = self.add_weight(self._other_name, shape=(len(self.thresholds),))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_variables(
            {TP: self.true_positives, self._other: self._others},
            y_true,
            y_pred,
            self.thresholds,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
            evenly=self._evenly,
        )

    def result(self) -> Any:
        ratio = divide_no_nan(self.true_positives, self.true_positives + self._others)
        return ratio[0] if len(self.thresholds) == 1 else ratio

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_Ratio):
    """The fraction of positive predictions whose label is positive: tp / (tp + fp)."""

    _other, _other_name = FP, "false_positives"

    @property
    def false_positives(self) -> Any:
        return self._others


class Recall(_Ratio):
    """The fraction of positive labels predicted positive: tp / (tp + fn)."""

    _other, _other_name = FN, "false_negatives"

    @property
    def false_negatives(self) -> Any:
        return self._others


_CURVES = {"roc": "ROC", "pr": "PR", "pr_gain": "PR_GAIN", "prgain": "PR_GAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(Metric):
    """The area under the ROC or precision-recall curve, from the confusion counts at `num_thresholds`
    thresholds (evenly spaced in [0, 1], the ends nudged by epsilon) or at the given `thresholds`."""

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: Any = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ):
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._evenly = evenly_spaced([0.0, *thresholds, 1.0])
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - backend.epsilon(), *thresholds, 1.0 + backend.epsilon()])
        self.curve = _CURVES.get(str(curve).lower())
        if self.curve is None:
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PR_GAIN"]'
            )
        self.summation_method = str(summation_method).lower()
        if self.summation_method not in _SUMMATIONS:
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                f'["interpolation", "majoring", "minoring"]'
            )
        super().__init__(name=name, dtype=dtype)
        self.multi_label, self.num_labels = multi_label, num_labels
        self.label_weights = (
            None if label_weights is None else convert_to_tensor(label_weights, dtype=self._dtype)
        )
        self._from_logits = from_logits
        self._built = False
        if not multi_label:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)
        elif num_labels:
            self._build(num_labels)

    @property
    def thresholds(self) -> list:
        return list(self._thresholds)

    def _build(self, labels: int | None) -> None:
        shape = (self.num_thresholds,) if labels is None else (self.num_thresholds, labels)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.true_negatives = self.add_weight("true_negatives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = convert_to_tensor(y_pred)
        if not self._built:
            if y_pred.shape.rank != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {y_pred.shape.rank}. "
                    f"Full shape received for `y_pred`: {y_pred.shape}"
                )
            self._build(y_pred.shape[1])
        if self._from_logits:
            y_pred = _sigmoid(y_pred)
        update_confusion_variables(
            {
                TP: self.true_positives,
                TN: self.true_negatives,
                FP: self.false_positives,
                FN: self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
            evenly=self._evenly,
        )

    def _over_labels(self, by_label: Any) -> Any:
        """Multi-label: the mean of the per-label areas, weighted by `label_weights` if given."""
        if self.label_weights is None:
            return reduce_mean(by_label)
        return divide_no_nan(reduce_sum(by_label * self.label_weights), reduce_sum(self.label_weights))

    def _total(self, terms: Any) -> Any:
        return self._over_labels(reduce_sum(terms, axis=0)) if self.multi_label else reduce_sum(terms)

    def interpolate_pr_auc(self) -> Any:
        """The PR area with precision interpolated between thresholds (Davis & Goadrich, 2006)."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        slope = divide_no_nan(dtp, maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = logical_and(p[: n - 1] > 0, p[1:] > 0)
        ratio = where(both_positive, divide_no_nan(p[: n - 1], maximum(p[1:], 0)), ones_like(p[1:]))
        increments = divide_no_nan(slope * (dtp + intercept * log(ratio)), maximum(tp[1:] + fn[1:], 0))
        return self._total(increments)

    def result(self) -> Any:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, fp + tn)
            no_tp = tp == 0.0
            recall_gain = where(no_tp, 0.0 * tp, 1.0 - scale * divide_no_nan(fn, tp))
            x = maximum(recall_gain, 0.0 * tp)
            y = where(no_tp, ones_like(tp), 1.0 - scale * divide_no_nan(fp, tp))
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = minimum(y[: n - 1], y[1:])
        else:
            heights = maximum(y[: n - 1], y[1:])
        return self._total((x[: n - 1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def get_config(self) -> dict:
        label_weights = None if self.label_weights is None else self.label_weights.numpy()
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
