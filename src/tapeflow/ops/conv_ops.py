"""Convolutions (`tf.nn.conv2d`, `conv1d`, `conv2d_transpose`, `depthwise_conv2d`, `convolution`)
and the sliding windows they share with pooling (ops/pool_ops.py).

A kernel sees its input through an im2col view: `windows` pads the input and returns every window
the filter visits as one strided array (N, *out, *window, C) without copying; a convolution is then
one matrix product with the filter. `fold`, the adjoint of taking windows, adds window-shaped
gradients back onto the input: a loop over the few filter taps, each a strided slice addition,
never a loop over pixels.

There is one convolution op, Conv2D, in TensorFlow's grouped form (the input depth a multiple of the
filter's); a depthwise convolution is the grouped one with a single input channel per group. As in
TensorFlow its gradients are two ops, Conv2DBackpropInput and Conv2DBackpropFilter. The three are
bilinear and the gradients of each are the other two, so derivatives of any order come from these
three kernels. A 1-D convolution is a 2-D one over a height of 1, as in TensorFlow.

Geometry (`strides`, `dilations`, `padding`: "SAME", "VALID" or a (before, after) pair per spatial
axis) is static params; the kernels derive the padding from the input's size when they run.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import FLOATS
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.arguments import dims_text, invalid, shape_tuple
from tapeflow.ops.array_ops import expand_dims, reshape, squeeze
from tapeflow.ops.declare import mismatch_error, operands, unsupported_error

__all__ = ["conv1d", "conv2d", "conv2d_transpose", "depthwise_conv2d", "convolution"]

_CONV_TYPES = FLOATS | {dtypes.int32}
_CHANNELS_LAST = frozenset(("NWC", "NHC", "NHWC", "NWHC", "NDHWC", "NDWHC", "NHDWC", "NHWDC", "NWDHC",
                            "NWHDC"))


# ---- arguments: TensorFlow's forms of strides, dilations, ksize and padding -------------------

def spatial_sequence(value: Any, n: int, channel_index: int, name: str) -> list[int]:
    """A `strides`/`dilations`/`ksize` argument (an int, or 1, n or n + 2 ints) as n + 2 ints, 1 on the
    batch and channel axes (TF's expansion)."""
    if value is None:
        return [1] * (n + 2)
    if hasattr(value, "_value"):
        value = np.asarray(value._value).tolist()
    values = list(value) if isinstance(value, list | tuple) else [value]
    if len(values) == n + 2:
        return [int(v) for v in values]
    if len(values) == 1:
        values = values * n
    elif len(values) != n:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={values} of length "
                         f"{len(values)}")
    values = [int(v) for v in values]
    return [1, 1, *values] if channel_index == 1 else [1, *values, 1]


def convert_padding(padding: Any, expected_length: int = 4) -> Any:
    """`padding` as TF reads it: a string as it is, a list of [before, after] pairs (one per axis,
    batch and channels included) as a tuple of int pairs."""
    if isinstance(padding, str) and padding == "EXPLICIT":
        raise ValueError("'EXPLICIT' is not a valid value for `padding`. To use explicit padding, `padding` "
                         "must be a list.")
    if not isinstance(padding, list | tuple):
        return padding
    for i, pair in enumerate(padding):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            what = f"of size {len(pair)}" if isinstance(pair, list | tuple) else f"of type {type(pair)}"
            raise ValueError(f"When `padding` is a list, each element of `padding` must be a list/tuple of "
                             f"size 2. Received: padding={padding} with element at index {i} {what}")
    if len(padding) != expected_length:
        raise ValueError(f"When padding is a list, it must be of size {expected_length}. Received: "
                         f"padding={padding} of size {len(padding)}")
    return tuple((int(a), int(b)) for a, b in padding)


def attr_error(op_name: str, attr: str, value: Any, allowed: tuple) -> errors.OpError:
    """TF's error for a string attribute outside its allowed values."""
    names = ", ".join(f'"{a}"' for a in allowed)
    return invalid(op_name, f"Value for attr '{attr}' of \"{value}\" is not in the list of allowed values: "
                            f"{names}")


