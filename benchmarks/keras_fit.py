"""One epoch of ``model.fit``: the ``mlp`` network (784-256-256-10) as a Keras model, trained with Adam on
12,800 synthetic samples in batches of 128, as a new user's first Keras program does it.

tapeflow and TensorFlow (tf-keras 2.21) run the same program: a ``Sequential`` of ``Dense`` layers, the
weights of ``mlp.data()`` set with ``set_weights``, ``compile(Adam(1e-3), SparseCategoricalCrossentropy(
from_logits=True))`` and ``fit(batch_size=128, shuffle=False, verbose=0)``. PyTorch runs its usual loop over
a ``DataLoader``; JAX a loop over the same batches of one ``jax.jit``-compiled step (``mlp``'s loss and
``mlp_adam``'s hand-written Adam in jax.numpy, no optax); the NumPy reference is ``mlp``'s hand-written
backpropagation and ``mlp_adam``'s Adam over
the same batches. The checked value is the first epoch's mean loss (the warm-up call, tracing included);
timing goes on training further epochs from there. The ``first epoch`` legs time what a user waits for:
every call builds, compiles and fits a new model for one epoch (tracing its train step; JAX: a new
``jax.jit`` of a new step function, compiled on its first batch).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from benchmarks.harness import SUBJECT, Step, Workload, legs, load
from benchmarks.mlp import SIZES, cross_entropy, data, logits, numpy_loss_and_gradients
from benchmarks.mlp_adam import BETA_1, BETA_2, EPSILON, LEARNING_RATE, in_place_training, jax_adam, step_size

__all__ = ["WORKLOAD"]

SAMPLES, BATCH = 12_800, 128


def samples() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """``mlp``'s initial weights, and 12,800 normal inputs with uniform int32 labels."""
    params, _, _ = data()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(SAMPLES, SIZES[0])).astype(np.float32)
    return params, x, rng.integers(0, SIZES[-1], SAMPLES).astype(np.int32)


def numpy_reference() -> Step:
    """The hand-written backpropagation and Adam, batch after batch; the epoch's mean loss."""
    params, x, labels = samples()
    batches = [(x[i : i + BATCH], labels[i : i + BATCH]) for i in range(0, SAMPLES, BATCH)]
    current: list = []
    step = in_place_training(params, lambda p: numpy_loss_and_gradients(p, *current[0]))

    def epoch() -> object:
        total = 0.0
        for batch in batches:
            current[:] = [batch]
            total += float(step())
        return total / len(batches)

    return epoch


FIRST_EPOCH = "first epoch"  # the variant that times building, compiling and fitting a new model


def compiled_model(tf: Any, params: list[np.ndarray]) -> Any:
    """The Keras model with ``mlp``'s weights, compiled with Adam and the sparse cross-entropy."""
    layers = tf.keras.layers
    model = tf.keras.Sequential([layers.Dense(SIZES[1], activation="relu", input_shape=(SIZES[0],)),
                                 layers.Dense(SIZES[2], activation="relu"), layers.Dense(SIZES[3])])
    model.set_weights(params)
    model.compile(optimizer=tf.keras.optimizers.Adam(LEARNING_RATE),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def tf_api(module: str) -> Step:
    """tapeflow and TensorFlow: ``Sequential``, ``compile``, one epoch of ``fit`` per call."""
    tf = load(module)
    params, x, labels = samples()
    model = compiled_model(tf, params)

    def epoch() -> object:
        return model.fit(x, labels, batch_size=BATCH, epochs=1, shuffle=False, verbose=0).history["loss"][0]

    return epoch


def tf_first_epoch(module: str) -> Step:
    """tapeflow and TensorFlow: a new model every call, built, compiled and fitted for one epoch."""
    tf = load(module)
    params, x, labels = samples()

    def epoch() -> object:
        model = compiled_model(tf, params)
        return model.fit(x, labels, batch_size=BATCH, epochs=1, shuffle=False, verbose=0).history["loss"][0]

    return epoch


def torch_leg() -> Step:
    """PyTorch's usual loop: a DataLoader over a TensorDataset, ``nn.Sequential``, ``optim.Adam``."""
    torch = load("torch")
    params, x, labels = samples()
    model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
                                torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.ReLU(),
                                torch.nn.Linear(SIZES[2], SIZES[3]))
    with torch.no_grad():
        for layer, (w, b) in zip(model[::2], zip(params[::2], params[1::2])):
            layer.weight.copy_(torch.from_numpy(w.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))),
        batch_size=BATCH, shuffle=False)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON)

    def epoch() -> object:
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / len(loader)

    return epoch


def jax_leg(fresh: bool = False) -> Step:
    """JAX: the epoch's batches through a ``jax.jit`` step of ``jax.value_and_grad`` and Adam; the losses
    stay on the device until the epoch's mean. ``fresh``: a new jitted function (and weights) every call."""
    jax = load("jax")
    jnp = jax.numpy
    params, x, labels = samples()
    batches = [
        (jnp.asarray(x[i : i + BATCH]), jnp.asarray(labels[i : i + BATCH])) for i in range(0, SAMPLES, BATCH)
    ]

    def new_training() -> list:
        def loss(weights: list, xb: Any, yb: Any) -> Any:
            return cross_entropy(logits(weights, xb, jnp.matmul, jax.nn.relu), yb, jnp, jax.nn.logsumexp)

        weights = [jnp.asarray(p) for p in params]
        zeros = [jnp.zeros_like(w) for w in weights]
        return [jax.jit(jax_adam(jax.value_and_grad(loss))), weights, zeros, zeros, 0]

    state = new_training()

    def epoch() -> object:
        training = new_training() if fresh else state
        update, weights, first, second, t = training
        losses = []
        for xb, yb in batches:
            t += 1
            loss, weights, first, second = update(weights, first, second, step_size(t), xb, yb)
            losses.append(loss)
        training[1:] = [weights, first, second, t]
        return float(jnp.mean(jnp.stack(losses)))

    return epoch


WORKLOAD = Workload(
    name="keras_fit",
    title=f"Keras fit, MLP {'-'.join(map(str, SIZES))}, Adam({LEARNING_RATE:g}), {SAMPLES} samples, "
    f"batch {BATCH}: one epoch",
    unit="ms/epoch",
    scale=1e3,
    legs={
        **legs(numpy_reference, tf_api, torch=torch_leg, jax=jax_leg),
        f"{SUBJECT} {FIRST_EPOCH}": partial(tf_first_epoch, SUBJECT),
        f"tensorflow {FIRST_EPOCH}": partial(tf_first_epoch, "tensorflow"),
        f"jax {FIRST_EPOCH}": partial(jax_leg, fresh=True),
    },
    rate="samples/s",
    rate_scale=SAMPLES,
    number=1,
)
