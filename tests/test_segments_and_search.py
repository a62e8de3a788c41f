"""tf.math.cumprod, segment reductions, bincount, tf.unique and tf.searchsorted: values recorded
from TensorFlow 2.21, its errors, gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
D = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_values_match_tensorflow():
    x = tf.constant(X)
    assert tf.math.cumprod(x, axis=1).numpy().tolist() == [[1, 2, 6], [4, 20, 120]]
    assert tf.math.cumprod(x, axis=0, exclusive=True).numpy().tolist() == [[1, 1, 1], [1, 2, 3]]
    assert tf.math.cumprod(x, axis=1, reverse=True).numpy().tolist() == [[6, 6, 3], [120, 30, 6]]
    u = tf.unique(tf.constant([3, 1, 3, 2, 1]))
    assert u.y.numpy().tolist() == [3, 1, 2] and u.idx.numpy().tolist() == [0, 1, 0, 2, 1]
    assert tf.searchsorted([[1.0, 3.0, 5.0]], [[0.0, 3.0, 4.0, 6.0]]).numpy().tolist() == [[0, 1, 2, 3]]
    assert tf.searchsorted([[1.0, 3.0, 5.0]], [[3.0]], side="right").numpy().tolist() == [[2]]
    assert tf.math.bincount(tf.constant([1, 1, 3])).numpy().tolist() == [0, 2, 0, 1]
    assert tf.math.bincount(tf.constant([1, 1, 3]), minlength=5).numpy().tolist() == [0, 2, 0, 1, 0]
    d = tf.constant(D)
    assert tf.math.segment_sum(d, [0, 0, 1]).numpy().tolist() == [[4, 6], [5, 6]]
    assert tf.math.segment_mean(d, [0, 0, 1]).numpy().tolist() == [[2, 3], [5, 6]]
    assert tf.math.segment_max(d, [0, 1, 1]).numpy().tolist() == [[1, 2], [5, 6]]
    assert tf.math.unsorted_segment_mean(d, [1, 0, 1], 2).numpy().tolist() == [[3, 4], [3, 4]]
    empty = np.finfo(np.float32).min
    assert tf.math.unsorted_segment_max(d, [1, 0, 1], 3).numpy().tolist() == [[3, 4], [5, 6], [empty, empty]]


def test_cumprod_gradient_matches_tensorflow():
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.cumprod(x, axis=1) * [[1.0, 2.0, 3.0]])
    assert tape.gradient(y, x).numpy().tolist() == [[23, 11, 6], [101, 80, 60]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_to_second_order(dtype):
    rng = np.random.default_rng(6)
    x = rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    for kwargs in ({}, {"exclusive": True}, {"reverse": True}):
        check_gradients(lambda t, kwargs=kwargs: tf.math.cumprod(t, axis=1, **kwargs), x, dtype=dtype)
    check_gradients(lambda t: tf.math.segment_mean(t * t, [0, 0, 2]), x, dtype=dtype)
    check_gradients(lambda t: tf.math.unsorted_segment_max(t * t, [1, 0, 1], 3)[:2], x, dtype=dtype)


def test_segment_max_shares_the_gradient_among_ties():
    d = tf.constant([1.0, 3.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(d)
        y = tf.reduce_sum(tf.math.segment_max(d, [0, 0, 0, 1]))
    assert tape.gradient(y, d).numpy().tolist() == [0.0, 0.5, 0.5, 1.0]  # as TensorFlow's


def test_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="segment ids are not increasing"):
        tf.math.segment_sum(tf.constant(D), [1, 0, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="unique expects a 1D vector"):
        tf.unique(tf.constant([[1, 2]]))
    with pytest.raises(ValueError, match="`side` must be either 'right' or 'left'"):
        tf.searchsorted([[1.0]], [[1.0]], side="middle")
