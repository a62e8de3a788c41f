"""tf.py_function and tf.numpy_function: Python run on every call, TF's conversions, gradients, errors.

Expected values and error types were checked against TensorFlow 2.21.
"""

import io

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.control_flow.script_ops import numpy_function, py_function

from gradcheck import check_gradients

X = np.array([1.0, 2.0], np.float32)


# ---- eager --------------------------------------------------------------------------------------


def test_py_function_passes_eager_tensors_and_follows_tout():
    seen = []

    def double(a):
        seen.append(type(a))
        return a * 2

    y = py_function(double, [tf.constant(X)], tf.float32)
    assert type(y) is type(tf.constant(1.0)) and seen == [type(tf.constant(1.0))]
    np.testing.assert_array_equal(y.numpy(), X * 2)
    assert y.dtype == tf.float32
    for tout in ([tf.float32], (tf.float32,)):  # a list or tuple of dtypes: a list of tensors
        out = py_function(double, [X], tout)
        assert isinstance(out, list) and len(out) == 1
        np.testing.assert_array_equal(out[0].numpy(), X * 2)
    a, b = py_function(lambda t: (t, t * 3), [X], [tf.float32, tf.float32])
    np.testing.assert_array_equal(b.numpy() - a.numpy(), X * 2)
    assert py_function(lambda t: None, [X], []) == []


def test_py_function_converts_python_and_numpy_results_to_tout():
    assert py_function(lambda t: 3.0, [X], tf.float64).dtype == tf.float64
    three = py_function(lambda t: 3, [X], tf.float32)
    assert three.dtype == tf.float32 and float(three) == 3.0
    cast = py_function(lambda t: np.array([1.5, 2.5]), [X], tf.float32)  # NumPy values are cast
    assert cast.dtype == tf.float32 and cast.numpy().tolist() == [1.5, 2.5]
    # Extra results beyond Tout are dropped, as in TensorFlow.
    assert py_function(lambda t: (t, t + 1), [X], tf.float32).numpy().tolist() == [1.0, 2.0]
    # Python inputs are converted with TF's rules (float -> float32).
    assert py_function(lambda t: t.dtype == tf.float32, [3.0], tf.bool).numpy()


def test_numpy_function_eagerly_is_a_plain_call():
    seen = []

    def f(a, b):
        seen.append((type(a), a.dtype, a.shape, b.shape))
        return a * b

    y = numpy_function(f, [tf.constant(X), tf.constant(2.0)], tf.float32)
    assert seen == [(np.ndarray, np.float32, (2,), ())]
    np.testing.assert_array_equal(y.numpy(), X * 2)
    # As in TensorFlow, eagerly the results are converted as they are, whatever Tout says.
    assert numpy_function(lambda a: a.astype(np.float64), [X], tf.float32).dtype == tf.float64
    assert not isinstance(numpy_function(lambda a: a, [X], [tf.float32]), list)
    assert len(numpy_function(lambda a: (a, a), [X], [tf.float32, tf.float32])) == 2
    assert numpy_function(lambda a: None, [X], tf.float32) is None


def test_decorator_form():
    @py_function(Tout=tf.float32)
    def cube(x):
        return x**3

    @numpy_function(Tout=tf.float32)
    def square(x):
        return x * x

    assert cube(tf.constant(2.0)).numpy() == 8.0 and square(tf.constant(3.0)).numpy() == 9.0
    with pytest.raises(TypeError, match="Don't set the `inp` argument"):
        py_function(inp=[X], Tout=tf.float32)


# ---- inside tf.function -------------------------------------------------------------------------


def test_traced_py_function_runs_on_every_call():
    calls = []

    @tf.function
    def f(a):
        return py_function(lambda t: calls.append(t.numpy().tolist()) or t * 2, [a], tf.float32) + 1

    for value in ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]):
        np.testing.assert_array_equal(f(tf.constant(value)).numpy(), np.array(value) * 2 + 1)
    assert f.experimental_get_tracing_count() == 1
    # One call per run, none while tracing (as TensorFlow): the result's shape is unknown until it runs.
    assert calls == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    graph = f.get_concrete_function(tf.constant(X)).graph
    assert [eq.op.name for eq in graph.equations] == ["EagerPyFunc", "AddV2"]
    assert graph.outputs[0].shape.rank is None


def test_func_runs_as_eager_code_not_traced_into_the_graph():
    stream = io.StringIO()

    def shout(t):
        tf.print("called", output_stream=stream)  # eager inside func: prints now, adds no equation
        return t

    f = tf.function(lambda a: py_function(shout, [a], tf.float32))
    f(tf.constant(X))
    f(tf.constant(X))
    assert stream.getvalue() == "called\n" * 2  # once per call, not while tracing
    assert [eq.op.name for eq in f.get_concrete_function(tf.constant(X)).graph.equations] == ["EagerPyFunc"]


