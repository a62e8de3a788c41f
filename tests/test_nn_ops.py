"""tf.nn: activation values (TF's observed numbers), gradient edge cases, losses, errors, and
gradient checks to second order."""

import math

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

RNG = np.random.default_rng(2)
FLOAT_TYPES = [np.float64, np.float32]
X5 = np.array([-3.0, -0.5, 0.0, 0.5, 3.0], np.float32)


def grad(f, *xs):
    xs = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        for x in xs:
            tape.watch(x)
        y = f(*xs)
    grads = tape.gradient(y, xs)
    return [g.numpy() for g in grads] if len(grads) > 1 else grads[0].numpy()


# ---- values (TF 2.21 observations, FACTS.md section 8) ----------------------------------------

@pytest.mark.parametrize("f, expected", [
    (tf.nn.relu, [0.0, 0.0, 0.0, 0.5, 3.0]),
    (tf.nn.relu6, [0.0, 0.0, 0.0, 0.5, 3.0]),
    (tf.nn.leaky_relu, [-0.6, -0.1, 0.0, 0.5, 3.0]),
    (tf.nn.elu, [-0.95021296, -0.39346933, 0.0, 0.5, 3.0]),
    (tf.nn.selu, [-1.6705687, -0.69175816, 0.0, 0.5253505, 3.152103]),
    (tf.nn.gelu, [-0.0040497, -0.15426877, 0.0, 0.34573123, 2.9959502]),
    (lambda x: tf.nn.gelu(x, approximate=True), [-0.00363743, -0.154286, 0.0, 0.345714, 2.9963627]),
    (tf.nn.silu, [-0.14227763, -0.18877034, 0.0, 0.31122968, 2.8577223]),
    (tf.nn.swish, [-0.14227763, -0.18877034, 0.0, 0.31122968, 2.8577223]),
    (tf.nn.sigmoid, [0.04742587, 0.37754068, 0.5, 0.62245935, 0.95257413]),
    (tf.nn.softplus, [0.04858735, 0.474077, 0.6931472, 0.974077, 3.0485873]),
    (tf.nn.tanh, np.tanh(X5)),
])
def test_activation_values(f, expected):
    out = f(tf.constant(X5))
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=5e-5, atol=1e-6)


def test_selu_constants_in_float64():
    out = tf.nn.selu(tf.constant([-1.0, 1.0, -100.0], tf.float64)).numpy()
    expected = [-1.1113307378125628, 1.0507009873554805, -1.7580993408473768]
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_activation_dtypes_and_parameters():
    relu_int = tf.nn.relu(tf.constant([-1, 2], tf.int8))
    assert relu_int.dtype == tf.int8 and relu_int.numpy().tolist() == [0, 2]
    assert tf.nn.relu6(tf.constant([-1, 7])).numpy().tolist() == [0, 6]
    assert np.isnan(tf.nn.relu(tf.constant([np.nan])).numpy()[0])
    leaky_int = tf.nn.leaky_relu(tf.constant([-1, 2]))  # integers are cast to float32 (TF)
    assert leaky_int.dtype == tf.float32
    np.testing.assert_allclose(leaky_int.numpy(), [-0.2, 2.0])
    np.testing.assert_allclose(tf.nn.leaky_relu(tf.constant([-1.0, 2.0]), alpha=2.0).numpy(), [-2.0, 2.0])
    silu = tf.nn.silu(tf.constant([-1.0, 2.0]), beta=2.0)
    np.testing.assert_allclose(silu.numpy(), [-0.11920292, 1.9640275], rtol=1e-6)
    assert tf.nn.l2_loss(tf.constant([1.0, 2.0])).numpy() == 2.5
    assert tf.nn.l2_loss(tf.constant(3.0, tf.float64)).dtype == tf.float64


