"""tf.sequence_mask, tf.reverse_sequence, tf.dynamic_partition, tf.dynamic_stitch, the max/min
tensor scatters, tf.unique_with_counts and the shape utilities: TensorFlow 2.21's values, errors
and gradients (second order where differentiable)."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def test_sequence_mask():
    t, f = True, False
    mask = tf.sequence_mask([1, 3, 2], 5)
    assert mask.numpy().tolist() == [[t, f, f, f, f], [t, t, t, f, f], [t, t, f, f, f]]
    assert tf.sequence_mask([[1, 3], [2, 0]]).shape == (2, 2, 3)  # maxlen: the longest
    floats = tf.sequence_mask(tf.constant([1, 2]), 3, dtype=tf.float32)
    assert floats.numpy().tolist() == [[1, 0, 0], [1, 1, 0]]
    g = tf.function(lambda n: tf.sequence_mask(n), input_signature=[tf.TensorSpec([None], tf.int32)])
    assert g(tf.constant([1, 3])).shape == (2, 3) and g(tf.constant([4])).shape == (1, 4)


def test_reverse_sequence_values_errors_and_gradients():
    x = tf.reshape(tf.range(12), [3, 4])
    assert tf.reverse_sequence(x, [1, 2, 4], seq_axis=1, batch_axis=0).numpy().tolist() == [
        [0, 1, 2, 3], [5, 4, 6, 7], [11, 10, 9, 8]]
    across = tf.reverse_sequence(tf.reshape(x, [4, 3]), [1, 2, 3], seq_axis=0, batch_axis=1)
    assert across.numpy().tolist() == [[0, 4, 8], [3, 1, 5], [6, 7, 2], [9, 10, 11]]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"seq_lens\(1\) > input.dims\(1\)"):
        tf.reverse_sequence(tf.zeros([2, 3]), [1, 4], 1, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Length of seq_lengths != input.dims\(0\)"):
        tf.reverse_sequence(tf.zeros([2, 3]), [1, 2, 3], 1, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="batch_dim == seq_dim == 1"):
        tf.reverse_sequence(tf.zeros([2, 3]), [1, 2], 1, 1)
    check_gradients(lambda a: tf.reverse_sequence(a * a, [2, 3], seq_axis=1, batch_axis=0),
                    np.random.default_rng(0).normal(size=(2, 3, 2)))


def test_dynamic_partition_and_stitch_are_each_others_gradients():
    parts = tf.dynamic_partition(tf.constant([10, 20, 30, 40]), tf.constant([0, 1, 0, 1]), 2)
    assert [p.numpy().tolist() for p in parts] == [[10, 30], [20, 40]]
    stitched = tf.dynamic_stitch([tf.constant([0, 2]), tf.constant([1, 3])], [tf.constant([10, 30]),
                                                                             tf.constant([20, 40])])
    assert stitched.numpy().tolist() == [10, 20, 30, 40]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"partitions\[1\] = 2 is not in \[0, 2\)"):
        tf.dynamic_partition(tf.constant([1, 2]), tf.constant([0, 2]), 2)
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        first, second = tf.dynamic_partition(x * x, tf.constant([1, 0]), 2)
        y = first * 3.0 + tf.reduce_sum(second)
    assert tape.gradient(y, x).numpy().tolist() == [2.0, 12.0]  # TensorFlow's
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.dynamic_stitch([tf.constant([1]), tf.constant([0, 2])], [x[:1] * 5.0, x * 2.0])
    assert tape.gradient(y, x).numpy().tolist() == [7.0, 2.0]  # TensorFlow's
    rows = tf.constant([[0, 1], [1, 0], [0, 0]])
    check_gradients(lambda a: tf.dynamic_partition(a * a, rows, 2)[1] * 2.0,
                    np.random.default_rng(1).normal(size=(3, 2, 2)))
    places = [tf.constant([2, 0]), tf.constant([1])]
    rng = np.random.default_rng(2)
    check_gradients(lambda a, b: tf.dynamic_stitch(places, [a * b[:2], b[2:]]), rng.normal(size=(2, 3)),
                    rng.normal(size=(3, 3)))


def test_max_and_min_scatters_share_gradients_among_ties():
    assert tf.tensor_scatter_nd_max(tf.constant([1, 5, 3]), [[0], [1]], [4, 2]).numpy().tolist() == [4, 5, 3]
    assert tf.tensor_scatter_nd_min(tf.constant([1, 5, 3]), [[0], [1]], [4, 2]).numpy().tolist() == [1, 2, 3]
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.tensor_scatter_nd_max(x, [[0]], [1.5])
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 1.0]  # TensorFlow's
    u = tf.constant([2.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch([x, u])
        y = tf.tensor_scatter_nd_max(x, [[1], [1]], u)  # a three-way tie at x[1]
    gx, gu = tape.gradient(y, [x, u])
    np.testing.assert_allclose(gx.numpy(), [1.0, 1 / 3])
    np.testing.assert_allclose(gu.numpy(), [1 / 3] * 2)
    check_gradients(lambda a, b: tf.tensor_scatter_nd_min(a, [[0], [2]], b), [0.3, -1.0, 2.0], [0.1, 2.5])


def test_unique_with_counts_and_shape_utilities():
    y, idx, count = tf.unique_with_counts(tf.constant([1, 1, 2, 4, 4, 4, 7]))
    assert (y.numpy().tolist(), idx.numpy().tolist(), count.numpy().tolist()) == (
        [1, 2, 4, 7], [0, 0, 1, 2, 2, 2, 3], [2, 1, 3, 1])
    assert tf.unravel_index(tf.constant([5, 7]), [3, 4]).numpy().tolist() == [[1, 1], [1, 3]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="index is out of bound as with dims"):
        tf.unravel_index(12, [3, 4])
    assert [s.numpy().tolist() for s in tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])])] == [[2, 3], [4]]
    assert tf.broadcast_dynamic_shape([2, 1], [1, 3]).numpy().tolist() == [2, 3]
    assert tf.broadcast_static_shape(tf.TensorShape([None, 1]), tf.TensorShape([1, 3])).as_list() == [None, 3]
    with pytest.raises(ValueError, match=r"for broadcasting.*Received: \(2, 4\) and \(1, 3\)"):
        tf.broadcast_static_shape(tf.TensorShape([2, 4]), tf.TensorShape([1, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2,4\] vs. \[1,3\]"):
        tf.broadcast_dynamic_shape([2, 4], [1, 3])


def test_complex_numbers_saturating_casts_and_queries():
    z = tf.complex(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))
    assert z.dtype == tf.complex64 and z.numpy().tolist() == [1 + 3j, 2 + 4j]
    assert tf.complex(tf.constant([1.0], tf.float64), tf.constant([3.0], tf.float64)).dtype == tf.complex128
    with pytest.raises(TypeError, match="`real` and `imag` components have incorrect types: float32 float64"):
        tf.complex(tf.constant([1.0]), tf.constant([3.0], tf.float64))
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.abs(tf.complex(x, x * 2.0))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.236068, 2.236068], rtol=1e-6)  # TensorFlow's
    check_gradients(lambda a, b: tf.math.real(tf.complex(a, b) * tf.complex(b, a)) + tf.math.imag(
        tf.complex(a * a, b)), [0.3, -1.2], [0.7, 0.4])
    assert tf.saturate_cast(tf.constant([-300.0, 1.5, 300.0]), tf.uint8).numpy().tolist() == [0, 1, 255]
    clipped = tf.saturate_cast(tf.constant([1e10, -1e10]), tf.int32)
    assert clipped.numpy().tolist() == [2147483520, -2147483648]  # float32's largest below 2**31, as TF
    assert tf.is_tensor(tf.Variable(1)) and tf.is_tensor(tf.constant(1)) and not tf.is_tensor(np.ones(2))
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2] and tf.get_static_value(3) == 3
    assert tf.get_static_value(tf.Variable(1.0)) is None and not tf.inside_function()
    found = []

    @tf.function
    def f(a):
        found.append((tf.inside_function(), tf.is_symbolic_tensor(a), tf.get_static_value(a)))
        return a

    f(tf.constant(1.0))
    assert found == [(True, True, None)] and not tf.is_symbolic_tensor(tf.constant(1))


def test_grouping_helpers_pass_values_through():
    with tf.control_dependencies([tf.constant(1)]):
        assert int(tf.constant(2) + 1) == 3
    assert tf.group(tf.constant(1)) is None
    assert [t.numpy() for t in tf.identity_n([tf.constant(1), tf.constant(2.0)])] == [1, 2.0]
    assert [t.numpy() for t in tf.tuple([tf.constant(1), tf.constant(2.0)])] == [1, 2.0]
    assert float(tf.sinh(1.0)) == pytest.approx(1.1752012) and float(tf.realdiv(3.0, 2.0)) == 1.5