def test_traced_script_ops_keep_their_effects_even_unused():
    calls = []

    @tf.function
    def f(a):
        py_function(lambda t: calls.append("py"), [a], [])
        numpy_function(lambda t: calls.append("np") or t, [tf.constant(1.0)], tf.float32)
        numpy_function(lambda t: t, [a], tf.float32, stateful=False)  # pure and unused: dropped
        return a

    f(tf.constant(X))
    f(tf.constant(X))
    assert calls == ["py", "np"] * 2  # each call runs both, in order; tracing runs neither
    names = [eq.op.name for eq in f.get_concrete_function(tf.constant(X)).graph.equations]
    assert names == ["EagerPyFunc", "PyFunc"]


def test_traced_numpy_function_receives_arrays_and_must_return_tout_exactly():
    seen = []

    @tf.function
    def f(a):
        return numpy_function(lambda t: seen.append(type(t)) or t * 2, [a], tf.float32)

    np.testing.assert_array_equal(f(tf.constant(X)).numpy(), X * 2)
    assert seen == [np.ndarray]

    @tf.function
    def python_float(a):
        return numpy_function(lambda t: 3.0, [a], tf.float32)

    with pytest.raises(tf.errors.InvalidArgumentError, match="0-th value returned .* float64, but expects"):
        python_float(tf.constant(X))

    @tf.function
    def too_many(a):
        return numpy_function(lambda t: (t, t), [a], tf.float32)

    with pytest.raises(tf.errors.InvalidArgumentError, match="returns 2 values, but expects to see 1 values"):
        too_many(tf.constant(X))


def test_traced_result_shape_is_known_when_it_runs():
    @tf.function
    def f(n):
        r = py_function(lambda k: tf.range(k), [n], tf.int32)
        assert r.shape.rank is None  # TensorFlow's `<unknown>`
        total = tf.reduce_sum(r)
        r.set_shape([None])
        return r * 2, total, tf.shape(r)

    for n in (3, 5):
        doubled, total, shape = f(tf.constant(n))
        assert doubled.numpy().tolist() == list(range(0, 2 * n, 2)) and int(total) == n * (n - 1) // 2
        assert shape.numpy().tolist() == [n]
    assert f.experimental_get_tracing_count() == 1

    @tf.function
    def stated(x):
        y = py_function(lambda t: t, [x], tf.float32) + tf.ones([2])
        assert y.shape.rank is None  # ([2] + y has rank 1 or more)
        y.set_shape([None, 2])
        assert y.shape.as_list() == [None, 2] and tf.reduce_sum(y, axis=1).shape.as_list() == [None]
        y.set_shape([3, 2])
        with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal, but are 2 and 3"):
            y.set_shape([3, 3])
        return y

    assert stated(tf.ones([3, 2])).numpy().tolist() == [[2.0, 2.0]] * 3


def test_traced_func_errors_raise_when_the_function_runs():
    def reciprocal(t):
        if np.any(t.numpy() == 0):
            raise ValueError("zero")
        return 1 / t

    f = tf.function(lambda a: py_function(reciprocal, [a], tf.float32))
    np.testing.assert_allclose(f(tf.constant(X)).numpy(), 1 / X)
    with pytest.raises(tf.errors.InvalidArgumentError, match="ValueError: zero"):
        f(tf.constant(np.zeros_like(X)))


# ---- gradients ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_py_function_gradients(dtype, shape):
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=shape)
    check_gradients(lambda a: py_function(lambda t: tf.sin(t) * t, [a], a.dtype), x, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_py_function_gradients_two_inputs_broadcasting_and_two_outputs(dtype):
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.5, 1.5, size=(2, 3)), rng.uniform(0.5, 1.5, size=(3,))

    def f(x, y):
        p, q = py_function(lambda s, t: (s * t, tf.exp(s) / t), [x, y], [x.dtype, x.dtype])
        return p + 2 * q

    check_gradients(f, a, b, dtype=dtype)


def test_py_function_gradient_edge_cases():
    x, v = tf.constant(X), tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y1, y2 = py_function(lambda t: (t**2, t * 3), [x], [tf.float32, tf.float32])
        scaled = py_function(lambda t, n: t * tf.cast(n, tf.float32), [x, tf.constant(3)], tf.float32)
        detached = py_function(lambda t: t.numpy() ** 2, [x], tf.float32)
        uses_variable = py_function(lambda t: t * v, [x], tf.float32)
    np.testing.assert_array_equal(tape.gradient(y1, x).numpy(), 2 * X)
    assert tape.gradient(scaled, [x, tf.constant(3)])[1] is None
    np.testing.assert_array_equal(tape.gradient(scaled, x).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(detached, x).numpy(), [0.0, 0.0])  # not tapeflow ops
    assert tape.gradient(uses_variable, v) is None  # as in TensorFlow


