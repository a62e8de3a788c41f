"""The ``mlp_adam`` training step compiled: ``tf.function`` for tapeflow and TensorFlow, ``jax.jit`` for JAX.

The step is ``mlp_adam``'s, unchanged - forward, sparse softmax cross-entropy, six gradients on a
GradientTape and ``Adam(learning_rate=1e-3).apply_gradients`` (Keras 2's Adam written by hand in jax.numpy
for JAX) - wrapped whole in ``tf.function`` or ``jax.jit``; the ``jit`` legs add
``jit_compile=True`` (tapeflow: Numba, which splits this step at its matmuls, with a warning: NumPy's
BLAS runs them, and everything between them - bias adds, relus, softmax, cross-entropy, gradients,
Adam in place - runs natively; TensorFlow: XLA). The first of the three warm-up calls traces and
compiles, so the table shows the steady state; ``check`` compares the loss of the third step with
``mlp_adam``'s NumPy reference, which is also the reference here. One ``step`` is one training step.
"""

from __future__ import annotations

from functools import partial

from benchmarks import mlp_adam
from benchmarks.harness import SUBJECT, Step, Workload, legs, load
from benchmarks.mlp import BATCH, SIZES

__all__ = ["WORKLOAD"]


def tf_api(module: str, jit_compile: bool = False) -> Step:
    """tapeflow and TensorFlow: ``mlp_adam``'s step, Variables and optimizer, under ``tf.function``
    (``jit_compile``: tapeflow's Numba, TensorFlow's XLA)."""
    return load(module).function(mlp_adam.tf_api(module), jit_compile=jit_compile)


WORKLOAD = Workload(
    name="mlp_compiled",
    title=f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, float32: forward, 6 gradients, "
    f"Adam({mlp_adam.LEARNING_RATE:g}) update, compiled (tf.function, jax.jit)",
    unit="ms/step",
    scale=1e3,
    rate="steps/s",
    legs={
        **legs(mlp_adam.numpy_reference, tf_api, jax=partial(mlp_adam.jax_training, jit=True)),
        f"{SUBJECT} jit": partial(tf_api, SUBJECT, jit_compile=True),
        "tensorflow jit": partial(tf_api, "tensorflow", jit_compile=True),
    },
    warmup=mlp_adam.CHECKED_STEP,
)