def string_only(padding: Any) -> str:
    """A `padding` where TF takes no list (ops, or paths to them, without explicit padding)."""
    if not isinstance(padding, str):
        raise TypeError(f"Expected string for argument 'padding' not {padding!r}.")
    return padding


def string_padding(padding: Any, op_name: str, allowed: tuple) -> str:
    """A string `padding`, one of the op's `allowed` values."""
    if string_only(padding) not in allowed:
        raise attr_error(op_name, "padding", padding, allowed)
    return padding


def checked_padding(padding: Any, op_name: str) -> Any:
    """A padding converted by `convert_padding` for an NHWC op, checked as TF's kernels do; explicit
    padding comes back as the (before, after) pairs of the spatial axes."""
    if not isinstance(padding, tuple):
        return string_padding(padding, op_name, ("SAME", "VALID", "EXPLICIT"))
    if any(b < 0 or a < 0 for b, a in padding):
        raise invalid(op_name, "All elements of explicit_paddings must be nonnegative")
    if padding[0] != (0, 0) or padding[-1] != (0, 0):
        raise invalid(op_name, "Nonzero explicit padding in the batch or depth dimensions is not supported")
    return padding[1:-1]


def unimplemented(op_name: str, message: str) -> errors.OpError:
    return errors.UnimplementedError(None, None, f"{message} [Op:{op_name}]")


# ---- window geometry and the two kernels' primitives: windows and fold ------------------------

def _axis_padding(padding: Any, axis: int) -> Any:
    return padding if isinstance(padding, str) else padding[axis]


