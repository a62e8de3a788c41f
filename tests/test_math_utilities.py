"""The smaller tf.math functions: count_nonzero, reduce_euclidean_norm, multiply_no_nan,
reciprocal_no_nan, mod, truncatemod, scalar_mul, zero_fraction, invert_permutation, is_non_decreasing,
is_strictly_increasing, polyval, cumulative_logsumexp, confusion_matrix, angle, accumulate_n,
in_top_k, softmax and log_softmax.

Expected values, dtypes and errors are TensorFlow 2.21's (printed by it); gradients are TensorFlow's
at a few points and checked to second order against finite differences.
"""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops.math_utility_ops import truncatemod

from gradcheck import check_gradients

inf, nan = np.inf, np.nan
RNG = np.random.default_rng(5)
M = [[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]


def invalid(message):
    """Expect TensorFlow's InvalidArgumentError with this message (a regular expression)."""
    return pytest.raises(tf.errors.InvalidArgumentError, match=message)


def gradients(f, *args):
    xs = [tf.constant(a) for a in args]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xs)
        y = f(*xs)
    return [None if g is None else g.numpy() for g in tape.gradient(y, xs)]


def test_count_nonzero():
    y = tf.math.count_nonzero(M)
    assert y.dtype == tf.int64 and y.numpy() == 3
    y = tf.math.count_nonzero(M, axis=1, keepdims=True)
    assert y.shape == [2, 1] and y.numpy().tolist() == [[2], [1]]
    y = tf.math.count_nonzero(M, axis=0, dtype=tf.float32)
    assert y.dtype == tf.float32 and y.numpy().tolist() == [0, 1, 2]
    assert tf.math.count_nonzero(M, dtype=tf.bool).numpy().tolist() is True
    assert tf.math.count_nonzero([True, False, True]).numpy() == 2
    assert tf.math.count_nonzero(["", "a", "b"]).numpy() == 2  # "" is a string's zero
    assert tf.math.count_nonzero([nan, -0.0, 0.0]).numpy() == 1
    assert tf.math.count_nonzero(tf.constant([1j, 0, 2])).numpy() == 2
    assert tf.math.count_nonzero(tf.zeros([0, 3])).numpy() == 0
    with invalid(r"Invalid reduction dimension \(2 for input with 2 dimension\(s\) \[Op:Sum\]"):
        tf.math.count_nonzero(M, axis=2)


def test_reduce_euclidean_norm():
    assert tf.math.reduce_euclidean_norm(M).numpy() == pytest.approx(3.7416574954986572)
    y = tf.math.reduce_euclidean_norm(M, axis=1, keepdims=True)
    assert y.shape == [2, 1]
    np.testing.assert_allclose(y.numpy(), [[2.236068], [3.0]], rtol=1e-7)
    y = tf.math.reduce_euclidean_norm([[3, 4], [1, 1]], axis=1)  # integers: the root truncated
    assert y.dtype == tf.int32 and y.numpy().tolist() == [5, 1]
    int8 = tf.constant([100, 100], tf.int8)
    assert tf.math.reduce_euclidean_norm(int8).numpy() == 5  # the squares wrap in int8
    y = tf.math.reduce_euclidean_norm(tf.constant([3 + 4j, 1j]))
    assert y.dtype == tf.complex128 and y.numpy() == pytest.approx(5.0990195135927845 + 0j)
    assert tf.math.reduce_euclidean_norm(tf.zeros([0])).numpy() == 0
    assert tf.math.reduce_euclidean_norm(tf.constant([3.0, 4.0], tf.float16)).numpy() == 5
    with invalid(r"of bool is not in the list .*\[Op:EuclideanNorm\]"):
        tf.math.reduce_euclidean_norm([True])
    with invalid(r"Invalid reduction dimension \(3 for input .*\[Op:EuclideanNorm\]"):
        tf.math.reduce_euclidean_norm([[1.0]], axis=3)
    with invalid(r"duplicate dimension: 1 \[Op:EuclideanNorm\]"):
        tf.math.reduce_euclidean_norm([[1.0]], axis=[1, 1])


