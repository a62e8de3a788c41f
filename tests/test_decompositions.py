"""tf.linalg qr, svd, eigh, eigvalsh, lu, expm and the solvers built on them (lstsq, pinv,
matrix_rank, cholesky_solve, lu_solve, lu_reconstruct, lu_matrix_inverse): values and gradients
recorded from TensorFlow 2.21 (singular vectors and eigenvectors compared up to sign), gradients to
second order against finite differences on batches, TensorFlow's errors, tf.function."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

# The inputs of the values recorded from TensorFlow (float64).
A = [[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]]
WIDE = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]]
S = [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]]
N = [[2.0, 7.0, 1.0], [1.0, 3.0, -5.0], [0.5, 1.0, 4.0]]  # not symmetric: eigh reads its lower triangle
M = [[1.0, 2.0, 0.0], [-1.0, 3.0, 1.0], [2.0, 0.0, 2.0]]
E = [[0.1, 1.0], [-2.0, 0.3]]
B = [[1.0], [2.0], [3.0]]
W22 = [[1.0, 2.0], [-1.0, 0.5]]
W32 = [[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]]
W33 = [[1.0, 0.0, 2.0], [-1.0, 3.0, 1.0], [0.5, 2.0, -2.0]]

rng = np.random.default_rng(11)


def c(x):
    return tf.constant(x, tf.float64)


def assert_close(actual, expected, rtol=1e-7, atol=1e-9):
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=atol)


def assert_close_up_to_column_signs(actual, expected, atol=1e-8):
    """Singular and eigenvectors are defined up to sign: each column is compared after aligning it."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    signs = np.where(np.sum(actual * expected, axis=-2, keepdims=True) < 0, -1.0, 1.0)
    np.testing.assert_allclose(actual * signs, expected, atol=atol)


def symmetric(*batch, n=3):
    """Symmetric positive definite with well separated eigenvalues."""
    m = rng.normal(size=(*batch, n, n)) / 2
    return m @ np.swapaxes(m, -1, -2) + np.diag(np.arange(1.0, n + 1) * 2)


# ---- values -----------------------------------------------------------------------------------------

def test_qr_svd_eigh_lu_values_match_tensorflow():
    q, r = tf.linalg.qr(c(A))
    assert_close(q, [[-0.1690308509, 0.9486832981], [-0.5070925528, -0.316227766], [-0.8451542547, 0.0]])
    assert_close(r, [[-5.916079783, -8.282511696], [0.0, 0.632455532]])
    q, r = tf.linalg.qr(c(WIDE))
    assert_close(q, [[-0.242535625, -0.9701425], [-0.9701425, 0.242535625]])
    assert_close(r, [[-4.123105626, -5.335783751, -7.033533126], [0.0, -0.727606875, -1.333945938]])

    s, u, v = tf.linalg.svd(c(A))
    assert_close(s, [10.191428257, 0.367137686])
    assert_close_up_to_column_signs(u, [[0.216783896, -0.938922878], [0.490454135, 0.341463905],
                                        [0.844073151, 0.042734418]])
    assert_close_up_to_column_signs(v, [[0.579753093, 0.814792213], [0.814792213, -0.579753093]])
    _, u, v = tf.linalg.svd(c(A), full_matrices=True)
    assert u.shape == (3, 3) and v.shape == (2, 2)
    assert_close_up_to_column_signs(u[:, 2:], [[-0.267261242], [-0.801783726], [0.534522484]])
    assert_close(tf.linalg.svd(c(A), compute_uv=False), [10.191428257, 0.367137686])

    e, v = tf.linalg.eigh(c(S))
    assert_close(e, [1.267949192, 3.0, 4.732050808])
    assert_close_up_to_column_signs(v, [[0.788675135, 0.577350269, 0.211324865],
                                        [-0.577350269, 0.577350269, 0.577350269],
                                        [0.211324865, -0.577350269, 0.788675135]])
    e, v = tf.linalg.eigh(c(N))
    assert_close(e, [1.377094878, 2.682455561, 4.94044956])
    assert_close_up_to_column_signs(v, [[-0.836750212, 0.444215203, 0.320190469],
                                        [0.545437727, 0.624402509, 0.559123594],
                                        [-0.048443468, -0.642490747, 0.764760662]])
    assert_close(tf.linalg.eigvalsh(c(N)), [1.377094878, 2.682455561, 4.94044956])

    lu, p = tf.linalg.lu(c(M))
    assert_close(lu, [[2.0, 0.0, 2.0], [-0.5, 3.0, 2.0], [0.5, 0.666666667, -2.333333333]])
    assert p.numpy().tolist() == [2, 1, 0] and p.dtype == tf.int32


