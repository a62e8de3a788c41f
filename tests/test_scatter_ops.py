"""tf.gather_nd and tf.scatter_nd: values against NumPy, batch_dims, repeated coordinates, TensorFlow's
errors, and gradients to second order (each is the other's gradient)."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

P = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("indices", [
    [[0, 1], [1, 2]], [[[0, 1, 2]], [[1, 0, 3]]], [[1], [0], [1]], [[0, 2, 3]]])
def test_gather_nd_matches_numpy_indexing(indices):
    idx = np.array(indices)
    np.testing.assert_array_equal(tf.gather_nd(P, indices).numpy(), P[tuple(np.moveaxis(idx, -1, 0))])


def test_gather_nd_batch_dims():
    got = tf.gather_nd(P, [[1], [0]], batch_dims=1)
    np.testing.assert_array_equal(got.numpy(), np.stack([P[0, 1], P[1, 0]]))
    got = tf.gather_nd(P, [[[1, 3], [0, 0]], [[2, 1], [1, 2]]], batch_dims=1)
    np.testing.assert_array_equal(got.numpy(), [[P[0, 1, 3], P[0, 0, 0]], [P[1, 2, 1], P[1, 1, 2]]])


def test_scatter_nd_adds_repeated_coordinates():
    assert tf.scatter_nd([[0], [2], [0]], [1.0, 2.0, 3.0], [4]).numpy().tolist() == [4.0, 0.0, 2.0, 0.0]
    got = tf.scatter_nd([[0, 1], [1, 1]], [[1.0, 2.0], [3.0, 4.0]], [2, 2, 2])
    assert got.numpy().tolist() == [[[0, 0], [1, 2]], [[0, 0], [3, 4]]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_first_and_second_order(dtype):
    x = np.array([[1.0, 2.0, -0.5], [3.0, -4.0, 0.25]])
    check_gradients(lambda t: tf.gather_nd(t * t, [[0, 0], [0, 0], [1, 2]]), x, dtype=dtype)
    check_gradients(lambda t: tf.gather_nd(t * t, [[1], [0]], batch_dims=0), x, dtype=dtype)
    check_gradients(lambda u: tf.scatter_nd([[1], [0], [1]], u * u, [2, 3]), x[[0, 1, 0]], dtype=dtype)


def test_repeated_coordinates_sum_their_gradients():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather_nd(x, [[0, 0], [0, 0], [1, 1]])
    assert tape.gradient(y, x).numpy().tolist() == [[2.0, 0.0], [0.0, 1.0]]


def test_inside_a_traced_function():
    f = tf.function(lambda p, i: tf.gather_nd(p, i))
    np.testing.assert_array_equal(f(tf.constant(P), tf.constant([[1, 2]])).numpy(), [P[1, 2]])


def test_errors_are_tensorflow_s():
    E = tf.errors.InvalidArgumentError
    with pytest.raises(E, match=r"indices\[0\] = \[5, 0\] does not index into param"):
        tf.gather_nd(P, [[5, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'Tindices' of float"):
        tf.gather_nd(P, [[0.5]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="saw: 4 vs. 3"):
        tf.gather_nd(P, [[0, 0, 0, 0]])
    with pytest.raises(E, match=r"indices\[0\] = \[5\] does not index into shape"):
        tf.scatter_nd([[5]], [1.0], [4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must match dimensions \[0,1\) of updates"):
        tf.scatter_nd([[0]], [1.0, 2.0], [4])


T = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_tensor_scatter_updates_a_copy():
    t = tf.constant(T)
    assert tf.tensor_scatter_nd_update(t, [[0], [2]], [[9.0, 9.0], [7.0, 7.0]]).numpy().tolist() == [
        [9, 9], [3, 4], [7, 7]]
    assert tf.tensor_scatter_nd_add(t, [[0, 1], [0, 1]], [10.0, 20.0]).numpy().tolist() == [
        [1, 32], [3, 4], [5, 6]]
    assert tf.tensor_scatter_nd_sub(t, [[1]], [[1.0, 1.0]]).numpy().tolist() == [[1, 2], [2, 3], [5, 6]]
    assert t.numpy().tolist() == T.tolist()


@pytest.mark.parametrize("scatter", [tf.tensor_scatter_nd_update, tf.tensor_scatter_nd_add,
                                     tf.tensor_scatter_nd_sub])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tensor_scatter_gradients_first_and_second_order(scatter, dtype):
    """Overwritten elements get no gradient from an update; added ones pass it on."""
    check_gradients(lambda t, u: scatter(t * t, [[0], [2]], u * u) * [[1.0, 2.0]], T,
                    np.array([[9.0, 8.0], [7.0, 6.0]]), dtype=dtype)


def test_tensor_scatter_errors():
    E = tf.errors.InvalidArgumentError
    with pytest.raises(E, match=r"\[5\] does not index into shape \[3,2\] \[Op:TensorScatterUpdate"):
        tf.tensor_scatter_nd_update(T, [[5]], [[1.0, 1.0]])
    with pytest.raises(E, match="Outer dimensions of indices and update must match"):
        tf.tensor_scatter_nd_add(T, [[0]], [1.0, 1.0, 1.0])
    with pytest.raises(E, match="Inner dimensions of output shape"):
        tf.tensor_scatter_nd_add(T, [[0]], [[1.0, 1.0, 1.0]])
    with pytest.raises(E, match="expected to be a double tensor but is a int32"):
        tf.tensor_scatter_nd_update(T, [[0]], tf.constant([[1, 1]]))
