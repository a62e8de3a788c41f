"""tf.nn.batch_normalization, weighted_cross_entropy_with_logits, crelu, sufficient_statistics,
normalize_moments, weighted_moments, log_poisson_loss, compute_average_loss, scale_regularization_loss,
depth_to_space and space_to_depth: values, dtypes, shapes and errors recorded from TensorFlow 2.21,
gradients to second order against finite differences, and inside tf.function."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def ramp(shape, scale=0.25, mult=7, mod=11):
    """Deterministic test data: a few distinct values in a scrambled order."""
    n = int(np.prod(shape))
    return ((np.arange(n) * mult % mod) - mod // 2).reshape(shape) * scale


X = ramp((3, 4))
Z = (ramp((3, 4), 1, 5, 7) + 3) / 6  # labels in [0, 1]
T = np.array([0.0, 0.5, 1.0, 2.0, 5.0])
LOG = np.array([0.1, -1.0, 0.3, 1.0, 2.0])
RNG = np.random.default_rng(5)
C = tf.constant
MEAN, VARIANCE, SCALE = C([1.0, 2, 0, -1]), C([4.0, 9, 1, 0.5]), C([2.0, 3, 1, 1])

CALLS = {
    "bn": lambda: tf.nn.batch_normalization(C(X), MEAN, VARIANCE, C([0.5, 0, 1, 2]), SCALE, 1e-3),
    "bn_plain": lambda: tf.nn.batch_normalization(C(X, tf.float32), MEAN, VARIANCE, None, None, 1e-3),
    "bn_half": lambda: tf.nn.batch_normalization(C(X, tf.float16), MEAN, VARIANCE, None, SCALE, 1e-3),
    "wce": lambda: tf.nn.weighted_cross_entropy_with_logits(C(Z), C(X * 40), 3.0),
    "wce_vec": lambda: tf.nn.weighted_cross_entropy_with_logits(C(Z), C(X * 4), C([1, 2, 3, 0.5], "float64")),
    "crelu": lambda: tf.nn.crelu(C(X[:2, :3])),
    "crelu_axis0": lambda: tf.nn.crelu(C([[1, -2]]), axis=0),
    "ss": lambda: tf.nn.sufficient_statistics(C(X), [0]),
    "ss_shift": lambda: tf.nn.sufficient_statistics(C(X, tf.float32), [-1, 0], shift=0.5, keepdims=True),
    "ss_int": lambda: tf.nn.sufficient_statistics(C([[1, 2], [3, 5]]), [1]),
    "nm": lambda: tf.nn.normalize_moments(3.0, C([4.0, 7.0]), C([10.0, 29.0]), None),
    "nm_shift": lambda: tf.nn.normalize_moments(C(3.0), C([4.0, 7.0]), C([10.0, 29.0]), C([1.0, 2.0])),
    "wm": lambda: tf.nn.weighted_moments(C(X), [0], C(Z)),
    "wm_scalar": lambda: tf.nn.weighted_moments(C(X), 1, 2.0, keepdims=True),
    "wm_half": lambda: tf.nn.weighted_moments(C(X, tf.float16), [1], C([[1], [0], [2]])),
    "wm_zero": lambda: tf.nn.weighted_moments(C(X), [1], tf.zeros([3, 1], tf.float64)),
    "lpl": lambda: tf.nn.log_poisson_loss(C(T), C(LOG)),
    "lpl_full": lambda: tf.nn.log_poisson_loss(C(T), C(LOG), compute_full_loss=True),
    "cal": lambda: tf.nn.compute_average_loss([1.0, 2.0, 3.0]),
    "cal_gbs": lambda: tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=4),
    "cal_w": lambda: tf.nn.compute_average_loss([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 2.0]),
    "cal_w2": lambda: tf.nn.compute_average_loss([[1.0, 2.0], [3.0, 4]], sample_weight=[1.0, 2.0]),
    "cal_w3": lambda: tf.nn.compute_average_loss([[1.0, 2], [3, 4]], sample_weight=[[[1], [2]], [[3], [4]]]),
    "cal_f64": lambda: tf.nn.compute_average_loss(C([1.0, 2.0, 3.0], tf.float64), sample_weight=2.0),
    "cal_zero": lambda: tf.nn.compute_average_loss([1.0, 2.0, 3.0], global_batch_size=0),
    "cal_int": lambda: tf.nn.compute_average_loss([1, 2]),
    "srl": lambda: tf.nn.scale_regularization_loss([1.0, 2.0]),
    "srl_int": lambda: tf.nn.scale_regularization_loss(C([1, 2])),
    "d2s": lambda: tf.nn.depth_to_space(tf.reshape(tf.range(16), [1, 2, 2, 4]), 2),
    "s2d": lambda: tf.nn.space_to_depth(tf.reshape(tf.range(24), [1, 2, 6, 2]), 2),
}

# What TensorFlow 2.21 returns for each call: the values of each result, and its dtype and shape.
TF = {
    "bn": (
        [[-1.7497189, -1.4999167, 0.5002498, 5.1788034, -0.2499063, -2.7498472, 1.9995004, 3.4128015,
         -1.4997501, -1.2499306, 0.7501249, 1.6467996]],
        ["float64[3, 4]"]),
    "bn_plain": (
        [[-1.1248595, -0.49997222, -0.4997502, 3.1788034, -0.37495315, -0.91661572, 0.99950039, 1.4128015,
         -0.99987507, -0.4166435, -0.2498751, -0.35320044]],
        ["float32[3, 4]"]),
    "bn_half": (
        [[-2.25, -1.5, -0.49975586, 3.1796875, -0.75, -2.75, 0.99951172, 1.4130859, -2, -1.25, -0.24987793,
         -0.35351562]],
        ["float16[3, 4]"]),
    "wce": (
        [[0, 3.3333333, 30, 41.666667, 0.0001361967, 60, 26.666667, 0.69314718, 100, 15, 5.0000605, 150]],
        ["float64[3, 4]"]),
    "wce_vec": (
        [[0.0067153485, 0.56603469, 3.253856, 4.1728224, 0.31326169, 4.0809789, 2.6969165, 0.69314718,
         3.3514833, 1.572881, 0.91768225, 2.5033577]],
        ["float64[3, 4]"]),
    "crelu": ([[0, 0.5, 0, 1.25, 0, 0.5, 0.25, 0, 1, 0, 0.75, 0]], ["float64[2, 6]"]),
    "crelu_axis0": ([[1, 0, 0, 2]], ["int32[2, 2]"]),
    "ss": (
        [[3], [-2, 0.5, 0.25, 0], [2.625, 1.375, 1.3125, 3.125], None],
        ["float64[]", "float64[4]", "float64[4]", None]),
    "ss_shift": (
        [[12], [-7.25], [12.6875], [0.5]],
        ["float32[]", "float32[1, 1]", "float32[1, 1]", "float32[]"]),
    "ss_int": ([[2], [3, 8], [5, 34], None], ["int32[]", "int32[2]", "int32[2]", None]),
    "nm": ([[1.3333334, 2.3333335], [1.5555556, 4.2222219]], ["float32[2]", "float32[2]"]),
    "nm_shift": ([[2.3333335, 4.3333335], [1.5555556, 4.2222219]], ["float32[2]", "float32[2]"]),
    "wm": (
        [[-0.31818182, 0.14583333, 0.041666667, -0.89285714], [0.38739669, 0.41102431, 0.46701389,
         0.76530612]],
        ["float64[4]", "float64[4]"]),
    "wm_scalar": ([[0, 0.125, -0.4375], [0.90625, 0.390625, 0.60546875]], ["float64[3, 1]", "float64[3, 1]"]),
    "wm_half": ([[0, 0, -0.4375], [0.90625, 0, 0.60546875]], ["float16[3]", "float16[3]"]),
    "wm_zero": ([[0, 0, 0], [0, 0, 0]], ["float64[3]", "float64[3]"]),
    "lpl": ([[1.1051709, 0.86787944, 1.0498588, 0.71828183, -2.6109439]], ["float64[5]"]),
    "lpl_full": ([[1.1051709, 0.86787944, 1.0498588, 1.3700883, 2.1599032]], ["float64[5]"]),
    "cal": ([[2]], ["float32[]"]),
    "cal_gbs": ([[1.5]], ["float32[]"]),
    "cal_w": ([[2.3333333]], ["float32[]"]),
    "cal_w2": ([[8.5]], ["float32[]"]),
    "cal_w3": ([[15]], ["float32[]"]),
    "cal_f64": ([[4]], ["float64[]"]),
    "cal_zero": ([[0]], ["float32[]"]),
    "cal_int": ([[1.5]], ["float64[]"]),
    "srl": ([[3]], ["float32[]"]),
    "srl_int": ([[3]], ["float64[]"]),
    "d2s": ([[0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]], ["int32[1, 4, 4, 1]"]),
    "s2d": (
        [[0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7, 16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23]],
        ["int32[1, 1, 3, 8]"]),
}


@pytest.mark.parametrize("case", list(CALLS))
def test_values_dtypes_and_shapes_match_tensorflow(case):
    results = CALLS[case]()
    results = results if isinstance(results, tuple) else (results,)
    values, signatures = TF[case]
    assert len(results) == len(values)
    for result, expected, signature in zip(results, values, signatures):
        if signature is None:
            assert result is None
            continue
        assert f"{result.dtype.name}{result.shape.as_list()}" == signature
        rtol = 1e-3 if result.dtype == tf.float16 else 1e-6
        np.testing.assert_allclose(np.ravel(result.numpy()), expected, rtol=rtol, atol=1e-7)


def test_depth_to_space_and_space_to_depth_are_inverse_for_every_dtype():
    x = np.arange(2 * 2 * 3 * 8).reshape(2, 2, 3, 8)
    for dtype in (tf.float32, tf.int32, tf.bool, tf.complex64):
        t = tf.cast(tf.constant(x), dtype)
        space = tf.nn.depth_to_space(t, 2)
        assert space.dtype == dtype and space.shape == (2, 4, 6, 2)
        np.testing.assert_array_equal(tf.nn.space_to_depth(space, 2).numpy(), t.numpy())
    assert tf.nn.space_to_depth(tf.ones([0, 4, 4, 1]), tf.constant(2)).shape == (0, 2, 2, 4)


INVALID = tf.errors.InvalidArgumentError


@pytest.mark.parametrize("call, error, message", [  # TensorFlow's errors and messages
    (lambda: tf.nn.depth_to_space(tf.ones([1, 2, 2, 4]), 1), INVALID,
     "Value for attr 'block_size' of 1 must be at least minimum 2"),
    (lambda: tf.nn.depth_to_space(tf.ones([1, 2, 2, 4]), 3), INVALID,
     r"Input depth dimension 4 should be divisible by: 9 \[Op:DepthToSpace\]"),
    (lambda: tf.nn.space_to_depth(tf.ones([1, 2, 2, 4]), 3), INVALID,
     r"Image width 2 and height 2 should be divisible by block_size: 3 \[Op:SpaceToDepth\]"),
    (lambda: tf.nn.depth_to_space(tf.ones([2, 2, 4]), 2), INVALID,
     "Input rank should be: 4 instead of: 3"),
    (lambda: tf.nn.space_to_depth(tf.ones([2, 2, 4]), 2), INVALID, "Input rank should be 4 instead of 3"),
    (lambda: tf.nn.depth_to_space(tf.ones([1, 4, 2, 2]), 2, data_format="NCHW"), tf.errors.NotFoundError,
     r'Could not find device for node: \{\{node DepthToSpace\}\} = DepthToSpace\[T=DT_FLOAT, block_size=2, '
     r'data_format="NCHW"\]'),
    (lambda: tf.nn.depth_to_space(tf.ones([1, 4, 2, 2]), 2, data_format="NWHC"), INVALID,
     'Value for attr \'data_format\' of "NWHC" is not in the list of allowed values: "NHWC", "NCHW", '
     '"NCHW_VECT_C"'),
    (lambda: tf.nn.weighted_cross_entropy_with_logits([1.0, 0.0], [-2.0, 0.5, 3.0], 3.0), ValueError,
     r"`logits` and `labels` must have the same shape, received \(\(3,\) vs \(2,\)\)."),
    (lambda: tf.nn.weighted_cross_entropy_with_logits([1, 0], [-2, 0], 2), INVALID,
     r"Value for attr 'T' of int32 is not in the list of allowed values: .* \[Op:Exp\]"),
    (lambda: tf.nn.log_poisson_loss([0.0, 0.5], [0.1, -1.0, 1.0]), ValueError,
     r"`log_input` and `targets` must have the same shape, received \(\(3,\) vs \(2,\)\)."),
    (lambda: tf.nn.batch_normalization(C([[1, 2]]), C([1, 2]), C([4, 9]), None, None, 1), INVALID,
     r"Value for attr 'T' of int32 is not in the list of allowed values: .* \[Op:Rsqrt\]"),
    (lambda: tf.nn.sufficient_statistics(C(X), [0], shift=0.5), INVALID,
     r"cannot compute Sub as input #1\(zero-based\) was expected to be a double tensor but is a float "
     r"tensor"),
    (lambda: tf.nn.sufficient_statistics(C(X), 0), TypeError, "'int' object is not iterable"),
    (lambda: tf.nn.compute_average_loss(1.0), ValueError,
     "Invalid value passed for `per_example_loss`. Expected a tensor with at least rank 1. Received "
     "per_example_loss=1.0 with rank 0"),
    (lambda: tf.nn.compute_average_loss([1.0, 2.0], global_batch_size=2.0), TypeError,
     'global_batch_size must be an integer..  Expected "x" to be integer type.  Found: tensor of dtype '
     "<dtype: 'float32'>"),
    (lambda: tf.nn.compute_average_loss([1.0, 2.0], global_batch_size=-1), INVALID,
     "global_batch_size must be non-negative..  \nCondition x >= 0 did not hold element-wise:\n"
     "x \\(shape=\\(\\) dtype=int32\\) = \n-1"),
    (lambda: tf.nn.compute_average_loss([1.0, 2.0], global_batch_size=[1]), ValueError,
     r"global_batch_size must be scalar..  Expected scalar shape, saw shape: \(1,\)."),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients(dtype):
    x, m, v = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.uniform(0.5, 2, size=4)
    offset, scale = RNG.normal(size=4), RNG.normal(size=4)
    check_gradients(lambda *a: tf.nn.batch_normalization(*a, 1e-3), x, m, v, offset, scale, dtype=dtype)
    labels, logits = RNG.uniform(size=(2, 3)), RNG.normal(size=(2, 3)) * 3
    check_gradients(lambda z, t: tf.nn.weighted_cross_entropy_with_logits(z, t, 2.5), labels, logits,
                    dtype=dtype)
    check_gradients(lambda t: tf.nn.crelu(t) ** 2, RNG.normal(size=(2, 3)), dtype=dtype)
    check_gradients(lambda t: tf.nn.sufficient_statistics(t, [0], shift=tf.constant(0.3, t.dtype))[2], x,
                    dtype=dtype)
    check_gradients(lambda c, s, q: tf.add_n(tf.nn.normalize_moments(c, s, q, None)), 3.0,
                    RNG.normal(size=2), RNG.uniform(3, 4, size=2), dtype=dtype)
    check_gradients(lambda t, w: tf.add_n(tf.nn.weighted_moments(t, [1], w)), x,
                    RNG.uniform(0.5, 2, size=(3, 4)), dtype=dtype)
    check_gradients(lambda z, t: tf.nn.log_poisson_loss(z, t, compute_full_loss=True), T + 0.25, LOG,
                    dtype=dtype)
    check_gradients(lambda t, w: tf.nn.compute_average_loss(t, sample_weight=w), RNG.normal(size=(3, 2)),
                    RNG.uniform(size=3), dtype=np.float32)  # (TF computes sample weights in float32)
    check_gradients(lambda t: tf.nn.depth_to_space(t, 2) ** 2, RNG.normal(size=(1, 2, 3, 8)), dtype=dtype)
    check_gradients(lambda t: tf.nn.space_to_depth(t, 2) ** 2, RNG.normal(size=(1, 4, 2, 3)), dtype=dtype)


def test_inside_tf_function_with_an_unknown_batch():
    def f(x, losses):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.space_to_depth(tf.nn.depth_to_space(x, 2) * 2.0, 2)
            loss = tf.cast(tf.nn.compute_average_loss(losses), tf.float64) + tf.reduce_sum(y)
        return y, loss, tape.gradient(loss, x)

    x, losses = tf.constant(RNG.normal(size=(2, 2, 3, 8))), tf.constant([1.0, 2.0, 4.0])
    compiled = tf.function(f, input_signature=[tf.TensorSpec([None, 2, 3, 8], tf.float64),
                                               tf.TensorSpec([None], tf.float32)])
    for a, b in zip(f(x, losses), compiled(x, losses)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
