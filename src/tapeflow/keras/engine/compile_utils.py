"""What `compile` makes of its `loss` and `metrics` arguments: containers that match them to the
model's outputs on first use and compute the total loss and the metrics, as tf-keras's `compile_utils`.

The loss is the sum of each output's loss (times its `loss_weights` entry) and the layers' losses; a
`Mean` named `loss` averages it over the batches of an epoch, weighted by their sizes. The metric
`'accuracy'` becomes binary, categorical or sparse categorical accuracy by the shapes of the labels
and predictions, as in Keras (and `'crossentropy'` the matching cross-entropy)."""

from __future__ import annotations

from typing import Any

from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras import losses as losses_module
from tapeflow.keras import metrics as metrics_module
from tapeflow.ops.creation_ops import shape as dynamic_shape
from tapeflow.ops.math_ops import add_n, cast

__all__ = ["LossesContainer", "MetricsContainer"]


def _per_output(value: Any, output_names: list[str], what: str) -> list:
    """`value` (one for all outputs, a list in output order, or a dict by output name) as a list."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(f"Found unexpected {what} key(s): {unknown}. Valid output names: {output_names}")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and len(output_names) > 1:
        if len(value) != len(output_names):
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. The "
                f"model has {len(output_names)} outputs, but you passed {what}={value}"
            )
        return list(value)
    return [value] * len(output_names)


class LossesContainer:
    """The compiled loss: per-output losses, their weights, and the `loss` metric."""

    def __init__(self, losses: Any, loss_weights: Any = None, output_names: list[str] | None = None):
        self._user_losses, self._user_loss_weights = losses, loss_weights
        self._output_names = output_names
        self._loss_metric = metrics_module.Mean(name="loss")
        self._per_output_metrics: list = []
        self._losses: list | None = None

    @property
    def metrics(self) -> list:
        return [self._loss_metric] + [m for m in self._per_output_metrics if m is not None]

    def _build(self, y_pred: Any) -> None:
        flat = nest.flatten(y_pred)
        names = self._output_names or [f"output_{i + 1}" for i in range(len(flat))]
        objects = []
        for loss in _per_output(self._user_losses, names, "loss"):
            if loss is None:
                objects.append(None)
                continue
            loss = losses_module.get(loss)
            if not isinstance(loss, losses_module.Loss):
                loss = losses_module.LossFunctionWrapper(loss, name=getattr(loss, "__name__", "loss"))
            objects.append(loss)
        self._losses = objects
        self._weights = (
            _per_output(self._user_loss_weights, names, "loss_weights")
            if self._user_loss_weights is not None
            else [None] * len(names)
        )
        if len(names) > 1:
            self._per_output_metrics = [
                metrics_module.Mean(name=f"{n}_loss") if obj is not None else None
                for n, obj in zip(names, objects)
            ]
        else:
            self._per_output_metrics = [None]

    def __call__(
        self, y_true: Any, y_pred: Any, sample_weight: Any = None, regularization_losses: list | None = None
    ) -> Any:
        if self._losses is None:
            self._build(y_pred)
        y_trues = nest.flatten(y_true) if y_true is not None else [None] * len(self._losses)
        if isinstance(y_true, dict) and self._output_names:
            y_trues = [y_true.get(n) for n in self._output_names]
        y_preds = nest.flatten(y_pred)
        weights = nest.flatten(sample_weight) if sample_weight is not None else [None] * len(y_preds)
        if len(weights) == 1 and len(y_preds) > 1:
            weights = weights * len(y_preds)
        totals, metric_totals, batch = [], [], None
        for y_t, y_p, w, loss, loss_weight, metric in zip(
            y_trues, y_preds, weights, self._losses, self._weights, self._per_output_metrics
        ):
            if y_t is None or loss is None:
                continue
            y_t = convert_to_tensor(y_t)
            batch = dynamic_shape(y_t)[0]
            value = loss(y_t, y_p, sample_weight=w)
            if metric is not None:
                metric.update_state(value, sample_weight=batch)
            metric_value = value
            if loss_weight is not None:
                value = value * loss_weight
                metric_value = metric_value * loss_weight
            totals.append(value)
            metric_totals.append(metric_value)
        if regularization_losses:
            regularization = add_n([cast(r, "float32") for r in regularization_losses])
            totals.append(regularization)
            metric_totals.append(regularization)
        if not totals:
            return None
        self._loss_metric.update_state(add_n(metric_totals), sample_weight=batch)
        return add_n(totals)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()


def _by_shapes(metric: str, y_true: Any, y_pred: Any) -> Any:
    """The function `'accuracy'` (or `'crossentropy'`) means for these shapes of labels and predictions,
    as Keras picks it: binary for one output unit, sparse for labels with an axis fewer or of size 1."""
    binary = y_pred.shape[-1] == 1
    sparse = y_true.shape.rank < y_pred.shape.rank or (y_true.shape[-1] == 1 and not binary)
    if metric in ("accuracy", "acc"):
        if binary:
            return metrics_module.binary_accuracy
        return metrics_module.sparse_categorical_accuracy if sparse else metrics_module.categorical_accuracy
    if binary:
        return losses_module.binary_crossentropy
    return losses_module.sparse_categorical_crossentropy if sparse else losses_module.categorical_crossentropy


class MetricsContainer:
    """The compiled metrics, matched to the outputs on first use."""

    def __init__(self, metrics: Any = None, output_names: list[str] | None = None):
        self._user_metrics, self._output_names = metrics, output_names
        self._metrics: list | None = None  # per output: [Metric, ...]

    @property
    def metrics(self) -> list:
        return [m for group in self._metrics or [] for m in group]

    def _build(self, y_true: Any, y_pred: Any) -> None:
        y_preds = nest.flatten(y_pred)
        names = self._output_names or [f"output_{i + 1}" for i in range(len(y_preds))]
        if isinstance(self._user_metrics, dict):
            per_output = [self._user_metrics.get(n) for n in names]
        elif len(y_preds) > 1 and self._user_metrics and isinstance(self._user_metrics[0], (list, tuple)):
            per_output = list(self._user_metrics)
        else:
            per_output = [self._user_metrics] * len(y_preds)
        y_trues = nest.flatten(y_true)
        self._metrics = []
        for i, (requested, y_p) in enumerate(zip(per_output, y_preds)):
            group = []
            for metric in nest.flatten(requested) if requested is not None else []:
                prefix = f"{names[i]}_" if len(y_preds) > 1 else ""
                if isinstance(metric, metrics_module.Metric):
                    if prefix:
                        metric.name = prefix + metric.name
                    group.append(metric)
                    continue
                name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
                if str(metric).lower() in ("accuracy", "acc", "crossentropy", "ce"):
                    fn = _by_shapes(str(metric).lower(), convert_to_tensor(y_trues[i]), y_p)
                else:
                    fn = metrics_module.get(metric)
                    if isinstance(fn, metrics_module.Metric):
                        fn.name = prefix + fn.name
                        group.append(fn)
                        continue
                group.append(metrics_module.MeanMetricWrapper(fn, name=prefix + name))
            self._metrics.append(group)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Update the metrics. As Keras's `metrics` (not `weighted_metrics`), they ignore `sample_weight`."""
        if y_true is None:
            return
        if self._metrics is None:
            self._build(y_true, y_pred)
        y_trues = nest.flatten(y_true)
        if isinstance(y_true, dict) and self._output_names:
            y_trues = [y_true.get(n) for n in self._output_names]
        for y_t, y_p, group in zip(y_trues, nest.flatten(y_pred), self._metrics):
            if y_t is None:
                continue
            for metric in group:
                metric.update_state(y_t, y_p)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()