@pytest.mark.parametrize("call, error", [
    (lambda: tf.nn.relu(tf.constant([True])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.relu(tf.constant([1 + 1j])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.elu(tf.constant([1])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.selu(tf.constant([1])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.gelu(tf.constant([1])), ValueError),
    (lambda: tf.nn.silu(tf.constant([1])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.l2_loss(tf.constant([1, 2])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.softmax(tf.constant([1, 2])), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.softmax(tf.ones([2, 3]), axis=2), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.log_softmax(tf.ones([2, 3]), axis=-3), tf.errors.InvalidArgumentError),
    (lambda: tf.nn.softmax(tf.constant(1.0)), tf.errors.InvalidArgumentError),
])
def test_activation_errors(call, error):
    with pytest.raises(error):
        call()


# ---- gradient edge cases (FACTS.md: tie rules) -------------------------------------------------

@pytest.mark.parametrize("f, x, expected", [
    (tf.nn.relu, [-1.0, 0.0, 1.0], [0.0, 0.0, 1.0]),
    (tf.nn.relu6, [0.0, 3.0, 6.0, 7.0], [0.0, 1.0, 0.0, 0.0]),
    (tf.nn.leaky_relu, [-1.0, 0.0, 1.0], [0.2, 0.2, 1.0]),
    (tf.nn.elu, [-1.0, 0.0, 1.0], [0.36787945, 1.0, 1.0]),
    (tf.nn.selu, [0.0], [1.0507009873554805]),
    (tf.nn.gelu, [-1.0, 0.0, 1.0], [-0.08331549, 0.5, 1.0833155]),
    (tf.nn.softmax, [1.0, 2.0], [0.0, 0.0]),
])
def test_gradient_edge_cases(f, x, expected):
    np.testing.assert_allclose(grad(f, np.array(x, np.float32)), expected, rtol=1e-6, atol=1e-7)


# ---- gradient checks ---------------------------------------------------------------------------

# Points away from the kinks (0 for all, 6 for relu6) so finite differences are meaningful.
SMOOTH_POINTS = [np.array(0.7), np.array([-1.3, 0.4, 2.1]), np.array([[-0.6, 1.2], [3.1, -2.2]])]
ACTIVATIONS = [tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu, tf.nn.elu, tf.nn.selu, tf.nn.gelu,
               lambda x: tf.nn.gelu(x, approximate=True), tf.nn.silu, lambda x: tf.nn.silu(x, beta=1.5),
               tf.nn.sigmoid, tf.nn.softplus, tf.nn.tanh, tf.nn.l2_loss]


@pytest.mark.parametrize("f", ACTIVATIONS)
@pytest.mark.parametrize("x", SMOOTH_POINTS, ids=["scalar", "vector", "matrix"])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_activation_gradients(f, x, dtype):
    check_gradients(f, x, dtype=dtype)


@pytest.mark.parametrize("f", [tf.nn.softmax, tf.nn.log_softmax])
@pytest.mark.parametrize("shape, axis", [((3,), None), ((2, 3), None), ((2, 3), 0), ((2, 2, 3), 1)])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_softmax_gradients(f, shape, axis, dtype):
    check_gradients(lambda x: f(x, axis=axis), RNG.normal(size=shape), dtype=dtype)


def test_softmax_values_and_stability():
    x = RNG.normal(size=(2, 3))
    e = np.exp(x - x.max(axis=0))
    np.testing.assert_allclose(tf.nn.softmax(x, axis=0).numpy(), e / e.sum(axis=0))
    np.testing.assert_allclose(tf.nn.softmax(tf.constant([1.0, 2.0, 3.0])).numpy(),
                               [0.09003057, 0.24472848, 0.66524094], rtol=1e-6)
    np.testing.assert_allclose(tf.nn.log_softmax(tf.constant([1.0, 2.0, 3.0])).numpy(),
                               [-2.407606, -1.4076059, -0.40760595], rtol=1e-6)
    np.testing.assert_allclose(tf.nn.softmax(tf.constant([1000.0, 1000.0])).numpy(), [0.5, 0.5])
    np.testing.assert_allclose(tf.nn.log_softmax(tf.constant([[1.0, -np.inf]])).numpy(), [[0.0, -np.inf]])
    np.testing.assert_array_equal(tf.nn.softmax(tf.constant([[1.0, 1.0]]), axis=0).numpy(), [[1.0, 1.0]])


# ---- cross-entropies ---------------------------------------------------------------------------

def _log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _distribution(shape, axis=-1):
    p = RNG.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=axis, keepdims=True)


def test_softmax_cross_entropy_values():
    labels, logits = _distribution((3, 4)), RNG.normal(size=(3, 4))
    out = tf.nn.softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(out.numpy(), -(labels * _log_softmax(logits)).sum(-1))
    out0 = tf.nn.softmax_cross_entropy_with_logits(labels.T, logits.T, axis=0)
    np.testing.assert_allclose(out0.numpy(), out.numpy())
    broadcast = tf.nn.softmax_cross_entropy_with_logits(tf.constant([[0.5, 0.5]]),
                                                        tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(broadcast.numpy(), [0.8132616, 0.8132616], rtol=1e-6)
    mixed = tf.nn.softmax_cross_entropy_with_logits(tf.constant([0.5, 0.5]),
                                                    tf.constant([1.0, 2.0], tf.float64))
    assert mixed.dtype == tf.float64  # labels are cast to the logits' dtype (TF)
    np.testing.assert_allclose(mixed.numpy(), 0.8132616875182228)


def test_softmax_cross_entropy_gradients_are_tfs():
    # TF's logits gradient is softmax - labels even when labels do not sum to 1 (observed).
    g_labels, g_logits = grad(tf.nn.softmax_cross_entropy_with_logits,
                              np.array([0.2, 0.2], np.float32), np.array([1.0, 2.0], np.float32))
    np.testing.assert_allclose(g_labels, [1.3132616, 0.31326166], rtol=1e-6)
    np.testing.assert_allclose(g_logits, [0.06894143, 0.5310586], rtol=1e-6)


@pytest.mark.parametrize("shape, axis", [((3,), -1), ((2, 3), -1), ((3, 2), 0)])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_softmax_cross_entropy_gradient_checks(shape, axis, dtype):
    labels, logits = _distribution(shape, axis), RNG.normal(size=shape)
    check_gradients(lambda z, x: tf.nn.softmax_cross_entropy_with_logits(z, x, axis=axis), labels, logits,
                    dtype=dtype)


def test_sparse_softmax_cross_entropy_values():
    logits = RNG.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])
    out = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    np.testing.assert_allclose(out.numpy(), -_log_softmax(logits)[np.arange(4), labels])
    assert out.dtype == tf.float64
    scalar = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(1), tf.constant([1.0, 2.0]))
    assert scalar.shape == () and np.isclose(scalar.numpy(), 0.31326166)
    rank3 = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([[1, 0]], tf.int64),
                                                           tf.constant([[[1.0, 2.0], [3.0, 4.0]]]))
    np.testing.assert_allclose(rank3.numpy(), [[0.31326166, 1.3132616]], rtol=1e-6)


@pytest.mark.parametrize("labels, logits, error, message", [
    ([0, 5], np.ones((2, 3), np.float32), tf.errors.InvalidArgumentError,
     r"Received a label value of 5 which is outside the valid range of \[0, 3\)\.  Label values: 0 5"),
    ([0, -1], np.ones((2, 3), np.float32), tf.errors.InvalidArgumentError, "label value of -1"),
    ([0.0], np.ones((1, 3), np.float32), tf.errors.InvalidArgumentError, "Tlabels"),
    ([0, 1, 2], np.ones((1, 3), np.float32), ValueError, "labels.shape"),
    (0, np.float32(1.0), ValueError, "cannot be a scalar"),
    ([1], np.ones((1, 2), np.int32), tf.errors.InvalidArgumentError, "int32"),
])
def test_sparse_softmax_cross_entropy_errors(labels, logits, error, message):
    with pytest.raises(error, match=message):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 2, 3)])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_sparse_softmax_cross_entropy_gradient_checks(shape, dtype):
    labels = tf.constant(RNG.integers(0, shape[-1], size=shape[:-1]))
    check_gradients(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x),
                    RNG.normal(size=shape), dtype=dtype)


