"""tf.math's special functions: erf, erfc, erfinv, ndtri, lgamma, digamma, polygamma and xlog1py.

The constants are TensorFlow 2.21's outputs (printed by it, `.numpy().tolist()`), except where a
comment says tapeflow deliberately differs; gradients are also checked to second order against
finite differences, over several shapes, in float32 and float64.
"""

import math

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

inf, nan = np.inf, np.nan
RNG = np.random.default_rng(3)
SHAPES = [(), (5, ), (2, 3)]

X = [-inf, -3.0, -2.5, -1.0, -0.5, 0.0, 1e-300, 0.3, 0.5, 1.0, 1.5, 2.0, 10.0, 1e10, inf, nan]
P = [-0.5, 0.0, 1e-300, 1e-20, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0 - 1e-12, 1.0, 1.5, nan]
E = [-1.5, -1.0, -0.999999, -0.5, 0.0, 0.3, 0.5, 0.9999999999, 1.0, nan]

# TensorFlow 2.21: tf.math.erf(tf.constant(X, tf.float64)) gives NaN at -inf and inf (its float32 kernel
# gives -1 and 1); tapeflow gives -1 and 1 in both.
ERF_64 = [-1.0, -0.9999779095030015, -0.999593047982555, -0.8427007929497148, -0.5204998778130466, 0.0,
          1.1283791670955126e-300, 0.3286267594591274, 0.5204998778130466, 0.8427007929497148,
          0.9661051464753108, 0.9953222650189527, 1.0, 1.0, 1.0, nan]
ERF_32 = [-1.0, -0.9999780058860779, -0.9995929598808289, -0.8427008390426636, -0.5204998850822449, 0.0, 0.0,
          0.3286267817020416, 0.5204998850822449, 0.8427008390426636, 0.9661051034927368, 0.9953223466873169,
          1.0, 1.0, 1.0, nan]
ERFC_64 = [2.0, 1.9999779095030015, 1.999593047982555, 1.8427007929497148, 1.5204998778130467, 1.0, 1.0,
           0.6713732405408726, 0.47950012218695337, 0.15729920705028522, 0.03389485352468927,
           0.004677734981047266, 2.0884875837625443e-45, 0.0, 0.0, nan]
ERFC_32 = [2.0, 1.999977946281433, 1.9995930194854736, 1.842700719833374, 1.5204999446868896, 1.0, 1.0,
           0.671373188495636, 0.4795001149177551, 0.1572992205619812, 0.0338948555290699,
           0.004677735269069672, 0.0, 0.0, 0.0, nan]
LGAMMA_64 = [inf, inf, -0.05624371649767407, inf, 1.2655121234846454, inf, 690.7755278982137,
             1.0957979948180756, 0.5723649429247001, 0.0, -0.12078223763524522, 0.0, 12.80182748008147,
             220258509288.81058, inf, nan]
LGAMMA_32 = [inf, inf, -0.056243713945150375, inf, 1.2655121088027954, inf, inf, 1.0957980155944824,
             0.5723649263381958, 0.0, -0.12078223377466202, 0.0, 12.801827430725098, 220258500608.0, inf, nan]
DIGAMMA_64 = [nan, nan, 1.1031566406452433, nan, 0.03648997397857645, nan, -9.999999999999999e+299,
              -3.502524222200133, -1.9635100260214227, -0.5772156649015323, 0.03648997397857645,
              0.42278433509846747, 2.2517525890667214, 23.025850929890456, inf, nan]
DIGAMMA_32 = [nan, nan, 1.1031568050384521, nan, 0.03648996353149414, nan, nan, -3.502523899078369,
              -1.9635107517242432, -0.5772159099578857, 0.03648996353149414, 0.4227842092514038,
              2.2517526149749756, 23.025850296020508, inf, nan]
NDTRI_64 = [nan, -inf, -37.0470962993612, -9.262340089798409, -2.3263478740408408, -0.5244005127080409, 0.0,
            0.5244005127080407, 2.3263478740408408, 7.0344869100478356, inf, nan, nan]
NDTRI_32 = [nan, -inf, -inf, -9.26233959197998, -2.326347827911377, -0.5244004726409912, 0.0,
            0.5244004726409912, 2.326348304748535, inf, inf, nan, nan]