def test_py_function_gradient_through_and_inside_tf_function():
    calls = []

    def cube(t):
        calls.append(1)
        return t**3

    @tf.function
    def f(a):
        return py_function(cube, [a], tf.float32)

    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 3 * X**2)

    @tf.function
    def grad(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = py_function(cube, [a], tf.float32)
        return tape.gradient(y, a)

    calls.clear()
    np.testing.assert_allclose(grad(x).numpy(), 3 * X**2)
    np.testing.assert_allclose(grad(tf.constant([3.0, 4.0])).numpy(), [27.0, 48.0])
    assert len(calls) == 2 * 2  # per call the forward and the gradient (none while tracing)
    names = [eq.op.name for eq in grad.get_concrete_function(x).graph.equations]
    assert names == ["EagerPyFunc", "OnesLike", "EagerPyFunc"]  # (the seed: y's shape is known when it runs)


def test_numpy_function_has_no_gradient():
    x = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = numpy_function(lambda t: t * 2, [x], tf.float32)
    assert tape.gradient(y, x) is None

    @tf.function
    def f(a):
        with tf.GradientTape() as tape:
            tape.watch(a)
            y = numpy_function(lambda t: t * 2, [a], tf.float32)
        return tape.gradient(y, a)

    assert f(x) is None


# ---- errors -------------------------------------------------------------------------------------


class CustomError(Exception):
    pass


@pytest.mark.parametrize("raised, expected", [
    (ValueError("boom"), tf.errors.InvalidArgumentError),
    (TypeError("boom"), tf.errors.InvalidArgumentError),
    (StopIteration("boom"), tf.errors.OutOfRangeError),
    (MemoryError("boom"), tf.errors.ResourceExhaustedError),
    (NotImplementedError("boom"), tf.errors.UnimplementedError),
    (KeyError("boom"), tf.errors.UnknownError),
    (CustomError("boom"), tf.errors.UnknownError),
])
def test_exceptions_from_func_become_tf_errors(raised, expected):
    def fail(t):
        raise raised

    with pytest.raises(expected, match=f"{type(raised).__name__}: .*boom") as info:
        py_function(fail, [X], tf.float32)
    assert info.value.__cause__ is raised

    @tf.function
    def f(a):
        return numpy_function(lambda t: fail(t) if t[0] > 0 else t, [a], tf.float32)

    np.testing.assert_array_equal(f(tf.constant([-1.0, 0.0])).numpy(), [-1.0, 0.0])
    with pytest.raises(expected, match="boom"):
        f(tf.constant(X))


def test_eager_numpy_function_lets_exceptions_through():
    def fail(t):
        raise CustomError("custom")

    with pytest.raises(CustomError):
        numpy_function(fail, [X], tf.float32)


def test_results_that_do_not_match_tout():
    with pytest.raises(tf.errors.InvalidArgumentError, match="requested dtype float64"):
        py_function(lambda t: t, [X], tf.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot convert 3.5"):
        py_function(lambda t: 3.5, [X], tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="returns 1 values, but expects to see 2 values"):
        py_function(lambda t: t, [X], [tf.float32, tf.float32])
    with pytest.raises(tf.errors.InvalidArgumentError, match="returns 0 values, but expects to see 1 values"):
        py_function(lambda t: None, [X], tf.float32)


def test_bad_arguments():
    with pytest.raises(TypeError, match="Missing required argument: 'Tout'"):
        py_function(lambda t: t, [X])
    with pytest.raises(TypeError, match="Missing argument `inp`"):
        numpy_function(lambda t: t, Tout=tf.float32)
    with pytest.raises(ValueError, match="Expected func to be callable"):
        py_function(3, [X], tf.float32)
    with pytest.raises(TypeError, match="to a TensorFlow DType"):
        py_function(lambda t: (t, (t, t)), [X], [tf.float32, [tf.float32, tf.float32]])


def test_the_gradient_reruns_func_once_for_all_inputs():
    calls = []

    def product(a, b, c):
        calls.append(1)
        return a * b * c

    xs = [tf.constant(2.0), tf.constant(3.0), tf.constant(4.0)]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = py_function(product, xs, tf.float32)
    grads = tape.gradient(y, xs)
    assert [float(g) for g in grads] == [12.0, 8.0, 6.0]
    assert len(calls) == 2  # the call, and one rerun for the three gradients
