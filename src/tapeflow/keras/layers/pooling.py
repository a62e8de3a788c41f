"""Keras's pooling layers: windowed (Max/AveragePooling1D and 2D, channels last) and global (the max or
mean over all steps or pixels, channels last or first, optionally keeping the reduced axes)."""

from __future__ import annotations

from typing import Any

from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.layers.convolutional import (
    channels_last,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)
from tapeflow.ops.pool_ops import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from tapeflow.ops.reduce_ops import reduce_max, reduce_mean

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPooling1D",
    "MaxPooling2D",
]


class _Pooling(Layer):
    """A pooling layer over `rank` spatial axes: `pool_size` windows every `strides` (default: the pool
    size)."""

    rank = 2
    _pool: Any = None

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        strides = strides if strides is not None else self.pool_size
        self.strides = normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = channels_last(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        return type(self)._pool(
            inputs, ksize=list(self.pool_size), strides=list(self.strides), padding=self.padding.upper()
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class _Pooling1D(_Pooling):
    rank = 1

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str = "channels_last", **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        order = ("strides", "pool_size", "padding", "data_format")  # Keras 2's 1-D order
        return {**{k: v for k, v in config.items() if k not in order}, **{k: config[k] for k in order}}


class MaxPooling1D(_Pooling1D):
    """The maximum of each window of steps."""

    _pool = staticmethod(max_pool1d)


class AveragePooling1D(_Pooling1D):
    """The mean of each window of steps."""

    _pool = staticmethod(avg_pool1d)


class MaxPooling2D(_Pooling):
    """The maximum of each window."""

    _pool = staticmethod(max_pool2d)

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """The mean of each window (SAME padding not counted)."""

    _pool = staticmethod(avg_pool2d)

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """A reduction over the `rank` spatial axes; `keepdims` keeps them with size 1."""

    rank = 2
    _reduce: Any = None

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        first = 1 if self.data_format == "channels_last" else 2
        axes = list(range(first, first + self.rank))
        return type(self)._reduce(inputs, axis=axes, keepdims=self.keepdims)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps."""

    rank = 1
    _reduce = staticmethod(reduce_mean)

    def __init__(self, data_format: str = "channels_last", **kwargs: Any):
        super().__init__(data_format, **kwargs)


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps."""

    rank = 1
    _reduce = staticmethod(reduce_max)

    def __init__(self, data_format: str = "channels_last", **kwargs: Any):
        super().__init__(data_format, **kwargs)


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width."""

    _reduce = staticmethod(reduce_mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width."""

    _reduce = staticmethod(reduce_max)