def test_result_types_shapes_and_dtypes():
    result = tf.linalg.qr(tf.ones([2, 4, 3]))
    assert type(result).__name__ == "Qr" and result._fields == ("q", "r") and result.q is result[0]
    assert result.q.shape == (2, 4, 3) and result.r.shape == (2, 3, 3)
    q, r = tf.linalg.qr(tf.ones([2, 4, 3]), full_matrices=True)
    assert q.shape == (2, 4, 4) and r.shape == (2, 4, 3)
    s, u, v = tf.linalg.svd(tf.ones([2, 3, 5]))
    assert (s.shape, u.shape, v.shape) == ((2, 3), (2, 3, 3), (2, 5, 3))
    s, u, v = tf.linalg.svd(tf.ones([2, 3, 5]), full_matrices=True)
    assert (s.shape, u.shape, v.shape) == ((2, 3), (2, 3, 3), (2, 5, 5))
    assert isinstance(tf.linalg.svd(tf.ones([3, 2]), compute_uv=False), tf.Tensor)
    assert type(tf.linalg.eigh(tf.eye(2))) is tuple
    result = tf.linalg.lu(tf.eye(3, batch_shape=[2]), output_idx_type=tf.int64)
    assert type(result).__name__ == "Lu" and result._fields == ("lu", "p") and result.p.dtype == tf.int64
    assert result.p.shape == (2, 3)
    # Empty matrices, as TensorFlow.
    s, u, v = tf.linalg.svd(tf.zeros([2, 0, 3]), full_matrices=True)
    assert (s.shape, u.shape, v.shape) == ((2, 0), (2, 0, 0), (2, 3, 3))
    assert tf.linalg.eigh(tf.zeros([0, 0]))[1].shape == (0, 0)
    assert tf.linalg.expm(tf.zeros([0, 0])).shape == (0, 0)
    # float16 is decomposed in float32 (TensorFlow's CPU kernels have QR only in half precision).
    half = tf.constant([[2.0, 1.0], [1.0, 3.0]], tf.float16)
    for results in (tf.linalg.qr(half), tf.linalg.svd(half), tf.linalg.eigh(half), (tf.linalg.expm(half),)):
        assert all(x.dtype == tf.float16 for x in results)
    np.testing.assert_allclose(tf.linalg.eigvalsh(half).numpy(), [1.382, 3.618], rtol=1e-3)


