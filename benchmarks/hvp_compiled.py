"""A compiled Hessian-vector product, reverse over reverse: two nested GradientTapes in one tf.function.

For ``f(w) = reduce_sum(tanh(X @ w)**2)`` with ``X`` float32 (256, 128) and ``w``, ``v`` float32 (128,), the
product ``H(w) v`` is the gradient of ``<grad f(w), v>``: an inner tape gives ``grad f``, an outer tape
differentiates it with ``output_gradients=v``. tapeflow and TensorFlow run that inside one ``tf.function``
of ``(w, v)``; JAX runs ``jax.jit`` of the ``jax.jvp`` of ``jax.grad(f)``; the NumPy reference is the
product worked out by hand, ``X.T @ ((2 - 6 t**2) (1 - t**2) * (X @ v))`` with ``t = tanh(X @ w)``. A
rank-1 ``w`` does not go through ``tf.matmul`` in TensorFlow, so the TensorFlow API legs multiply by
``w`` as a (128, 1) column. One ``step`` is one call; the first (warm-up) call traces and compiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

ROWS, COLUMNS = 256, 128


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X``, scaled so that ``X @ w`` is of order one (``tanh`` is neither linear nor flat), ``w``, ``v``."""
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(ROWS, COLUMNS)) / np.sqrt(COLUMNS)).astype(np.float32)
    return x, rng.normal(size=COLUMNS).astype(np.float32), rng.normal(size=COLUMNS).astype(np.float32)


def numpy_reference() -> Step:
    """The Hessian of ``f`` is ``X.T @ diag(f''(X @ w)) @ X`` for the scalar ``f(h) = tanh(h)**2``."""
    x, w, v = data()

    def step() -> object:
        t = np.tanh(x @ w)
        return x.T @ ((2 - 6 * t * t) * (1 - t * t) * (x @ v))

    return step


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: nested GradientTapes inside a ``tf.function`` of ``(w, v)``."""
    tf = load(module)
    x, w, v = (tf.constant(a) for a in data())

    @tf.function
    def hvp(w: Any, v: Any) -> Any:
        with tf.GradientTape() as outer:
            outer.watch(w)
            with tf.GradientTape() as inner:
                inner.watch(w)
                y = tf.reduce_sum(tf.tanh(tf.matmul(x, tf.expand_dims(w, 1))) ** 2)
            g = inner.gradient(y, w)
        return outer.gradient(g, w, output_gradients=v)

    return lambda: hvp(w, v)


def jax_leg() -> Step:
    """``jax.jit`` of forward-over-reverse: the ``jax.jvp`` of ``jax.grad(f)`` along ``v``."""
    jax = load("jax")
    jnp = jax.numpy
    x, w, v = (jnp.asarray(a) for a in data())
    grad = jax.grad(lambda w: jnp.sum(jnp.tanh(x @ w) ** 2))
    hvp = jax.jit(lambda w, v: jax.jvp(grad, (w,), (v,))[1])
    return lambda: jax.block_until_ready(hvp(w, v))


WORKLOAD = Workload(
    name="hvp_compiled",
    title=f"Hessian-vector product of reduce_sum(tanh(X @ w)**2), X ({ROWS}, {COLUMNS}) float32, "
    "compiled (tf.function, jax.jit)",
    unit="us/call",
    scale=1e6,
    legs=legs(numpy_reference, tf_api, jax=jax_leg),
)
