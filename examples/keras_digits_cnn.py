"""Train a small convolutional classifier on scikit-learn's bundled 8x8 handwritten digits with Keras's
`fit`, offline and in seconds, and save a plot of the training curves and some test predictions.

The model is the usual block, twice: Conv2D (no bias: the BatchNormalization after it has a shift),
BatchNormalization, ReLU, then pooling; a Dense softmax classifies. The BatchNormalization layers'
momentum is 0.9, not Keras's 0.99: over the ~100 steps of this run, 0.99 would leave the moving
statistics (used for validation and prediction) far from the data's, and the validation accuracy at
chance, in tf-keras as here. Runs unchanged with
`import tensorflow as tf` (TF_USE_LEGACY_KERAS=1, for Keras 2).

Usage: python keras_digits_cnn.py [plot.png]   (needs matplotlib and scikit-learn: the `examples` extra)
"""

import sys

import matplotlib
import numpy as np
from sklearn.datasets import load_digits

import tapeflow as tf

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as (n, 8, 8, 1) images in [0, 1], shuffled, and their labels."""
    data = load_digits()
    order = np.random.default_rng(0).permutation(len(data.target))
    images = (data.images[order] / 16.0).astype("float32")[..., None]
    return images, data.target[order].astype("int32")


def model() -> tf.keras.Model:
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            layers.Conv2D(16, 3, padding="same", use_bias=False, input_shape=(8, 8, 1)),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )


def plot(history: dict, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, path: str) -> None:
    """Loss and accuracy per epoch (training and validation), and twelve test digits with their
    predicted labels (red where wrong)."""
    figure = plt.figure(figsize=(10, 4))
    for index, metric in enumerate(("loss", "accuracy")):
        axes = figure.add_subplot(1, 3, index + 1)
        axes.plot(history[metric], label="training")
        axes.plot(history[f"val_{metric}"], label="validation")
        axes.set_xlabel("epoch")
        axes.set_title(metric)
        axes.legend()
    grid = figure.add_gridspec(3, 12, left=0.7, right=0.98)
    for i in range(12):
        axes = figure.add_subplot(grid[i // 4, (i % 4) * 3 : (i % 4) * 3 + 3])
        axes.imshow(images[i, :, :, 0], cmap="gray_r")
        axes.set_title(str(predicted[i]), color="black" if predicted[i] == labels[i] else "red", fontsize=9)
        axes.axis("off")
    figure.savefig(path, dpi=80)
    plt.close(figure)


def main(path: str) -> None:
    tf.keras.utils.set_random_seed(0)
    images, labels = digits()
    train_x, test_x, train_y, test_y = images[:1400], images[1400:], labels[:1400], labels[1400:]
    classifier = model()
    classifier.summary()
    classifier.compile(
        tf.keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = classifier.fit(train_x, train_y, batch_size=64, epochs=6, validation_split=0.15, verbose=2)
    loss, accuracy = classifier.evaluate(test_x, test_y, verbose=0)
    print(f"first loss {history.history['loss'][0]:.4f}, test loss {loss:.4f}, test accuracy {accuracy:.4f}")
    predicted = classifier.predict(test_x[:12], verbose=0).argmax(axis=1)
    plot(history.history, test_x, test_y, predicted, path)
    print(f"saved {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "keras_digits_cnn.png")
