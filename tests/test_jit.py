"""tf.function(jit_compile=True) through Numba: the same values and effects as the Python
code, bit for bit where the operations are the same; ops with no lowering run in Python between
native segments, and the warning names them once. Numba compiles are slow (~0.3 s each), so the
programs here are few and small."""

import linecache
import re
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tapeflow as tf
from op_programs import programs
from tapeflow import jit
from tapeflow.jit import compiler
from test_function_properties import make_program, statement, with_gradient, with_variable

needs_numba = pytest.mark.skipif(
    not jit.available(), reason="Numba is not installed (pip install tapeflow[jit]): jit_compile not tested")


@pytest.fixture(autouse=True)
def _fresh(tmp_path, monkeypatch):
    """A cache folder of the test's own, and warnings not yet given."""
    monkeypatch.setenv("TAPEFLOW_JIT_CACHE", str(tmp_path))
    monkeypatch.setattr(compiler, "_warned", set())


def jitted_source(function, *args) -> str:
    return function.get_concrete_function(*args).source


def tutorial(jit_compile: bool):
    x = tf.Variable(0.0, name="x", dtype=tf.float32)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

    @tf.function(jit_compile=jit_compile)
    def minimizef():
        a, b, c = tf.constant(1.0), tf.constant(-2.0), tf.constant(1.0)
        for _ in tf.range(1000):
            with tf.GradientTape() as tape:
                y = a * tf.pow(x, 2) + b * x + c
            optimizer.apply_gradients(grads_and_vars=[(tape.gradient(y, x), x)])
        return a * tf.pow(x, 2) + b * x + c

    return x, optimizer, minimizef


@needs_numba
def test_the_tutorial_loop_runs_natively_bit_for_bit():
    results = []
    for jit_compile in (False, True):
        x, optimizer, minimizef = tutorial(jit_compile)
        values = [minimizef().numpy() for _ in range(2)]
        results.append((values, x.numpy(), optimizer.iterations.numpy()))
    (python_values, python_x, python_steps), (values, x, steps) = results
    assert [v.tobytes() for v in values] == [v.tobytes() for v in python_values]
    assert x.tobytes() == python_x.tobytes() and x.dtype == np.float32
    assert steps == python_steps == 2000 and steps.dtype == np.int64
    source = jitted_source(minimizef)
    assert "while True:" in source and "# v" in source and "float32[]" in source


@needs_numba
def test_elementwise_ops_match_the_python_code_bit_for_bit():
    """One function, many exactly rounded ops (on arrays: fused; on scalars: statements)."""

    def ops(x, y, s):
        chain = tf.maximum(x * y + x / (tf.abs(y) + 1.0) - tf.sqrt(tf.abs(x)), -y) * s
        return (chain, tf.square(x) - y, tf.minimum(x, y), tf.cast(x < y, tf.float32) + tf.floor(x),
                tf.negative(s) * s + 3.0, x > s)

    rng = np.random.default_rng(0)
    args = [tf.constant(rng.normal(size=(3, 4)).astype(np.float32)),
            tf.constant(rng.normal(size=(3, 4)).astype(np.float32)), tf.constant(np.float32(1.5))]
    jitted = tf.function(ops, jit_compile=True)
    for got, want in zip(jitted(*args), tf.function(ops)(*args)):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.numpy().tobytes() == want.numpy().tobytes()
    source = jitted_source(jitted, *args)
    assert "fused" in source and source.startswith("import numpy as np")


