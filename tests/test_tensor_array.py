"""tf.TensorArray: eager, traced through loops (fixed, dynamic and unknown sizes), its errors (from
what TensorFlow raises), and gradients through writes and reads to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def test_eager_writes_reads_and_stack():
    ta = tf.TensorArray(tf.float32, size=3)
    assert ta.element_shape.rank is None
    ta = ta.write(0, [1.0, 2.0])
    assert ta.element_shape.as_list() == [2]
    assert ta.read(0).numpy().tolist() == [1.0, 2.0]
    assert ta.read(2).numpy().tolist() == [0.0, 0.0]  # never written: zeros
    assert ta.stack().numpy().tolist() == [[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]]
    assert int(ta.size()) == 3 and ta.dtype is tf.float32 and not ta.dynamic_size


def test_write_updates_in_place_as_tensorflows_eager_array():
    ta = tf.TensorArray(tf.int32, size=2)
    ta.write(1, 7)
    assert ta.stack().numpy().tolist() == [0, 7]


def test_tensorflows_errors():
    ta = tf.TensorArray(tf.float32, size=3).write(0, [1.0, 2.0])
    with pytest.raises(tf.errors.OutOfRangeError,
                       match="Tried to write to index 3 but array is not resizeable and size is: 3"):
        ta.write(3, [1.0, 2.0])
    with pytest.raises(ValueError, match=r"Incompatible shape for value \(\(3,\)\), expected \(\(2,\)\)"):
        ta.write(1, [1.0, 2.0, 3.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="TensorArray dtype is float32 but Op is trying to write dtype int32"):
        ta.write(1, tf.constant([1, 2]))
    with pytest.raises(tf.errors.OutOfRangeError, match="Tried to read from index 5 but array size is: 3"):
        ta.read(5)
    with pytest.raises(tf.errors.OutOfRangeError, match=r"negative indices \(index -1\)"):
        ta.write(-1, [1.0, 2.0])
    with pytest.raises(ValueError, match="Size must be provided"):
        tf.TensorArray(tf.float32)


def test_dynamic_size_grows_and_empty_arrays_stack_empty():
    d = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    assert d.stack().shape == (0,) and int(d.size()) == 0
    d = d.write(2, 5.0)
    assert d.stack().numpy().tolist() == [0.0, 0.0, 5.0] and int(d.size()) == 3
    e = tf.TensorArray(tf.int32, size=0, dynamic_size=True, element_shape=[2])
    assert e.stack().shape == (0, 2)


def test_unstack_gather_scatter_concat():
    u = tf.TensorArray(tf.float32, size=2).unstack([[1.0, 2.0], [3.0, 4.0]])
    assert u.gather([1, 0]).numpy().tolist() == [[3.0, 4.0], [1.0, 2.0]]
    assert u.concat().numpy().tolist() == [1.0, 2.0, 3.0, 4.0]
    s = tf.TensorArray(tf.float32, size=3).scatter([2, 0], [[1.0], [2.0]])
    assert s.stack().numpy().tolist() == [[2.0], [0.0], [1.0]]


def test_autograph_loop_fills_a_dynamic_array():
    shapes = []

    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            ta = ta.write(i, tf.cast(i, tf.float32) * tf.ones([2]))
        shapes.append(ta.stack().shape.as_list())
        return ta.stack()

    assert f(tf.constant(3)).numpy().tolist() == [[0, 0], [1, 1], [2, 2]]
    assert f(tf.constant(1)).numpy().tolist() == [[0, 0]]
    assert shapes == [[None, 2]] and f.experimental_get_tracing_count() == 1


def test_while_loop_with_an_array_of_known_element_shape():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.int32, size=n, element_shape=[])
        _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, i * i)), [0, ta])
        return ta.stack(), ta.size()

    values, size = f(tf.constant(4))
    assert values.numpy().tolist() == [0, 1, 4, 9] and int(size) == 4


def test_gradients_through_a_traced_loop_writing_an_array():
    x = tf.Variable(2.0)

    @tf.function
    def f(n):
        with tf.GradientTape() as tape:
            ta = tf.TensorArray(tf.float32, size=n)
            y = x
            for i in tf.range(n):
                y = y * x
                ta = ta.write(i, y)
            s = tf.reduce_sum(ta.stack())
        return s, tape.gradient(s, x)

    s, g = f(tf.constant(3))
    assert float(s) == 28.0 and float(g) == 48.0  # x^2 + x^3 + x^4 and its derivative, as in TensorFlow


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_write_read_stack_gradients(dtype):
    def f(a, b):
        ta = tf.TensorArray(a.dtype, size=2, dynamic_size=True)
        ta = ta.write(0, a * b).write(1, tf.sin(a)).write(0, a + b).write(3, a * b * b)
        return ta.stack() * ta.read(1) + ta.read(0)

    rng = np.random.default_rng(1)
    check_gradients(f, rng.normal(size=(2, 3)), rng.normal(size=(3,)), dtype=dtype)


def test_array_read_in_a_compiled_function_matches_eager():
    def f(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True).unstack(x)
        total = tf.zeros([2])
        for i in tf.range(ta.size()):
            total += ta.read(i) * tf.cast(i + 1, tf.float32)
        return total

    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_allclose(tf.function(f)(x).numpy(), f(x).numpy())


def test_arrays_pass_through_cond_and_break():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            if i > 3:
                break  # the rest of the body becomes a cond that returns the array
            ta = ta.write(i, tf.cast(i, tf.float32))
        picked = tf.cond(n > 5, lambda: ta.write(0, 9.0), lambda: ta)
        return picked.stack()

    assert f(tf.constant(10)).numpy().tolist() == [9.0, 1.0, 2.0, 3.0]
    assert f(tf.constant(3)).numpy().tolist() == [0.0, 1.0, 2.0]


def test_appends_never_change_an_earlier_value():
    """Appends write into spare room of the newest buffer; no earlier value may see them."""

    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        ta = ta.write(0, x)
        before = ta.stack()
        first = ta.write(1, x * 2.0)  # appends to the newest buffer
        second = ta.write(1, x * 3.0)  # from the same (now older) buffer: a copy
        return before, first.stack(), second.stack(), first.write(2, x).stack()

    before, first, second, third = f(tf.constant(1.0))
    assert before.numpy().tolist() == [1.0]
    assert first.numpy().tolist() == [1.0, 2.0] and second.numpy().tolist() == [1.0, 3.0]
    assert third.numpy().tolist() == [1.0, 2.0, 1.0]


def test_gradients_through_a_loop_reading_what_it_appended():
    def f(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(0, x)
            for i in tf.range(1, n):
                ta = ta.write(i, tf.sin(ta.read(i - 1)) * x)
            y = tf.reduce_sum(ta.stack())
        return y, tape.gradient(y, x)

    x = tf.constant(0.7)
    for got, want in zip(tf.function(f)(x, tf.constant(30)), f(x, tf.constant(30))):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5)


def test_fixed_size_arrays_written_out_of_order_match_tensorflow():
    shapes = []

    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float32, size=5)
        for i in tf.range(3):
            ta = ta.write(4 - i, x * tf.cast(i + 1, tf.float32))
        shapes.append(ta.stack().shape.as_list())
        return ta.stack(), ta.read(0), ta.read(4), ta.size(), ta.gather([4, 0])

    stacked, first, last, size, gathered = f(tf.constant([1.0, 2.0]))
    # TensorFlow 2.21's values, and its static shape for a fixed size known while tracing
    assert stacked.numpy().tolist() == [[0, 0], [0, 0], [3, 6], [2, 4], [1, 2]] and shapes == [[5, 2]]
    assert first.numpy().tolist() == [0, 0] and last.numpy().tolist() == [1, 2] and int(size) == 5
    assert gathered.numpy().tolist() == [[1, 2], [0, 0]]


def test_reads_past_the_size_raise_when_compiled_too():
    @tf.function
    def f(i):
        return tf.TensorArray(tf.float32, size=2).write(0, 1.0).read(i)

    assert float(f(tf.constant(1))) == 0.0  # in the array, never written: zero
    with pytest.raises(tf.errors.OutOfRangeError, match="Tried to read from index 2 but array size is: 2"):
        f(tf.constant(2))


def test_in_order_writes_to_a_fixed_size_array_fill_one_storage():
    """Filling an array in order writes each element into the storage the first write allocated (O(1)
    per write, not a copy of the array), and no earlier value sees the later elements."""
    ta = tf.TensorArray(tf.float32, size=4)
    ta.write(0, 1.0)
    first = ta._buffer
    ta.write(1, 2.0)
    ta.write(2, 3.0)
    assert ta._buffer._value.base is first._value.base
    assert first.numpy().tolist() == [1.0] and ta.stack().numpy().tolist() == [1.0, 2.0, 3.0, 0.0]
    ta.write(1, 5.0)  # an overwrite copies
    assert ta._buffer._value.base is not first._value.base
    assert ta.stack().numpy().tolist() == [1.0, 5.0, 3.0, 0.0]


def test_mixed_writes_reads_and_stack_to_second_order_match_tensorflow():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            ta = tf.TensorArray(tf.float32, size=4).write(2, x * x).write(0, x * 3.0)
            weights = tf.constant([[1.0], [2.0], [3.0], [4.0]])
            y = tf.reduce_sum(ta.stack() * weights) + tf.reduce_sum(ta.read(2) * x)
        gx = inner.gradient(y, x)
    assert gx.numpy().tolist() == [12.0, 27.0]  # TensorFlow 2.21's
    assert outer.gradient(gx, x).numpy().tolist() == [12.0, 18.0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fixed_size_read_and_stack_gradients(dtype):
    def f(a, b):
        ta = tf.TensorArray(a.dtype, size=4).write(2, a * b).write(0, tf.sin(a))
        return ta.stack() * ta.read(2) + ta.read(1) + ta.read(0)

    rng = np.random.default_rng(2)
    check_gradients(f, rng.normal(size=(2, 3)), rng.normal(size=(3,)), dtype=dtype)
