"""tf.gradients and tf.hessians inside tf.function: values recorded from TensorFlow 2.21."""

import numpy as np
import pytest

import tapeflow as tf


def test_gradients_and_hessians_match_tensorflow():
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x):
        y = tf.reduce_sum(x * x * v) + tf.reduce_sum(tf.sin(x))
        z = x * 3.0
        g = tf.gradients(y, [x, v])
        g2 = tf.gradients([y, z], x, grad_ys=[tf.constant(2.0), tf.ones([2])])
        h = tf.hessians(y, x)
        u = tf.gradients(tf.reduce_sum(x), v)
        u0 = tf.gradients(tf.reduce_sum(x), v, unconnected_gradients="zero")
        return g, g2, h, u, u0

    g, g2, h, u, u0 = f(tf.constant([0.5, -1.0]))
    np.testing.assert_allclose(g[0].numpy(), [1.8775826, -3.4596977], rtol=1e-6)
    np.testing.assert_allclose(g[1].numpy(), [0.25, 1.0])
    np.testing.assert_allclose(g2[0].numpy(), [6.755165, -3.9193954], rtol=1e-6)
    np.testing.assert_allclose(h[0].numpy(), [[1.5205745, 0.0], [0.0, 4.8414707]], rtol=1e-6)
    assert u == [None] and u0[0].numpy().tolist() == [0.0, 0.0]


def test_gradients_through_control_flow_in_the_graph():
    @tf.function
    def f(x, n):
        y = x
        for _ in tf.range(n):
            y = tf.sin(y) * x
        return tf.gradients(y, x)[0]

    x = tf.constant(0.8)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        for _ in range(3):
            y = tf.sin(y) * x
    np.testing.assert_allclose(f(x, tf.constant(3)).numpy(), tape.gradient(y, x).numpy(), rtol=1e-5)


def test_eagerly_it_is_tensorflows_error():
    with pytest.raises(RuntimeError, match="tf.gradients is not supported when eager execution is enabled"):
        tf.gradients(tf.constant(1.0), tf.constant(2.0))
