"""`tf.nn`: activations, softmax, cross-entropy losses, `l2_loss`, `bias_add`, and the composites
`moments`, `l2_normalize`, `log_sigmoid`.

Most activations are composites of elementwise ops and need no gradient code. Some are
primitives with their own rule instead, for one of three reasons: a kink where TensorFlow picks a
particular one-sided derivative (relu'(0) = 0, relu6' = 0 at 0 and 6, elu'(0) = selu'(0)/scale = 1),
numerical stability (softmax and log-softmax shift by the maximum), or speed on the hot path of
training (the cross-entropies run one fused kernel forward and a short rule backward). Every rule
is written with tapeflow ops, so the second derivative comes from the same rules.

Like TensorFlow, the gradient of `softmax_cross_entropy_with_logits` with respect to the logits is
`softmax(logits) - labels`, exact when each row of labels sums to 1 (a probability distribution).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import buffers, dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS, NUMERIC, REAL
from tapeflow.core.op import Op, bind
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import math_ops, shape_ops
from tapeflow.ops.array_ops import squeeze
from tapeflow.ops.creation_ops import one_hot
from tapeflow.ops.declare import mismatch_error, operands, tensor, unary, unsupported_error
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.math_ops import sigmoid, softplus, softsign, tanh
from tapeflow.ops.reduce_ops import normalize_axis, reduce_mean, reduce_sum

__all__ = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "softplus",
           "tanh", "softmax", "log_softmax", "softmax_cross_entropy_with_logits",
           "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits", "l2_loss",
           "bias_add", "moments", "l2_normalize", "log_sigmoid", "softsign", "embedding_lookup"]

# ---- piecewise-linear activations -------------------------------------------------------------

# ReluGrad(y, g) = g where y > 0, else 0 (and Relu6Grad, LeakyReluGrad): one kernel each, as in
# TensorFlow. They are linear in g, and their derivative in the activation's input or output is zero
# — given as zeros, as TensorFlow's are, so a second-order gradient reaches what fed the activation
# as zeros rather than None.

def _activation_grad_op(name: str, kernel) -> Op:
    def rule_g(gg, z, x, g, **params):
        return bind(op, (x, gg), params)

    op = Op(name, kernel, (lambda gg, z, x, g, **params: shape_ops.zeros_like(x), rule_g))
    return op


_relu_grad = _activation_grad_op(
    "ReluGrad", lambda y, g, *, out=None: np.multiply(
        g, y > 0, out=out if out is not None else buffers.like(g) if g.shape == y.shape else None))
_relu6_grad = _activation_grad_op("Relu6Grad", lambda x, g: g * ((x > 0) & (x < 6)))
_leaky_relu_grad = _activation_grad_op("LeakyReluGrad", lambda x, g, alpha: np.where(x > 0, g, g * alpha))


def _relu_kernel(x, *, out=None):
    return np.maximum(x, 0, out=out if out is not None else buffers.like(x))


relu = unary("relu", "Relu", _relu_kernel, lambda g, y, x: bind(_relu_grad, (y, g)), REAL)  # integers too
relu6 = unary("relu6", "Relu6", lambda x: np.clip(x, 0, 6),
              lambda g, y, x: bind(_relu6_grad, (x, g)), REAL)
_leaky_relu_op = Op("LeakyRelu", lambda x, alpha: np.where(x > 0, x, x * alpha),
                    (lambda g, y, x, alpha: bind(_leaky_relu_grad, (x, g), {"alpha": alpha}),))


def float32_attribute(value: float) -> float:
    """A float as TensorFlow keeps an op's float attribute, or a constant its Python code casts to a
    tensor's dtype: rounded to float32 (so float64 results use the rounded value)."""
    return float(np.float32(value))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None):
    """`tf.nn.leaky_relu`: x where x > 0, else alpha * x; integers are first cast to float32, and the
    gradient at 0 is alpha (as TF)."""
    x = tensor(features)
    if x.dtype.is_integer:
        x = math_ops.cast(x, dtypes.float32)
    if x.dtype not in FLOATS:
        raise unsupported_error(_leaky_relu_op, x.dtype, FLOATS)
    return bind(_leaky_relu_op, (x,), {"alpha": float32_attribute(alpha)})


