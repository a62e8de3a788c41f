"""Keras's merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and their
functions (`tf.keras.layers.add([a, b])`)."""

from __future__ import annotations

from typing import Any

from tapeflow.keras.engine.base_layer import Layer
from tapeflow.ops.array_ops import concat, expand_dims
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.math_ops import maximum as _maximum
from tapeflow.ops.math_ops import minimum as _minimum
from tapeflow.ops.nn_ops import l2_normalize

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
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


class Dot(_Merge):
    """Dot products of the samples of two inputs along `axes` (one for both, or one each), optionally
    of their L2-normalized values (cosine proximity): Keras's batch_dot, a (batch, 1) result for
    vectors."""

    def __init__(self, axes: int | tuple | list, normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def _pair(self, shapes: list) -> list[int]:
        axes = [self.axes] * 2 if isinstance(self.axes, int) else list(self.axes)
        return [a % len(shape) for a, shape in zip(axes, shapes)]

    def build(self, input_shape: Any) -> None:
        shapes = [tuple(s.as_list()) if hasattr(s, "as_list") else tuple(s) for s in input_shape]
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        axes = self._pair(shapes)
        sizes = shapes[0][axes[0]], shapes[1][axes[1]]
        if None not in sizes and sizes[0] != sizes[1]:
            raise ValueError(f"Incompatible input shapes: axis values {sizes[0]} (at axis {axes[0]}) != "
                             f"{sizes[1]} (at axis {axes[1]}). Full input shapes: {shapes[0]}, {shapes[1]}")
        self.built = True

    def _merge(self, inputs: list) -> Any:
        x, y = inputs
        axes = self._pair([x.shape.as_list(), y.shape.as_list()])
        if self.normalize:
            x, y = l2_normalize(x, axis=axes[0]), l2_normalize(y, axis=axes[1])
        letters = iter("bcdefghijklmnopqrstuvwxy")  # a: the batch axis, z: the contracted one
        x_sub = ["z" if i == axes[0] else ("a" if i == 0 else next(letters)) for i in range(x.shape.rank)]
        y_sub = ["z" if i == axes[1] else ("a" if i == 0 else next(letters)) for i in range(y.shape.rank)]
        kept = [s for s in x_sub + y_sub if s not in ("a", "z")]
        out = einsum(f"{''.join(x_sub)},{''.join(y_sub)}->a{''.join(kept)}", x, y)
        return expand_dims(out, 1) if not kept else out

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


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


def dot(inputs: list, axes: int | tuple | list, normalize: bool = False, **kwargs: Any) -> Any:
    """`Dot(axes, normalize)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
