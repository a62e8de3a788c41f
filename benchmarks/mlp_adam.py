"""One full training step of the ``mlp`` network: forward, loss, the six gradients and an Adam update.

The network, data and loss are ``mlp``'s (784-256-256-10, batch 128, float32); on top of them each leg
applies Keras 2's Adam with ``learning_rate=1e-3``: ``tf.keras.optimizers.Adam`` for tapeflow and TensorFlow,
``torch.optim.Adam(eps=1e-7)`` for PyTorch, and the update written by hand for the NumPy reference, JAX and
autograd. The legs train on the same batch from the same initial weights, so their losses follow the same
trajectory: the checked value is the loss returned by the third step, computed from the weights after two
Adam updates (it falls from about 3.0 to 1.1 on the way, so a wrong gradient or update shows). One ``step``
returns its loss, computed before its update. Timing goes on training the same batch, so the loss tends to
zero; over thousands of steps the gradients stay far from float32's subnormals, so a step's cost does not
depend on how many steps a leg has made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Step, Workload, legs, load
from benchmarks.mlp import (
    BATCH,
    SIZES,
    autograd_loss,
    data,
    jax_loss,
    numpy_loss_and_gradients,
    tf_data,
    tf_loss,
    torch_data,
    torch_loss,
)

__all__ = ["WORKLOAD"]

LEARNING_RATE = 1e-3
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Keras' defaults; PyTorch's epsilon is 1e-8, so it is passed
CHECKED_STEP = 3


def step_size(t: int) -> float:
    """Keras' bias-corrected learning rate for step ``t`` (1-based)."""
    return LEARNING_RATE * math.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)


def in_place_training(
    params: list[np.ndarray], loss_and_gradients: Callable[[list], tuple[Any, list]]
) -> Step:
    """Training steps on NumPy parameters: gradients from ``loss_and_gradients``, Adam by hand, in place.

    The moments and one scratch array per parameter are allocated once, so an update allocates nothing.
    """
    first, second, scratch = ([np.zeros_like(p) for p in params] for _ in range(3))
    t = 0

    def step() -> object:
        nonlocal t
        t += 1
        loss, grads = loss_and_gradients(params)
        alpha = step_size(t)
        for w, g, m, v, s in zip(params, grads, first, second, scratch):
            np.subtract(g, m, out=s)  # m += (g - m) * (1 - beta_1)
            s *= 1 - BETA_1
            m += s
            np.multiply(g, g, out=s)  # v += (g*g - v) * (1 - beta_2)
            s -= v
            s *= 1 - BETA_2
            v += s
            np.sqrt(v, out=s)  # w -= alpha * m / (sqrt(v) + epsilon)
            s += EPSILON
            np.divide(m, s, out=s)
            s *= alpha
            w -= s
        return loss

    return step


def numpy_reference() -> Step:
    """``mlp``'s hand-written backpropagation, then the hand-written Adam."""
    params, x, labels = data()
    return in_place_training(params, lambda p: numpy_loss_and_gradients(p, x, labels))


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: a GradientTape, then ``Adam.apply_gradients``."""
    tf = load(module)
    variables, x, labels = tf_data(tf)
    optimizer = tf.keras.optimizers.Adam(learning_rate=LEARNING_RATE)

    def step() -> object:
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    return step


def torch_leg() -> Step:
    torch = load("torch")
    params, x, labels = torch_data(torch)
    optimizer = torch.optim.Adam(params, lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON)

    def step() -> object:
        optimizer.zero_grad()
        loss = torch_loss(torch, params, x, labels)
        loss.backward()
        optimizer.step()
        return loss

    return step


def jax_adam(value_and_grad: Callable) -> Callable:
    """Keras 2's Adam in jax.numpy around ``value_and_grad(params, *batch)``: a pure function
    ``(params, first, second, step_size, *batch) -> (loss, params, first, second)``, ready for ``jax.jit``."""
    jnp = load("jax").numpy

    def update(params: list, first: list, second: list, alpha: float, *batch: Any) -> tuple:
        loss, grads = value_and_grad(params, *batch)
        first = [m + (g - m) * (1 - BETA_1) for g, m in zip(grads, first)]
        second = [v + (g * g - v) * (1 - BETA_2) for g, v in zip(grads, second)]
        params = [w - alpha * m / (jnp.sqrt(v) + EPSILON) for w, m, v in zip(params, first, second)]
        return loss, params, first, second

    return update


def jax_training(jit: bool) -> Step:
    """JAX training steps: ``jax.value_and_grad`` and the Adam update written in jax.numpy, as one pure
    function of the parameters, moments and step size; ``jit`` compiles that function with ``jax.jit``."""
    jax = load("jax")
    jnp = jax.numpy
    params, x, labels = data()
    params = [jnp.asarray(p) for p in params]
    first = second = [jnp.zeros_like(p) for p in params]
    update = jax_adam(jax.value_and_grad(jax_loss(x, labels)))
    update = jax.jit(update) if jit else update
    t = 0

    def step() -> object:
        nonlocal params, first, second, t
        t += 1
        loss, params, first, second = jax.block_until_ready(update(params, first, second, step_size(t)))
        return loss

    return step


def jax_leg() -> Step:
    """Eager ``jax.value_and_grad`` (no ``jit``) and the Adam update written in jax.numpy."""
    return jax_training(jit=False)


def autograd_leg() -> Step:
    """``autograd.value_and_grad`` on NumPy parameters, then the NumPy reference's Adam."""
    params, x, labels = data()
    return in_place_training(params, load("autograd").value_and_grad(autograd_loss(x, labels)))


WORKLOAD = Workload(
    name="mlp_adam",
    title=f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32: forward, 6 gradients, "
    f"Adam({LEARNING_RATE:g}) update",
    unit="ms/step",
    scale=1e3,
    rate="steps/s",
    legs=legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg, autograd=autograd_leg),
    warmup=CHECKED_STEP,
)
