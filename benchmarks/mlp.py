"""One training step's worth of autodiff on an MLP 784-256-256-10: forward, loss and all six gradients.

ReLU hidden layers, sparse softmax cross-entropy against integer labels, mean over a float32 batch of 128.
Here the matrix products dominate, so the workload shows how much a framework adds on top of the BLAS
calls it shares with NumPy. Every leg starts from the same NumPy-initialised weights, so their gradients
can be checked against the hand-written reference. One ``step`` is forward + gradient (no update).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Step, Workload, legs, load

__all__ = ["WORKLOAD"]

SIZES = (784, 256, 256, 10)
BATCH = 128


def data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """He-initialised weights and zero biases ``[w1, b1, w2, b2, w3, b3]``, inputs and int32 labels."""
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        weights = rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out)).astype(np.float32)
        params += [weights, np.zeros(n_out, np.float32)]
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    return params, x, rng.integers(0, SIZES[-1], BATCH).astype(np.int32)


def logits(params: list[Any], x: Any, matmul: Callable, relu: Callable) -> Any:
    """The network, written once for every framework: ``matmul`` and ``relu`` are the framework's own."""
    h = x
    for i in range(0, len(params), 2):
        h = matmul(h, params[i]) + params[i + 1]
        if i + 2 < len(params):
            h = relu(h)
    return h


def cross_entropy(z: Any, labels: Any, xnp: Any, logsumexp: Callable) -> Any:
    """Mean sparse softmax cross-entropy for the NumPy-like frameworks (JAX, autograd)."""
    log_p = z - logsumexp(z, axis=1, keepdims=True)
    return -xnp.mean(log_p[xnp.arange(BATCH), labels])


def numpy_reference() -> Step:
    """Forward keeping the activations, then backpropagation by hand."""
    params, x, labels = data()
    rows = np.arange(BATCH)

    def step() -> object:
        acts = [x]
        for i in range(0, len(params), 2):
            z = acts[-1] @ params[i] + params[i + 1]
            acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
        z = acts.pop()
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[rows, labels] -= 1
        delta = p / BATCH  # d(mean loss)/d(logits)
        grads = []
        for i in reversed(range(0, len(params), 2)):
            grads[:0] = [acts[i // 2].T @ delta, delta.sum(axis=0)]
            if i:
                delta = (delta @ params[i].T) * (acts[i // 2] > 0)
        return grads

    return step


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: Variables, a GradientTape and the tf.nn ops."""
    tf = load(module)
    params, x, labels = data()
    variables = [tf.Variable(p) for p in params]
    x, labels = tf.constant(x), tf.constant(labels)

    def step() -> object:
        with tf.GradientTape() as tape:
            z = logits(variables, x, tf.matmul, tf.nn.relu)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=z))
        return tape.gradient(loss, variables)

    return step


def torch_leg() -> Step:
    torch = load("torch")
    params, x, labels = data()
    params = [torch.from_numpy(p).requires_grad_(True) for p in params]
    x, labels = torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))

    def step() -> object:
        z = logits(params, x, torch.matmul, torch.relu)
        return torch.autograd.grad(torch.nn.functional.cross_entropy(z, labels), params)

    return step


def jax_leg() -> Step:
    """Eager ``jax.grad`` (no ``jit``): every op is dispatched one by one, as in the other legs."""
    jax = load("jax")
    jnp = jax.numpy
    params, x, labels = data()
    params = [jnp.asarray(p) for p in params]

    def loss(params: list[Any]) -> Any:
        return cross_entropy(logits(params, x, jnp.matmul, jax.nn.relu), labels, jnp, jax.nn.logsumexp)

    grad = jax.grad(loss)
    return lambda: jax.block_until_ready(grad(params))


def autograd_leg() -> Step:
    autograd = load("autograd")
    anp = autograd.numpy
    logsumexp = load("autograd.scipy.special").logsumexp
    params, x, labels = data()

    def loss(params: list[Any]) -> Any:
        z = logits(params, x, anp.matmul, lambda h: anp.maximum(h, 0))
        return cross_entropy(z, labels, anp, logsumexp)

    grad = autograd.grad(loss)
    return lambda: grad(params)


WORKLOAD = Workload(
    name="mlp",
    title=f"MLP {'-'.join(map(str, SIZES))}, relu, sparse softmax xent, batch {BATCH}, float32, "
    "forward + 6 gradients",
    unit="ms/step",
    scale=1e3,
    rate="steps/s",
    legs=legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg, autograd=autograd_leg),
)
