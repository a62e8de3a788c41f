"""Keras's core layers: Dense, Activation, Dropout, Flatten, Reshape, Embedding."""

from __future__ import annotations

import math
from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import activations, constraints, initializers, regularizers
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.ops.array_ops import expand_dims, reshape, transpose
from tapeflow.ops.creation_ops import shape as dynamic_shape
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.linalg_ops import matmul, tensordot
from tapeflow.ops.math_ops import cast, not_equal
from tapeflow.ops.nn_ops import bias_add
from tapeflow.random.dropout import dropout

__all__ = ["Activation", "Dense", "Dropout", "Embedding", "Flatten", "Reshape"]


def serialize_object(obj: Any, module_name: str) -> Any:
    """A regularizer's or constraint's config entry, as Keras writes it."""
    if obj is None:
        return None
    return {
        "module": module_name,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": None,
    }


class Dense(Layer):
    """`activation(inputs @ kernel + bias)` over the last axis."""

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units) if not isinstance(units, int) else units
        if self.units < 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Any) -> None:
        input_shape = TensorShape(input_shape)
        dtype = dtypes.as_dtype(self.dtype)
        if not (dtype.is_floating or dtype.is_complex):
            raise TypeError(
                f"A Dense layer can only be built with a floating-point dtype. Received: dtype={dtype.name}"
            )
        last = input_shape[-1] if input_shape.rank else None
        if last is None:
            raise ValueError(
                f"The last dimension of the inputs to a Dense layer should be defined. Found "
                f"None. Full input shape received: {input_shape}"
            )
        self.kernel = self.add_weight(
            "kernel",
            shape=[last, self.units],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            dtype=self.dtype,
            trainable=True,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                shape=[self.units],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
                dtype=self.dtype,
                trainable=True,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last})
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.dtype != self.kernel.dtype:
            inputs = cast(inputs, self.kernel.dtype)
        if inputs.shape.rank == 2:
            outputs = matmul(inputs, self.kernel)
        else:
            outputs = tensordot(inputs, self.kernel, [[inputs.shape.rank - 1], [0]])
        if self.use_bias:
            outputs = bias_add(outputs, self.bias)
        return self.activation(outputs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize_object(self.kernel_regularizer, "keras.regularizers"),
                "bias_regularizer": serialize_object(self.bias_regularizer, "keras.regularizers"),
                "activity_regularizer": serialize_object(self._activity_regularizer, "keras.regularizers"),
                "kernel_constraint": serialize_object(self.kernel_constraint, "keras.constraints"),
                "bias_constraint": serialize_object(self.bias_constraint, "keras.constraints"),
            }
        )
        return config


class Activation(Layer):
    """Applies an activation function (a name or a callable)."""

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> Any:
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """In training, zeroes a fraction `rate` of the inputs and scales the rest by 1 / (1 - rate); the
    identity otherwise."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value between 0 and 1.")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or self.rate == 0:
            return inputs
        return dropout(inputs, rate=self.rate, noise_shape=self._get_noise_shape(inputs), seed=self.seed)

    def _get_noise_shape(self, inputs: Any) -> Any:
        """The shape of the keep/drop mask, broadcast over the inputs (None: one draw per element)."""
        if self.noise_shape is None:
            return None
        actual = dynamic_shape(inputs)
        return [actual[i] if d is None else d for i, d in enumerate(self.noise_shape)]

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class Flatten(Layer):
    """Reshapes each sample to one axis (the batch axis is kept)."""

    def __init__(self, data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first" and inputs.shape.rank > 2:
            inputs = transpose(inputs, [0, *range(2, inputs.shape.rank), 1])
        if inputs.shape.rank == 1:
            return expand_dims(inputs, 1)
        rest = inputs.shape.as_list()[1:]
        if all(d is not None for d in rest):
            return reshape(inputs, [-1, math.prod(rest)])
        return reshape(inputs, [dynamic_shape(inputs)[0], -1])

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def call(self, inputs: Any) -> Any:
        batch = inputs.shape[0] if inputs.shape[0] is not None else dynamic_shape(inputs)[0]
        return reshape(inputs, [batch, *self.target_shape])

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}


class Embedding(Layer):
    """Rows of an `(input_dim, output_dim)` table looked up by integer index."""

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        activity_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        input_length: Any = None,
        **kwargs: Any,
    ):
        if "input_shape" not in kwargs:  # Keras 2: a Sequential starting here has its input at once
            kwargs["input_shape"] = (input_length,)
        if input_dim <= 0 or output_dim <= 0:
            raise ValueError(
                f"Both `input_dim` and `output_dim` should be positive, Received input_dim = "
                f"{input_dim} and output_dim = {output_dim}"
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        if embeddings_initializer == "uniform":
            embeddings_initializer = initializers.RandomUniform()
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.input_length = input_length

    def build(self, input_shape: Any) -> None:
        input_shape = TensorShape(input_shape)
        self.embeddings = self.add_weight(
            "embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True

    def call(self, inputs: Any) -> Any:
        if inputs.dtype not in (dtypes.int32, dtypes.int64):
            inputs = cast(inputs, "int32")
        return gather(self.embeddings, inputs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """With `mask_zero`, index 0 is padding: the mask is where the indices are not 0."""
        return not_equal(inputs, 0) if self.mask_zero else None

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": serialize_object(self.embeddings_regularizer, "keras.regularizers"),
                "activity_regularizer": serialize_object(self._activity_regularizer, "keras.regularizers"),
                "embeddings_constraint": serialize_object(self.embeddings_constraint, "keras.constraints"),
                "mask_zero": self.mask_zero,
                "input_length": self.input_length,
            }
        )
        return config
