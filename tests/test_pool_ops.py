"""tf.nn.max_pool, max_pool1d, max_pool2d, avg_pool, avg_pool1d and avg_pool2d: values, gradients (TF's
tie rule, SAME averages over valid elements), second-order gradients and errors recorded from
TensorFlow 2.21 (CPU, TF_ENABLE_ONEDNN_OPTS=0), gradient checks against finite differences (inputs
without ties), and the ops inside tf.function."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def perm(shape, mult=7919):
    """Distinct values 0..n-1 in a scrambled order (no ties: max pooling is differentiable there)."""
    n = int(np.prod(shape))
    return (np.arange(n) * mult % n).reshape(shape).astype(np.float64)


X = perm((1, 5, 4, 2), 17)
RNG = np.random.default_rng(11)
FLOAT_TYPES = [np.float64, np.float32]

# TensorFlow 2.21's values for the calls below (x = X; gradients of sum(y * (perm(y.shape, 3) + 1))),
# and for the tests of ties and second order.
TF = {
    "max_same_y": [
        34, 33, 38, 39, 36, 37, 38, 37, 36, 35, 36, 29],
    "max_same_g": [
        0, 0, 1, 0, 0, 0, 0, 10, 0, 4, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 14, 0, 0, 0, 0, 0, 0, 9, 0, 0,
        0, 0, 0, 0, 4, 0, 10, 0, 0],
    "max_valid_y": [
        34, 33, 32, 37, 36, 37, 36, 35],
    "max_valid_g": [
        0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0,
        0, 0, 0, 6, 0, 0, 0, 0],
    "max_explicit_y": [
        34, 17, 34, 11, 28, 39, 22, 39, 32, 33, 26, 37, 38, 37, 38, 31, 24, 35, 36, 35, 36, 29, 30, 23],
    "max_explicit_g": [
        0, 4, 8, 10, 13, 0, 19, 38, 0, 4, 0, 0, 0, 0, 32, 0, 1, 0, 7, 0, 0, 26, 0, 22, 0, 0, 0, 0, 20, 0,
        19, 0, 1, 0, 0, 14, 0, 16, 0, 22],
    "avg_same_y": [
        15.33333, 19, 23, 20, 17.11111, 20.77778, 23.66667, 20.66667, 16.66667, 20.33333, 21, 18],
    "avg_same_g": [
        0.1666667, 0.6666667, 0.1666667, 0.6666667, 1.916667, 3.166667, 1.75, 2.5, 0.2777778, 1.111111,
        0.2777778, 1.111111, 3.194444, 5.277778, 2.916667, 4.166667, 0.1111111, 0.4444444, 0.1111111,
        0.4444444, 1.277778, 2.111111, 1.166667, 1.666667, 0.2777778, 1.111111, 0.2777778, 1.111111,
        3.194444, 5.277778, 2.916667, 4.166667, 0.1666667, 0.6666667, 0.1666667, 0.6666667, 1.916667,
        3.166667, 1.75, 2.5],
    "avg_valid_y": [
        15.33333, 19, 18, 21.66667, 20.66667, 17.66667, 16.66667, 20.33333],
    "avg_valid_g": [
        0.1666667, 0.6666667, 0.1666667, 0.6666667, 0.1666667, 0.6666667, 0, 0, 1.333333, 1, 1.333333, 1,
        1.333333, 1, 0, 0, 2, 1.666667, 2, 1.666667, 2, 1.666667, 0, 0, 1.333333, 2.333333, 1.333333,
        2.333333, 1.333333, 2.333333, 0, 0, 0.5, 1, 0.5, 1, 0.5, 1, 0, 0],
    "max1d_y": [
        34, 17, 28, 39, 16, 33, 38, 21, 32, 9, 20, 37, 36, 25, 36, 13, 24, 35, 12, 29],
    "max1d_g": [
        0, 4, 1, 0, 7, 0, 0, 10, 13, 16, 0, 0, 0, 2, 19, 0, 5, 8, 0, 0, 11, 14, 0, 0, 0, 20, 0, 0, 20, 6,
        0, 0, 9, 0, 0, 12, 15, 18, 0, 0],
    "avg1d_y": [
        20.66667, 11, 22, 25.66667, 10, 27, 24.66667, 15, 29, 6, 14, 31, 15.33333, 19, 30, 7, 18,
        21.66667, 9, 26],
    "avg1d_g": [
        0.3333333, 1.333333, 0.3333333, 1.333333, 2.666667, 4.666667, 2.333333, 3.333333, 6.666667,
        8.666667, 4.333333, 5.333333, 10.66667, 6, 6.333333, 0.6666667, 8.833333, 4.666667, 2.5, 4,
        3.666667, 4.666667, 3.666667, 4.666667, 9.333333, 11.33333, 5.666667, 6.666667, 6.666667,
        8.666667, 1, 2, 4, 6, 3, 4, 10.5, 13, 7.5, 9],
    "tie_22": [
        0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
    "tie_21": [
        0, 2, 1, 0, 1, 0, 0, 1, 0, 3, 1, 0, 0, 0, 0, 0],
    "tie_31": [
        0, 6, 2, 0, 2, 0, 0, 2, 0, 3, 1, 0, 0, 0, 0, 0],
    "gradgrad": [
        5, 6, 3, 3, 9, 6, 6, 11, 9, 9, 15, 15, 12, 14, 15, 15],
    "avg_gradgrad": [
        5, 6.5, 0, 0, 11, 12.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
}

CASES = {
    "max_same": lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
    "max_valid": lambda x: tf.nn.max_pool2d(x, [2, 3], [1, 2], "VALID"),
    "max_explicit": lambda x: tf.nn.max_pool2d(x, 2, [2, 1], [[0, 0], [1, 0], [0, 1], [0, 0]]),
    "avg_same": lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
    "avg_valid": lambda x: tf.nn.avg_pool2d(x, [2, 3], [1, 2], "VALID"),
    "max1d": lambda x: tf.nn.max_pool1d(tf.reshape(x, [2, 10, 2]), 3, 2, "SAME"),
    "avg1d": lambda x: tf.nn.avg_pool1d(tf.reshape(x, [2, 10, 2]), 3, 2, "SAME"),
}
SHAPES = {"max_same": [1, 3, 2, 2], "max_valid": [1, 4, 1, 2], "max_explicit": [1, 3, 4, 2],
          "avg_same": [1, 3, 2, 2], "avg_valid": [1, 4, 1, 2], "max1d": [2, 5, 2], "avg1d": [2, 5, 2]}


@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_match_tensorflow(case):
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = CASES[case](x)
        loss = tf.reduce_sum(y * (perm(y.shape, 3) + 1))
    assert y.shape.as_list() == SHAPES[case] and y.dtype == tf.float64
    np.testing.assert_allclose(y.numpy().ravel(), TF[f"{case}_y"], rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, x).numpy().ravel(), TF[f"{case}_g"], rtol=1e-6)


def test_rank_dispatch():
    x = tf.constant(X)
    x1 = tf.reshape(x, [2, 10, 2])
    for generic, specific in [(tf.nn.max_pool(x, 3, 2, "SAME"), tf.nn.max_pool2d(x, 3, 2, "SAME")),
                              (tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
                               tf.nn.avg_pool2d(x, 3, 2, "SAME")),
                              (tf.nn.max_pool(x1, [3], [2], "SAME"), tf.nn.max_pool1d(x1, 3, 2, "SAME")),
                              (tf.nn.avg_pool(x1, 3, [1, 2, 1], "SAME"), tf.nn.avg_pool1d(x1, 3, 2, "SAME"))]:
        np.testing.assert_array_equal(generic.numpy(), specific.numpy())


@pytest.mark.parametrize("case, args", [("tie_22", (2, 2, "VALID")), ("tie_21", (2, 1, "VALID")),
                                        ("tie_31", (3, 1, "SAME"))])
def test_ties_go_to_the_first_maximum_as_in_tensorflow(case, args):
    x = tf.constant(np.array([[1.0, 3, 3, 0], [3, 2, 1, 3], [0, 3, 3, 1], [1, 1, 1, 1]]).reshape(1, 4, 4, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, *args)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().ravel(), TF[case])


def test_nan_and_infinity_as_in_tensorflow():
    def pool_and_grad(values):
        x = tf.constant(np.array(values, np.float32).reshape(1, 2, 2, 1))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(x, 2, 1, "VALID")
        return float(y.numpy().ravel()[0]), tape.gradient(y, x).numpy().ravel().tolist()

    lowest = float(np.finfo(np.float32).min)  # TF's kernel starts from the lowest value and passes over NaN
    assert pool_and_grad([1, np.nan, 2, 0]) == (2.0, [0, 0, 1, 0])
    assert pool_and_grad([np.nan, 1, 2, 0]) == (2.0, [1, 0, 0, 0])
    assert pool_and_grad([np.nan] * 4) == (lowest, [1, 0, 0, 0])
    assert pool_and_grad([-np.inf] * 4) == (lowest, [1, 0, 0, 0])


def _gradient_of_weighted_gradient(pool, x, seed_shape):
    """d/d(upstream) of sum(gradient of pool(x) for `upstream` * weights): the gradient op's own gradient."""
    weights = tf.reshape(tf.range(16, dtype=tf.float64), [1, 4, 4, 1])
    upstream = tf.ones(seed_shape, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(upstream)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = pool(x)
        total = tf.reduce_sum(inner.gradient(y, x, output_gradients=upstream) * weights)
    return outer.gradient(total, upstream).numpy()


def test_second_order_matches_tensorflow():
    x = tf.constant(perm((1, 4, 4, 1), 5))
    max_pool = lambda t: tf.nn.max_pool2d(t, 2, 1, "SAME")
    avg_pool = lambda t: tf.nn.avg_pool2d(t, 3, 2, "SAME")
    max_grad_grad = _gradient_of_weighted_gradient(max_pool, x, [1, 4, 4, 1])
    np.testing.assert_array_equal(max_grad_grad.ravel(), TF["gradgrad"])
    avg_grad_grad = _gradient_of_weighted_gradient(avg_pool, x, [1, 2, 2, 1])
    np.testing.assert_allclose(avg_grad_grad.ravel(), np.reshape(TF["avg_gradgrad"], (4, 4))[:2, :2].ravel())
    with tf.GradientTape() as outer:  # MaxPoolGrad's gradient with respect to the pooled input: zeros (TF)
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.max_pool2d(x, 2, 1, "SAME")
        g = inner.gradient(y, x)
    assert outer.gradient(g, x).numpy().tolist() == np.zeros((1, 4, 4, 1)).tolist()


def test_dtypes():
    ints = np.array([[5, -3, 7], [1, 0, -8]]).reshape(1, 2, 3, 1)
    for dtype in (tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8, tf.uint16, tf.float16, tf.float32):
        x = tf.cast(tf.constant(np.abs(ints) if dtype.is_unsigned else ints), dtype)
        out = tf.nn.max_pool2d(x, 2, 1, "SAME")
        assert out.dtype == dtype
        expected = [[5, 8, 8], [1, 8, 8]] if dtype.is_unsigned else [[5, 7, 7], [1, 0, -8]]
        assert out.numpy()[0, :, :, 0].tolist() == expected
    for dtype in (tf.float16, tf.float32, tf.float64):
        out = tf.nn.avg_pool2d(tf.ones([1, 3, 3, 2], dtype), 2, 1, "SAME")
        assert out.dtype == dtype and np.all(out.numpy() == 1)
    empty = tf.nn.max_pool2d(tf.ones([1, 0, 5, 1]), 2, 1, "SAME")
    assert empty.shape == (1, 0, 5, 1)
    assert tf.nn.avg_pool2d(tf.ones([1, 5, 5, 2]), 6, 1, "VALID").shape == (1, 0, 0, 2)


x4 = tf.ones([1, 5, 5, 2])
INVALID, UNIMPLEMENTED = tf.errors.InvalidArgumentError, tf.errors.UnimplementedError


@pytest.mark.parametrize("call, error, message", [  # TensorFlow's errors and messages
    (lambda: tf.nn.max_pool(x4, [1, 2, 3], 1, "VALID"), ValueError,
     r"ksize should be of length 1, 2 or 4. Received: ksize=\[1, 2, 3\] of length 3"),
    (lambda: tf.nn.max_pool(x4, [2, 2, 2, 1], 1, "VALID"), UNIMPLEMENTED,
     r"Pooling is not yet supported on the batch dimension. \[Op:MaxPool\]"),
    (lambda: tf.nn.max_pool(x4, [1, 2, 2, 2], 1, "VALID"), UNIMPLEMENTED,
     "MaxPooling supports exactly one of pooling across depth or pooling across width/height."),
    (lambda: tf.nn.max_pool(x4, 0, 1, "VALID"), INVALID,
     "Sliding window ksize must be positive. The specified or inferred ksize is: 1,0,0,1"),
    (lambda: tf.nn.max_pool2d(x4, 2, -1, "VALID"), INVALID, "Stride must be > 0, but got -1"),
    (lambda: tf.nn.max_pool(x4, 8, 1, "VALID"), INVALID,
     r"Computed output size would be negative: -2 \[input_size: 5, effective_filter_size: 8, stride: 1\]"),
    (lambda: tf.nn.max_pool(x4, 2, 1, [[0, 0], [2, 2], [1, 0], [0, 0]]), INVALID,
     "Top padding 2 needs to be smaller than the window size 2"),
    (lambda: tf.nn.max_pool2d(x4, 2, 1, [[0, 0], [0, 3], [0, 0], [0, 0]]), INVALID,
     "Bottom padding 3 needs to be smaller than the window size 2"),
    (lambda: tf.nn.max_pool2d(x4, 2, 1, [[0, 0], [0, 0], [0, 2], [0, 0]]), INVALID,
     "Right padding 2 needs to be smaller than the window size 2"),
    (lambda: tf.nn.max_pool2d(x4, 2, 1, [[1, 0], [0, 0], [0, 0], [0, 0]]), INVALID,
     "Nonzero explicit padding in the batch or depth dimensions is not supported"),
    (lambda: tf.nn.max_pool1d(tf.ones([1, 5, 2]), 2, 1, [[0, 0], [0, 0]]), ValueError,
     r"When padding is a list, it must be of size 3. Received: padding=\[\[0, 0\], \[0, 0\]\] of size 2"),
    (lambda: tf.nn.max_pool2d(x4, 2, 1, "EXPLICIT"), ValueError,
     "'EXPLICIT' is not a valid value for `padding`"),
    (lambda: tf.nn.max_pool(tf.ones([1, 2, 5, 5]), 2, 1, "VALID", data_format="NCHW"), INVALID,
     "Default MaxPoolingOp only supports NHWC on device type CPU"),
    (lambda: tf.nn.max_pool(x4, 2, 1, "VALID", data_format="NHCW"), INVALID,
     'Value for attr \'data_format\' of "NHCW" is not in the list of allowed values: "NHWC", "NCHW", '
     '"NCHW_VECT_C"'),
    (lambda: tf.nn.max_pool(x4, 2, 1, "valid"), INVALID,
     'Value for attr \'padding\' of "valid" is not in the list of allowed values: "SAME", "VALID", '
     '"EXPLICIT"'),
    (lambda: tf.nn.max_pool(tf.ones([5, 2]), 2, 1, "VALID"), ValueError,
     r"`input.shape.rank` must be 3, 4 or 5. Received: input.shape=\(5, 2\) of rank 2."),
    (lambda: tf.nn.max_pool2d(tf.ones([5, 5, 2]), 2, 1, "VALID"), INVALID,
     "tensor_in_shape must have 2 spatial dimensions. 3 0"),
    (lambda: tf.nn.max_pool1d(tf.ones([1, 2, 5]), 2, 1, "VALID", data_format="NCW"), INVALID,
     "Default MaxPoolingOp only supports NHWC on device type CPU"),
    (lambda: tf.nn.max_pool1d(tf.ones([1, 5, 2]), [2, 2], 1, "VALID"), ValueError,
     r"ksize should be of length 1, 1 or 3. Received: ksize=\[2, 2\] of length 2"),
    (lambda: tf.nn.max_pool(tf.ones([1, 5, 5, 2], tf.bool), 2, 1, "SAME"), INVALID,
     "Value for attr 'T' of bool"),
    (lambda: tf.nn.max_pool(tf.ones([1, 5, 5, 2], tf.uint32), 2, 1, "SAME"), INVALID,
     "Value for attr 'T' of uint32"),
    (lambda: tf.nn.avg_pool(tf.ones([1, 5, 5, 2], tf.int32), 2, 1, "SAME"), INVALID,
     r"Value for attr 'T' of int32 is not in the list of allowed values: half, float, double \[Op:AvgPool\]"),
    (lambda: tf.nn.avg_pool(x4, 2, 1, [[0, 0], [1, 1], [1, 0], [0, 0]]), TypeError,
     r"Expected string for argument 'padding' not \[\[0, 0\], \[1, 1\], \[1, 0\], \[0, 0\]\]."),
    (lambda: tf.nn.avg_pool2d(x4, 2, 1, "EXPLICIT"), INVALID,
     'Value for attr \'padding\' of "EXPLICIT" is not in the list of allowed values: "SAME", "VALID"'),
    (lambda: tf.nn.avg_pool(tf.ones([1, 2, 5, 5]), 2, 1, "VALID", data_format="NCHW"), INVALID,
     "Default AvgPoolingOp only supports NHWC on device type CPU"),
    (lambda: tf.nn.avg_pool2d(x4, [1, 2, -3, 1], 1, "VALID"), INVALID,
     "ksize must be a positive int32 value, got:-3"),
    (lambda: tf.nn.avg_pool2d(x4, 2, [2, 1, 1, 1], "VALID"), UNIMPLEMENTED,
     "Pooling is not yet supported on the batch dimension."),
    (lambda: tf.nn.avg_pool1d(tf.ones([5, 2]), 2, 1, "VALID"), INVALID,
     r"tensor_in_shape must have 2 spatial dimensions. 3 0 \[Op:AvgPool\]"),
    (lambda: tf.nn.max_pool(tf.ones([1, 2, 5, 5, 2]), 2, 1, "VALID"), NotImplementedError, "3-D"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", FLOAT_TYPES)
@pytest.mark.parametrize("ksize, strides, padding", [
    (2, 2, "VALID"), (3, 1, "SAME"), ([2, 3], [2, 1], "SAME"), (3, 2, "SAME"), ([1, 2], [1, 2], "VALID"),
])
def test_gradients(dtype, ksize, strides, padding):
    x = perm((1, 5, 4, 2), 13)
    check_gradients(lambda t: tf.nn.max_pool2d(t, ksize, strides, padding), x, dtype=dtype)
    check_gradients(lambda t: tf.nn.avg_pool2d(t, ksize, strides, padding), x, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_gradients_1d_and_explicit_padding(dtype):
    x = perm((2, 7, 3), 5)
    check_gradients(lambda t: tf.nn.max_pool1d(t, 3, 2, "SAME"), x, dtype=dtype)
    check_gradients(lambda t: tf.nn.avg_pool1d(t, 2, 1, "VALID"), x, dtype=dtype)
    check_gradients(lambda t: tf.nn.max_pool2d(t, 2, 1, [[0, 0], [1, 1], [0, 1], [0, 0]]),
                    perm((1, 3, 4, 2), 5), dtype=dtype)


def test_inside_tf_function_with_gradients_and_an_unknown_batch():
    x = tf.constant(RNG.permutation(2 * 6 * 5 * 3).reshape(2, 6, 5, 3).astype(np.float64))

    def f(x):
        with tf.GradientTape(persistent=True) as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.nn.avg_pool2d(tf.nn.max_pool2d(x, 2, 1, "SAME") ** 2, 3, 2, "SAME")
            g = inner.gradient(y, x)
            total = tf.reduce_sum(g * x)
        return y, g, outer.gradient(total, x)

    eager = f(x)
    signature = [tf.TensorSpec([None, 6, 5, 3], tf.float64)]
    for compiled in (tf.function(f), tf.function(f, input_signature=signature)):
        for a, b in zip(eager, compiled(x)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
