"""tf.nn.moments, tf.math.l2_normalize, tf.nn.dropout, tf.math.log_sigmoid, tf.linalg.matvec and
tf.tensordot: values recorded from TensorFlow 2.21, its errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
rng = np.random.default_rng(3)


def test_values_match_tensorflow():
    x = tf.constant(X)
    mean, variance = tf.nn.moments(x, axes=[0])
    assert mean.numpy().tolist() == [2.5, 3.5, 4.5] and variance.numpy().tolist() == [2.25] * 3
    mean, variance = tf.nn.moments(x, axes=[0, 1], keepdims=True)
    assert mean.shape == (1, 1) and np.isclose(variance.numpy()[0, 0], 2.9166667)
    np.testing.assert_allclose(tf.math.l2_normalize(x, axis=1).numpy(),
                               [[0.26726124, 0.5345225, 0.8017837], [0.45584232, 0.5698029, 0.6837635]])
    np.testing.assert_allclose(tf.nn.l2_normalize(x).numpy()[0], [0.10482848, 0.20965695, 0.31448543])
    assert tf.nn.dropout(x, rate=0.0) is x
    assert tf.linalg.matvec(x, [1.0, 1.0, 1.0]).numpy().tolist() == [6.0, 15.0]
    assert tf.linalg.matvec(x, [1.0, 1.0], transpose_a=True).numpy().tolist() == [5.0, 7.0, 9.0]
    assert tf.tensordot(x, tf.ones([3, 2]), axes=1).numpy().tolist() == [[6.0, 6.0], [15.0, 15.0]]
    assert tf.tensordot(x, x, axes=[[0], [0]]).numpy().tolist() == [[17, 22, 27], [22, 29, 36], [27, 36, 45]]
    assert tf.tensordot(x, x, axes=0).shape == (2, 3, 2, 3) and float(tf.tensordot(x, x, axes=2)) == 91.0
    np.testing.assert_allclose(tf.math.log_sigmoid(tf.constant([-100.0, 0.0])).numpy(), [-100.0, -0.6931472])


def test_dropout_keeps_scaled_values_and_drops_the_rest():
    x = tf.ones([1000])
    dropped = tf.nn.dropout(x, rate=0.25, seed=1).numpy()
    assert set(np.unique(dropped)) <= {0.0, np.float32(1 / 0.75)}
    assert 0.65 < np.mean(dropped > 0) < 0.85
    rows = tf.nn.dropout(tf.ones([50, 4]), 0.5, noise_shape=[50, 1]).numpy()
    assert all(len(set(row)) == 1 for row in rows)  # whole rows kept or dropped


def test_dropout_inside_a_function_with_an_unknown_batch_draws_anew_each_call():
    f = tf.function(lambda x: tf.nn.dropout(x, 0.5), input_signature=[tf.TensorSpec([None, 8])])
    a, b = f(tf.ones([16, 8])).numpy(), f(tf.ones([16, 8])).numpy()
    assert a.shape == (16, 8) and not np.array_equal(a, b)


def test_errors():
    with pytest.raises(ValueError, match=r"`rate` must be a scalar tensor or a float in the range \[0, 1\)"):
        tf.nn.dropout(tf.constant(X), rate=1.0)
    with pytest.raises(ValueError, match="x_dtype=<dtype: 'int32'>"):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)
    with pytest.raises(ValueError, match="same length"):
        tf.tensordot(tf.constant(X), tf.constant(X), axes=[[0, 1], [0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_to_second_order(dtype):
    x = rng.normal(size=(3, 4))
    check_gradients(lambda t: tf.nn.moments(t, axes=[0])[1] + tf.nn.moments(t, axes=[1], keepdims=True)[0],
                    x, dtype=dtype)
    check_gradients(lambda t: tf.math.l2_normalize(t, axis=1), x, dtype=dtype)
    check_gradients(tf.math.log_sigmoid, x, dtype=dtype)
    check_gradients(lambda a, v: tf.linalg.matvec(a, v), x, rng.normal(size=4), dtype=dtype)
    check_gradients(lambda a, b: tf.tensordot(a, b, axes=[[0], [1]]), x, rng.normal(size=(2, 3)), dtype=dtype)


def test_l2_normalize_of_complex_and_integer_tensors():
    z = tf.Variable([[1 + 1j, 2 - 1j], [0.5j, 3.0]], dtype=tf.complex64)
    with tf.GradientTape() as tape:
        y = tf.math.l2_normalize(z, axis=1)
        s = tf.reduce_sum(tf.math.real(y * tf.constant([[1 - 2j, 0.5j], [2, 1 + 1j]], tf.complex64)))
    # TensorFlow's values and gradient
    np.testing.assert_allclose(y.numpy(), [[0.377964 + 0.377964j, 0.755929 - 0.377964j],
                                           [0.164399j, 0.986394]], rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(s, z).numpy(), [[0.188982 + 0.566947j, -0.377965],
                                                             [0.657596 - 0.053319j, 0.008886 - 0.328798j]],
                               rtol=1e-4, atol=1e-6)
    with pytest.raises(TypeError, match="Cannot convert 1e-12 to EagerTensor of dtype int8"):  # as TensorFlow
        tf.math.l2_normalize(tf.constant([1, 2], tf.int8))
