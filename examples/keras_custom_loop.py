"""A custom training loop over Keras layers, the idiom of TensorFlow's guide "Writing a training loop from
scratch": a `tf.GradientTape` around `model(x, training=True)` and the loss, `optimizer.apply_gradients`,
metrics updated each step and reset each epoch, the step compiled with `tf.function`, batches from
`tf.data`. Saves a plot of the loss per step. Runs offline in seconds, and unchanged with
`import tensorflow as tf` (TF_USE_LEGACY_KERAS=1, for Keras 2).

The data are three noisy spiral arms in the plane (keras_mlp.py's); the model has BatchNormalization and
Dropout, which behave differently in training and inference: the `training` flag is what selects it.

Usage: python keras_custom_loop.py [plot.png]   (needs matplotlib: the `examples` extra)
"""

import sys

import matplotlib

import tapeflow as tf
from keras_mlp import spirals  # the example beside this one: three noisy spiral arms

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def main(path: str) -> None:
    tf.keras.utils.set_random_seed(1)
    x, y = spirals(300)
    train = tf.data.Dataset.from_tensor_slices((x[:720], y[:720])).shuffle(720, seed=0).batch(32)
    validation = tf.data.Dataset.from_tensor_slices((x[720:], y[720:])).batch(90)
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(64, input_shape=(2,)),
            tf.keras.layers.BatchNormalization(momentum=0.9),
            tf.keras.layers.Activation("relu"),
            tf.keras.layers.Dense(64, activation="relu"),
            tf.keras.layers.Dropout(0.1),
            tf.keras.layers.Dense(3),
        ]
    )
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    val_accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

    @tf.function
    def train_step(x_batch, y_batch):
        with tf.GradientTape() as tape:
            logits = model(x_batch, training=True)
            loss = loss_fn(y_batch, logits)
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_accuracy.update_state(y_batch, logits)
        return loss

    @tf.function
    def test_step(x_batch, y_batch):
        val_accuracy.update_state(y_batch, model(x_batch, training=False))

    losses = []
    for epoch in range(15):
        for x_batch, y_batch in train:
            losses.append(float(train_step(x_batch, y_batch)))
        for x_batch, y_batch in validation:
            test_step(x_batch, y_batch)
        print(
            f"epoch {epoch + 1}: loss {losses[-1]:.4f}, accuracy {float(train_accuracy.result()):.4f}, "
            f"val accuracy {float(val_accuracy.result()):.4f}"
        )
        train_accuracy.reset_state()
        val_accuracy.reset_state()

    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(losses)
    axes.set_xlabel("step")
    axes.set_ylabel("training loss")
    axes.set_yscale("log")
    figure.savefig(path, dpi=80)
    plt.close(figure)
    print(f"saved {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "keras_custom_loop.png")
