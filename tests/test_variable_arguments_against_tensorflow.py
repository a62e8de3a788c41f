"""Variables passed to a `tf.function` share its traces as in TensorFlow (keyed by shape, dtype,
trainability and aliasing), and writes inside go to the variable passed: the programs' outputs are
compared with TensorFlow 2.21's, recorded below (`python tests/test_variable_arguments_against_tensorflow.py`
prints them anew), and with TensorFlow's own when it is installed."""

import pytest

from test_py_function_against_tensorflow import run

PROGRAMS = {
    "counts_and_writes": """
@tf.function
def f(v, x):
    print("trace", v.name, type(v).__name__, v.trainable)
    v.assign_add(x)
    return v.read_value() * 2
a = tf.Variable([1.0, 2.0], name="aa"); b = tf.Variable([3.0, 4.0], name="bb")
x = tf.constant([1.0, 1.0])
print(f(a, x).numpy(), f(b, x).numpy(), a.numpy(), b.numpy(), f.experimental_get_tracing_count())
f(tf.Variable([1.0, 2.0], trainable=False), x)
f(tf.Variable([1.0, 2.0, 3.0]), tf.ones([3]))
f(tf.Variable([1.0, 2.0], dtype=tf.float64), tf.ones([2], tf.float64))
f(tf.Variable([7.0, 8.0]), x)
print(f.experimental_get_tracing_count())
@tf.function
def h(s):
    return tf.add_n([v.read_value() for v in tf.nest.flatten(s)])
h([a, b]); h([b, a]); print(h.experimental_get_tracing_count())
h([a, a]); print(h.experimental_get_tracing_count())
""",
    "gradients_and_concrete": """
@tf.function
def k(v):
    return v * v
a = tf.Variable([1.0, 2.0]); b = tf.Variable([3.0, 4.0])
for v in (a, b):
    with tf.GradientTape() as t:
        y = k(v)
    print([w.name for w in t.watched_variables()], t.gradient(y, v).numpy())
print(k.experimental_get_tracing_count(), k.get_concrete_function(a)(b).numpy())
print(k.get_concrete_function(a).pretty_printed_signature())
""",
}

EXPECTED = {
    "counts_and_writes": "trace aa:0 ResourceVariable True\n[4. 6.] [ 8. 10.] [2. 3.] [4. 5.] 1\n"
                         "trace Variable:0 ResourceVariable False\ntrace Variable:0 ResourceVariable True\n"
                         "trace Variable:0 ResourceVariable True\n4\n1\n2\n",
    "gradients_and_concrete": "['Variable:0'] [2. 4.]\n['Variable:0'] [6. 8.]\n1 [ 9. 16.]\n"
                              "Input Parameters:\n  v (POSITIONAL_OR_KEYWORD): VariableSpec(shape=(2,), "
                              "dtype=tf.float32, trainable=True, alias_id=0)\nOutput Type:\n  "
                              "TensorSpec(shape=(2,), dtype=tf.float32, name=None)\nCaptures:\n  None\n",
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_shares_traces_as_tensorflow_does(name):
    assert run("tapeflow", PROGRAMS[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", PROGRAMS)
def test_recorded_output_is_tensorflows(name):
    pytest.importorskip("tensorflow")
    assert run("tensorflow", PROGRAMS[name]) == EXPECTED[name]


if __name__ == "__main__":  # record: run with TensorFlow's interpreter
    for name, program in PROGRAMS.items():
        print(f"{name!r}: {run('tensorflow', program)!r},")