def test_reduce_euclidean_norm_gradients():
    # TensorFlow 2.21: x / |x|, NaN for a zero vector; for complex x the same formula.
    (g,) = gradients(lambda v: tf.math.reduce_euclidean_norm(v, axis=1), [[0.0, 0.0], [3.0, 4.0]])
    np.testing.assert_allclose(g, [[nan, nan], [0.6, 0.8]], rtol=1e-7)
    (g,) = gradients(tf.math.reduce_euclidean_norm, np.array([3 + 4j, 1j]))
    np.testing.assert_allclose(g, [0.5883484054145521 + 0.7844645405527362j, 0.19611613513818404j])
    for dtype in (np.float64, np.float32):
        check_gradients(lambda x: tf.math.reduce_euclidean_norm(x, axis=1), RNG.uniform(0.5, 2, (3, 4)),
                        dtype=dtype)
        check_gradients(lambda x: tf.math.reduce_euclidean_norm(x, keepdims=True), RNG.uniform(-2, 2, (2, 3)),
                        dtype=dtype)
        check_gradients(tf.math.reduce_euclidean_norm, RNG.uniform(-2, 2, (4,)), dtype=dtype)


def test_multiply_no_nan():
    y = tf.math.multiply_no_nan(tf.constant([inf, nan, 2.0, 3.0]), tf.constant([0.0, 0.0, nan, 2.0]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, nan, 6.0])
    assert tf.math.multiply_no_nan(tf.constant([1.0]), 2).numpy().tolist() == [2.0]
    y = tf.math.multiply_no_nan(tf.constant([[1.0], [2.0]]), tf.constant([0.0, 3.0]))
    assert y.numpy().tolist() == [[0.0, 3.0], [0.0, 6.0]]
    assert tf.math.multiply_no_nan(tf.constant([1j]), tf.constant([0j])).numpy().tolist() == [0j]
    with invalid(r"of int32 is not in the list .*\[Op:MulNoNan\]"):
        tf.math.multiply_no_nan(1, 2)
    with pytest.raises(ValueError, match="y: Tensor conversion requested dtype float32 for Tensor with dtype "
                                         "float64"):
        tf.math.multiply_no_nan(tf.constant([1.0]), tf.constant([2.0], tf.float64))
    with pytest.raises(ValueError, match="y: Tensor conversion requested dtype int32 for Tensor with dtype "
                                         "float32"):
        tf.math.multiply_no_nan(2, tf.constant([1.0]))  # x is converted first, as TensorFlow does
    with invalid(r"Incompatible shapes: \[2\] vs. \[3\] \[Op:MulNoNan\]"):
        tf.math.multiply_no_nan(tf.constant([1.0, 2.0]), tf.constant([0.0, 3.0, 4.0]))


def test_multiply_no_nan_gradients():
    # TensorFlow 2.21: multiply_no_nan(g, y) and multiply_no_nan(x, g), not conjugated for complex.
    gx, gy = gradients(tf.math.multiply_no_nan, [inf, nan, 2.0, 3.0], [0.0, 0.0, nan, 2.0])
    np.testing.assert_array_equal(gx, [0.0, 0.0, nan, 2.0])
    np.testing.assert_array_equal(gy, [inf, nan, 2.0, 3.0])
    assert gradients(tf.math.multiply_no_nan, np.array([1 + 2j]), np.array([3 + 1j])) == [[3 + 1j], [1 + 2j]]
    for dtype in (np.float64, np.float32):
        check_gradients(lambda x, y: tf.math.multiply_no_nan(x, y * y), RNG.uniform(-2, 2, (2, 3)),
                        RNG.uniform(-2, 2, (3,)), dtype=dtype)


def test_reciprocal_no_nan():
    y = tf.math.reciprocal_no_nan(tf.constant([0.0, 2.0, inf, -0.0, nan]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.5, 0.0, 0.0, nan])
    assert tf.math.reciprocal_no_nan(2.0).dtype == tf.float32
    assert tf.math.reciprocal_no_nan(tf.constant([0j, 2j])).numpy().tolist() == [0j, -0.5j]
    with invalid(r"of int32 is not in the list .*\[Op:DivNoNan\]"):
        tf.math.reciprocal_no_nan(tf.constant([0, 2]))
    # TensorFlow 2.21's gradients: 0 where x is 0; -conj(1 / x^2) for complex x.
    assert gradients(tf.math.reciprocal_no_nan, [0.0, 2.0, -0.5])[0].tolist() == [0.0, -0.25, -4.0]
    np.testing.assert_allclose(gradients(tf.math.reciprocal_no_nan, np.array([1 + 2j]))[0], [0.12 - 0.16j])
    for dtype in (np.float64, np.float32):
        check_gradients(tf.math.reciprocal_no_nan, RNG.uniform(0.5, 2, (2, 3)), dtype=dtype)


