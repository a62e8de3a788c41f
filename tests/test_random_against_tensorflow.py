"""tapeflow's random numbers against TensorFlow's, element for element (skipped without TensorFlow).

Every random function over shapes of 1..5000 elements (odd and multi-dimensional), dtypes, seeds,
successive calls and traced functions. Each check counts the elements that differ; 0 is expected
everywhere (categorical: with tapeflow and TF on the same thread count).
"""

import random

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
import tapeflow as tp  # noqa: E402
from tapeflow.random import keras_seeds  # noqa: E402
from tapeflow.random.gamma_grad import sample_derivative as random_gamma_grad  # noqa: E402

SHAPES = [[1], [2], [3], [4], [5], [7], [17], [2, 3], [3, 5, 7], [255], [1000], [4999], [5000], [10, 1, 13]]
FLOATS = ["float16", "float32", "float64"]


def differing(got, want) -> int:
    """The number of elements of `got` (tapeflow) that differ from `want` (TensorFlow), bit for bit."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
    if got.dtype.kind == "f":
        return int(np.sum(got.view(f"u{got.itemsize}") != want.view(f"u{want.itemsize}")))
    return int(np.sum(got != want))


def both(program):
    """`program(module)` run on TensorFlow and on tapeflow: their results as lists of arrays."""
    results = []
    for module in (tf, tp):
        module.random.set_seed(None)
        results.append([np.asarray(r) for r in program(module)])
    return results


def assert_same(program):
    want, got = both(program)
    assert len(got) == len(want)
    counts = [differing(g, w) for g, w in zip(got, want)]
    assert sum(counts) == 0, f"differing elements per result: {counts}"


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("global_seed", [0, 1, 12345, 2**31 - 1, 2**40 + 3])
def test_stateful_float_draws(global_seed, dtype):
    def program(m):
        m.random.set_seed(global_seed)
        out = []
        for shape in SHAPES[::2 if dtype == "float64" else 1]:
            out.append(m.random.uniform(shape, dtype=dtype))
            out.append(m.random.normal(shape, dtype=dtype))
            out.append(m.random.truncated_normal(shape, dtype=dtype))
        for _ in range(3):  # an op seed: the stream carries on from call to call
            out.append(m.random.uniform([33], dtype=dtype, seed=7))
            out.append(m.random.normal([33], dtype=dtype, seed=7))
            out.append(m.random.truncated_normal([9], dtype=dtype, seed=7))
        return out

    assert_same(program)


def test_op_seeds_without_a_global_seed_and_zero_seeds():
    def program(m):
        out = [m.random.uniform([5], seed=3) for _ in range(3)]
        out += [m.random.normal([5], seed=0), m.random.normal([5], seed=0)]
        m.random.set_seed(0)
        out += [m.random.uniform([5], seed=0), m.random.uniform([5]), m.random.uniform([5], seed=0)]
        return out

    assert_same(program)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_stateful_integers(dtype):
    def program(m):
        m.random.set_seed(3)
        out = []
        for shape in SHAPES:
            out.append(m.random.uniform(shape, minval=-5, maxval=1000003, dtype=dtype))
        out.append(m.random.uniform([100], minval=0, maxval=2**31 - 1, dtype=dtype))
        out.append(m.random.uniform([100], minval=-(2**31), maxval=2**31 - 1, dtype=dtype))
        out += [m.random.uniform([7], maxval=10, dtype=dtype, seed=4) for _ in range(3)]
        return out

    assert_same(program)


@pytest.mark.parametrize("bounds", [(0, 1), (0, 5.0), (0.0, 1), (-2.0, 3.0), (1, 2), (0, None), (-1.5, None)])
def test_uniform_bounds_follow_tfs_wrapper(bounds):
    minval, maxval = bounds

    def program(m):
        m.random.set_seed(11)
        return [m.random.uniform([1000], minval=minval, maxval=maxval, dtype=d) for d in FLOATS]

    assert_same(program)


def test_normal_mean_and_stddev():
    def program(m):
        m.random.set_seed(2)
        return [m.random.normal([777], mean=1.5, stddev=0.3, dtype=d) for d in FLOATS] + \
            [m.random.truncated_normal([777], mean=-2.0, stddev=3.0, dtype=d) for d in FLOATS]

    assert_same(program)


def test_traced_functions_number_their_seedless_ops_and_keep_kernel_state():
    def program(m):
        m.random.set_seed(21)

        @m.function
        def draws(x):
            a = m.random.uniform([5])
            b = m.random.normal([3, 4], dtype=tf_dtype(m, "float64"))
            c = m.random.uniform([6], seed=9)
            d = m.random.truncated_normal([7])
            return a + x, b, c, d, m.random.uniform([2], maxval=100, dtype=tf_dtype(m, "int32"))

        out = []
        for _ in range(3):
            out += draws(m.constant(1.0))
        out += draws(m.constant([1.0, 2.0, 3.0, 4.0, 5.0]))  # a retrace starts over
        out += [m.random.uniform([4])]  # eager draws continue the eager sequence
        out += draws(m.constant(2.0))
        return out

    assert_same(program)


def tf_dtype(m, name):
    return getattr(m, name)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 6, 9, 100, 1001])
def test_shuffle(size):
    def program(m):
        m.random.set_seed(5)
        out = [m.random.shuffle(m.range(size)) for _ in range(2)]
        out += [m.random.shuffle(m.reshape(m.range(size * 3), [size, 3]), seed=2) for _ in range(2)]
        out += [m.random.uniform([3])]
        return out

    assert_same(program)


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.9])
def test_dropout(rate):
    def program(m):
        m.random.set_seed(8)
        x = m.reshape(m.range(1, 601, dtype=m.float32), [20, 30])
        out = [m.nn.dropout(x, rate), m.nn.dropout(x, rate, seed=4), m.nn.dropout(x, rate, seed=4),
               m.nn.dropout(x, rate, noise_shape=[20, 1]), m.nn.dropout(m.cast(x, m.float64), rate),
               m.nn.dropout(x, m.constant(rate)), m.random.uniform([3])]
        out.append(m.nn.experimental.stateless_dropout(x, rate, seed=[1, 2]))
        return out

    assert_same(program)


STATELESS_SEEDS = [[0, 0], [1, 2], [-1, -1], [2**31 - 1, -(2**31)], [123456789, 987654321]]


@pytest.mark.parametrize("seed", STATELESS_SEEDS)
def test_stateless_draws(seed):
    def program(m):
        out = []
        for shape in SHAPES:
            for dtype in FLOATS:
                out.append(m.random.stateless_uniform(shape, seed=seed, dtype=dtype))
                out.append(m.random.stateless_normal(shape, seed=seed, dtype=dtype))
                out.append(m.random.stateless_truncated_normal(shape, seed=seed, dtype=dtype))
            for dtype in ("int32", "int64"):
                out.append(m.random.stateless_uniform(shape, seed=seed, minval=-3, maxval=77, dtype=dtype))
                out.append(m.random.stateless_uniform(shape, seed, minval=None, maxval=None, dtype=dtype))
        out.append(m.random.stateless_uniform([9], seed=m.constant(seed, m.int64), minval=-1.0, maxval=2.0))
        out.append(m.random.stateless_normal([9], seed=seed, mean=3.0, stddev=0.5))
        out += [m.random.split(m.constant(seed, m.int32), 3), m.random.split(m.constant(seed, m.int64), 4)]
        out += [m.random.fold_in(m.constant(seed, m.int32), 7)]
        out += [m.random.fold_in(m.constant(seed, m.int64), -9)]
        out += [m.random.experimental.stateless_shuffle(m.range(n), seed) for n in (0, 1, 2, 7, 300)]
        out += [m.random.experimental.stateless_shuffle(m.reshape(m.range(30), [10, 3]), seed)]
        return out

    assert_same(program)


@pytest.mark.parametrize("shape", [(1, 3), (4, 10), (37, 5), (200, 50), (1000, 3)])
@pytest.mark.parametrize("num_samples", [1, 5, 64])
def test_categorical(shape, num_samples):
    logits = np.random.default_rng(shape[0] * 1000 + num_samples).normal(size=shape).astype(np.float32)
    logits[0, 0] = -np.inf

    def program(m):
        m.random.set_seed(13)
        return [m.random.categorical(logits, num_samples), m.random.categorical(logits, num_samples, seed=1),
                m.random.categorical(logits, num_samples, seed=1),  # the same kernel, moved on
                m.random.categorical(logits, num_samples, dtype=m.int32, seed=1),
                m.random.stateless_categorical(logits, num_samples, seed=[4, 5]), m.random.uniform([2])]

    assert_same(program)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**64 + 5, -3])
def test_generator(seed):
    def program(m):
        g = m.random.Generator.from_seed(seed)
        out = [g.uniform([5]), g.normal([3, 3], dtype=m.float64), g.truncated_normal([7]),
               g.uniform([6], minval=-4, maxval=9, dtype=m.int32), g.uniform_full_int([3], dtype=m.int64),
               g.uniform([4], minval=2.0, maxval=3.0), g.state.numpy(), g.make_seeds(3), g.state.numpy()]
        children = g.split(2)
        out += [children[0].normal([4]), children[1].state.numpy(), g.state.numpy(), g.normal([2])]

        @m.function
        def traced():
            return g.normal([3])

        out += [traced(), traced(), g.state.numpy()]
        return out

    assert_same(program)


def test_initializers():
    def program(m):
        m.random.set_seed(4)
        return [m.random_normal_initializer(seed=3)([5, 4]), m.random_normal_initializer(seed=3)([5, 4]),
                m.random_uniform_initializer(-1.0, 1.0, seed=9)([7]), m.random_normal_initializer()([3]),
                m.random_uniform_initializer()([3, 2], dtype=m.float64)]

    assert_same(program)


@pytest.mark.parametrize("keras_seed", [None, 0, 1337])
def test_keras_seeding_matches_tf_keras(keras_seed):
    tf_keras = pytest.importorskip("tf_keras")
    shapes = [(3, 4), (10, 7), (64, 5)]
    if keras_seed is not None:
        tf_keras.utils.set_random_seed(keras_seed)
    else:  # no seed generator left by an earlier test: unseeded initializers draw from `random`
        tf.random.set_seed(None)
        tf_keras.src.backend._SEED_GENERATOR.generator = None
        random.seed(99)
    initializers = [tf_keras.initializers.GlorotUniform(), tf_keras.initializers.HeNormal(),
                    tf_keras.initializers.RandomNormal(stddev=0.3), tf_keras.initializers.RandomUniform()]
    want = [init(shape).numpy() for init, shape in zip(initializers, shapes + [(4, 4)])]
    if keras_seed is not None:
        keras_seeds.set_random_seed(keras_seed)
    else:
        keras_seeds._KERAS_SEEDS.clear()
        random.seed(99)
    s = [keras_seeds.StatelessSeed().pair() for _ in range(4)]
    fan_in, fan_out = 3, 4
    glorot = np.sqrt(3 * 1.0 / ((fan_in + fan_out) / 2))
    got = [tp.random.stateless_uniform((3, 4), s[0], -glorot, glorot),
           tp.random.stateless_truncated_normal((10, 7), s[1], 0.0, np.sqrt(2.0 / 10) / .87962566103423978),
           tp.random.stateless_normal((64, 5), s[2], 0.0, 0.3),
           tp.random.stateless_uniform((4, 4), s[3], -0.05, 0.05)]
    counts = [differing(g.numpy(), w) for g, w in zip(got, want)]
    assert sum(counts) == 0, counts


CATEGORICAL_IN_TF = """
import sys, numpy as np, tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(int(sys.argv[1]))
tf.random.set_seed(3)
out = {}
for i, (b, c, n) in enumerate(eval(sys.argv[2])):
    logits = np.random.default_rng(i).normal(size=(b, c)).astype(np.float32)
    out[str(i)] = tf.random.categorical(logits, n).numpy()
