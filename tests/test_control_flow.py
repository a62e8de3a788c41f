"""tf.cond and tf.while_loop: Python control flow eagerly, one equation with subgraphs when traced."""

import io

import numpy as np
import pytest

import tapeflow as tf


def test_eager_cond_and_while_loop_are_python_control_flow():
    assert float(tf.cond(tf.constant(True), lambda: tf.constant(1.0), lambda: tf.constant(2.0))) == 1.0
    assert tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0)) == (5, 10)
    assert tf.while_loop(lambda i: i < 100, lambda i: i * 2, [1], maximum_iterations=3) == [8]
    with pytest.raises(ValueError, match="scalar bool"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)


def test_traced_cond_runs_the_branch_taken_on_every_call():
    stream = io.StringIO()

    @tf.function
    def f(x):
        def positive():
            tf.print("positive", output_stream=stream)
            return x * 2.0

        return tf.cond(x > 0, positive, lambda: -x)

    assert float(f(tf.constant(3.0))) == 6.0 and float(f(tf.constant(-4.0))) == 4.0
    assert f.experimental_get_tracing_count() == 1 and stream.getvalue() == "positive\n"
    graph = f.get_concrete_function(tf.constant(1.0)).graph
    assert [eq.op.name for eq in graph.equations] == ["Greater", "If"]


def test_traced_cond_branches_must_agree():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x, lambda: tf.constant(1))

    with pytest.raises(ValueError, match="different values"):
        f(tf.constant(1.0))


def test_traced_while_loop_is_one_equation_and_runs_effects_each_iteration():
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        def body(i, total):
            v.assign_add(1.0)
            return i + 1, total + tf.cast(i, tf.float32)

        return tf.while_loop(lambda i, total: i < n, body, (tf.constant(0), tf.constant(0.0)))

    i, total = f(tf.constant(5))
    assert int(i) == 5 and float(total) == 10.0 and float(v) == 5.0
    f(tf.constant(3))
    assert float(v) == 8.0 and f.experimental_get_tracing_count() == 1
    # v is written in the loop, so read there; the read before it only tells tapes the loop uses v
    names = [eq.op.name for eq in f.get_concrete_function(tf.constant(1)).graph.equations]
    assert names == ["ReadVariableOp", "While"]


def test_training_loop_inside_a_function():
    x = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(0.01)

    @tf.function
    def train(steps):
        def body(i):
            with tf.GradientTape() as tape:
                y = tf.pow(x, 2) - 2.0 * x + 1.0
            optimizer.apply_gradients([(tape.gradient(y, x), x)])
            return i + 1

        tf.while_loop(lambda i: i < steps, body, [tf.constant(0)])
        return tf.pow(x, 2) - 2.0 * x + 1.0

    train(tf.constant(1000))
    np.testing.assert_allclose(float(x), 1.0, atol=1e-5)
    assert int(optimizer.iterations) == 1000


def test_loop_variables_must_keep_dtype_and_shape():
    @tf.function
    def f(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 10.0, lambda v: tf.concat([v, v], 0), [x])

    with pytest.raises(ValueError, match="enters the loop with shape"):
        f(tf.constant([1.0]))


