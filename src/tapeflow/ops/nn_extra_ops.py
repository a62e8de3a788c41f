"""More of `tf.nn`: normalization and moment helpers (`batch_normalization`, `sufficient_statistics`,
`normalize_moments`, `weighted_moments`), losses (`weighted_cross_entropy_with_logits`,
`log_poisson_loss`, `compute_average_loss`, `scale_regularization_loss`), `crelu`, and the block
rearrangements `depth_to_space` / `space_to_depth`.

All but the last two are composites of other ops, written as TF writes them (the same formulas, so
the same rounding and dtypes), and need no gradient code. DepthToSpace and SpaceToDepth are ops: a
reshape and transpose each, and each one's gradient is the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import type_name
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import math_ops, shape_ops
from tapeflow.ops.arguments import invalid
from tapeflow.ops.array_ops import concat, expand_dims, squeeze
from tapeflow.ops.conv_ops import attr_error
from tapeflow.ops.declare import tensor
from tapeflow.ops.nn_ops import relu
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["batch_normalization", "weighted_cross_entropy_with_logits", "crelu", "normalize_moments",
           "sufficient_statistics", "weighted_moments", "depth_to_space", "space_to_depth",
           "compute_average_loss", "scale_regularization_loss", "log_poisson_loss"]


# ---- normalization and moments --------------------------------------------------------------------

def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any, variance_epsilon: Any,
                        name: str | None = None) -> Tensor:
    """`tf.nn.batch_normalization`: scale * (x - mean) / sqrt(variance + epsilon) + offset, computed as
    x * inv + (offset - mean * inv) with inv = scale * rsqrt(variance + epsilon), as TF does."""
    x, mean = tensor(x), tensor(mean)
    inv = math_ops.rsqrt(tensor(variance) + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv if offset is None else offset - mean * inv
    return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def sufficient_statistics(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
                          name: str | None = None) -> tuple:
    """`tf.nn.sufficient_statistics`: (count, sum of x - shift, sum of (x - shift)^2, shift) over `axes`,
    the count in x's dtype."""
    axes = list(set(axes))
    x = tensor(x)
    counts = shape_ops.count(x, tuple(axes), x._value.dtype)
    if shift is not None:
        shift = tensor(shift)
        m_ss, v_ss = math_ops.subtract(x, shift), math_ops.squared_difference(x, shift)
    else:
        m_ss, v_ss = x, math_ops.square(x)
    return counts, reduce_sum(m_ss, axes, keepdims=keepdims), reduce_sum(v_ss, axes, keepdims=keepdims), shift


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any,
                      name: str | None = None) -> tuple:
    """`tf.nn.normalize_moments`: the mean and variance from sufficient statistics."""
    divisor = math_ops.reciprocal(counts)
    shifted_mean = math_ops.multiply(mean_ss, divisor)
    mean = shifted_mean if shift is None else math_ops.add(shifted_mean, shift)
    variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor), math_ops.square(shifted_mean))
    return mean, variance


def weighted_moments(x: Any, axes: Any, frequency_weights: Any, keepdims: bool = False,
                     name: str | None = None) -> tuple:
    """`tf.nn.weighted_moments`: the mean and variance of x over `axes`, each element counted
    `frequency_weights` times (broadcast against x); 0 where the weights sum to 0. float16 is computed
    in float32."""
    x, weights = tensor(x), tensor(frequency_weights)
    half = x.dtype == dtypes.float16
    if half:
        x = math_ops.cast(x, dtypes.float32)
    if weights.dtype != x.dtype:
        weights = math_ops.cast(weights, x.dtype)
    weighted_sum = reduce_sum(weights * x, axes, keepdims=True)
    sum_of_weights = reduce_sum(weights + shape_ops.zeros_like(x), axes, keepdims=True)
    mean = math_ops.divide_no_nan(weighted_sum, sum_of_weights)
    distances = reduce_sum(weights * math_ops.squared_difference(x, mean), axes, keepdims=True)
    variance = math_ops.divide_no_nan(distances, sum_of_weights)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    if half:
        mean, variance = math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
    return mean, variance


