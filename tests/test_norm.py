"""tf.norm: vector and matrix norms against NumPy, TensorFlow's errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = np.array([[3.0, -4.0, 0.5], [1.0, 2.0, -1.5]])
CASES = [
    ("euclidean", None), ("euclidean", 1), (1, 0), (np.inf, 1), (3, -1), (2, 0), (1.5, 1),
    ("fro", (0, 1)), ("euclidean", (1, 0)), (1, (0, 1)), (np.inf, (0, 1)), (1, (1, 0)),
]


def _numpy_norm(x, ord, axis):
    if axis is None:
        return np.linalg.norm(x.ravel())
    if isinstance(axis, tuple):
        return np.linalg.norm(x, "fro" if ord == "euclidean" else ord, axis)
    return np.linalg.norm(x, 2 if ord == "euclidean" else ord, axis)


@pytest.mark.parametrize("ord, axis", CASES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(ord, axis, keepdims):
    got = tf.norm(X, ord=ord, axis=list(axis) if isinstance(axis, tuple) else axis, keepdims=keepdims)
    expected = _numpy_norm(X, ord, axis)
    if keepdims:
        kept = range(X.ndim) if axis is None else axis if isinstance(axis, tuple) else (axis,)
        expected = np.expand_dims(expected, tuple(a % X.ndim for a in kept))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("ord, axis", [c for c in CASES if c[0] not in (1, np.inf)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_first_and_second_order(ord, axis, dtype):
    """The smooth norms; 1 and inf are checked through their parts (abs, sums, maxima)."""
    axis = list(axis) if isinstance(axis, tuple) else axis
    check_gradients(lambda t: tf.norm(t, ord=ord, axis=axis), X, dtype=dtype)


def test_euclidean_gradient_at_zero_is_nan_as_in_tensorflow():
    z = tf.zeros([2])
    with tf.GradientTape() as tape:
        tape.watch(z)
        y = tf.norm(z)
    assert np.isnan(tape.gradient(y, z).numpy()).all()


def test_errors():
    with pytest.raises(ValueError, match="supported vector norm, got fro"):
        tf.norm(X, ord="fro")
    with pytest.raises(ValueError, match="supported vector norm, got 0"):
        tf.norm(X, ord=0)
    with pytest.raises(ValueError, match="supported vector norm, got -1"):
        tf.norm(X, ord=-1)
    with pytest.raises(ValueError, match="tuple of 2 unique integers, got \\[0, 1, 1\\]"):
        tf.norm(X, axis=[0, 1, 1])
    with pytest.raises(NotImplementedError, match="spectral norm"):
        tf.norm(X, ord=2, axis=[0, 1])