def output_size(size: int | None, window: int, stride: int, dilation: int, padding: Any) -> tuple:
    """(output length, padding before, padding after) along one axis, by TF's rules; the output length
    is None for an unknown size and negative when the window cannot fit."""
    effective = (window - 1) * dilation + 1
    if padding == "SAME":
        if size is None:
            return None, 0, 0
        out = -(-size // stride)
        total = max((out - 1) * stride + effective - size, 0)
        return out, total // 2, total - total // 2
    before, after = (0, 0) if padding == "VALID" else padding
    if size is None:
        return None, before, after
    span = size + before + after - effective + stride
    return (span // stride if span >= 0 else -(-span // stride)), before, after  # C's division


def _geometry(spatial: tuple, window: tuple, strides: tuple, dilations: tuple, padding: Any) -> list[tuple]:
    return [output_size(size, k, s, d, _axis_padding(padding, i))
            for i, (size, k, s, d) in enumerate(zip(spatial, window, strides, dilations))]


def output_spatial(spatial: tuple, window: tuple, strides: tuple, dilations: tuple, padding: Any) -> tuple:
    """The output's spatial shape (None where the input's size is unknown), without checks."""
    return tuple(o for o, _, _ in _geometry(spatial, window, strides, dilations, padding))


def windowed_shape(op_name: str, spatial: tuple, window: tuple, strides: tuple, dilations: tuple,
                   padding: Any) -> tuple:
    """The output's spatial shape, or TF's error when the window does not fit the (padded) input."""
    out = output_spatial(spatial, window, strides, dilations, padding)
    for o, size, k, s, d in zip(out, spatial, window, strides, dilations):
        if o is not None and o < 0:
            raise invalid(op_name, f"Computed output size would be negative: {o} [input_size: {size}, "
                                   f"effective_filter_size: {(k - 1) * d + 1}, stride: {s}]")
    return out


def windows(x: np.ndarray, window: tuple, strides: tuple, dilations: tuple, padding: Any,
            fill: Any = 0) -> np.ndarray:
    """Every window of `x` (N, *spatial, C), padded with `fill`, as an array (N, *out, *window, C):
    a view of the (padded) input, copied only by the product that reads it."""
    n = len(window)
    geometry = _geometry(x.shape[1:-1], window, strides, dilations, padding)
    out = tuple(o for o, _, _ in geometry)
    if 0 in out:
        return np.zeros((x.shape[0], *out, *window, x.shape[-1]), x.dtype)
    pads = [(b, a) for _, b, a in geometry]
    if any(b or a for b, a in pads):
        x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=fill)
    effective = tuple((k - 1) * d + 1 for k, d in zip(window, dilations))
    view = sliding_window_view(x, effective, axis=tuple(range(1, n + 1)))  # (N, *positions, C, *effective)
    view = view[(slice(None), *(slice(None, (o - 1) * s + 1, s) for o, s in zip(out, strides)), slice(None),
                 *(slice(None, None, d) for d in dilations))]
    return np.moveaxis(view, n + 1, -1)


def tap_views(cols: np.ndarray) -> Iterator[np.ndarray]:
    """Windows (N, *out, *window, C) one tap at a time, in row-major order: views (N, *out, C)."""
    n = (cols.ndim - 2) // 2
    for offset in np.ndindex(*cols.shape[n + 1:2 * n + 1]):
        yield cols[(slice(None),) * (n + 1) + offset]


def fold(cols: np.ndarray, spatial: tuple, strides: tuple, dilations: tuple, padding: Any) -> np.ndarray:
    """The adjoint of `windows`: `cols` (*window, N, *out, C), what each window tap saw, added back onto
    the input positions it came from, an array (N, *spatial, C). Tap-major, so each addition reads
    one contiguous block."""
    n = len(spatial)
    window, out = cols.shape[:n], cols.shape[n + 1:2 * n + 1]
    geometry = _geometry(spatial, window, strides, dilations, padding)
    padded = np.zeros((cols.shape[n], *(size + b + a for size, (_, b, a) in zip(spatial, geometry)),
                       cols.shape[-1]), cols.dtype)
    for offset in np.ndindex(*window):
        target = (slice(i * d, i * d + (o - 1) * s + 1, s)
                  for i, d, o, s in zip(offset, dilations, out, strides))
        padded[(slice(None), *target)] += cols[offset]
    if all(b == a == 0 for _, b, a in geometry):
        return padded
    return np.ascontiguousarray(padded[(slice(None), *(slice(b, b + size) for size, (_, b, _) in
                                                       zip(spatial, geometry)))])


def in_float32_for_half(kernel: Callable) -> Callable:
    """`kernel` computed in float32 for float16 arrays: sums of many half products lose too much."""
    def run(*arrays: np.ndarray, **params: Any) -> np.ndarray:
        if arrays[0].dtype != np.float16:
            return kernel(*arrays, **params)
        return kernel(*(a.astype(np.float32) for a in arrays), **params).astype(np.float16)

    run.__name__ = kernel.__name__
    return run


# ---- Conv2D and its two gradient ops --------------------------------------------------------------

def _by_group(cols: np.ndarray, groups: int) -> np.ndarray:
    """Windows (N, *out, *window, C) as matrices (groups, rows, window taps x channels of the group)."""
    n = (cols.ndim - 2) // 2
    split = cols.reshape(*cols.shape[:-1], groups, cols.shape[-1] // groups)  # a view
    rows, columns = math.prod(cols.shape[:n + 1]), math.prod(cols.shape[n + 1:]) // groups
    return np.moveaxis(split, -2, 0).reshape(groups, rows, columns)


def _filter_by_group(w: np.ndarray, groups: int) -> np.ndarray:
    """A filter (*window, C / groups, O) as matrices (groups, taps x channels, O / groups)."""
    return w.reshape(math.prod(w.shape[:-1]), groups, w.shape[-1] // groups).transpose(1, 0, 2)


def _output_by_group(g: np.ndarray, groups: int) -> np.ndarray:
    """An output or its gradient (N, *out, O) as matrices (groups, rows, O / groups); contiguous, as BLAS
    needs (a gradient seeded with ones is a broadcast)."""
    rows = math.prod(g.shape[:-1])
    return np.ascontiguousarray(g).reshape(rows, groups, g.shape[-1] // groups).transpose(1, 0, 2)


def _conv_kernel(x, w, strides, dilations, padding):
    groups = x.shape[-1] // w.shape[-2]
    cols = windows(x, w.shape[:-2], strides, dilations, padding)
    product = np.matmul(_by_group(cols, groups), _filter_by_group(w, groups))  # (groups, rows, O / groups)
    return product.transpose(1, 0, 2).reshape(*cols.shape[:x.ndim - 1], w.shape[-1])


def _input_kernel(w, g, input_shape, strides, dilations, padding):
    groups, depth = input_shape[-1] // w.shape[-2], w.shape[-2]
    taps = math.prod(w.shape[:-2])
    # The filter per tap and group, (taps, groups, O / groups, C / groups), times the gradient per group.
    # Contiguous: on a transposed view NumPy's stacked matmul skips BLAS (measured 7x slower).
    per_tap = w.reshape(taps, depth, groups, w.shape[-1] // groups).transpose(0, 2, 3, 1)
    per_tap = np.ascontiguousarray(per_tap)
    cols = np.matmul(_output_by_group(g, groups), per_tap)  # (taps, groups, rows, C / groups)
    cols = np.moveaxis(cols, 1, -2).reshape(*w.shape[:-2], *g.shape[:-1], input_shape[-1])
    return fold(cols, input_shape[:-1], strides, dilations, padding)


def _filter_kernel(x, g, filter_shape, strides, dilations, padding):
    groups = x.shape[-1] // filter_shape[-2]
    cols = _by_group(windows(x, filter_shape[:-2], strides, dilations, padding), groups)
    product = np.matmul(cols.transpose(0, 2, 1), _output_by_group(g, groups))  # (groups, taps x C, O/groups)
    return product.transpose(1, 0, 2).reshape(filter_shape)


def _conv_infer(x, w, strides, dilations, padding):
    out = output_spatial(x.shape[1:-1], w.shape[:-2], strides, dilations, padding)
    return [AbstractValue((x.shape[0], *out, w.shape[-1]), x.dtype)]


def known_dims(x: Any, dims: slice, what: str) -> tuple:
    """The dimensions `dims` of x's shape, which a gradient op takes as a parameter: they must be known
    while tracing (the batch size need not be)."""
    shape = tuple(x._value.shape[dims])
    if None in shape:
        raise NotImplementedError(f"The gradient of {what} needs its input's shape known while tracing, "
                                  f"except the batch size; got {list(x._value.shape)}.")
    return shape


def _input_grad(w, g, x, geometry):
    input_shape = known_dims(x, slice(1, None), "a convolution")
    return bind(_input_op, (w, g), {"input_shape": input_shape, **geometry})


def _filter_grad(x, g, w, geometry):
    return bind(_filter_op, (x, g), {"filter_shape": known_dims(w, slice(None), "a convolution"), **geometry})


# Conv2D(x, w) = y. <gy, y> is bilinear in x and w, so: dx = BackpropInput(w, gy), dw =
# BackpropFilter(x, gy); and each backprop op differentiates into the other one and Conv2D.
_conv_op = Op("Conv2D", in_float32_for_half(_conv_kernel), (
    lambda g, y, x, w, **geometry: _input_grad(w, g, x, geometry),
    lambda g, y, x, w, **geometry: _filter_grad(x, g, w, geometry),
), infer=_conv_infer)
_input_op = Op("Conv2DBackpropInput", in_float32_for_half(_input_kernel), (
    lambda gx, dx, w, g, input_shape, **geometry: _filter_grad(gx, g, w, geometry),
    lambda gx, dx, w, g, input_shape, **geometry: bind(_conv_op, (gx, w), geometry),
), infer=lambda w, g, input_shape, **geometry: [AbstractValue((g.shape[0], *input_shape), g.dtype)])
_filter_op = Op("Conv2DBackpropFilter", in_float32_for_half(_filter_kernel), (
    lambda gw, dw, x, g, filter_shape, **geometry: _input_grad(gw, g, x, geometry),
    lambda gw, dw, x, g, filter_shape, **geometry: bind(_conv_op, (x, gw), geometry),
), infer=lambda x, g, filter_shape, **geometry: [AbstractValue(filter_shape, x.dtype)])


# ---- public functions ------------------------------------------------------------------------------

def _conv_operands(input: Any, filters: Any, op_name: str, allowed: frozenset) -> tuple[Tensor, Tensor]:  # noqa: A002
    """Input and filter as tensors of one allowed dtype (TF's attribute errors otherwise)."""
    x, w = operands(input, filters)
    op = types.SimpleNamespace(name=op_name)  # what the error texts read
    if w.dtype != x.dtype:
        raise mismatch_error(op, x.dtype, 1, w.dtype)
    if x.dtype not in allowed:
        raise unsupported_error(op, x.dtype, allowed)
    return x, w


def _check_conv_params(op_name: str, strides: list, dilations: list, padding: Any, data_format: str,
                       nchw_error: errors.OpError) -> tuple:
    """TF's checks of a CPU convolution's attributes, in its order; the spatial strides, dilations and
    padding."""
    if not isinstance(padding, tuple):
        string_padding(padding, op_name, ("SAME", "VALID", "EXPLICIT"))
    if data_format not in ("NHWC", "NCHW"):
        raise attr_error(op_name, "data_format", data_format, ("NHWC", "NCHW"))
    if data_format == "NCHW":
        raise nchw_error
    if strides[0] != 1 or strides[3] != 1:
        raise unimplemented(op_name, "Current implementation does not yet support strides in the batch and "
                                     "depth dimensions.")
    if min(strides) < 1:
        raise invalid(op_name, "Row and column strides should be larger than 0.")
    if dilations[0] != 1 or dilations[3] != 1:
        raise unimplemented(op_name, "Current implementation does not yet support dilations in the batch and "
                                     "depth dimensions.")
    if min(dilations) < 1:
        raise invalid(op_name, "Dilated rates should be larger than 0.")
    return tuple(strides[1:3]), tuple(dilations[1:3]), checked_padding(padding, op_name)


def _conv2d(x: Tensor, w: Tensor, strides: list, padding: Any, data_format: str, dilations: list) -> Tensor:
    """Conv2D of an NHWC `x` of rank 4 (or more: the batch axes are flattened), after TF's checks."""
    if len(x._value.shape) > 4:
        return _flattening_batch(x, lambda x4: _conv2d(x4, w, strides, padding, data_format, dilations))
    op_name = "Conv2D"
    strides, dilations, padding = _check_conv_params(
        op_name, strides, dilations, padding, data_format,
        unimplemented(op_name, "The Conv2D op currently only supports the NHWC tensor format on the CPU. The "
                               "op was given the format: NCHW"))
    x_shape, w_shape = x._value.shape, w._value.shape
    if len(x_shape) != 4:
        raise invalid(op_name, f"convolution input must be 4-dimensional: {dims_text(x_shape)}")
    if len(w_shape) != 4:
        raise invalid(op_name, f"convolution filter must be 4-dimensional: {dims_text(w_shape)}")
    depth, filter_depth, out_depth = x_shape[3], w_shape[2], w_shape[3]
    if depth is None:
        raise NotImplementedError("A convolution needs the input's depth known while tracing.")
    if filter_depth == 0:
        raise invalid(op_name, "filter depth must be stricly positive, got 0")
    if depth % filter_depth:
        raise invalid(op_name, f"input depth must be evenly divisible by filter depth: {depth} vs "
                               f"{filter_depth}")
    if out_depth % (depth // filter_depth):
        raise invalid(op_name, f"output depth must be evenly divisible by number of groups: {out_depth} vs "
                               f"{depth // filter_depth}")
    if 0 in w_shape[:2]:
        raise invalid(op_name, "filter must not have zero elements (i.e. all dimensions must be non-zero)")
    windowed_shape(op_name, x_shape[1:3], w_shape[:2], strides, dilations, padding)
    return bind(_conv_op, (x, w), {"strides": strides, "dilations": dilations, "padding": padding})


def _flattening_batch(x: Tensor, apply: Callable) -> Tensor:
    """`apply` to x with its leading (batch) axes flattened into one, then restored (TF's
    squeeze_batch_dims)."""
    shape = x._value.shape
    batch = shape[:-3]
    if sum(d is None for d in batch) > 1:
        raise NotImplementedError("A convolution needs all but one batch dimension known while tracing.")
    out = apply(reshape(x, [-1, *shape[-3:]]))
    return reshape(out, [-1 if d is None else d for d in batch] + list(out._value.shape[-3:]))


def conv2d(input: Any, filters: Any, strides: Any, padding: Any, data_format: str = "NHWC",  # noqa: A002
           dilations: Any = None, name: str | None = None) -> Tensor:
    """`tf.nn.conv2d`: the 2-D cross-correlation of NHWC `input` with `filters` (height, width, in
    depth, out depth); an input depth that is a multiple of the filter's is a grouped convolution."""
    padding = convert_padding(padding)
    data_format = data_format or "NHWC"
    channel_index = 1 if data_format.startswith("NC") else 3
    strides = spatial_sequence(strides, 2, channel_index, "strides")
    dilations = spatial_sequence(dilations, 2, channel_index, "dilations")
    x, w = _conv_operands(input, filters, "Conv2D", _CONV_TYPES)
    return _conv2d(x, w, strides, padding, data_format, dilations)


def _conv1d_format(data_format: str | None) -> tuple[str, int, int]:
    """A 1-D data format as the 2-D one it runs as, the axis where the height goes, the channel axis."""
    if data_format in (None, "NHWC", "NWC"):
        return "NHWC", -3, 2
    if data_format in ("NCHW", "NCW"):
        return "NCHW", -2, 1
    raise ValueError(f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}")


def _conv1d(x: Tensor, w: Tensor, strides: list, padding: Any, data_format: str | None,
            dilations: list) -> Tensor:
    """A 1-D convolution as a 2-D one over a height of 1 (strides, dilations: 3 values, padding a string
    or 3 pairs)."""
    data_format, spatial_start, _ = _conv1d_format(data_format)
    height = spatial_start + 4  # its index among the 2-D axes
    if not isinstance(padding, str):
        padding = (*padding[:height], (0, 0), *padding[height:])
    out = _conv2d(expand_dims(x, spatial_start), expand_dims(w, 0), [1, *strides], padding, data_format,
                  [1, *dilations])
    return squeeze(out, [spatial_start])


def conv1d(input: Any, filters: Any, stride: Any, padding: Any, data_format: str = "NWC",  # noqa: A002
           dilations: Any = None, name: str | None = None) -> Tensor:
    """`tf.nn.conv1d`: `input` (N, W, C) with `filters` (width, in depth, out depth), computed as a
    Conv2D over a height of 1 (as in TF)."""
    channel_index = _conv1d_format(data_format)[2]
    strides = spatial_sequence(stride, 1, channel_index, "stride")
    dilations = spatial_sequence(dilations, 1, channel_index, "dilations")
    x, w = _conv_operands(input, filters, "Conv2D", _CONV_TYPES)
    return _conv1d(x, w, strides, string_only(padding), data_format, dilations)


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,  # noqa: A002
                     padding: Any = "SAME", data_format: str = "NHWC", dilations: Any = None,
                     name: str | None = None) -> Tensor:
    """`tf.nn.conv2d_transpose`: the gradient of conv2d with respect to its input, of shape
    `output_shape` ([batch,] height, width[, depth]), for the output gradient `input`."""
    op_name = "Conv2DBackpropInput"
    data_format = data_format or "NHWC"
    channel_index = 1 if data_format.startswith("NC") else 3
    strides = spatial_sequence(strides, 2, channel_index, "strides")
    dilations = spatial_sequence(dilations, 2, channel_index, "dilations")
    padding = convert_padding(padding)
    g, w = _conv_operands(input, filters, op_name, _CONV_TYPES)
    sizes = shape_tuple(output_shape)
    strides, dilations, padding = _check_conv_params(
        op_name, strides, dilations, padding, data_format,
        invalid(op_name, "Conv2DCustomBackpropInputOp only supports NHWC."))
    g_shape, w_shape = g._value.shape, w._value.shape
    prefix = "Conv2DCustomBackpropInput: "
    if len(g_shape) != 4:
        raise invalid(op_name, f"input_sizes must be 4-dimensional, got: {len(g_shape)}")
    if len(sizes) not in (2, 4):
        raise invalid(op_name, f"Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, "
                               f"but got: {len(sizes)}")
    if len(w_shape) != 4:
        raise invalid(op_name, f"{prefix}filter must be 4-dimensional")
    if len(sizes) == 2:
        sizes = (g_shape[0], *sizes, w_shape[2])
    if None not in (sizes[0], g_shape[0]) and sizes[0] != g_shape[0]:
        raise invalid(op_name, f"{prefix}input and out_backprop must have the same batch size. Input batch: "
                               f"{sizes[0]}, outbackprop batch: {g_shape[0]}, batch_dim: 0")
    if w_shape[2] == 0 or sizes[3] % w_shape[2]:
        raise invalid(op_name, f"{prefix}input depth must be evenly divisible by filter depth")
    if g_shape[3] is not None and g_shape[3] != w_shape[3]:
        raise invalid(op_name, f"{prefix}filter and out_backprop must have the same out_depth")
    expected = windowed_shape(op_name, sizes[1:3], w_shape[:2], strides, dilations, padding)
    for axis, (actual, computed) in enumerate(zip(g_shape[1:3], expected)):
        if actual is not None and actual != computed:
            raise invalid(op_name, f"{prefix}Size of out_backprop doesn't match computed: actual = {actual}, "
                                   f"computed = {computed} spatial_dim: {axis + 1} input: {sizes[axis + 1]} "
                                   f"filter: {w_shape[axis]} output: {actual} stride: {strides[axis]} "
                                   f"dilation: {dilations[axis]}")
    return bind(_input_op, (w, g), {"input_shape": tuple(sizes[1:]), "strides": strides,
                                    "dilations": dilations, "padding": padding})


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: Any, data_format: str | None = None,  # noqa: A002
                     dilations: Any = None, name: str | None = None) -> Tensor:
    """`tf.nn.depthwise_conv2d`: each input channel convolved with its own `channel_multiplier` filters,
    `filter` (height, width, in depth, multiplier); the grouped Conv2D with one channel per group."""
    op_name = "DepthwiseConv2dNative"
    if not isinstance(strides, list | tuple):
        raise TypeError(f"Expected list for 'strides' argument to 'depthwise_conv2d_native' Op, not "
                        f"{strides!r}.")
    rate = [1, 1] if dilations is None else [int(d) for d in dilations]
    if len(rate) != 2:
        raise ValueError(f"`dilations` should be of length 2. Received: dilations={dilations}")
    if min(rate) < 1:
        raise ValueError(f"`dilation_rate` must be positive. Received: dilation_rate={np.array(rate)}")
    if max(rate) > 1 and any(s != 1 for s in strides):  # (TF only warns, and computes something else)
        raise ValueError(f"When dilation rate is greater than 1, then all values of strides must be 1. "
                         f"Received: `dilation rate` {rate} and `strides` {list(strides)}")
    padding = convert_padding(padding)
    x, w = _conv_operands(input, filter, op_name, FLOATS)
    if not isinstance(padding, tuple):
        string_padding(padding, op_name, ("SAME", "VALID", "EXPLICIT"))
    data_format = data_format or "NHWC"
    if data_format not in ("NHWC", "NCHW"):
        raise attr_error(op_name, "data_format", data_format, ("NHWC", "NCHW"))
    if len(strides) != 4:
        raise invalid(op_name, "Sliding window strides field must specify 4 dimensions")
    if data_format == "NCHW":
        raise unimplemented(op_name, "Depthwise convolution on CPU is only supported for NHWC format")
    strides = [int(s) for s in strides]
    if strides[0] != 1 or strides[3] != 1:
        raise invalid(op_name, "Current implementation does not yet support strides in the batch and depth "
                               "dimensions.")
    if min(strides) < 1:
        raise invalid(op_name, f"Stride must be > 0, but got {min(strides)}")
    if strides[1] != strides[2]:
        raise invalid(op_name, "Current implementation only supports equal length strides in the row and "
                               "column dimensions.")
    padding = checked_padding(padding, op_name)
    x_shape, w_shape = x._value.shape, w._value.shape
    if len(x_shape) != 4:
        raise invalid(op_name, f"input must be 4-dimensional{dims_text(x_shape)}")
    if len(w_shape) != 4:
        raise invalid(op_name, f"filter must be 4-dimensional: {dims_text(w_shape)}")
    if x_shape[3] != w_shape[2]:
        raise invalid(op_name, f"input and filter must have the same depth: {x_shape[3]} vs {w_shape[2]}")
    geometry = {"strides": tuple(strides[1:3]), "dilations": tuple(rate), "padding": padding}
    windowed_shape(op_name, x_shape[1:3], w_shape[:2], **geometry)
    grouped = reshape(w, [w_shape[0], w_shape[1], 1, w_shape[2] * w_shape[3]])
    return bind(_conv_op, (x, grouped), geometry)


def convolution(input: Any, filters: Any, strides: Any = None, padding: Any = "VALID",  # noqa: A002
                data_format: str | None = None, dilations: Any = None, name: str | None = None) -> Tensor:
    """`tf.nn.convolution`: conv1d or conv2d, by the filter's rank (3-D convolutions are not supported);
    leading axes beyond the batch axis are flattened and restored."""
    x, w = _conv_operands(input, filters, "Conv2D", _CONV_TYPES)
    n = len(w._value.shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims={n}.")
    if n == 3:
        raise NotImplementedError("tf.nn.convolution: 3-D convolutions are not supported.")
    batch_dims = len(x._value.shape) - n - 1
    channel_index = batch_dims + n if data_format is None or data_format in _CHANNELS_LAST else batch_dims
    dilations = spatial_sequence(dilations, n, channel_index, "dilations")
    strides = spatial_sequence(strides, n, channel_index, "strides")
    if any(d != 1 for d in dilations):
        padding = _check_dilated_convolution(x, w, n, batch_dims, strides, dilations, padding, data_format)
    else:
        string_only(padding)
    if n == 1:
        return _conv1d(x, w, strides, padding, data_format, dilations)
    return _conv2d(x, w, strides, padding, data_format or "NHWC", dilations)


def _check_dilated_convolution(x: Tensor, w: Tensor, n: int, batch_dims: int, strides: list, dilations: list,
                               padding: Any, data_format: str | None) -> Any:
    """TF's Python-side checks of a dilated `tf.nn.convolution` (which, unlike the undilated one, takes
    explicit padding)."""
    x_shape, w_shape = x._value.shape, w._value.shape
    if len(x_shape) < n + 2:
        raise ValueError(f"`input.shape.rank` must be >= than `num_spatial_dims + 2`. Received: "
                         f"input.shape={x.shape} of rank {len(x_shape)} and num_spatial_dims={n}")
    channels_first = data_format is not None and data_format.startswith("NC")
    channels = x_shape[batch_dims if channels_first else batch_dims + n]
    if channels is not None and channels % w_shape[n]:
        raise ValueError(f"The number of input channels is not divisible by the corresponding number of "
                         f"output filters. Received: input.shape={x.shape} with {channels} channels and "
                         f"filters.shape={w.shape} with {w_shape[n]} output filters.")
    spatial = slice(2, None) if channels_first else slice(1, -1)
    rate, step = np.array(dilations[spatial], np.int32), np.array(strides[spatial], np.int32)
    if np.any(rate < 1):
        raise ValueError(f"all values of `dilation_rate` must be positive. Received: dilation_rate={rate}")
    if np.any(step < 1):
        raise ValueError(f"all values of `strides` must be positive. Received: strides={step}")
    if np.any(step > 1):
        raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                         f"strides={step} and dilation_rate={rate}")
    padding = convert_padding(padding, n + 2)
    if isinstance(padding, str) and padding not in ("SAME", "VALID"):
        raise ValueError(f"`padding` must be one of 'SAME' or 'VALID'. Received: padding={padding}")
    return padding
