"""tf.nn.conv2d, conv1d, conv2d_transpose, depthwise_conv2d and convolution: values, gradients, output
shapes, dtypes and errors recorded from TensorFlow 2.21 (CPU, TF_ENABLE_ONEDNN_OPTS=0: the reference
kernels), gradients to second order against finite differences, and the ops inside tf.function."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def ramp(shape, scale=0.25, mult=7, mod=11):
    """Deterministic test data: a few distinct values in a scrambled order."""
    n = int(np.prod(shape))
    return ((np.arange(n) * mult % mod) - mod // 2).reshape(shape) * scale


X = ramp((1, 4, 5, 2))
W = ramp((3, 2, 2, 3), 0.5, 5, 7)
RNG = np.random.default_rng(7)
FLOAT_TYPES = [np.float64, np.float32]

# Values printed by TensorFlow 2.21 for the calls below (x = X, w = W; gradients of
# sum(y * ramp(y.shape, 1.0, 3, 5))).
TF = {
    "same_s2_y": [
        1.375, 1.375, 0.5, -2.375, -4.875, 1.375, -1.25, 1.625, 1.875, 1.5, 0.875, 0.25, 0.625, 2.375,
        -1.125, -0.875, 1.375, 0.125],
    "same_s2_gx": [
        4, 3, -1.5, -2.5, -3, -3, -3, -3, -2.5, -1.5, 0, -1, -2, 4, 4, 4, 4, -3, -2, -1, 1, -4, 1.5, 3.5,
        0.5, 1, -5.5, 2, 2.5, 6, -0.5, -1, -1.5, -2, -1.5, -1, -0.5, 3.5, 0, -1],
    "same_s2_gw": [
        0.5, -1.75, -1.5, -3, 2.75, 2.25, 2.75, 2.5, -2.75, -1.75, -1.25, -0.75, 4, 2, -2.5, 0.5, -1.75,
        -1.5, -3.75, 3.5, 0.75, 2.75, 2.5, -2.75, -1.5, -0.25, 2.25, 3, -0.25, -2.25, 3, -1.25, 0.75,
        -2.5, 0.5, 1],
    "valid_d2_y": [
        1.375, 2.25, -2.125, -3.25, -2.25, 3.125, 3.125, -5.375, 0.125, -1.125, -6.5, 2.125, 2.5, 0,
        1.875, 0.625, 5.125, -5.25],
    "valid_d2_gx": [
        4, 3, -3, -3, -4, -4, -3, -3, 3, 4, -2, -3.5, 7.5, 8, 4, 9.5, 1.5, -5, -1.5, -5, 2.5, -2.5, -4.5,
        -4, -5.5, 0, -3.5, 7.5, 2, 2, -2.5, 4, 4, -2.5, 6.5, -2, -2, -1.5, -2.5, 0],
    "valid_d2_gw": [
        -1.25, 1.25, 1.25, 0.75, 3, -6, 1.25, -2.75, -3, 3.25, -1, 3.5, 5, -6, 3, -1.25, 1.25, 1.25,
        -6.25, 3.75, -1.25, 1.25, -2.75, -3, -5.25, 3.25, -0.75, 5, -6, 3, 2.75, -0.75, 3.25, -6.25,
        3.75, -1.25],
    "explicit_y": [
        0, 0, 0, -2.125, 2.875, 1.75, 0, 2.125, -1.875, 0.75, 2, -0.25, 0, 0, 0, 1.375, 1.375, 0.5,
        -2.375, -4.875, 1.375, -1.25, 1.625, 1.875, 0, 0, 0, -1.125, -4.625, 0.625, 0.625, 1.5, 1.5,
        1.75, -4.625, -1.375],
    "explicit_gx": [
        8, 7, 2.5, -5.5, -5, -4, -3, -5.5, -3, -2.5, 0.5, 0, -7.5, 6, 6.5, 10, 6.5, -7.5, -7.5, 0, 1.5,
        -2.5, -3, 3.5, -3, -4, -5, 8, 2.5, 7, 4, -2.5, -2, -1.5, 3, -1.5, -2.5, 0, -3, -3],
    "explicit_gw": [
        -0.25, 0.5, -2.5, -3, -2.5, 4.25, 4, -0.25, -0.75, -4, 1.25, -2.25, 3, 2.5, -1.75, 0, -0.25,
        -4.25, -1.75, -2.75, 3.75, 6.5, -0.25, -3.25, -2.25, -3, 6.25, 3, 2.5, -1.75, 1, 0.25, -3, -1.75,
        -2.75, 3.75],
    "grouped_y": [
        -2.125, 2.875, 1.75, -3.25, 1.375, 2.5, 2.375, -0.25, 0.625, 0.5, 3.125, 2.25, 0, 2.125, -1.875,
        2.875, 0.75, -4.875, -2.375, -2.375, 1.125, -3, -3, 3.125, 0.75, 2, -0.25, -0.375, 1.875, 0.625,
        1.375, 1.375, 0.5, 3.25, 3.25, -5.5, 2.25, -0.375, -3.875, 2.375, -4.625, -1.125, -2.375, -4.875,
        1.375, -4, -1.5, 1.875, 1.25, 1.625, 1.125, 2, 1.625, 2.125, -1.25, 1.625, 1.875, 1.125, 1.75,
        -2, -1.125, -4.625, 0.625, -5.25, -1.75, 2.625, -3, 0.5, 3.125, -3.375, 2.75, 0.125, 0.625, 1.5,
        1.5, 2.625, 1.75, 1.75, 0.125, 3.875, -2.875, 3.125, -0.625, -3.5, 1.75, -4.625, -1.375, -1.875,
        -1.625, 1.25, 1.5, 0.875, 0.25, 2.75, -0.125, 0.5, 1.75, -1.125, 3, 2.5, 1.875, -2.25, 0.625,
        2.375, -1.125, 2.25, -3, 0.5, -1.875, -2.375, -1.125, -4.875, 1.75, 0.5, -0.875, 1.375, 0.125,
        1.25, -1, 0.25],
    "conv1d": [
        1.625, -1, 1.625, -0.125, -2.375, 0.625, 0.75, 0.125, 0.375, 1.375, -2.375, -0.875, -1.75, 1.75,
        0.875, 1, -1.5, -0.5],
    "transpose_valid": [
        2.375, 1.75, -0.625, -1.25, -1.625, -1.25, -1.75, -1.375, -1.5, -1.5, -1.5, -1.5, 0, 0, -0.125,
        -0.75, -1.375, 2.375, 1.625, 2, 2.375, -1.625, 2, 2, 2, -1.5, 0, 0, 0.375, -2.375, -2.5, -1.75,
        -2.5, -2.375, 0.375, 4, -2.625, -2.375, 0.5, 4.25, 0, 0, 2.375, 2, 1.625, -1.375, -1.375, -0.75,
        -0.125, -1.25, -1, -0.75, -0.5, -1.125, 0, 0, -1.75, -1.25, -1.625, 2.375, -0.625, 1.75, 2.375,
        -1.375, -0.875, 2, 2.25, -1, 0, 0],
    "transpose_same": [
        2.375, 1.75, -0.625, -1.25, -1.625, -1.25, -1.75, -1.375, -1.5, -1.5, -0.125, -0.75, -1.375,
        2.375, 1.625, 2, 2.375, -1.625, 2, 2, 0.375, -2.375, -2.5, -1.75, -2.5, -2.375, 0.375, 4, -2.625,
        -2.375, 2.375, 2, 1.625, -1.375, -1.375, -0.75, -0.125, -1.25, -1, -0.75],
    "depthwise_s2": [
        1.125, -1.75, 1.375, -4.75, 2, 1.125, -1.75, 2.125, 1.5, -1, 1, -2.25, -4.125, 0.25, 0.875,
        -0.625, 2.25, -1, 0.5, -0.625, -2.25, 1, -1, 1.5],
    "depthwise_d2": [
        1.25, -0.875, -1.125, -2.25, -0.375, -0.125, -2, 1.875, 0.75, 0.625, -0.125, 1.875, -2.25, 0,
        0.375, -2.25, 0, 0.125, 1.375, 1.875, 1.125, 0.875, 1.875, -2.25, -1.875, 0.25, -0.375, -2.25, 2,
        -0.375, -1.25, 1.875],
    "convolution_batch": [
        -2.5, -0.375, 1.75, 1.625, 1.75, -1.625, -0.375, 1.75, 0.375, -2.625, 0.25, 0.5, 2, -1.875,
        -1.375, 0.25, 0.5, 0.75, 1.75, 0.375, 0.75, -1.625, 0.25, -0.5, 0.375, 0.75, -1.5, 0.875, 1,
        1.125, -3.25, -3, 3.375, 1, 1.125, -2.25, 1.5, -0.625, -0.125, 2.5, 0.75, -1, -0.625, -0.125,
        0.375, 1.125, -2.25, 0.5, 3.375, 0.125, -0.5, -2.25, 0.5, 1.5],
}

CASES = {
    "same_s2": lambda x, w: tf.nn.conv2d(x, w, 2, "SAME"),
    "valid_d2": lambda x, w: tf.nn.conv2d(x, w, 1, "VALID", dilations=[1, 2]),
    "explicit": lambda x, w: tf.nn.conv2d(x, w, [1, 2], [[0, 0], [1, 0], [2, 1], [0, 0]]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_conv2d_values_and_gradients_match_tensorflow(case):
    x, w = tf.constant(X), tf.constant(W)
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = CASES[case](x, w)
        loss = tf.reduce_sum(y * ramp(y.shape, 1.0, 3, 5))
    gx, gw = tape.gradient(loss, [x, w])
    assert y.dtype == tf.float64 and gx.shape == x.shape and gw.shape == w.shape
    np.testing.assert_allclose(y.numpy().ravel(), TF[f"{case}_y"], atol=1e-12)
    np.testing.assert_allclose(gx.numpy().ravel(), TF[f"{case}_gx"], atol=1e-12)
    np.testing.assert_allclose(gw.numpy().ravel(), TF[f"{case}_gw"], atol=1e-12)


def test_other_convolutions_match_tensorflow():
    grouped = tf.nn.conv2d(tf.concat([X, X[..., ::-1]], -1), tf.concat([W, -W], -1), 1, "SAME")
    assert grouped.shape == (1, 4, 5, 6)  # two groups of two input channels
    np.testing.assert_allclose(grouped.numpy().ravel(), TF["grouped_y"], atol=1e-12)
    out = tf.nn.conv1d(ramp((2, 5, 2)), ramp((2, 2, 3), 0.5, 5, 7), 2, "SAME")
    assert out.shape == (2, 3, 3)
    np.testing.assert_allclose(out.numpy().ravel(), TF["conv1d"], atol=1e-12)
    g, w = ramp((1, 2, 3, 3)), ramp((3, 2, 2, 3), 0.5, 5, 7)
    out = tf.nn.conv2d_transpose(g, w, [1, 5, 7, 2], 2, "VALID")
    np.testing.assert_allclose(out.numpy().ravel(), TF["transpose_valid"], atol=1e-12)
    out = tf.nn.conv2d_transpose(g, w, tf.constant([1, 4, 5, 2]), [2, 2], "SAME")
    np.testing.assert_allclose(out.numpy().ravel(), TF["transpose_same"], atol=1e-12)
    wd = ramp((2, 2, 2, 2), 0.5, 5, 7)
    out = tf.nn.depthwise_conv2d(X, wd, [1, 2, 2, 1], "SAME")
    assert out.shape == (1, 2, 3, 4)
    np.testing.assert_allclose(out.numpy().ravel(), TF["depthwise_s2"], atol=1e-12)
    out = tf.nn.depthwise_conv2d(X, wd, [1, 1, 1, 1], "VALID", dilations=[2, 1])
    assert out.shape == (1, 2, 4, 4)
    np.testing.assert_allclose(out.numpy().ravel(), TF["depthwise_d2"], atol=1e-12)
    out = tf.nn.convolution(ramp((2, 1, 3, 3, 2)), W, padding="SAME", dilations=2)
    assert out.shape == (2, 1, 3, 3, 3)
    np.testing.assert_allclose(out.numpy().ravel(), TF["convolution_batch"], atol=1e-12)


def test_conv2d_matches_a_direct_sum():
    x, w = RNG.normal(size=(2, 6, 5, 3)), RNG.normal(size=(2, 3, 3, 4))
    out = tf.nn.conv2d(x, w, [2, 1], "VALID", dilations=[1, 2]).numpy()
    expected = np.zeros((2, 3, 1, 4))
    for i in range(3):
        for j in range(1):
            patch = x[:, 2 * i:2 * i + 2, j:j + 5:2, :]
            expected[:, i, j] = np.einsum("nhwc,hwco->no", patch, w)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


@pytest.mark.parametrize("x_shape, w_shape, strides, padding, dilations, expected", [  # TF 2.21
    ((1, 7, 6, 2), (3, 3, 2, 4), 1, "SAME", 1, [1, 7, 6, 4]),
    ((1, 7, 6, 2), (3, 3, 2, 4), 2, "SAME", 1, [1, 4, 3, 4]),
    ((1, 7, 6, 2), (3, 3, 2, 4), [2, 3], "VALID", 1, [1, 3, 2, 4]),
    ((1, 7, 6, 2), (3, 2, 2, 4), 1, "VALID", [2, 3], [1, 3, 3, 4]),
    ((2, 7, 6, 2), (3, 3, 2, 4), 3, "SAME", 2, [2, 3, 2, 4]),
    ((1, 5, 5, 2), (6, 6, 2, 1), 1, "VALID", 1, [1, 0, 0, 1]),
    ((1, 5, 5, 2), (8, 8, 2, 1), 2, "VALID", 1, [1, 0, 0, 1]),
    ((1, 5, 5, 2), (6, 6, 2, 1), 1, "SAME", 1, [1, 5, 5, 1]),
    ((1, 5, 5, 2), (3, 3, 2, 1), [1, 1, 2, 1], [[0, 0], [2, 1], [0, 3], [0, 0]], 1, [1, 6, 3, 1]),
    ((0, 5, 5, 2), (3, 3, 2, 4), 1, "SAME", 1, [0, 5, 5, 4]),
    ((1, 5, 5, 2), (3, 3, 2, 0), 1, "SAME", 1, [1, 5, 5, 0]),
    ((2, 3, 5, 5, 2), (3, 3, 2, 4), 1, "SAME", 1, [2, 3, 5, 5, 4]),
    ((1, 5, 5, 4), (3, 3, 2, 6), 2, "SAME", 1, [1, 3, 3, 6]),
])
def test_conv2d_output_shapes(x_shape, w_shape, strides, padding, dilations, expected):
    out = tf.nn.conv2d(tf.ones(x_shape), tf.ones(w_shape), strides, padding, dilations=dilations)
    assert out.shape.as_list() == expected


def test_dtypes():
    for dtype in (tf.float16, tf.float32, tf.float64, tf.int32):
        out = tf.nn.conv2d(tf.ones([1, 3, 3, 2], dtype), tf.ones([2, 2, 2, 1], dtype), 1, "SAME")
        assert out.dtype == dtype and out.numpy()[0, 0, 0, 0] == 8
    ints = tf.nn.conv1d(tf.ones([1, 4, 2], tf.int32), tf.ones([2, 2, 1], tf.int32), 1, "VALID")
    assert ints.dtype == tf.int32
    # float16 sums are accumulated in float32 (0.1 * 2000 is 200 here and in TF's conv2d)
    tenths = tf.fill([1, 1, 2000, 1], tf.constant(0.1, tf.float16))
    long = tf.nn.conv2d(tenths, tf.ones([1, 2000, 1, 1], tf.float16), 1, "VALID")
    assert long.dtype == tf.float16 and float(long.numpy().ravel()[0]) == 200.0
    out = tf.nn.conv2d(np.ones([1, 3, 3, 1]), np.ones([1, 1, 1, 1]), 1, "SAME")
    assert out.dtype == tf.float64


x4, w4 = tf.ones([1, 5, 5, 2]), tf.ones([3, 3, 2, 4])
INVALID, UNIMPLEMENTED = tf.errors.InvalidArgumentError, tf.errors.UnimplementedError


@pytest.mark.parametrize("call, error, message", [  # TensorFlow's errors and messages
    (lambda: tf.nn.conv2d(tf.ones([1, 2, 5, 5]), w4, 1, "SAME", data_format="NCHW"), UNIMPLEMENTED,
     "The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given the format: "
     "NCHW"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 2], tf.int64), tf.ones([3, 3, 2, 4], tf.int64), 1, "SAME"),
     INVALID, "Value for attr 'T' of int64 is not in the list of allowed values"),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 2], tf.float64), w4, 1, "SAME"), INVALID,
     r"cannot compute Conv2D as input #1\(zero-based\) was expected to be a double tensor but is a float "
     r"tensor"),
    (lambda: tf.nn.conv2d(x4, w4, 1, "same"), INVALID,
     'Value for attr \'padding\' of "same" is not in the list of allowed values: "SAME", "VALID", '
     '"EXPLICIT"'),
    (lambda: tf.nn.conv2d(x4, w4, 1, "SAME", data_format="NWHC"), INVALID,
     "Value for attr 'data_format' of \"NWHC\" is not in the list of allowed values: \"NHWC\", \"NCHW\""),
    (lambda: tf.nn.conv2d(x4, tf.ones([3, 3, 3, 4]), 1, "SAME"), INVALID,
     r"input depth must be evenly divisible by filter depth: 2 vs 3 \[Op:Conv2D\]"),
    (lambda: tf.nn.conv2d(tf.ones([1, 4, 4, 4]), tf.ones([2, 2, 2, 5]), 1, "VALID"), INVALID,
     "output depth must be evenly divisible by number of groups: 5 vs 2"),
    (lambda: tf.nn.conv2d(x4, tf.ones([8, 8, 2, 4]), 1, "VALID"), INVALID,
     r"Computed output size would be negative: -2 \[input_size: 5, effective_filter_size: 8, stride: 1\]"),
    (lambda: tf.nn.conv2d(tf.ones([5, 5, 2]), w4, 1, "SAME"), INVALID,
     r"convolution input must be 4-dimensional: \[5,5,2\]"),
    (lambda: tf.nn.conv2d(x4, tf.ones([3, 2, 4]), 1, "SAME"), INVALID,
     r"convolution filter must be 4-dimensional: \[3,2,4\]"),
    (lambda: tf.nn.conv2d(x4, w4, [1, 2, 1], "SAME"), ValueError,
     r"strides should be of length 1, 2 or 4. Received: strides=\[1, 2, 1\] of length 3"),
    (lambda: tf.nn.conv2d(x4, w4, [2, 2, 1, 1], "SAME"), UNIMPLEMENTED,
     "Current implementation does not yet support strides in the batch and depth dimensions."),
    (lambda: tf.nn.conv2d(x4, w4, 0, "SAME"), INVALID,
     "Row and column strides should be larger than 0."),
    (lambda: tf.nn.conv2d(x4, w4, 1, "SAME", dilations=0), INVALID,
     "Dilated rates should be larger than 0."),
    (lambda: tf.nn.conv2d(x4, w4, 1, "SAME", dilations=[2, 1, 1, 1]), UNIMPLEMENTED,
     "Current implementation does not yet support dilations in the batch and depth dimensions."),
    (lambda: tf.nn.conv2d(x4, w4, 1, [[1, 0], [1, 2], [0, 1], [0, 0]]), INVALID,
     "Nonzero explicit padding in the batch or depth dimensions is not supported"),
    (lambda: tf.nn.conv2d(x4, w4, 1, [[0, 0], [-1, 2], [0, 1], [0, 0]]), INVALID,
     "All elements of explicit_paddings must be nonnegative"),
    (lambda: tf.nn.conv2d(x4, w4, 1, [[1, 2], [0, 1]]), ValueError,
     r"When padding is a list, it must be of size 4. Received: padding=\[\[1, 2\], \[0, 1\]\] of size 2"),
    (lambda: tf.nn.conv2d(x4, w4, 1, [0, 0, 1, 2, 0, 1, 0, 0]), ValueError,
     "with element at index 0 of type <class 'int'>"),
    (lambda: tf.nn.conv2d(x4, w4, 1, "EXPLICIT"), ValueError,
     "'EXPLICIT' is not a valid value for `padding`"),
    (lambda: tf.nn.conv2d(x4, w4, 1, None), TypeError, "Expected string for argument 'padding' not None."),
    (lambda: tf.nn.conv2d(tf.ones([1, 5, 5, 0]), tf.ones([3, 3, 0, 4]), 1, "SAME"), INVALID,
     "filter depth must be stricly positive, got 0"),
    (lambda: tf.nn.conv2d(x4, tf.ones([0, 3, 2, 4]), 1, "SAME"), INVALID,
     r"filter must not have zero elements \(i.e. all dimensions must be non-zero\)"),
    (lambda: tf.nn.conv1d(tf.ones([2, 7, 3]), tf.ones([3, 3, 4]), [2, 2], "SAME"), ValueError,
     r"stride should be of length 1, 1 or 3. Received: stride=\[2, 2\] of length 2"),
    (lambda: tf.nn.conv1d(tf.ones([2, 3, 7]), tf.ones([3, 3, 4]), 1, "SAME", data_format="NCW"),
     UNIMPLEMENTED, "only supports the NHWC tensor format"),
    (lambda: tf.nn.conv1d(tf.ones([2, 7, 3]), tf.ones([3, 3, 4]), 1, [[0, 0], [1, 1], [0, 0]]), TypeError,
     r"Expected string for argument 'padding' not \[\[0, 0\], \[1, 1\], \[0, 0\]\]."),
    (lambda: tf.nn.conv1d(tf.ones([7, 3]), tf.ones([3, 3, 4]), 1, "SAME"), INVALID,
     r"convolution input must be 4-dimensional: \[1,7,3\]"),
    (lambda: tf.nn.conv1d(tf.ones([2, 7, 3]), tf.ones([3, 3, 4]), 1, "SAME", data_format="NHCW"), ValueError,
     "`data_format` must be 'NWC' or 'NCW'. Received: data_format=NHCW"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 4]), w4, [1, 7, 7, 2], 2, "SAME"),
     INVALID, "Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: "
     "actual = 3, computed = 4 spatial_dim: 1 input: 7 filter: 3 output: 3 stride: 2 dilation: 1"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 4]), w4, [1, 6, 6], 2, "SAME"), INVALID,
     "Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: 3"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 4]), w4, [2, 6, 6, 2], 2, "SAME"),
     INVALID, "input and out_backprop must have the same batch size. Input batch: 2, "
     "outbackprop batch: 1, batch_dim: 0"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([1, 3, 3, 5]), w4, [1, 6, 6, 2], 2, "SAME"),
     INVALID, "filter and out_backprop must have the same out_depth"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([3, 3, 4]), w4, [6, 6, 2], 2, "SAME"), INVALID,
     r"input_sizes must be 4-dimensional, got: 3 \[Op:Conv2DBackpropInput\]"),
    (lambda: tf.nn.conv2d_transpose(tf.ones([1, 4, 3, 3]), w4, [1, 2, 6, 6], 2, "SAME", data_format="NCHW"),
     INVALID, "Conv2DCustomBackpropInputOp only supports NHWC."),
    (lambda: tf.nn.depthwise_conv2d(x4, tf.ones([3, 3, 2, 3]), 2, "SAME"), TypeError,
     "Expected list for 'strides' argument to 'depthwise_conv2d_native' Op, not 2."),
    (lambda: tf.nn.depthwise_conv2d(x4, tf.ones([3, 3, 2, 3]), [2, 2], "SAME"), INVALID,
     "Sliding window strides field must specify 4 dimensions"),
    (lambda: tf.nn.depthwise_conv2d(x4, tf.ones([3, 3, 2, 3]), [1, 2, 1, 1], "SAME"), INVALID,
     "Current implementation only supports equal length strides in the row and column dimensions."),
    (lambda: tf.nn.depthwise_conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 3]), [1, 1, 1, 1], "SAME"),
     INVALID, "input and filter must have the same depth: 3 vs 2"),
    (lambda: tf.nn.depthwise_conv2d(tf.ones([1, 5, 5, 2], tf.int32), tf.ones([3, 3, 2, 3], tf.int32),
                                    [1, 1, 1, 1], "SAME"), INVALID, "Value for attr 'T' of int32"),
    (lambda: tf.nn.depthwise_conv2d(tf.ones([1, 2, 5, 5]), tf.ones([3, 3, 2, 3]), [1, 1, 1, 1], "SAME",
                                    data_format="NCHW"), UNIMPLEMENTED,
     "Depthwise convolution on CPU is only supported for NHWC format"),
    (lambda: tf.nn.depthwise_conv2d(tf.ones([5, 5, 2]), tf.ones([3, 3, 2, 3]), [1, 1, 1, 1], "SAME"),
     INVALID, r"input must be 4-dimensional\[5,5,2\]"),
    (lambda: tf.nn.convolution(tf.ones([2, 7, 3]), tf.ones([3, 3, 4]), strides=2, dilations=2,
                               padding="SAME"), ValueError,
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=\[2\] and "
     r"dilation_rate=\[2\]"),
    (lambda: tf.nn.convolution(x4, w4, padding=[[0, 0], [1, 1], [1, 1], [0, 0]]), TypeError,
     "Expected string for argument 'padding'"),
    (lambda: tf.nn.convolution(x4, w4, padding="same", dilations=2), ValueError,
     "`padding` must be one of 'SAME' or 'VALID'. Received: padding=same"),
    (lambda: tf.nn.convolution(x4, tf.ones([3, 3, 3, 1]), padding="SAME", dilations=2), ValueError,
     "The number of input channels is not divisible by the corresponding number of output filters."),
    (lambda: tf.nn.convolution(tf.ones([2, 3]), tf.ones([2, 3])), ValueError,
     "`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims=0."),
    (lambda: tf.nn.convolution(tf.ones([1, 3, 3, 3, 2]), tf.ones([1, 1, 1, 2, 2])), NotImplementedError,
     "3-D"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_what_tensorflow_cpu_refuses_is_computed_here():
    # TF's CPU kernels have no gradient for dilated or grouped convolutions, and no dilated transpose.
    x, w = tf.constant(RNG.normal(size=(1, 5, 5, 4))), tf.constant(RNG.normal(size=(3, 3, 2, 2)))
    with tf.GradientTape() as tape:
        tape.watch([x, w])
        y = tf.nn.conv2d(x, w, 1, "SAME", dilations=2)
    assert [g.shape for g in tape.gradient(y, [x, w])] == [x.shape, w.shape]
    assert tf.nn.conv2d_transpose(y, w, [1, 5, 5, 4], 1, "SAME", dilations=2).shape == x.shape


@pytest.mark.parametrize("dtype", FLOAT_TYPES)
@pytest.mark.parametrize("strides, padding, dilations", [
    (1, "SAME", 1), (2, "SAME", 1), ([2, 1], "VALID", 1), (1, "VALID", [2, 1]), (1, "SAME", 2),
    ([1, 2], [[0, 0], [1, 0], [0, 2], [0, 0]], 1),
])
def test_conv2d_gradients(dtype, strides, padding, dilations):
    x, w = RNG.normal(size=(1, 5, 4, 2)), RNG.normal(size=(2, 3, 2, 2))
    check_gradients(lambda x, w: tf.nn.conv2d(x, w, strides, padding, dilations=dilations), x, w, dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_TYPES)
def test_other_gradients(dtype):
    check_gradients(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), RNG.normal(size=(1, 3, 3, 4)),
                    RNG.normal(size=(2, 2, 2, 2)), dtype=dtype)  # two groups
    check_gradients(lambda x, w: tf.nn.conv1d(x, w, 2, "SAME"), RNG.normal(size=(2, 5, 2)),
                    RNG.normal(size=(3, 2, 2)), dtype=dtype)
    check_gradients(lambda g, w: tf.nn.conv2d_transpose(g, w, [1, 5, 4, 2], 2, "VALID"),
                    RNG.normal(size=(1, 2, 1, 3)), RNG.normal(size=(3, 3, 2, 3)), dtype=dtype)
    check_gradients(lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME"),
                    RNG.normal(size=(1, 4, 3, 2)), RNG.normal(size=(2, 2, 2, 2)), dtype=dtype)
    check_gradients(lambda x, w: tf.nn.convolution(x, w, padding="SAME", dilations=2),
                    RNG.normal(size=(2, 1, 4, 2)), RNG.normal(size=(2, 2, 1)), dtype=dtype)


def test_inside_tf_function_with_gradients_and_an_unknown_batch():
    x, w = tf.constant(RNG.normal(size=(2, 6, 5, 3))), tf.constant(RNG.normal(size=(3, 2, 3, 4)))
    wd = tf.constant(RNG.normal(size=(2, 2, 4, 2)))

    def f(x, w):
        with tf.GradientTape(persistent=True) as outer:
            outer.watch([x, w])
            with tf.GradientTape() as inner:
                inner.watch([x, w])
                y = tf.nn.depthwise_conv2d(tf.nn.conv2d(x, w, 2, "SAME"), wd, [1, 1, 1, 1], "VALID")
                loss = tf.reduce_sum(y ** 2)
            gx, gw = inner.gradient(loss, [x, w])
            norm = tf.reduce_sum(gx ** 2) + tf.reduce_sum(gw ** 2)
        return y, gx, gw, outer.gradient(norm, x), outer.gradient(norm, w)

    eager = f(x, w)
    signature = [tf.TensorSpec([None, 6, 5, 3], tf.float64), tf.TensorSpec([3, 2, 3, 4], tf.float64)]
    for compiled in (tf.function(f), tf.function(f, input_signature=signature)):
        for a, b in zip(eager, compiled(x, w)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)


def test_gradient_needs_the_input_shape_while_tracing():
    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 2], tf.float32)])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.conv2d(x, tf.ones([3, 3, 2, 1]), 1, "SAME")
        return y, tape.gradient(y, x)

    with pytest.raises(NotImplementedError, match="needs its input's shape known while tracing"):
        f(tf.ones([1, 4, 4, 2]))
    forward = tf.function(lambda x: tf.nn.conv2d(x, tf.ones([3, 3, 2, 1]), 2, "SAME"),
                          input_signature=[tf.TensorSpec([1, None, None, 2], tf.float32)])
    assert forward(tf.ones([1, 5, 4, 2])).shape == (1, 3, 2, 1)
