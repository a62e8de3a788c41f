"""Empty tensors: ops, and gradients through them, give what TensorFlow 2.21 gives for zero-size inputs
(results recorded from it: shapes, dtypes, values — sums of nothing are 0, means NaN, maxima -inf)."""

import numpy as np
import pytest

import tapeflow as tf

NAN, INF = float("nan"), float("inf")
E, L, L2 = tf.zeros([0, 3]), tf.zeros([0], tf.int32), tf.zeros([0, 3])

CASES = [
    ('tf.gather(E, L)', (0, 3), 'float32', []),
    ('tf.gather(tf.ones([4, 3]), L)', (0, 3), 'float32', []),
    ('tf.gather(E, L, axis=1)', (0, 0), 'float32', []),
    ('tf.gather_nd(E, tf.zeros([0, 1], tf.int32))', (0, 3), 'float32', []),
    ('tf.reshape(E, [-1])', (0,), 'float32', []),
    ('tf.reshape(E, [0, -1])', (0, 3), 'float32', []),
    ('tf.reshape(E, [3, 0])', (3, 0), 'float32', [[], [], []]),
    ('tf.reshape(E, [5, -1, 0])', (5, 0, 0), 'float32', [[], [], [], [], []]),
    ('tf.nn.softmax_cross_entropy_with_logits(L2, E)', (0,), 'float32', []),
    ('tf.nn.sparse_softmax_cross_entropy_with_logits(L, E)', (0,), 'float32', []),
    ('tf.nn.sigmoid_cross_entropy_with_logits(E, E)', (0, 3), 'float32', []),
    ('tf.nn.softmax(E)', (0, 3), 'float32', []),
    ('tf.nn.log_softmax(E)', (0, 3), 'float32', []),
    ('tf.reduce_sum(E, 0)', (3,), 'float32', [0.0, 0.0, 0.0]),
    ('tf.reduce_mean(E, 0)', (3,), 'float32', [NAN, NAN, NAN]),
    ('tf.reduce_max(E, 0)', (3,), 'float32', [-INF, -INF, -INF]),
    ('tf.reduce_min(E, 1)', (0,), 'float32', []),
    ('tf.reduce_mean(E)', (), 'float32', NAN),
    ('tf.argmax(E, 1)', (0,), 'int64', []),
    ('tf.matmul(E, tf.ones([3, 2]))', (0, 2), 'float32', []),
    ('tf.matmul(tf.ones([2, 0]), tf.ones([0, 3]))', (2, 3), 'float32', [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ('tf.concat([E, E], 0)', (0, 3), 'float32', []),
    ('tf.tile(E, [2, 1])', (0, 3), 'float32', []),
    ('tf.math.unsorted_segment_sum(E, L, 2)', (2, 3), 'float32', [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ('tf.math.segment_sum(E, L)', (0, 3), 'float32', []),
    ('tf.one_hot(L, 3)', (0, 3), 'float32', []),
    ('tf.boolean_mask(E, tf.zeros([0], tf.bool))', (0, 3), 'float32', []),
    ('tf.where(tf.zeros([0], tf.bool))', (0, 1), 'int64', []),
    ('tf.sort(L)', (0,), 'int32', []),
    ('tf.math.top_k(tf.zeros([2, 0]), 0).values', (2, 0), 'float32', [[], []]),
    ('tf.nn.top_k(E, 2).indices', (0, 2), 'int32', []),
    ('tf.transpose(E)', (3, 0), 'float32', [[], [], []]),
    ('tf.pad(E, [[1, 1], [0, 0]])', (2, 3), 'float32', [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    ('tf.linalg.norm(E)', (), 'float32', 0.0),
    ('tf.cumsum(E, 0)', (0, 3), 'float32', []),
    ('tf.math.reduce_logsumexp(E, 0)', (3,), 'float32', [-INF, -INF, -INF]),
    ('tf.math.reduce_logsumexp(E, 1)', (0,), 'float32', []),
    ('tf.add_n([E, E])', (0, 3), 'float32', []),
    ('tf.nn.moments(E, [0])[1]', (3,), 'float32', [NAN, NAN, NAN]),
    ("tf.einsum('ij,jk->ik', E, tf.ones([3, 2]))", (0, 2), 'float32', []),
    ('tf.scatter_nd(tf.zeros([0, 1], tf.int32), tf.zeros([0]), [3])', (3,), 'float32', [0.0, 0.0, 0.0]),
    ('tf.reduce_prod(E, 0)', (3,), 'float32', [1.0, 1.0, 1.0]),
    ('tf.math.count_nonzero(E)', (), 'int64', 0),
]


@pytest.mark.parametrize("source, shape, dtype, value", CASES)
def test_ops_over_empty_tensors(source, shape, dtype, value):
    result = eval(source, {"tf": tf, "E": E, "L": L, "L2": L2})
    assert (tuple(result.shape), result.dtype.name) == (shape, dtype)
    expected = np.asarray(value, dtype=result.numpy().dtype).reshape(shape)
    np.testing.assert_array_equal(result.numpy(), expected)


@pytest.mark.parametrize("f", [
    lambda p: tf.gather(p, tf.zeros([0], tf.int32)), lambda p: tf.reshape(p, [-1, 3]),
    lambda p: tf.nn.softmax_cross_entropy_with_logits(tf.zeros([0, 3]), p),
    lambda p: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.zeros([0], tf.int32), p),
    lambda p: tf.reduce_mean(p), lambda p: tf.matmul(p, tf.ones([3, 2])), lambda p: tf.reduce_max(p, 0),
    lambda p: tf.nn.softmax(p), lambda p: tf.math.unsorted_segment_sum(p, tf.zeros([0], tf.int32), 2),
    lambda p: tf.nn.top_k(p, 2).values,
])
def test_gradients_through_empty_tensors_are_empty(f):
    p = tf.zeros([0, 3])
    with tf.GradientTape() as tape:
        tape.watch(p)
        y = tf.reduce_sum(f(p))
    assert tape.gradient(y, p).shape == (0, 3)
