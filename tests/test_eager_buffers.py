"""The buffer pool behind eager training steps (core/buffers.py): large kernel results are reused
from step to step, yet nothing a user holds is ever written into, and memory stays flat."""

import gc
import resource

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core import buffers

OPTIMIZERS = [
    lambda: tf.keras.optimizers.Adam(0.01),
    lambda: tf.keras.optimizers.SGD(0.01, momentum=0.9, nesterov=True),
    lambda: tf.keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: tf.keras.optimizers.AdamW(0.01),
    lambda: tf.keras.optimizers.Ftrl(0.01),
]


def model(rows=16, width=128):
    """A two-layer network whose weight gradients (128 x 128 float32, 64 KiB) are pooled."""
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(rows, width)).astype(np.float32))
    w1 = tf.Variable(rng.normal(0, 0.05, (width, width)).astype(np.float32))
    w2 = tf.Variable(rng.normal(0, 0.05, (width, width)).astype(np.float32))

    def loss_and_gradients():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.nn.relu(x @ w1) @ w2 - 1.0))
        return loss, tape.gradient(loss, [w1, w2])

    return [w1, w2], loss_and_gradients


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_gradients_and_values_the_user_holds_never_change(make_optimizer):
    variables, loss_and_gradients = model()
    optimizer = make_optimizer()
    _, held = loss_and_gradients()  # step 1's gradients, kept as tensors
    optimizer.apply_gradients(zip(held, variables))
    view = np.asarray(loss_and_gradients()[1][0])[3:]  # a NumPy view of a gradient whose tensor is gone
    read = variables[0].value()  # a tensor sharing the variable's array
    expected = [g.numpy() for g in held] + [view.copy(), read.numpy()]
    for _ in range(50):
        _, grads = loss_and_gradients()
        optimizer.apply_gradients(zip(grads, variables))
    for before, now in zip(expected, [*held, view, read]):
        np.testing.assert_array_equal(before, np.asarray(now))
    assert not np.array_equal(read.numpy(), variables[0].numpy())  # (the variable did move on)


def test_arrays_are_reused_once_no_one_holds_them():
    variables, loss_and_gradients = model()
    optimizer = tf.keras.optimizers.Adam(0.01)
    seen = []
    for _ in range(6):
        _, grads = loss_and_gradients()
        seen.append({id(np.asarray(g)) for g in grads})
        optimizer.apply_gradients(zip(grads, variables))
        del grads
    assert seen[-1] & set().union(*seen[:-2])  # the gradients' arrays come back
    kept = buffers.pooled_bytes()
    for _ in range(5):
        optimizer.apply_gradients(zip(loss_and_gradients()[1], variables))
    assert buffers.pooled_bytes() == kept  # a steady state: nothing new is pooled


def test_the_pool_hands_out_only_free_arrays_and_keeps_to_its_limit(monkeypatch):
    a = buffers.empty((128, 256), np.float32)
    b = buffers.empty((128, 256), np.float32)
    assert a is not b
    view = a[1:]
    del a
    assert buffers.empty((128, 256), np.float32).base is None  # `a` is held by its view
    c = buffers.empty((128, 256), np.float32)
    assert c is not view.base and c is not b
    assert buffers.empty((4,), np.float32).shape == (4,)  # small arrays are simply made
    monkeypatch.setattr(buffers, "LIMIT", buffers.pooled_bytes())
    before = buffers.pooled_bytes()
    big = [buffers.empty((300, 300), np.float64) for _ in range(3)]
    assert buffers.pooled_bytes() <= before and all(x.shape == (300, 300) for x in big)


def test_memory_stays_flat_over_ten_thousand_small_steps():
    x = tf.Variable([0.5, -0.25])
    optimizer = tf.keras.optimizers.SGD(0.01, momentum=0.9)

    def step():
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(x * x + 2.0 * x)
        optimizer.apply_gradients([(tape.gradient(y, x), x)])

    for _ in range(500):
        step()
    gc.collect()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # (KiB, the peak resident size)
    for _ in range(10_000):
        step()
    gc.collect()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start < 512