def test_expm_values_match_tensorflow():
    assert_close(tf.linalg.expm(c(E)), [[0.109264329, 0.854753529], [-1.709507057, 0.280215035]])
    # A batch mixing a matrix that is scaled and squared (norm 40) with one that is not.
    big = tf.linalg.expm(tf.stack([c(E) * 20.0, c(E)]))
    assert_close(big, [[[-54.732472898, 2.354121693], [-4.708243386, -54.261648559]],
                       [[0.109264329, 0.854753529], [-1.709507057, 0.280215035]]], rtol=1e-8)
    small = tf.linalg.expm(tf.constant(E, tf.float32) * 4.0)
    assert small.dtype == tf.float32
    assert_close(small, [[1.8787224, -0.94278294], [1.8855658, 1.6901656]], rtol=2e-6)
    # A matrix that is not finite makes the whole batch NaN, as in TensorFlow.
    batch = tf.constant([[[np.inf, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]])
    assert np.isnan(tf.linalg.expm(batch)).all()


def test_solver_values_match_tensorflow():
    assert_close(tf.linalg.lstsq(c(A), c(B)), [[-0.071428571], [0.5]])
    assert_close(tf.linalg.lstsq(c(A), c(B), l2_regularizer=0.5), [[0.150943396], [0.339622642]])
    minimum_norm = [[-0.132947977], [0.115606936], [0.300578035]]
    assert_close(tf.linalg.lstsq(c(WIDE), c(B[:2])), minimum_norm)
    assert_close(tf.linalg.lstsq(c(WIDE), c(B[:2]), fast=False), minimum_norm)
    assert tf.linalg.lstsq(c(A), tf.ones([2, 3, 1], tf.float64)).shape == (2, 2, 1)  # batch axes broadcast
    rank_one = c([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    assert_close(tf.linalg.pinv(rank_one), [[0.04, 0.08, 0.0], [0.08, 0.16, 0.0]])
    rank = tf.linalg.matrix_rank(tf.stack([c(S), c([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 0.0]])]))
    assert rank.dtype == tf.int32 and rank.numpy().tolist() == [3, 2]
    assert_close(tf.linalg.cholesky_solve(tf.linalg.cholesky(c(S)), c([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])),
                 [[1 / 3, 2 / 3], [1 / 3, 2 / 3], [2 / 3, 4 / 3]])
    lu, p = tf.linalg.lu(c(M))
    assert_close(tf.linalg.lu_solve(lu, p, c([[1.0, -1.0], [2.0, -2.0], [3.0, -3.0]])),
                 [[0.285714286, -0.285714286], [0.357142857, -0.357142857], [1.214285714, -1.214285714]])
    assert_close(tf.linalg.lu_matrix_inverse(lu, p), [[0.428571429, -0.285714286, 0.142857143],
                                                      [0.285714286, 0.142857143, -0.071428571],
                                                      [-0.428571429, 0.285714286, 0.357142857]])
    assert_close(tf.linalg.lu_reconstruct(lu, p), M)
    # Batches, and a right-hand side broadcast against the factors' batch.
    x = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    factors = tf.linalg.lu(c(x))
    assert_close(tf.linalg.lu_reconstruct(*factors), x)
    assert_close(tf.linalg.lu_matrix_inverse(*factors), np.linalg.inv(x))
    assert_close(tf.linalg.lu_solve(*factors, c(B)), np.linalg.solve(x, B))


# ---- gradients --------------------------------------------------------------------------------------

def test_gradients_match_tensorflow():
    a, wide, n, m, e, b, s = map(c, (A, WIDE, N, M, E, B, S))
    w2, w3 = c([1.0, 2.0]), c([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, wide, n, m, e, b, s])
        y_eigvalsh = tf.reduce_sum(tf.linalg.eigvalsh(n) * w3)
        values, vectors = tf.linalg.eigh(n)
        y_eigh = tf.reduce_sum(values * w3) + tf.reduce_sum(vectors ** 2 * W33)
        sv, u, v = tf.linalg.svd(a)
        y_svd = tf.reduce_sum(sv * w2) + tf.reduce_sum(u ** 2 * W32) + tf.reduce_sum(v ** 2 * W22)
        sv, u, v = tf.linalg.svd(wide, full_matrices=True)
        y_svd_full = tf.reduce_sum(sv * w2) + tf.reduce_sum(u ** 2 * W22) + tf.reduce_sum(v ** 2 * W33)
        y_singular_values = tf.reduce_sum(tf.linalg.svd(a, compute_uv=False) * w2)
        q, r = tf.linalg.qr(a)
        y_qr = tf.reduce_sum(q * W32) + tf.reduce_sum(r * W22)
        q, r = tf.linalg.qr(wide)
        y_qr_wide = tf.reduce_sum(q * W22) + tf.reduce_sum(r * np.transpose(W32))
        y_expm = tf.reduce_sum(tf.linalg.expm(e) * W22)
        y_lstsq = tf.reduce_sum(tf.linalg.lstsq(a, b, l2_regularizer=0.5) * w2[:, None])
        y_lstsq_wide = tf.reduce_sum(tf.linalg.lstsq(wide, b[:2]) * w3[:, None])
        y_pinv = tf.reduce_sum(tf.linalg.pinv(a) * np.transpose(W32))
        y_cholesky = tf.reduce_sum(tf.linalg.cholesky_solve(s, b) * c(W33)[:, :1])
        y_reconstruct = tf.reduce_sum(tf.linalg.lu_reconstruct(m, [2, 0, 1]) * W33)
        y_solve = tf.reduce_sum(tf.linalg.lu_solve(m, [2, 0, 1], b) * c(W33)[:, 1:2])
    expected = [
        (y_eigvalsh, n, [[1.40237102, 0.0, 0.0], [1.270842358, 2.01511688, 0.0],
                         [0.408667986, 0.90803725, 2.582512101]]),
        (y_eigh, n, [[0.518409116, 0.0, 0.0], [1.05104304, 3.498490303, 0.0],
                     [1.840949166, 0.127145594, 1.98310058]]),
        (y_svd, a, [[-0.964714929, 1.064716314], [2.062002271, -0.723230751], [-0.220523343, 1.081502691]]),
        (y_svd_full, wide, [[-0.057615413, -3.449113457, 3.176740434],
                            [0.736514807, 1.694935547, -0.433756503]]),
        (y_singular_values, a, [[-1.404372966, 1.265320716], [0.840786564, 0.0036887],
                                [0.558993362, 0.638193408]]),
        (y_qr, a, [[-0.72167568, -0.484881736], [2.294158827, -3.035784038], [-2.415376117, -0.447985143]]),
        (y_qr_wide, wide, [[4.950580111, -0.9701425, -2.9104275], [-2.268421434, -1.819017188, 0.727606875]]),
        (y_expm, e, [[1.918270962, -0.882700971], [0.441350486, 1.750115]]),
        (y_lstsq, a, [[-0.108365967, -0.023068708], [-0.086863653, 0.049839801],
                      [0.030615878, -0.102812389]]),
        (y_lstsq, b, [[0.233962264], [0.037735849], [0.173584906]]),
        (y_lstsq_wide, wide, [[0.1329479769, -0.1156069364, -0.3005780347], [0.0, 0.0, 0.0]]),
        (y_pinv, a, [[-1.535714286, 0.928571429], [13.357142857, -9.464285714], [-7.607142857, 5.392857143]]),
        (y_cholesky, s, [[-0.268229167, 0.0, 0.0], [0.036458333, 0.151041667, 0.0],
                         [-0.109375, 0.046875, -0.078125]]),
        (y_cholesky, b, [[0.34375], [-0.1875], [0.0625]]),
        (y_reconstruct, m, [[-2.5, 8.0, -2.0], [1.0, 0.0, 2.0], [5.0, 10.0, 1.0]]),
        (y_solve, m, [[0.0, 0.0, 0.0], [-3.0, -2.0, 2.0], [-1.5, -2.0, 1.0]]),
        (y_solve, b, [[1.0], [0.5], [0.0]]),
    ]
    for y, x, want in expected:
        assert_close(tape.gradient(y, x), want, rtol=1e-7, atol=1e-8)


def _flat(*tensors):
    return tf.concat([tf.reshape(t, [-1]) for t in tensors], 0)


def _svd_invariants(full_matrices=False):
    """What the sign of singular vectors does not change: s, |u|², |v|² and u diag(s) vᵀ."""
    def f(a):
        s, u, v = tf.linalg.svd(a, full_matrices=full_matrices)
        k = s.shape[-1]
        return _flat(s, u * u, v * v, tf.matmul(u[..., :k] * s[..., None, :], v[..., :k], transpose_b=True))

    return f


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_qr_svd_gradients_to_second_order(dtype):
    for shape in [(2, 4, 3), (3, 5), (3, 3)]:
        check_gradients(lambda a: _flat(*tf.linalg.qr(a)), rng.normal(size=shape), dtype=dtype)
    full = rng.normal(size=(2, 4))  # (full matrices change nothing for a wide matrix)
    check_gradients(lambda a: _flat(*tf.linalg.qr(a, full_matrices=True)), full, dtype=dtype)
    for shape in [(2, 4, 3), (3, 4)]:
        check_gradients(_svd_invariants(), rng.normal(size=shape), dtype=dtype)
    for shape in [(3, 4), (4, 3), (3, 3)]:  # with full matrices: |m - n| <= 1, as TensorFlow
        check_gradients(_svd_invariants(full_matrices=True), rng.normal(size=shape), dtype=dtype)
    check_gradients(lambda a: tf.linalg.svd(a, compute_uv=False), rng.normal(size=(2, 3, 4)), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_eigh_expm_gradients_to_second_order(dtype):
    def eigh_invariants(a):
        e, v = tf.linalg.eigh(a)
        return _flat(e, v * v, tf.matmul(v * e[..., None, :], v, transpose_b=True))

    check_gradients(eigh_invariants, symmetric(2), dtype=dtype)
    # Not symmetric: only the lower triangle is read, so only it has a gradient.
    check_gradients(eigh_invariants, symmetric() + np.triu(rng.normal(size=(3, 3)), 1), dtype=dtype)
    check_gradients(tf.linalg.eigvalsh, symmetric(2), dtype=dtype)
    check_gradients(tf.linalg.expm, rng.normal(size=(2, 3, 3)), dtype=dtype)
    check_gradients(tf.linalg.expm, 4 * rng.normal(size=(3, 3)), dtype=dtype)  # scaled and squared


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_solver_gradients_to_second_order(dtype):
    check_gradients(lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.1), rng.normal(size=(2, 4, 3)),
                    rng.normal(size=(2, 4, 2)), dtype=dtype)
    check_gradients(tf.linalg.lstsq, rng.normal(size=(2, 3)), rng.normal(size=(2, 1)), dtype=dtype)
    check_gradients(tf.linalg.pinv, rng.normal(size=(2, 4, 3)), dtype=dtype)
    check_gradients(tf.linalg.cholesky_solve, np.linalg.cholesky(symmetric(2)), rng.normal(size=(2, 3, 2)),
                    dtype=dtype)
    perm = tf.constant([[2, 0, 1], [1, 2, 0]])
    factors = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    check_gradients(lambda lu, b: tf.linalg.lu_solve(lu, perm, b), factors, rng.normal(size=(2, 3, 2)),
                    dtype=dtype)
    check_gradients(lambda lu: tf.linalg.lu_reconstruct(lu, perm), factors, dtype=dtype)
    check_gradients(lambda lu: tf.linalg.lu_matrix_inverse(lu, perm[0]), factors[0], dtype=dtype)


def test_gradients_tensorflow_does_not_define():
    a = tf.constant(rng.normal(size=(4, 3)))
    cases = [(lambda: tf.linalg.lu(a[:3])[0], LookupError, "gradient registry has no entry for: Lu"),
             (lambda: tf.linalg.lstsq(a, a, fast=False), ValueError, "Gradient not defined for fast=False"),
             (lambda: tf.linalg.qr(a, full_matrices=True)[0], NotImplementedError,
              "QrGrad not implemented when nrows > ncols and full_matrices is true"),
             (lambda: tf.linalg.svd(tf.concat([a, a], 0), full_matrices=True)[1], NotImplementedError,
              r"svd gradient is not implemented for abs\(m - n\) > 1 when full_matrices is True. "
              r"Received: m=3 and n=8")]
    for f, error, message in cases:
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = tf.reduce_sum(f())
        with pytest.raises(error, match=message):
            tape.gradient(y, a)


# ---- errors --------------------------------------------------------------------------------------------

def test_errors_match_tensorflow():
    invalid = tf.errors.InvalidArgumentError
    cases = [
        (lambda: tf.linalg.qr(tf.ones([3])), invalid, r"Input tensor 0 must have rank >= 2, got 1 \[Op:Qr\]"),
        (lambda: tf.linalg.svd(tf.ones([2, 2], tf.int32)), invalid,
         r"Value for attr 'T' of int32 .*\[Op:Svd\]"),
        (lambda: tf.linalg.eigh(tf.ones([2, 3])), invalid,
         r"Input matrix must be square. \[Op:SelfAdjointEigV2\]"),
        (lambda: tf.linalg.eigvalsh(tf.ones([3])), invalid,
         r"must have rank >= 2, got 1 \[Op:SelfAdjointEigV2\]"),
        (lambda: tf.linalg.eigh(tf.constant([[np.nan, 2.0], [3.0, 4.0]])), invalid,
         r"Self-adjoint eigen decomposition was not successful. The input might not be valid."),
        (lambda: tf.linalg.lu(tf.ones([3])), invalid, r"Input tensor must have rank >= 2, got 1 \[Op:Lu\]"),
        (lambda: tf.linalg.lu(tf.ones([2, 3])), invalid, r"Input matrix must be square. \[Op:Lu\]"),
        (lambda: tf.linalg.lu(tf.constant([[1.0, 2.0], [2.0, 4.0]])), invalid,
         r"Input is not invertible. \[Op:Lu\]"),
        (lambda: tf.linalg.expm(tf.ones([2, 2], tf.int32)), ValueError,
         "tf.linalg.expm does not support matrices of type <dtype: 'int32'>"),
        (lambda: tf.linalg.pinv(tf.ones([3])), ValueError,
         r"Input `a` must have at least 2 dimensions \(saw: 1\)."),
        (lambda: tf.linalg.matrix_rank(tf.ones([3, 3], tf.int32)), TypeError,
         r"Input `a` must have `float`-like `dtype` \(saw int32\)."),
        (lambda: tf.linalg.lu_solve(tf.ones([2, 2]), [0, 1], tf.ones([2])), ValueError,
         "Input `rhs` must have at least 2 dimensions."),
        (lambda: tf.linalg.lu_solve(tf.ones([2, 2]), [0, 1], tf.ones([3, 1])), ValueError,
         r"`lower_upper.shape\[-1\]` must equal `rhs.shape\[-1\]`."),
        (lambda: tf.linalg.lu_reconstruct(tf.ones([2, 2]), [[0, 1]]), ValueError,
         r"`rank\(lower_upper\)` must equal `rank\(perm\) \+ 1`"),
        (lambda: tf.linalg.lu_matrix_inverse(tf.ones([2, 3]), [0, 1]), ValueError,
         "`lower_upper` must be square."),
        (lambda: tf.linalg.lstsq(A, tf.ones([4, 1])), invalid, "Matrix size-incompatible"),
    ]
    for f, error, message in cases:
        with pytest.raises(error, match=message):
            f()


# ---- tf.function -------------------------------------------------------------------------------------

def _gradients(loss, *xs):
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = loss(*xs)
    return [y, *tape.gradient(y, xs)]


def _assert_traced_matches_eager(loss, *xs):
    eager = _gradients(loss, *xs)
    traced = tf.function(lambda *ys: _gradients(loss, *ys))(*xs)
    for x, y in zip(eager, traced):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-10, atol=1e-12)


def test_inside_tf_function_with_gradients():
    a, sym = tf.constant(rng.normal(size=(2, 3, 3))), tf.constant(symmetric(2))
    lu, p = tf.linalg.lu(tf.constant(rng.normal(size=(2, 3, 3))))

    def loss(a, sym):
        s, u, v = tf.linalg.svd(a)
        e, w = tf.linalg.eigh(sym)
        return (tf.reduce_sum(s) + tf.reduce_sum(u * u * v) + tf.reduce_sum(e * e)
                + tf.reduce_sum(w * w * sym) + tf.reduce_sum(tf.linalg.eigvalsh(sym) ** 3)
                + tf.reduce_sum(tf.linalg.svd(a, compute_uv=False) ** 2)
                + tf.reduce_sum(tf.linalg.expm(a) ** 2) + tf.reduce_sum(tf.linalg.pinv(a))
                + tf.reduce_sum(tf.linalg.lu_reconstruct(lu, p) * a)
                + tf.cast(tf.reduce_sum(tf.linalg.matrix_rank(a)), tf.float64))

    _assert_traced_matches_eager(loss, a, sym)
    # Unknown batch sizes.
    spec = tf.TensorSpec([None, 3, 3], tf.float64)
    for decompose in (tf.linalg.eigh, tf.linalg.lu, tf.linalg.qr, tf.linalg.svd):
        traced = tf.function(decompose, input_signature=[spec])(sym)
        for x, y in zip(traced, decompose(sym)):
            np.testing.assert_allclose(x.numpy(), y.numpy())


def test_solver_gradients_inside_tf_function():
    a, b = tf.constant(rng.normal(size=(2, 4, 3))), tf.constant(rng.normal(size=(2, 4, 2)))
    _assert_traced_matches_eager(
        lambda a, b: tf.reduce_sum(tf.linalg.qr(a).r ** 2) + tf.reduce_sum(tf.linalg.lstsq(a, b, 0.1)), a, b)