@needs_numba
@settings(max_examples=6, deadline=None)
@given(statements=st.lists(statement, min_size=1, max_size=3),
       x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_compiled_programs_agree_with_eager_when_jitted(statements, x):
    """The graph-vs-eager property programs (arithmetic, `if`, `tf.range` loops), jitted: as eager,
    within the tolerance of libm's transcendental functions."""
    program, source = make_program(statements)
    x = tf.constant(np.asarray(x, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every op of these programs lowers
        jitted = tf.function(program, jit_compile=True)
        got = jitted(x)
    assert jitted_source(jitted, x).startswith("import numpy"), source
    np.testing.assert_allclose(got.numpy(), program(x).numpy(), rtol=1e-5, atol=1e-6, err_msg=source)


@needs_numba
@settings(max_examples=5, deadline=None)
@given(statements=st.lists(with_variable, min_size=1, max_size=4),
       x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_programs_with_a_variable_agree_with_eager_when_jitted(statements, x):
    """The property programs that read and assign a variable in loops and branches, jitted: eager's
    values and final variable value, call after call."""
    body = ["y = x"] + [line for s in statements for line in s] + ["return tf.reduce_sum(y * y)"]
    source = "def program(x):\n" + textwrap.indent("\n".join(body), "    ") + "\n"
    filename = f"<jitted program {abs(hash(source))}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # AutoGraph reads it
    w = tf.Variable(0.7)
    namespace = {"tf": tf, "w": w}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - test-generated source
    program, x = namespace["program"], tf.constant(np.asarray(x, np.float32))
    want = [(program(x).numpy(), w.numpy()) for _ in range(2)]
    w.assign(0.7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every op of these programs lowers
        jitted = tf.function(program, jit_compile=True)
        got = [(jitted(x).numpy(), w.numpy()) for _ in range(2)]
    for (value, variable), (want_value, want_variable) in zip(got, want):
        np.testing.assert_allclose(value, want_value, rtol=1e-5, atol=1e-6, err_msg=source)
        np.testing.assert_allclose(variable, want_variable, rtol=1e-5, atol=1e-6, err_msg=source)


@needs_numba
def test_effects_keep_their_order_in_loops_and_branches():
    def program(v, w, n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            before = v.read_value()
            v.assign(v * 0.5 + tf.cast(i, tf.float32))
            if before > v:
                w.assign_add(1)
            else:
                w.assign_sub(2)
            total += before - v
        return total, v.read_value()

    results = []
    for jit_compile in (False, True):
        v, w = tf.Variable(10.0), tf.Variable(np.int32(2147483640))  # the int32 wraps, as in Python
        f = tf.function(program, jit_compile=jit_compile)
        values = [t.numpy() for t in f(v, w, tf.constant(7))]
        results.append((values, v.numpy(), w.numpy()))
    assert [r.tobytes() for r in results[1][0]] == [r.tobytes() for r in results[0][0]]
    assert results[1][1:] == results[0][1:] and results[1][2].dtype == np.int32


@needs_numba
def test_an_op_with_no_lowering_keeps_the_python_code_and_says_so_once():
    f = tf.function(lambda a: tf.matmul(a, a) + 1.0, jit_compile=True)
    a = tf.constant(np.eye(2, dtype=np.float32))
    with pytest.warns(UserWarning, match="stay in Python: MatMul \\(NumPy's BLAS runs it"):
        got = f(a)
    np.testing.assert_array_equal(got.numpy(), np.eye(2) + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f(tf.constant(np.eye(3, dtype=np.float32)))  # a second trace: no second warning
    assert "MatMul" in f.get_concrete_function(a).source  # the Python code


@needs_numba
def test_prints_stay_in_python_with_a_warning():
    f = tf.function(lambda a: tf.print(a) or a * 2.0, jit_compile=True)
    with pytest.warns(UserWarning, match="PrintV2 \\(its print effect runs in Python"):
        assert f(tf.constant(1.0)).numpy() == 2.0


@needs_numba
def test_set_jit_compiles_functions_that_do_not_say():
    tf.config.optimizer.set_jit(True)
    try:
        assert tf.config.optimizer.get_jit() == "autoclustering"
        f = tf.function(lambda a: a * 2.0 + 1.0)
        assert f(tf.constant(2.0)).numpy() == 5.0
        assert jitted_source(f, tf.constant(2.0)).startswith("import numpy")
        plain = tf.function(lambda a: a * 2.0, jit_compile=False)
        assert not jitted_source(plain, tf.constant(2.0)).startswith("import numpy")
    finally:
        tf.config.optimizer.set_jit(False)
    assert tf.config.optimizer.get_jit() == ""


def test_without_numba_jit_compile_runs_the_python_code_and_says_so_once(monkeypatch):
    monkeypatch.setattr(jit, "available", lambda: False)
    f = tf.function(lambda a: a + 1.0, jit_compile=True)
    with pytest.warns(UserWarning, match="Numba is not installed"):
        assert f(tf.constant(1.0)).numpy() == 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(tf.constant([1.0])).numpy()[0] == 2.0
    assert not f.get_concrete_function(tf.constant(1.0)).source.startswith("import numpy")


@needs_numba
def test_unary_math_matches_eager_within_libms_last_place():
    """A selection of the op-level differential cases, jitted in one function: exact where NumPy's
    loop is correctly rounded, within 2 ulp where Numba calls libm (exp, log, tanh, sin, ...)."""
    exact = [tf.sqrt, tf.abs, tf.square, tf.floor, tf.math.ceil, tf.sign, tf.negative]
    libm = [tf.exp, tf.math.log, tf.tanh, tf.sin, tf.cos, tf.math.expm1, tf.math.log1p]
    values = np.random.default_rng(1).uniform(0.01, 3.0, size=(2, 5))
    for dtype in (np.float32, np.float64):
        x = tf.constant(values.astype(dtype))
        want = [fn(x) for fn in exact + libm] + [fn(x[0, 0]) for fn in exact + libm]
        f = tf.function(lambda x, s: [fn(x) for fn in exact + libm] + [fn(s) for fn in exact + libm],
                        jit_compile=True)
        got = f(x, x[0, 0])
        for i, (g, w) in enumerate(zip(got, want)):
            assert g.dtype == w.dtype and g.shape == w.shape
            if i % len(exact + libm) < len(exact):
                assert g.numpy().tobytes() == w.numpy().tobytes()
            else:
                np.testing.assert_array_max_ulp(g.numpy(), w.numpy(), maxulp=2)


@needs_numba
def test_bounded_loops_and_the_disk_cache(tmp_path):
    def count(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s * 2 + i), (0, 1),
                             maximum_iterations=5)

    f = tf.function(count, jit_compile=True)
    got = f(tf.constant(100))
    want = tf.function(count)(tf.constant(100))
    assert [t.numpy() for t in got] == [t.numpy() for t in want] == [5, 58]
    assert got[0].dtype == tf.int32
    assert list(tmp_path.glob("tapeflow_jit_*.py")) and list(tmp_path.glob("__pycache__/*.nbi"))


@needs_numba
def test_a_variable_of_unknown_shape_stays_in_python_and_a_function_may_return_nothing():
    v = tf.Variable([1.0, 2.0], shape=tf.TensorShape(None))

    @tf.function(jit_compile=True)
    def grow():
        v.assign(tf.concat([v, v], 0))

    with pytest.warns(UserWarning, match="a variable of shape"):
        grow()
    assert v.numpy().tolist() == [1.0, 2.0, 1.0, 2.0]
    w = tf.Variable(1.0)

    @tf.function(jit_compile=True)
    def double():
        w.assign(w * 2.0)

    assert double() is None and double() is None and w.numpy() == 4.0
    assert double.get_concrete_function().source.startswith("import numpy")


@needs_numba
def test_division_by_zero_and_invalid_values_give_inf_and_nan_as_numpy_does():
    def f(a, b, s, z):
        return a / b, tf.sqrt(-a), tf.math.log(b), s / z, tf.sqrt(-s), tf.math.log(z)

    args = (tf.constant([1.0, 0.0]), tf.constant([0.0, 0.0]), tf.constant(1.0), tf.constant(0.0))
    got = tf.function(f, jit_compile=True)(*args)
    want = tf.function(f)(*args)
    assert [g.numpy().tobytes() for g in got] == [w.numpy().tobytes() for w in want]


@needs_numba
def test_a_graph_is_split_at_ops_with_no_lowering_and_effects_keep_their_order():
    """Runs of lowered ops between MatMuls become native segments called from the Python code; the
    variable written in one and read by the MatMul (and the next segment) is seen in program order."""

    def program(v, a):
        b = a * 2.0 + 1.0 - a
        v.assign(v * b + 1.0)
        c = tf.matmul(v, b)
        for _ in tf.range(3):
            c = c * 0.5 + 1.0
        v.assign_add(c)
        return c, v.read_value()

    a = tf.constant(np.arange(4, dtype=np.float32).reshape(2, 2))
    results = []
    for jit_compile in (False, True):
        v = tf.Variable(np.ones((2, 2), np.float32))
        f = tf.function(program, jit_compile=jit_compile)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append([[t.numpy().tobytes() for t in f(v, a)] for _ in range(2)] + [v.numpy().tobytes()])
    assert results[1] == results[0]
    source = f.get_concrete_function(v, a).source
    assert "NativeSegment" in source and "# native segment 1:" in source and "MatMul" in source


@needs_numba
def test_whole_array_sums_and_means_are_numpys_pairwise_sums_bit_for_bit():
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        arrays = [tf.constant(rng.normal(size=shape).astype(dtype)) for shape in ((7,), (129, 3), (100, 100))]

        def f(a, b, c):
            return [op(x) for x in (a, b, c) for op in (tf.reduce_sum, tf.reduce_mean)]

        got, want = tf.function(f, jit_compile=True)(*arrays), f(*arrays)
        assert [g.numpy().tobytes() for g in got] == [w.numpy().tobytes() for w in want]


@needs_numba
def test_axis_sums_and_means_are_numpys_bit_for_bit():
    """Sums and means over leading axes (rows added in order, a single column pairwise) and over
    trailing axes (each row pairwise), with and without keepdims."""
    rng = np.random.default_rng(3)
    all_cases = [((128, 256), (0,)), ((128, 256), (1,)), ((7, 1), (0,)), ((1, 5), (0,)), ((129, 3), (0,)),
                 ((2, 300), (1,)), ((3, 4, 5), (0, 1)), ((3, 4, 5), (1, 2))]
    for dtype, cases in ((np.float32, all_cases), (np.float64, all_cases[-2:])):
        arrays = [tf.constant(rng.normal(size=shape).astype(dtype)) for shape, _ in cases]

        def f(*xs, cases=cases):
            return [op(x, axes, keepdims=i % 2 == 0) * 1.0 for i, (x, (_, axes)) in enumerate(zip(xs, cases))
                    for op in (tf.reduce_sum, tf.reduce_mean)]

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # all of them lower
            got = tf.function(f, jit_compile=True)(*arrays)
        want = tf.function(f)(*arrays)
        for g, w in zip(got, want):
            assert g.shape == w.shape and g.numpy().tobytes() == w.numpy().tobytes()


@needs_numba
def test_activation_gradients_lower_bit_for_bit():
    """Relu (integers too), Rsqrt, bias_add (channels last and first) and the gradient ops of relu, tanh
    and sigmoid, fused with their users, on values with zeros of both signs (float64: a few of them;
    Numba's compiles are slow)."""
    from tapeflow.core.op import bind
    from tapeflow.ops import math_ops, nn_ops

    def f(y, g, bias, images):
        return (tf.nn.relu(y * 2.0) + 1.0, bind(nn_ops._relu_grad, (y, g * 3.0)) - g,
                tf.math.rsqrt(tf.abs(g) + 0.5) * y, bind(math_ops._tanh_grad, (y, g)) * g,
                bind(math_ops._sigmoid_grad, (y, g)), tf.nn.relu(tf.cast(y * 4.0, tf.int32)),
                tf.nn.bias_add(y * 2.0, bias * 3.0) - 1.0,
                tf.nn.bias_add(images, bias + 1.0, data_format="NC..."))

    def f64(y, g, bias, images):
        return bind(nn_ops._relu_grad, (y, g)), bind(math_ops._tanh_grad, (y, g)), tf.nn.bias_add(y, bias)

    rng = np.random.default_rng(4)
    for function, dtype, shape in ((f, np.float32, (16, 33)), (f64, np.float64, (5, 4))):
        y, g = (rng.normal(size=shape).astype(dtype) for _ in range(2))
        y.flat[:4], g.flat[4:6] = [0.0, -0.0, 0.0, -0.0], [-0.0, 0.0]
        bias, images = (rng.normal(size=s).astype(dtype) for s in (shape[-1], (2, shape[-1], 3)))
        args = [tf.constant(a) for a in (y, g, bias, images)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (tracing's dry runs divide by zero)
            warnings.filterwarnings("error", "jit_compile")
            got = tf.function(function, jit_compile=True)(*args)
        for a, b in zip(got, tf.function(function)(*args)):
            assert a.dtype == b.dtype and a.numpy().tobytes() == b.numpy().tobytes()


def softmax_ops(labels):
    """Softmax, log-softmax and sparse cross-entropy with `labels` (a constant in the graph)."""
    return lambda x: (tf.nn.softmax(x) * 1.0, tf.nn.log_softmax(x) + 0.0,
                      tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x * 1.0))


@needs_numba
def test_softmax_and_cross_entropies_lower_within_libms_last_place():
    """Softmax and log-softmax over the last axis and sparse cross-entropy with constant labels run
    natively (exp and log from libm: within a few units in the last place of NumPy's); labels known
    only when the function runs stay in Python, where their range check raises TensorFlow's error."""
    rng = np.random.default_rng(5)
    for dtype, rtol, shape in ((np.float32, 2e-6, (128, 10)), (np.float64, 1e-14, (4, 3, 5)),
                               (np.float32, 2e-6, (7,))):
        x = tf.constant((rng.normal(size=shape) * 4).astype(dtype))
        labels = rng.integers(0, shape[-1], size=shape[-2::-1]).astype(np.int32)
        f = softmax_ops(tf.transpose(tf.constant(labels)))  # (a view, not in C order, for the 3-d logits)
        jitted = tf.function(f, jit_compile=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = jitted(x)
        for a, b in zip(got, f(x)):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=rtol * 1e-3)
        assert "softmax_rows(" in jitted_source(jitted, x)
    given = tf.function(lambda labels, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels, x) * 2.0,
                        jit_compile=True)
    with pytest.warns(UserWarning, match="labels are known only when it runs"):
        given(tf.constant([0, 1]), tf.constant(np.ones((2, 3), np.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        given(tf.constant([0, 3]), tf.constant(np.ones((2, 3), np.float32)))


def adam_steps(jit_compile: bool, dtype, amsgrad: bool, steps: int):
    """Adam on a quadratic loss (exactly rounded ops only): the variables after each step, and
    whether a value read before the first kept its values."""
    rng = np.random.default_rng(6)
    w = tf.Variable(rng.normal(size=(6, 4)).astype(dtype))
    b = tf.Variable(rng.normal(size=(4,)).astype(dtype))
    x = tf.constant(rng.normal(size=(5, 6)).astype(dtype))
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.1, amsgrad=amsgrad)

    @tf.function(jit_compile=jit_compile)
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.nn.relu(tf.matmul(x, w) + b) - 0.5))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step()
    held, before = w.read_value(), w.numpy().copy()
    trajectory = []
    for _ in range(steps):
        trajectory.append((step().numpy().tobytes(), w.numpy().tobytes(), b.numpy().tobytes()))
    return trajectory, held.numpy().tobytes() == before.tobytes(), step


@needs_numba
def test_adam_runs_natively_bit_for_bit_and_leaves_held_values_alone():
    for dtype, amsgrad in ((np.float32, False), (np.float64, False), (np.float32, True)):
        want, _, _ = adam_steps(False, dtype, amsgrad, 5)
        got, held_intact, step = adam_steps(True, dtype, amsgrad, 5)
        assert got == want and held_intact
        assert "= adam(" in step.get_concrete_function().source


@needs_numba
def test_an_index_error_after_adam_leaves_the_state_the_python_code_leaves():
    """The native call raises at the bad index after Adam's update was computed; the rerun as Python
    starts from the same variables and slots, so one step's update is applied, once."""
    states = []
    for jit_compile in (False, True):
        w = tf.Variable(np.linspace(-1, 2, 6, dtype=np.float32).reshape(2, 3))
        table = tf.constant(np.arange(4, dtype=np.float32))
        optimizer = tf.keras.optimizers.Adam(0.1)

        @tf.function(jit_compile=jit_compile)
        def step(i, w=w, optimizer=optimizer, table=table):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(w))
            optimizer.apply_gradients([(tape.gradient(loss, w), w)])
            return tf.gather(table, i) * 2.0

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            step(tf.constant(1))
            with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices = 9 is not in \[0, 4\)"):
                step(tf.constant(9))
        states.append([v.numpy().tobytes() for v in optimizer.variables()] + [w.numpy().tobytes()])
    assert states[1] == states[0]


@needs_numba
def test_adam_in_a_native_loop_leaves_values_read_in_earlier_iterations_alone():
    results = []
    for jit_compile in (False, True):
        w = tf.Variable(np.linspace(-1, 2, 6, dtype=np.float32).reshape(2, 3))
        optimizer = tf.keras.optimizers.Adam(0.1)

        @tf.function(jit_compile=jit_compile)
        def train(w=w, optimizer=optimizer):
            total = tf.constant(0.0)
            for _ in tf.range(3):
                before = w.read_value()
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.square(w))
                optimizer.apply_gradients([(tape.gradient(loss, w), w)])
                total += tf.reduce_sum(before - w)
            return total

        results.append([train().numpy().tobytes() for _ in range(2)] + [w.numpy().tobytes()])
    assert results[1] == results[0]
    assert "np.empty_like(" in train.get_concrete_function().source


@needs_numba
def test_optimizers_traced_as_ops_lower_whole_and_bit_for_bit():
    """SGD with Nesterov momentum and RMSprop trace their rules as ops in a compiled function: all of
    them lower (Rsqrt included), with the Python code's bits."""
    for make in (lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
                 lambda: tf.keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True)):
        results = []
        for jit_compile in (False, True):
            w, optimizer = tf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)), make()

            @tf.function(jit_compile=jit_compile)
            def step(w=w, optimizer=optimizer):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.square(w) * w)
                optimizer.apply_gradients([(tape.gradient(loss, w), w)])

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # (tracing's dry runs divide by zero)
                warnings.filterwarnings("error", "jit_compile")
                results.append([(step(), w.numpy().tobytes())[1] for _ in range(3)])
        assert results[1] == results[0]