def test_sigmoid_cross_entropy_values_and_stability():
    labels, logits = RNG.uniform(size=(2, 3)), RNG.normal(size=(2, 3)) * 3
    p = 1 / (1 + np.exp(-logits))
    out = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
    np.testing.assert_allclose(out.numpy(), -labels * np.log(p) - (1 - labels) * np.log(1 - p))
    big = tf.nn.sigmoid_cross_entropy_with_logits(tf.constant([1.0, 0.0]), tf.constant([-200.0, 200.0]))
    np.testing.assert_allclose(big.numpy(), [200.0, 200.0])
    g_labels, g_logits = grad(tf.nn.sigmoid_cross_entropy_with_logits, np.array([0.3, 0.3]),
                              np.array([0.0, 2.0]))
    np.testing.assert_allclose(g_labels, [0.0, -2.0])  # TF observation
    np.testing.assert_allclose(g_logits, [0.2, 0.58079708])


@pytest.mark.parametrize("f, labels, logits, error", [
    (tf.nn.sigmoid_cross_entropy_with_logits, [1.0, 0.0], [1.0, 2.0, 3.0], ValueError),
    (tf.nn.sigmoid_cross_entropy_with_logits, [1.0, 0.0], np.array([1.0, 2.0]),
     tf.errors.InvalidArgumentError),
    (tf.nn.sigmoid_cross_entropy_with_logits, [1, 0], [1, 2], tf.errors.InvalidArgumentError),
    (tf.nn.softmax_cross_entropy_with_logits, [0.5, 0.5], [1.0, 2.0, 3.0], tf.errors.InvalidArgumentError),
    (tf.nn.softmax_cross_entropy_with_logits, [1, 0], [1, 2], tf.errors.InvalidArgumentError),
])
def test_cross_entropy_errors(f, labels, logits, error):
    with pytest.raises(error):
        f(tf.constant(labels), tf.constant(logits))


