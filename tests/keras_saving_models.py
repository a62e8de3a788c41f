"""The models the Keras saving tests save and load, written once for tapeflow and for TensorFlow
(`tf` is either module): a Sequential model, a functional one (Conv2D, Embedding, two outputs) and a
subclassed one, compiled with Adam and trained a few steps, so the optimizer has slots to save."""

import numpy as np


def inputs():
    """Fixed data: (sequential x, y), (functional [image, tokens], [y1, y2])."""
    x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(8, 4)
    y = np.stack([x.sum(1), x[:, 0] - x[:, 1]], 1)
    image = np.sin(np.arange(8 * 72, dtype=np.float32)).reshape(8, 6, 6, 2)
    tokens = (np.arange(24).reshape(8, 3) * 7 % 10).astype(np.int32)
    return (x, y), ([image, tokens], [np.ones((8, 5), np.float32), np.zeros((8, 1), np.float32)])


def sequential(tf):
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="relu", input_shape=(4,)),
                                 tf.keras.layers.Dense(2)], name="seq")
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


def functional(tf):
    layers = tf.keras.layers
    image = tf.keras.Input((6, 6, 2), name="image")
    tokens = tf.keras.Input((3,), dtype="int32", name="tokens")
    features = layers.Flatten()(layers.Conv2D(2, 3, activation="relu", name="conv")(image))
    embedded = layers.Flatten()(layers.Embedding(10, 4, name="embed")(tokens))
    hidden = layers.Dense(5, name="hidden")(layers.Concatenate()([features, embedded]))
    model = tf.keras.Model([image, tokens], [hidden, layers.Dense(1, name="head")(hidden)], name="fn")
    model.compile(optimizer="adam", loss=["mse", "mae"], run_eagerly=True)  # (tapeflow: sparse Adam eager)
    return model


def two_dense_class(tf):
    """A subclassed model that Keras can save: its constructor's arguments are its `get_config`."""

    class TwoDense(tf.keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = tf.keras.layers.Dense(units, activation="relu")
            self.out = tf.keras.layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

        def get_config(self):
            return {"units": self.units, "name": self.name}

    return TwoDense


def subclassed(tf, cls=None):
    model = (cls or two_dense_class(tf))(4, name="two_dense")
    model.compile(optimizer="adam", loss="mse")
    return model


def trained(tf, make, data):
    tf.keras.backend.clear_session()  # layer names from dense, flatten ... as in a fresh program
    tf.keras.utils.set_random_seed(3)
    model = make(tf)
    model.fit(*data, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return model


def state(model, data):
    """What must survive saving: predictions, the optimizer's step and variables (names as keys)."""
    predicted = model.predict(data[0], verbose=0)
    predicted = predicted if isinstance(predicted, list) else [predicted]
    out = {"predictions": [np.asarray(p) for p in predicted]}
    if model.optimizer is not None:
        out["optimizer"] = [np.asarray(v.numpy()) for v in model.optimizer.variables]
    return out
