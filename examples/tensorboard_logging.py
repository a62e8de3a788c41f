"""A custom training loop that logs to TensorBoard with `tf.summary`: the loss every step, the
weights' histograms and a picture of the fitted curve every 20 steps, and the training step's graph.

The summaries are written from inside the compiled training step, with the step counter a variable:
each call writes them with that call's values. TensorBoard (`pip install tensorboard`; no TensorFlow
needed) shows them:

Run: python examples/tensorboard_logging.py [logdir]
     tensorboard --logdir logs/tensorboard_logging
"""

import sys

import numpy as np

import tapeflow as tf


class Regressor(tf.Module):
    """A one-hidden-layer network for a curve y = f(x)."""

    def __init__(self, hidden: int, name=None):
        super().__init__(name=name)
        rng = np.random.default_rng(0)
        with self.name_scope:
            self.w1 = tf.Variable(rng.normal(0, 1, (1, hidden)).astype(np.float32), name="w1")
            self.b1 = tf.Variable(tf.zeros([hidden]), name="b1")
            self.w2 = tf.Variable(rng.normal(0, 0.3, (hidden, 1)).astype(np.float32), name="w2")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return tf.tanh(x @ self.w1 + self.b1) @ self.w2


def curve_image(prediction: tf.Tensor, target: tf.Tensor, size: int = 32) -> tf.Tensor:
    """The target (green) and the prediction (red) as a [1, size, size, 3] image."""
    rows = tf.cast(tf.clip_by_value((1.0 - (tf.concat([prediction, target], 1) + 1.0) / 2.0) * size,
                                    0.0, size - 1.0), tf.int32)
    red = tf.one_hot(rows[:, 0], size, axis=0)
    green = tf.one_hot(rows[:, 1], size, axis=0)
    return tf.stack([red, green, tf.zeros_like(red)], axis=-1)[tf.newaxis]


def main(logdir: str) -> None:
    x = tf.reshape(tf.linspace(-1.0, 1.0, 32), [32, 1])
    y = tf.sin(3.0 * x) * 0.8
    model = Regressor(hidden=16)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)
    writer = tf.summary.create_file_writer(logdir)
    step = tf.Variable(0, dtype=tf.int64, name="step")

    @tf.function
    def train_step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            prediction = model(x)
            loss = tf.reduce_mean(tf.square(prediction - y))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        with writer.as_default(step=step):
            tf.summary.scalar("loss", loss)
            with tf.summary.record_if(step % 20 == 0):
                for variable in model.trainable_variables:
                    tf.summary.histogram(variable.name.split(":")[0], variable)
                tf.summary.image("fit", curve_image(prediction, y))
        step.assign_add(1)
        return loss

    tf.summary.trace_on(graph=True)
    for i in range(101):
        loss = train_step()
        if i == 0:
            with writer.as_default():
                tf.summary.trace_export("train_step", step=0)
                tf.summary.text("about", "A tapeflow model fitting sin(3x).", step=0)
        if i % 20 == 0:
            tf.print("step", i, "loss", loss)
    writer.close()
    tf.print("logs in", logdir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/tensorboard_logging")