ERFINV_64 = [nan, -inf, -3.4589107372754997, -0.4769362762044699, 0.0, 0.27246271472675443,
             0.4769362762044699, 4.572824958544925, inf, nan]
ERFINV_32 = [nan, -inf, -3.4570746421813965, -0.47693631052970886, 0.0, 0.2724626660346985,
             0.47693631052970886, inf, inf, nan]

# float32 results are rounded from float64, TensorFlow's computed in float32: a few units in the last
# place apart. (TensorFlow also flushes float32 subnormals, such as erfc(10), to 0.)
VALUES = [("erf", X, ERF_64, ERF_32), ("erfc", X, ERFC_64, ERFC_32), ("lgamma", X, LGAMMA_64, LGAMMA_32),
          ("digamma", X, DIGAMMA_64, DIGAMMA_32), ("ndtri", P, NDTRI_64, NDTRI_32), ("erfinv", E, ERFINV_64,
          ERFINV_32)]


@pytest.mark.parametrize("name, points, expected64, expected32", VALUES, ids=[v[0] for v in VALUES])
def test_values_match_tensorflow(name, points, expected64, expected32):
    f = getattr(tf.math, name)
    y64 = f(tf.constant(points, tf.float64))
    assert y64.dtype == tf.float64 and y64.shape == [len(points)]
    np.testing.assert_allclose(y64.numpy(), expected64, rtol=1e-13, atol=0)
    y32 = f(tf.constant(points, tf.float32))
    assert y32.dtype == tf.float32
    np.testing.assert_allclose(y32.numpy(), expected32, rtol=5e-7, atol=2e-45)


def test_dtypes_and_shapes():
    assert tf.math.erf(0.5).dtype == tf.float32  # a Python float is float32, as in TensorFlow
    assert tf.math.lgamma(tf.constant([0.5], tf.float16)).numpy().tolist() == [np.float16(0.5723)]
    y = tf.math.digamma(tf.ones([2, 3], tf.float64))
    assert y.shape == [2, 3] and y.dtype == tf.float64
    # TensorFlow has no float16 CPU kernel for erfinv and ndtri (NotFoundError); tapeflow computes them.
    assert tf.math.erfinv(tf.constant([0.25], tf.float16)).dtype == tf.float16


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "ndtri", "lgamma", "digamma"])
def test_integer_and_complex_inputs_are_refused_as_tensorflow(name):
    op = name.capitalize()  # TensorFlow's op names: Erf, Erfc, Erfinv, Ndtri, Lgamma, Digamma
    for x in (tf.constant([1, 2]), tf.constant([1j])):
        message = rf"'T' of {x.dtype.name} is not in the list of allowed values: half, float, double "
        message += rf"\[Op:{op}\]"
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            getattr(tf.math, name)(x)


def test_inverse_functions_keep_full_precision():
    # erfinv(erf(x)) = x where erf is well conditioned, and ndtri(Phi(-x)) = -x far into the tail (Phi
    # from erfc, exact in relative terms there).
    x = np.concatenate([10.0 ** RNG.uniform(-300, 0, 200), RNG.uniform(0, 2, 200)])
    y = tf.math.erfinv(tf.constant(np.vectorize(math.erf)(x))).numpy()
    np.testing.assert_allclose(y, x, rtol=3e-14)
    x = RNG.uniform(0.1, 37.0, 300)
    p = 0.5 * np.vectorize(math.erfc)(x / math.sqrt(2))
    np.testing.assert_allclose(tf.math.ndtri(tf.constant(p)).numpy(), -x, rtol=1e-14)
    # TensorFlow computes erfinv(x) as ndtri((x + 1) / 2) / sqrt(2), losing digits near 0: it gives
    # 8.862269987795027e-11 here, and 0 in float32. tapeflow gives erfinv(x) ~ sqrt(pi) / 2 x.
    exact = 8.862269254527580e-11
    assert tf.math.erfinv(tf.constant(1e-10, tf.float64)).numpy() == pytest.approx(exact, rel=1e-15)
    assert tf.math.erfinv(tf.constant(1e-10)).numpy() == pytest.approx(exact, rel=1e-6)