# ---- losses and crelu -------------------------------------------------------------------------------

def _same_shape(a: Tensor, b: Tensor, names: str) -> None:
    if not TensorShape(b._value.shape).is_compatible_with(a._value.shape):
        raise ValueError(f"{names} must have the same shape, received ({a.shape} vs {b.shape}).")


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any,
                                       name: str | None = None) -> Tensor:
    """`tf.nn.weighted_cross_entropy_with_logits`: sigmoid cross-entropy with the positive term weighted
    by `pos_weight`, in TF's stable form (1 - z) x + (1 + (q - 1) z) (log1p(exp(-|x|)) + relu(-x))."""
    logits, labels = tensor(logits), tensor(labels)
    _same_shape(logits, labels, "`logits` and `labels`")
    log_weight = 1 + (pos_weight - 1) * labels
    softplus_of_minus_x = math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) + relu(-logits)
    return (1 - labels) * logits + log_weight * softplus_of_minus_x


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Tensor:
    """`tf.nn.log_poisson_loss`: exp(log_input) - log_input * targets, plus with `compute_full_loss` the
    Stirling term z log z - z + log(2 pi z) / 2 for targets above 1."""
    log_input, targets = tensor(log_input), tensor(targets)
    _same_shape(log_input, targets, "`log_input` and `targets`")
    result = math_ops.exp(log_input) - log_input * targets
    if compute_full_loss:
        stirling = (targets * math_ops.log(targets) - targets
                    + 0.5 * math_ops.log(math_ops.cast(2 * np.pi, targets.dtype) * targets))
        zeros = shape_ops.zeros_like(targets)
        between_0_and_1 = math_ops.logical_and(targets >= zeros, targets <= 1)
        result += math_ops.where(between_0_and_1, zeros, stirling)
    return result


def crelu(features: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """`tf.nn.crelu`: relu of x and of -x, concatenated along `axis` (twice the depth)."""
    x = tensor(features)
    return relu(concat([x, -x], axis))


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: Any = None) -> Tensor:
    """`tf.nn.compute_average_loss`: the sum of the (weighted) per-example losses divided by the global
    batch size (default: the first dimension, there being one replica); 0 for a batch size of 0."""
    loss = tensor(per_example_loss)
    dtype = loss.dtype
    if loss._value.ndim == 0:
        raise ValueError(f"Invalid value passed for `per_example_loss`. Expected a tensor with at least rank "
                         f"1. Received per_example_loss={loss._value} with rank 0")
    if sample_weight is not None:
        loss = math_ops.cast(_scaled_by_sample_weight(loss, tensor(sample_weight)), dtype)
    if global_batch_size is None:
        batch = shape_ops.shape_of(loss)[0]
    else:
        batch = tensor(global_batch_size)
        if batch._value.ndim:
            raise ValueError(f"global_batch_size must be scalar..  Expected scalar shape, saw shape: "
                             f"{batch.shape}.")
        if not batch.dtype.is_integer:
            raise TypeError(f'global_batch_size must be an integer..  Expected "x" to be integer type.  '
                            f"Found: tensor of dtype {batch.dtype}")
        if type(batch) is Tensor and batch._value < 0:
            raise errors.InvalidArgumentError(
                None, None, f"global_batch_size must be non-negative..  \nCondition x >= 0 did not hold "
                            f"element-wise:\nx (shape=() dtype={batch.dtype.name}) = \n{batch._value}")
    return math_ops.divide_no_nan(reduce_sum(loss), math_ops.cast(batch, dtype))


def _scaled_by_sample_weight(loss: Tensor, weight: Tensor) -> Tensor:
    """The losses times their weights, in float32 (as TF), a weight of one rank more or less squeezed or
    expanded on its last axis to match."""
    loss, weight = math_ops.cast(loss, dtypes.float32), math_ops.cast(weight, dtypes.float32)
    rank, weight_rank = loss._value.ndim, weight._value.ndim
    if weight_rank == rank + 1:
        weight = squeeze(weight, [-1])
    elif weight_rank == rank - 1 and weight_rank:
        weight = expand_dims(weight, -1)
    return loss * weight


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """`tf.nn.scale_regularization_loss`: the summed regularization loss divided by the number of replicas
    (one here)."""
    replicas = 1
    return reduce_sum(regularization_loss) / replicas


