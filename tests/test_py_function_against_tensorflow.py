"""`tf.py_function` inside `tf.function` prints, in order, what TensorFlow prints: the function is not
called while tracing, its results have an unknown shape, and the ops they feed run after it on every
call. Each program runs in a fresh interpreter; its output is compared with TensorFlow 2.21's,
recorded below (`python tests/test_py_function_against_tensorflow.py` prints them anew from
TensorFlow), and with TensorFlow's own when it is installed."""

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
