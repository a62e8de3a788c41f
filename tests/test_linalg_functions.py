"""tf.linalg inv, det, solve, cholesky, diag, diag_part, trace, matrix_transpose: values and
gradients recorded from TensorFlow 2.21, TensorFlow's errors, gradients to second order, batches."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

A = tf.constant([[4.0, 1.0], [2.0, 3.0]])
B = tf.constant([[1.0], [2.0]])
SPD = tf.constant([[4.0, 2.0], [2.0, 3.0]])
rng = np.random.default_rng(5)


def test_values_match_tensorflow():
    np.testing.assert_allclose(tf.linalg.inv(A).numpy(), [[0.3, -0.1], [-0.2, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(float(tf.linalg.det(A)), 10.0, rtol=1e-6)
    np.testing.assert_allclose(tf.linalg.solve(A, B).numpy(), [[0.1], [0.6]], rtol=1e-6)
    np.testing.assert_allclose(tf.linalg.cholesky(SPD).numpy(), [[2.0, 0.0], [1.0, 1.4142135]], rtol=1e-6)
    assert tf.linalg.diag([1.0, 2.0]).numpy().tolist() == [[1.0, 0.0], [0.0, 2.0]]
    assert tf.linalg.diag_part(A).numpy().tolist() == [4.0, 3.0] and float(tf.linalg.trace(A)) == 7.0
    assert tf.linalg.matrix_transpose(A).numpy().tolist() == [[4.0, 2.0], [1.0, 3.0]]


def test_gradients_match_tensorflow():
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([A, B, SPD])
        y1 = tf.reduce_sum(tf.linalg.inv(A) * [[1.0, 2.0], [3.0, 4.0]])
        y2 = tf.linalg.det(A)
        y3 = tf.reduce_sum(tf.linalg.solve(A, B) * [[1.0], [-1.0]])
        y4 = tf.reduce_sum(tf.linalg.cholesky(SPD) * [[1.0, 0.0], [2.0, 3.0]])
    expected = [(y1, A, [[0.07, 0.02], [-0.19, -0.34]]), (y2, A, [[3.0, -2.0], [-1.0, 4.0]]),
                (y3, A, [[-0.05, -0.3], [0.05, 0.3]]), (y3, B, [[0.5], [-0.5]]),
                (y4, SPD, [[0.26516503, -0.03033008], [-0.03033008, 1.0606601]])]
    for y, x, want in expected:
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), want, rtol=1e-5, atol=1e-6)


def well_conditioned(*batch):
    return rng.normal(size=(*batch, 3, 3)) + 3 * np.eye(3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_to_second_order_on_batches(dtype):
    check_gradients(tf.linalg.inv, well_conditioned(2), dtype=dtype)
    check_gradients(tf.linalg.det, well_conditioned(2), dtype=dtype)
    check_gradients(tf.linalg.solve, well_conditioned(2), rng.normal(size=(2, 3, 2)), dtype=dtype)
    check_gradients(lambda a, b: tf.linalg.solve(a, b, adjoint=True), well_conditioned(),
                    rng.normal(size=(3, 1)), dtype=dtype)
    check_gradients(lambda m: tf.linalg.cholesky(tf.matmul(m, m, transpose_b=True)), well_conditioned(2),
                    dtype=dtype)
    check_gradients(lambda m: tf.linalg.trace(m)[:, None, None] * tf.linalg.diag(tf.linalg.diag_part(m)),
                    well_conditioned(2), dtype=dtype)


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"not invertible. \[Op:MatrixInverse\]"):
        tf.linalg.inv(tf.constant([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix must be square"):
        tf.linalg.inv(tf.constant([[1.0, 2.0, 3.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky decomposition was not successful"):
        tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="same number of rows"):
        tf.linalg.solve(A, tf.ones([3, 1]))


def test_band_part_triangular_solve_slogdet_logdet_match_tensorflow():
    m = tf.reshape(tf.range(1.0, 10.0), [3, 3])
    assert tf.linalg.band_part(m, 0, -1).numpy().tolist() == [[1, 2, 3], [0, 5, 6], [0, 0, 9]]
    assert tf.linalg.band_part(m, 1, 0).numpy().tolist() == [[1, 0, 0], [4, 5, 0], [0, 8, 9]]
    lower, b = tf.constant([[2.0, 0.0], [1.0, 3.0]]), tf.constant([[2.0], [5.0]])
    np.testing.assert_allclose(tf.linalg.triangular_solve(lower, b).numpy(), [[1.0], [4 / 3]], rtol=1e-6)
    solved = tf.linalg.triangular_solve(lower, b, adjoint=True)
    np.testing.assert_allclose(solved.numpy(), [[1 / 6], [5 / 3]], rtol=1e-6)
    sign, log_abs = tf.linalg.slogdet(tf.constant([[0.0, 1.0], [1.0, 0.0]]))
    assert (float(sign), float(log_abs)) == (-1.0, 0.0)
    np.testing.assert_allclose(float(tf.linalg.logdet(SPD)), 2.0794415, rtol=1e-6)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([A, lower, b, SPD])
        y1 = tf.linalg.slogdet(A)[1]
        y2 = tf.reduce_sum(tf.linalg.triangular_solve(lower, b) * [[1.0], [2.0]])
        y3 = tf.linalg.logdet(SPD)
    np.testing.assert_allclose(tape.gradient(y1, A).numpy(), [[0.3, -0.2], [-0.1, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y2, lower).numpy(), [[-1 / 6, 0.0], [-2 / 3, -8 / 9]], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y2, b).numpy(), [[1 / 6], [2 / 3]], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(y3, SPD).numpy(), [[0.375, -0.25], [-0.25, 0.5]], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_more_gradients_to_second_order(dtype):
    triangular = np.tril(well_conditioned(2))
    check_gradients(lambda t, b: tf.linalg.triangular_solve(t, b), triangular, rng.normal(size=(2, 3, 2)),
                    dtype=dtype)
    upper = lambda t, b: tf.linalg.triangular_solve(  # noqa: E731
        tf.linalg.matrix_transpose(t), b, lower=False, adjoint=True)
    check_gradients(upper, triangular, rng.normal(size=(2, 3, 1)), dtype=dtype)
    check_gradients(lambda m: tf.linalg.slogdet(m)[1], well_conditioned(2), dtype=dtype)
    if dtype is np.float64:  # float32 finite differences of a log-determinant are too coarse to compare
        check_gradients(lambda m: tf.linalg.logdet(tf.matmul(m, m, transpose_b=True)), well_conditioned(),
                        dtype=dtype)
    check_gradients(lambda m: tf.linalg.band_part(m, 1, 0) * m, well_conditioned(), dtype=dtype)
    check_gradients(lambda p: tf.nn.embedding_lookup(p * p, [[2, 0], [1, 1]]), rng.normal(size=(3, 2)),
                    dtype=dtype)


def test_solvers_and_factorisations_trace_inside_tf_function():
    """Their kernels reject the stand-in zeros tracing could run them on: their shapes come by rule."""
    a = tf.constant(np.eye(3) * 2 + 0.1)
    for f in (tf.linalg.inv, tf.linalg.cholesky, lambda m: tf.linalg.solve(m, m[:, :1]),
              lambda m: tf.linalg.triangular_solve(m, m)):
        np.testing.assert_allclose(tf.function(f)(a).numpy(), f(a).numpy())
    batched = tf.function(lambda m, b: tf.linalg.triangular_solve(m, b),
                          input_signature=[tf.TensorSpec([None, 3, 3]), tf.TensorSpec([3, 2])])
    assert batched(tf.eye(3)[None] * 2, tf.ones([3, 2])).shape == (1, 3, 2)