np.savez(sys.argv[3], **out)
"""


@pytest.mark.parametrize("threads", [1, 4, 8])
def test_categorical_follows_tfs_sharding_for_its_thread_count(threads, tmp_path):
    import subprocess
    import sys

    cases = [(37, 5, 64), (200, 50, 10), (1000, 3, 7), (64, 1000, 100), (9, 2, 1)]
    recorded = tmp_path / "categorical.npz"
    subprocess.run([sys.executable, "-c", CATEGORICAL_IN_TF, str(threads), repr(cases), str(recorded)],
                   check=True, capture_output=True, timeout=300)
    want = np.load(recorded)
    before = tp.config.threading.get_intra_op_parallelism_threads()
    tp.config.threading.set_intra_op_parallelism_threads(threads)
    try:
        tp.random.set_seed(3)
        counts = [differing(tp.random.categorical(
            np.random.default_rng(i).normal(size=(b, c)).astype(np.float32), n).numpy(), want[str(i)])
            for i, (b, c, n) in enumerate(cases)]
    finally:
        tp.config.threading.set_intra_op_parallelism_threads(before)
        tp.random.set_seed(None)
    assert sum(counts) == 0, counts


def test_draws_inside_traced_control_flow():
    """Branches and loop bodies are graphs of their own: their seedless ops count from 0 again."""
    def program(m):
        m.random.set_seed(4)

        @m.function
        def draws(x):
            a = m.random.uniform([3])
            if x > 0:
                b = m.random.normal([2]) + m.random.uniform([2])
            else:
                b = m.random.uniform([2])
            i, total = m.constant(0), m.zeros([2])
            while i < 3:
                total += m.random.uniform([2])
                i += 1
            return a, b, total, m.random.uniform([1])

        return [*draws(m.constant(1.0)), *draws(m.constant(1.0)), *draws(m.constant(-1.0))]

    assert_same(program)


@pytest.mark.parametrize("lam_dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_poisson(lam_dtype, dtype):
    rates = np.array([[0.0, 0.5, 3.0, 9.99], [10.0, 12.5, 300.0, 1e4]], lam_dtype)

    def program(m):
        m.random.set_seed(6)
        return [m.random.poisson([3, 7], rates, dtype=dtype),
                m.random.poisson([5], rates, dtype=dtype, seed=2),
                m.random.poisson([5], rates, dtype=dtype, seed=2),
                m.random.poisson([100], 4.5, seed=3),
                m.random.uniform([2])]

    assert_same(program)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_gamma(dtype):
    alpha = np.array([[0.05, 0.5, 1.0], [2.5, 9.0, 100.0]], dtype)

    def program(m):
        m.random.set_seed(12)
        return [m.random.gamma([3, 5], alpha, dtype=dtype), m.random.gamma([4], alpha, beta=[2.0, 0.5, 3.0],
                                                                           dtype=dtype, seed=2),
                m.random.gamma([4], alpha, dtype=dtype, seed=2), m.random.gamma([200], 1.0, seed=5),
                m.random.uniform([2])]

    assert_same(program)


@pytest.mark.parametrize("seed", STATELESS_SEEDS[:3])
def test_stateless_poisson_and_gamma(seed):
    def program(m):
        rates = np.array([0.5, 4.0, 12.0, 500.0], np.float32)
        alpha = np.array([0.2, 1.0, 3.0], np.float64)
        return [m.random.stateless_poisson([5, 4], seed, rates),
                m.random.stateless_poisson([2, 5, 4], seed, rates, dtype=m.float32),
                m.random.stateless_gamma([6, 3], seed, alpha, dtype=m.float64),
                m.random.stateless_gamma([6, 3], seed, alpha.astype(np.float32), beta=3.0)]

    assert_same(program)


@pytest.mark.parametrize("path", ["numpy", "native"])
def test_large_draws_on_both_paths(path):
    """Draws of 1e5 values, which tapeflow makes with its Numba kernels when Numba is installed, and
    the same with the NumPy code."""
    from tapeflow.random import philox

    if path == "native":
        pytest.importorskip("numba")
    previous = philox.set_native_min_blocks(None if path == "numpy" else 0)

    def program(m):
        m.random.set_seed(4)
        return [draw([100_003], dtype=dtype, seed=s) for dtype in FLOATS for s in (None, 5)
                for draw in (m.random.uniform, m.random.normal, m.random.truncated_normal)]

    try:
        assert_same(program)
    finally:
        philox.set_native_min_blocks(previous)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gamma_gradients_to_alpha_and_beta(dtype):
    """The implicit reparameterisation gradient: TF computes it in the dtype, tapeflow in float64,
    so float32 values agree to a few ulp."""
    alpha = np.array([[0.05, 0.5, 1.0], [2.5, 9.0, 100.0]], dtype)
    beta = np.array([2.0, 0.5, 3.0], dtype)
    results = []
    for m in (tf, tp):
        m.random.set_seed(3)
        a, b = m.constant(alpha), m.constant(beta)
        with m.GradientTape(persistent=True) as tape:
            tape.watch([a, b])
            loss = (m.reduce_sum(m.random.gamma([40], a, beta=b, dtype=dtype) ** 2)
                    + m.reduce_sum(m.sin(m.random.stateless_gamma([7, 2, 3], [5, 6], a, dtype=dtype))))
        results.append([np.asarray(tape.gradient(loss, v)) for v in (a, b)])
        results[-1].append(np.asarray(m.raw_ops.RandomGammaGrad(
            alpha=m.constant(np.repeat(alpha.ravel(), 4)),
            sample=m.constant(np.tile(np.array([1e-3, 0.7, 3.0, 150.0], dtype), 6)))) if m is tf
            else np.asarray(random_gamma_grad(np.repeat(alpha.ravel(), 4), np.tile(np.array(
                [1e-3, 0.7, 3.0, 150.0], dtype), 6))))
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=rtol)


@pytest.mark.parametrize("seed", STATELESS_SEEDS[:3])
def test_stateless_and_generator_binomial(seed):
    rng = np.random.default_rng(abs(seed[0]) + 1)
    counts = np.round(rng.uniform(0, 300, size=40)).astype(np.float32)
    counts[:4] = [0, 1, 1e5, 7]
    probs = rng.uniform(0, 1, size=40).astype(np.float32)
    probs[4:8] = [0.0, 1.0, 0.5, 1e-4]

    def program(m):
        g = m.random.Generator.from_seed(abs(seed[1]))
        return [m.random.stateless_binomial([25, 40], seed, counts, probs),
                m.random.stateless_binomial([3, 5, 40], seed, counts.astype(np.float64),
                                            probs.astype(np.float64),
                                            output_dtype=m.float64),
                m.random.stateless_binomial([4, 2, 1], seed, [[12.0], [900.0]], [0.45], output_dtype=m.int64),
                g.binomial([6, 40], counts, probs), g.binomial([2], 33.0, 0.7), g.state.numpy()]

    assert_same(program)


TRUNCATED_NORMALS_IN_TF = """
import sys, numpy as np, tensorflow as tf
sys.path.insert(0, sys.argv[3])
from random_programs import sharded_truncated_normals
tf.config.threading.set_intra_op_parallelism_threads(int(sys.argv[1]))
np.savez(sys.argv[2], *[np.asarray(v) for v in sharded_truncated_normals(tf)])
"""


@pytest.mark.parametrize("threads", [1, 4])
def test_stateless_parameterized_truncated_normal(threads, tmp_path):
    """Its three samplers, bounds swapped for an upper tail, per-member parameters, three dtypes, and
    TF's sharding of the outputs on 1 and 4 threads (TF in a process of its own per count; the
    fixtures have 2)."""
    import pathlib
    import subprocess
    import sys

    fixtures = pathlib.Path(__file__).resolve().parent / "fixtures"
    sys.path.insert(0, str(fixtures))
    from random_programs import sharded_truncated_normals

    recorded = tmp_path / "truncated.npz"
    subprocess.run([sys.executable, "-c", TRUNCATED_NORMALS_IN_TF, str(threads), str(recorded),
                    str(fixtures)], check=True, capture_output=True, timeout=300)
    want = np.load(recorded)
    before = tp.config.threading.get_intra_op_parallelism_threads()
    tp.config.threading.set_intra_op_parallelism_threads(threads)
    try:
        got = sharded_truncated_normals(tp)
    finally:
        tp.config.threading.set_intra_op_parallelism_threads(before)
    counts = [differing(g, want[f"arr_{i}"]) for i, g in enumerate(got)]
    assert len(got) == len(want.files) and sum(counts) == 0, counts


@pytest.mark.parametrize("seed", STATELESS_SEEDS)
def test_index_shuffle(seed):
    """Permutations of every block size (16 to 64 bits), int32/int64/uint32 indices, TF's errors."""
    def program(m):
        f = m.random.experimental.index_shuffle
        out = [f(i, seed, 5) for i in range(6)]
        for top in (1, 9, 255, 70000, 2**31 - 1):
            out.append(f(m.range(min(top + 1, 300)), seed, top))
        for top in (2**33 + 7, 2**47, 2**62 + 5, 2**63 - 1):
            out.append(f(m.constant(np.arange(40), m.int64), m.constant(seed, m.int64),
                         m.constant(top, m.int64)))
        out.append(f(m.constant(np.arange(20, dtype=np.uint32)), seed, m.constant(np.uint32(2**31 + 5))))
        return out

    assert_same(program)
    for bad in ([[1, 2], [3, 4]], ):
        messages = []
        for m in (tf, tp):
            with pytest.raises(Exception) as caught:
                m.random.experimental.index_shuffle(m.constant([0, 1]), bad, 5)
            text = str(caught.value).split("}} ")[-1].split(" name:")[0]  # (TF's prefix and suffix)
            messages.append((type(caught.value).__name__, text))
        assert messages[0] == messages[1]
