"""Pooling: `tf.nn.max_pool`, `max_pool1d`, `max_pool2d`, `avg_pool`, `avg_pool1d`, `avg_pool2d`.

The kernels read the windows through the view convolutions use (conv_ops.windows), one window tap
at a time (a short loop of whole-array operations), and add gradients back with its adjoint,
`fold`. Padding is never pooled: max pooling starts from the lowest value and pads with it, the
search for each window's maximum skips padding, and average pooling divides by the number of
elements inside the input, as TF does.

MaxPoolGrad(x, g), MaxPool's gradient, passes each window's gradient to the window's first maximal
element in row-major order, TF's choice among ties (TF's op also takes the pooled output; this one
finds the maxima again). Its gradient is MaxPoolGradGrad, which reads a gradient at those same
elements, and that op's gradient is MaxPoolGrad again: both are linear in the gradient and constant
in x (whose gradients are zeros, as TF's), so every order works. AvgPool's gradient, AvgPoolGrad,
spreads each window's gradient evenly over its elements; its adjoint is average pooling again. A
1-D pool is a 2-D one over a height of 1, as in TF.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.dtypes import FLOATS
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import invalid
from tapeflow.ops.array_ops import expand_dims, squeeze
from tapeflow.ops.conv_ops import (
    attr_error,
    checked_padding,
    convert_padding,
    fold,
    in_float32_for_half,
    known_dims,
    output_size,
    output_spatial,
    spatial_sequence,
    string_only,
    string_padding,
    tap_views,
    unimplemented,
    windowed_shape,
    windows,
)
from tapeflow.ops.declare import tensor, unsupported_error

__all__ = ["max_pool", "max_pool1d", "max_pool2d", "avg_pool", "avg_pool1d", "avg_pool2d"]

_MAX_POOL_TYPES = FLOATS | {dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8,
                            dtypes.uint16}
_ONES = (1, 1)  # pools have no dilation


# ---- kernels ----------------------------------------------------------------------------------------

def _lowest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_kernel(x, ksize, strides, padding):
    # From the lowest finite value, passing over NaN (fmax): TF's kernel, down to a window of NaN or -inf.
    low = _lowest(x.dtype)
    taps = tap_views(windows(x, ksize, strides, _ONES, padding, low))
    return functools.reduce(np.fmax, taps, x.dtype.type(low))


def _choice(x, ksize, strides, padding):
    """The element of each window that gets its gradient, as a row-major index: the first one inside the
    input, replaced by each later one greater than the one held (TF's rule: the first of tied maxima)."""
    cols = windows(x, ksize, strides, _ONES, padding)
    inside = windows(np.ones((1, *x.shape[1:-1], 1), bool), ksize, strides, _ONES, padding, False)
    shape = (*cols.shape[:len(ksize) + 1], x.shape[-1])
    index, best = np.full(shape, -1, np.int32), np.zeros(shape, x.dtype)
    for tap, (values, valid) in enumerate(zip(tap_views(cols), tap_views(inside))):
        take = valid & ((index < 0) | (values > best))
        index[take] = tap
        best = np.where(take, values, best)
    return index


def _max_pool_grad_kernel(x, g, ksize, strides, padding):
    index = _choice(x, ksize, strides, padding)
    taps = np.arange(math.prod(ksize)).reshape(-1, *(1,) * g.ndim)
    cols = np.where(index == taps, g, np.zeros((), g.dtype)).reshape(*ksize, *g.shape)
    return fold(cols, x.shape[1:-1], strides, _ONES, padding)


def _max_pool_grad_grad_kernel(x, h, ksize, strides, padding):
    index = _choice(x, ksize, strides, padding)
    out = np.zeros(index.shape, h.dtype)
    for tap, values in enumerate(tap_views(windows(h, ksize, strides, _ONES, padding))):
        np.copyto(out, values, where=index == tap)
    return out


def _counts(spatial: tuple, ksize: tuple, strides: tuple, padding: str, dtype: np.dtype) -> np.ndarray:
    """How many input elements (padding excluded) each window covers, shaped to divide (N, *out, C)."""
    counts = np.ones((), dtype)
    for size, k, s in zip(spatial, ksize, strides):
        out, before, _ = output_size(size, k, s, 1, padding)
        starts = np.arange(out) * s - before
        along = np.minimum(starts + k, size) - np.maximum(starts, 0)
        counts = np.multiply.outer(counts, along.astype(dtype))
    return counts[None, ..., None]


def _avg_pool_kernel(x, ksize, strides, padding):
    total = sum(tap_views(windows(x, ksize, strides, _ONES, padding)))
    return total / _counts(x.shape[1:-1], ksize, strides, padding, x.dtype)


def _avg_pool_grad_kernel(g, input_size, ksize, strides, padding):
    share = g / _counts(input_size, ksize, strides, padding, g.dtype)
    return fold(np.broadcast_to(share, (*ksize, *share.shape)), input_size, strides, _ONES, padding)


def _pool_infer(x, ksize, strides, padding):
    out = output_spatial(x.shape[1:-1], ksize, strides, _ONES, padding)
    return [AbstractValue((x.shape[0], *out, x.shape[-1]), x.dtype)]


_max_pool_op = Op("MaxPool", _max_pool_kernel, (
    lambda g, y, x, **window: bind(_max_pool_grad_op, (x, g), window),
), infer=_pool_infer)
_max_pool_grad_op = Op("MaxPoolGrad", _max_pool_grad_kernel, (
    lambda gg, dx, x, g, **window: shape_ops.zeros_like(x),
    lambda gg, dx, x, g, **window: bind(_max_pool_grad_grad_op, (x, gg), window),
), infer=lambda x, g, **window: [AbstractValue(x.shape, x.dtype)])
_max_pool_grad_grad_op = Op("MaxPoolGradGrad", _max_pool_grad_grad_kernel, (
    lambda gg, dy, x, h, **window: shape_ops.zeros_like(x),
    lambda gg, dy, x, h, **window: bind(_max_pool_grad_op, (x, gg), window),
), infer=lambda x, h, **window: _pool_infer(x, **window))
_avg_pool_op = Op("AvgPool", in_float32_for_half(_avg_pool_kernel), (
    lambda g, y, x, **window: bind(_avg_pool_grad_op, (g,), {
        "input_size": known_dims(x, slice(1, -1), "average pooling"), **window}),
), infer=_pool_infer)
_avg_pool_grad_op = Op("AvgPoolGrad", in_float32_for_half(_avg_pool_grad_kernel), (
    lambda gg, dx, g, input_size, **window: bind(_avg_pool_op, (gg,), window),
), infer=lambda g, input_size, **window: [AbstractValue((g.shape[0], *input_size, g.shape[-1]), g.dtype)])


# ---- public functions -----------------------------------------------------------------------------

_SIDES = (("Top", "Bottom"), ("Left", "Right"))


def _pool(op: Op, x: Tensor, ksize: list, strides: list, padding: Any, data_format: str) -> Tensor:
    """`op` (MaxPool or AvgPool) on a rank-4 NHWC `x`, after the checks of TF's CPU kernels."""
    is_max = op is _max_pool_op
    allowed = _MAX_POOL_TYPES if is_max else FLOATS
    if x.dtype not in allowed:
        raise unsupported_error(op, x.dtype, allowed)
    if not isinstance(padding, tuple):
        string_padding(padding, op.name, ("SAME", "VALID", "EXPLICIT") if is_max else ("SAME", "VALID"))
    formats = ("NHWC", "NCHW", "NCHW_VECT_C") if is_max else ("NHWC", "NCHW")
    if data_format not in formats:
        raise attr_error(op.name, "data_format", data_format, formats)
    if min(ksize) < 1:
        if is_max:
            raise invalid(op.name, f"Sliding window ksize must be positive. The specified or inferred ksize "
                                   f"is: {','.join(map(str, ksize))}")
        raise invalid(op.name, f"ksize must be a positive int32 value, got:{next(k for k in ksize if k < 1)}")
    if min(strides) < 1:
        raise invalid(op.name, f"Stride must be > 0, but got {min(strides)}")
    if ksize[0] != 1 or strides[0] != 1:
        raise unimplemented(op.name, "Pooling is not yet supported on the batch dimension.")
    if data_format != "NHWC":
        kind = "MaxPoolingOp" if is_max else "AvgPoolingOp"
        raise invalid(op.name, f"Default {kind} only supports NHWC on device type CPU")
    if ksize[3] != 1 or strides[3] != 1:
        if ksize[1] != 1 or ksize[2] != 1 or strides[1] != 1 or strides[2] != 1:
            raise unimplemented(op.name, "MaxPooling supports exactly one of pooling across depth or pooling "
                                         "across width/height.")
        raise NotImplementedError("Pooling across the depth dimension is not supported.")
    padding = checked_padding(padding, op.name)
    ksize, strides = tuple(ksize[1:3]), tuple(strides[1:3])
    if not isinstance(padding, str):
        for (before, after), (first, second), k in zip(padding, _SIDES, ksize):
            for side, pad in ((first, before), (second, after)):
                if pad >= k:
                    raise invalid(op.name, f"{side} padding {pad} needs to be smaller than the window size "
                                           f"{k}")
    shape = x._value.shape
    if len(shape) != 4:
        raise invalid(op.name, f"tensor_in_shape must have 2 spatial dimensions. {len(shape)} 0")
    windowed_shape(op.name, shape[1:3], ksize, strides, _ONES, padding)
    return bind(op, (x,), {"ksize": ksize, "strides": strides, "padding": padding})


def _pool2d(op: Op, input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None) -> Tensor:  # noqa: A002
    data_format = data_format or "NHWC"
    channel_index = 1 if data_format.startswith("NC") else 3
    ksize = spatial_sequence(ksize, 2, channel_index, "ksize")
    strides = spatial_sequence(strides, 2, channel_index, "strides")
    return _pool(op, tensor(input), ksize, strides, padding, data_format)


def _pool1d(op: Op, input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None) -> Tensor:  # noqa: A002
    """A 1-D pool as a 2-D one over a height of 1 (any format but NWC runs as NCHW, as in TF)."""
    data_format = data_format or "NWC"
    channel_index = 1 if data_format.startswith("NC") else 2
    ksize = [1, *spatial_sequence(ksize, 1, channel_index, "ksize")]
    strides = [1, *spatial_sequence(strides, 1, channel_index, "strides")]
    if not isinstance(padding, str):
        padding = ((0, 0), *padding)
    height = 1 if data_format == "NWC" else 2
    out = _pool(op, expand_dims(tensor(input), height), ksize, strides, padding,
                "NHWC" if data_format == "NWC" else "NCHW")
    return squeeze(out, [height])


def _pool_nd(pool1d: Any, pool2d: Any, input: Any, ksize: Any, strides: Any, padding: Any,  # noqa: A002
             data_format: str | None) -> Tensor:
    """`tf.nn.max_pool`/`avg_pool`: the 1-D or 2-D pool by the input's rank (3-D is not supported)."""
    x = tensor(input)
    n = len(x._value.shape) - 2
    if not 1 <= n <= 3:
        raise ValueError(f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={x.shape} of rank "
                         f"{n + 2}.")
    if n == 3:
        raise NotImplementedError("3-D pooling is not supported.")
    channel_index = 1 if data_format is not None and data_format.startswith("NC") else n + 1
    ksize = spatial_sequence(ksize, n, channel_index, "ksize")
    strides = spatial_sequence(strides, n, channel_index, "strides")
    return (pool1d if n == 1 else pool2d)(x, ksize, strides, padding, data_format)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """`tf.nn.max_pool2d`: the maximum of each `ksize` window of NHWC `input`; padding SAME, VALID or
    explicit ([[0, 0], [top, bottom], [left, right], [0, 0]])."""
    return _pool2d(_max_pool_op, input, ksize, strides, convert_padding(padding), data_format)


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """`tf.nn.max_pool1d`: the maximum of each `ksize` window of NWC `input`."""
    return _pool1d(_max_pool_op, input, ksize, strides, convert_padding(padding, 3), data_format)


def max_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,  # noqa: A002
             name: str | None = None) -> Tensor:
    """`tf.nn.max_pool`: max_pool1d or max_pool2d, by the input's rank."""
    return _pool_nd(max_pool1d, max_pool2d, input, ksize, strides, padding, data_format)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """`tf.nn.avg_pool2d`: the mean of each `ksize` window of NHWC `input`, over its elements inside the
    input (SAME padding is not counted)."""
    return _pool2d(_avg_pool_op, input, ksize, strides, string_only(padding), data_format)


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
               name: str | None = None) -> Tensor:
    """`tf.nn.avg_pool1d`: the mean of each `ksize` window of NWC `input`."""
    return _pool1d(_avg_pool_op, input, ksize, strides, string_only(padding), data_format)


def avg_pool(input: Any, ksize: Any, strides: Any, padding: Any, data_format: str | None = None,  # noqa: A002
             name: str | None = None) -> Tensor:
    """`tf.nn.avg_pool`: avg_pool1d or avg_pool2d, by the input's rank."""
    return _pool_nd(avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format)

