"""Gradient clipping ops: TensorFlow's formulas, IndexedSlices, and gradients through them."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def test_clip_by_norm_values_and_axes():
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy(), [0.6, 0.8])
    np.testing.assert_allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 10.0).numpy(), [3.0, 4.0])
    m = tf.constant([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(tf.clip_by_norm(m, 1.0, axes=[1]).numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    assert tf.clip_by_norm(tf.zeros([2]), 1.0).numpy().tolist() == [0.0, 0.0]
    sparse = tf.clip_by_norm(tf.IndexedSlices(tf.constant([[3.0, 4.0]]), tf.constant([1]), [3, 2]), 1.0)
    assert type(sparse) is tf.IndexedSlices
    np.testing.assert_allclose(sparse.values.numpy(), [[0.6, 0.8]])


def test_global_norm_and_clip_by_global_norm():
    ts = [tf.constant([3.0, 4.0]), None, tf.constant([12.0])]
    clipped, norm = tf.clip_by_global_norm(ts, 6.5)
    assert float(norm) == 13.0 and clipped[1] is None
    np.testing.assert_allclose(clipped[0].numpy(), [1.5, 2.0])
    assert float(tf.linalg.global_norm(ts)) == 13.0
    with pytest.raises(TypeError, match="sequence"):
        tf.clip_by_global_norm(tf.constant([1.0]), 1.0)


def test_clip_by_global_norm_of_an_infinite_norm_is_nan():
    clipped, norm = tf.clip_by_global_norm([tf.constant([1.0, np.inf]), tf.constant([2.0])], 1.0)
    # TensorFlow's: every entry NaN, the norm inf
    assert np.isnan(clipped[0].numpy()).all() and np.isnan(clipped[1].numpy()).all() and float(norm) == np.inf


def test_gradients_through_clipping():
    check_gradients(lambda x: tf.clip_by_norm(x, 1.0) * x, np.array([3.0, 4.0, 1.0]))
    check_gradients(lambda x, y: tf.clip_by_global_norm([x, y], 1.0)[0][0] * y, np.array([1.0, 2.0]),
                    np.array([0.5, 3.0]))