# ---- exponential linear units -----------------------------------------------------------------

_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_SCALE_ALPHA = 1.7580993408473768599402175208123  # scale * alpha, alpha = 1.6732632423543772...


def _exponential_unit(py_name: str, tf_name: str, scale: float, scale_alpha: float):
    """elu (scale = alpha = 1) and selu: scale * x for x > 0, else scale * alpha * (exp(x) - 1). The
    rule reads the output: at 0 it takes the linear side, as TensorFlow's EluGrad/SeluGrad do."""
    def kernel(x):
        negative = np.expm1(np.minimum(x, 0)) * x.dtype.type(scale_alpha)
        return np.where(x > 0, x * x.dtype.type(scale), negative)[()]

    def rule(g, y, x):
        return math_ops.where(y < 0, g * (y + scale_alpha), g * scale)

    return unary(py_name, tf_name, kernel, rule, FLOATS)


elu = _exponential_unit("elu", "Elu", 1.0, 1.0)
selu = _exponential_unit("selu", "Selu", _SELU_SCALE, _SELU_SCALE_ALPHA)


# ---- smooth activations -----------------------------------------------------------------------

_erfc_np = np.frompyfunc(math.erfc, 1, 1)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_erfc = unary("erfc", "Erfc", lambda x: np.asarray(_erfc_np(x), dtype=x.dtype)[()],
              lambda g, y, x: g * (-_TWO_OVER_SQRT_PI * math_ops.exp(-math_ops.square(x))), FLOATS)


def gelu(features: Any, approximate: bool = False, name: str | None = None):
    """`tf.nn.gelu`: x * P(X <= x) for a standard normal X, exactly `0.5 x erfc(-x / sqrt 2)`, or
    with `approximate=True` the tanh form `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`."""
    x = tensor(features)
    if not x.dtype.is_floating:
        raise ValueError("`features.dtype` must be a floating point tensor."
                         f"Received:features.dtype=<dtype: '{x.dtype.name}'>")
    if approximate:
        inner = 0.7978845608028654 * (x + float32_attribute(0.044715) * math_ops.pow(x, 3))
        return 0.5 * x * (1 + tanh(inner))
    return 0.5 * x * _erfc(-x * float32_attribute(0.7071067811865476))


def silu(features: Any, beta: float = 1.0):
    """`tf.nn.silu` (also `tf.nn.swish`): x * sigmoid(beta * x); `beta` a float32 tensor cast to x's
    dtype, as TensorFlow converts it."""
    x = tensor(features)
    if isinstance(beta, float | int) and beta == 1.0:
        return x * sigmoid(x)
    return x * sigmoid(math_ops.cast(convert_to_tensor(beta), x.dtype) * x)


swish = silu


# ---- softmax ----------------------------------------------------------------------------------

def _shifted(x, axis):
    return x - np.max(x, axis=axis, keepdims=True, initial=-np.inf) if x.size else x


def _softmax_kernel(x, axis, *, out=None):
    e = np.exp(_shifted(x, axis))
    total = np.sum(e, axis=axis, keepdims=True)
    return e / total if out is None else np.divide(e, total, out=out)


