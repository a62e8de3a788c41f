"""A CSV input pipeline feeding a small `tf.Module` classifier, trained with Adam.

The example writes its own data (a CSV file of two features and a 0/1 label, in a temporary
folder), then reads it the way TensorFlow programs do: `TextLineDataset` -> `skip` the header ->
`map(tf.io.decode_csv)` -> `cache` -> `shuffle` -> `batch` -> `prefetch`, and loops over the batches
inside a compiled epoch function (`for x, y in dataset:` reads a fresh, reshuffled pass on each call).

Run: python examples/csv_pipeline.py
"""

import pathlib
import tempfile

import numpy as np

import tapeflow as tf

# Generated data: the label says whether a point lies inside a circle of radius 0.6.
rng = np.random.default_rng(0)
points = rng.uniform(-1.0, 1.0, (512, 2))
labels = (np.hypot(points[:, 0], points[:, 1]) < 0.6).astype(int)
folder = pathlib.Path(tempfile.mkdtemp())
csv_file = folder / "points.csv"
csv_file.write_text("x0,x1,label\n" + "".join(f"{a:.5f},{b:.5f},{c}\n" for (a, b), c in zip(points, labels)))


def parse(line: tf.Tensor) -> tuple:
    x0, x1, label = tf.io.decode_csv(line, record_defaults=[0.0, 0.0, 0])
    return tf.stack([x0, x1]), tf.cast(label, tf.float32)


dataset = (tf.data.TextLineDataset(str(csv_file)).skip(1).map(parse).cache()
           .shuffle(512, seed=1).batch(64).prefetch(tf.data.AUTOTUNE))
tf.print("element_spec:", str(dataset.element_spec))


class Classifier(tf.Module):
    """A one-hidden-layer network giving the logit of "inside"."""

    def __init__(self, hidden: int, name=None):
        super().__init__(name=name)
        init = np.random.default_rng(1)
        self.w1 = tf.Variable(init.normal(0, 1.0, (2, hidden)).astype(np.float32), name="w1")
        self.b1 = tf.Variable(tf.zeros([hidden]), name="b1")
        self.w2 = tf.Variable(init.normal(0, 0.3, (hidden, 1)).astype(np.float32), name="w2")
        self.b2 = tf.Variable(tf.zeros([1]), name="b2")

    def __call__(self, x: tf.Tensor) -> tf.Tensor:
        return tf.squeeze(tf.tanh(x @ self.w1 + self.b1) @ self.w2 + self.b2, axis=1)


model = Classifier(hidden=16)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.05)


@tf.function
def train_epoch(data) -> tuple:
    total, correct, count = tf.constant(0.0), tf.constant(0.0), tf.constant(0.0)
    for x, y in data:
        with tf.GradientTape() as tape:
            logits = model(x)
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        n = tf.cast(tf.shape(y)[0], tf.float32)
        total += loss * n
        correct += tf.reduce_sum(tf.cast(tf.equal(tf.cast(logits > 0, tf.float32), y), tf.float32))
        count += n
    return total / count, correct / count


for epoch in range(1, 31):
    loss, accuracy = train_epoch(dataset)
    if epoch % 5 == 0:
        tf.print("epoch", epoch, "loss", loss, "accuracy", accuracy)