@needs_numba
def test_an_mlp_training_step_follows_the_python_trajectory():
    """The benchmark's step in small (dense layers, relu, sparse cross-entropy on constant labels,
    Adam): only the matmuls stay in Python, and 20 steps follow the Python code's losses and weights
    within libm's exp (the softmax)."""
    rng = np.random.default_rng(7)
    sizes, batch = (12, 16, 16, 5), 8
    x = tf.constant(rng.normal(size=(batch, sizes[0])).astype(np.float32))
    labels = tf.constant(rng.integers(0, sizes[-1], size=batch).astype(np.int32))
    start = [(rng.normal(size=(m, n)) / np.sqrt(m)).astype(np.float32) for m, n in zip(sizes, sizes[1:])]

    def training(jit_compile):
        variables = [v for w in start for v in (tf.Variable(w), tf.Variable(np.zeros(w.shape[1], w.dtype)))]
        optimizer = tf.keras.optimizers.Adam(learning_rate=1e-2)

        @tf.function(jit_compile=jit_compile)
        def step():
            with tf.GradientTape() as tape:
                h = x
                for i in range(0, len(variables), 2):
                    h = tf.matmul(h, variables[i]) + variables[i + 1]
                    h = tf.nn.relu(h) if i + 2 < len(variables) else h
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, h))
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        losses = [step().numpy() for _ in range(20)]
        return losses, [v.numpy() for v in variables], step

    want, want_variables, _ = training(False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got, got_variables, step = training(True)
    assert [str(w.message).count("(") for w in caught if "stay in Python" in str(w.message)] == [1]  # MatMul
    np.testing.assert_allclose(got, want, rtol=1e-5)
    for a, b in zip(got_variables, want_variables):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    assert want[-1] < want[0] / 2
    source = step.get_concrete_function().source
    assert "sum_leading(" in source and "sparse_cross_entropy_rows(" in source and "= adam(" in source


def _outcome(function, *args):
    """The error class a call raised, or its result's dtype, shape and value."""
    try:
        result = function(*args)
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return type(e).__name__, str(e)
    return result.dtype.name, tuple(result.shape), np.asarray(result.numpy())


@needs_numba
def test_random_programs_jitted_behave_as_the_python_code():
    """A sample of the random op-level programs run against TensorFlow
    (test_random_programs_against_tensorflow.py), their tensors passed as arguments: jitted, the same
    error (class and text) or the same dtype, shape and values as the Python code, within 2 ulp
    where Numba calls libm."""
    for source, scope in programs()[::10]:
        body = re.sub(r"tf\.constant\(([AB]), tf\.\w+\)", r"\1", source)  # (the arrays have the dtypes)
        names = sorted(scope)
        program = eval(f"lambda {', '.join(names)}: {body}", {"tf": tf})  # noqa: S307 - test source
        args = [tf.constant(scope[n]) for n in names]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (ops with no lowering: what stays in Python is told)
            want, got = (_outcome(tf.function(program, jit_compile=j), *args) for j in (False, True))
        assert len(got) == len(want) and got[:-1] == want[:-1], source
        if isinstance(got[-1], str) or got[-1].dtype.kind != "f":
            assert np.array_equal(got[-1], want[-1]), source
        else:
            np.testing.assert_array_max_ulp(got[-1], want[-1], maxulp=2)


@needs_numba
def test_an_index_out_of_range_raises_the_python_codes_error_after_the_same_writes():
    """Gathers and `x[i]` in a native loop check their indices: out of range, the call runs as Python,
    so the error is TensorFlow's (class and text) and the variable holds what the Python code wrote."""
    table = tf.constant(np.arange(10, dtype=np.float32))
    rows = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
    v = tf.Variable(0.0)

    def program(n, picks):
        total = tf.constant(0.0)
        for i in tf.range(n):
            v.assign_add(1.0)
            total += table[i] + tf.gather(table, i) + tf.reduce_sum(tf.gather(rows, i))
            total += tf.reduce_sum(tf.gather(table, picks))
        return total

    cases = [(3, [1, 2]), (5, [1, 2]), (3, [1, 10]), (3, [-1, 2]), (11, [0, 0])]
    outcomes = []
    for jit_compile in (False, True):
        f = tf.function(program, jit_compile=jit_compile)
        results = []
        for n, picks in cases:
            v.assign(0.0)
            results.append((_outcome(f, tf.constant(n), tf.constant(picks)), v.numpy()))
        outcomes.append(results)
        source = f.get_concrete_function(tf.constant(3), tf.constant([1, 2])).source
    assert "raise IndexError('GatherV2')" in source and "raise IndexError('StridedSlice')" in source
    assert str(outcomes[1]) == str(outcomes[0])
    assert outcomes[1][0][0][0] == "float32" and outcomes[1][2][0][0] == "InvalidArgumentError"
    assert "indices[1] = 10 is not in [0, 10)" in outcomes[1][2][0][1] and outcomes[1][1][1] == 5.0


@needs_numba
def test_integer_powers_stay_in_python_and_raise_for_negative_exponents():
    f = tf.function(lambda a, b: tf.pow(a, b) * 2, jit_compile=True)
    with pytest.warns(UserWarning, match="Pow \\(an integer power checks its exponents in Python"):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Integers to negative integer powers"):
            f(tf.constant([2]), tf.constant([-1]))
    assert f(tf.constant([2]), tf.constant([3])).numpy().tolist() == [16]


@needs_numba
def test_a_loop_holding_a_print_runs_its_bodys_native_segments_each_pass(capfd):
    v = tf.Variable(1.0)

    def program(n):
        total = tf.constant(0.0)
        for i in tf.range(n):
            v.assign(v * 0.5 + tf.cast(i, tf.float32))
            tf.print("v", v)
            total += v * v + 1.0 - total * 0.25
        return total

    results = []
    for jit_compile in (False, True):
        v.assign(1.0)
        f = tf.function(program, jit_compile=jit_compile)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append((f(tf.constant(3)).numpy().tobytes(), v.numpy(), capfd.readouterr().err))
    assert results[1] == results[0] and results[0][2] == "v 0.5\nv 1.25\nv 2.625\n"
    assert any("in a While, which stays a Python loop calling its body's native segments" in str(w.message)
               for w in caught)
    source = f.get_concrete_function(tf.constant(3)).source
    assert "# While body_graph, split:" in source and "NativeSegment" in source and "PrintV2" in source


@needs_numba
def test_integer_floor_division_and_modulo_check_their_divisors_natively():
    v = tf.Variable(0)

    def program(n, d, ds):
        total = tf.constant(0)
        for i in tf.range(n):
            v.assign_add(1)
            total += (i - 3) // d + (i - 3) % d + tf.gather((ds - i) // ds, 1) + tf.gather(i % ds, 0)
        return total

    cases = [(4, 2, [1, -2]), (4, -3, [3, 5]), (4, 0, [1, 2]), (4, 2, [1, 0])]
    outcomes = []
    for jit_compile in (False, True):
        f = tf.function(program, jit_compile=jit_compile)
        results = []
        for n, d, ds in cases:
            v.assign(0)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # (every op lowers)
                results.append((_outcome(f, tf.constant(n), tf.constant(d), tf.constant(ds)), v.numpy()))
        outcomes.append(str(results))
    assert outcomes[1] == outcomes[0] and "Integer division by zero" in outcomes[1]
    assert "raise ZeroDivisionError('FloorDiv')" in f.get_concrete_function(
        tf.constant(4), tf.constant(2), tf.constant([1, 2])).source


@needs_numba
def test_a_jitted_dataset_function_called_on_blocks_of_elements_runs_them_as_python():
    """With set_jit, tf.data's functions are jitted too, and a vectorizable one is called on a block
    of elements at once: values of another rank than traced run as the Python code (the compiled
    entry point takes the traced types only)."""
    tf.config.optimizer.set_jit(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32))
            got = [b.numpy().tolist() for b in ds.map(lambda x: x * 2.0 + 1.0 - x * x).batch(3)]
    finally:
        tf.config.optimizer.set_jit(False)
    assert got == [[1.0, 2.0, 1.0], [-2.0, -7.0, -14.0]]


