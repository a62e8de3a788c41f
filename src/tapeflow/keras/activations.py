"""`tf.keras.activations`: activation functions by name and as functions.

As tf-keras, `softmax` and `sigmoid` remember the logits they were given, so that a cross-entropy
of their output (`from_logits=False`) is computed from the logits, with the fused, stable kernels
(tf-keras's `_keras_logits`); `logits_of` asks for them."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from tapeflow.keras import identifiers
from tapeflow.ops import nn_ops
from tapeflow.ops.math_ops import cast, clip_by_value, greater, minimum
from tapeflow.ops.math_ops import exp as _exp
from tapeflow.ops.math_ops import sigmoid as _sigmoid
from tapeflow.ops.math_ops import softplus as _softplus
from tapeflow.ops.math_ops import softsign as _softsign
from tapeflow.ops.math_ops import tanh as _tanh
from tapeflow.ops.reduce_ops import reduce_logsumexp

__all__ = [
    "deserialize",
    "elu",
    "exponential",
    "gelu",
    "get",
    "hard_sigmoid",
    "linear",
    "log_softmax",
    "logits_of",
    "relu",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
]

# id(output) -> (weak reference to the output, its logits, what made it: "softmax" or "sigmoid")
_LOGITS: dict[int, tuple[Any, Any, str]] = {}


def _remember(output: Any, logits: Any, kind: str) -> Any:
    key = id(output)
    try:
        ref = weakref.ref(output, lambda _, key=key: _LOGITS.pop(key, None))
    except TypeError:  # a value without weak references: nothing to remember
        return output
    _LOGITS[key] = (ref, logits, kind)
    return output


def logits_of(output: Any, kind: str) -> Any:
    """The logits `output` was made from by `softmax` or `sigmoid` (`kind`), else None."""
    entry = _LOGITS.get(id(output))
    if entry is None or entry[0]() is not output or entry[2] != kind:
        return None
    return entry[1]


def softmax(x: Any, axis: int = -1) -> Any:
    """Softmax over `axis`."""
    if x.shape.rank is not None and x.shape.rank <= 1:
        raise ValueError(f"Cannot apply softmax to a tensor that is 1D. Received input: {x}")
    if isinstance(axis, int):
        output = nn_ops.softmax(x, axis=axis)
    else:
        output = _exp(x - reduce_logsumexp(x, axis=axis, keepdims=True))
    return _remember(output, x, "softmax")


def sigmoid(x: Any) -> Any:
    """1 / (1 + exp(-x))."""
    return _remember(_sigmoid(x), x, "sigmoid")


def relu(x: Any, alpha: float = 0.0, max_value: Any = None, threshold: float = 0.0) -> Any:
    """max(x, 0), with Keras's optional leak below `threshold` and cap `max_value`."""
    if alpha == 0 and max_value is None and threshold == 0:
        return nn_ops.relu(x)
    out = x * cast(greater(x, threshold), x.dtype)
    if max_value is not None:
        out = minimum(out, max_value)
    if alpha != 0:
        out = out + alpha * (minimum(x, threshold) - threshold)
    return out


def linear(x: Any) -> Any:
    """The identity."""
    return x


def tanh(x: Any) -> Any:
    return _tanh(x)


def softplus(x: Any) -> Any:
    return _softplus(x)


def softsign(x: Any) -> Any:
    return _softsign(x)


def elu(x: Any, alpha: float = 1.0) -> Any:
    out = nn_ops.elu(x)
    return out if alpha == 1 else nn_ops.relu(x) + alpha * (out - nn_ops.relu(x))


def selu(x: Any) -> Any:
    return nn_ops.selu(x)


def gelu(x: Any, approximate: bool = False) -> Any:
    return nn_ops.gelu(x, approximate=approximate)


def silu(x: Any) -> Any:
    return nn_ops.silu(x)


swish = silu


def exponential(x: Any) -> Any:
    return _exp(x)


def hard_sigmoid(x: Any) -> Any:
    """Keras 2's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return clip_by_value(0.2 * x + 0.5, 0.0, 1.0)


def log_softmax(x: Any, axis: int = -1) -> Any:
    return nn_ops.log_softmax(x, axis=axis)


_BY_NAME: dict[str, Callable] = {
    f.__name__: f
    for f in (
        softmax,
        sigmoid,
        relu,
        linear,
        tanh,
        softplus,
        softsign,
        elu,
        selu,
        gelu,
        silu,
        exponential,
        hard_sigmoid,
        log_softmax,
    )
}
_BY_NAME["swish"] = silu


def serialize(activation: Callable) -> str:
    """An activation's name (`'relu'`), as in a layer's config."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return "swish" if fn is silu else name
    return getattr(activation, "__name__", str(activation))


def deserialize(name: str) -> Callable:
    return identifiers.registered("activation function", _BY_NAME, name)


def get(identifier: Any) -> Callable:
    """An activation from a name, None (linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier["config"] if "config" in identifier else identifier["class_name"])
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier}")
