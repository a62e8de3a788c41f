"""Index and dtype arguments: TensorFlow's kernels take int32 or int64 shapes, axes and output index
types (int16 where it allows them); anything else is its error class, not a value (classes recorded
from TensorFlow 2.21)."""

import pytest

import tapeflow as tf

CASES = [
    ('tf.gather(p, fi)', tf.errors.InvalidArgumentError),
    ('tf.gather(p, i16)', None),
    ('tf.gather(p, u8)', tf.errors.InvalidArgumentError),
    ('tf.gather(p, bi)', tf.errors.InvalidArgumentError),
    ('tf.gather_nd(p, tf.constant([[0., 1.]]))', tf.errors.InvalidArgumentError),
    ('tf.gather_nd(p, tf.constant([[0, 1]], tf.int16))', None),
    ('tf.one_hot(i16, 3)', tf.errors.InvalidArgumentError),
    ('tf.one_hot(u8, 3)', None),
    ('tf.one_hot(bi, 3)', tf.errors.InvalidArgumentError),
    ('tf.math.unsorted_segment_sum(p, fi, 2)', tf.errors.InvalidArgumentError),
    ('tf.math.unsorted_segment_sum(p, u8, 2)', tf.errors.InvalidArgumentError),
    ('tf.math.segment_sum(p, i16)', tf.errors.InvalidArgumentError),
    ('tf.math.segment_sum(p, fi)', tf.errors.InvalidArgumentError),
    ('tf.scatter_nd(tf.constant([[0.]]), [1.], [2])', tf.errors.InvalidArgumentError),
    ('tf.scatter_nd(tf.constant([[0]], tf.int16), [1.], [2])', tf.errors.NotFoundError),
    ('tf.scatter_nd(tf.constant([[0]], tf.uint8), [1.], [2])', tf.errors.InvalidArgumentError),
    ('tf.tensor_scatter_nd_update(p, tf.constant([[0]], tf.int16), [[9., 9.]])', tf.errors.NotFoundError),
    ('tf.reshape(p, tf.constant([4.]))', tf.errors.InvalidArgumentError),
    ('tf.reshape(p, tf.constant([4], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.tile(p, tf.constant([1, 2], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.tile(p, [1.0, 2.0])', tf.errors.InvalidArgumentError),
    ('tf.fill(tf.constant([2], tf.int16), 1.)', tf.errors.InvalidArgumentError),
    ('tf.zeros(tf.constant([2], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.slice(p, tf.constant([0, 0], tf.int16), [1, 1])', tf.errors.InvalidArgumentError),
    ('tf.slice(p, [0., 0.], [1, 1])', tf.errors.InvalidArgumentError),
    ('p[tf.constant(0, tf.int16)]', None),
    ('p[tf.constant(0.)]', TypeError),
    ('p[tf.constant(0, tf.uint8)]', TypeError),
    ('tf.transpose(p, tf.constant([1, 0], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.reduce_sum(p, tf.constant(0, tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.reduce_sum(p, 0.)', TypeError),
    ('tf.argmax(p, tf.constant(0, tf.int16))', None),
    ('tf.expand_dims(p, tf.constant(0, tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.concat([p, p], tf.constant(0, tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.roll(p, tf.constant(1, tf.int16), 0)', tf.errors.InvalidArgumentError),
    ('tf.pad(p, tf.constant([[1, 0], [0, 0]], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.math.bincount(tf.constant([1, 2], tf.int64))', None),
    ('tf.repeat(p, tf.constant([1, 2], tf.int16), 0)', None),
    ('tf.math.top_k(p, tf.constant(1, tf.int16))', None),
    ('tf.broadcast_to(p, tf.constant([2, 2], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.split(p, tf.constant([1, 1], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.linalg.band_part(p, tf.constant(0, tf.int16), -1)', tf.errors.InvalidArgumentError),
    ('tf.random.uniform(tf.constant([2], tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.math.cumsum(p, tf.constant(0, tf.int16))', tf.errors.InvalidArgumentError),
    ('tf.searchsorted([1., 2.], [1.5], out_type=tf.int16)', tf.errors.InvalidArgumentError),
    ('tf.math.argmax(p, output_type=tf.int16)', None),
    ('tf.unique(tf.constant([1, 1]), out_idx=tf.int16)', tf.errors.InvalidArgumentError),
    ('tf.dynamic_partition(p, tf.constant([0, 1], tf.int64), 2)', tf.errors.InvalidArgumentError),
    ('tf.dynamic_stitch([tf.constant([0], tf.int64)], [[1.]])', ValueError),
]


@pytest.mark.parametrize("source, error", CASES)
def test_index_and_dtype_arguments_as_tensorflow(source, error):
    scope = {"tf": tf, "p": tf.constant([[1.0, 2.0], [3.0, 4.0]]), "fi": tf.constant([0.0, 1.0]),
             "i16": tf.constant([0, 1], tf.int16), "u8": tf.constant([0, 1], tf.uint8),
             "i64": tf.constant([0, 1], tf.int64), "bi": tf.constant([True, False])}
    if error is None:
        eval(source, scope)
        return
    with pytest.raises(error):
        eval(source, scope)