def test_gradients_through_traced_cond_to_second_order():
    @tf.function
    def f(x, y):
        return tf.cond(x > 0, lambda: x * x * y, lambda: tf.sin(x))

    for value, first, second in ((2.0, 2 * 2.0 * 3.0, 2 * 3.0), (-1.0, np.cos(-1.0), -np.sin(-1.0))):
        x, y = tf.constant(value), tf.constant(3.0)
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as tape:
                tape.watch([x, y])
                z = f(x, y)
            dx, dy = tape.gradient(z, [x, y])
        np.testing.assert_allclose([float(dx), float(outer.gradient(dx, x))], [first, second], rtol=1e-6)
        assert float(dy) == (value * value if value > 0 else 0.0)

    @tf.function
    def inside(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            z = tf.cond(x > 0, lambda: x * x, lambda: -x)
        return tape.gradient(z, x)

    assert float(inside(tf.constant(3.0))) == 6.0 and float(inside(tf.constant(-3.0))) == -1.0


def test_gradients_through_a_compiled_while_loop_from_outside():
    @tf.function
    def power(x, n):
        return tf.while_loop(lambda i, v: i < n, lambda i, v: (i + 1, v * x), (0, tf.constant(1.0)))[1]

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = power(x, tf.constant(3))  # x ** 3
        dy = tape.gradient(y, x)
    assert float(y) == 8.0 and float(dy) == 12.0 and float(outer.gradient(dy, x)) == 12.0

    @tf.function
    def inside(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * x), (0, tf.constant(1.0)))[1]
        return tape.gradient(y, x)

    assert float(inside(x)) == 12.0 and float(inside(tf.constant(3.0))) == 27.0
    assert inside.experimental_get_tracing_count() == 1


# ---- what a tape differentiates through control flow inside tf.function ------------------------


def _loop_power(x, n):
    """x ** (n + 1), with x read inside the loop body."""
    return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x), (0, tf.identity(x)))[1]


def test_gradients_reach_variables_read_inside_traced_loops_and_branches():
    x = tf.Variable(3.0)

    @tf.function
    def inside(n, p):
        with tf.GradientTape(persistent=True) as tape:
            y = _loop_power(x, n)
            z = tf.cond(p, lambda: x * x, lambda: x)
        return tape.gradient(y, x), tape.gradient(z, x)

    dy, dz = inside(tf.constant(2), tf.constant(True))
    assert float(dy) == 27.0 and float(dz) == 6.0  # d(x^3) = 3x^2, d(x^2) = 2x

    compiled = tf.function(lambda n: _loop_power(x, n))
    with tf.GradientTape() as tape:
        y = compiled(tf.constant(3))
    assert float(tape.gradient(y, x)) == 108.0  # d(x^4) = 4x^3


def test_gradients_reach_watched_constants_captured_by_traced_loops():
    c = tf.constant(3.0)

    @tf.function
    def f(n):
        with tf.GradientTape() as tape:
            tape.watch(c)
            y = _loop_power(c, n)
        return tape.gradient(y, c)

    assert float(f(tf.constant(2))) == 27.0


def test_traced_loops_still_read_variables_they_write_every_iteration():
    v, w = tf.Variable(0.0), tf.Variable(2.0)

    @tf.function
    def f(n):
        s = tf.constant(0.0)
        for _ in tf.range(n):
            v.assign_add(1.0)
            s += v * w
        return s

    assert float(f(tf.constant(3))) == 12.0  # (1 + 2 + 3) * 2
    assert float(v) == 3.0


def test_gradients_through_a_traced_loop_with_writes_replay_its_reads():
    """As in TensorFlow: each read of a variable written in the loop passes its gradient to the
    variable; the writes are not differentiated (and are not repeated by the gradient)."""
    v, x = tf.Variable(0.0), tf.Variable(2.0)

    @tf.function
    def f(n):
        with tf.GradientTape() as tape:
            s = tf.constant(0.0)
            for _ in tf.range(n):
                v.assign_add(1.0)
                s += v * x
        return tape.gradient(s, [v, x])

    gv, gx = f(tf.constant(2))
    assert (float(gv), float(gx), float(v)) == (4.0, 3.0, 2.0)  # TensorFlow's numbers
    source = f.get_concrete_function(tf.constant(2)).source
    assert source.count("WhileGrad") == 1 and "*effects = while_body" in source  # one rerun for both


