"""`MeanIoU`: the intersection over union of each class, averaged over the classes that occur, from a
running confusion matrix of integer labels and predictions."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras.metrics.base_metric import Metric
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.creation_ops import ones_like
from tapeflow.ops.gather_ops import boolean_mask, unsorted_segment_sum
from tapeflow.ops.math_ops import cast, divide_no_nan, not_equal
from tapeflow.ops.matrix_ops import tensor_diag_part
from tapeflow.ops.reduce_ops import argmax, reduce_sum

__all__ = ["MeanIoU"]


class MeanIoU(Metric):
    """The mean over classes of |predicted ∩ true| / |predicted ∪ true|; labels equal to `ignore_class`
    do not count; one-hot labels or scores (`sparse_y_true/pred=False`) are taken by their argmax."""

    def __init__(
        self,
        num_classes: int,
        name: str | None = None,
        dtype: Any = None,
        ignore_class: int | None = None,
        sparse_y_true: bool = True,
        sparse_y_pred: bool = True,
        axis: int = -1,
    ):
        super().__init__(name=name, dtype=dtype)
        self.num_classes, self.ignore_class, self.axis = num_classes, ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        self.total_cm = self.add_weight("total_confusion_matrix", shape=(num_classes, num_classes))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = argmax(y_pred, axis=self.axis)
        y_true = reshape(cast(y_true, self._dtype), [-1])
        y_pred = reshape(cast(y_pred, self._dtype), [-1])
        if sample_weight is not None:
            sample_weight = reshape(cast(convert_to_tensor(sample_weight), self._dtype), [-1])
        if self.ignore_class is not None:
            valid = not_equal(y_true, cast(self.ignore_class, y_true.dtype))
            y_true, y_pred = boolean_mask(y_true, valid), boolean_mask(y_pred, valid)
            if sample_weight is not None:
                sample_weight = boolean_mask(sample_weight, valid)
        n = self.num_classes
        cells = cast(y_true, dtypes.int32) * n + cast(y_pred, dtypes.int32)  # row: label, column: prediction
        counts = ones_like(y_true) if sample_weight is None else sample_weight
        self.total_cm.assign_add(reshape(unsorted_segment_sum(counts, cells, n * n), [n, n]))

    def result(self) -> Any:
        predicted = reduce_sum(self.total_cm, axis=0)
        labelled = reduce_sum(self.total_cm, axis=1)
        true_positives = tensor_diag_part(self.total_cm)
        union = predicted + labelled - true_positives
        present = reduce_sum(cast(not_equal(union, 0), self._dtype))
        return divide_no_nan(reduce_sum(divide_no_nan(true_positives, union)), present)

    def get_config(self) -> dict:
        return {
            "num_classes": self.num_classes,
            **super().get_config(),
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }
