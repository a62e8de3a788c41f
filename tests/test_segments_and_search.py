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


def test_segment_extremum_gradient_selects_rather_than_multiplies():
    """Elements that are not their segment's extremum get 0 even where the segment's gradient is inf
    or NaN (TensorFlow selects with where; 0 * inf would be NaN)."""
    w = tf.Variable([[1.0, 5.0], [3.0, 2.0], [0.0, 1.0]])
    with tf.GradientTape(persistent=True) as tape:
        upstream = tf.constant([[np.nan, 1.0], [np.inf, 2.0], [1.0, 1.0]])
        s_max = tf.reduce_sum(tf.math.unsorted_segment_max(w, [1, 1, 0], 3) * upstream)
        s_min = tf.reduce_sum(tf.math.segment_min(w, [0, 0, 2]) * upstream)
    # TensorFlow's
    np.testing.assert_array_equal(tape.gradient(s_max, w).numpy(), [[0.0, 2.0], [np.inf, 0.0], [np.nan, 1.0]])
    np.testing.assert_array_equal(tape.gradient(s_min, w).numpy(), [[np.nan, 0.0], [0.0, 1.0], [1.0, 1.0]])


def test_cumprod_gradient_is_zero_where_x_is_zero():
    """TensorFlow divides by x with div_no_nan: 0 at a zero (the true derivative there is not)."""
    x = tf.Variable([1.0, 2.0, 0.0])
    with tf.GradientTape(persistent=True) as tape:
        inclusive = tf.math.cumprod(x)
        exclusive = tf.math.cumprod(x, exclusive=True, reverse=True)
    assert tape.gradient(inclusive, x).numpy().tolist() == [3.0, 1.0, 0.0]  # TensorFlow's
    assert tape.gradient(exclusive, x).numpy().tolist() == [0.0, 0.0, 0.0]  # TensorFlow's


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


# ---- minima, products, sqrt_n; sorted segments that are skipped; TensorFlow's checks ------------

def test_new_segment_reductions_match_tensorflow():
    d = tf.constant([[1.0, 2.0], [3.0, 0.0], [5.0, 6.0]])
    # TensorFlow 2.21: a sorted segment no id names holds 0 (1 for a product).
    assert tf.math.segment_min(d, [0, 0, 2]).numpy().tolist() == [[1, 0], [0, 0], [5, 6]]
    assert tf.math.segment_max(d, [0, 0, 2]).numpy().tolist() == [[3, 2], [0, 0], [5, 6]]
    assert tf.math.segment_prod(d, [0, 0, 2]).numpy().tolist() == [[3, 0], [1, 1], [5, 6]]
    assert tf.math.segment_min(d, tf.constant([0, 0, 1], tf.int64)).numpy().tolist() == [[1, 0], [5, 6]]
    assert tf.math.segment_prod(tf.constant([3j, 1, 2]), [0, 0, 1]).numpy().tolist() == [3j, 2]
    assert tf.math.segment_min(tf.zeros([0, 2]), tf.constant([], tf.int32)).shape == [0, 2]
    # The unsorted ones drop negative ids; empty segments hold the dtype's highest value (min) or 1.
    top = np.finfo(np.float32).max
    minima = tf.math.unsorted_segment_min(d, [2, 0, 2], 4)
    assert minima.numpy().tolist() == [[3, 0], [top, top], [1, 2], [top, top]]
    assert tf.math.unsorted_segment_min(d, [-1, 0, 2], 3).numpy().tolist() == [[3, 0], [top, top], [5, 6]]
    minima = tf.math.unsorted_segment_min(tf.constant([3, 1, 2], tf.uint8), [0, 0, 1], 3)
    assert minima.numpy().tolist() == [1, 2, 255]
    products = tf.math.unsorted_segment_prod(d, [2, 0, 2], 4)
    assert products.numpy().tolist() == [[3, 0], [1, 1], [5, 12], [1, 1]]
    products = tf.math.unsorted_segment_prod(tf.constant([100, 100], tf.int8), [0, 0], 1)
    assert products.numpy().tolist() == [16]  # wrapped, as TensorFlow's
    assert tf.math.unsorted_segment_max(d, [-1, 0, 2], 3).numpy().tolist()[0] == [3, 0]  # -1 dropped
    y = tf.math.unsorted_segment_sqrt_n(d, [2, 0, 2], 4)
    np.testing.assert_allclose(y.numpy(), [[3, 0], [0, 0], [4.242640972137451, 5.656854152679443], [0, 0]])
    y = tf.math.unsorted_segment_sqrt_n(d, [[0, 0], [1, 1], [0, 1]], 2)  # ids of data's leading shape
    np.testing.assert_allclose(y.numpy(), [4.618802070617676, 5.196152687072754])
    assert tf.math.unsorted_segment_prod(d, [[0, 0], [1, 1], [0, 1]], 2).numpy().tolist() == [10, 0]


