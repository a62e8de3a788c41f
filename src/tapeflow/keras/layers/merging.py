"""Keras's merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, and their
functions (`tf.keras.layers.add([a, b])`)."""

from __future__ import annotations

from typing import Any

from tapeflow.keras.engine.base_layer import Layer
from tapeflow.ops.array_ops import concat
from tapeflow.ops.math_ops import maximum as _maximum
from tapeflow.ops.math_ops import minimum as _minimum

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]


class _Merge(Layer):
    """A layer combining a list of same-shaped tensors elementwise."""

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape[0], tuple) and not hasattr(input_shape[0], "rank"):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: "
                f"input_shape={input_shape} (not a list of shapes)"
            )
        if len(input_shape) < 1:
            raise ValueError(
                f"A merge layer should be called on a list of at least 1 input. Got "
                f"{len(input_shape)} inputs. Full input_shape received: {input_shape}"
            )
        self.built = True

    def call(self, inputs: Any) -> Any:
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"A merge layer should be called on a list of inputs. Received: inputs={inputs} "
                f"(not a list of tensors)"
            )
        return self._merge(list(inputs))


class Add(_Merge):
    """The sum of the inputs."""

    def _merge(self, inputs: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


class Subtract(_Merge):
    """The first input minus the second."""

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                f"input_shape={input_shape}"
            )

    def _merge(self, inputs: list) -> Any:
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """The product of the inputs."""

    def _merge(self, inputs: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


class Average(_Merge):
    """The mean of the inputs."""

    def _merge(self, inputs: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    def _merge(self, inputs: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = _maximum(out, x)
        return out


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    def _merge(self, inputs: list) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = _minimum(out, x)
        return out


class Concatenate(_Merge):
    """The inputs joined along `axis`."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape: Any) -> None:
        if len(input_shape) < 1 or not isinstance(input_shape, (list, tuple)):
            raise ValueError(
                f"A `Concatenate` layer should be called on a list of at least 1 input. "
                f"Received: input_shape={input_shape}"
            )
        self.built = True

    def _merge(self, inputs: list) -> Any:
        return concat(inputs, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _functional(cls: type, doc: str) -> Any:
    def merge(inputs: list, **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = doc
    return merge


add = _functional(Add, "`Add()(inputs)`.")
subtract = _functional(Subtract, "`Subtract()(inputs)`.")
multiply = _functional(Multiply, "`Multiply()(inputs)`.")
average = _functional(Average, "`Average()(inputs)`.")
maximum = _functional(Maximum, "`Maximum()(inputs)`.")
minimum = _functional(Minimum, "`Minimum()(inputs)`.")


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
