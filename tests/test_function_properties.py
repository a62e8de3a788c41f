"""Property test: random small programs — arithmetic, `if` on tensors, `tf.range` loops — give the
same values and the same gradients eagerly and compiled by tf.function (with AutoGraph)."""

import itertools
import linecache
import textwrap

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tapeflow as tf

_COUNT = itertools.count()
EXPRESSIONS = ["y * 0.5 + x", "tf.sin(y) * x", "tf.tanh(y + x)", "y * y * 0.1 - x", "tf.exp(-y * y) + y"]
CONDITIONS = ["tf.reduce_sum(y) > 0.0", "tf.reduce_mean(x) < 0.3", "tf.reduce_max(y) > 1.0"]

statement = st.one_of(
    st.builds(lambda e: [f"y = {e}"], st.sampled_from(EXPRESSIONS)),
    st.builds(lambda c, a, b: [f"if {c}:", f"    y = {a}", "else:", f"    y = {b}"],
              st.sampled_from(CONDITIONS), st.sampled_from(EXPRESSIONS), st.sampled_from(EXPRESSIONS)),
    st.builds(lambda n, e: [f"for _ in tf.range({n}):", f"    y = {e}"], st.integers(0, 3),
              st.sampled_from(EXPRESSIONS)),
)


def make_program(statements: list) -> callable:
    body = ["y = x"] + [line for s in statements for line in s] + ["return tf.reduce_sum(y * y)"]
    source = "def program(x):\n" + textwrap.indent("\n".join(body), "    ") + "\n"
    filename = f"<generated program {next(_COUNT)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # AutoGraph reads it
    namespace = {"tf": tf}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - test-generated source
    return namespace["program"], source


def value_and_gradient(fn, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y.numpy(), tape.gradient(y, x).numpy()


@settings(max_examples=25, deadline=None)
@given(statements=st.lists(statement, min_size=1, max_size=4),
       x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_compiled_programs_agree_with_eager(statements, x):
    program, source = make_program(statements)
    x = np.asarray(x, np.float32)
    eager_value, eager_grad = value_and_gradient(program, x)
    compiled = tf.function(program)
    compiled_value, compiled_grad = value_and_gradient(compiled, x)
    np.testing.assert_allclose(compiled_value, eager_value, rtol=1e-5, atol=1e-6, err_msg=source)
    np.testing.assert_allclose(compiled_grad, eager_grad, rtol=1e-4, atol=1e-5, err_msg=source)
    np.testing.assert_allclose(compiled(tf.constant(x)).numpy(), eager_value, rtol=1e-5, atol=1e-6,
                               err_msg=source)


@settings(max_examples=20, deadline=None)
@given(statements=st.lists(statement, min_size=1, max_size=3),
       x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_gradients_taken_inside_compiled_programs_agree_with_eager(statements, x):
    program, source = make_program(statements)
    converted = tf.function(program)  # AutoGraph converts the functions tf.function wraps; inlined here

    def gradient(x, fn):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)

    x = tf.constant(np.asarray(x, np.float32))
    compiled = tf.function(lambda x: gradient(x, converted))(x)
    np.testing.assert_allclose(compiled.numpy(), gradient(x, program).numpy(), rtol=1e-4, atol=1e-5,
                               err_msg=source)


def with_gradient(program: callable) -> callable:
    """`x -> (program(x), its gradient for x)`, the gradient taken by a tape inside."""

    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = program(x)
        return y, tape.gradient(y, x)

    return gradient


@settings(max_examples=20, deadline=None)
@given(statements=st.lists(statement, min_size=1, max_size=3),
       x=st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=5))
def test_programs_on_inputs_of_unknown_length_agree_with_eager(statements, x):
    """The same programs traced once for any length (`TensorSpec([None])`), their gradients taken
    inside the trace: one trace serves every length, with eager values and gradients."""
    program, source = make_program(statements)
    gradient = with_gradient(program)
    compiled = tf.function(gradient, input_signature=[tf.TensorSpec([None], tf.float32)])
    for values in (x, x[:1] + x):
        values = tf.constant(np.asarray(values, np.float32))
        for got, want in zip(compiled(values), gradient(values)):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5, err_msg=source)
    assert compiled.experimental_get_tracing_count() == 1


W_EXPRESSIONS = EXPRESSIONS + ["y * w + x", "tf.sin(w * y) + x"]
with_variable = st.one_of(
    statement,
    st.builds(lambda e: [f"y = {e}"], st.sampled_from(W_EXPRESSIONS)),
    st.builds(lambda: ["w.assign_add(0.1 * tf.reduce_mean(y))"]),
    st.builds(lambda n, e: [f"for _ in tf.range({n}):", "    w.assign_add(0.1 * tf.reduce_mean(y))",
                            f"    y = {e}"], st.integers(0, 3), st.sampled_from(W_EXPRESSIONS)),
    st.builds(lambda c, e: [f"if {c}:", "    w.assign_add(0.1)", f"    y = {e}", "else:",
                            f"    y = {e} * 2.0"],
              st.sampled_from(CONDITIONS), st.sampled_from(W_EXPRESSIONS)),
)


@settings(max_examples=25, deadline=None)
@given(statements=st.lists(with_variable, min_size=1, max_size=4),
       x=st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2))
def test_compiled_programs_with_a_variable_agree_with_eager_under_tapes(statements, x):
    """Programs reading and assigning a variable: compiled, first called with no tape, then under
    tapes (the cached trace), they give eager's values, gradients (for x and the variable) and
    final variable value."""
    body = ["y = x"] + [line for s in statements for line in s] + ["return tf.reduce_sum(y * y)"]
    source = "def program(x):\n" + textwrap.indent("\n".join(body), "    ") + "\n"
    filename = f"<generated program {next(_COUNT)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    w = tf.Variable(0.7)
    namespace = {"tf": tf, "w": w}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - test-generated source
    program = namespace["program"]
    x = tf.constant(np.asarray(x, np.float32))

    def run(fn):
        w.assign(0.7)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        grads = tape.gradient(y, [x, w], unconnected_gradients="zero")
        return [y.numpy(), *(g.numpy() for g in grads), w.numpy()]

    want = run(program)
    compiled = tf.function(program)
    w.assign(0.7)
    compiled(x)  # traced with no tape
    for _ in range(2):
        for got, expected in zip(run(compiled), want):
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=source)
