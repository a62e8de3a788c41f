"""GradientTape: TensorFlow's API and semantics, nesting to third order, memory release."""

import gc
import weakref

import numpy as np
import pytest

import tapeflow as tf


def test_seed_tutorial_derivatives():
    x = tf.Variable(0.0, name="x", dtype=tf.float32)
    a, b, c = tf.constant(1.0), tf.constant(-2.0), tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch([a, b, c])
        y = a * tf.pow(x, 2) + b * x + c
    dy_dx, dy_da, dy_db, dy_dc = tape.gradient(y, [x, a, b, c])
    assert str(dy_dx) == "tf.Tensor(-2.0, shape=(), dtype=float32)"
    assert (float(dy_da), float(dy_db), float(dy_dc)) == (0.0, 0.0, 1.0)


def test_nested_tapes_give_second_and_third_derivatives():
    x = tf.Variable(1.5)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = tf.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    v = 1.5
    assert float(d1) == pytest.approx(np.cos(v) * v + np.sin(v), rel=1e-6)
    assert float(d2) == pytest.approx(-np.sin(v) * v + 2 * np.cos(v), rel=1e-6)
    assert float(d3) == pytest.approx(-np.cos(v) * v - 3 * np.sin(v), rel=1e-5)


def test_mixed_partials_and_no_perturbation_confusion():
    x, y = tf.constant(2.0), tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(y)
        with tf.GradientTape() as inner:
            inner.watch(x)
            z = x * x * y
        dz_dx = inner.gradient(z, x)  # 2xy
    assert float(dz_dx) == 12.0 and float(outer.gradient(dz_dx, y)) == 4.0  # d(2xy)/dy = 2x
    # Siskind & Pearlmutter: d/dx [x * d/dy (x + y)] at x=1 is 1, not 2
    x = tf.constant(1.0)
    with tf.GradientTape() as tx:
        tx.watch(x)
        y = tf.constant(1.0)
        with tf.GradientTape() as ty:
            ty.watch(y)
            s = x + y
        inner_derivative = ty.gradient(s, y)
        out = x * inner_derivative
    assert float(tx.gradient(out, x)) == 1.0


def test_persistent_tape_and_second_call_error():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y, z = x * x, x * x * x
    assert float(tape.gradient(y, x)) == 6.0 and float(tape.gradient(z, x)) == 27.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used to compute one set"):
        tape.gradient(y, x)


def test_gradient_inside_context():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:  # non-persistent: stops recording, no warning
        tape.watch(x)
        y = x * x
        assert float(tape.gradient(y, x)) == 6.0
    with tf.GradientTape(persistent=True) as tape:  # persistent: records its own gradient, warns
        tape.watch(x)
        y = x * x
        with pytest.warns(UserWarning, match="persistent tape inside its context"):
            g = tape.gradient(y, x)
    assert float(tape.gradient(g, x)) == 2.0


def test_structures_and_unconnected_sources():
    x, w = tf.Variable(2.0), tf.Variable([1.0, 2.0])
    unused = tf.Variable(5.0)
    with tf.GradientTape() as tape:
        y = [x * x, tf.reduce_sum(w * x)]  # a list target is summed
    grads = tape.gradient(y, {"x": x, "params": (w, [unused])})
    assert float(grads["x"]) == 4.0 + 3.0
    assert grads["params"][0].numpy().tolist() == [2.0, 2.0] and grads["params"][1] == [None]
    with tf.GradientTape() as tape:
        y = x * x
    zero = tape.gradient(y, unused, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zero.numpy() == 0.0 and zero.dtype == tf.float32
    with tf.GradientTape() as tape:
        y = x * x
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="bogus")


def test_output_gradients_weight_the_targets():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x, output_gradients=tf.constant([10.0, 1.0])).numpy().tolist() == [20.0, 4.0]


def test_watch_rules():
    with tf.GradientTape() as tape:
        with pytest.raises(ValueError, match="Passed in object 1.0 of type 'float'"):
            tape.watch(1.0)
        i = tf.constant(1)
        with pytest.warns(UserWarning, match="must be floating"):
            tape.watch(i)
        y = i * 2
    assert tape.gradient(y, i) is None


def test_variables_watched_automatically_only_when_trainable():
    trainable, frozen = tf.Variable(2.0), tf.Variable(3.0, trainable=False)
    with tf.GradientTape() as tape:
        y = trainable * frozen
    assert tape.gradient(y, [trainable, frozen])[1] is None
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = trainable * trainable
    assert tape.gradient(y, trainable) is None
    created_first, created_second = tf.Variable(1.0), tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = created_second * created_first
    watched = tape.watched_variables()  # in creation order, as TensorFlow lists them
    assert len(watched) == 2 and watched[0] is created_first and watched[1] is created_second


