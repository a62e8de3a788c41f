"""A gradient through a compiled loop: 100 steps of an RNN-like recurrence, differentiated.

``h = tanh(h * w + x[i])`` for ``i`` in ``range(100)``, ``h``, ``w`` float32 (64,), ``x`` float32 (100, 64),
and the gradient of ``reduce_sum(h**2)`` with respect to ``w``. tapeflow and TensorFlow run a GradientTape
around a ``for i in tf.range(100)`` loop inside one ``tf.function``; JAX runs ``jax.jit`` of the
``jax.grad`` of a ``lax.fori_loop``; the NumPy reference keeps each step's ``h`` and runs the chain rule
backwards by hand. One ``step`` is one call; the first (warm-up) call traces and compiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

STEPS, WIDTH = 100, 64


def data() -> tuple[np.ndarray, np.ndarray]:
    """The inputs ``x`` (one row per step) and the weights ``w``."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(STEPS, WIDTH)).astype(np.float32), rng.normal(size=WIDTH).astype(np.float32)


def numpy_reference() -> Step:
    """Forward keeping every ``h``, then backwards: ``dh_prev = dz * w``, ``dw += dz * h_prev``."""
    x, w = data()

    def step() -> object:
        hs = [np.zeros(WIDTH, np.float32)]
        for i in range(STEPS):
            hs.append(np.tanh(hs[-1] * w + x[i]))
        grad_h, grad_w = 2 * hs[-1], np.zeros_like(w)
        for i in range(STEPS - 1, -1, -1):
            dz = grad_h * (1 - hs[i + 1] ** 2)
            grad_w += dz * hs[i]
            grad_h = dz * w
        return grad_w

    return step


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: a GradientTape around a ``tf.range`` loop in a ``tf.function``."""
    tf = load(module)
    x, w = (tf.constant(a) for a in data())

    @tf.function
    def gradient(w: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(w)
            h = tf.zeros([WIDTH])
            for i in tf.range(STEPS):
                h = tf.tanh(h * w + x[i])
            loss = tf.reduce_sum(h * h)
        return tape.gradient(loss, w)

    return lambda: gradient(w)


def jax_leg() -> Step:
    """``jax.jit`` of ``jax.grad`` of a ``lax.fori_loop``."""
    jax = load("jax")
    jnp = jax.numpy
    x, w = (jnp.asarray(a) for a in data())

    def loss(w: Any) -> Any:
        h = jax.lax.fori_loop(0, STEPS, lambda i, h: jnp.tanh(h * w + x[i]), jnp.zeros(WIDTH, jnp.float32))
        return jnp.sum(h * h)

    gradient = jax.jit(jax.grad(loss))
    return lambda: jax.block_until_ready(gradient(w))


WORKLOAD = Workload(
    name="loop_gradient_compiled",
    title=f"gradient through {STEPS} steps of h = tanh(h * w + x[i]), float32[{WIDTH}], compiled "
    "(tf.function, jax.jit)",
    unit="ms/call",
    scale=1e3,
    legs=legs(numpy_reference, tf_api, jax=jax_leg),
)
