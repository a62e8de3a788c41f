"""Keras's normalization layers: BatchNormalization and LayerNormalization.

Both normalise to zero mean and unit variance over some axes, then scale by `gamma` and shift by `beta`
(each per entry of the kept `axis`). BatchNormalization normalises each feature over the batch while
training, and meanwhile moves its `moving_mean`/`moving_variance` towards the batch's statistics
(`moving = moving - (moving - batch) * (1 - momentum)`, assigned during the call, so inside `fit`'s
compiled step too); in inference it uses the moving statistics instead. As in Keras 2, a layer with
`trainable = False` always runs in inference mode. Where tf-keras runs the fused kernel (4-D or 5-D
float inputs normalised over the channel axis, first or last), the batch variance that enters the
moving variance is the unbiased one (n / (n - 1) times the biased one that normalises), and epsilon is at
least 1.001e-5, as there. LayerNormalization normalises each sample over
`axis` and has no state."""

from __future__ import annotations

from typing import Any

from tapeflow.core import dtypes
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.keras import constraints, initializers, regularizers
from tapeflow.keras.engine.base_layer import InputSpec, Layer
from tapeflow.keras.layers.core import serialize_object
from tapeflow.ops.array_ops import reshape
from tapeflow.ops.creation_ops import size
from tapeflow.ops.math_ops import cast
from tapeflow.ops.nn_extra_ops import batch_normalization
from tapeflow.ops.nn_ops import moments

__all__ = ["BatchNormalization", "LayerNormalization", "validate_axis"]


def validate_axis(axis: Any, input_shape: Any) -> list[int]:
    """`axis` (an int or ints, maybe negative) as a list of distinct axes of inputs of `input_shape`."""
    rank = TensorShape(input_shape).rank
    if not rank:
        raise ValueError(f"Input has undefined rank. Received: input_shape={TensorShape(input_shape)}")
    axes = [a + rank if a < 0 else a for a in ([axis] if isinstance(axis, int) else list(axis))]
    if any(a < 0 or a >= rank for a in axes):
        raise ValueError(
            f"Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank (with inputs.rank={rank}). "
            f"Received: axis={tuple(axes)}"
        )
    if len(axes) != len(set(axes)):
        raise ValueError(f"Duplicate axis: {tuple(axes)}")
    return axes


def _axis_argument(axis: Any) -> Any:
    if isinstance(axis, (list, tuple)):
        return list(axis)
    if isinstance(axis, int):
        return axis
    raise TypeError(
        f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis!r}"
    )


