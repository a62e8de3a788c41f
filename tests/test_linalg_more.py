"""tf.linalg adjoint, normalize, cross, set_diag (k and align), tensor_diag, tensor_diag_part,
tridiagonal_solve and tridiagonal_matmul: values and gradients recorded from TensorFlow 2.21,
gradients to second order on batches, TensorFlow's errors, tf.function."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]
D = [[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0], [-7.0, -8.0, -9.0]]
# Compact tridiagonal diagonals (super, main, sub) and right-hand sides.
C = [[2.0, 1.0, 3.0, 0.0], [4.0, 5.0, 6.0, 7.0], [0.0, 1.0, 2.0, 3.0]]
R = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]
W = [[1.0, -1.0, 2.0, 0.5], [0.0, 3.0, 1.0, -2.0], [2.0, 1.0, 0.0, 1.0]]

rng = np.random.default_rng(3)


def assert_close(actual, expected, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol)


def tridiagonal(*batch, m=4):
    """Random compact diagonals of diagonally dominant (well-conditioned) matrices."""
    return rng.normal(size=(*batch, 3, m)) + np.array([0.0, 4.0, 0.0])[:, None]


def test_adjoint_normalize_cross_match_tensorflow():
    adjoint = tf.linalg.adjoint(tf.constant([[1 + 1j, 2 - 1j]]))
    assert adjoint.dtype == tf.complex128 and adjoint.numpy().tolist() == [[1 - 1j], [2 + 1j]]
    assert tf.linalg.adjoint(tf.ones([2, 3, 4])).shape == (2, 4, 3)
    normalized, norm = tf.linalg.normalize(tf.constant([[3.0, 4.0], [6.0, 8.0]]), axis=-1)
    assert_close(normalized, [[0.6, 0.8], [0.6, 0.8]])
    assert_close(norm, [[5.0], [10.0]])
    normalized, norm = tf.linalg.normalize(tf.constant([[3.0, 4.0], [6.0, 8.0]]), ord=1)
    assert_close(normalized, [[0.14285715, 0.1904762], [0.2857143, 0.3809524]])
    assert norm.shape == (1, 1) and float(norm[0, 0]) == 21.0
    product = tf.linalg.cross(tf.constant([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]]),
                              tf.constant([[4.0, 5.0, 6.0], [0.0, 0.0, 1.0]]))
    assert product.numpy().tolist() == [[-3.0, 6.0, -3.0], [1.0, 0.0, 0.0]]
    product = tf.linalg.cross([1, 2, 3], [4, 5, 6])
    assert product.dtype == tf.int32 and product.numpy().tolist() == [-3, 6, -3]


def test_diagonals_match_tensorflow():
    x = tf.constant(X)
    assert tf.linalg.set_diag(x, [-1.0, -2.0, -3.0]).numpy().tolist() == [
        [-1, 2, 3, 4], [5, -2, 7, 8], [9, 10, -3, 12]]
    assert tf.linalg.set_diag(x, [-1.0, -2.0, -3.0], k=1).numpy().tolist() == [
        [1, -1, 3, 4], [5, 6, -2, 8], [9, 10, 11, -3]]
    assert tf.linalg.set_diag(x, [-1.0, -2.0], k=-1).numpy().tolist() == [
        [1, 2, 3, 4], [-1, 6, 7, 8], [9, -2, 11, 12]]
    # A band of diagonals, upper first, shorter ones aligned as `align` says (super_sub).
    left_sub = [[-4, -1, 3, 4], [-7, -5, -2, 8], [9, -8, -6, -3]]
    right_sub = [[-4, -1, 3, 4], [-8, -5, -2, 8], [9, -9, -6, -3]]
    for align, expected in [("RIGHT_LEFT", left_sub), ("LEFT_RIGHT", right_sub), ("LEFT_LEFT", left_sub),
                            ("RIGHT_RIGHT", right_sub)]:
        assert tf.linalg.set_diag(x, D, k=(-1, 1), align=align).numpy().tolist() == expected, align
    assert tf.linalg.set_diag(x, D[:2], k=(1, 2)).numpy().tolist() == [
        [1, -4, -2, 4], [5, 6, -5, -3], [9, 10, 11, -6]]
    assert tf.linalg.set_diag(tf.zeros([2, 3, 3], tf.int32), [[1, 2, 3], [4, 5, 6]]).numpy()[1].tolist() == [
        [4, 0, 0], [0, 5, 0], [0, 0, 6]]
    assert tf.linalg.tensor_diag([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist() == [
        [[[1, 0], [0, 0]], [[0, 2], [0, 0]]], [[[0, 0], [3, 0]], [[0, 0], [0, 4]]]]
    assert tf.linalg.tensor_diag_part(tf.reshape(tf.range(36.0), [2, 3, 2, 3])).numpy().tolist() == [
        [0, 7, 14], [21, 28, 35]]
    assert float(tf.linalg.tensor_diag_part(tf.constant(1.5))) == 1.5


def test_tridiagonal_values_match_tensorflow():
    c, r = tf.constant(C), tf.constant(R)
    solved = [[-0.03531599, 0.13754648], [0.570632, 0.72490704], [0.18215616, 0.2379183],
              [0.92193305, 1.0408921]]
    assert_close(tf.linalg.tridiagonal_solve(c, r), solved)
    assert_close(tf.linalg.tridiagonal_solve(c, r[:, 0]), np.array(solved)[:, 0])
    assert_close(tf.linalg.tridiagonal_solve(c, r, partial_pivoting=False), solved)
    assert_close(tf.linalg.tridiagonal_solve(c, tf.transpose(r), transpose_rhs=True), solved)
    sequence = (c[0, :3], c[1], c[2, 1:])
    assert_close(tf.linalg.tridiagonal_solve(sequence, r, diagonals_format="sequence"), solved)
    matrix = tf.constant([[2.0, 1.0, 0.0, 0.0], [4.0, 5.0, 6.0, 0.0], [0.0, 1.0, 2.0, 3.0],
                          [0.0, 0.0, 2.0, 7.0]])
    assert_close(tf.linalg.tridiagonal_solve(matrix, r, diagonals_format="matrix"),
                 [[-1.6111109, -2.0], [4.222222, 6.0], [-1.9444442, -3.0], [1.5555555, 2.0]])
    # A small first pivot: row interchanges (or not) give TensorFlow's values; singular: NaNs.
    small_pivot = tf.constant([[1.0, 1.0, 0.0], [0.1, 0.2, 0.3], [0.0, 3.0, 2.0]])
    rhs = tf.constant([[1.0], [2.0], [3.0]])
    assert_close(tf.linalg.tridiagonal_solve(small_pivot, rhs), [[-0.42047533], [1.0420475], [3.0530164]])
    assert_close(tf.linalg.tridiagonal_solve(small_pivot, rhs, partial_pivoting=False),
                 [[-0.42047596], [1.0420476], [3.0530162]], rtol=2e-6)
    singular = tf.constant([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
    assert np.isnan(tf.linalg.tridiagonal_solve(singular, rhs)).all()

    product = [[10.0, 16.0], [21.0, 28.0], [57.0, 68.0], [64.0, 74.0]]
    assert tf.linalg.tridiagonal_matmul(c, r).numpy().tolist() == product
    by_sequence = tf.linalg.tridiagonal_matmul((c[0], c[1], c[2]), r, diagonals_format="sequence")
    assert by_sequence.numpy().tolist() == product
    assert tf.linalg.tridiagonal_matmul(matrix, r, diagonals_format="matrix").numpy().tolist() == [
        [5, 8], [49, 64], [34, 40], [59, 68]]


def test_gradients_match_tensorflow():
    a = tf.constant([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]], tf.float64)
    b = tf.constant([[4.0, 5.0, 6.0], [2.0, 0.0, 1.0]], tf.float64)
    x, d, c, r = (tf.constant(v, tf.float64) for v in (X, D, C, R))
    w = tf.constant(W, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b, x, d, c, r])
        y_cross = tf.reduce_sum(tf.linalg.cross(a, b) * [[1.0, 2.0, 3.0], [-1.0, 0.0, 2.0]])
        y_set = tf.reduce_sum(tf.linalg.set_diag(x, d, k=(-1, 1)) * w)
        y_solve = tf.reduce_sum(tf.linalg.tridiagonal_solve(c, r) * tf.transpose(w[:2]))
        y_matmul = tf.reduce_sum(tf.linalg.tridiagonal_matmul(c, r) * tf.transpose(w[:2]))
        y_normalize = tf.reduce_sum(tf.linalg.normalize(x, axis=-1)[0] * w)
    expected = [
        (y_cross, a, [[3.0, -6.0, 3.0], [0.0, -5.0, 0.0]]),
        (y_cross, b, [[0.0, 0.0, 0.0], [-2.0, 0.0, -1.0]]),
        (y_set, x, [[0.0, 0.0, 2.0, 0.5], [0.0, 0.0, 0.0, -2.0], [2.0, 0.0, 0.0, 0.0]]),
        (y_set, d, [[-1.0, 1.0, 1.0], [1.0, 3.0, 0.0], [0.0, 1.0, 0.0]]),
        (y_solve, c, [[-0.123315736, -0.028233441, -0.74775086, 0.0],
                      [0.032382775, -0.077369025, -0.156734982, 0.552010061],
                      [0.0, -0.094215116, -0.485306311, 0.122137616]]),
        (y_solve, r, [[0.388475836, -0.135687732], [-0.553903346, 0.542750929],
                      [0.496282528, 0.278810409], [-0.141263941, -0.405204461]]),
        (y_matmul, c, [[3.0, 13.0, 22.0, 0.0], [1.0, 9.0, 16.0, -12.5], [0.0, 5.0, 10.0, -9.5]]),
        (y_matmul, r, [[3.0, 3.0], [1.0, 17.0], [12.5, 3.0], [9.5, -11.0]]),
        (y_normalize, x, [[0.139973542, -0.267775473, 0.237346442, -0.079115481],
                          [-0.019605984, 0.203902232, 0.048361427, -0.182989183],
                          [0.056481906, 0.004883774, -0.046714358, -0.003609746]]),
    ]
    for y, source, want in expected:
        assert_close(tape.gradient(y, source), want, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_to_second_order(dtype):
    check_gradients(tf.linalg.cross, rng.normal(size=(2, 3)), rng.normal(size=(2, 3)), dtype=dtype)
    for k, diagonal in [(0, (2, 3)), (1, (2, 3)), ((-1, 1), (2, 3, 3)), ((-2, 0), (2, 3, 3))]:
        check_gradients(lambda x, d, k=k: tf.linalg.set_diag(x, d, k=k), rng.normal(size=(2, 3, 4)),
                        rng.normal(size=diagonal), dtype=dtype)
    check_gradients(tf.linalg.tensor_diag, rng.normal(size=(2, 2)), dtype=dtype)
    check_gradients(tf.linalg.tensor_diag_part, rng.normal(size=(2, 3, 2, 3)), dtype=dtype)
    check_gradients(lambda x: tf.linalg.normalize(x, axis=-1)[0], rng.normal(size=(2, 3)), dtype=dtype)
    for pivoting in (True, False):
        check_gradients(lambda d, b, p=pivoting: tf.linalg.tridiagonal_solve(d, b, partial_pivoting=p),
                        tridiagonal(2), rng.normal(size=(2, 4, 2)), dtype=dtype)
    check_gradients(tf.linalg.tridiagonal_solve, tridiagonal(), rng.normal(size=4), dtype=dtype)
    check_gradients(lambda m, b: tf.linalg.tridiagonal_solve(m, b, diagonals_format="matrix"),
                    rng.normal(size=(3, 3)) + 4 * np.eye(3), rng.normal(size=(3, 1)), dtype=dtype)
    check_gradients(tf.linalg.tridiagonal_matmul, tridiagonal(2), rng.normal(size=(2, 4, 2)), dtype=dtype)


def test_errors_match_tensorflow():
    invalid = tf.errors.InvalidArgumentError
    ones = tf.ones([3, 3])
    cases = [
        (lambda: tf.linalg.cross(tf.ones([2, 3]), tf.ones([3])), invalid,
         r"Both inputs must be of same shape: \[2,3\] vs. \[3\] \[Op:Cross\]"),
        (lambda: tf.linalg.cross(tf.ones([2, 4]), tf.ones([2, 4])), tf.errors.FailedPreconditionError,
         "Cross-products are only defined for 3-element vectors."),
        (lambda: tf.linalg.cross(tf.ones([]), tf.ones([])), invalid,
         r"Input must be at least 1D\[\] \[Op:Cross\]"),
        (lambda: tf.linalg.cross(tf.ones([3]), tf.ones([3], tf.float64)), invalid,
         "cannot compute Cross as input #1"),
        (lambda: tf.linalg.set_diag(tf.zeros([2, 3]), [1.0, 2.0, 3.0]), invalid,
         r"Input shape: \[2,3\]\nDiagonal shape: \[3\]\nExpected diagonal shape: \[2\] "
         r"\[Op:MatrixSetDiagV3\]"),
        (lambda: tf.linalg.set_diag(tf.zeros([3, 4]), [1.0], k=5), invalid,
         r"lower_diag_index is out of bound: 5 It must be between -3 and 4"),
        (lambda: tf.linalg.set_diag(tf.zeros([3, 4]), [1.0], k=(0, 5)), invalid,
         "upper_diag_index is out of bound: 5"),
        (lambda: tf.linalg.set_diag(ones, [[1.0, 2.0, 3.0]], k=(1, 0)), invalid,
         "lower_diag_index must not be larger than upper_diag_index: 1 > 0"),
        (lambda: tf.linalg.set_diag(ones, [1.0], k=(-1, 0, 1)), invalid,
         "diag_index must have only one or two elements, received 3 elements."),
        (lambda: tf.linalg.set_diag(ones, [1.0, 2.0, 3.0], align="FOO"), invalid,
         "Value for attr 'align' of \"FOO\" is not in the list of allowed values"),
        (lambda: tf.linalg.set_diag(tf.zeros([3]), [1.0]), invalid,
         r"input must be at least 2-dim, received shape: \[3\]"),
        (lambda: tf.linalg.tensor_diag(3.0), invalid, r"Input must be at least rank 1, got 0 \[Op:Diag\]"),
        (lambda: tf.linalg.tensor_diag_part(tf.ones([2, 2, 2])), invalid,
         r"The rank of the tensor should be {42}even and positive, got shape \[2,2,2\]"),
        (lambda: tf.linalg.tensor_diag_part(tf.ones([2, 3, 2, 2])), invalid,
         r"Invalid shape \[2,3,2,2\]: dimensions 1 and 3 do not match. \[Op:DiagPart\]"),
        (lambda: tf.linalg.adjoint(tf.ones([3])), ValueError,
         "should be a \\(batch\\) matrix with rank >= 2"),
        (lambda: tf.linalg.normalize(tf.constant([3.0, 4.0]), ord="fro"), ValueError,
         "'ord' must be a supported vector norm, got fro"),
        (lambda: tf.linalg.tridiagonal_solve(ones, tf.ones([2])), ValueError,
         "Expected number of left-hand sided and right-hand sides to be equal, got 3 and 2"),
        (lambda: tf.linalg.tridiagonal_solve(tf.ones([4, 3]), tf.ones([3])), ValueError,
         "Expected 3 diagonals got 4"),
        (lambda: tf.linalg.tridiagonal_solve(tf.ones([3]), tf.ones([3])), ValueError,
         "Expected diagonals to have rank at least 2, got 1"),
        (lambda: tf.linalg.tridiagonal_solve(ones, tf.ones([1, 3, 2])), ValueError,
         "Expected the rank of rhs to be 1 or 2, got 3"),
        (lambda: tf.linalg.tridiagonal_solve(tf.ones([2, 3, 3]), tf.ones([3, 3, 2])), ValueError,
         r"Batch shapes \(2,\) and \(3,\) are incompatible"),
        (lambda: tf.linalg.tridiagonal_solve(ones, tf.ones([3]), diagonals_format="foo"), ValueError,
         "Unrecognized diagonals_format: foo"),
        (lambda: tf.linalg.tridiagonal_solve(ones, tf.ones([3]), partial_pivoting=False,
                                             perturb_singular=True),
         ValueError, "partial_pivoting must be True if perturb_singular is."),
        (lambda: tf.linalg.tridiagonal_solve(tf.ones([3, 3], tf.int32), tf.ones([3], tf.int32)), invalid,
         r"Value for attr 'T' of int32 .*\[Op:TridiagonalSolve\]"),
        (lambda: tf.linalg.tridiagonal_solve((tf.ones([3]), tf.ones([3]), tf.ones([1])), tf.ones([3]),
                                             diagonals_format="sequence"), ValueError,
         "Expected subdiagonal to be have length 3 or 2, got 1."),
        (lambda: tf.linalg.tridiagonal_solve((tf.ones([3]),), tf.ones([3]), diagonals_format="sequence"),
         ValueError, "Expected diagonals to be a sequence of length 3."),
        (lambda: tf.linalg.tridiagonal_solve(tf.ones([3, 4]), tf.ones([3]), diagonals_format="matrix"),
         ValueError, "Expected last two dimensions of diagonals to be same, got 4 and 3"),
        (lambda: tf.linalg.tridiagonal_matmul(ones, tf.ones([3])), invalid,
         r"All input tensors must have the same rank. \[Op:TridiagonalMatMul\]"),
        (lambda: tf.linalg.tridiagonal_matmul(ones, tf.ones([4, 2])), invalid,
         "Invalid superdiagonal shape."),
        (lambda: tf.linalg.tridiagonal_matmul((tf.ones([3]), tf.ones([4]), tf.ones([3])), tf.ones([3, 2]),
                                              diagonals_format="sequence"),
         invalid, "Invalid main diagonal shape."),
        (lambda: tf.linalg.tridiagonal_matmul(ones, tf.ones([3, 2], tf.float64)), invalid,
         "cannot compute TridiagonalMatMul as input #3"),
    ]
    for f, error, message in cases:
        with pytest.raises(error, match=message):
            f()
    with pytest.raises(NotImplementedError):
        tf.linalg.tridiagonal_solve(ones, tf.ones([3]), perturb_singular=True)


def test_inside_tf_function_with_gradients():
    x, d = tf.constant(rng.normal(size=(2, 3, 4))), tf.constant(rng.normal(size=(2, 3, 3)))
    diagonals, rhs = tf.constant(tridiagonal(2)), tf.constant(rng.normal(size=(2, 4, 2)))

    def gradients(x, d, diagonals, rhs):
        with tf.GradientTape() as tape:
            tape.watch([x, d, diagonals, rhs])
            y = (tf.reduce_sum(tf.linalg.set_diag(x, d, k=(-1, 1)) ** 2)
                 + tf.reduce_sum(tf.linalg.cross(x[..., :3], d) ** 2)
                 + tf.reduce_sum(tf.linalg.tridiagonal_solve(diagonals, rhs) ** 2)
                 + tf.reduce_sum(tf.linalg.tridiagonal_matmul(diagonals, rhs) ** 2)
                 + tf.reduce_sum(tf.linalg.tensor_diag_part(tf.linalg.tensor_diag(d)))
                 + tf.reduce_sum(tf.linalg.normalize(x, axis=-1)[0] * tf.linalg.adjoint(tf.ones([2, 4, 3],
                                                                                                 tf.float64))))
        return [y, *tape.gradient(y, [x, d, diagonals, rhs])]

    eager = gradients(x, d, diagonals, rhs)
    traced = tf.function(gradients)(x, d, diagonals, rhs)
    for a, b in zip(eager, traced):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
