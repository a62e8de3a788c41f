"""Reductions: values against NumPy, TF dtypes and edge cases, errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

RNG = np.random.default_rng(1)
FLOAT_TYPES = [np.float64, np.float32]
X23 = RNG.uniform(-2, 2, size=(2, 3))
AXES = [None, 0, 1, -1, [0, 1], (-2,), []]


def grad(f, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy()


@pytest.mark.parametrize("name, reference", [
    ("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_max", np.max), ("reduce_min", np.min),
    ("reduce_prod", np.prod)])
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(name, reference, axis, keepdims):
    x = X23.astype(np.float32)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    out = getattr(tf, name)(tf.constant(x), axis=axis, keepdims=keepdims)
    assert out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), reference(x, axis=np_axis, keepdims=keepdims), rtol=1e-6)


def test_integer_reductions_keep_dtype():
    x = tf.constant([[1, 2], [3, 4]])
    for f, expected in [(tf.reduce_sum, 10), (tf.reduce_prod, 24), (tf.reduce_max, 4), (tf.reduce_min, 1),
                        (tf.reduce_mean, 2)]:
        out = f(x)
        assert out.dtype == tf.int32 and out.numpy() == expected
    assert tf.reduce_sum(tf.constant([100, 100], tf.int8)).numpy() == -56  # wraps, as TF
    assert tf.reduce_mean(tf.constant([-1, -2])).numpy() == -1  # truncates toward zero


def test_empty_reductions():
    assert tf.reduce_sum(tf.zeros([0])).numpy() == 0
    assert np.isnan(tf.reduce_mean(tf.zeros([0])).numpy())
    assert tf.reduce_max(tf.zeros([0])).numpy() == -np.inf
    assert tf.reduce_min(tf.zeros([0], tf.int32)).numpy() == 2147483647
    assert tf.reduce_max(tf.zeros([0], tf.uint8)).numpy() == 0
    assert tf.reduce_prod(tf.zeros([0])).numpy() == 1
    np.testing.assert_array_equal(tf.reduce_prod(tf.zeros([2, 0]), axis=1).numpy(), [1, 1])
    assert tf.reduce_logsumexp(tf.zeros([0])).numpy() == -np.inf
    assert not tf.reduce_any(tf.zeros([0], tf.bool)).numpy()
    assert tf.reduce_all(tf.zeros([0], tf.bool)).numpy()


def test_nan_propagates_through_extrema():
    assert np.isnan(tf.reduce_max(tf.constant([1.0, np.nan, 3.0])).numpy())
    assert np.isnan(tf.reduce_min(tf.constant([1.0, np.nan])).numpy())


@pytest.mark.parametrize("call, error", [
    (lambda: tf.reduce_sum(tf.ones([2, 3]), axis=2), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_sum(tf.ones([2, 3]), axis=-3), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_sum(tf.constant(3.0), axis=0), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_max(tf.ones([1, 2]), axis=[0, -2]), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_sum(tf.ones([2]), axis=0.5), TypeError),
    (lambda: tf.reduce_sum(tf.constant([True])), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_mean(tf.constant(["a"])), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_max(tf.constant([True])), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_prod(tf.constant([True])), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_any(tf.constant([1, 0])), tf.errors.InvalidArgumentError),
    (lambda: tf.reduce_logsumexp(tf.constant([1, 2])), tf.errors.InvalidArgumentError),
    (lambda: tf.math.reduce_variance(tf.constant([1, 2])), TypeError),
])
def test_errors(call, error):
    with pytest.raises(error):
        call()


def test_error_messages_name_op_and_axis():
    message = r"Invalid reduction dimension \(2 for input with 2 dimension\(s\) \[Op:Sum\]"
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.reduce_sum(tf.ones([2, 3]), axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="duplicate dimension: 0 \\[Op:Max\\]"):
        tf.reduce_max(tf.ones([1, 2]), axis=[0, 0])


def test_axis_may_be_a_tensor():
    out = tf.reduce_sum(tf.constant([[1.0, 2.0]]), axis=tf.constant(1, tf.int64))
    np.testing.assert_array_equal(out.numpy(), [3.0])


def test_logical_reductions():
    x = tf.constant([[True, False], [True, True]])
    np.testing.assert_array_equal(tf.reduce_any(x, axis=1).numpy(), [True, True])
    np.testing.assert_array_equal(tf.reduce_all(x, axis=1).numpy(), [False, True])
    assert tf.reduce_all(x, keepdims=True).shape == (1, 1)
    assert tf.reduce_any(x).dtype == tf.bool


def test_argmax_argmin():
    out = tf.argmax(tf.constant([1.0, 3.0, 3.0]))
    assert out.dtype == tf.int64 and out.numpy() == 1  # first index on ties
    np.testing.assert_array_equal(tf.argmin(tf.constant([[1.0, 0.0], [0.0, 1.0]])).numpy(), [1, 0])
    assert tf.argmax(tf.constant([1.0, 3.0]), output_type=tf.int32).dtype == tf.int32
    np.testing.assert_array_equal(tf.math.argmax(tf.constant([[1.0, 3.0]]), axis=1).numpy(), [1])
    np.testing.assert_array_equal(tf.argmax(X23, axis=-1).numpy(), np.argmax(X23, axis=-1))
    # TF skips NaN: observed argmax([nan, 1]) = 1, argmax([1, nan]) = 0, argmin([2, nan, 1]) = 2
    assert tf.argmax(tf.constant([np.nan, 1.0])).numpy() == 1
    assert tf.argmax(tf.constant([1.0, np.nan])).numpy() == 0
    assert tf.argmin(tf.constant([2.0, np.nan, 1.0])).numpy() == 2
    assert tf.argmax(tf.constant([True, False])).numpy() == 0


@pytest.mark.parametrize("call, message", [
    (lambda: tf.argmax(tf.ones([1, 2]), axis=2), r"Expected dimension in the range \[-2, 2\), but got 2"),
    (lambda: tf.argmax(tf.constant(1.0)), r"range \[0, 0\)"),
    (lambda: tf.argmax(tf.zeros([0])), "Reduction axis 0 is empty"),
    (lambda: tf.argmax(tf.constant([1, 2]), output_type=tf.float32), "output_type"),
    (lambda: tf.argmax(tf.constant(["a"])), "string"),
])
def test_arg_errors(call, message):
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        call()
    with pytest.raises(TypeError):
        tf.argmax(tf.ones([2, 2]), axis=[1])


def test_argmax_has_no_gradient():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.argmax(x)
    assert tape.gradient(y, x) is None


def test_logsumexp_values_and_stability():
    lse = tf.reduce_logsumexp
    np.testing.assert_allclose(lse(tf.constant([1.0, 2.0, 3.0])).numpy(), 3.4076059, rtol=1e-6)
    np.testing.assert_allclose(lse(tf.constant([1000.0, 1000.0])).numpy(), 1000.6932, rtol=1e-6)
    assert tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf])).numpy() == -np.inf
    assert tf.reduce_logsumexp(tf.constant([np.inf, 1.0])).numpy() == np.inf
    out = tf.reduce_logsumexp(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=1)
    np.testing.assert_allclose(out.numpy(), [2.3132617, 4.3132615], rtol=1e-6)
    assert tf.reduce_logsumexp(tf.constant([[1.0, 2.0]]), axis=1, keepdims=True).shape == (1, 1)
    assert tf.math.reduce_logsumexp(tf.constant([1.0, 2.0], tf.float64)).dtype == tf.float64


def test_moments():
    np.testing.assert_allclose(tf.math.reduce_variance(tf.constant([1.0, 2.0, 3.0, 4.0])).numpy(), 1.25)
    out = tf.math.reduce_std(tf.constant([[1.0, 2.0], [3.0, 5.0]]), axis=1, keepdims=True)
    np.testing.assert_allclose(out.numpy(), [[0.5], [1.0]])
    np.testing.assert_allclose(tf.math.reduce_std(X23, axis=0).numpy(), np.std(X23, axis=0))
    complex_var = tf.math.reduce_variance(tf.constant([1 + 1j, 2 - 1j]))
    assert complex_var.dtype == tf.float64 and complex_var.numpy() == 1.25


# ---- gradients ---------------------------------------------------------------------------------

def test_extremum_gradient_splits_ties():
    np.testing.assert_allclose(grad(tf.reduce_max, np.array([1.0, 3.0, 3.0], np.float32)), [0, 0.5, 0.5])
    np.testing.assert_allclose(grad(tf.reduce_max, np.array([2.0, 2.0, 2.0], np.float32)), [1 / 3] * 3)
    np.testing.assert_allclose(grad(lambda x: tf.reduce_min(x, axis=1), np.array([[1.0, 1.0], [0.0, 2.0]])),
                               [[0.5, 0.5], [1.0, 0.0]])


def test_prod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    np.testing.assert_allclose(grad(lambda t: tf.reduce_prod(t, axis=1), x),
                               [[0, 6, 0], [0, 0, 0], [6, 3, 2]])


@pytest.mark.parametrize("x", [
    np.array([2.0, 0.0, 3.0]), np.array([0.0, 0.0, 4.0, 1.5]), np.array([[0.0, 0.5], [0.0, 0.0]]),
    np.array([[1.5, -0.5, 2.0]])])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_prod_second_order_at_zeros(x, dtype):
    """The Hessian of a product at zeros is the product of the others, not 0 (TF's own rule gets it wrong)."""
    check_gradients(tf.reduce_prod, x, dtype=dtype)
    check_gradients(lambda t: tf.reduce_prod(t, axis=-1, keepdims=True), x, dtype=dtype)


SHAPES = [(), (3,), (2, 3), (2, 1, 3)]


def _reduce_cases():
    for name in ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_logsumexp"]:
        for shape in SHAPES:
            axes = [None] if not shape else [None, -1, 0]
            for axis in axes:
                for keepdims in ([False, True] if axis == -1 else [False]):
                    yield name, shape, axis, keepdims


@pytest.mark.parametrize("name, shape, axis, keepdims", list(_reduce_cases()))
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_reduction_gradients(name, shape, axis, keepdims, dtype):
    # Distinct values (no ties), away from zero: the reductions are smooth there.
    size = int(np.prod(shape))
    x = (RNG.permutation(size) + 1.0).reshape(shape) * 0.25 * RNG.choice([-1, 1], size=shape)
    f = getattr(tf, name)
    check_gradients(lambda t: f(t, axis=axis, keepdims=keepdims), x, dtype=dtype)


@pytest.mark.parametrize("name", ["reduce_variance", "reduce_std"])
@pytest.mark.parametrize("shape, axis", [((3,), None), ((2, 3), 1), ((2, 3), [0, 1])])
@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_moment_gradients(name, shape, axis, dtype):
    x = RNG.uniform(-1, 1, size=shape)
    check_gradients(lambda t: getattr(tf.math, name)(t, axis=axis), x, dtype=dtype)


def test_std_gradient_of_constant_is_nan():
    assert np.isnan(grad(tf.math.reduce_std, np.array([1.0, 1.0], np.float32))).all()


def test_logsumexp_gradient_is_softmax():
    np.testing.assert_allclose(grad(tf.reduce_logsumexp, np.array([1.0, 2.0, 3.0], np.float32)),
                               [0.09003057, 0.24472848, 0.66524094], rtol=1e-6)


# ---- cumsum -------------------------------------------------------------------------------------


def _numpy_cumsum(x, axis, exclusive, reverse):
    if reverse:
        x = np.flip(x, axis)
    out = np.cumsum(x, axis=axis)
    if exclusive:
        out = out - x
    return np.flip(out, axis) if reverse else out


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("shape, axis", [((4,), 0), ((2, 3), 1), ((2, 3), -2), ((2, 1, 3), 2)])
def test_cumsum_values_and_gradients(shape, axis, exclusive, reverse):
    x = np.arange(1, np.prod(shape) + 1, dtype=np.float64).reshape(shape) * 0.3
    got = tf.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse)
    np.testing.assert_allclose(got.numpy(), _numpy_cumsum(x, axis, exclusive, reverse))
    for dtype in FLOAT_TYPES:  # linear, so the second order is checked through a product
        check_gradients(lambda t: tf.cumsum(t * t, axis=axis, exclusive=exclusive, reverse=reverse), x,
                        dtype=dtype)


def test_cumsum_keeps_integer_dtypes_and_names_bad_arguments():
    assert tf.cumsum([1, 2, 3]).dtype == tf.int32 and tf.cumsum([1, 2, 3]).numpy().tolist() == [1, 3, 6]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[-2, 2\), but got 2 \[Op:Cumsum\]"):
        tf.cumsum(tf.zeros([2, 3]), axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[0, 0\), but got 0"):
        tf.cumsum(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'T' of bool"):
        tf.cumsum(tf.constant([True]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'Tidx' of float"):
        tf.cumsum(tf.zeros([2]), axis=tf.constant(0.0))
