"""tf.boolean_mask and tf.meshgrid: values against NumPy, TensorFlow's errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = np.arange(12.0).reshape(3, 4) * 0.5 - 2.0


@pytest.mark.parametrize("mask, axis", [
    ([True, False, True], None), ([[True, False, True, False]] * 3, None), ([True, False, True, True], 1),
    ([0, 1, 1], 0), ([False, False, False], 0)])
def test_boolean_mask_matches_numpy(mask, axis):
    m = np.asarray(mask).astype(bool)
    expected = X[m] if axis in (None, 0) else X[:, m]
    np.testing.assert_array_equal(tf.boolean_mask(X, mask, axis=axis).numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_first_and_second_order(dtype):
    weights = [1.0, 2.0, 3.0, 4.0]
    check_gradients(lambda t: tf.boolean_mask(t * t, [True, False, True]) * weights, X, dtype=dtype)
    check_gradients(lambda a, b: [g * g for g in tf.meshgrid(a, b)][0] * tf.meshgrid(a, b)[1],
                    np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0]), dtype=dtype)


def test_meshgrid_matches_numpy():
    a, b, c = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0]), np.array([6.0, 7.0, 8.0, 9.0])
    for indexing in ("xy", "ij"):
        expected = np.meshgrid(a, b, c, indexing=indexing)
        for got, want in zip(tf.meshgrid(a, b, c, indexing=indexing), expected, strict=True):
            np.testing.assert_array_equal(got.numpy(), want)


def test_boolean_mask_with_a_constant_mask_inside_tf_function_and_errors():
    f = tf.function(lambda x: tf.boolean_mask(x, [True, False, True]))
    np.testing.assert_array_equal(f(tf.constant(X)).numpy(), X[[0, 2]])
    g = tf.function(lambda x, m: tf.boolean_mask(x, m))  # a traced mask: a result of unknown length
    np.testing.assert_array_equal(g(tf.constant(X), tf.constant([True, False, True])).numpy(), X[[0, 2]])
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        tf.boolean_mask(X, [True, False])
    with pytest.raises(ValueError, match="mask cannot be scalar"):
        tf.boolean_mask(X, True)
    with pytest.raises(ValueError, match="must be either 'xy' or 'ij', got 'zz'"):
        tf.meshgrid([1], indexing="zz")