def test_mod_and_truncatemod():
    assert tf.math.mod([7, -7], [3, 3]).numpy().tolist() == [1, 2]  # floormod
    y = truncatemod(tf.constant([7, -7, 7, -7]), tf.constant([3, 3, -3, -3]))
    assert y.dtype == tf.int32 and y.numpy().tolist() == [1, -1, 1, -1]  # the sign of x
    x, y = tf.constant([7.5, -7.5, 7.5, -7.5, 1.0, inf]), tf.constant([3.0, 3.0, -3.0, -3.0, 0.0, 2.0])
    y = truncatemod(x, y)
    np.testing.assert_array_equal(y.numpy(), [1.5, -1.5, 1.5, -1.5, nan, nan])
    assert truncatemod(tf.constant([[7], [-7]]), tf.constant([3, -3])).numpy().tolist() == [[1, 1], [-1, -1]]
    with pytest.raises(tf.errors.InternalError, match=r"only integer div and mod should have errors\) "
                                                      r"\[Op:TruncateMod\]"):
        truncatemod(tf.constant([7]), tf.constant([0]))
    with invalid(r"of uint8 is not in the list .*\[Op:TruncateMod\]"):
        truncatemod(tf.constant([7], tf.uint8), tf.constant([3], tf.uint8))


def test_scalar_mul():
    assert tf.math.scalar_mul(2, tf.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
        tf.math.scalar_mul(2.5, tf.constant([1, 2]))
    with pytest.raises(ValueError, match="scalar: Tensor conversion requested dtype float32 for Tensor with "
                                         "dtype float64"):
        tf.math.scalar_mul(tf.constant(2.0, tf.float64), tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"The input scalar must be a 0-D value. Received shape \(1,\)."):
        tf.math.scalar_mul([2.0], tf.constant([1.0, 2.0]))
    slices = tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([1]), tf.constant([3, 2]))
    y = tf.math.scalar_mul(3.0, slices)
    assert isinstance(y, tf.IndexedSlices)
    assert y.values.numpy().tolist() == [[3.0, 6.0]] and y.indices.numpy().tolist() == [1]
    ds, dx = gradients(tf.math.scalar_mul, 2.0, [1.0, 3.0])
    assert ds == 4.0 and dx.tolist() == [2.0, 2.0]


def test_zero_fraction():
    for value, expected in [([0.0, 1.0, 0.0, 3.0], 0.5), ([[0, 1], [0, 0]], 0.75),
                            ([True, False, False], 2 / 3), (["", "a"], 0.5), ([nan, -0.0], 0.5),
                            (tf.constant([1 / 3, 0, 0], tf.float64), 2 / 3)]:
        y = tf.math.zero_fraction(value)
        assert y.dtype == tf.float32 and y.numpy() == np.float32(expected)
    assert np.isnan(tf.math.zero_fraction(tf.constant([], tf.float32)).numpy())


def test_invert_permutation():
    y = tf.math.invert_permutation([3, 4, 0, 2, 1])
    assert y.dtype == tf.int32 and y.numpy().tolist() == [2, 4, 3, 0, 1]
    y = tf.math.invert_permutation(tf.constant([1, 0], tf.int64))
    assert y.dtype == tf.int64 and y.numpy().tolist() == [1, 0]
    assert tf.math.invert_permutation(tf.constant([], tf.int32)).shape == [0]
    for x, message in [([0, 0, 1], "0 is duplicated in the input."),
                       ([2, 1, 1, 5], "1 is duplicated in the input."),
                       ([0, 3, 1], "3 is not between 0 and 3"), ([0, -1, 1], "-1 is not between 0 and 3"),
                       ([[0, 1]], "invert_permutation expects a 1D vector."),
                       (0, "invert_permutation expects a 1D vector.")]:
        with invalid(rf"^{message} \[Op:InvertPermutation\]"):
            tf.math.invert_permutation(x)
    with invalid("of int16 is not in the list of allowed values: int32, "
                                                             r"int64 \[Op:InvertPermutation\]"):
        tf.math.invert_permutation(tf.constant([0, 1], tf.int16))
    traced = tf.function(lambda x: tf.math.invert_permutation(x))(tf.constant([2, 0, 1]))
    assert traced.numpy().tolist() == [1, 2, 0]


