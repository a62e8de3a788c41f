"""tf.print: TensorFlow's number formats, summaries and structures, to standard error."""

import io
import sys

import numpy as np
import pytest

import tapeflow as tf


def printed(*args, **kwargs):
    stream = io.StringIO()
    tf.print(*args, output_stream=stream, **kwargs)
    return stream.getvalue()


@pytest.mark.parametrize("value, dtype, text", [
    (-2.0, tf.float32, "-2"), (0.999998569, tf.float32, "0.999998569"), (0.1, tf.float32, "0.1"),
    (1 / 3, tf.float32, "0.333333343"), (1e-8, tf.float32, "1e-08"), (1e10, tf.float32, "1e+10"),
    (123456789.0, tf.float32, "123456792"), (1e6, tf.float32, "1e+06"), (999999.0, tf.float32, "999999"),
    (12345.678, tf.float32, "12345.6777"), (np.nan, tf.float32, "nan"), (-np.inf, tf.float32, "-inf"),
    (1 / 3, tf.float64, "0.33333333333333331"), (1e10, tf.float64, "10000000000"),
    (0.1, tf.float16, "0.0999755859"),
    (7, tf.int32, "7"), (True, tf.bool, "1"), ("hi", tf.string, "hi"), (1 + 2j, tf.complex64, "?"),
])
def test_scalar_formats(value, dtype, text):
    assert printed(tf.constant(value, dtype)) == text + "\n"


def test_arrays_and_summaries():
    assert printed(tf.range(10)) == "[0 1 2 ... 7 8 9]\n"
    assert printed(tf.range(7)) == "[0 1 2 ... 4 5 6]\n" and printed(tf.range(6)) == "[0 1 2 3 4 5]\n"
    assert printed(tf.range(10), summarize=2) == "[0 1 ... 8 9]\n"
    assert printed(tf.range(10), summarize=-1) == "[0 1 2 3 4 5 6 7 8 9]\n"
    assert printed(tf.constant([1.5, 2.0, -3.25])) == "[1.5 2 -3.25]\n"
    assert printed(tf.reshape(tf.range(25), [5, 5]), summarize=1) == "[[0 ... 4]\n ...\n [20 ... 24]]\n"
    assert printed(tf.reshape(tf.range(8), [2, 2, 2])) == "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]\n"
    assert printed(tf.constant(["a", "b"])) == '["a" "b"]\n' and printed(tf.zeros([0])) == "[]\n"


def test_python_values_and_structures():
    a, b = tf.constant(-2.0), tf.constant(1.0)
    assert printed("y =", a, "; x =", b) == "y = -2 ; x = 1\n"
    assert printed((a, b)) == "(-2, 1)\n" and printed([a, b]) == "[-2, 1]\n"
    assert printed({"b": 1, "a": tf.constant([1, 2])}) == "{'a': [1 2], 'b': 1}\n"
    assert printed(1.0, (b, (b, b))) == "1.0 (1, (1, 1))\n"
    assert printed(0.5, None, True, [1.5, "a"]) == "0.5 None True [1.5, 'a']\n"
    assert printed(np.array([1.0, 2.0])) == "array([1., 2.])\n"
    assert printed(tf.Variable([1.0, 2.0])) == "[1 2]\n"
    assert printed("a", "b", tf.constant(1), sep=",", end="!") == "a,b,1!"


def test_goes_to_standard_error_by_default(capsys):
    tf.print("to", tf.constant(2.0))
    tf.print("out", output_stream=sys.stdout)
    captured = capsys.readouterr()
    assert captured.err == "to 2\n" and captured.out == "out\n"


def test_strings_are_quoted_unless_a_lone_scalar_and_empty_tensors_as_tensorflow():
    s = tf.constant("a")
    assert printed(s) == "a\n" and printed(s, s) == '"a" "a"\n' and printed([s]) == '["a"]\n'
    assert printed("lit", s, 1, tf.constant(["a", "bc"])) == 'lit "a" 1 ["a" "bc"]\n'
    assert printed({"k": s}) == "{'k': \"a\"}\n"
    # TensorFlow 2.21's text for tensors with no elements
    assert printed(tf.zeros([0, 3])) == "[]\n" and printed(tf.zeros([2, 0])) == "[\n ...]\n"
    assert printed(tf.zeros([2, 0, 3])) == "[\n\n ...]\n" and printed("x", tf.zeros([1, 1, 0]), "y") == (
        "x [\n\n ...] y\n")


def test_a_print_in_a_differentiated_loop_prints_once_per_iteration():
    x = tf.Variable(2.0)
    stream = io.StringIO()

    @tf.function
    def f():
        y = x * 1.0
        for i in tf.range(3):
            tf.print("it", i, output_stream=stream)
            y = y * x
        return y

    with tf.GradientTape() as tape:
        y = f()
    assert float(tape.gradient(y, x)) == 32.0
    assert stream.getvalue() == "it 0\nit 1\nit 2\n"  # the gradient's reruns skip it
