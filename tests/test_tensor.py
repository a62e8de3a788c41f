"""Tensors, dtypes and shapes: conversion rules, reprs, Python protocols — as TensorFlow 2.21 shows them."""

import numpy as np
import pytest

import tapeflow as tf


@pytest.mark.parametrize("value, dtype", [
    (1.0, tf.float32), (1, tf.int32), (2**40, tf.int64), (2**31, tf.int64), (-2**31, tf.int32),
    ([1, 2.0], tf.float32), (np.float64(1), tf.float64), (np.float32(1), tf.float32), (True, tf.bool),
    (1 + 2j, tf.complex128), (np.array([1, 2]), tf.int64), ([], tf.float32), ("hi", tf.string),
])
def test_inferred_dtypes(value, dtype):
    assert tf.constant(value).dtype is dtype


@pytest.mark.parametrize("value, error, message", [
    (2**63, ValueError, "out-of-range integer"),
    ([1, "a"], ValueError, "mixed types"),
    ([True, 1.5], ValueError, "mixed types"),  # (TensorFlow types a list by its first element)
    ([[True], [2]], ValueError, "mixed types"),
    ([[1, 2], [3]], ValueError, "non-rectangular"),
    (None, ValueError, r"Attempt to convert a value \(None\)"),
])
def test_bad_values_are_rejected(value, error, message):
    with pytest.raises(error, match=message):
        tf.constant(value)


def test_explicit_dtypes():
    with pytest.raises(TypeError, match="Cannot convert 1.0 to EagerTensor of dtype int32"):
        tf.constant(1.0, dtype=tf.int32)
    assert tf.constant(300, dtype=tf.uint8).numpy() == 44
    assert tf.constant(np.array([1.5]), dtype=tf.int32).numpy().tolist() == [1]
    assert tf.constant(1, dtype=tf.float32).dtype == tf.float32
    assert tf.constant(1.0, shape=[2, 2]).numpy().tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert tf.constant([1.0, 2.0, 3.0, 4.0], shape=[2, 2]).shape == (2, 2)
    with pytest.raises(TypeError, match="unsupported shape"):
        tf.constant([1.0, 2.0], shape=[3])
    with pytest.raises(ValueError, match="Tensor conversion requested dtype float64"):
        tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)


@pytest.mark.parametrize("value, dtype, message", [  # TensorFlow 2.21's TypeErrors
    ("a", tf.float32, "Cannot convert 'a' to EagerTensor of dtype float"),
    ([b"a"], tf.int32, r"Cannot convert \[b'a'\] to EagerTensor of dtype int32"),
    (1, tf.bool, "Cannot convert 1 to EagerTensor of dtype bool"),
    ([0, 2**40], tf.bool, r"Cannot convert \[0, 1099511627776\] to EagerTensor of dtype bool"),
    (True, tf.int8, "Cannot convert True to EagerTensor of dtype int8"),
    ([True, False], tf.complex64, r"Cannot convert \[True, False\] to EagerTensor of dtype complex64"),
    (1j, tf.float64, r"Cannot convert 1j to EagerTensor of dtype double"),
    (2.5, tf.float16, None), (True, tf.float16, None), (True, tf.int64, None), (False, tf.complex128, None),
])
def test_python_values_convert_to_an_explicit_dtype_as_in_tensorflow(value, dtype, message):
    if message is None:
        assert tf.constant(value, dtype).dtype == dtype
        return
    with pytest.raises(TypeError, match=message):
        tf.constant(value, dtype)


def test_numpy_numbers_do_not_convert_to_strings():
    with pytest.raises(ValueError, match=r"Failed to convert a NumPy array to a Tensor \(Unsupported object "
                                         r"type float\)\."):  # TensorFlow's
        tf.convert_to_tensor(np.float32(2.0), dtype=tf.string)
    with pytest.raises(ValueError, match=r"\(Unsupported object type int\)"):
        tf.convert_to_tensor(np.array([1, 2]), dtype=tf.string)


def test_reprs_match_tensorflow():
    assert repr(tf.constant(-2.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=-2.0>"
    assert str(tf.constant(-2.0)) == "tf.Tensor(-2.0, shape=(), dtype=float32)"
    assert repr(tf.constant(1 / 3)) == "<tf.Tensor: shape=(), dtype=float32, numpy=0.3333333432674408>"
    assert str(tf.constant(1 / 3)) == "tf.Tensor(0.33333334, shape=(), dtype=float32)"
    assert repr(tf.constant("hi")) == "<tf.Tensor: shape=(), dtype=string, numpy=b'hi'>"
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"
    assert repr(tf.constant([1.0, 2.0, 3.0])) == (
        "<tf.Tensor: shape=(3,), dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>")
    assert str(tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])) == (
        "tf.Tensor(\n[[1. 2. 3.]\n [4. 5. 6.]], shape=(2, 3), dtype=float32)")
    assert repr(tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])) == (
        "<tf.Tensor: shape=(2, 3), dtype=float32, numpy=\narray([[1., 2., 3.],\n       [4., 5., 6.]], "
        "dtype=float32)>")