def _log_softmax_kernel(x, axis):
    shifted = _shifted(x, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


_softmax_op = Op("Softmax", _softmax_kernel, (
    lambda g, y, x, axis: y * (g - reduce_sum(g * y, axis, keepdims=True)),))
_log_softmax_op = Op("LogSoftmax", _log_softmax_kernel, (
    lambda g, y, x, axis: g - math_ops.exp(y) * reduce_sum(g, axis, keepdims=True),))


def _softmax_input(op: Op, logits: Any, axis: Any) -> tuple[Tensor, int]:
    x = tensor(logits)
    if x.dtype not in FLOATS:
        raise unsupported_error(op, x.dtype, FLOATS)
    rank = x._value.ndim
    axis = -1 if axis is None else int(axis)
    if rank == 0:
        raise errors.InvalidArgumentError(None, None, f"logits must have at least 1 dimension, got a scalar "
                                                      f"[Op:{op.name}]")
    if not -rank <= axis < rank:
        raise errors.InvalidArgumentError(
            None, None, f"`dim` must be in the range [{-rank}, {rank}) where {rank} is the number of "
                        f"dimensions in the input. Received: dim={axis}")
    return x, axis % rank


def softmax(logits: Any, axis: int | None = None, name: str | None = None):
    """`tf.nn.softmax`: exp(x) / sum(exp(x)) along `axis` (default last), shifted by the maximum."""
    x, axis = _softmax_input(_softmax_op, logits, axis)
    return bind(_softmax_op, (x,), {"axis": axis})


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None):
    """`tf.nn.log_softmax`: x - logsumexp(x) along `axis` (default last), without overflow."""
    x, axis = _softmax_input(_log_softmax_op, logits, axis)
    return bind(_log_softmax_op, (x,), {"axis": axis})


# ---- cross-entropies --------------------------------------------------------------------------

def _softmax_xent_kernel(labels, logits, axis):
    return -np.sum(labels * _log_softmax_kernel(logits, axis), axis=axis)


def _expand(g, axis):
    return shape_ops.expand_axes(g, (axis,))


_softmax_xent_op = Op("SoftmaxCrossEntropyWithLogits", _softmax_xent_kernel, (
    lambda g, y, labels, logits, axis: _expand(g, axis) * -log_softmax(logits, axis),
    lambda g, y, labels, logits, axis: _expand(g, axis) * (softmax(logits, axis) - labels),
))


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None):
    """`tf.nn.softmax_cross_entropy_with_logits`: -sum(labels * log_softmax(logits)) along `axis`.
    Labels broadcast against the logits and are cast to their dtype; both get gradients."""
    op = _softmax_xent_op
    logits = tensor(logits)
    if logits.dtype not in FLOATS:
        raise unsupported_error(op, logits.dtype, FLOATS)
    labels, logits = operands(labels, logits)
    if labels.dtype != logits.dtype:
        labels = math_ops.cast(labels, logits.dtype)
    logits, axis = _softmax_input(op, logits, axis)
    if not shape_ops.broadcasts_to(labels._value.shape, logits._value.shape):
        raise errors.InvalidArgumentError(
            None, None, f"logits and labels must be broadcastable: logits_size={list(logits._value.shape)} "
                        f"labels_size={list(labels._value.shape)} [Op:{op.name}]")
    return bind(op, (labels, logits), {"axis": axis})


def _sparse_xent_kernel(labels, logits):
    classes = logits.shape[-1]
    bad = (labels < 0) | (labels >= classes)
    if bad.any():
        raise errors.InvalidArgumentError(
            None, None, f"Received a label value of {labels[bad].flat[0]} which is outside the valid range "
                        f"of [0, {classes}).  Label values: {' '.join(map(str, np.ravel(labels)))} "
                        f"[Op:SparseSoftmaxCrossEntropyWithLogits]")
    picked = np.take_along_axis(_log_softmax_kernel(logits, -1), labels[..., None].astype(np.intp), axis=-1)
    return -picked[..., 0]


def _sparse_xent_grad(g, y, labels, logits):
    depth = logits._value.shape[-1]
    return _expand(g, logits._value.ndim - 1) * (softmax(logits) - one_hot(labels, depth, dtype=logits.dtype))