def test_gradients_through_a_traced_loop_with_random_draws_use_the_same_draws():
    x = tf.Variable(2.0)

    @tf.function
    def f(n):
        with tf.GradientTape() as tape:
            y = x * 1.0
            ta = tf.TensorArray(tf.float32, size=n)
            for i in tf.range(n):
                r = tf.random.uniform([])
                ta = ta.write(i, r)
                y = y * r + x
        return y, ta.stack(), tape.gradient(y, x)

    y, r, g = f(tf.constant(3))
    r = r.numpy()
    assert np.isclose(float(g), r[0] * r[1] * r[2] + r[1] * r[2] + r[2] + 1, rtol=1e-6)
    assert np.isclose(float(g), float(y) / 2.0, rtol=1e-6)  # y is linear in x


def test_a_loop_with_effects_traced_without_a_tape_is_differentiable_when_called_under_one():
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        for _ in tf.range(3):
            v.assign_add(1.0)
            x = x * v
        return x

    x = tf.constant(2.0)
    assert float(f(x)) == 48.0  # traced with no tape recording
    v.assign(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)  # runs with its loop keeping what the assigns gave, for the gradient to replay
    assert float(y) == 48.0 and float(tape.gradient(y, x)) == 24.0 and float(v) == 4.0  # as TensorFlow


# ---- for loops over tf.range with bounds known only when the function runs ----------------------


def test_for_over_tf_range_of_traced_bounds_is_one_loop():
    @tf.function
    def total(n, x):
        s = tf.constant(0.0)
        for i in tf.range(n):
            s += tf.cast(i, tf.float32) * x
        return s

    assert float(total(tf.constant(4), tf.constant(2.0))) == 12.0
    assert float(total(tf.constant(5), tf.constant(1.0))) == 10.0
    assert total.experimental_get_tracing_count() == 1

    @tf.function
    def digits(a, b, d):
        t = tf.constant(0)
        for i in tf.range(a, b, d):
            t = t * 10 + i
            if i == 7:
                break
        return t

    assert int(digits(tf.constant(1), tf.constant(9), tf.constant(2))) == 1357
    assert int(digits(tf.constant(9), tf.constant(1), tf.constant(-3))) == 963


def test_tf_range_of_traced_bounds_is_a_tensor_of_unknown_length():
    shapes = []

    @tf.function
    def f(n, start):
        r = tf.range(start, n)
        shapes.append(r.shape.as_list())
        return r * 2, tf.range(n, start, -2)

    up, down = f(tf.constant(4), tf.constant(1))
    assert up.numpy().tolist() == [2, 4, 6] and down.numpy().tolist() == [4, 2]
    assert shapes == [[None]]
    with pytest.raises(tf.errors.InvalidArgumentError, match="Requires start <= limit when delta > 0: 5/4"):
        f(tf.constant(4), tf.constant(5))


def test_a_for_loop_over_a_traced_range_never_makes_the_range():
    @tf.function
    def f(n):
        total = tf.constant(0)
        for i in tf.range(n):
            total += i
        return total

    assert int(f(tf.constant(5))) == 10
    assert "Range" not in f.get_concrete_function(tf.constant(5)).source


def test_higher_order_gradients_through_a_loop_taken_inside_a_traced_function():
    @tf.function
    def derivatives(x, n):
        with tf.GradientTape() as t3:
            t3.watch(x)
            with tf.GradientTape() as t2:
                t2.watch(x)
                with tf.GradientTape() as t1:
                    t1.watch(x)
                    y = _loop_power(x, n)
                first = t1.gradient(y, x)
            second = t2.gradient(first, x)
        return first, second, t3.gradient(second, x)

    assert [float(d) for d in derivatives(tf.constant(3.0), tf.constant(2))] == [27.0, 18.0, 6.0]
    assert [float(d) for d in derivatives(tf.constant(2.0), tf.constant(3))] == [32.0, 48.0, 48.0]

    v = tf.Variable(2.0)

    @tf.function
    def of_variable(n):
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = tf.constant(1.0)
                for _ in tf.range(n):
                    y = y * v * v
            first = t1.gradient(y, v)
        return first, t2.gradient(first, v)

    assert [float(d) for d in of_variable(tf.constant(2))] == [32.0, 48.0]  # v^4


