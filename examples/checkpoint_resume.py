"""Train, checkpoint every epoch with a `tf.train.CheckpointManager`, stop, and resume.

The model and its Adam optimizer are saved together (`tf.train.Checkpoint(model=..., optimizer=...)`),
in TensorFlow's own format: TensorFlow can restore these files, and tapeflow restores TensorFlow's.
The first run trains 3 epochs and stops; the second run finds the latest checkpoint, restores the
weights, the optimizer's step and slots (created by its first step, they take their saved values),
and trains on: its losses continue exactly where an uninterrupted run would be.

Run: python examples/checkpoint_resume.py [directory]   (a temporary directory by default)
"""

import sys
import tempfile

import numpy as np

import tapeflow as tf


class Regression(tf.Module):
    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(0)
        self.hidden = tf.Variable(rng.normal(0, 0.5, (2, 16)).astype(np.float32), name="hidden")
        self.out = tf.Variable(rng.normal(0, 0.5, (16, 1)).astype(np.float32), name="out")

    def __call__(self, x):
        return tf.tanh(x @ self.hidden) @ self.out


def data():
    x = np.random.default_rng(1).uniform(-1, 1, (64, 2)).astype(np.float32)
    return tf.constant(x), tf.constant((np.sin(3 * x[:, :1]) * x[:, 1:]).astype(np.float32))


def run(directory: str, epochs: int) -> None:
    """Train until `epochs` epochs are done, resuming from the latest checkpoint in `directory`."""
    model, optimizer = Regression(), tf.keras.optimizers.Adam(0.05)
    epoch = tf.Variable(0, dtype=tf.int64, name="epoch")
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epoch=epoch)
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=2)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint)
        print(f"resumed from {manager.latest_checkpoint.rsplit('/', 1)[-1]} at epoch {int(epoch.numpy())}",
              file=sys.stderr)
    x, y = data()
    while epoch.numpy() < epochs:
        for _ in range(20):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            variables = model.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        epoch.assign_add(1)
        path = manager.save()
        print(f"epoch {int(epoch.numpy())} loss {float(loss.numpy()):.6f} saved {path.rsplit('/', 1)[-1]}",
              file=sys.stderr)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        directory = sys.argv[1] if len(sys.argv) > 1 else scratch
        run(directory, epochs=3)
        print("-- stopped; a new run resumes --", file=sys.stderr)
        run(directory, epochs=6)