def test_monotonicity():
    cases = [([1, 2, 2], True, False), ([1, 2, 3], True, True), ([[1, 2], [3, 3]], True, False),
             ([3], True, True),
             ([], True, True), ([1.0, nan, 2.0], False, False), (3.0, True, True),
             (tf.constant([1, 2], tf.uint8), True, True)]
    for x, non_decreasing, increasing in cases:
        assert tf.math.is_non_decreasing(x).numpy() == non_decreasing
        assert tf.math.is_strictly_increasing(x).numpy() == increasing
    with pytest.raises(TypeError, match=r"Expected x to be numeric, instead found: "
                                        r"tf.Tensor\(\[ True False\], shape=\(2,\), dtype=bool\)"):
        tf.math.is_non_decreasing([True, False])
    with pytest.raises(TypeError, match="Expected x to be numeric"):
        tf.math.is_strictly_increasing(["a", "b"])
    with invalid(r"of complex128 .*\[Op:GreaterEqual\]"):
        tf.math.is_non_decreasing(tf.constant([1j, 2j]))


def test_polyval():
    y = tf.math.polyval([1.0, 2.0, 3.0], tf.constant([0.0, 1.0, 2.0]))
    assert y.numpy().tolist() == [3.0, 6.0, 11.0]
    y = tf.math.polyval([tf.constant([1.0, 2.0]), 2.0, 3.0], tf.constant([[0.0], [2.0]]))  # broadcasting
    assert y.numpy().tolist() == [[3.0, 3.0], [11.0, 15.0]]
    assert tf.math.polyval([], tf.constant([1.0, 2.0])).numpy().tolist() == [0.0, 0.0]
    y = tf.math.polyval([1, 2], 3)
    assert y.dtype == tf.int32 and y.numpy() == 5
    with pytest.raises(ValueError, match="Argument coeffs must be list type. Received type <class 'tuple'>."):
        tf.math.polyval((1.0, 2.0), tf.constant([1.0, 2.0]))
    with invalid(r"cannot compute Mul as input #1\(zero-based\) was expected to be a int32 tensor"):
        tf.math.polyval([1, 2], 3.0)
    grads = gradients(lambda c0, c1, x: tf.math.polyval([c0, c1, 1.0], x), 2.0, 3.0, [1.0, 2.0])
    assert [np.asarray(g).tolist() for g in grads] == [5.0, 3.0, [7.0, 11.0]]
    for dtype in (np.float64, np.float32):
        check_gradients(lambda a, b, x: tf.math.polyval([a, b, tf.ones([], x.dtype)], x),
                        RNG.uniform(-1, 1, (3,)), np.array(0.7), RNG.uniform(-1, 1, (2, 3)), dtype=dtype)


def test_cumulative_logsumexp_values():
    x = tf.constant([0.0, 1.0, 2.0], tf.float64)
    cle = tf.math.cumulative_logsumexp
    np.testing.assert_allclose(cle(x).numpy(), [0.0, 1.3132616875182228, 2.40760596444438], rtol=1e-15)
    np.testing.assert_allclose(cle(x, exclusive=True).numpy(), [-inf, 0.0, 1.3132616875182228], rtol=1e-15)
    np.testing.assert_allclose(cle(x, reverse=True).numpy(), [2.40760596444438, 2.3132616875182228, 2.0],
                               rtol=1e-15)
    np.testing.assert_allclose(cle(x, exclusive=True, reverse=True).numpy(), [2.3132616875182228, 2.0, -inf],
                               rtol=1e-15)
    y = cle(tf.constant([[0.0, 1.0], [5.0, -3.0]], tf.float64), axis=-1)
    np.testing.assert_allclose(y.numpy(), [[0.0, 1.3132616875182228], [5.0, 5.000335406372896]], rtol=1e-15)
    np.testing.assert_array_equal(cle(tf.constant([-inf, -inf, 1000.0, inf, 1.0])).numpy(),
                                  [-inf, -inf, 1000.0, inf, inf])
    np.testing.assert_allclose(cle(tf.constant([1000.0, 1000.0, -1000.0], tf.float64)).numpy(),
                               [1000.0, 1000.6931471805599, 1000.6931471805599], rtol=1e-15)
    assert cle(tf.constant([1.0, 2.0], tf.float16)).numpy().tolist() == [1.0, np.float16(2.312)]
    with invalid(r"ScanOp: Expected scan axis in the range \[-2, 2\), "
                                                             r"but got 2 \[Op:CumulativeLogsumexp\]"):
        cle(tf.constant([[0.0, 1.0]]), axis=2)
    with invalid(r"range \[0, 0\), but got 0 \[Op:CumulativeLogsumexp\]"):
        cle(tf.constant(1.0))
    with invalid(r"of int32 is not in the list of allowed values: half, float, double "
                             r"\[Op:CumulativeLogsumexp\]"):
        cle(tf.constant([1, 2]))


