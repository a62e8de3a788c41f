"""Public names users reach for first: the version, `tf.dtypes`, conversions of their own types."""

import numpy as np
import pytest

import tapeflow as tf


def test_the_version_is_the_tensorflow_api_it_follows():
    assert tf.__version__ == tf.version.VERSION == "2.21.0"
    assert tuple(int(p) for p in tf.__version__.split(".")) >= (2, 0, 0)
    assert tf.version.TAPEFLOW_VERSION and tf.version.GIT_VERSION and tf.version.COMPILER_VERSION


def test_tf_dtypes_holds_the_dtypes_and_the_casts():
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.as_dtype("int8") is tf.int8
    assert int(tf.dtypes.cast(tf.constant(2.7), tf.int32)) == 2
    assert int(tf.dtypes.saturate_cast(tf.constant(300), tf.uint8)) == 255
    assert tf.dtypes.complex(tf.constant(1.0), tf.constant(2.0)).dtype is tf.complex64


def test_one_hot_refuses_floating_indices_as_tensorflow():
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'TI' of float is not in the list"):
        tf.one_hot(tf.constant([1.0, 2.0]), 3)
    assert tf.one_hot(tf.constant([1], tf.uint8), 3).numpy().tolist() == [[0.0, 1.0, 0.0]]


def test_register_tensor_conversion_function_converts_a_users_type():
    class Meters:
        def __init__(self, value):
            self.value = value

    tf.register_tensor_conversion_function(
        Meters, lambda m, dtype=None, name=None, as_ref=False: tf.constant(m.value, dtype or tf.float32))
    assert float(tf.add(tf.convert_to_tensor(Meters(2.0)), 1.0)) == 3.0
    with pytest.raises(TypeError, match="Cannot register conversions"):
        tf.register_tensor_conversion_function(np.ndarray, lambda v, dtype=None, name=None, as_ref=False: v)