def test_digamma_and_polygamma_at_known_values():
    euler, zeta3 = 0.5772156649015329, 1.2020569031595942
    psi = tf.math.digamma(tf.constant([1.0, 0.5], tf.float64))
    np.testing.assert_allclose(psi.numpy(), [-euler, -euler - 2 * math.log(2)], rtol=1e-15)
    pg = tf.math.polygamma(tf.constant([1.0, 1.0, 2.0], tf.float64), tf.constant([1.0, 0.5, 1.0], tf.float64))
    np.testing.assert_allclose(pg.numpy(), [math.pi**2 / 6, math.pi**2 / 2, -2 * zeta3], rtol=1e-15)


# TensorFlow 2.21: tf.math.polygamma(tf.constant(n, tf.float64), tf.constant(X, tf.float64)).
POLYGAMMA = {
    1: [inf, inf, 9.539246644989124, inf, 8.934802200544679, inf, inf, 12.245364546107734, 4.93480220054468,
        1.6449340668482266, 0.9348022005446793, 0.6449340668482266, 0.10516633568168576, 1.00000000005e-10,
        0.0, nan],
    2: [nan, nan, -0.1082040516417282, nan, -0.82879664423432, nan, -inf, -75.27253658872601,
        -16.828796644234316, -2.404113806319188, -0.8287966442343201, -0.4041138063191886,
        -0.011049834970802069, -1.0000000001e-20, -0.0, nan],
    3: [inf, inf, 194.74787621918756, inf, 193.40909103400242, inf, inf, 743.1417646550497, 97.40909103400242,
        6.493939402266829, 1.4090910340024367, 0.4939394022668293, 0.0023199013042898686,
        2.0000000003000003e-30, 0.0, nan],
    5: [inf, inf, 15382.140048026304, inf, 15371.113548602436, inf, inf, 164634.846099223, 7691.113548602433,
        122.08116743813383, 11.113548602435495, 2.081167438133896, 0.00030594516211726814,
        2.4000000005999994e-49, 0.0, nan],
    # TensorFlow sums the series at -2.5 directly, losing 7 digits to cancellation (-4.026692842611652);
    # the value here is the exact one (mpmath), which tapeflow's reflection formula reaches.
    10: [nan, nan, -4.026693041232995, nan, -42108.85876897559, nan, -inf, -2048468424178.0793,
        -7431824508.858788, -3630593.3116066367, -42108.8587689756, -1793.3116066287178,
        -5.7675966863222723e-05, -3.628800001814409e-95, -0.0, nan],
}


@pytest.mark.parametrize("order", sorted(POLYGAMMA))
def test_polygamma_matches_tensorflow(order):
    # At the poles (0, -1, ...) TensorFlow gives inf for odd orders and NaN for even ones; so does tapeflow.
    y = tf.math.polygamma(tf.constant(float(order), tf.float64), tf.constant(X, tf.float64))
    np.testing.assert_allclose(y.numpy(), POLYGAMMA[order], rtol=1e-13, atol=0)
    assert np.signbit(y.numpy()[-2]) == (order % 2 == 0)  # -0.0 at inf for even orders, as TensorFlow


def test_polygamma_arguments():
    # TensorFlow 2.21's values; orders that are not non-negative integers give NaN.
    x = tf.constant([-0.5, -2.7, -7.3, -100.25], tf.float64)
    y = tf.math.polygamma(tf.constant([1.0, 2.0, 3.0, 1.0], tf.float64), x)
    np.testing.assert_allclose(y.numpy(), [8.934802200544679, -68.93293902326377, 769.0167339816826,
                                           19.72928332534936], rtol=1e-14)
    y = tf.math.polygamma(tf.constant([1.0, 2.0, 3.0]), tf.constant([0.1, -2.7, 7.0]))
    np.testing.assert_allclose(y.numpy(), [101.43330383300781, -68.93297576904297, 0.00719819962978363],
                               rtol=5e-7)
    assert np.isnan(tf.math.polygamma([1.5, -1.0, inf, nan], [1.0, 1.0, 1.0, 1.0]).numpy()).all()
    y = tf.math.polygamma(tf.constant([[1.0], [2.0]]), tf.constant([1.0, 2.0, 3.0]))
    assert y.shape == [2, 3] and y.dtype == tf.float32
    np.testing.assert_allclose(y.numpy(), [[1.644934, 0.6449341, 0.39493406],
                                           [-2.404114, -0.40411383, -0.1541138]], rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"int32 is not in the list of allowed values: float, double \[Op:Polygamma\]"):
        tf.math.polygamma(1, 2)
    with pytest.raises(TypeError, match="Cannot convert 2.0 to EagerTensor of dtype int32"):
        tf.math.polygamma(1, 2.0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"input #1\(zero-based\) was expected to be a float tensor but is a double"):
        tf.math.polygamma(tf.constant(1.0), tf.constant(2.0, tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="half is not in the list of allowed values"):
        tf.math.polygamma(tf.constant(1.0, tf.float16), tf.constant(2.0, tf.float16))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        tf.math.polygamma(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0]))


