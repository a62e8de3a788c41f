"""Keras's convolution layers (channels last): Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D,
SeparableConv2D.

They share one base, `_Conv`: the arguments every convolution takes (kernel size, strides, padding,
dilation, activation, bias), checked and normalised as Keras does, and the bias and activation applied
after the layer's own `_convolve`. Each subclass says only which weights it makes and which of
tapeflow's convolution ops it runs; the gradients are those ops'."""

from __future__ import annotations

from typing import Any

from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import activations, constraints, initializers, regularizers
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.layers.core import serialize_object
from tapeflow.ops.array_ops import pad
from tapeflow.ops.conv_ops import conv1d, conv2d, conv2d_transpose, depthwise_conv2d
from tapeflow.ops.nn_ops import bias_add

__all__ = ["Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D", "SeparableConv2D", "normalize_tuple",
           "normalize_padding", "normalize_data_format", "channels_last"]


def normalize_tuple(value: Any, n: int, name: str) -> tuple:
    """An int or n ints as a tuple of n ints (Keras's `conv_utils.normalize_tuple`)."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: {value}")
    return value


def normalize_padding(padding: str, causal: bool = False) -> str:
    """'valid' or 'same' (or 'causal' where a 1-D convolution takes it), in lower case."""
    padding = padding.lower()
    if padding not in (("valid", "same", "causal") if causal else ("valid", "same")):
        raise ValueError(
            f'The `padding` argument must be a list/tuple or one of "valid", "same" (or '
            f'"causal", only for `Conv1D). Received: {padding}'
        )
    return padding


def channels_last(data_format: str | None) -> str:
    """The data format a convolution or pooling layer runs in: channels last only."""
    data_format = data_format or "channels_last"
    if data_format != "channels_last":
        raise NotImplementedError("tapeflow's Keras layers support data_format='channels_last' only.")
    return data_format


def normalize_data_format(data_format: str | None) -> str:
    """'channels_last' (the default) or 'channels_first'."""
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'The `data_format` argument must be one of "channels_first", "channels_last". '
            f"Received: {data_format}"
        )
    return data_format


def _weight_args(layer: Layer, prefix: str) -> dict:
    """add_weight's initializer/regularizer/constraint for the weight `prefix` (kernel, bias, ...)."""
    return {
        "initializer": getattr(layer, f"{prefix}_initializer"),
        "regularizer": getattr(layer, f"{prefix}_regularizer"),
        "constraint": getattr(layer, f"{prefix}_constraint"),
    }


def _weight_config(layer: Layer, prefix: str) -> dict:
    """The config entries of a weight's initializer, regularizer and constraint."""
    return {
        f"{prefix}_initializer": initializers.serialize(getattr(layer, f"{prefix}_initializer")),
        f"{prefix}_regularizer": serialize_object(
            getattr(layer, f"{prefix}_regularizer"), "keras.regularizers"
        ),
        f"{prefix}_constraint": serialize_object(getattr(layer, f"{prefix}_constraint"), "keras.constraints"),
    }


class _Conv(Layer):
    """A convolution over `rank` spatial axes: `_convolve`, then the bias, then the activation."""

    rank = 2
    _kernels: tuple = ("kernel",)  # the kernel weights it makes (each with an initializer, ...)

    def __init__(
        self,
        filters: int | None,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        bias_initializer: Any = "zeros",
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ):
        prefixes = dict.fromkeys(("kernel", *self._kernels))  # `kernel_*` always: Keras's config has them
        keys = [f"{p}_{kind}" for p in prefixes for kind in ("initializer", "regularizer", "constraint")]
        weights = {k: kwargs.pop(k) for k in keys if k in kwargs}
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if filters is not None and filters <= 0:
            raise ValueError(
                f"Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters}."
            )
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding, causal=self.rank == 1)
        self.data_format = channels_last(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        for name in prefixes:
            initializer = weights.get(f"{name}_initializer", "glorot_uniform")
            setattr(self, f"{name}_initializer", initializers.get(initializer))
            setattr(self, f"{name}_regularizer", regularizers.get(weights.get(f"{name}_regularizer")))
            setattr(self, f"{name}_constraint", constraints.get(weights.get(f"{name}_constraint")))
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def _channels(self, input_shape: Any) -> int:
        input_shape = TensorShape(input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                f"The channel dimension of the inputs should be defined. The input_shape received "
                f"is {input_shape}, where axis -1 (0-based) is the channel dimension, which found "
                f"to be `None`."
            )
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={-1: channels})
        return channels

    def _kernel_shapes(self, channels: int) -> dict:
        """The shape of each kernel weight (by its `_kernels` prefix) for `channels` channels."""
        return {"kernel": (*self.kernel_size, channels // self.groups, self.filters)}

    def _bias_size(self, channels: int) -> int:
        return self.filters

    def build(self, input_shape: Any) -> None:
        channels = self._channels(input_shape)
        for prefix, shape in self._kernel_shapes(channels).items():
            name = "kernel" if prefix == "kernel" else f"{prefix}_kernel"  # depthwise_kernel, ...
            setattr(self, name, self.add_weight(name, shape=shape, **_weight_args(self, prefix)))
        self.bias = (
            self.add_weight("bias", shape=(self._bias_size(channels),), **_weight_args(self, "bias"))
            if self.use_bias
            else None
        )
        self.built = True

    def _convolve(self, inputs: Any) -> Any:
        raise NotImplementedError

    def call(self, inputs: Any) -> Any:
        outputs = self._convolve(inputs)
        if self.use_bias:
            outputs = bias_add(outputs, self.bias)
        return self.activation(outputs)

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }
        weights = {**_weight_config(self, "kernel"), **_weight_config(self, "bias")}
        for kind in ("initializer", "regularizer"):
            config.update({k: v for k, v in weights.items() if k.endswith(kind)})
        config["activity_regularizer"] = serialize_object(self._activity_regularizer, "keras.regularizers")
        config.update({k: v for k, v in weights.items() if k.endswith("constraint")})
        return config


class Conv1D(_Conv):
    """1-D convolution over the steps of (batch, steps, channels); 'causal' padding pads the start only,
    so an output never sees later steps."""

    rank = 1

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str = "channels_last", dilation_rate: Any = 1, groups: int = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)

    def _convolve(self, inputs: Any) -> Any:
        padding = self.padding
        if padding == "causal":
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            inputs = pad(inputs, [[0, 0]] * (inputs.shape.rank - 2) + [[left, 0], [0, 0]])
            padding = "valid"
        return conv1d(inputs, self.kernel, stride=list(self.strides), padding=padding.upper(),
                      dilations=list(self.dilation_rate))


