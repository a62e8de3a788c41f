"""The seed tutorial's compiled training loop: 1000 optimizer steps inside one ``tf.function`` call.

``minimizef`` runs ``for _ in tf.range(1000)`` over the ``optimizer_loop`` step (tape, ``a*x**2 + b*x + c``,
gradient, ``SGD(learning_rate=0.01).apply_gradients``) on a scalar Variable, then returns ``y`` at the
final ``x``, as the tutorial writes it. One ``step`` is one call, i.e. 1000 descent steps, timed two ways:

- the ``jit`` legs are the same function with ``jit_compile=True`` (tapeflow: Numba; TensorFlow: XLA);
- the plain legs time the *repeated* call, the steady state once the function has been traced;
- the ``first call`` legs time what a user waits for on the *first* call: every ``step`` builds a new
  Variable, a new optimizer and a new ``tf.function`` (for JAX a new ``jax.jit`` of new closures) and calls
  it once, so each call traces, compiles and runs. This is done in-process: the framework is already
  imported and its process-wide caches are warm, but nothing of the previous functions is reused (XLA logs
  a compilation on every JAX call).

In TensorFlow, AutoGraph turns the ``tf.range`` loop into one ``while_loop``; without it a tracer unrolls
the loop into 1000 copies of the body, which makes the first call slow. JAX runs ``lax.fori_loop`` over
``jax.grad`` of the same function. The NumPy reference is a Python loop over ``tutorial_loop``'s
hand-written step. ``check`` compares ``x`` after the checked call (about 0.99999857, from 0).
"""

from __future__ import annotations

from functools import partial
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import tutorial_loop
from benchmarks.harness import SUBJECT, Step, Workload, legs, load
from benchmarks.tutorial_loop import LEARNING_RATE, A, B, C

__all__ = ["WORKLOAD"]

STEPS = 1000
FIRST_CALL = "first call"  # the variant of a leg that times the first call of a new function
JIT = "jit"  # tf.function(jit_compile=True): Numba for tapeflow (the [jit] extra), XLA for TensorFlow


def numpy_reference() -> Step:
    """``tutorial_loop``'s hand-written float32 step, ``STEPS`` times in a Python loop."""
    descend = tutorial_loop.numpy_reference()

    def step() -> object:
        for _ in range(STEPS):
            x = descend()
        return x

    return step


def minimizer(tf: ModuleType, jit_compile: bool = False) -> tuple[Any, Any]:
    """A new Variable ``x`` and the tutorial's ``minimizef`` over it, with a new optimizer, not yet traced
    (``jit_compile``: tapeflow's Numba, TensorFlow's XLA)."""
    x = tf.Variable(0.0, name="x", dtype=tf.float32)
    optimizer = tf.keras.optimizers.SGD(learning_rate=LEARNING_RATE)

    @tf.function(jit_compile=jit_compile)
    def minimizef() -> Any:
        a, b, c = tf.constant(A), tf.constant(B), tf.constant(C)
        for _ in tf.range(STEPS):
            with tf.GradientTape() as tape:
                y = a * tf.pow(x, 2) + b * x + c
            dy_dx = tape.gradient(y, x)
            optimizer.apply_gradients(grads_and_vars=[(dy_dx, x)])
        y = a * tf.pow(x, 2) + b * x + c
        return y

    return x, minimizef


def tf_api(module: str, jit_compile: bool = False) -> Step:
    """tapeflow and TensorFlow, repeated call: one function, traced by the warm-up call."""
    x, minimizef = minimizer(load(module), jit_compile)

    def step() -> object:
        minimizef()
        return x

    return step


def tf_first_call(module: str, jit_compile: bool = False) -> Step:
    """tapeflow and TensorFlow, first call: a new Variable, optimizer and ``tf.function`` every call
    (with ``jit_compile``, tapeflow's Numba finds the machine code in its disk cache after the first)."""
    tf = load(module)

    def step() -> object:
        x, minimizef = minimizer(tf, jit_compile)
        minimizef()
        return x

    return step


def jax_minimizer() -> Any:
    """A new ``jax.jit``-compiled function from ``x`` to ``x`` after ``STEPS`` descent steps."""
    jax = load("jax")
    grad = jax.grad(lambda x: A * x**2 + B * x + C)
    return jax.jit(lambda x: jax.lax.fori_loop(0, STEPS, lambda _, x: x - LEARNING_RATE * grad(x), x))


def jax_leg() -> Step:
    """Repeated call: one compiled function, carrying ``x`` from call to call."""
    jax = load("jax")
    minimize = jax_minimizer()
    x = np.float32(0.0)

    def step() -> object:
        nonlocal x
        x = jax.block_until_ready(minimize(x))
        return x

    return step


def jax_first_call() -> Step:
    """First call: new closures under a new ``jax.jit`` every call, so it traces and compiles again."""
    jax = load("jax")
    return lambda: jax.block_until_ready(jax_minimizer()(np.float32(0.0)))


WORKLOAD = Workload(
    name="function_loop",
    title=f"@tf.function minimizef: for _ in tf.range({STEPS}): tape, a*x**2 + b*x + c, gradient, "
    "SGD(0.01).apply_gradients",
    unit=f"s/call ({STEPS} steps)",
    scale=1,
    legs={
        **legs(numpy_reference, tf_api, jax=jax_leg),
        f"{SUBJECT} {JIT}": partial(tf_api, SUBJECT, jit_compile=True),
        f"tensorflow {JIT}": partial(tf_api, "tensorflow", jit_compile=True),
        f"{SUBJECT} {FIRST_CALL}": partial(tf_first_call, SUBJECT),
        f"{SUBJECT} {JIT} {FIRST_CALL}": partial(tf_first_call, SUBJECT, jit_compile=True),
        f"tensorflow {FIRST_CALL}": partial(tf_first_call, "tensorflow"),
        f"tensorflow {JIT} {FIRST_CALL}": partial(tf_first_call, "tensorflow", jit_compile=True),
        f"jax {FIRST_CALL}": jax_first_call,
    },
)
