"""tf.einsum: values against NumPy, TensorFlow's errors, and gradients to second order for
contractions, batch dimensions, broadcasting, labels summed away and diagonals."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

RNG = np.random.default_rng(3)


def values(*shape):
    return RNG.uniform(-1.5, 1.5, shape)


CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),  # broadcast batch dimensions
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ii->i", [(3, 3)]),  # a diagonal
    ("ii", [(3, 3)]),  # a trace
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ijk,k->", [(2, 3, 4), (4,)]),
]


@pytest.mark.parametrize("equation, shapes", CASES)
def test_values_match_numpy(equation, shapes):
    args = [values(*s) for s in shapes]
    np.testing.assert_allclose(tf.einsum(equation, *args).numpy(), np.einsum(equation, *args), rtol=1e-12)


@pytest.mark.parametrize("equation, shapes", CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_first_and_second_order(equation, shapes, dtype):
    check_gradients(lambda *xs: tf.einsum(equation, *[x * x for x in xs]), *[values(*s) for s in shapes],
                    dtype=dtype)


def test_errors_are_tensorflow_s():
    a = tf.ones([2, 3])
    shaped = r"Expected dimension 3 at axis 0 of the input shaped \[4,4\] but got dimension 4"
    with pytest.raises(tf.errors.InvalidArgumentError, match=shaped):
        tf.einsum("ij,jk->ik", a, tf.ones([4, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a double"):
        tf.einsum("ij,jk->ik", a, tf.ones([3, 4], tf.float64))
    with pytest.raises(ValueError, match='Got 1 inputs for equation "ij,jk->ik", expecting 2'):
        tf.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="label k not present"):
        tf.einsum("ij->ik", a)
    with pytest.raises(tf.errors.NotFoundError, match="T=DT_BOOL"):
        tf.einsum("i->i", tf.constant([True]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank 3 but got: 2"):
        tf.einsum("ijk->i", a)


def test_inside_a_traced_function_and_with_integers():
    f = tf.function(lambda a, b: tf.einsum("ij,jk->ik", a, b))
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    got = f(tf.constant(a), tf.constant(b))
    assert got.dtype == tf.int64
    np.testing.assert_array_equal(got.numpy(), a @ b)
