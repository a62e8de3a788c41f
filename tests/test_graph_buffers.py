"""Compiled functions writing large intermediate values into buffers kept between calls
(graph/buffer_plan.py): what users hold is never written, buffers are shared only where no value still
needs them, and calls running at once never share one."""

import gc
import threading
import tracemalloc

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.graph import buffer_plan

SHAPE = (64, 48)  # 12 KiB of float32: above buffer_plan.MIN_BYTES


def _values(seed, shape=SHAPE):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _buffered(function, *specs):
    """`function`'s concrete function, asserting that its generated code writes into buffers."""
    concrete = function.get_concrete_function(*specs)
    assert "b0" in concrete.source, concrete.source
    return concrete


@pytest.fixture
def unbuffered():
    """Functions traced inside this fixture's block use no buffers: the reference results."""
    saved = buffer_plan.MIN_BYTES

    class Switch:
        def __enter__(self):
            buffer_plan.MIN_BYTES = 1 << 62

        def __exit__(self, *exc):
            buffer_plan.MIN_BYTES = saved

    yield Switch()
    buffer_plan.MIN_BYTES = saved


def _chain(x):
    """Values of one shape made, read after later values of the same shape, and a view of one."""
    a = tf.tanh(x) * 2.0
    b = tf.exp(-x * x)
    c = a + b  # a still read below, after c and d of the same shape
    d = tf.nn.relu(c) - b
    view = tf.reshape(a, [-1])  # a view of a's array, read after e overwrote a buffer
    e = tf.tanh(d) * x
    t = tf.transpose(e)  # a view read after f
    f = e * e + d
    return tf.reduce_sum(tf.reshape(view, SHAPE) * f, axis=0) + tf.reduce_sum(tf.transpose(t) - f, axis=0)


def test_buffered_results_equal_unbuffered_bit_for_bit(unbuffered):
    with unbuffered:
        reference = tf.function(_chain)
        reference.get_concrete_function(tf.TensorSpec(SHAPE, tf.float32))
    function = tf.function(_chain)
    _buffered(function, tf.TensorSpec(SHAPE, tf.float32))
    for seed in range(3):
        x = tf.constant(_values(seed))
        np.testing.assert_array_equal(function(x).numpy(), reference(x).numpy())
        np.testing.assert_array_equal(function(x).numpy(), _chain(x).numpy())  # eagerly


def test_results_of_a_call_unchanged_by_the_next():
    @tf.function
    def f(x):
        h = tf.tanh(x * 3.0) + x
        return h * h, tf.reduce_sum(h, axis=1)

    _buffered(f, tf.TensorSpec(SHAPE, tf.float32))
    first = f(tf.constant(_values(0)))
    kept = [t.numpy().copy() for t in first]
    second = f(tf.constant(_values(1)))
    for held, copy in zip(first, kept):
        np.testing.assert_array_equal(held.numpy(), copy)
    assert not np.shares_memory(first[0].numpy(), second[0].numpy())


def test_outputs_and_variables_are_never_buffers():
    v = tf.Variable(np.zeros(SHAPE, np.float32))

    @tf.function
    def f(x):
        y = tf.tanh(x) * 2.0
        v.assign(y + 1.0)
        return y - 1.0, y

    concrete = _buffered(f, tf.TensorSpec(SHAPE, tf.float32))
    results = [f(tf.constant(_values(seed))) for seed in range(3)]
    arrays = [t.numpy() for pair in results for t in pair] + [v.numpy()]
    for i, a in enumerate(arrays):
        for b in arrays[i + 1:]:
            assert not np.shares_memory(a, b)
    buffers = concrete._compiled.__globals__["free_0"][0]
    assert not any(np.shares_memory(a, b) for a in arrays for b in buffers)
    np.testing.assert_array_equal(results[0][1].numpy(), np.tanh(_values(0)) * np.float32(2))


def test_a_recursive_call_gets_its_own_buffers():
    depth = [0]

    def inner(x):
        if depth[0]:
            return np.zeros(SHAPE, np.float32)
        depth[0] += 1
        try:
            return f(x * 0.0 + 5.0).numpy()  # the same concrete function, called mid-call
        finally:
            depth[0] -= 1

    @tf.function
    def f(x):
        a = tf.tanh(x) * 2.0  # held in a buffer while the inner call runs
        y = tf.ensure_shape(tf.py_function(inner, [x], tf.float32), SHAPE)
        return a + y

    _buffered(f, tf.TensorSpec(SHAPE, tf.float32))
    x = _values(0)
    expected = np.tanh(x) * np.float32(2) + np.tanh(np.full(SHAPE, 5, np.float32)) * np.float32(2)
    for _ in range(2):  # (the second call starts with the set of buffers the first gave back)
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), expected, rtol=1e-6)


def test_threads_calling_at_once_get_right_results():
    @tf.function
    def f(x):
        a = tf.tanh(x) * 2.0
        b = tf.sigmoid(a) + x
        return tf.reduce_sum(a * b, axis=0)

    _buffered(f, tf.TensorSpec(SHAPE, tf.float32))
    inputs = [_values(seed) for seed in range(4)]
    expected = [f(tf.constant(x)).numpy() for x in inputs]
    failures = []

    def work(index):
        x = tf.constant(inputs[index])
        for _ in range(200):
            if not np.array_equal(f(x).numpy(), expected[index]):
                failures.append(index)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


def test_memory_flat_over_many_calls():
    @tf.function
    def f(x):
        return tf.reduce_sum(tf.tanh(x) * 2.0 + x, axis=0)

    concrete = _buffered(f, tf.TensorSpec(SHAPE, tf.float32))
    x = tf.constant(_values(0))
    for _ in range(10):
        f(x)
    kept = concrete._compiled.__globals__["free_0"]
    first = kept[0]
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            f(x)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < np.prod(SHAPE) * 4  # less than one value's array
    assert len(kept) == 1 and all(a is b for a, b in zip(kept[0], first))  # the same arrays


def test_small_values_and_unknown_shapes_are_not_buffered():
    @tf.function
    def f(x):
        return tf.reduce_sum(tf.tanh(x) * 2.0 + x)

    assert "b0" not in f.get_concrete_function(tf.TensorSpec((4, 4), tf.float32)).source
    assert "b0" not in f.get_concrete_function(tf.TensorSpec((None, 48), tf.float32)).source


def test_a_compiled_training_step_matches_unbuffered(unbuffered):
    def build():
        rng = np.random.default_rng(0)
        x = tf.constant(rng.normal(size=(64, 32)).astype(np.float32))
        layers = [tf.Variable(rng.normal(size=(32, 32)).astype(np.float32) * 0.2) for _ in range(2)]
        optimizer = tf.keras.optimizers.Adam(1e-2)

        @tf.function
        def step():
            with tf.GradientTape() as tape:
                h = x
                for w in layers:
                    h = tf.nn.relu(tf.matmul(h, w)) + h
                loss = tf.reduce_mean(tf.nn.softmax(h) * h)
            optimizer.apply_gradients(zip(tape.gradient(loss, layers), layers))
            return loss

        return step, layers

    with unbuffered:
        reference, reference_layers = build()
        reference()
    step, layers = build()
    step()
    assert "b0" in step.get_concrete_function().source
    for _ in range(3):
        assert step().numpy() == reference().numpy()
    for a, b in zip(layers, reference_layers):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
