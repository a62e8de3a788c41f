"""tf.map_fn, tf.scan, tf.foldl, tf.foldr: values recorded from TensorFlow 2.21, the same eagerly and
compiled (one graph loop, also over elements of unknown length), and gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

X = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]

# (program, TensorFlow's result, flattened)
CASES = [
    (lambda x: tf.map_fn(lambda r: r * 2.0, x), [[[2, 4], [6, 8], [10, 12]]]),
    (lambda x: tf.map_fn(lambda r: tf.reduce_sum(r), x, fn_output_signature=tf.float32), [[3, 7, 11]]),
    (lambda x: tf.map_fn(lambda p: (p[0] + p[1], p[0] * 2), (x, x[:, 0]),
                         fn_output_signature=(tf.float32, tf.float32)),
     [[[2, 3], [6, 7], [10, 11]], [[2, 4], [6, 8], [10, 12]]]),
    (lambda x: tf.scan(lambda a, r: a + r, x), [[[1, 2], [4, 6], [9, 12]]]),
    (lambda x: tf.scan(lambda a, r: a + r, x, reverse=True), [[[9, 12], [8, 10], [5, 6]]]),
    (lambda x: tf.scan(lambda a, r: a * r[0], x, initializer=tf.constant(1.0)), [[1, 3, 15]]),
    (lambda x: tf.scan(lambda a, r: a * r[0], x, initializer=tf.constant(1.0), reverse=True), [[15, 15, 5]]),
    (lambda x: tf.foldl(lambda a, r: a + r, x), [[9, 12]]),
    (lambda x: tf.foldr(lambda a, r: a * 2.0 + r, x), [[27, 34]]),
    (lambda x: tf.foldl(lambda a, r: a * 2.0 + r[1], x, initializer=tf.constant(0.5)), [26]),
    (lambda x: tf.scan(lambda a, r: (a[0] + r, a[1] * 2.0), x, initializer=(tf.zeros([2]), tf.constant(1.0))),
     [[[1, 2], [4, 6], [9, 12]], [2, 4, 8]]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_values_match_tensorflow_eagerly_and_compiled(case):
    program, expected = CASES[case]
    x = tf.constant(X)
    for result in (program(x), tf.function(program)(x)):
        assert [np.asarray(t).tolist() for t in tf.nest.flatten(result)] == expected


def test_a_compiled_map_is_one_loop_over_elements_of_unknown_length():
    @tf.function(input_signature=[tf.TensorSpec([None, 2])])
    def f(x):
        return tf.map_fn(lambda r: r * r, x), tf.scan(lambda a, r: a + r, x)

    squares, sums = f(tf.constant(X))
    assert squares.numpy().tolist() == [[1, 4], [9, 16], [25, 36]]
    assert sums.numpy().tolist()[-1] == [9, 12]
    assert f.get_concrete_function().source.count("while ") == 2


def test_gradients_eagerly_and_compiled():
    def f(x):
        with tf.GradientTape() as t:
            t.watch(x)
            mapped = tf.map_fn(lambda r: tf.sin(r) * r, x)
            y = tf.reduce_sum(mapped) + tf.reduce_sum(tf.scan(lambda a, r: a * r, x))
        return t.gradient(y, x)

    x = tf.constant(X)
    expected = [[20.381773, 29.077003], [3.1711426, 10.628623], [3.4593868, 13.481606]]  # TensorFlow's
    np.testing.assert_allclose(f(x).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(tf.function(f)(x).numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("fold", ["map_fn", "scan", "foldl", "foldr"])
def test_gradients_to_second_order(fold):
    fns = {
        "map_fn": lambda x, w: tf.map_fn(lambda r: tf.tanh(r * w), x),
        "scan": lambda x, w: tf.scan(lambda a, r: a * tf.sin(r) + w, x, initializer=w),
        "foldl": lambda x, w: tf.foldl(lambda a, r: a * r + w, x, initializer=w * w),
        "foldr": lambda x, w: tf.foldr(lambda a, r: tf.exp(-a) * r, x, initializer=w),
    }
    rng = np.random.default_rng(2)
    check_gradients(fns[fold], rng.normal(size=(3, 2)), rng.normal(size=(2,)))


def test_errors():
    x = tf.constant(X)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="dtype int32 where the output signature says float32"):
        tf.map_fn(lambda r: tf.cast(r, tf.int32), x)
    with pytest.raises(ValueError, match="not scalars"):
        tf.map_fn(lambda r: r, tf.constant(1.0))
    with pytest.raises(ValueError, match="same length"):
        tf.map_fn(lambda p: p[0], (x, tf.ones([2])), fn_output_signature=tf.float32)
