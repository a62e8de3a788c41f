"""tapeflow's random numbers against values recorded from TensorFlow 2.21 (tests/fixtures), so they are
checked without TensorFlow installed: every element equal, bit for bit."""

import pathlib
import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.random import keras_seeds, philox

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from random_programs import PROGRAMS, THREADS  # noqa: E402
from random_programs import keras_seeds as recorded_keras_seeds  # noqa: E402

RECORDED = dict(np.load(FIXTURES / "tf_random.npz"))


@pytest.fixture(autouse=True, params=["numpy", "native"])
def _path(request):
    """Every program twice: drawn by the NumPy code, then by the Numba kernels (all sizes)."""
    if request.param == "native":
        pytest.importorskip("numba")
    previous = philox.set_native_min_blocks(None if request.param == "numpy" else 0)
    yield
    philox.set_native_min_blocks(previous)


@pytest.fixture(autouse=True)
def _threads_and_no_seed():
    before = tf.config.threading.get_intra_op_parallelism_threads()
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    yield
    tf.config.threading.set_intra_op_parallelism_threads(before)
    tf.random.set_seed(None)


def differing(got, want) -> int:
    got = np.asarray(got)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype, got.shape, want.shape)
    if got.dtype.kind == "f":
        return int(np.sum(got.view(f"u{got.itemsize}") != want.view(f"u{want.itemsize}")))
    return int(np.sum(got != want))


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_draws_what_tensorflow_drew(name):
    tf.random.set_seed(None)
    got = PROGRAMS[name](tf)
    want = [RECORDED[f"{name}/{i}"] for i in range(sum(k.startswith(f"{name}/") for k in RECORDED))]
    assert len(got) == len(want)
    counts = [differing(g, w) for g, w in zip(got, want)]
    assert sum(counts) == 0, f"differing elements per result: {counts}"


def test_keras_initializer_seeds():
    keras_seeds.set_random_seed(1234)
    s = [keras_seeds.StatelessSeed().pair() for _ in range(3)]
    assert [pair[0] for pair in s] == recorded_keras_seeds(1234)[:3]
    glorot, he = np.sqrt(3 / 3.5), np.sqrt(2 / 4) / .87962566103423978
    got = [tf.random.stateless_uniform((4, 3), s[0], -glorot, glorot),
           tf.random.stateless_truncated_normal((4, 3), s[1], 0.0, he),
           tf.random.stateless_normal((4, 3), s[2], 0.0, 0.3)]
    assert [differing(g, RECORDED[f"keras/{i}"]) for i, g in enumerate(got)] == [0, 0, 0]


def test_keras_seed_is_drawn_once_on_first_use():
    keras_seeds.set_random_seed(5)
    seed = keras_seeds.StatelessSeed()
    first = seed.pair()
    assert seed.pair() == first and first[1] == 0
    assert keras_seeds.StatelessSeed(17).pair() == [17, 0]
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer"):
        keras_seeds.set_random_seed(1.5)
