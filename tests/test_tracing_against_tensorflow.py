"""Whole programs with `tf.function`, run in a fresh interpreter each, print what TensorFlow prints:
`tf.py_function` is not called while tracing, its results have an unknown shape and the ops they
feed run after it on every call; variables passed as arguments share traces by shape, dtype,
trainability and aliasing, and writes inside go to the variable passed. The outputs are compared
with TensorFlow 2.21's, recorded below (`python tests/test_tracing_against_tensorflow.py`, with
TensorFlow's interpreter, prints them anew), and with TensorFlow's own when it is installed."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

PROGRAMS = {
    "result_feeds_later_ops": """
@tf.function
def f(x):
    print("tracing f")
    y = tf.py_function(lambda a: (print("py sees", a.numpy()), a * 2)[1], [x], tf.float32)
    print("y static shape:", y.shape)
    tf.print("after", y, output_stream=sys.stdout)
    return tf.reduce_sum(y + 1.0)
print(f(tf.constant([1.0, 2.0])).numpy())
print(f(tf.constant([3.0, 4.0])).numpy())
""",
    "in_a_loop": """
def show(i):
    print("step", int(i))
@tf.function
def g(n):
    for i in tf.range(n):
        tf.py_function(show, [i], [])
        tf.print("printed", i, output_stream=sys.stdout)
    return n
g(tf.constant(3))
g(tf.constant(2))
""",
    "shape_stated_in_a_loop": """
def double(a):
    print("double", a.numpy().tolist())
    return a * 2
@tf.function
def h(x):
    total = tf.constant(0.0)
    for i in tf.range(3):
        y = tf.py_function(double, [x * tf.cast(i, tf.float32)], tf.float32)
        y.set_shape(x.shape)
        total += tf.reduce_sum(y)
    return total
print(h(tf.constant([1.0, 2.0])).numpy())
""",
    "unknown_shapes_downstream": """
@tf.function
def k(x):
    y = tf.py_function(lambda a: a + 1, [x], tf.float32)
    print(y.shape, y.shape.rank, tf.shape(y).shape, tf.reduce_sum(y).shape, (y * 3.0).shape)
    z = tf.matmul(tf.ensure_shape(y, [2, 2]), x)
    print(z.shape)
    return z, tf.reduce_mean(y), tf.concat([y, x], 0)
print([t.numpy().tolist() for t in k(tf.ones([2, 2]))])
a, b = tf.function(lambda u: tf.py_function(
    lambda v: (print("two", v.numpy()), [v, tf.cast(v, tf.int32) * 2])[1], [u], [tf.float32, tf.int32]))(
    tf.constant(1.5))
print(a.numpy(), b.numpy())
""",
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
    "result_feeds_later_ops": "tracing f\ny static shape: <unknown>\npy sees [1. 2.]\nafter [2 4]\n8.0\n"
                              "py sees [3. 4.]\nafter [6 8]\n16.0\n",
    "in_a_loop": "step 0\nprinted 0\nstep 1\nprinted 1\nstep 2\nprinted 2\nstep 0\nprinted 0\nstep 1\n"
                 "printed 1\n",
    "shape_stated_in_a_loop": "double [0.0, 0.0]\ndouble [1.0, 2.0]\ndouble [2.0, 4.0]\n18.0\n",
    "unknown_shapes_downstream": "<unknown> None (None,) () <unknown>\n(2, 2)\n"
                                 "[[[4.0, 4.0], [4.0, 4.0]], 2.0, [[2.0, 2.0], [2.0, 2.0], [1.0, 1.0], "
                                 "[1.0, 1.0]]]\ntwo 1.5\n1.5 2\n",
    "counts_and_writes": "trace aa:0 ResourceVariable True\n[4. 6.] [ 8. 10.] [2. 3.] [4. 5.] 1\n"
                         "trace Variable:0 ResourceVariable False\ntrace Variable:0 ResourceVariable True\n"
                         "trace Variable:0 ResourceVariable True\n4\n1\n2\n",
    "gradients_and_concrete": "['Variable:0'] [2. 4.]\n['Variable:0'] [6. 8.]\n1 [ 9. 16.]\n"
                              "Input Parameters:\n  v (POSITIONAL_OR_KEYWORD): VariableSpec(shape=(2,), "
                              "dtype=tf.float32, trainable=True, alias_id=0)\nOutput Type:\n  "
                              "TensorSpec(shape=(2,), dtype=tf.float32, name=None)\nCaptures:\n  None\n",
}


def run(module: str, program: str) -> str:
    """The program's output, run with `module` as `tf` (from a file: AutoGraph reads its source)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "program.py"
        path.write_text(f"import sys\nimport {module} as tf\n{program}")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(Path(__file__).parents[1] / "src"))
        done = subprocess.run([sys.executable, "-u", str(path)], capture_output=True, text=True, env=env,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", PROGRAMS)
def test_prints_what_tensorflow_prints(name):
    assert run("tapeflow", PROGRAMS[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", PROGRAMS)
def test_recorded_output_is_tensorflows(name):
    pytest.importorskip("tensorflow")
    assert run("tensorflow", PROGRAMS[name]) == EXPECTED[name]


if __name__ == "__main__":  # record: run with TensorFlow's interpreter
    for name, program in PROGRAMS.items():
        print(f"{name!r}: {run('tensorflow', program)!r},")