def _first_and_second(f, x):
    x = tf.constant(x)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    return g.numpy(), outer.gradient(g, x).numpy()


X2 = [-2.5, -1.0, 0.0, 0.3, 1.0, 2.0, 7.5, inf, nan]
P2 = [-1.0, -0.5, 0.0, 0.001, 0.3, 0.5, 0.9, 1.0, 1.5]
# TensorFlow 2.21: the first and second derivatives (float64) at X2 (P2 for erfinv and ndtri).
DERIVATIVES = {
    "erf": ([0.00217828423035271, 0.41510749742059466, 1.1283791670955126, 1.031260909618963,
             0.41510749742059466, 0.020666985354092057, 4.2013653781149885e-25, 0.0, nan],
            [0.01089142115176355, 0.8302149948411893, -0.0, -0.6187565457713778, -0.8302149948411893,
             -0.08266794141636823, -6.3020480671724825e-24, nan, nan]),
    "erfc": ([-0.00217828423035271, -0.41510749742059466, -1.1283791670955126, -1.031260909618963,
              -0.41510749742059466, -0.020666985354092057, -4.2013653781149885e-25, -0.0, nan],
             [-0.01089142115176355, -0.8302149948411893, 0.0, 0.6187565457713778, 0.8302149948411893,
              0.08266794141636823, 6.3020480671724825e-24, nan, nan]),
    "lgamma": ([1.1031566406452433, nan, nan, -3.502524222200133, -0.5772156649015323, 0.42278433509846747,
                1.946757484246087, inf, nan],
               [9.539246644989124, inf, inf, 12.245364546107734, 1.6449340668482266, 0.6449340668482266,
                0.1426158966967038, 0.0, nan]),
    "digamma": ([9.539246644989124, inf, inf, 12.245364546107734, 1.6449340668482266, 0.6449340668482266,
                 0.1426158966967038, 0.0, nan],
                [-0.1082040516417282, nan, nan, -75.27253658872601, -2.404113806319188, -0.4041138063191886,
                 -0.02030525253664467, -0.0, nan]),
    "erfinv": ([inf, 1.1125848189719496, 0.8862269254527579, 0.8862276214943953, 0.9545203588405493,
                1.1125848189719496, 3.4280428114518378, inf, nan],
               [-inf, -1.1807463499933997, 0.0, 0.0013920845503349146, 0.4964865260107431, 1.1807463499933997,
                27.335985073826976, inf, nan]),
    "ndtri": ([nan, nan, inf, 296.9923515892307, 2.876103659264292, 2.5066282746310002, 5.698059856117003,
               inf, nan],
              [nan, nan, -inf, -272572.2622680958, -4.337826493638953, 0.0, 41.60927029199775, inf, nan]),
}


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivatives_match_tensorflow(name):
    points = np.array(P2 if name in ("erfinv", "ndtri") else X2)
    first, second = _first_and_second(getattr(tf.math, name), points)
    np.testing.assert_allclose(first, DERIVATIVES[name][0], rtol=1e-12, atol=0)
    np.testing.assert_allclose(second, DERIVATIVES[name][1], rtol=1e-12, atol=0)


def _points(name, shape):
    if name == "erfinv":
        return RNG.uniform(-0.9, 0.9, shape)
    if name == "ndtri":
        return RNG.uniform(0.05, 0.95, shape)
    if name in ("lgamma", "digamma"):  # mostly positive, some between the poles -3 and -2
        negative = RNG.uniform(size=shape) < 0.3
        return np.where(negative, RNG.uniform(-2.8, -2.2, shape), RNG.uniform(0.3, 5.0, shape))
    return RNG.uniform(-2.0, 2.0, shape)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "ndtri", "lgamma", "digamma"])