@pytest.mark.parametrize("x", SMOOTH_POINTS, ids=["scalar", "vector", "matrix"])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_sigmoid_cross_entropy_gradient_checks(x, dtype):
    labels = RNG.uniform(size=np.shape(x))
    check_gradients(lambda z, t: tf.nn.sigmoid_cross_entropy_with_logits(z, t), labels, x, dtype=dtype)


# ---- bias_add ----------------------------------------------------------------------------------

def test_bias_add_values():
    value, bias = RNG.normal(size=(2, 3, 4)), RNG.normal(size=4)
    np.testing.assert_allclose(tf.nn.bias_add(value, bias).numpy(), value + bias)
    np.testing.assert_allclose(tf.nn.bias_add(value, bias, data_format="N...C").numpy(), value + bias)
    channels_first = tf.nn.bias_add(value, bias[:3], data_format="NCHW").numpy()
    np.testing.assert_allclose(channels_first, value + bias[:3, None])
    as_int = tf.nn.bias_add(tf.ones([2, 3], tf.int32), [1, 2, 3])
    assert as_int.dtype == tf.int32 and as_int.numpy().tolist() == [[2, 3, 4]] * 2


@pytest.mark.parametrize("value, bias, kwargs, error, message", [
    (np.ones((2, 3), np.float32), np.ones(2, np.float32), {}, tf.errors.InvalidArgumentError,
     r"Must provide as many biases as the last dimension of the input tensor: \[2\] vs. \[2, 3\]"),
    (np.ones(3, np.float32), np.ones(3, np.float32), {}, tf.errors.InvalidArgumentError, "at least 2D"),
    (np.ones((2, 3), np.float32), np.ones((1, 3), np.float32), {}, tf.errors.InvalidArgumentError,
     "Biases must be 1D"),
    (np.ones((2, 3), np.float32), np.ones(3, np.int32), {}, tf.errors.InvalidArgumentError,
     r"input #1\(zero-based\) was expected to be a float tensor but is a int32 tensor \[Op:BiasAdd\]"),
    (np.ones((2, 3), np.float32), np.ones(3, np.float32), {"data_format": "XYZ"}, ValueError, "data_format"),
    (np.ones((1, 1), bool), np.ones(1, bool), {}, tf.errors.InvalidArgumentError, "bool"),
])
def test_bias_add_errors(value, bias, kwargs, error, message):
    with pytest.raises(error, match=message):
        tf.nn.bias_add(tf.constant(value), tf.constant(bias), **kwargs)