def test_cumulative_logsumexp_gradients():
    # TensorFlow 2.21's gradients of sum(w * cumulative_logsumexp(x, ...)).
    w = tf.constant([[1.0, -2.0], [0.0, 3.0]], tf.float64)
    x = np.array([[0.0, 1.0], [5.0, -3.0]])
    (g,) = gradients(lambda x: tf.math.cumulative_logsumexp(x, axis=1) * w, x)
    np.testing.assert_allclose(g, [[0.4621171572600098, -1.46211715726001],
                                   [2.9989939496085993, 0.0010060503913994336]], rtol=1e-14)
    (g,) = gradients(lambda x: tf.math.cumulative_logsumexp(x, axis=0, exclusive=True, reverse=True) * w, x)
    np.testing.assert_allclose(g, [[0.0, 0.0], [1.0, -2.0]], rtol=1e-14)
    w = tf.constant([1.0, -2.0, 3.0])
    (g,) = gradients(lambda x: tf.math.cumulative_logsumexp(x, exclusive=True) * w, [0.0, 1.0, 2.0])
    np.testing.assert_allclose(g, [-1.1931757926940918, 2.1931755542755127, 0.0], rtol=1e-6)
    (g,) = gradients(tf.math.cumulative_logsumexp, np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(g, [2.0, 1.0, 0.0], rtol=1e-12)
    # (an exclusive scan's -inf is left out: finite differences cannot take it)
    for dtype in (np.float64, np.float32):
        check_gradients(lambda x: tf.math.cumulative_logsumexp(x, axis=1), RNG.uniform(-2, 2, (2, 4)),
                        dtype=dtype)
        check_gradients(lambda x: tf.math.cumulative_logsumexp(x, axis=1, exclusive=True)[:, 1:],
                        RNG.uniform(-2, 2, (2, 4)), dtype=dtype)
        check_gradients(lambda x: tf.math.cumulative_logsumexp(x, reverse=True), RNG.uniform(-2, 2, (3, 2)),
                        dtype=dtype)
        check_gradients(lambda x: tf.math.cumulative_logsumexp(x, exclusive=True, reverse=True)[:-1],
                        RNG.uniform(-5, 5, (5,)), dtype=dtype)


def test_confusion_matrix():
    cm = tf.math.confusion_matrix
    y = cm([1, 2, 4], [2, 2, 4])
    assert y.dtype == tf.int32 and y.shape == [5, 5]
    assert np.argwhere(y.numpy()).tolist() == [[1, 2], [2, 2], [4, 4]]
    assert cm([1, 2, 4], [2, 2, 4], num_classes=6).shape == [6, 6]
    expected = [[0, 0, 0], [0, 0, 2], [0, 0, 1]]
    y = cm([1, 2, 1], [2, 2, 2], weights=[0.5, 1.0, 2.0])
    assert y.numpy().tolist() == expected  # the weights cast to int32
    y = cm([1, 2, 1], [2, 2, 2], weights=[0.5, 1.0, 2.0], dtype=tf.float32)
    assert y.numpy().tolist() == [[0, 0, 0], [0, 0, 2.5], [0, 0, 1]]
    assert cm([1, 2, 1], [2, 2, 2], dtype=tf.float64).dtype == tf.float64
    assert cm([1, 2, 1], [2, 2, 2], dtype=tf.bool).numpy().tolist()[1] == [False, False, True]
    one_each = [[0, 0, 0], [0, 1, 0], [1, 0, 0]]
    assert cm(tf.constant([1, 2], tf.int64), tf.constant([1, 0])).numpy().tolist() == one_each
    assert cm([1.5, 2.0], [1.0, 0.0]).numpy().tolist() == one_each  # floats truncate
    none = tf.constant([], tf.int32)
    assert cm(none, none, num_classes=2).numpy().tolist() == [[0, 0]] * 2
    assert cm([0, 1], [1, 1], num_classes=tf.constant(3, tf.int64)).shape == [3, 3]
    # TensorFlow 2.21's gradient for the weights.
    w = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    (g,) = gradients(lambda v: cm([1, 2, 1], [2, 2, 2], weights=v, dtype=tf.float32) * w, [0.5, 1.0, 2.0])
    assert g.tolist() == [6.0, 9.0, 6.0]
    check_gradients(lambda v: cm([1, 2, 1, 0], [2, 2, 2, 1], weights=v, dtype=v.dtype),
                    RNG.uniform(0, 1, (4,)))


def test_confusion_matrix_errors():
    cm = tf.math.confusion_matrix
    message = ("`labels` out of bound\nCondition x < y did not hold.\nFirst 3 elements of x:\n[1 2 4]\n"
               "First 1 elements of y:\n[3]")
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        cm([1, 2, 4], [2, 2, 4], num_classes=3)
    assert str(raised.value) == message
    with invalid("^`predictions` out of bound"):
        cm([1, 2, 1], [2, 2, 4], num_classes=3)
    message = ("`labels` contains negative values.  \nCondition x >= 0 did not hold element-wise:\n"
               "x (shape=(6,) dtype=int64) = \n['1', '-2', '4', '...']")
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        cm([1, -2, 4, 5, 6, -7], [2, 2, 4, 1, 1, 1])
    assert str(raised.value) == message
    with invalid(r"^`predictions` contains negative values"):
        cm([1, 2, 4], [2, -2, 4])
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are incompatible"):
        cm([1, 2, 1], [2, 2, 2], weights=[0.5, 1.0])


def test_angle():
    y = tf.math.angle(tf.constant([-1.0, 0.0, -0.0, 2.0, nan, -inf]))
    assert y.dtype == tf.float32 and y.numpy().tolist() == [np.float32(np.pi), 0, 0, 0, 0, np.float32(np.pi)]
    assert tf.math.angle(tf.constant([-1.0, 2.0], tf.float64)).numpy().tolist() == [np.pi, 0.0]
    y = tf.math.angle(tf.constant([1 + 1j, -1 + 0j, -1 - 0j, 0j], tf.complex64))
    assert y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [0.7853982, 3.1415927, 3.1415927, 0.0], rtol=1e-7)
    with pytest.raises(TypeError, match="Cannot convert 3.141592653589793 to EagerTensor of dtype int32"):
        tf.math.angle(tf.constant([-1, 2]))
    for x, dtype in [(tf.constant(["a"]), "string"), (tf.constant([True]), "bool")]:
        with pytest.raises(TypeError, match=f"Cannot convert 0 to EagerTensor of dtype {dtype}"):
            tf.math.angle(x)
    # TensorFlow 2.21: no gradient for a real input; i / conj(z) times the gradient for a complex one.
    assert gradients(tf.math.angle, [-1.0, 2.0]) == [None]
    weights = tf.constant([1.0, 2.0], tf.float64)
    (g,) = gradients(lambda z: tf.math.angle(z) * weights, np.array([1 + 1j, -2 + 1j]))
    np.testing.assert_allclose(g, [-0.5 + 0.5j, -0.4 - 0.8j], rtol=1e-15)


