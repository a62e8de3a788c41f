"""`tf.keras.layers.Masking`: marks the time steps whose features all equal `mask_value` as padding."""

from __future__ import annotations

from typing import Any

from tapeflow.keras.engine.base_layer import Layer
from tapeflow.ops.array_ops import squeeze
from tapeflow.ops.math_ops import cast, not_equal
from tapeflow.ops.reduce_ops import reduce_any

__all__ = ["Masking"]


class Masking(Layer):
    """Zeroes the padded steps and gives the output a (batch, time) mask that later layers (the RNNs)
    skip them by."""

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return reduce_any(not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs: Any) -> Any:
        kept = reduce_any(not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        outputs = inputs * cast(kept, inputs.dtype)
        outputs._keras_mask = squeeze(kept, axis=-1)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