class Conv2D(_Conv):
    """2-D convolution: `filters` kernels of `kernel_size` slid over height and width."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1), groups: int = 1, **kwargs: Any):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, **kwargs)

    def _convolve(self, inputs: Any) -> Any:
        return conv2d(inputs, self.kernel, strides=list(self.strides), padding=self.padding.upper(),
                      dilations=list(self.dilation_rate))


def deconv_output_length(length: int | None, kernel: int, padding: str, output_padding: int | None,
                         stride: int, dilation: int) -> int | None:
    """The length a transposed convolution gives along one axis (Keras's rule)."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        return length * stride + (max(kernel - stride, 0) if padding == "valid" else 0)
    before = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * before + output_padding


class Conv2DTranspose(_Conv):
    """The transpose (gradient) of a 2-D convolution, which upsamples: kernel (h, w, filters, channels)."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = (1, 1),
                 **kwargs: Any):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, 2, "output_padding")
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError(
                        f"Strides must be greater than output padding. Received strides={self.strides}, "
                        f"output_padding={self.output_padding}."
                    )

    def build(self, input_shape: Any) -> None:
        if TensorShape(input_shape).rank != 4:
            raise ValueError(f"Inputs should have rank 4. Received input_shape={TensorShape(input_shape)}.")
        super().build(input_shape)
        self.input_spec = InputSpec(ndim=4, axes={3: TensorShape(input_shape)[-1]})

    def _kernel_shapes(self, channels: int) -> dict:
        return {"kernel": (*self.kernel_size, self.filters, channels)}

    def _convolve(self, inputs: Any) -> Any:
        paddings = self.output_padding or (None, None)
        size = [
            deconv_output_length(inputs.shape[axis + 1], self.kernel_size[axis], self.padding, paddings[axis],
                                 self.strides[axis], self.dilation_rate[axis])
            for axis in range(2)
        ]
        return conv2d_transpose(inputs, self.kernel, size, strides=list(self.strides),
                                padding=self.padding.upper(), dilations=list(self.dilation_rate))

    def get_config(self) -> dict:
        return {**super().get_config(), "output_padding": self.output_padding}


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own `depth_multiplier` kernels: depthwise_kernel
    (h, w, channels, depth_multiplier)."""

    _kernels = ("depthwise",)

    def __init__(self, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 depth_multiplier: int = 1, data_format: str | None = None, dilation_rate: Any = (1, 1),
                 **kwargs: Any):
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self.depth_multiplier = depth_multiplier

    def _kernel_shapes(self, channels: int) -> dict:
        return {"depthwise": (*self.kernel_size, channels, self.depth_multiplier)}

    def _bias_size(self, channels: int) -> int:
        return channels * self.depth_multiplier

    def _convolve(self, inputs: Any) -> Any:
        return depthwise_conv2d(inputs, self.depthwise_kernel, strides=[1, *self.strides, 1],
                                padding=self.padding.upper(), dilations=list(self.dilation_rate))

    def get_config(self) -> dict:
        depthwise = _weight_config(self, "depthwise")
        dropped = ("filters", "kernel_initializer", "kernel_regularizer", "kernel_constraint")
        config = {k: v for k, v in super().get_config().items() if k not in dropped}
        return {**config, "depth_multiplier": self.depth_multiplier, **depthwise}


class SeparableConv2D(_Conv):
    """A depthwise convolution followed by a 1x1 (pointwise) one mixing the channels into `filters`."""

    _kernels = ("depthwise", "pointwise")

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1), padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = (1, 1), depth_multiplier: int = 1,
                 **kwargs: Any):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self.depth_multiplier = depth_multiplier

    def _kernel_shapes(self, channels: int) -> dict:
        return {
            "depthwise": (*self.kernel_size, channels, self.depth_multiplier),
            "pointwise": (1, 1, channels * self.depth_multiplier, self.filters),
        }

    def _convolve(self, inputs: Any) -> Any:
        depthwise = depthwise_conv2d(inputs, self.depthwise_kernel, strides=[1, *self.strides, 1],
                                     padding=self.padding.upper(), dilations=list(self.dilation_rate))
        return conv2d(depthwise, self.pointwise_kernel, strides=[1, 1, 1, 1], padding="VALID")

    def get_config(self) -> dict:
        kernels = {**_weight_config(self, "depthwise"), **_weight_config(self, "pointwise")}
        config = {**super().get_config(), "depth_multiplier": self.depth_multiplier}
        for kind in ("initializer", "regularizer", "constraint"):
            config.update({k: v for k, v in kernels.items() if k.endswith(kind)})
        return config
