"""The tutorial's eager loop: minimise ``a*x**2 + b*x + c`` by gradient descent on a scalar variable.

Each step records a tiny forward pass on a tape, asks for one gradient and updates the variable, so the
workload measures per-op and per-tape overhead, not arithmetic. One ``step`` call is one descent step;
the table reports seconds per 1000 steps.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

A, B, C = 1.0, -2.0, 1.0
LEARNING_RATE = 0.01


def numpy_reference() -> Step:
    """Hand-written derivative ``2*a*x + b`` on NumPy float32 scalars."""
    a, b, c, lr = (np.float32(v) for v in (A, B, C, LEARNING_RATE))
    x = np.float32(0.0)

    def step() -> object:
        nonlocal x
        _ = a * x**2 + b * x + c
        x = x - lr * (2 * a * x + b)
        return x

    return step


def tf_api(module: str) -> Step:
    """The tutorial verbatim, for tapeflow and for TensorFlow (same API)."""
    tf = load(module)
    x = tf.Variable(0.0)

    def step() -> object:
        with tf.GradientTape() as tape:
            y = A * tf.pow(x, 2) + B * x + C
        g = tape.gradient(y, x)
        x.assign_sub(LEARNING_RATE * g)
        return x

    return step


def torch_leg() -> Step:
    torch = load("torch")
    x = torch.tensor(0.0, requires_grad=True)

    def step() -> object:
        y = A * torch.pow(x, 2) + B * x + C
        y.backward()
        with torch.no_grad():
            x.sub_(LEARNING_RATE * x.grad)
        x.grad = None
        return x

    return step


def jax_leg() -> Step:
    """Eager ``jax.grad`` (no ``jit``): the function is re-traced on every call, as in an eager loop."""
    jax = load("jax")
    grad = jax.grad(lambda x: A * x**2 + B * x + C)
    x = jax.numpy.float32(0.0)

    def step() -> object:
        nonlocal x
        x = jax.block_until_ready(x - LEARNING_RATE * grad(x))
        return x

    return step


def autograd_leg() -> Step:
    grad = load("autograd").grad(lambda x: A * x**2 + B * x + C)
    x = 0.0

    def step() -> object:
        nonlocal x
        x = x - LEARNING_RATE * grad(x)
        return x

    return step


WORKLOAD = Workload(
    name="tutorial_loop",
    title="x = Variable(0.0); tape, y = a*x**2 + b*x + c, gradient, assign_sub",
    unit="s/1000 steps",
    scale=1000,
    legs=legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg, autograd=autograd_leg),
)
