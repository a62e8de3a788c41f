"""tf.random: dtypes, shapes, ranges, TF's seeding semantics, errors, and gradients to mean/stddev."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


@pytest.fixture(autouse=True)
def _no_global_seed():
    tf.random.set_seed(None)
    yield
    tf.random.set_seed(None)


def draws(seed=None, n=3):
    return [tf.random.uniform([2], seed=seed).numpy() for _ in range(n)]


def test_default_dtypes_and_shapes():
    assert tf.random.normal([2]).dtype == tf.float32
    assert tf.random.uniform([2]).dtype == tf.float32
    assert tf.random.truncated_normal([2]).dtype == tf.float32
    assert tf.random.uniform([2], maxval=10, dtype=tf.int32).dtype == tf.int32
    assert tf.random.uniform([2, 3], maxval=10, dtype=tf.int64, seed=1).shape == (2, 3)
    assert tf.random.normal(tf.constant([2, 1])).shape == (2, 1)
    assert tf.random.normal([]).shape == ()
    for dtype in (tf.float16, tf.float64):
        assert tf.random.normal([2], dtype=dtype).dtype == dtype
        assert tf.random.uniform([2], dtype=dtype).dtype == dtype


def test_ranges_and_moments():
    tf.random.set_seed(0)
    u = tf.random.uniform([4000]).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.03
    shifted = tf.random.uniform([4000], minval=-3.0, maxval=-1.0).numpy()
    assert shifted.min() >= -3 and shifted.max() < -1
    ints = tf.random.uniform([4000], minval=-2, maxval=3, dtype=tf.int32).numpy()
    assert set(np.unique(ints)) == {-2, -1, 0, 1, 2}
    n = tf.random.normal([4000], mean=5.0, stddev=2.0, dtype=tf.float64).numpy()
    assert abs(n.mean() - 5) < 0.15 and abs(n.std() - 2) < 0.15
    t = tf.random.truncated_normal([4000], mean=1.0, stddev=0.5).numpy()
    assert t.min() >= 0 and t.max() <= 2 and abs(t.mean() - 1) < 0.05


def test_unseeded_draws_differ():
    a, b = draws()[:2]
    assert not np.array_equal(a, b)


def test_global_seed_makes_the_sequence_reproducible():
    tf.random.set_seed(5)
    first = draws() + [tf.random.normal([2]).numpy()]
    tf.random.set_seed(5)
    second = draws() + [tf.random.normal([2]).numpy()]
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first[0], first[1])  # successive ops still differ
    tf.random.set_seed(6)
    assert not np.array_equal(draws()[0], first[0])


def test_op_seed_streams_continue_and_restart():
    tf.random.set_seed(5)
    a = draws(seed=7)
    assert not np.array_equal(a[0], a[1])  # the (global, op) stream continues from call to call
    tf.random.set_seed(5)
    tf.random.uniform([2])  # unseeded ops in between do not disturb an op-seeded stream
    np.testing.assert_array_equal(draws(seed=7), a)
    tf.random.set_seed(5)
    b = [tf.random.uniform([2], seed=7).numpy(), tf.random.normal([2], seed=7).numpy(),
         tf.random.uniform([2], seed=7).numpy()]
    np.testing.assert_array_equal(b[0], a[0])
    np.testing.assert_array_equal(b[2], a[1])  # each kind of op has its own stream (as TF)
    assert not np.array_equal(draws(seed=8)[0], a[0])


def test_op_seed_without_global_seed_is_reproducible():
    a = draws(seed=3)
    tf.random.set_seed(None)  # restarts the streams
    np.testing.assert_array_equal(draws(seed=3), a)


def test_shuffle():
    tf.random.set_seed(1)
    value = np.arange(20).reshape(10, 2)
    out = tf.random.shuffle(tf.constant(value), seed=3).numpy()
    assert out.shape == (10, 2) and out.dtype == np.int64
    assert not np.array_equal(out, value)
    np.testing.assert_array_equal(np.sort(out[:, 0]), value[:, 0])
    np.testing.assert_array_equal(out[:, 1], out[:, 0] + 1)  # rows move whole
    tf.random.set_seed(1)
    np.testing.assert_array_equal(tf.random.shuffle(tf.constant(value), seed=3).numpy(), out)
    assert tf.random.shuffle(tf.constant(1.0)).numpy() == 1.0


def test_shuffle_has_no_gradient():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.random.shuffle(x)
    assert tape.gradient(y, x) is None


@pytest.mark.parametrize("call, error, message", [
    (lambda: tf.random.uniform([2], dtype=tf.int32), ValueError,
     "Must specify maxval for integer dtype tf.int32"),
    (lambda: tf.random.uniform([2], maxval=0, dtype=tf.int32), tf.errors.InvalidArgumentError,
     "Need minval < maxval, got 0 >= 0"),
    (lambda: tf.random.uniform([2], minval=5, maxval=3, dtype=tf.int64), tf.errors.InvalidArgumentError,
     "5 >= 3"),
    (lambda: tf.random.uniform([2], maxval=3, dtype=tf.uint8), ValueError, "Accepted dtypes"),
    (lambda: tf.random.uniform([2], maxval=3.5, dtype=tf.int32), TypeError, "Cannot convert 3.5"),
    (lambda: tf.random.normal([2], dtype=tf.int32), TypeError, "Cannot convert 0.0"),
    (lambda: tf.random.truncated_normal([2], dtype=tf.int32), TypeError, "Cannot convert 0.0"),
    (lambda: tf.random.normal([2], mean=tf.constant(1.0, tf.float64)), ValueError, "float32"),
    (lambda: tf.random.normal([-1]), tf.errors.InvalidArgumentError, "Dimension -1 must be >= 0"),
    (lambda: tf.random.normal(3), tf.errors.InvalidArgumentError, "shape must be a vector"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("op", ["normal", "truncated_normal"])
def test_gradients_to_mean_and_stddev(op, dtype):
    def f(mean, stddev):
        tf.random.set_seed(4)  # the same draw at every evaluation
        return getattr(tf.random, op)([3], mean=mean, stddev=stddev, dtype=mean.dtype)

    check_gradients(f, np.array(1.0), np.array(2.0), dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_to_minval_and_maxval(dtype):
    def f(low, high):
        tf.random.set_seed(4)
        return tf.random.uniform([2, 2], minval=low, maxval=high, dtype=low.dtype)

    check_gradients(f, np.array(-1.0), np.array(3.0), dtype=dtype)
    tf.random.set_seed(4)
    low = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(low)
        y = tf.random.uniform([3], minval=low, maxval=3.0)
    tf.random.set_seed(4)
    u = tf.random.uniform([3]).numpy()
    np.testing.assert_allclose(tape.gradient(y, low).numpy(), np.sum(1 - u), rtol=1e-6)


def test_categorical_draws_classes_by_their_probabilities():
    samples = tf.random.categorical(tf.math.log([[0.2, 0.8], [1.0, 0.0]]), 4000, seed=3)
    assert samples.dtype == tf.int64 and samples.shape == (2, 4000)
    assert abs(float(np.mean(samples.numpy()[0])) - 0.8) < 0.03 and not samples.numpy()[1].any()  # p=0: never
    assert tf.random.categorical([[0.0, 0.0]], 3, dtype=tf.int32).dtype == tf.int32
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"logits should be a matrix, got shape \[2\]"):
        tf.random.categorical([0.0, 0.0], 3)
    with pytest.raises(ValueError, match=r"Accepted dtypes are \(tf.int32, tf.int64\)"):
        tf.random.categorical([[0.0, 0.0]], 3, dtype=tf.float32)


def test_stateless_draws_are_functions_of_their_seed():
    a = tf.random.stateless_normal([3], seed=[1, 2])
    assert a.numpy().tolist() == tf.random.stateless_normal([3], seed=[1, 2]).numpy().tolist()
    assert a.numpy().tolist() != tf.random.stateless_normal([3], seed=[1, 3]).numpy().tolist()
    def ints(s):
        return tf.random.stateless_uniform([3], seed=s, minval=0, maxval=10, dtype=tf.int32)

    compiled = tf.function(ints)
    assert compiled(tf.constant([4, 5])).numpy().tolist() == compiled(tf.constant([4, 5])).numpy().tolist()
    assert compiled(tf.constant([4, 5])).numpy().tolist() == tf.random.stateless_uniform(
        [3], seed=[4, 5], minval=0, maxval=10, dtype=tf.int32).numpy().tolist()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seed must have shape \[2\], not \[3\]"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(ValueError, match="must be both None or not None"):
        tf.random.stateless_uniform([3], seed=[1, 2], dtype=tf.int32)
    assert tf.random.stateless_categorical([[0.0, 1.0]], 4, seed=[3, 4]).shape == (1, 4)
    assert tf.random.split(tf.constant([1, 2]), num=3).shape == (3, 2)
    assert tf.random.fold_in([1, 2], 7).numpy()[1] == 7
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.random.stateless_normal([4], seed=[0, 1], mean=x, stddev=x))
    draws = tf.random.stateless_normal([4], seed=[0, 1]).numpy()
    assert float(tape.gradient(y, x)) == pytest.approx(4 + draws.sum(), rel=1e-5)


def test_generators_draw_from_streams_of_their_own():
    g, h = tf.random.Generator.from_seed(1), tf.random.Generator.from_seed(1)
    assert g.normal([3]).numpy().tolist() == h.normal([3]).numpy().tolist()
    assert g.uniform([2], maxval=5, dtype=tf.int64).dtype == tf.int64
    assert g.make_seeds(2).shape == (2, 2) and len(g.split(2)) == 2
    assert tf.random.get_global_generator().normal([1]).shape == (1,)

    @tf.function
    def draw():
        return g.normal([4])

    assert draw().numpy().tolist() != draw().numpy().tolist()  # a new draw on every call
    m = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(g.normal([3], mean=m))
    assert float(tape.gradient(y, m)) == 3.0
    assert tf.random.poisson([3], [1.0, 5.0], seed=1).shape == (3, 2)
    assert tf.random.poisson([2], 3.0, dtype=tf.int32).dtype == tf.int32


def test_the_experimental_names_of_the_generator_api():
    assert tf.random.experimental.Generator is tf.random.Generator
    assert tf.random.experimental.stateless_split([1, 2], 2).shape == (2, 2)
    assert tf.random.experimental.stateless_fold_in([1, 2], 5).numpy()[1] == 5


def test_tensorflows_numbers_for_a_seed():
    """What TensorFlow 2.21 prints for these seeds (the values: test_random_fixtures.py)."""
    tf.random.set_seed(1)
    assert str(tf.random.uniform([3])) == \
        "tf.Tensor([0.16513085 0.9014813  0.6309742 ], shape=(3,), dtype=float32)"
    assert str(tf.random.normal([3])) == \
        "tf.Tensor([ 0.40308788 -1.0880208  -0.06309535], shape=(3,), dtype=float32)"
    assert str(tf.random.uniform([3], seed=5)) == \
        "tf.Tensor([0.195606   0.02986085 0.36493087], shape=(3,), dtype=float32)"


def test_traced_draws_number_seedless_ops_and_continue_across_calls():
    tf.random.set_seed(3)

    @tf.function
    def draw():
        return tf.random.uniform([2]), tf.random.uniform([2])

    first, second = draw(), draw()
    assert not np.array_equal(first[0].numpy(), second[0].numpy())  # the traced op's stream carries on
    tf.random.set_seed(3)
    eager = tf.random.uniform([2], seed=0)  # the first seedless traced op has op seed 0, eager too
    np.testing.assert_array_equal(first[0].numpy(), eager.numpy())


def test_generator_state_advances_256_blocks_per_value():
    g = tf.random.Generator.from_seed(7)
    assert g.state.numpy().tolist() == [7, 0, 0]
    g.normal([2, 3])
    assert g.state.numpy().tolist() == [7 + 6 * 256, 0, 0]
    g.skip(10)
    assert g.state.numpy().tolist() == [7 + 16 * 256, 0, 0]
    g.reset_from_seed(2**64 + 5)
    assert g.state.numpy().tolist() == [5, 1, 0]
    assert tf.random.experimental.create_rng_state(-1, "philox").tolist() == [-1, -1, -1]
    seeds = g.make_seeds(3)
    assert seeds.shape == (2, 3) and seeds.dtype == tf.int64 and not seeds.numpy()[1].any()
    with pytest.raises(ValueError, match="both `None` or both non-`None`"):
        g.uniform([2], dtype=tf.int32)


def test_dropout_and_stateless_dropout():
    x = tf.ones([200])
    y = tf.nn.dropout(x, 0.5, seed=1).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    a = tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])
    b = tf.nn.experimental.stateless_dropout(x, 0.5, seed=[1, 2])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert tf.nn.dropout(x, 0.0) is not None
    with pytest.raises(ValueError, match="must be a scalar tensor or a float in the range"):
        tf.nn.dropout(x, 1.0)
    with pytest.raises(ValueError, match="must be a floating point tensor"):
        tf.nn.dropout(tf.constant([1, 2]), 0.5)


def test_initializers_with_a_seed_are_stateless():
    init = tf.random_normal_initializer(seed=3)
    np.testing.assert_array_equal(init([4]).numpy(), init([4]).numpy())
    np.testing.assert_array_equal(init([4]).numpy(),
                                  tf.random.stateless_normal([4], [3, 0], stddev=0.05).numpy())
    assert tf.random_uniform_initializer(0, 10, seed=1)([3], dtype=tf.int32).dtype == tf.int32


def test_algorithms():
    assert tf.random.Algorithm.PHILOX.value == 1 and tf.random.experimental.Algorithm is tf.random.Algorithm
    a = tf.random.stateless_uniform([3], [1, 2], alg=tf.random.Algorithm.PHILOX)
    b = tf.random.stateless_uniform([3], [1, 2], alg="auto_select")
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(NotImplementedError, match="Philox only"):
        tf.random.Generator.from_seed(1, alg="threefry")
    with pytest.raises(ValueError, match="unsupported value"):
        tf.random.stateless_normal([2], [1, 2], alg="mersenne")


# ---- the Numba kernels against the NumPy code ------------------------------------------------------

def test_native_transcendentals_equal_the_numpy_ones_on_every_input():
    """The float32 Box-Muller sees 2**23 inputs per function: all of them, bit for bit."""
    numba = pytest.importorskip("numba")
    from tapeflow.random import glibc_float32, philox_native

    @numba.njit
    def every_input(tables, log, sin, cos):
        grid, log_corrections, log_mask, sincos_corrections, sincos_mask = tables
        for i in range(log.shape[0]):
            log[i] = philox_native.logf(i, log_corrections, log_mask)
            sin[i], cos[i] = philox_native.sincosf(i, grid, sincos_corrections, sincos_mask)

    inputs = np.arange(2**23, dtype=np.uint32)
    got = [np.empty(2**23, np.float32) for _ in range(3)]
    every_input(glibc_float32.native_tables(), *got)
    want = [glibc_float32.logf(inputs), *glibc_float32.sincosf(inputs)]
    assert [int(np.sum(g.view(np.uint32) != w.view(np.uint32))) for g, w in zip(got, want)] == [0, 0, 0]


@pytest.mark.parametrize("counter", [0, 2**64 - 3, 2**128 - 5, 12345 << 64])
def test_native_draws_equal_the_numpy_ones(counter):
    pytest.importorskip("numba")
    from tapeflow.random import philox

    key = (0xDEADBEEF, 0x12345678)
    draws = [lambda n, d=d, f=f: f(key, counter, n, d) for d in (np.float16, np.float32, np.float64)
             for f in (philox.uniform, philox.normal, philox.truncated_normal)]
    draws += [lambda n, d=d: philox.full_int(key, counter, n, d) for d in (np.int32, np.int64)]
    draws += [lambda n, d=d: philox.uniform_int(key, counter, n, -5, 1000, d) for d in (np.int32, np.int64)]
    previous = philox.set_native_min_blocks(None)
    try:
        for n in (1, 3, 17, 4999, 70001):
            numpy = [draw(n) for draw in draws]
            philox.set_native_min_blocks(0)
            native = [draw(n) for draw in draws]
            philox.set_native_min_blocks(None)
            assert [a.dtype for a in native] == [a.dtype for a in numpy]
            assert [int(np.sum(a.view(f"u{a.itemsize}") != b.view(f"u{b.itemsize}")))
                    for a, b in zip(native, numpy)] == [0] * len(draws)
    finally:
        philox.set_native_min_blocks(previous)


# ---- the gradient of gamma samples to alpha ----------------------------------------------------------

def _lower_gamma(a, x):
    """P(a, x) by its series x**a e**-x sum x**n / Gamma(a + n + 1): positive terms, no cancellation."""
    import math

    n = np.arange(600)
    return float(np.exp(a * math.log(x) - x + n * math.log(x)
                        - np.array([math.lgamma(a + k + 1) for k in n])).sum())


@pytest.mark.parametrize("a, x", [(0.3, 0.05), (0.3, 0.4), (0.3, 1.5), (1.0, 0.5), (1.0, 2.2), (2.5, 1.4),
                                  (2.5, 4.0), (9.0, 6.0), (9.0, 13.0), (40.0, 33.0), (40.0, 48.0)])
def test_gamma_sample_derivative_is_the_implicit_one(a, x):
    """dx/dalpha = -(dP/dalpha) / (dP/dx) at the sample (both the series and the continued fraction
    regimes), with P's derivatives by central differences."""
    from tapeflow.random.gamma_grad import sample_derivative

    h = 1e-5
    dp_da = (_lower_gamma(a + h, x) - _lower_gamma(a - h, x)) / (2 * h)
    dp_dx = (_lower_gamma(a, x + h) - _lower_gamma(a, x - h)) / (2 * h)
    assert sample_derivative(np.array(a), np.array(x)) == pytest.approx(-dp_da / dp_dx, rel=1e-6)


