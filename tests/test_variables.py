"""tf.Variable: creation, reads as ops, checked assignment, reprs and names."""

import numpy as np
import pytest

import tapeflow as tf


def test_repr_names_and_properties():
    x = tf.Variable(0.0, name="x", dtype=tf.float32)
    assert repr(x) == "<tf.Variable 'x:0' shape=() dtype=float32, numpy=0.0>" and str(x) == repr(x)
    assert tf.Variable(1.0).name == "Variable:0"
    v = tf.Variable([[1, 2], [3, 4]])
    assert v.dtype == tf.int32 and v.shape == (2, 2) and v.trainable
    assert repr(v) == ("<tf.Variable 'Variable:0' shape=(2, 2) dtype=int32, numpy=\n"
                       "array([[1, 2],\n       [3, 4]], dtype=int32)>")
    assert not tf.Variable(1.0, trainable=False).trainable
    assert tf.Variable(lambda: tf.ones([2])).shape == (2,)
    assert tf.Variable(1, dtype=tf.float64).dtype == tf.float64


def test_assignments_return_the_variable_and_check_shape_and_dtype():
    x = tf.Variable([1.0, 2.0])
    assert type(x).__name__ == "ResourceVariable" and isinstance(x, tf.Variable)  # as TensorFlow prints it
    unread = x.assign([3.0, 4.0])  # TensorFlow's UnreadVariable: the variable, read when used
    assert repr(unread).startswith("<tf.Variable 'UnreadVariable' shape=(2,)")
    assert x.numpy().tolist() == [3.0, 4.0]
    unread.assign_add([1.0, 1.0])
    assert x.numpy().tolist() == unread.numpy().tolist() == [4.0, 5.0]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(x.assign([3.0, 4.0]) * 2.0)
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 2.0]  # a read of x itself
    x.assign_add([1.0, 1.0])
    x.assign_sub(tf.constant([0.5, 0.5]))
    assert x.numpy().tolist() == [3.5, 4.5]
    with pytest.raises(ValueError, match="Shape mismatch"):
        x.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="requested dtype float32 for Tensor with dtype int32"):
        x.assign(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="Cannot convert 'a' to EagerTensor of dtype float"):
        x.assign("a")
    with pytest.raises(TypeError, match="object of type 'ResourceVariable' has no len()"):
        len(x)
    with pytest.raises(RuntimeError, match="variable.assign_add"):
        x += 1
    assert x.assign([0.0, 0.0], read_value=False) is None


def test_reads_snapshot_the_value():
    x = tf.Variable(2.0)
    before = x.read_value()
    x.assign(5.0)
    assert float(before) == 2.0 and float(x.value()) == 5.0 and float(tf.identity(x)) == 5.0


def test_variables_behave_like_tensors():
    x = tf.Variable([1.0, 2.0, 3.0])
    assert (x * 2).numpy().tolist() == [2.0, 4.0, 6.0] and (2 - x).numpy().tolist() == [1.0, 0.0, -1.0]
    assert x[1:].numpy().tolist() == [2.0, 3.0] and float(tf.reduce_sum(x)) == 6.0
    assert np.asarray(x).tolist() == [1.0, 2.0, 3.0] and len(x.value()) == 3
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    assert {x.ref(): 1}[x.ref()] == 1


def test_gradients_through_reads_and_slices():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x[1] * 2 + tf.reduce_sum(x * x)
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 6.0, 6.0]
    with tf.GradientTape() as tape:
        x.assign([2.0, 2.0, 2.0])  # reads after an assignment see the new value
        y = tf.reduce_sum(x * x)
    assert tape.gradient(y, x).numpy().tolist() == [4.0, 4.0, 4.0]


def test_scatter_updates_rows():
    v = tf.Variable([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    before = v.read_value()
    v.scatter_add(tf.IndexedSlices(tf.constant([[1.0, 1.0], [5.0, 5.0]]), tf.constant([0, 0])))
    v.scatter_sub(tf.IndexedSlices(tf.constant([[1.0, 2.0]]), tf.constant([2])))
    v.scatter_update(tf.IndexedSlices(tf.constant([[9.0, 9.0]]), tf.constant([1])))
    assert v.numpy().tolist() == [[7.0, 7.0], [9.0, 9.0], [2.0, 1.0]]
    assert before.numpy().tolist()[0] == [1.0, 1.0]
    v.scatter_max(tf.IndexedSlices(tf.constant([[8.0, 0.0]]), tf.constant([0])))
    v.scatter_min(tf.IndexedSlices(tf.constant([[0.0, 10.0]]), tf.constant([1])))
    v.scatter_mul(tf.IndexedSlices(tf.constant([[2.0, 2.0]]), tf.constant([2])))
    assert v.numpy().tolist() == [[8.0, 7.0], [0.0, 9.0], [4.0, 2.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = 3 is not in \[0, 3\)"):
        v.scatter_add(tf.IndexedSlices(tf.constant([[1.0, 1.0]]), tf.constant([3])))
    with pytest.raises(TypeError, match="not IndexedSlices"):
        v.scatter_add(tf.constant([[1.0, 1.0]]))


def test_slices_of_a_variable_can_be_assigned_as_in_tensorflow():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    v[0, 1:].assign([7.0, 8.0])
    v[:, 0].assign(0.5)  # broadcast
    assert v.numpy().tolist() == [[0.5, 7.0, 8.0], [0.5, 5.0, 6.0]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Cannot broadcast input shape \[2\] into final "
                                                             r"shape \[3\]"):
        v[0].assign([1.0, 2.0])
    assert hasattr(v[0], "assign") and not hasattr(tf.constant([1.0])[0], "assign")
    with pytest.raises(AttributeError, match="has no attribute 'assign'"):
        tf.constant([1.0])[0].assign(2.0)

    @tf.function
    def f():
        v[0, 0].assign(-1.0)
        return v.read_value()

    assert f().numpy().tolist() == [[-1.0, 7.0, 8.0], [0.5, 5.0, 6.0]]


def test_scatter_nd_methods_update_elements_and_slices():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert v.scatter_nd_update([[0, 0], [1, 2]], [10.0, 20.0]).name == "UnreadVariable"
    v.scatter_nd_add([[0, 1]], [1.0])
    v.scatter_nd_sub([[1]], [[1.0, 1.0, 1.0]])
    assert v.numpy().tolist() == [[10.0, 3.0, 3.0], [3.0, 4.0, 19.0]]
