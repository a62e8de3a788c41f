"""A chain of 20 small elementwise ops on a 10-element float32 vector, forward and gradient.

With ten elements the arithmetic is free, so this isolates what each framework pays per op: dispatch,
the tape entry, and the gradient rule on the way back. One ``step`` is the whole chain forward plus its
gradient (vector-Jacobian product with ones, which is what ``tape.gradient`` of a non-scalar target does);
the table divides by the 20 ops and reports microseconds per op.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

CHAIN = ("sin", "mul", "tanh", "add", "exp") * 4
SIZE = 10


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, SIZE).astype(np.float32), rng.uniform(0.5, 1.5, SIZE).astype(np.float32)


def chain(xnp: Any, w: Any) -> list[Callable]:
    """The ops of CHAIN as callables of one argument, built from a NumPy-like module ``xnp``."""
    ops = {"sin": xnp.sin, "tanh": xnp.tanh, "exp": xnp.exp, "mul": lambda h: h * w, "add": lambda h: h + w}
    return [ops[op] for op in CHAIN]


def forward(ops: list[Callable], h: Any) -> Any:
    for op in ops:
        h = op(h)
    return h


def numpy_reference() -> Step:
    """Forward keeping every intermediate, then the chain rule by hand."""
    x, w = data()
    ops = chain(np, w)
    derivative = {
        "sin": lambda h_in, h_out: np.cos(h_in),
        "tanh": lambda h_in, h_out: 1 - h_out * h_out,
        "exp": lambda h_in, h_out: h_out,
        "mul": lambda h_in, h_out: w,
    }

    def step() -> object:
        hs = [x]
        for op in ops:
            hs.append(op(hs[-1]))
        g = np.ones_like(x)
        for i in reversed(range(len(CHAIN))):
            if CHAIN[i] != "add":
                g = g * derivative[CHAIN[i]](hs[i], hs[i + 1])
        return g

    return step


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: watch a constant, gradient of the non-scalar result."""
    tf = load(module)
    x, w = (tf.constant(v) for v in data())
    ops = chain(tf, w)

    def step() -> object:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = forward(ops, x)
        return tape.gradient(y, x)

    return step


def torch_leg() -> Step:
    torch = load("torch")
    x, w = (torch.from_numpy(v) for v in data())
    x.requires_grad_(True)
    ops, ones = chain(torch, w), torch.ones(SIZE)

    def step() -> object:
        return torch.autograd.grad(forward(ops, x), x, grad_outputs=ones)[0]

    return step


def jax_leg() -> Step:
    """Eager ``jax.vjp`` (no ``jit``)."""
    jax = load("jax")
    x, w = (jax.numpy.asarray(v) for v in data())
    ops, ones = chain(jax.numpy, w), jax.numpy.ones(SIZE, np.float32)

    def step() -> object:
        _, vjp = jax.vjp(partial(forward, ops), x)
        return jax.block_until_ready(vjp(ones)[0])

    return step


def autograd_leg() -> Step:
    autograd = load("autograd")
    x, w = data()
    gradient = autograd.elementwise_grad(partial(forward, chain(autograd.numpy, w)))
    return partial(gradient, x)


WORKLOAD = Workload(
    name="op_chain",
    title=f"{len(CHAIN)} elementwise ops (sin, mul, tanh, add, exp) on float32[{SIZE}], forward + gradient",
    unit="us/op",
    scale=1e6 / len(CHAIN),
    legs=legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg, autograd=autograd_leg),
)
