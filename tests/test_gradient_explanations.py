"""Why is my gradient None? Each cause gives its reason and the line where the path broke.

Lines are found by the `# <- name` markers in this file, so the assertions check the very line the
explanation must point at.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.core import state
from tapeflow.core.tensor import Tensor

_SOURCE = Path(__file__).read_text().splitlines()


def line(marker: str) -> str:
    """`this file:line` of the line that ends with `# <- marker`."""
    (number,) = [i + 1 for i, text in enumerate(_SOURCE) if text.rstrip().endswith(f"# <- {marker}")]
    return f"{__file__}:{number}"


@pytest.fixture(autouse=True)
def explanations():
    tf.debugging.enable_gradient_explanations()
    yield
    tf.debugging.disable_gradient_explanations()


def explained(compute) -> list[str]:
    """The MissingGradientWarning messages `compute()` raises."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compute()
    return [str(w.message) for w in caught if w.category is tf.debugging.MissingGradientWarning]


def test_an_unwatched_constant():
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * x
    (message,) = explained(lambda: tape.gradient(y, x))
    assert "source 0 (a tf.Tensor of float32[])" in message
    assert "the tape never watched" in message and "tape.watch(x)" in message


def test_a_variable_that_is_not_trainable_or_not_watched():
    w = tf.Variable(1.0, trainable=False, name="frozen")
    with tf.GradientTape() as tape:
        y = w * 2.0
    (message,) = explained(lambda: tape.gradient(y, w))
    assert "variable 'frozen:0'" in message and "not trainable" in message
    v = tf.Variable(1.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = v * 2.0
    (message,) = explained(lambda: tape.gradient(y, v))
    assert "watch_accessed_variables=False" in message


def test_an_integer_cast_a_comparison_and_an_op_without_gradient_are_named_with_their_line():
    v = tf.Variable(2.7)
    with tf.GradientTape(persistent=True) as tape:
        rounded = tf.cast(tf.cast(v, tf.int32), tf.float32)  # <- cast
        compared = tf.cast(v > 1.0, tf.float32)  # <- compare
        picked = tf.cast(tf.argmax(tf.stack([v, 2.0 * v])), tf.float32)  # <- argmax
        stopped = tf.stop_gradient(v) * 3.0  # <- stop
    (cast,) = explained(lambda: tape.gradient(rounded, v))
    assert f"runs through Cast, whose result is int32 (at {line('cast')})" in cast
    (compare,) = explained(lambda: tape.gradient(compared, v))
    assert f"runs through Greater, which has no gradient (at {line('compare')})" in compare
    (argmax,) = explained(lambda: tape.gradient(picked, v))
    assert f"runs through ArgMax, which has no gradient (at {line('argmax')})" in argmax
    (stop,) = explained(lambda: tape.gradient(stopped, v))
    assert f"runs through StopGradient, which has no gradient (at {line('stop')})" in stop


def test_an_index_input_has_no_gradient():
    v = tf.Variable(1.0)
    table = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.gather(table, tf.cast(v, tf.int32))  # <- index
    (message,) = explained(lambda: tape.gradient(y, v))
    assert f"Cast, whose result is int32 (at {line('index')})" in message


def test_values_that_left_for_numpy():
    v = tf.Variable(2.0)
    x = tf.constant(1.5)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        doubled = x * 2.0
        through_numpy = tf.constant(doubled.numpy()) * v  # <- numpy
        through_ufunc = tf.constant(np.sin(x * 1.0)) * v  # <- asarray
        from_variable = tf.constant(v.numpy()) * 2.0  # <- variable
    (message,) = explained(lambda: tape.gradient(through_numpy, x))
    assert f"left the tape for NumPy (.numpy(), np.asarray or float) at {line('numpy')}" in message
    (message,) = explained(lambda: tape.gradient(through_ufunc, x))
    assert f"at {line('asarray')}" in message
    (message,) = explained(lambda: tape.gradient(from_variable, v))
    assert f"left the tape for NumPy (.numpy(), np.asarray or float) at {line('variable')}" in message


def test_a_target_computed_off_the_tape():
    v = tf.Variable(2.0)
    before = v * 2.0  # <- before
    with tf.GradientTape() as tape:
        pass
    (message,) = explained(lambda: tape.gradient(before, v))
    assert "the target was computed while this tape was not recording" in message
    assert f"(at {line('before')})" in message
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            paused = v * 3.0  # <- paused
    (message,) = explained(lambda: tape.gradient(paused, v))
    assert f"under stop_recording) (at {line('paused')})" in message


def test_a_variable_replaced_by_a_tensor():
    v = tf.Variable(5.0)
    v = v + 1.0  # <- reassigned
    with tf.GradientTape() as tape:
        y = v * 2.0
    (message,) = explained(lambda: tape.gradient(y, v))
    assert f"made by AddV2 at {line('reassigned')}" in message
    assert "computed from a variable" in message and "v.assign_add" in message


def test_a_source_the_target_never_used():
    v, u = tf.Variable(1.0), tf.Variable(2.0)
    x = tf.constant(1.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = v * 3.0
        unused = x * 2.0
    (message,) = explained(lambda: tape.gradient(y, u))
    assert "the tape never saw it read: the target does not depend on it" in message
    (message,) = explained(lambda: tape.gradient(y, x))
    assert "the target does not depend on it" in message
    del unused


def test_integer_sources_have_no_gradient():
    i = tf.constant(3)
    with tf.GradientTape() as tape:
        tape.watch(tf.constant(1.0))
        y = tf.cast(i, tf.float32)
    (message,) = explained(lambda: tape.gradient(y, i))
    assert "it is int32: only floating-point and complex values have gradients" in message


def test_inside_a_tf_function():
    v = tf.Variable(2.0)
    found = []

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            y = tf.cast(tf.cast(v * x, tf.int32), tf.float32)  # <- traced
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = tape.gradient(y, v)
        found.extend(str(w.message) for w in caught)
        return g

    assert step(tf.constant(1.0)) is None
    (message,) = found
    assert f"runs through Cast, whose result is int32 (at {line('traced')})" in message


def test_a_numpy_function_inside_a_tf_function_has_no_gradient():
    v = tf.Variable(2.0)
    found = []

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = tf.numpy_function(lambda a: a * 2, [v * 1.0], tf.float32)  # <- numpy_function
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            g = tape.gradient(y, v)
        found.extend(str(w.message) for w in caught)
        return g

    step()
    (message,) = found
    assert f"runs through PyFunc, which has no gradient (at {line('numpy_function')})" in message


def test_nested_tapes_explain_the_outer_gradient():
    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
        dy = inner.gradient(y, x)
        flat = tf.round(dy)  # <- round
    (message,) = explained(lambda: outer.gradient(flat, x))
    assert f"Round, which has no gradient (at {line('round')})" in message


def test_jacobians_explain_their_nones():
    x, u = tf.constant([1.0, 2.0]), tf.Variable([3.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
    (message,) = explained(lambda: tape.jacobian(y, u))
    assert "variable" in message and "never saw it read" in message
    z = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(z)
        w = tf.stop_gradient(z) * 2.0  # <- batch
    (message,) = explained(lambda: tape.batch_jacobian(w, z))
    assert f"StopGradient, which has no gradient (at {line('batch')})" in message


def test_zeros_asked_for_are_not_explained():
    v, u = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
    assert explained(lambda: tape.gradient(y, u, unconnected_gradients="zero")) == []


def test_the_keras_optimizers_say_why_each_gradient_is_missing():
    w, b = tf.Variable(1.0, name="w"), tf.Variable(0.0, name="b")
    opt = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
        loss = tf.constant(w.numpy()) * 2.0 + b  # <- keras
    grads = []
    assert len(explained(lambda: grads.extend(tape.gradient(loss, [w, b])))) == 1
    with pytest.warns(UserWarning, match=re.escape(f"w:0: the tape never saw it read, but its value left "
                                                   f"for NumPy (.numpy(), np.asarray or float) at "
                                                   f"{line('keras')}")):
        opt.apply_gradients(zip(grads, [w, b]))
    with pytest.raises(ValueError, match=r"No gradients provided for any variable.*\n  w:0: the tape"):
        opt.apply_gradients([(None, w)])


def test_off_it_is_silent_free_and_says_how_to_turn_it_on():
    tf.debugging.disable_gradient_explanations()
    assert not state.current().tapes and not state.ACTIVE
    assert not hasattr(Tensor.numpy, "__wrapped__")
    v, u = tf.Variable(1.0), tf.Variable(2.0, name="u")
    with tf.GradientTape() as tape:
        y = v * 2.0
    assert explained(lambda: tape.gradient(y, u)) == []
    with pytest.raises(ValueError, match=r"enable_gradient_explanations\(\)"):
        tf.keras.optimizers.SGD(0.1).apply_gradients([(None, u)])


def test_threads_started_later_are_explained_too():
    import threading

    messages = []

    def work():
        v, u = tf.Variable(1.0), tf.Variable(2.0)
        with tf.GradientTape() as tape:
            y = tf.cast(tf.cast(v, tf.int32), tf.float32)  # <- thread
        messages.extend(explained(lambda: tape.gradient(y, v)))
        del u

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    (message,) = messages
    assert f"(at {line('thread')})" in message


def test_keras_fit_says_why_a_layer_gets_no_gradient():
    class Truncate(tf.keras.layers.Layer):
        def call(self, x):
            return tf.cast(tf.cast(x, tf.int32), tf.float32)  # <- fit

    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,)), Truncate(),
                                 tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), np.float32), np.ones((8, 1), np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=1, verbose=0)
    messages = [str(w.message) for w in caught]
    (missing,) = [m for m in messages if m.startswith("Gradients do not exist for variables")]
    assert f"runs through Cast, whose result is int32 (at {line('fit')})" in missing
    assert "dense/kernel:0" in missing and "dense_1/kernel:0" not in missing.split("\n")[0]
