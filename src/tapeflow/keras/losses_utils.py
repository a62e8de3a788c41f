"""What Keras's losses and metrics share about shapes and weights: the reductions, dropping the trailing
axis of size 1 that labels or predictions may carry, fitting sample weights to the per-sample losses,
and weighting and reducing them (tf-keras's `losses_utils`)."""

from __future__ import annotations

from typing import Any

from tapeflow.core.convert import convert_to_tensor
from tapeflow.ops.array_ops import expand_dims, squeeze
from tapeflow.ops.creation_ops import size
from tapeflow.ops.math_ops import cast, divide_no_nan
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["Reduction", "apply_valid_mask", "compute_weighted_loss", "squeeze_or_expand"]


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


def _may_be_one(dim: Any) -> bool:
    return dim is None or dim == 1


def squeeze_or_expand(y_pred: Any, y_true: Any = None, sample_weight: Any = None) -> tuple:
    """Keras's `squeeze_or_expand_dimensions`: drop a trailing axis of size 1 from whichever of `y_pred`
    and `y_true` has one axis more (unless `y_pred` has the extra axis for the classes), then give
    `sample_weight` (unless a scalar) the rank of `y_pred` by dropping or adding its last axis.

    Returns `(y_pred, y_true)`, or `(y_pred, y_true, sample_weight)` when a weight is given."""
    pred_rank = y_pred.shape.rank
    if y_true is not None:
        true_rank = y_true.shape.rank
        if pred_rank is not None and true_rank is not None:
            diff = pred_rank - true_rank
            if diff == 1 and _may_be_one(y_pred.shape[-1]):
                y_pred = squeeze(y_pred, [-1])
            elif diff == -1 and _may_be_one(y_true.shape[-1]):
                y_true = squeeze(y_true, [-1])
        pred_rank = y_pred.shape.rank
    if sample_weight is None:
        return y_pred, y_true
    weight_rank = sample_weight.shape.rank
    if weight_rank and pred_rank is not None:
        if weight_rank - pred_rank == 1:
            sample_weight = squeeze(sample_weight, [-1])
        elif pred_rank - weight_rank == 1:
            sample_weight = expand_dims(sample_weight, -1)
    return y_pred, y_true, sample_weight


def apply_valid_mask(losses: Any, sample_weight: Any, mask: Any, reduction: str) -> Any:
    """Fold a mask of the valid per-sample losses into the sample weights; for a mean, rescale it so
    that the mean is over the valid entries only."""
    if mask is None:
        return sample_weight
    mask = cast(mask, losses.dtype)
    if reduction in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
        mask = mask * (cast(size(mask), losses.dtype) / reduce_sum(mask))
    if sample_weight is None:
        return mask
    mask, _, sample_weight = squeeze_or_expand(
        mask, sample_weight=cast(convert_to_tensor(sample_weight), mask.dtype)
    )
    return sample_weight * mask


def compute_weighted_loss(losses: Any, sample_weight: Any = None, reduction: str = Reduction.AUTO) -> Any:
    """Weight per-sample `losses` and reduce them: their sum, (the default) their sum over their number
    (`divide_no_nan`, as Keras), or no reduction."""
    Reduction.validate(reduction)
    losses = convert_to_tensor(losses)
    input_dtype = losses.dtype
    if not input_dtype.is_floating:
        losses = cast(losses, "float32")
    weight = cast(convert_to_tensor(1.0 if sample_weight is None else sample_weight), losses.dtype)
    losses, _, weight = squeeze_or_expand(losses, sample_weight=weight)
    weighted = losses * weight
    if reduction == Reduction.NONE:
        loss = weighted
    else:
        loss = reduce_sum(weighted)
        if reduction != Reduction.SUM:
            loss = divide_no_nan(loss, cast(size(weighted), weighted.dtype))
    return loss if input_dtype.is_floating else cast(loss, input_dtype)