def test_shape_invariants_let_loop_variables_change_shape():
    shapes = []

    @tf.function
    def f(n):
        i, x = tf.constant(0), tf.constant([0.0])
        def body(i, x):
            return i + 1, tf.concat([x, [tf.cast(i, tf.float32)]], 0)

        invariants = [i.shape, tf.TensorShape([None])]
        i, x = tf.while_loop(lambda i, x: i < n, body, [i, x], shape_invariants=invariants)
        shapes.append(x.shape.as_list())
        return x

    np.testing.assert_array_equal(f(tf.constant(3)).numpy(), [0.0, 0.0, 1.0, 2.0])
    np.testing.assert_array_equal(f(tf.constant(1)).numpy(), [0.0, 0.0])
    assert shapes == [[None]]


def test_loop_variables_that_change_shape_need_an_invariant_that_fits():
    def grow(invariant=None):
        @tf.function
        def f(n):
            x = tf.constant([0.0])
            return tf.while_loop(lambda x: tf.size(x) < n, lambda x: [tf.concat([x, x], 0)], [x],
                                 shape_invariants=invariant)

        return f(tf.constant(3))

    with pytest.raises(ValueError, match=r"enters the loop with shape \(1,\), but has shape \(2,\) after one "
                                         r"iteration.*shape_invariants"):
        grow()
    with pytest.raises(ValueError, match=r"not compatible with the initial shape.*\(2,\)"):
        grow([tf.TensorShape([2])])
    np.testing.assert_array_equal(grow([tf.TensorShape([None])])[0].numpy(), [0.0] * 4)


def test_gradients_through_a_loop_whose_variable_grows():
    @tf.function
    def f(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            (y,) = tf.while_loop(lambda y: tf.size(y) < n, lambda y: [tf.concat([y, y * 2.0], 0)], [x],
                                 shape_invariants=[tf.TensorShape([None])])
            s = tf.reduce_sum(y)
        return y, tape.gradient(s, x)

    y, g = f(tf.constant([1.0]), tf.constant(5))
    np.testing.assert_array_equal(y.numpy(), [1, 2, 2, 4, 2, 4, 4, 8])
    np.testing.assert_array_equal(g.numpy(), [27.0])


def test_cond_branches_of_different_shapes_give_a_less_specific_shape():
    shapes = []

    @tf.function
    def f(p):
        y = tf.cond(p, lambda: tf.ones([2]), lambda: tf.zeros([3]))
        shapes.append(y.shape.as_list())
        return y

    assert f(tf.constant(True)).numpy().tolist() == [1.0, 1.0]
    assert f(tf.constant(False)).numpy().tolist() == [0.0, 0.0, 0.0]
    assert shapes == [[None]]
    with pytest.raises(ValueError, match="different values"):
        tf.function(lambda p: tf.cond(p, lambda: tf.ones([2]), lambda: tf.ones([2, 1])))(tf.constant(True))


def test_gradients_through_a_cond_whose_branch_writes_do_not_write_again():
    """A regression: the gradient reran the branch taken, assigning the variable a second time."""
    v = tf.Variable(1.0)

    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0, lambda: x * v.assign_add(1.0), lambda: x)
        return tape.gradient(y, x)

    assert (float(f(tf.constant(2.0))), float(v)) == (2.0, 2.0)  # TensorFlow's numbers
    w = tf.Variable(1.0)
    g = tf.function(lambda x: tf.cond(x > 0, lambda: x * w.assign_add(1.0), lambda: x))
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = g(x)
    assert (float(tape.gradient(y, x)), float(w)) == (2.0, 2.0)


