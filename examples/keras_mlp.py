"""Train a small Keras MLP with `fit`, as TensorFlow's beginner tutorial does, offline and in seconds.

The data are two interleaved spirals (three classes) generated here; the model is a `Sequential` of
`Dense` layers with dropout, compiled with Adam, a sparse cross-entropy and accuracy, trained with a
validation split and early stopping, then evaluated and used for predictions. Runs unchanged with
`import tensorflow as tf` (TF_USE_LEGACY_KERAS=1, for Keras 2).
"""

import numpy as np

import tapeflow as tf


def spirals(n_per_class: int, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on `classes` noisy spiral arms in the plane, labelled by arm."""
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), classes)
    arm = np.repeat(np.arange(classes), n_per_class)
    angle = arm * 2 * np.pi / classes + radius * 4 + rng.normal(0, 0.15, radius.shape)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1).astype("float32")
    order = rng.permutation(len(x))
    return x[order], arm[order].astype("int32")


def main() -> None:
    tf.keras.utils.set_random_seed(42)
    x, y = spirals(300)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(64, activation="relu", input_shape=(2,)),
        tf.keras.layers.Dropout(0.1),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(3, activation="softmax"),
    ])
    model.summary()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    stop = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    history = model.fit(x, y, batch_size=32, epochs=40, validation_split=0.2, callbacks=[stop], verbose=2)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    print(f"first loss {history.history['loss'][0]:.4f}, final loss {loss:.4f}, accuracy {accuracy:.4f}")
    print("predicted classes:", model.predict(x[:5], verbose=0).argmax(axis=1), "labels:", y[:5])


if __name__ == "__main__":
    main()