def test_dtype_objects():
    assert repr(tf.float32) == "tf.float32" and str(tf.float32) == "<dtype: 'float32'>"
    assert tf.as_dtype(float) is tf.float32 and tf.as_dtype("double") is tf.float64
    assert tf.as_dtype(np.float32) is tf.float32 and tf.as_dtype(np.dtype("int64")) is tf.int64
    assert tf.float32 == np.float32 and tf.float32 == "float32" and tf.float32 != tf.float64
    with pytest.raises(TypeError, match="Cannot convert the argument `type_value`"):
        tf.as_dtype("bogus")
    assert tf.float32.is_floating and tf.int32.is_integer and not tf.bool.is_integer
    assert tf.uint8.is_unsigned and tf.complex64.is_complex and tf.complex64.real_dtype is tf.float32
    assert tf.int32.min == -(2**31) and tf.uint8.max == 255 and tf.float32.as_numpy_dtype is np.float32
    assert tf.dtypes.float32 is tf.float32 and tf.dtypes.as_dtype("int8") is tf.int8


def test_shapes():
    t = tf.zeros([2, 3])
    assert t.shape == (2, 3) and t.shape == [2, 3] and t.shape.as_list() == [2, 3]
    assert t.shape.rank == 2 and t.ndim == 2 and type(t.shape[0]) is int
    assert t.shape[1:] == tf.TensorShape([3]) and repr(t.shape) == "TensorShape([2, 3])"
    assert str(t.shape) == "(2, 3)" and str(tf.TensorShape([5])) == "(5,)"
    assert str(tf.TensorShape(None)) == "<unknown>" and tf.TensorShape(None).rank is None
    assert repr(tf.TensorShape([None, 3])) == "TensorShape([None, 3])"
    with pytest.raises(ValueError, match="as_list"):
        tf.TensorShape(None).as_list()


def test_python_protocols():
    t = tf.constant([1.0, 2.0])
    assert len(t) == 2 and [float(v) for v in t] == [1.0, 2.0]
    assert float(tf.constant(2.5)) == 2.5 and int(tf.constant(2.5)) == 2
    assert [0, 1, 2][tf.constant(1)] == 1
    assert bool(tf.constant(True)) and not bool(tf.constant(0.0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="unhashable"):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1 and t.ref().deref() is t
    with pytest.raises(TypeError):
        len(tf.constant(1.0))
    with pytest.raises(TypeError):
        iter(tf.constant(1.0))


def test_numpy_interop():
    t = tf.constant([1.0, 2.0])
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().dtype == np.float32
    assert type(tf.constant(1.0).numpy()) is np.float32
    assert np.asarray(t).tolist() == [1.0, 2.0]
    assert (np.array([1.0, 2.0], np.float32) * t).dtype == tf.float32  # NumPy defers to tapeflow
    copy = t.numpy()
    copy[0] = 9.0
    assert t.numpy()[0] == 1.0  # tensors are immutable
    assert t.device.endswith("CPU:0")


def test_operators_and_reflected_forms():
    x = tf.constant([1.0, 2.0])
    assert (2 - x).numpy().tolist() == [1.0, 0.0] and (2 / x).numpy().tolist() == [2.0, 1.0]
    assert (2 ** x).numpy().tolist() == [2.0, 4.0] and (x ** 2).numpy().tolist() == [1.0, 4.0]
    assert (-x).numpy().tolist() == [-1.0, -2.0] and abs(-x).numpy().tolist() == [1.0, 2.0]
    assert (7 // tf.constant(2)).numpy() == 3 and (7 % tf.constant(4)).numpy() == 3
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert (m @ m).numpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert (np.eye(2, dtype=np.float32) @ m).numpy().tolist() == m.numpy().tolist()


def test_indexing():
    m = tf.constant([[1, 2, 3], [4, 5, 6]])
    assert m[1].numpy().tolist() == [4, 5, 6] and m[-1, -1].numpy() == 6
    assert m[:, ::-1].numpy().tolist() == [[3, 2, 1], [6, 5, 4]]
    assert m[::-1, 1].numpy().tolist() == [5, 2]
    assert m[..., 0].numpy().tolist() == [1, 4] and m[tf.newaxis].shape == (1, 2, 3)
    assert m[tf.constant(1), 0].numpy() == 4
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of bounds"):
        m[2]
    with pytest.raises(TypeError, match="valid indices"):
        m[1.5]


def test_fully_known_shapes_convert_to_tensors_as_in_tensorflow():
    assert tf.constant(tf.TensorShape([2, 3])).numpy().tolist() == [2, 3]
    assert tf.constant(tf.TensorShape([2, 3])).dtype == tf.int32
    assert tf.convert_to_tensor(tf.TensorShape([2]), tf.int64).dtype == tf.int64
    assert int(tf.reduce_prod(tf.TensorShape([8, 4]))) == 32 and tf.constant(tf.TensorShape([])).shape == (0,)
    with pytest.raises(ValueError, match=r"partially known TensorShape \(None, 3\) to a Tensor"):
        tf.convert_to_tensor(tf.TensorShape([None, 3]))
    with pytest.raises(TypeError, match="Allowed dtypes are tf.int32 and tf.int64"):
        tf.convert_to_tensor(tf.TensorShape([2]), tf.float32)


def test_format_specs_format_the_value_as_tensorflow():
    assert f"{tf.constant(1.5):.2f}|{tf.constant(3):5d}|{tf.constant(1.5)}" == "1.50|    3|1.5"
    assert f"{tf.constant([1.5, 2.0])}" == "[1.5 2. ]"
    with pytest.raises(TypeError, match="unsupported format string passed to numpy.ndarray.__format__"):
        f"{tf.constant([1.5, 2.0]):.2f}"
