"""The cost of logging: ``mlp_compiled``'s training step with one ``tf.summary.scalar`` of its loss.

The ``logging`` legs run the compiled MLP step (forward, six gradients, Adam) with the loss written to an
event file in a temporary directory each step, at the optimizer's step count, inside the ``tf.function``,
as a training program logs its curve; the writer keeps its defaults (a queue of 10 events, written out
when full). The plain legs are the same step without the summary, so the share logging costs is
``tapeflow logging`` / ``tapeflow`` - 1 (and likewise for TensorFlow, whose ``tf.summary.scalar`` needs the
tensorboard package). The check compares each leg's third loss with ``mlp_adam``'s NumPy reference.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile

from benchmarks import mlp_adam, mlp_compiled
from benchmarks.harness import REFERENCE, SUBJECT, Step, Workload, load
from benchmarks.mlp import BATCH, SIZES, tf_data, tf_loss

__all__ = ["WORKLOAD"]

LOGGING = "logging"  # the variant of a leg that writes a scalar summary every step


def tf_logging(module: str) -> Step:
    """tapeflow and TensorFlow: ``mlp_compiled``'s step, plus the loss as a scalar summary."""
    tf = load(module)
    variables, x, labels = tf_data(tf)
    optimizer = tf.keras.optimizers.Adam(learning_rate=mlp_adam.LEARNING_RATE)
    logdir = tempfile.mkdtemp(prefix=f"{module}-summary-")
    atexit.register(shutil.rmtree, logdir, ignore_errors=True)
    writer = tf.summary.create_file_writer(logdir)

    @tf.function
    def step() -> object:
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        with writer.as_default():
            tf.summary.scalar("loss", loss, step=optimizer.iterations)
        return loss

    return step


WORKLOAD = Workload(
    name="summary_scalar",
    title=f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}: the compiled Adam step, and with "
    f"tf.summary.scalar(loss) each step ('{LOGGING}')",
    unit="ms/step",
    scale=1e3,
    rate="steps/s",
    legs={
        REFERENCE: mlp_adam.numpy_reference,
        SUBJECT: lambda: mlp_compiled.tf_api(SUBJECT),
        f"{SUBJECT} {LOGGING}": lambda: tf_logging(SUBJECT),
        "tensorflow": lambda: mlp_compiled.tf_api("tensorflow"),
        f"tensorflow {LOGGING}": lambda: tf_logging("tensorflow"),
    },
    warmup=mlp_adam.CHECKED_STEP,
)
