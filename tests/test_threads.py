"""Threads: tapes, traces and scopes are per thread (as in TensorFlow), variables and functions shared.

Each worker trains its own small model over and over, with its own tapes, eagerly and through one
`tf.function` all threads share; every step must give what it gives in one thread.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import tapeflow as tf

N_THREADS = 4
SECONDS = 1.5


@tf.function
def shared_forward(x, w, b):
    return tf.reduce_mean(tf.tanh(x @ w + b) ** 2)


def _data(seed: int):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((8, 5)).astype(np.float32), rng.standard_normal((5, 3)).astype(np.float32),
            rng.standard_normal(3).astype(np.float32))


STEPS = 12


def _step(x, w, b, compiled: bool) -> list:
    """One training step of the worker's model: its loss and gradients (first and second order),
    then plain gradient descent on its variables."""
    with tf.GradientTape() as outer:
        with tf.GradientTape() as tape:
            loss = shared_forward(x, w.read_value(), b.read_value()) if compiled else \
                tf.reduce_mean(tf.tanh(x @ w + b) ** 2)
        gw, gb = tape.gradient(loss, [w, b])
        norm = tf.reduce_sum(gw * gw)
    curvature = outer.gradient(norm, w)
    w.assign_sub(0.1 * gw)
    b.assign_sub(0.1 * gb)
    return [loss.numpy(), gw.numpy(), gb.numpy(), curvature.numpy()]


def _train(data, model) -> list:
    """A short run from the initial weights, steps alternating eager and compiled: every step's numbers."""
    x, w, b = model
    w.assign(data[1])
    b.assign(data[2])
    return [_step(x, w, b, compiled=i % 2 == 1) for i in range(STEPS)]


def _run_workers(target, n: int = N_THREADS) -> list:
    errors: list = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as e:  # reported by the test, with the thread it came from
            errors.append((i, e))

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


def test_threads_train_their_own_models_as_one_thread_would():
    data = [_data(i) for i in range(N_THREADS)]
    models = [(tf.constant(x), tf.Variable(w), tf.Variable(b)) for x, w, b in data]
    expected = [_train(d, m) for d, m in zip(data, models)]
    runs = [0] * N_THREADS
    mismatches: list = []

    def work(i: int) -> None:
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            got = _train(data[i], models[i])
            for step, (g, e) in enumerate(zip(got, expected[i])):
                if not all(np.allclose(a, b, rtol=1e-6, atol=0) for a, b in zip(g, e)):
                    mismatches.append((i, step))
            runs[i] += 1

    errors = _run_workers(work)
    assert not errors, errors
    assert not mismatches, mismatches[:5]
    assert min(runs) > 0


def test_a_py_function_in_one_thread_does_not_pause_another_thread_s_tape():
    inside, release = threading.Event(), threading.Event()

    def slow(x):
        inside.set()
        release.wait(10)
        return x

    def run_py_function() -> None:
        tf.py_function(slow, [tf.constant(1.0)], tf.float32)

    other = threading.Thread(target=run_py_function)
    x = tf.constant(3.0)
    try:
        with tf.GradientTape() as tape:
            tape.watch(x)
            other.start()
            assert inside.wait(10)
            y = x * x  # computed while the other thread's py_function runs
        assert float(tape.gradient(y, x)) == 6.0
    finally:
        release.set()
        other.join(10)


def test_threads_calling_a_new_function_together_trace_it_once():
    traced = []

    @tf.function
    def f(x):
        traced.append(threading.get_ident())
        time.sleep(0.05)  # a slow trace: the other threads arrive while it runs
        return x * 2.0

    barrier = threading.Barrier(N_THREADS)
    results = [None] * N_THREADS

    def work(i: int) -> None:
        barrier.wait()
        results[i] = float(f(tf.constant(float(i))))

    errors = _run_workers(work)
    assert not errors, errors
    assert len(traced) == 1 and f.experimental_get_tracing_count() == 1
    assert results == [2.0 * i for i in range(N_THREADS)]


def test_name_scopes_are_per_thread():
    entered, release = threading.Event(), threading.Event()

    def inside_a_scope() -> None:
        with tf.name_scope("worker"):
            entered.set()
            release.wait(10)

    other = threading.Thread(target=inside_a_scope)
    other.start()
    try:
        assert entered.wait(10)
        assert tf.Variable(1.0, name="v").name == "v:0"
    finally:
        release.set()
        other.join(10)


@pytest.mark.parametrize("trace_in_thread", [False, True])
def test_a_function_traced_in_one_thread_runs_in_another(trace_in_thread):
    v = tf.Variable(2.0)

    @tf.function
    def scale(x):
        return x * v

    if not trace_in_thread:
        scale(tf.constant(1.0))
    out = []
    errors = _run_workers(lambda i: out.append(float(scale(tf.constant(3.0)))), n=2)
    assert not errors and out == [6.0, 6.0]
