"""Two ways to log training for TensorBoard, side by side.

`custom`: a custom training loop that logs with `tf.summary`: the loss every step, the weights'
histograms and a picture of the fitted curve every 20 steps, and the training step's graph. The
summaries are written from inside the compiled training step, with the step counter a variable: each
call writes them with that call's values.

`keras/train`, `keras/validation`: a Keras classifier trained by `fit` with the `TensorBoard` callback:
loss and accuracy per epoch for both runs; per batch, every 5 batches, with the steps per second
(as in tf-keras, batch summaries need a callback that asks for every batch: `write_steps_per_second`
here, or the progress bar of `verbose=1`); the weights' histograms and images; the model's graphs.

TensorBoard (`pip install tensorboard`; no TensorFlow needed) shows them:

Run: python examples/tensorboard_logging.py [logdir]
     tensorboard --logdir logs/tensorboard_logging
"""

import os
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


def custom_loop(logdir: str) -> None:
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


def keras_fit(logdir: str) -> None:
    """Classify points by the circle they fall in, with the TensorBoard callback."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (512, 2)).astype(np.float32)
    y = (np.hypot(x[:, 0], x[:, 1]) < 0.7).astype(np.int32)
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu", input_shape=(2,)),
                                 tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(tf.keras.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"])
    tensorboard = tf.keras.callbacks.TensorBoard(logdir, histogram_freq=1, write_images=True, update_freq=5,
                                                 write_steps_per_second=True)
    history = model.fit(x[:384], y[:384], batch_size=32, epochs=10, validation_data=(x[384:], y[384:]),
                        verbose=0, callbacks=[tensorboard])
    tf.print("keras val_accuracy", history.history["val_accuracy"][-1])


def main(logdir: str) -> None:
    custom_loop(os.path.join(logdir, "custom"))
    keras_fit(os.path.join(logdir, "keras"))
    tf.print("logs in", logdir)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "logs/tensorboard_logging")