def test_gamma_gradient_to_alpha_flows_through_beta_and_the_floor():
    alpha, beta = tf.constant([0.3, 1.0, 2.5, 40.0]), tf.constant([2.0, 1.0, 0.5, 3.0])
    with tf.GradientTape() as tape:
        tape.watch([alpha, beta])
        sample = tf.random.gamma([3], alpha, beta=beta, seed=1)
        loss = tf.reduce_sum(sample * sample)
    grad_alpha, grad_beta = tape.gradient(loss, [alpha, beta])
    # TensorFlow 2.21: tf.random.set_seed(None), then the same program
    np.testing.assert_allclose(grad_alpha.numpy(), [0.30300185, 6.928301, 6.3347664, 27.531664], rtol=1e-5)
    np.testing.assert_allclose(grad_beta.numpy(), [-2.4282567e-02, -7.1586466, -16.250254, -375.10571],
                               rtol=1e-6)
    with tf.GradientTape() as tape:  # no sample dimensions: the derivative itself
        tape.watch(alpha)
        sample = tf.random.stateless_gamma([4], [1, 2], alpha)
    np.testing.assert_allclose(tape.gradient(sample, alpha).numpy(),
                               [0.09645394, 1.5243567, 1.3418868, 1.0307653], rtol=1e-5)


@pytest.mark.filterwarnings("ignore:Calling GradientTape.gradient on a persistent tape")
def test_gamma_alpha_gradient_has_no_gradient_as_in_tensorflow():
    alpha = tf.constant([0.3, 2.5])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(alpha)
        grad = tape.gradient(tf.random.gamma([3], alpha, seed=1), alpha)
    with pytest.raises(LookupError, match="no entry for: RandomGammaGrad"):
        tape.gradient(grad, alpha)
