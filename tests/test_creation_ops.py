"""Creation ops and shape queries: TensorFlow's dtypes and errors; fill's gradient."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def test_zeros_ones_and_likes():
    assert tf.zeros([2, 3]).dtype == tf.float32 and tf.ones([2], tf.int32).numpy().tolist() == [1, 1]
    x = tf.constant([[1, 2], [3, 4]])
    assert tf.zeros_like(x).dtype == tf.int32 and tf.ones_like(x, dtype=tf.float64).dtype == tf.float64
    assert tf.ones_like(x).numpy().tolist() == [[1, 1], [1, 1]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Dimension -1 must be >= 0"):
        tf.zeros([-1])


def test_fill_and_its_gradient():
    assert tf.fill([2, 2], 7).numpy().tolist() == [[7, 7], [7, 7]]
    check_gradients(lambda v: tf.fill([2, 3], v) * tf.constant(np.arange(6.0).reshape(2, 3)), np.array(1.5))
    with pytest.raises(tf.errors.InvalidArgumentError, match="scalar"):
        tf.fill([2], [1.0, 2.0])


def test_range_dtypes_follow_tensorflow():
    assert tf.range(5).dtype == tf.int32 and tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(1.0, 2.0, 0.5).dtype == tf.float32 and tf.range(2**40, 2**40 + 2).dtype == tf.int64
    assert tf.range(5, 0, -2).numpy().tolist() == [5, 3, 1]
    assert tf.range(3, dtype=tf.float64).dtype == tf.float64
    with pytest.raises(tf.errors.InvalidArgumentError, match="delta != 0"):
        tf.range(0, 5, 0)


def test_linspace_eye_one_hot():
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 5).numpy(), [0, 0.25, 0.5, 0.75, 1.0])
    assert tf.linspace(0.0, 1.0, 3).dtype == tf.float32
    assert tf.eye(2).numpy().tolist() == [[1, 0], [0, 1]] and tf.eye(2, 3, batch_shape=[4]).shape == (4, 2, 3)
    hot = tf.one_hot([0, 2], 3)
    assert hot.dtype == tf.float32 and hot.numpy().tolist() == [[1, 0, 0], [0, 0, 1]]
    assert tf.one_hot([1], 2, on_value=5, off_value=-1).numpy().tolist() == [[-1, 5]]
    assert tf.one_hot([1, 0], 2, axis=0).numpy().tolist() == [[0, 1], [1, 0]]


def test_shape_size_rank():
    x = tf.zeros([2, 3, 4])
    assert tf.shape(x).numpy().tolist() == [2, 3, 4] and tf.shape(x).dtype == tf.int32
    assert int(tf.size(x)) == 24 and int(tf.rank(x)) == 3 and tf.rank(x).dtype == tf.int32


def test_comparisons_logic_and_predicates():
    x, y = tf.constant([1.0, 2.0, np.nan]), tf.constant([2.0, 2.0, 1.0])
    assert tf.greater_equal(x, y).numpy().tolist() == [False, True, False]
    assert tf.less_equal(x, y).numpy().tolist() == [True, True, False]
    assert tf.not_equal(x, y).numpy().tolist() == [True, False, True]
    assert tf.math.is_nan(x).numpy().tolist() == [False, False, True]
    assert tf.math.is_finite(x).numpy().tolist() == [True, True, False]
    assert not tf.math.is_inf(x).numpy().any()
    a, b = tf.constant([True, False]), tf.constant([True, True])
    assert tf.logical_and(a, b).numpy().tolist() == [True, False]
    assert tf.logical_or(a, b).numpy().tolist() == [True, True]
    assert tf.math.logical_xor(a, b).numpy().tolist() == [False, True]
    assert tf.logical_not(a).numpy().tolist() == [False, True]
    with pytest.raises(tf.errors.InvalidArgumentError, match="LogicalAnd"):
        tf.logical_and(tf.constant([1]), tf.constant([1]))


def test_integer_division_variants():
    assert tf.math.floordiv(tf.constant([-7, 7]), 2).numpy().tolist() == [-4, 3]
    assert tf.math.truncatediv(tf.constant([-7, 7]), 2).numpy().tolist() == [-3, 3]
    assert tf.math.truediv(tf.constant(1), tf.constant(4)).numpy() == 0.25


def test_complex_parts_and_conjugate_gradient():
    z = tf.constant([1 + 2j, 3 - 1j], tf.complex64)
    assert tf.math.real(z).dtype == tf.float32 and tf.math.imag(z).numpy().tolist() == [2.0, -1.0]
    assert tf.math.conj(z).numpy().tolist() == [1 - 2j, 3 + 1j]
    assert tf.math.conj(tf.constant(1.0)).dtype == tf.float32
    with tf.GradientTape() as tape:  # TensorFlow's convention: the gradient of x*x at x is conj(2x)
        tape.watch(z)
        y = z * z
    np.testing.assert_allclose(tape.gradient(y, z).numpy(), [2 - 4j, 6 + 2j])


def test_linspace_as_tensorflow_computes_it():
    assert tf.linspace(-2, 2, 5).dtype == tf.float64  # integers become float64, as in TF 2.21
    assert tf.linspace(-2, 2, 5).numpy().tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert tf.linspace([0.0, 1.0], [1.0, 2.0], 3).numpy().tolist() == [[0.0, 1.0], [0.5, 1.5], [1.0, 2.0]]
    assert tf.linspace([0.0, 1.0], [1.0, 2.0], 3, axis=-1).numpy().tolist() == [[0, 0.5, 1], [1, 1.5, 2]]
    assert tf.linspace(0.0, 1.0, 1).numpy().tolist() == [0.0] and tf.linspace(0.0, 1.0, 0).shape == (0,)
    # TensorFlow's float32 values: start + i * delta, not NumPy's
    assert tf.linspace(-10.0, 10.0, 201).numpy()[::37].tolist() == [
        -10.0, -6.300000190734863, -2.5999999046325684, 1.1000003814697266, 4.800000190734863, 8.5]
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.linspace(x, 3.0, 4) * [1.0, 2.0, 3.0, 4.0])
    assert float(tape.gradient(y, x)) == pytest.approx(10 / 3)  # TensorFlow's 3.3333333