def test_gradients_through_a_random_branch_use_the_same_draw():
    @tf.function
    def f(x, training):
        with tf.GradientTape() as tape:
            tape.watch(x)
            dropped = tf.cond(training, lambda: x * tf.cast(tf.random.uniform([100]) > 0.5, tf.float32),
                              lambda: x)
            y = tf.reduce_sum(dropped)
        return dropped, tape.gradient(y, x)

    dropped, g = f(tf.ones([100]), tf.constant(True))
    assert 0 < dropped.numpy().sum() < 100
    np.testing.assert_array_equal(g.numpy(), dropped.numpy())  # x is ones: the gradient is the mask drawn


def test_a_cond_with_effects_traced_without_a_tape_is_differentiable_when_called_under_one():
    v = tf.Variable(1.0)
    f = tf.function(lambda x: tf.cond(x > 0, lambda: x * v.assign_add(1.0), lambda: x))
    x = tf.constant(2.0)
    assert float(f(x)) == 4.0  # traced with no tape recording
    v.assign(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    # TensorFlow's numbers: v is assigned once
    assert (float(y), float(tape.gradient(y, x)), float(v)) == (4.0, 2.0, 2.0)


def test_a_compiled_function_called_under_tapes_watches_the_variables_it_reads_each_time():
    w = tf.Variable(3.0)
    h = tf.function(lambda x: x * w)

    @tf.function
    def g(x, n):
        i = tf.constant(0)
        while i < n:
            x = tf.sin(x) * w
            i += 1
        return x

    x = tf.constant(2.0)
    for _ in range(2):  # traced under the first tape, run from the cache under the second
        with tf.GradientTape() as tape:
            y = h(x)
        assert tape.watched_variables() == (w,) and float(tape.gradient(y, w)) == 2.0
    g(x, tf.constant(4))  # traced with no tape
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = g(x, tf.constant(4))
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose([float(gx), float(gw)], [-10.384403, 4.0356135], rtol=1e-5)  # TF 2.21's


def test_a_graph_prints_its_control_flow_readably():
    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x * 2.0, lambda: -x)

    text = str(f.get_concrete_function(tf.constant(1.0)).graph)
    assert "true_graph=cond_true, false_graph=cond_false" in text
    assert "\n  graph cond_true(" in text and "\n    v2 = Mul(v1, const(2.0))" in text
    assert "<function" not in text and "object at" not in text


def test_compiled_reverse_sweep_matches_eager_gradients():
    """A traced loop without effects is differentiated by its body's compiled vector-Jacobian
    product run backwards over the saved states; it must agree with eager differentiation."""
    table = tf.constant(np.linspace(-1.0, 1.0, 12).reshape(4, 3).astype(np.float32))

    def f(x, w, n):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            i, y = tf.constant(0), x
            while i < n:  # AutoGraph: a tf.while_loop, with captured w and table (a gather)
                y = tf.tanh(y * w + tf.gather(table, i % 4)) + tf.cast(i, tf.float32) * 0.1
                i += 1
            s = tf.reduce_sum(y * y)
        return tape.gradient(s, [x, w])

    x, w = tf.constant([0.5, -0.3, 0.8]), tf.constant([1.1, 0.9, -0.7])
    eager = f(x, w, tf.constant(7))
    compiled = tf.function(f, input_signature=[tf.TensorSpec([None]), tf.TensorSpec([3]),
                                               tf.TensorSpec([], tf.int32)])(x, w, tf.constant(7))
    for a, b in zip(compiled, eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_gradients_through_a_loop_that_only_writes_do_not_write_again():
    """A regression: a loop body that writes a variable without reading it recorded nothing, and its
    gradient reran the writes (leaving the variable at the first iteration's value)."""
    w = tf.Variable(0.0)

    @tf.function
    def f(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            for i in tf.range(n):
                w.assign(tf.cast(i, tf.float32) + 1.0)
                y = y * x
        return y, tape.gradient(y, x)

    y, g = f(tf.constant(2.0), tf.constant(3))
    assert (float(y), float(g), float(w)) == (16.0, 32.0, 3.0)