@pytest.mark.parametrize("shape, data_format", [((2, 3), None), ((2, 3, 2), "NHWC"), ((2, 3, 2), "NCHW"),
                                                ((1, 2, 2, 2), "NCHW")])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_bias_add_gradients(shape, data_format, dtype):
    channels = shape[1] if data_format == "NCHW" else shape[-1]
    check_gradients(lambda v, b: tf.nn.bias_add(v, b, data_format=data_format), RNG.normal(size=shape),
                    RNG.normal(size=channels), dtype=dtype)


def test_namespace():
    for name in ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "softmax",
                 "log_softmax", "softmax_cross_entropy_with_logits",
                 "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits", "l2_loss",
                 "bias_add", "sigmoid", "softplus", "tanh"]:
        assert callable(getattr(tf.nn, name)), name
    assert math.isclose(float(tf.nn.gelu(tf.constant(1.0))), 0.8413447, rel_tol=1e-6)


@pytest.mark.parametrize("activation", [tf.nn.relu, tf.nn.relu6, tf.nn.leaky_relu])
def test_second_order_gradients_through_piecewise_activations_are_zeros_not_none(activation):
    """TensorFlow's ReluGrad, Relu6Grad and LeakyReluGrad give zeros for their input's gradient, so
    what fed the activation is connected (zeros), not None — the autodiff guide's input-gradient
    regularisation example, whose numbers these are (TensorFlow 2.21)."""
    x = tf.reshape(tf.range(35, dtype=tf.float32), [7, 5]) / 35.0
    w = tf.Variable(tf.reshape(tf.range(50, dtype=tf.float32), [5, 10]) / 50.0)
    b = tf.Variable(tf.zeros([10]))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = activation(x @ w + b)
        penalty = tf.reduce_mean(tf.norm(inner.gradient(y, x), axis=1))
    dw, db = outer.gradient(penalty, [w, b])
    assert db is not None and not db.numpy().any()
    if activation is tf.nn.relu:
        np.testing.assert_allclose(float(tf.reduce_sum(dw)), 19.36592674255371, rtol=1e-6)


def test_float_attributes_are_float32_as_tensorflow_keeps_them():
    """TensorFlow keeps leaky_relu's alpha as a float32 attribute, and gelu's and silu's Python code casts
    float32 constants to the input's dtype: float64 results use the rounded values (recorded from TF 2.21)."""
    x = tf.constant([-1.5, -0.3, 0.0, 0.7, 2.5], tf.float64)
    assert tf.nn.leaky_relu(x, alpha=0.1).numpy().tolist() == [-0.15000000223517418, -0.030000000447034835,
                                                                0.0, 0.7, 2.5]
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.leaky_relu(x, alpha=0.1)
    assert tape.gradient(y, x).numpy().tolist() == [0.10000000149011612] * 3 + [1.0, 1.0]
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(), [-0.10021080689063545, -0.1146265739307599, 0.0,
                                                       0.5306254408252895, 2.484475834810659], rtol=1e-15)
    np.testing.assert_allclose(tf.nn.gelu(x, approximate=True).numpy(), [
        -0.10042842380005415, -0.11462907646195919, 0.0, 0.5305701345964369, 2.4849157333319907], rtol=1e-15)
    np.testing.assert_allclose(tf.nn.silu(x, beta=0.3).numpy(), [
        -0.5840411426989747, -0.14325455229478148, 0.0, 0.38661553814635913, 1.6979467641729244], rtol=1e-15)