class _Normalization(Layer):
    """The scale (`gamma`) and offset (`beta`) both normalization layers have, and their config; its
    arguments are LayerNormalization's."""

    def __init__(
        self,
        axis: Any = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.axis = _axis_argument(axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _add_scale_and_offset(self, shape: Any) -> None:
        for name, wanted in (("gamma", self.scale), ("beta", self.center)):
            weight = None
            if wanted:
                weight = self.add_weight(
                    name,
                    shape=shape,
                    initializer=getattr(self, f"{name}_initializer"),
                    regularizer=getattr(self, f"{name}_regularizer"),
                    constraint=getattr(self, f"{name}_constraint"),
                    trainable=True,
                )
            setattr(self, name, weight)

    def _broadcast(self, value: Any, rank: int, sizes: dict) -> Any:
        """A per-axis weight or statistic reshaped to broadcast against inputs of `rank` (unless it
        already does: one axis, the last)."""
        if value is None or len(value.shape) == rank or self.axis == [rank - 1]:
            return value
        return reshape(value, [sizes.get(i, 1) for i in range(rank)])

    def _normalize(self, inputs: Any, mean: Any, variance: Any) -> Any:
        rank = inputs.shape.rank
        sizes = {a: inputs.shape[a] for a in self.axis}
        offset, scale = self._broadcast(self.beta, rank, sizes), self._broadcast(self.gamma, rank, sizes)
        mean, variance = self._broadcast(mean, rank, sizes), self._broadcast(variance, rank, sizes)
        return batch_normalization(inputs, mean, variance, offset, scale, self._epsilon())

    def _epsilon(self) -> float:
        return self.epsilon

    def _weights_config(self) -> dict:
        return {
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": serialize_object(self.beta_regularizer, "keras.regularizers"),
            "gamma_regularizer": serialize_object(self.gamma_regularizer, "keras.regularizers"),
            "beta_constraint": serialize_object(self.beta_constraint, "keras.constraints"),
            "gamma_constraint": serialize_object(self.gamma_constraint, "keras.constraints"),
        }


class BatchNormalization(_Normalization):
    """Normalises each feature (entry of `axis`) over the batch in training, by the moving statistics in
    inference (see the module doc)."""

    def __init__(
        self,
        axis: Any = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ):
        for unsupported in ("renorm", "virtual_batch_size", "adjustment", "synchronized"):
            if kwargs.pop(unsupported, None):
                raise NotImplementedError(f"tapeflow's BatchNormalization does not support `{unsupported}`.")
        fused = kwargs.pop("fused", None)
        for ignored in ("renorm_clipping", "renorm_momentum"):
            kwargs.pop(ignored, None)
        super().__init__(
            axis,
            epsilon,
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
            **kwargs,
        )
        self.momentum = momentum
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        channel_axis = isinstance(self.axis, int) or len(self.axis) == 1
        self._fused = fused is not False and channel_axis and self.dtype in ("float16", "float32")

    def build(self, input_shape: Any) -> None:
        self.axis = validate_axis(self.axis, input_shape)
        input_shape = TensorShape(input_shape)
        sizes = {a: input_shape[a] for a in self.axis}
        if any(size is None for size in sizes.values()):
            raise ValueError(
                f"Input has undefined `axis` dimension. Received input with shape "
                f"{tuple(input_shape.as_list())} and axis={tuple(self.axis)}"
            )
        self.input_spec = InputSpec(ndim=input_shape.rank, axes=sizes)
        rank = input_shape.rank
        self._fused = self._fused and rank in (4, 5) and self.axis in ([1], [rank - 1])
        if len(sizes) == 1:
            shape: Any = (sizes[self.axis[0]],)
        else:
            shape = [sizes.get(i, 1) for i in range(input_shape.rank)]
        self._add_scale_and_offset(shape)
        for name in ("moving_mean", "moving_variance"):
            weight = self.add_weight(
                name, shape=shape, initializer=getattr(self, f"{name}_initializer"), trainable=False
            )
            setattr(self, name, weight)
        self.built = True

    def call(self, inputs: Any, training: Any = None) -> Any:
        training = bool(training) and self.trainable
        dtype = inputs.dtype
        if dtype == dtypes.float16:  # 16-bit variances overflow: computed in float32
            inputs = cast(inputs, "float32")
        if not training:
            outputs = self._normalize(inputs, self.moving_mean, self.moving_variance)
        else:
            reduction = [i for i in range(inputs.shape.rank) if i not in self.axis]
            mean, variance = moments(inputs, reduction, keepdims=len(self.axis) > 1)
            decay = 1.0 - self.momentum
            unbiased = variance
            if self._fused:
                count = cast(size(inputs), variance.dtype) / cast(size(variance), variance.dtype)
                unbiased = variance * (count / (count - 1.0))
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, unbiased)):
                moving.assign_sub((moving - cast(batch, moving.dtype)) * decay)
            outputs = self._normalize(inputs, mean, variance)
        return cast(outputs, dtype) if outputs.dtype != dtype else outputs

    def _epsilon(self) -> float:
        return max(self.epsilon, 1.001e-5) if self._fused else self.epsilon

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **{k: v for k, v in self._weights_config().items() if k.endswith("initializer")},
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            **{k: v for k, v in self._weights_config().items() if not k.endswith("initializer")},
        }


class LayerNormalization(_Normalization):
    """Normalises each sample over `axis` (the last by default)."""

    def build(self, input_shape: Any) -> None:
        self.axis = validate_axis(self.axis, input_shape)
        input_shape = TensorShape(input_shape)
        self._add_scale_and_offset([input_shape[a] for a in self.axis])
        self._build_input_shape = input_shape
        self.built = True

    def call(self, inputs: Any) -> Any:
        dtype = inputs.dtype
        if dtype == dtypes.float16 and self.dtype == "float32":
            inputs = cast(inputs, "float32")
        mean, variance = moments(inputs, self.axis, keepdims=True)
        outputs = self._normalize(inputs, mean, variance)
        return cast(outputs, dtype) if outputs.dtype != dtype else outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **self._weights_config(),
        }