def test_accumulate_n():
    an = tf.math.accumulate_n
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    assert an([a, b]).numpy().tolist() == [4.0, 6.0]
    assert an((a, b), shape=[2], tensor_dtype=tf.float32).numpy().tolist() == [4.0, 6.0]
    assert an([a]).numpy().tolist() == [1.0, 2.0]
    assert an([[1.0, 2.0], [3.0, 4.0]]).numpy().tolist() == [4.0, 6.0]
    assert an([tf.Variable([1.0, 2.0]), b]).numpy().tolist() == [4.0, 6.0]
    assert an([tf.constant([1, 2]), tf.constant([3, 4])]).dtype == tf.int32
    problem = "inputs must be a list of at least one Tensor with the same dtype and shape"
    for inputs in ([], [a, tf.constant([3.0, 4.0], tf.float64)]):
        with pytest.raises(ValueError, match=problem):
            an(inputs)
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are not compatible"):
        an([a, b], shape=[3])
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \(3,\) are not compatible"):
        an([a, tf.constant([3.0, 4.0, 5.0])])
    with pytest.raises(TypeError, match=r"The `tensor_dtype` argument is <dtype: 'float64'>, but `input` is "
                                        r"of type <dtype: 'float32'>. These must be equal."):
        an([a, b], tensor_dtype=tf.float64)
    grads = gradients(lambda a, b: an([a, b, a]), [1.0, 2.0], [3.0, 4.0])
    assert [g.tolist() for g in grads] == [[2, 2], [1, 1]]
    check_gradients(lambda a, b: an([a, b * b, a]), RNG.uniform(-1, 1, (3,)), RNG.uniform(-1, 1, (3,)))


