"""TensorFlow's top-level initializers: the tensors they make, their configs and errors."""

import pytest

import tapeflow as tf


def test_initializers_make_tensors_of_a_shape_and_dtype():
    assert tf.zeros_initializer()([2], dtype=tf.int32).numpy().tolist() == [0, 0]
    assert tf.ones_initializer()([2]).dtype == tf.float32
    assert tf.constant_initializer(3.0)([2, 2]).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert tf.constant_initializer([1, 2, 3, 4])([2, 2]).numpy().tolist() == [[1, 2], [3, 4]]
    assert tf.constant_initializer(2)([2]).dtype == tf.int32  # the value's own dtype, as TensorFlow
    normal = tf.random_normal_initializer(0.0, 1.0, seed=1)([3])
    assert normal.shape == (3,) and normal.dtype == tf.float32
    ints = tf.random_uniform_initializer(0, 10)([50], tf.int32).numpy()
    assert ints.dtype.kind == "i" and 0 <= ints.min() and ints.max() < 10
    v = tf.Variable(tf.zeros_initializer()(shape=[2]))
    assert v.numpy().tolist() == [0.0, 0.0]


def test_initializer_configs_and_errors():
    assert tf.zeros_initializer().get_config() == {}
    assert tf.random_normal_initializer(1.0, 2.0, 3).get_config() == {"mean": 1.0, "stddev": 2.0, "seed": 3}
    assert tf.random_uniform_initializer().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert tf.constant_initializer.from_config({"value": 3.0}).get_config() == {"value": 3.0}
    with pytest.raises(ValueError, match="expected to be floating point. Received: <dtype: 'int32'>"):
        tf.random_normal_initializer()([2], tf.int32)
    with pytest.raises(TypeError, match="has 3 elements, but got `shape` \\(2, 2\\) with 4 elements"):
        tf.constant_initializer([1, 2, 3])([2, 2])