# ---- depth_to_space, space_to_depth ---------------------------------------------------------------

def _depth_to_space_kernel(x, block_size):
    n, h, w, c = x.shape
    b = block_size
    blocks = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return blocks.reshape(n, h * b, w * b, c // (b * b))


def _space_to_depth_kernel(x, block_size):
    n, h, w, c = x.shape
    b = block_size
    blocks = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return blocks.reshape(n, h // b, w // b, b * b * c)


def _rearranged(x: AbstractValue, block_size: int, to_space: bool) -> list[AbstractValue]:
    n, h, w, c = x.shape
    area = block_size * block_size

    def spatial(d):
        return None if d is None else d * block_size if to_space else d // block_size

    depth = None if c is None else c // area if to_space else c * area
    return [AbstractValue((n, spatial(h), spatial(w), depth), x.dtype)]


_depth_to_space_op = Op("DepthToSpace", _depth_to_space_kernel, (
    lambda g, y, x, block_size: bind(_space_to_depth_op, (g,), {"block_size": block_size}),),
    infer=lambda x, block_size: _rearranged(x, block_size, True))
_space_to_depth_op = Op("SpaceToDepth", _space_to_depth_kernel, (
    lambda g, y, x, block_size: bind(_depth_to_space_op, (g,), {"block_size": block_size}),),
    infer=lambda x, block_size: _rearranged(x, block_size, False))


def _block_op(op: Op, input: Any, block_size: Any, data_format: str) -> tuple[Tensor, int]:  # noqa: A002
    """The checks DepthToSpace and SpaceToDepth share: the block size, the data format, the rank."""
    x = tensor(input)
    b = int(getattr(block_size, "_value", block_size))
    if b < 2:
        raise invalid(op.name, f"Value for attr 'block_size' of {b} must be at least minimum 2")
    formats = ("NHWC", "NCHW", "NCHW_VECT_C")
    if data_format not in formats:
        raise attr_error(op.name, "data_format", data_format, formats)
    if data_format != "NHWC":
        node = f"{op.name}[T=DT_{type_name(x.dtype).upper()}, block_size={b}, data_format=\"{data_format}\"]"
        message = f"Could not find device for node: {{{{node {op.name}}}}} = {node}"
        raise errors.NotFoundError(None, None, message)
    return x, b


def depth_to_space(input: Any, block_size: Any, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.nn.depth_to_space`: each pixel's depth, in blocks of block_size^2 channels, spread over a
    block_size x block_size patch of pixels (NHWC)."""
    op = _depth_to_space_op
    x, b = _block_op(op, input, block_size, data_format)
    shape = x._value.shape
    if len(shape) != 4:
        raise invalid(op.name, f"Input rank should be: 4 instead of: {len(shape)}")
    if shape[3] is not None and shape[3] % (b * b):
        raise invalid(op.name, f"Input depth dimension {shape[3]} should be divisible by: {b * b}")
    return bind(op, (x,), {"block_size": b})


def space_to_depth(input: Any, block_size: Any, data_format: str = "NHWC", name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.nn.space_to_depth`: each block_size x block_size patch of pixels stacked into the depth of one
    pixel (NHWC); the inverse of depth_to_space."""
    op = _space_to_depth_op
    x, b = _block_op(op, input, block_size, data_format)
    shape = x._value.shape
    if len(shape) != 4:
        raise invalid(op.name, f"Input rank should be 4 instead of {len(shape)}")
    height, width = shape[1:3]
    if (height is not None and height % b) or (width is not None and width % b):
        raise invalid(op.name, f"Image width {width} and height {height} should be divisible by block_size: "
                               f"{b}")
    return bind(op, (x,), {"block_size": b})
