"""Keras's layers that move values without weights: ZeroPadding2D, Cropping2D, UpSampling2D (nearest or
bilinear), Permute, RepeatVector. Each is a composite of tapeflow's array ops (pad, slicing, repeat,
einsum, transpose), which give the gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.convert import convert_to_tensor
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.layers.convolutional import normalize_data_format, normalize_tuple
from tapeflow.ops.array_ops import expand_dims, pad, tile, transpose
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.gather_ops import repeat

__all__ = ["Cropping2D", "Permute", "RepeatVector", "UpSampling2D", "ZeroPadding2D"]


def _spatial_axes(data_format: str) -> tuple[int, int]:
    return (1, 2) if data_format == "channels_last" else (2, 3)


def _pairs(value: Any, name: str) -> tuple:
    """An int, two ints (symmetric) or two pairs, as ((top, bottom), (left, right)) (Keras's forms)."""
    if isinstance(value, int):
        return ((value, value), (value, value))
    if hasattr(value, "__len__"):
        if len(value) != 2:
            raise ValueError(f"`{name}` should have two elements. Received: {value}.")
        return (
            normalize_tuple(value[0], 2, f"1st entry of {name}"),
            normalize_tuple(value[1], 2, f"2nd entry of {name}"),
        )
    raise ValueError(
        f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height_{name[:4]}, "
        f"symmetric_width_{name[:4]}), or a tuple of 2 tuples of 2 ints ((top_{name[:4]}, "
        f"bottom_{name[:4]}), (left_{name[:4]}, right_{name[:4]})). Received: {value}."
    )


class ZeroPadding2D(Layer):
    """Rows and columns of zeros around each image: `padding` ((top, bottom), (left, right))."""

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.padding = _pairs(padding, "padding")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        paddings = [[0, 0]] * 4
        for axis, pair in zip(_spatial_axes(self.data_format), self.padding):
            paddings[axis] = list(pair)
        return pad(inputs, paddings)

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class Cropping2D(Layer):
    """Each image without `cropping` ((top, bottom), (left, right)) rows and columns at its edges."""

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.cropping = _pairs(cropping, "cropping")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        index = [slice(None)] * 4
        for axis, (before, after) in zip(_spatial_axes(self.data_format), self.cropping):
            size = inputs.shape[axis]
            if size is not None and before + after >= size:
                raise ValueError(
                    f"Argument `cropping` must be greater than the input shape. Received: inputs.shape="
                    f"{inputs.shape}, and cropping={self.cropping}"
                )
            index[axis] = slice(before, -after if after else None)
        return inputs[tuple(index)]

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


def bilinear_weights(size: int, factor: int) -> np.ndarray:
    """The (size * factor, size) matrix resizing one axis bilinearly with half-pixel centres, as
    `tf.image.resize` does: output i reads input (i + 0.5) / factor - 0.5, clamped to the edges."""
    source = (np.arange(size * factor) + 0.5) / factor - 0.5
    low = np.floor(source)
    frac = source - low
    weights = np.zeros((size * factor, size), np.float64)
    rows = np.arange(size * factor)
    np.add.at(weights, (rows, np.clip(low, 0, size - 1).astype(int)), 1 - frac)
    np.add.at(weights, (rows, np.clip(low + 1, 0, size - 1).astype(int)), frac)
    return weights


class UpSampling2D(Layer):
    """Images enlarged `size` (rows, columns) times: each pixel repeated ('nearest') or interpolated
    ('bilinear')."""

    def __init__(self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest",
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.size = normalize_tuple(size, 2, "size")
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"tapeflow's UpSampling2D interpolates 'nearest' or 'bilinear'. Received: {interpolation}"
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        rows, cols = _spatial_axes(self.data_format)
        if self.interpolation == "nearest":
            return repeat(repeat(inputs, self.size[0], axis=rows), self.size[1], axis=cols)
        dtype = inputs.dtype.as_numpy_dtype
        height, width = (
            convert_to_tensor(bilinear_weights(inputs.shape[axis], factor).astype(dtype))
            for axis, factor in ((rows, self.size[0]), (cols, self.size[1]))
        )
        equation = "nhwc,Hh,Ww->nHWc" if self.data_format == "channels_last" else "nchw,Hh,Ww->ncHW"
        return einsum(equation, inputs, height, width)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


class Permute(Layer):
    """The axes after the batch axis reordered: `dims` numbers them from 1."""

    def __init__(self, dims: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                f"must be consecutive and start from 1. Received dims={dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Any) -> Any:
        return transpose(inputs, perm=(0, *self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Each vector (batch, features) repeated `n` times: (batch, n, features)."""

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.n = n
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Any:
        return tile(expand_dims(inputs, 1), [1, self.n, 1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