@needs_numba
@settings(max_examples=4, deadline=None)
@given(statements=st.lists(statement, min_size=1, max_size=3),
       x=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4))
def test_gradients_taken_inside_jitted_programs_of_any_length_agree_with_eager(statements, x):
    """The property programs' gradients taken inside the trace (loops keeping a record for the tape
    stay Python, the rest lowers), traced once for any length (`TensorSpec([None])`), jitted: eager's
    values and gradients, within libm's tolerance."""
    program, source = make_program(statements)
    gradient = with_gradient(program)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (what stays in Python is told)
        jitted = tf.function(gradient, input_signature=[tf.TensorSpec([None], tf.float32)], jit_compile=True)
        for values in (x, x[:1] + x):
            values = tf.constant(np.asarray(values, np.float32))
            for got, want in zip(jitted(values), gradient(values)):
                np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5, err_msg=source)
    assert jitted.experimental_get_tracing_count() == 1


@needs_numba
def test_a_captured_view_that_is_not_c_contiguous_is_passed_as_its_values():
    """A captured tensor may hold a NumPy view (a transpose, a broadcast): the compiled code takes C
    arrays, so the binding passes a C-contiguous copy of it."""
    rng = np.random.default_rng(3)
    t = tf.transpose(tf.constant(rng.normal(size=(3, 4)).astype(np.float32)))
    wide = tf.broadcast_to(tf.constant(rng.normal(size=(4, 1)).astype(np.float32)), (4, 3))
    assert not (t._value.flags.c_contiguous or wide._value.flags.c_contiguous)  # (what is tested)

    def f(a):
        return a * t + wide * 2.0 - t

    a = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))
    for _ in range(2):
        assert tf.function(f, jit_compile=True)(a).numpy().tobytes() == f(a).numpy().tobytes()
