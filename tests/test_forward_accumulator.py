"""tf.autodiff.ForwardAccumulator: values recorded from TensorFlow 2.21; JVPs against finite
differences; forward-over-reverse Hessian-vector products; inside tf.function."""

import numpy as np
import pytest

import tapeflow as tf

x = tf.constant([1.0, 2.0])
v = tf.constant([0.5, -1.0])


def test_jvps_match_tensorflow():
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        y = tf.sin(x) * x
        z = tf.constant(3.0)
        w = tf.reduce_sum(y * y)
    np.testing.assert_allclose(acc.jvp(y).numpy(), [0.6908866, -0.07700372], rtol=1e-5)
    assert acc.jvp(z) is None and float(acc.jvp(z, unconnected_gradients="zero")) == 0.0
    np.testing.assert_allclose(float(acc.jvp(w)), 0.8826449, rtol=1e-5)
    both = acc.jvp([y, w])
    assert isinstance(both, list) and both[1].shape == ()


def test_forward_over_reverse_hessian_vector_product():
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(x) * x * x)
        g = tape.gradient(loss, x)
    np.testing.assert_allclose(acc.jvp(g).numpy(), [1.50134, 5.1477695], rtol=1e-5)  # TensorFlow's


def test_variables_and_tf_function():
    var = tf.Variable([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(var, tf.constant([1.0, 0.0])) as acc:
        y = var * var
    assert acc.jvp(y).numpy().tolist() == [2.0, 0.0]

    @tf.function
    def f(x, v):
        with tf.autodiff.ForwardAccumulator(x, v) as acc:
            y = tf.exp(x) * 2.0
        return acc.jvp(y)

    np.testing.assert_allclose(f(x, v).numpy(), [2.7182817, -14.778112], rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda a: tf.tanh(a) * tf.reduce_sum(a * a),
    lambda a: tf.nn.softmax(a * 3.0),
    lambda a: tf.matmul(tf.reshape(a, [2, 2]), tf.reshape(a, [2, 2]), transpose_b=True),
    lambda a: tf.reduce_logsumexp(tf.concat([a, a ** 3], 0)),
])
def test_jvps_are_directional_derivatives(fn):
    rng = np.random.default_rng(4)
    a, direction = rng.normal(size=4), rng.normal(size=4)
    primal = tf.constant(a)
    with tf.autodiff.ForwardAccumulator(primal, tf.constant(direction)) as acc:
        out = fn(primal)
    eps = 1e-6
    ahead, behind = fn(tf.constant(a + eps * direction)), fn(tf.constant(a - eps * direction))
    numeric = (ahead.numpy() - behind.numpy()) / (2 * eps)
    np.testing.assert_allclose(acc.jvp(out).numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_errors():
    with pytest.raises(ValueError, match="Mismatched shape"):
        tf.autodiff.ForwardAccumulator(x, tf.constant([1.0]))
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        tf.autodiff.ForwardAccumulator(x, tf.constant([1, 2]))
