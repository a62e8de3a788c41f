"""tf.repeat and tf.roll: values against NumPy, TensorFlow's errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = np.array([[1.0, 2.0, -3.0], [4.0, -0.5, 6.0]])


@pytest.mark.parametrize("repeats, axis", [(2, None), ([1, 2], 0), (2, -1), ([0, 3, 1], 1), (3, 0)])
def test_repeat_matches_numpy(repeats, axis):
    np.testing.assert_array_equal(tf.repeat(X, repeats, axis=axis).numpy(), np.repeat(X, repeats, axis=axis))


@pytest.mark.parametrize("shift, axis", [
    (1, 1), ([1, -1], [0, 1]), ([1, 1], [1, 1]), (5, 0), (-4, -1), (0, 0)])
def test_roll_matches_numpy(shift, axis):
    np.testing.assert_array_equal(tf.roll(X, shift, axis).numpy(), np.roll(X, shift, axis))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_first_and_second_order(dtype):
    check_gradients(lambda t: tf.repeat(t * t, [1, 2], axis=0) * [[1.0], [2.0], [3.0]], X, dtype=dtype)
    check_gradients(lambda t: tf.repeat(t * t, 2) * np.arange(12.0), X, dtype=dtype)
    check_gradients(lambda t: tf.roll(t * t, [1, -1], [0, 1]) * [1.0, 2.0, 3.0], X, dtype=dtype)


def test_errors_are_tensorflow_s():
    with pytest.raises(tf.errors.InvalidArgumentError, match="shift and axis must have the same size"):
        tf.roll(X, [1, 2], [0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="axis 2 is out of range"):
        tf.roll(X, 1, 2)
    with pytest.raises(ValueError, match="Dimensions 2 and 3 are not compatible"):
        tf.repeat(X, [1, 2, 3], axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Expected multiples"):
        tf.repeat(X, -1)
    with pytest.raises(ValueError, match="axis=3 out of bounds: expected -2<=axis<2"):
        tf.repeat(X, 1, axis=3)
