"""Fit a logistic regression on generated data with two Keras optimizers and watch the loss fall.

Run: python examples/fit_logistic_regression.py
"""

import numpy as np

import tapeflow as tf

rng = np.random.default_rng(0)
true_w = np.array([[2.0], [-3.0], [0.5]], np.float32)
features = rng.normal(size=(256, 3)).astype(np.float32)
labels = (features @ true_w + 0.3 * rng.normal(size=(256, 1)) > 0).astype(np.float32)
x, y = tf.constant(features), tf.constant(labels)


def fit(optimizer: tf.keras.optimizers.Optimizer, steps: int = 200) -> None:
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(0.0, name="b")

    def loss() -> tf.Tensor:
        logits = x @ w + b
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))

    tf.print(f"{type(optimizer).__name__}:")
    for step in range(steps + 1):
        if step % 50 == 0:
            accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.cast(x @ w + b > 0, tf.float32), y), tf.float32))
            tf.print("  step", step, "loss", loss(), "accuracy", accuracy)
        optimizer.minimize(loss, [w, b])
    tf.print("  learned w", tf.reshape(w, [-1]), "b", b)


fit(tf.keras.optimizers.SGD(learning_rate=0.5, momentum=0.9))
fit(tf.keras.optimizers.Adam(learning_rate=0.1))
