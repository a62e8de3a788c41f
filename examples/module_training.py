"""A two-layer network written as `tf.Module`s, trained with Adam in a compiled training step.

Each `Dense` layer keeps its weights as `tf.Variable` attributes, created inside the layer's name
scope (`hidden/w:0`); the model finds them through its attributes (`model.trainable_variables`),
and the `tf.function` training step reads and updates them on every call.

Run: python examples/module_training.py
"""

import numpy as np

import tapeflow as tf


class Dense(tf.Module):
    """`activation(x @ w + b)`, with Glorot-uniform weights from a fixed seed."""

    def __init__(self, in_features: int, out_features: int, activation=None, seed: int = 0, name=None):
        super().__init__(name=name)
        limit = np.sqrt(6.0 / (in_features + out_features))
        initial = np.random.default_rng(seed).uniform(-limit, limit, (in_features, out_features))
        with self.name_scope:
            self.w = tf.Variable(initial.astype(np.float32), name="w")
            self.b = tf.Variable(tf.zeros([out_features]), name="b")
        self.activation = activation

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        y = x @ self.w + self.b
        return y if self.activation is None else self.activation(y)


class TwoLayerNet(tf.Module):
    def __init__(self, hidden: int, name=None):
        super().__init__(name=name)
        self.hidden = Dense(2, hidden, activation=tf.tanh, seed=1, name="hidden")
        self.output = Dense(hidden, 1, seed=2, name="output")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return self.output(self.hidden(x))


# Generated data: y = sin(2 x0) + x1^2 plus a little noise.
rng = np.random.default_rng(0)
features = rng.uniform(-1.0, 1.0, (256, 2)).astype(np.float32)
targets = (np.sin(2.0 * features[:, :1]) + features[:, 1:] ** 2
           + 0.05 * rng.normal(size=(256, 1))).astype(np.float32)
x, y = tf.constant(features), tf.constant(targets)

model = TwoLayerNet(hidden=16)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)
tf.print("variables:", [v.name for v in model.trainable_variables])


@tf.function
def train_step(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


for step in range(301):
    loss = train_step(x, y)
    if step % 50 == 0:
        tf.print("step", step, "loss", loss)
