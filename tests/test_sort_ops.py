"""tf.sort, tf.argsort, tf.math.top_k: values against NumPy, TensorFlow's tie order and errors, and
gradients to second order (each output's gradient goes back to the element it came from)."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

RNG = np.random.default_rng(5)
TIES = np.array([[3.0, 1.0, 3.0, 2.0], [0.0, 5.0, 5.0, -1.0]])


@pytest.mark.parametrize("shape, axis", [((5,), 0), ((2, 4), -1), ((2, 4), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("direction", ["ASCENDING", "DESCENDING"])
def test_sort_and_argsort_match_numpy(shape, axis, direction):
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32)  # distinct values
    expected = np.sort(x, axis=axis)
    order = np.argsort(x, axis=axis)
    if direction == "DESCENDING":
        expected, order = np.flip(expected, axis), np.flip(order, axis)
    np.testing.assert_array_equal(tf.sort(x, axis=axis, direction=direction).numpy(), expected)
    got = tf.argsort(x, axis=axis, direction=direction)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), order)


def test_ties_keep_index_order_as_in_tensorflow():
    assert tf.argsort(TIES).numpy().tolist() == [[1, 3, 0, 2], [3, 0, 1, 2]]
    assert tf.argsort(TIES, direction="DESCENDING").numpy().tolist() == [[0, 2, 3, 1], [1, 2, 0, 3]]
    values, indices = tf.math.top_k(TIES, k=2)
    assert values.numpy().tolist() == [[3.0, 3.0], [5.0, 5.0]]
    assert indices.numpy().tolist() == [[0, 2], [1, 2]]
    assert tf.nn.top_k([1, 3, 2], 2).indices.numpy().tolist() == [1, 2]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_follow_each_element(dtype):
    x = RNG.permutation(12).reshape(3, 4) * 0.25 + 0.5
    check_gradients(lambda t: tf.sort(t * t, axis=0) * [[1.0], [2.0], [3.0]], x, dtype=dtype)
    check_gradients(lambda t: tf.sort(t * t, direction="DESCENDING") * [1.0, 2.0, 3.0, 4.0], x, dtype=dtype)
    check_gradients(lambda t: tf.math.top_k(t * t, k=2).values * [1.0, 3.0], x, dtype=dtype)


def test_inside_a_traced_function():
    f = tf.function(lambda x: tf.math.top_k(x, k=2))
    result = f(tf.constant(TIES, tf.float32))
    assert result.indices.numpy().tolist() == [[0, 2], [1, 2]]
    assert tf.function(lambda x: tf.sort(x, axis=0))(tf.constant(TIES)).numpy().tolist() == np.sort(
        TIES, axis=0).tolist()


def test_errors_are_tensorflow_s():
    with pytest.raises(ValueError, match="should be one of ASCENDING, DESCENDING. Received: direction=UP"):
        tf.sort(TIES, direction="UP")
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least k columns. Had 4, needed 5"):
        tf.math.top_k(TIES, k=5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="slice index 2 of dimension 0 out of bounds"):
        tf.sort(TIES, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'T' of bool"):
        tf.argsort(tf.constant([True]))