def test_integer_paths_and_stop_gradient_cut_the_gradient():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stop_gradient(x) * x + tf.cast(tf.cast(x, tf.int32), tf.float32)
    assert float(tape.gradient(y, x)) == 2.0


def test_stop_recording_and_reset():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            hidden = x * x
        y = x * 3.0
    assert float(tape.gradient(y, x)) == 3.0
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        y = x * 5.0
    assert float(tape.gradient(y, x)) == 5.0 and float(hidden) == 4.0
    with pytest.raises(RuntimeError, match="not recording"):
        with tape.stop_recording():
            pass
    with pytest.raises(TypeError, match="received None"):
        tf.GradientTape().gradient(None, x)


def test_reentering_an_active_tape_fails():
    tape = tf.GradientTape()
    with tape:
        with pytest.raises(ValueError, match="Tape is still recording"):
            with tape:
                pass


def test_jacobian_and_batch_jacobian():
    x = tf.constant([1.0, 2.0])
    w = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.matmul(w, tf.reshape(x, [2, 1]))[:, 0] * x
    jacobian = tape.jacobian(y, x)
    expected = np.diag(w.numpy() @ x.numpy()) + w.numpy() * x.numpy()[:, None]
    np.testing.assert_allclose(jacobian.numpy(), expected)
    assert tape.jacobian(y, w).shape == (2, 2, 2)
    batch = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(batch)
        out = batch * batch
    bj = tape.batch_jacobian(out, batch)
    assert bj.shape == (3, 2, 2)
    np.testing.assert_allclose(bj.numpy()[2], np.diag([10.0, 12.0]))


def test_nested_jacobian_is_a_hessian():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(x * x * x)
        g = inner.gradient(y, x)
    np.testing.assert_allclose(outer.jacobian(g, x).numpy(), np.diag([6.0, 12.0]))


def test_tape_frees_what_it_recorded():
    x = tf.constant(np.ones(1000, np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        hidden = tf.sin(x)
        y = tf.reduce_sum(hidden * hidden)
    ref = weakref.ref(hidden)
    del hidden
    gc.collect()
    assert ref() is not None  # kept for the backward pass
    tape.gradient(y, x)
    del y
    gc.collect()
    assert ref() is None  # released after a non-persistent gradient
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        hidden = tf.exp(x)
    ref = weakref.ref(hidden)
    del tape, hidden
    gc.collect()
    assert ref() is None  # nothing outlives the tape


def test_no_reference_cycles_keep_values_alive():
    """Everything a step allocates is freed by reference counting alone (cycles would wait for the
    garbage collector, and large arrays freed in bursts make the allocator return and re-fault pages)."""
    gc.collect()
    gc.disable()
    try:
        w = tf.Variable(np.ones((3, 2), np.float32))
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.nn.relu(tf.constant(np.ones((4, 3), np.float32)) @ w))
        grads = tape.gradient(y, {"w": [w]})
        ref = weakref.ref(grads["w"][0])
        del grads, tape, y
        assert ref() is None
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        assert gc.garbage == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_a_target_that_is_a_source_gets_its_seed_watched_or_not_as_in_tensorflow():
    x, v, i = tf.constant(3.0), tf.Variable(2.0), tf.constant(3)
    with tf.GradientTape() as tape:
        pass
    assert [float(g) for g in tape.gradient([v, x], [v, x])] == [1.0, 1.0]
    with tf.GradientTape() as tape:
        y = v * 2.0
    assert float(tape.gradient([y, v], v)) == 3.0
    with tf.GradientTape() as tape:
        pass
    assert float(tape.gradient(v, v, output_gradients=tf.constant(5.0))) == 5.0
    with tf.GradientTape() as tape:
        pass
    g = tape.gradient(i, i)  # TensorFlow's: even an integer one
    assert g.dtype == tf.int32 and int(g) == 1
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * 2.0
    dx, dy = tape.gradient(x, [x, y])
    assert float(dx) == 1.0 and dy is None


def test_a_spent_tape_still_reports_the_variables_it_watched():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
    tape.gradient(y, v)
    assert tape.watched_variables() == (v,)
    with pytest.raises(ValueError, match="Tape is not recording."):
        tape.reset()  # (outside its context, as TensorFlow)
    with tf.GradientTape(persistent=True) as tape:
        y = v * 2.0
        tape.reset()
        assert tape.watched_variables() == ()
        z = v * 3.0
    assert tape.gradient(y, v) is None and float(tape.gradient(z, v)) == 3.0
