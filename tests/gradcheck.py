"""Gradient checks for tests: tape gradients against finite differences, to first and second order.

`check_gradients(f, *args)` compares `tf.test.compute_gradient`'s two Jacobians of `f` at `args`;
with `order=2` it does the same for the function x -> (gradient of <v, f(x)>) for a fixed random
`v`, which differentiates every gradient rule once more through an outer tape.
"""

from __future__ import annotations

import numpy as np

import tapeflow as tf

TOLERANCES = {np.float64: (1e-5, 1e-6), np.float32: (2e-2, 2e-3)}


def _assert_close(theoretical, numerical, dtype, what):
    rtol, atol = TOLERANCES[dtype]
    for i, (t, n) in enumerate(zip(theoretical, numerical)):
        np.testing.assert_allclose(t, n, rtol=rtol, atol=atol * max(1.0, float(np.max(np.abs(n), initial=0))),
                                   err_msg=f"{what}, argument {i}")


def check_gradients(f, *args, order: int = 2, dtype=np.float64, delta: float | None = None):
    """Assert that the gradients of `f` at `args` (arrays, cast to `dtype`) match finite differences."""
    xs = [tf.constant(np.asarray(a, dtype=dtype)) for a in args]
    if delta is None:
        delta = 1e-6 if dtype is np.float64 else 1.0 / 1024
    theoretical, numerical = tf.test.compute_gradient(f, xs, delta=delta)
    _assert_close(theoretical, numerical, dtype, "first order")
    if order < 2:
        return
    out = f(*xs)
    v = tf.constant(np.random.default_rng(0).uniform(0.5, 1.5, size=np.shape(out)).astype(dtype))
    for i in range(len(xs)):
        def grad_i(*ys, i=i):
            with tf.GradientTape() as tape:
                tape.watch(ys[i])
                y = f(*ys)
            g = tape.gradient(y, ys[i], output_gradients=v)
            return tf.zeros_like(ys[i]) if g is None else g

        theoretical, numerical = tf.test.compute_gradient(grad_i, xs, delta=delta)
        _assert_close(theoretical, numerical, dtype, f"second order through argument {i}")
