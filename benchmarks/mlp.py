"""One training step's worth of autodiff on an MLP 784-256-256-10: forward, loss and all six gradients.

ReLU hidden layers, sparse softmax cross-entropy against integer labels, mean over a float32 batch of 128.
Here the matrix products dominate, so the workload shows how much a framework adds on top of the BLAS
calls it shares with NumPy. Every leg starts from the same NumPy-initialised weights, so their gradients
can be checked against the hand-written reference. One ``step`` is forward + gradient (no update).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
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


def numpy_loss_and_gradients(params: list[np.ndarray], x: np.ndarray, labels: np.ndarray) -> tuple[Any, list]:
    """Forward keeping the activations, then backpropagation by hand: the mean loss and the six gradients."""
    rows = np.arange(BATCH)
    acts = [x]
    for i in range(0, len(params), 2):
        z = acts[-1] @ params[i] + params[i + 1]
        acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
    z = acts.pop()
    z -= z.max(axis=1, keepdims=True)
    p = np.exp(z)
    total = p.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(total[:, 0]) - z[rows, labels])
    p /= total
    p[rows, labels] -= 1
    delta = p / BATCH  # d(mean loss)/d(logits)
    grads = []
    for i in reversed(range(0, len(params), 2)):
        grads[:0] = [acts[i // 2].T @ delta, delta.sum(axis=0)]
        if i:
            delta = (delta @ params[i].T) * (acts[i // 2] > 0)
    return loss, grads


def numpy_reference() -> Step:
    params, x, labels = data()
    return lambda: numpy_loss_and_gradients(params, x, labels)[1]


def tf_loss(tf: ModuleType, variables: list[Any], x: Any, labels: Any) -> Any:
    """The mean loss in tapeflow or TensorFlow (same API), to be recorded on a tape."""
    z = logits(variables, x, tf.matmul, tf.nn.relu)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=z))


def tf_data(tf: ModuleType) -> tuple[list[Any], Any, Any]:
    """The shared data as Variables and constants of tapeflow or TensorFlow."""
    params, x, labels = data()
    return [tf.Variable(p) for p in params], tf.constant(x), tf.constant(labels)


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: Variables, a GradientTape and the tf.nn ops."""
    tf = load(module)
    variables, x, labels = tf_data(tf)

    def step() -> object:
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        return tape.gradient(loss, variables)

    return step


def torch_data(torch: ModuleType) -> tuple[list[Any], Any, Any]:
    """The shared data as torch tensors: parameters that require gradients, int64 labels."""
    params, x, labels = data()
    params = [torch.from_numpy(p).requires_grad_(True) for p in params]
    return params, torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


def torch_loss(torch: ModuleType, params: list[Any], x: Any, labels: Any) -> Any:
    return torch.nn.functional.cross_entropy(logits(params, x, torch.matmul, torch.relu), labels)


def torch_leg() -> Step:
    torch = load("torch")
    params, x, labels = torch_data(torch)
    return lambda: torch.autograd.grad(torch_loss(torch, params, x, labels), params)


def jax_loss(x: np.ndarray, labels: np.ndarray) -> Callable[[list[Any]], Any]:
    """The mean loss as a function of the parameters, in jax.numpy."""
    jax = load("jax")
    jnp = jax.numpy
    return lambda params: cross_entropy(
        logits(params, x, jnp.matmul, jax.nn.relu), labels, jnp, jax.nn.logsumexp
    )


def jax_leg() -> Step:
    """Eager ``jax.grad`` (no ``jit``): every op is dispatched one by one, as in the other legs."""
    jax = load("jax")
    params, x, labels = data()
    params = [jax.numpy.asarray(p) for p in params]
    grad = jax.grad(jax_loss(x, labels))
    return lambda: jax.block_until_ready(grad(params))


def autograd_loss(x: np.ndarray, labels: np.ndarray) -> Callable[[list[Any]], Any]:
    """The mean loss as a function of the parameters, in autograd.numpy."""
    anp = load("autograd.numpy")
    logsumexp = load("autograd.scipy.special").logsumexp
    return lambda params: cross_entropy(
        logits(params, x, anp.matmul, lambda h: anp.maximum(h, 0)), labels, anp, logsumexp
    )


def autograd_leg() -> Step:
    params, x, labels = data()
    grad = load("autograd").grad(autograd_loss(x, labels))
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