def test_gradients_to_second_order(name, shape, dtype):
    check_gradients(getattr(tf.math, name), _points(name, shape), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_polygamma_gradients(dtype):
    orders = tf.constant([[0.0], [1.0], [2.0]], dtype)  # broadcast against x: the x gradient is summed
    check_gradients(lambda x: tf.math.polygamma(orders, x), RNG.uniform(0.5, 4.0, (4,)), dtype=dtype)
    check_gradients(lambda x: tf.math.polygamma(tf.constant(1.0, dtype), x), RNG.uniform(-2.9, -2.1, (2, 2)),
                    dtype=dtype)
    a, x = tf.constant([1.0, 2.0], dtype), tf.constant([0.5, 3.0], dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, x])
        y = tf.math.polygamma(a, x)
    assert tape.gradient(y, a) is None  # as TensorFlow: no gradient for the order
    # TensorFlow 2.21's gradient for x: polygamma(a + 1, x).
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [-16.828796644234316, 0.11893940226682916],
                               rtol=1e-6 if dtype is np.float32 else 1e-14)


def test_xlog1py_matches_tensorflow():
    # TensorFlow 2.21: 0 wherever x is 0, whatever y is (NaN, -1, below -1, inf).
    y = tf.math.xlog1py(tf.constant([0.0, 0.0, 0.0, 1.0, nan, 0.0]),
                        tf.constant([-1.0, -2.0, nan, -2.0, 1.0, inf]))
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 0.0, nan, nan, 0.0])
    assert tf.math.xlog1py(1.0, 2).numpy() == pytest.approx(1.0986123085021973)
    x, y = tf.constant([0.0, 0.0, 1.0, 2.0, 0.0, -1.5]), tf.constant([-1.0, 0.5, -1.0, 3.0, nan, 0.25])
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, y])
        with tf.GradientTape(persistent=True) as inner:
            inner.watch([x, y])
            z = tf.math.xlog1py(x, y)
        gx, gy = inner.gradient(z, [x, y])
    # TensorFlow 2.21's gradients, and their gradients (the x gradient's x gradient is None there too).
    np.testing.assert_allclose(gx.numpy(), [0.0, 0.0, -inf, 1.3862943611198906, 0.0, 0.2231435513142], 1e-6)
    np.testing.assert_allclose(gy.numpy(), [0.0, 0.0, inf, 0.5, 0.0, -1.2], 1e-6)
    assert outer.gradient(gx, x) is None
    np.testing.assert_allclose(outer.gradient(gx, y).numpy(), [0.0, 0.0, inf, 0.25, 0.0, 0.8], 1e-6)
    np.testing.assert_allclose(outer.gradient(gy, y).numpy(), [0.0, 0.0, -inf, -0.125, 0.0, 0.96], 1e-6)


def test_xlog1py_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"of int32 is not in the list .*\[Op:Xlog1py\]"):
        tf.math.xlog1py(1, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a double"):
        tf.math.xlog1py(tf.constant([1.0]), tf.constant([2.0], tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Incompatible shapes: \[2\] vs. \[3\] \[Op:Xlog1py\]"):
        tf.math.xlog1py(tf.constant([1.0, 2.0]), tf.constant([2.0, 3.0, 4.0]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_xlog1py_gradients_broadcast(dtype):
    x = RNG.uniform(-2.0, 2.0, (3, 1))
    check_gradients(tf.math.xlog1py, x, RNG.uniform(-0.5, 2.0, (4,)), dtype=dtype)
    check_gradients(tf.math.xlog1py, RNG.uniform(-2.0, 2.0, ()), RNG.uniform(-0.5, 2.0, (2, 3)), dtype=dtype)


def test_traced_functions_give_the_eager_values_and_gradients():
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = (tf.math.erf(x) + tf.math.erfc(x) + tf.math.lgamma(x) + tf.math.digamma(x)
                 + tf.math.erfinv(x / 2) + tf.math.ndtri(x / 2) + tf.math.polygamma(2.0, x)
                 + tf.math.xlog1py(x, x))
        return y, tape.gradient(y, x)

    x = tf.constant([0.3, 0.6, 1.7])
    for eager, traced in zip(f(x), tf.function(f)(x)):
        np.testing.assert_allclose(traced.numpy(), eager.numpy(), rtol=1e-6)
