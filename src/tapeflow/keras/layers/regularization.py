"""Keras's spatial dropout: whole feature maps (channels) dropped at once, one draw per sample and
channel, as a Dropout whose mask is broadcast over the steps or pixels."""

from __future__ import annotations

from typing import Any

from tapeflow.keras.engine.base_layer import InputSpec
from tapeflow.keras.layers.core import Dropout
from tapeflow.ops.creation_ops import shape as dynamic_shape

__all__ = ["SpatialDropout1D", "SpatialDropout2D"]


class SpatialDropout1D(Dropout):
    """Drops whole channels of (batch, steps, channels)."""

    def __init__(self, rate: float, **kwargs: Any):
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs: Any) -> Any:
        shape = dynamic_shape(inputs)
        return [shape[0], 1, shape[2]]


class SpatialDropout2D(Dropout):
    """Drops whole channels of images (channels last or first)."""

    def __init__(self, rate: float, data_format: str | None = None, **kwargs: Any):
        super().__init__(rate, **kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                f'`data_format` must be "channels_last" or "channels_first". '
                f"Received: data_format={data_format}."
            )
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=4)

    def _get_noise_shape(self, inputs: Any) -> Any:
        shape = dynamic_shape(inputs)
        if self.data_format == "channels_first":
            return [shape[0], shape[1], 1, 1]
        return [shape[0], 1, 1, shape[3]]