_sparse_xent_op = Op("SparseSoftmaxCrossEntropyWithLogits", _sparse_xent_kernel, (None, _sparse_xent_grad))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: str | None = None):
    """`tf.nn.sparse_softmax_cross_entropy_with_logits`: -log_softmax(logits)[label] for integer
    class labels of shape `logits.shape[:-1]`; a label outside [0, classes) is an error."""
    op = _sparse_xent_op
    labels, logits = tensor(labels), tensor(logits)
    if logits._value.ndim == 0:
        raise ValueError(f"`logits` cannot be a scalar. Received logits={logits._value!r}`")
    if not TensorShape(labels._value.shape).is_compatible_with(logits._value.shape[:-1]):
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last dimension. Received: "
                         f"labels.shape={labels._value.shape} and logits.shape={logits._value.shape}")
    if logits.dtype not in FLOATS:
        raise unsupported_error(op, logits.dtype, FLOATS)
    if labels.dtype not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'Tlabels' of {labels.dtype.name} is not in the list of allowed "
                        f"values: int32, int64 [Op:{op.name}]")
    return bind(op, (labels, logits))


def _sigmoid_xent_kernel(labels, logits):
    # max(x, 0) - x z + log(1 + exp(-|x|)): no overflow for any x.
    return np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))


_sigmoid_xent_op = Op("SigmoidCrossEntropyWithLogits", _sigmoid_xent_kernel, (
    lambda g, y, labels, logits: -g * logits,
    lambda g, y, labels, logits: g * (sigmoid(logits) - labels),
))


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None):
    """`tf.nn.sigmoid_cross_entropy_with_logits`: elementwise -z log(sigmoid(x)) - (1 - z) log(1 -
    sigmoid(x)) in TF's stable form max(x, 0) - x z + log1p(exp(-|x|)); labels z get -x as gradient."""
    op = _sigmoid_xent_op
    labels, logits = tensor(labels), tensor(logits)
    if labels._value.shape != logits._value.shape:
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({logits._value.shape} vs {labels._value.shape}).")
    if logits.dtype not in FLOATS:
        raise unsupported_error(op, logits.dtype, FLOATS)
    if labels.dtype != logits.dtype:
        raise mismatch_error(op, logits.dtype, 1, labels.dtype)
    return bind(op, (labels, logits))


# ---- l2_loss, bias_add ------------------------------------------------------------------------

_l2_loss_op = Op("L2Loss", lambda t: np.sum(np.square(t), dtype=t.dtype) / 2, (lambda g, y, t: g * t,))


def l2_loss(t: Any, name: str | None = None):
    """`tf.nn.l2_loss`: sum(t ** 2) / 2, a scalar of t's dtype."""
    t = tensor(t)
    if t.dtype not in FLOATS:
        raise unsupported_error(_l2_loss_op, t.dtype, FLOATS)
    return bind(_l2_loss_op, (t,))


def _bias_add_kernel(value, bias, channel, *, out=None):
    bias = bias.reshape(bias.shape + (1,) * (value.ndim - 1 - channel))
    return value + bias if out is None else np.add(value, bias, out=out)


def _bias_grad(g, y, value, bias, channel):
    axes = tuple(i for i in range(value._value.ndim) if i != channel)
    return reduce_sum(g, axes)


_bias_add_op = Op("BiasAdd", _bias_add_kernel, (lambda g, y, value, bias, channel: g, _bias_grad))


