"""Property tests: for any broadcastable shapes, gradients match finite differences and keep the
inputs' shapes; reductions over any axes agree with NumPy."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tapeflow as tf

from gradcheck import check_gradients

BINARY = [tf.add, tf.subtract, tf.multiply, tf.divide, tf.math.squared_difference, lambda x, y: x * tf.sin(y)]


@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(BINARY), seed=st.integers(0, 2**16))
def test_broadcasting_gradients(shapes, op, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, shapes.input_shapes[0])
    y = rng.uniform(0.5, 1.5, shapes.input_shapes[1])
    check_gradients(op, x, y, order=2)
    with tf.GradientTape() as tape:
        xs = [tf.constant(x), tf.constant(y)]
        tape.watch(xs)
        out = op(*xs)
    gx, gy = tape.gradient(out, xs)
    assert gx.shape == x.shape and gy.shape == y.shape


@settings(max_examples=40, deadline=None)
@given(array=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                        elements=st.floats(-10, 10)),
       data=st.data(), keepdims=st.booleans())
def test_reductions_agree_with_numpy(array, data, keepdims):
    axes = data.draw(st.lists(st.integers(0, array.ndim - 1), unique=True, max_size=array.ndim))
    axis = tuple(axes) if axes else None
    for ours, theirs in ((tf.reduce_sum, np.sum), (tf.reduce_max, np.max), (tf.reduce_mean, np.mean)):
        np.testing.assert_allclose(ours(array, axis=axis, keepdims=keepdims).numpy(),
                                   theirs(array, axis=axis, keepdims=keepdims), rtol=1e-12, atol=1e-12)