P = [[0.1, 0.9, 0.5, 0.5], [0.3, 0.2, 0.2, 0.1], [nan, 0.1, 0.2, 0.3], [inf, 1.0, 2.0, 3.0]]


def test_in_top_k():
    # TensorFlow 2.21: targets first; ties count for the target; a row with a prediction that is not
    # finite, or a target out of range, is never in the top k.
    assert tf.math.in_top_k(tf.constant([1, 2, 1, 0]), P, 1).numpy().tolist() == [True, False, False, False]
    assert tf.math.in_top_k(tf.constant([2, 2, 3, 0]), P, 2).numpy().tolist() == [True, True, False, False]
    assert tf.math.in_top_k(tf.constant([3, 1, 3, 3]), P, 2).numpy().tolist() == [True, True, False, False]
    assert tf.math.in_top_k(tf.constant([1, 0, 3, 3]), P, 5).numpy().tolist() == [True, True, False, False]
    assert not tf.math.in_top_k(tf.constant([1, 0, 3, 3]), P, 0).numpy().any()
    assert not tf.math.in_top_k(tf.constant([1, 0, 3, 3]), P, -1).numpy().any()
    assert not tf.math.in_top_k(tf.constant([4, -1, 3, 3]), P, 2).numpy().any()
    y = tf.math.in_top_k(tf.constant([1, 0, 3, 3], tf.int64), P, tf.constant(2, tf.int64))
    assert y.dtype == tf.bool and y.numpy().tolist() == [True, True, False, False]
    assert tf.math.in_top_k([1, 0], [[1.0, 2.0], [3.0, 4.0]], 1).numpy().tolist() == [True, False]


def test_in_top_k_errors():
    f = tf.math.in_top_k
    two = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    cases = [
        ((tf.constant([1, 0, 3, 3]), P, tf.constant(2, tf.int64)),
         r"cannot compute InTopKV2 as input #2\(zero-based\) was expected to be a int32 tensor but is a "
         r"int64"),
        ((tf.constant([1, 0]), tf.constant([[1.0, 2.0]], tf.float64), 1),
         r"input #0\(zero-based\) was expected to be a float tensor but is a double tensor"),
        ((tf.constant([1.0, 0.0]), two, 1), "is not in the list of allowed values: int32, int64"),
        ((tf.constant([1, 0]), tf.constant([1.0, 2.0]), 1), "predictions must be 2-dimensional"),
        ((tf.constant([[1, 0]]), two, 1), "targets must be 1-dimensional"),
        ((tf.constant([1, 0, 1]), two, 1), "First dimension of predictions 2 must match length of targets 3"),
        ((tf.constant([1, 0]), two, [1]), r"k must be 0-D, got shape \[1\]"),
    ]
    for args, message in cases:
        with invalid(message + r".*\[Op:InTopKV2\]"):
            f(*args)


def test_softmax_aliases():
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax


def test_traced_functions_give_the_eager_values_and_gradients():
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = (tf.math.cumulative_logsumexp(x, exclusive=True)[1:] + tf.math.reduce_euclidean_norm(x)
                 + tf.math.multiply_no_nan(x, x)[1:] + tf.math.reciprocal_no_nan(x)[1:]
                 + tf.math.polyval([x, 2.0, 1.0], x)[1:] + tf.math.accumulate_n([x, x])[1:]
                 + tf.cast(tf.math.count_nonzero(x), tf.float32) + tf.math.zero_fraction(x))
        return y, tape.gradient(y, x)

    x = tf.constant([0.3, 0.0, 1.7])
    for eager, traced in zip(f(x), tf.function(f)(x)):
        np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-6)
