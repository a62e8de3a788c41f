"""The tutorial's loop with the update done by an optimizer: ``SGD(learning_rate=0.01).apply_gradients``.

The same minimisation of ``a*x**2 + b*x + c`` on a scalar variable as ``tutorial_loop``, but the variable is
updated through ``tf.keras.optimizers.SGD`` (``torch.optim.SGD`` for PyTorch) instead of ``assign_sub``, so
the difference between the two tables is what the optimizer machinery costs per step. Plain SGD keeps no
state, so the NumPy reference, JAX and autograd legs, whose updates are written by hand, are the tutorial's.
One ``step`` call is one descent step; the table reports seconds per 1000 steps.
"""

from __future__ import annotations

from benchmarks.harness import Step, Workload, legs, load
from benchmarks.tutorial_loop import LEARNING_RATE, A, B, C, autograd_leg, jax_leg, numpy_reference

__all__ = ["WORKLOAD"]


def tf_api(module: str) -> Step:
    """The tutorial with a Keras optimizer, for tapeflow and for TensorFlow (same API)."""
    tf = load(module)
    x = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=LEARNING_RATE)

    def step() -> object:
        with tf.GradientTape() as tape:
            y = A * tf.pow(x, 2) + B * x + C
        g = tape.gradient(y, x)
        optimizer.apply_gradients([(g, x)])
        return x

    return step


def torch_leg() -> Step:
    torch = load("torch")
    x = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=LEARNING_RATE)

    def step() -> object:
        optimizer.zero_grad()
        y = A * torch.pow(x, 2) + B * x + C
        y.backward()
        optimizer.step()
        return x

    return step


WORKLOAD = Workload(
    name="optimizer_loop",
    title="x = Variable(0.0); tape, y = a*x**2 + b*x + c, gradient, SGD(0.01).apply_gradients",
    unit="s/1000 steps",
    scale=1000,
    legs=legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg, autograd=autograd_leg),
)
