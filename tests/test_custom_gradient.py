"""tf.custom_gradient: the function's own gradient replaces what the tape would compute, eagerly,
inside tf.function, with variables, and to higher orders (grad_fn is written with tapeflow ops)."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))

    return tf.math.log(1 + e), grad


@tf.custom_gradient
def clipped_product(x, y):
    def grad(dz):
        return tf.clip_by_value(dz * y, -0.1, 0.1), tf.reduce_sum(dz * x)

    return x * y, grad


@tf.custom_gradient
def cube(x):
    def grad(dy):
        return dy * 3 * x * x

    return x * x * x, grad


def _gradient(f, *xs):
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    return y, tape.gradient(y, list(xs))


def test_the_custom_rule_replaces_the_tape_s_own():
    y, (dx,) = _gradient(log1pexp, tf.constant(100.0))
    assert float(dx) == 1.0  # the tape's own rule would give inf / inf = nan
    assert np.isinf(float(y))
    _, (da, db) = _gradient(clipped_product, tf.constant([1.0, 2.0]), tf.constant(3.0))
    np.testing.assert_allclose(da.numpy(), [0.1, 0.1])
    assert float(db) == 3.0


def test_a_correct_custom_rule_passes_the_numerical_check_to_second_order():
    check_gradients(cube, np.array([0.5, -1.5, 2.0]), order=2)
    check_gradients(lambda x: log1pexp(x * x), np.array([[0.3, -2.0], [1.0, 4.0]]), order=2)


def test_third_derivative_through_grad_fn():
    x = tf.constant(2.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = cube(x)
            first = t1.gradient(y, x)
        second = t2.gradient(first, x)
    assert [float(first), float(second), float(t3.gradient(second, x))] == [12.0, 12.0, 6.0]


def test_variables_read_inside_get_gradients_from_grad_fn():
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def scale(x):
        def grad(dy, variables=None):
            assert variables == [v]
            return dy * v, [tf.reduce_sum(dy * x) * 10]

        return x * v, grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = tf.reduce_sum(scale(x))
    dx, dv = tape.gradient(s, [x, v])
    np.testing.assert_allclose(dx.numpy(), [2.0, 2.0])
    assert float(dv) == 30.0


def test_inside_a_traced_function():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = log1pexp(x)
        return y, tape.gradient(y, x)

    assert float(f(tf.constant(100.0))[1]) == 1.0
    y, dy = f(tf.constant(0.0))
    assert abs(float(y) - np.log(2.0)) < 1e-6 and float(dy) == 0.5
    assert f.experimental_get_tracing_count() == 1

    compiled = tf.function(cube)
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = compiled(x)
    assert float(tape.gradient(y, x)) == 27.0


def test_errors_are_tensorflow_s():
    @tf.custom_gradient
    def two_gradients(x):
        return x * 2, lambda dy: (dy, dy)

    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = two_gradients(x)
    with pytest.raises(ValueError, match="expected to return 1 gradients, but returned 2 instead"):
        tape.gradient(y, x)

    v = tf.Variable(1.0)

    @tf.custom_gradient
    def uses_variable(x):
        return x * v, lambda dy: dy

    with pytest.raises(TypeError, match="must accept keyword argument 'variables'"):
        uses_variable(x)


def test_recompute_grad_gives_the_same_gradients_without_recording_the_forward_pass():
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]])

    def block(x):
        return tf.tanh(tf.matmul(x, w)) * 2.0

    x = tf.constant([[0.3, -0.7]])
    results = []
    for fn in (block, tf.recompute_grad(block)):
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.reduce_sum(fn(x) ** 2)
            recorded = len(t1._entries)
            gx, gw = t1.gradient(y, [x, w])
        results.append((recorded, gx.numpy(), gw.numpy(), t2.gradient(gx, x).numpy()))
    (plain, *expected), (recomputed, *got) = results
    assert recomputed < plain  # read, matmul, tanh, mul are not on the tape
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)

    compiled = tf.function(lambda v: tf.recompute_grad(block)(v))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(compiled(x) ** 2)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), expected[1], rtol=1e-6)


def test_grad_pass_through_is_the_identity_backward():
    y = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(y)
        z = tf.grad_pass_through(lambda a: a ** 2)(y)
    assert z.numpy() == 9.0 and tape.gradient(z, y).numpy() == 1.0
    v = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        tape.watch(y)
        z = tf.grad_pass_through(v.assign)(y * 2.0)  # assign has no gradient of its own
    assert v.numpy() == 6.0 and tape.gradient(z, y).numpy() == 2.0