def bias_add(value: Any, bias: Any, data_format: str | None = None, name: str | None = None):
    """`tf.nn.bias_add`: adds the 1-D `bias` along the channel axis of `value`: the last (`N...C`,
    the default, e.g. NHWC) or the second (`NC...`, e.g. NCHW)."""
    op = _bias_add_op
    if data_format is not None and not data_format.startswith("NC") and not (
            data_format.startswith("N") and data_format.endswith("C")):
        raise ValueError(f"`data_format` must be of the form `N...C` or `NC...`. Received: "
                         f"data_format={data_format}")
    value, bias = operands(value, bias)
    if value.dtype not in NUMERIC:
        raise unsupported_error(op, value.dtype, NUMERIC)
    if bias.dtype != value.dtype:
        raise mismatch_error(op, value.dtype, 1, bias.dtype)
    shape, bias_shape = list(value._value.shape), list(bias._value.shape)
    if len(shape) < 2:
        raise errors.InvalidArgumentError(None, None, f"Input tensor must be at least 2D: {shape} "
                                                      f"[Op:BiasAdd]")
    if len(bias_shape) != 1:
        raise errors.InvalidArgumentError(None, None, f"Biases must be 1D: {bias_shape} [Op:BiasAdd]")
    channel = 1 if data_format is not None and data_format.startswith("NC") else len(shape) - 1
    if bias_shape[0] != shape[channel]:
        side = "last" if channel == len(shape) - 1 else "channel"
        raise errors.InvalidArgumentError(
            None, None, f"Must provide as many biases as the {side} dimension of the input tensor: "
                        f"{bias_shape} vs. {shape} [Op:BiasAdd]")
    return bind(op, (value, bias), {"channel": channel})


# ---- composites: moments, normalization -------------------------------------------------------

def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: str | None = None) -> tuple:
    """`tf.nn.moments`: the mean and variance of `x` over `axes`. (TensorFlow stops the gradient
    through the mean inside the variance: the same first derivative, since the deviations sum to
    zero, but second derivatives without the mean's terms; here they are exact.)"""
    x = tensor(x)
    axes = normalize_axis(axes, x._value.ndim, "Mean")
    mean = reduce_mean(x, axes, keepdims=True)
    variance = reduce_mean(math_ops.squared_difference(x, mean), axes, keepdims=True)
    if keepdims or not axes:
        return mean, variance
    return squeeze(mean, axes), squeeze(variance, axes)


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12, name: str | None = None, dim: Any = None):
    """`tf.math.l2_normalize`: x / sqrt(max(sum(|x| ** 2), epsilon)) along `axis` (all axes by default);
    TensorFlow's complex path scales the real and imaginary parts. `epsilon` must convert to x's dtype
    (a TypeError for integers, as in TensorFlow)."""
    x = tensor(x)
    axis = dim if axis is None and dim is not None else axis
    if x.dtype.is_complex:
        re, im = math_ops.real(x), math_ops.imag(x)
        squares = reduce_sum(math_ops.square(re) + math_ops.square(im), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(squares, convert_to_tensor(epsilon, dtype=re.dtype)))
        return math_ops.complex(re * inv_norm, im * inv_norm)
    squares = reduce_sum(math_ops.square(x), axis, keepdims=True)
    return x * math_ops.rsqrt(math_ops.maximum(squares, convert_to_tensor(epsilon, dtype=x.dtype)))


def log_sigmoid(x: Any, name: str | None = None):
    """`tf.math.log_sigmoid`: log(1 / (1 + exp(-x))) = -softplus(-x), with no overflow."""
    return -softplus(-tensor(x))


def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: str | None = None):
    """`tf.nn.embedding_lookup`: the rows of `params` (a tensor, a variable, or a one-element list of
    either) at `ids`; a gather, so its gradient is sparse rows (IndexedSlices), as in TensorFlow."""
    if isinstance(params, list | tuple):
        if len(params) != 1:
            raise NotImplementedError("tf.nn.embedding_lookup over several shards is not supported: "
                                      "concatenate them first.")
        params = params[0]
    rows = gather(params, ids)
    if max_norm is not None:  # rows longer than max_norm are scaled down to it
        norms = math_ops.sqrt(reduce_sum(math_ops.square(rows), axis=-1, keepdims=True))
        limit = math_ops.cast(max_norm, rows.dtype)
        rows = rows * math_ops.minimum(1.0, limit / math_ops.maximum(norms, 1e-30))
    return rows
