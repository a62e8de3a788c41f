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
from tapeflow.ops.array_ops import expand_dims
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


def _matched(y_true: Any, y_pred: Any, sample_weight: Any) -> tuple:
    """Keras's `match_dtype_and_rank`: labels and weights of one axis against predictions of two get
    an axis of 1; labels take the predictions' type when both are floats or both integers."""
    y_true = convert_to_tensor(y_true)
    if y_true.shape.rank == 1 and y_pred.shape.rank == 2:
        y_true = expand_dims(y_true, -1)
    if sample_weight is not None:
        sample_weight = convert_to_tensor(sample_weight)
        if sample_weight.shape.rank == 1 and y_pred.shape.rank == 2:
            sample_weight = expand_dims(sample_weight, -1)
        sample_weight = cast(sample_weight, y_pred.dtype)
    both_floats = y_true.dtype.is_floating and y_pred.dtype.is_floating
    if both_floats or (y_true.dtype.is_integer and y_pred.dtype.is_integer):
        y_true = cast(y_true, y_pred.dtype)
    return y_true, y_pred, sample_weight


class MetricsContainer:
    """The compiled metrics, matched to the outputs on first use: per output, the `metrics` (updated
    without the sample weights) and then the `weighted_metrics` (with them)."""

    def __init__(
        self, metrics: Any = None, weighted_metrics: Any = None, output_names: list[str] | None = None
    ):
        self._user_metrics, self._user_weighted_metrics = metrics, weighted_metrics
        self._output_names = output_names
        self._metrics: list | None = None  # per output: [Metric, ...]
        self._weighted: list | None = None

    @property
    def metrics(self) -> list:
        if self._metrics is None:
            return []
        return [m for plain, weighted in zip(self._metrics, self._weighted) for m in plain + weighted]

    @staticmethod
    def _per_output(requested: Any, names: list[str], count: int) -> list:
        if isinstance(requested, dict):
            return [requested.get(n) for n in names]
        if count > 1 and requested and isinstance(requested[0], (list, tuple)):
            return list(requested)
        return [requested] * count

    @staticmethod
    def _objects(requested: Any, y_true: Any, y_pred: Any) -> list:
        """Metric objects for one output's requested metrics (names, functions, objects)."""
        objects = []
        for metric in nest.flatten(requested) if requested is not None else []:
            if isinstance(metric, metrics_module.Metric):
                objects.append(metric)
                continue
            if str(metric).lower() in ("accuracy", "acc", "crossentropy", "ce"):
                fn = _by_shapes(str(metric).lower(), convert_to_tensor(y_true), y_pred)
            else:
                fn = metrics_module.get(metric)
                if isinstance(fn, metrics_module.Metric):
                    objects.append(fn)
                    continue
            name = metric if isinstance(metric, str) else getattr(metric, "__name__", "metric")
            objects.append(metrics_module.MeanMetricWrapper(fn, name=name))
        return objects

    def _build(self, y_true: Any, y_pred: Any) -> None:
        y_preds = nest.flatten(y_pred)
        names = self._output_names or [f"output_{i + 1}" for i in range(len(y_preds))]
        y_trues = nest.flatten(y_true)
        plain = self._per_output(self._user_metrics, names, len(y_preds))
        weighted = self._per_output(self._user_weighted_metrics, names, len(y_preds))
        self._metrics = [self._objects(r, y_t, y_p) for r, y_t, y_p in zip(plain, y_trues, y_preds)]
        self._weighted = [self._objects(r, y_t, y_p) for r, y_t, y_p in zip(weighted, y_trues, y_preds)]
        self._set_names(names if len(y_preds) > 1 else None)

    def _set_names(self, output_names: list[str] | None) -> None:
        """Keras's names in the logs: `<output>_` before each metric of a model with several outputs,
        `weighted_` before a weighted metric named as an unweighted one; names must be unique."""
        seen: set[str] = set()
        for i, (plain, weighted) in enumerate(zip(self._metrics, self._weighted)):
            prefix = f"{output_names[i]}_" if output_names else ""
            for m in plain:
                m.name = prefix + m.name
                if m.name in seen:
                    raise ValueError(
                        f"Found two metrics with the same name: {m.name}. All the metrics added to the "
                        f"model need to have unique names."
                    )
                seen.add(m.name)
            for m in weighted:
                m.name = prefix + ("weighted_" if prefix + m.name in seen else "") + m.name
                if m.name in seen:
                    raise ValueError(
                        f"Found two weighted metrics with the same name: {m.name}.All the metrics added "
                        f"to the model need to have unique names."
                    )
                seen.add(m.name)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if y_true is None:
            return
        if self._metrics is None:
            self._build(y_true, y_pred)
        y_trues = nest.flatten(y_true)
        if isinstance(y_true, dict) and self._output_names:
            y_trues = [y_true.get(n) for n in self._output_names]
        y_preds = nest.flatten(y_pred)
        weights = nest.flatten(sample_weight) if sample_weight is not None else [None] * len(y_preds)
        if len(weights) == 1 and len(y_preds) > 1:
            weights = weights * len(y_preds)
        for y_t, y_p, w, plain, weighted in zip(y_trues, y_preds, weights, self._metrics, self._weighted):
            if y_t is None:
                continue
            y_t, y_p, w = _matched(y_t, y_p, w)
            for metric in plain:
                metric.update_state(y_t, y_p)
            for metric in weighted:
                metric.update_state(y_t, y_p, sample_weight=w)

    def reset_state(self) -> None:
        for m in self.metrics:
            m.reset_state()