def test_segment_mean_keeps_the_dtype_as_tensorflow():
    y = tf.math.segment_mean(tf.constant([3, 2, -3, -2, 7]), [0, 0, 1, 1, 3])
    assert y.dtype == tf.int32 and y.numpy().tolist() == [2, -2, 0, 7]  # truncated toward zero
    y = tf.math.segment_mean(tf.constant([1 + 1j, 2, 3j]), [0, 0, 2])
    assert y.numpy().tolist() == [1.5 + 0.5j, 0, 3j]
    assert tf.math.unsorted_segment_mean(tf.constant([3, 1, 2]), [0, 0, 1], 3).dtype == tf.float64


def test_segment_errors_match_tensorflow():
    d = tf.constant(D)
    for f, op in [(tf.math.segment_min, "SegmentMin"), (tf.math.segment_prod, "SegmentProd"),
                  (tf.math.segment_max, "SegmentMax"), (tf.math.segment_sum, "SegmentSum"),
                  (tf.math.segment_mean, "SegmentMean")]:
        for args, message in [
            ((d, [-1, 0, 2]), r"Segment id -1 out of range \[0, 3\), possibly because 'segment_ids' input is "
                              r"not sorted."),
            ((d, [-1, -1, -1]), "segment ids must be >= 0"), ((d, [-1, -2, -1]), "segment ids must be >= 0"),
            ((d, [1, 0, 2]), "segment ids are not increasing"),
            ((d, [0, 0]), "segment_ids should be the same size as dimension 0 of input."),
            ((d, [[0], [0], [1]]), "segment_ids should be a vector."),
            ((tf.constant(1.0), [0]), "input must be at least rank 1"),
            ((d, [0.0, 0.0, 1.0]), "Value for attr 'Tindices' of float is not in the list of allowed values: "
                                   "int32, int64"),
        ]:
            with pytest.raises(tf.errors.InvalidArgumentError, match=rf"^{message} \[Op:{op}\]"):
                f(*args)
    for f, op in [(tf.math.unsorted_segment_min, "UnsortedSegmentMin"),
                  (tf.math.unsorted_segment_prod, "UnsortedSegmentProd")]:
        for args, message in [
            ((d, [0, 5, 1], 3), r"segment_ids\[1\] = 5 is out of range \[0, 3\)"),
            ((d, [0, 0, 1], -1), "Input num_segments == -1 must not be negative."),
            ((d, [0, 0, 1], [2]), r"num_segments should be a scalar, not shape \[1\]"),
            ((d, [0, 1], 2), r"data.shape = \[3,2\] does not start with segment_ids.shape = \[2\]"),
            ((d, tf.constant([0, 0, 1], tf.int16), 2),
             "Value for attr 'Tindices' of int16 is not in the list of allowed values: int32, int64"),
            ((tf.constant([True]), [0], 1), "Value for attr 'T' of bool is not in the list"),
        ]:
            with pytest.raises(tf.errors.InvalidArgumentError, match=rf"^{message}.*\[Op:{op}\]"):
                f(*args)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"of complex128 .*\[Op:UnsortedSegmentMin\]"):
        tf.math.unsorted_segment_min(tf.constant([3j]), [0], 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"of int32 is not in the list .*\[Op:Sqrt\]"):
        tf.math.unsorted_segment_sqrt_n(tf.constant([3, 1]), [0, 0], 1)  # TensorFlow's: it takes sqrt(count)


def _gradient(f, data):
    x = tf.constant(data)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    return tape.gradient(y, x).numpy().tolist()


def test_new_segment_gradients_match_tensorflow():
    data = [2.0, 3.0, 2.0, 0.0, 5.0, 0.0, 0.0, 3.0]
    ids, w = [0, 0, 0, 1, 1, 3, 3, 3], tf.constant([1.0, 5.0, 7.0, 2.0])
    # TensorFlow 2.21: ties share a minimum's gradient; a product's is that of the other elements, at
    # zeros too; sorted and unsorted alike (dropped ids get none).
    assert _gradient(lambda x: tf.math.segment_min(x, ids) * w, data) == [0.5, 0, 0.5, 5, 0, 1, 1, 0]
    assert _gradient(lambda x: tf.math.segment_prod(x, ids) * w, data) == [6, 4, 6, 25, 0, 0, 0, 0]
    ids, w = [0, 0, 0, 1, 1, -1, 2, 2], tf.constant([1.0, 5.0, 7.0, 3.0])
    minimum = _gradient(lambda x: tf.math.unsorted_segment_min(x, ids, 4) * w, data)
    assert minimum == [0.5, 0, 0.5, 5, 0, 0, 7, 0]
    product = _gradient(lambda x: tf.math.unsorted_segment_prod(x, ids, 4) * w, data)
    assert product == [6, 4, 6, 25, 0, 0, 21, 0]
    sqrt_n = _gradient(lambda x: tf.math.unsorted_segment_sqrt_n(x, ids, 4) * w, data)
    np.testing.assert_allclose(sqrt_n, [0.57735, 0.57735, 0.57735, 3.535534, 3.535534, 0, 4.949748, 4.949748],
                               rtol=1e-6)
    ids, w = [[0, 1], [1, -1]], tf.constant([1.0, 5.0, 7.0])
    assert _gradient(lambda x: tf.math.unsorted_segment_prod(x, ids, 3) * w, [[2.0, 3.0], [3.0, 0.0]]) == [
        [1, 15], [15, 0]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_new_segment_gradients_to_second_order(dtype):
    rng = np.random.default_rng(8)
    x = rng.uniform(0.5, 1.5, size=(5, 2)) * rng.choice([-1, 1], size=(5, 2))
    nonzero = np.array([[1.0], [0.0], [1.0], [0.0], [0.0]])  # one zero in segment 0, two in segment 1
    check_gradients(lambda t: tf.math.segment_min(t * t, [0, 0, 2, 2, 2]), x, dtype=dtype)
    check_gradients(lambda t: tf.math.segment_prod(t, [0, 0, 0, 2, 2]), x, dtype=dtype)
    check_gradients(lambda t: tf.math.segment_prod(t * tf.constant(nonzero, t.dtype), [0, 0, 1, 1, 1]), x,
                    dtype=dtype)
    check_gradients(lambda t: tf.math.segment_max(t * t, [1, 1, 2, 2, 2]), x, dtype=dtype)
    check_gradients(lambda t: tf.math.segment_mean(t, [0, 0, 0, 2, 2]), x, dtype=dtype)
    check_gradients(lambda t: tf.math.unsorted_segment_min(t, [1, -1, 1, 0, 0], 3)[:2], x, dtype=dtype)
    check_gradients(lambda t: tf.math.unsorted_segment_prod(t, [1, -1, 1, 0, 1], 3), x, dtype=dtype)
    check_gradients(lambda t: tf.math.unsorted_segment_prod(t, [[1, 0], [2, 2]], 3), x[:2], dtype=dtype)
    check_gradients(lambda t: tf.math.unsorted_segment_sqrt_n(t, [1, -1, 1, 0, 1], 3), x, dtype=dtype)
