"""tapeflow's Keras: custom layers, models, training, callbacks and weights on disk (behaviour that the
differential cases in keras_cases.py do not reach)."""

import contextlib
import io
import re

import numpy as np
import pytest

import tapeflow as tf

layers = tf.keras.layers
X = np.random.RandomState(0).randn(40, 4).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()


class Scale(layers.Layer):
    """A custom layer: one weight, a regularizer, a loss, a training-dependent call."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", shape=(input_shape[-1],), initializer="ones", regularizer="l2")
        self.steps = self.add_weight("steps", shape=(), initializer="zeros", trainable=False)

    def call(self, inputs, training=None):
        self.add_loss(0.5)
        return inputs * self.w * (self.factor if training else 1.0)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layer_builds_on_first_call_with_keras_names():
    layer = Scale()
    assert not layer.built and layer.weights == []
    y = layer(np.ones((2, 3)))
    assert layer.built and y.dtype == tf.float32
    assert [w.name for w in layer.weights] == ["scale/w:0", "scale/steps:0"]
    assert [w.name for w in layer.trainable_weights] == ["scale/w:0"]
    assert [w.name for w in layer.non_trainable_weights] == ["scale/steps:0"]
    assert Scale().name == "scale_1"
    np.testing.assert_allclose([float(v) for v in layer.losses], [0.01 * 3, 0.5])


def test_training_propagates_to_inner_layers():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Scale(factor=3.0)

        def call(self, inputs):
            return self.inner(inputs)

    outer = Outer()
    np.testing.assert_allclose(outer(np.ones((1, 2)), training=True).numpy(), [[3.0, 3.0]])
    np.testing.assert_allclose(outer(np.ones((1, 2))).numpy(), [[1.0, 1.0]])
    assert [w.name for w in outer.weights] == ["outer/scale/w:0", "outer/scale/steps:0"]


def test_get_set_weights_config_and_errors():
    dense = layers.Dense(3, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.1))
    dense.build(tf.TensorShape((None, 2)))
    dense.set_weights([np.ones((2, 3)), np.zeros(3)])
    np.testing.assert_allclose(dense(np.ones((1, 2))).numpy(), [[2.0, 2.0, 2.0]])
    config = dense.get_config()
    assert config["units"] == 3 and config["activation"] == "relu"
    clone = layers.Dense.from_config(config)
    assert clone.units == 3 and clone.name == dense.name
    with pytest.raises(ValueError, match="was expecting 2 weights"):
        dense.set_weights([np.ones((2, 3))])
    with pytest.raises(ValueError, match="last dimension of the inputs to a Dense layer should be defined"):
        layers.Dense(2).build(tf.TensorShape((None, None)))
    with pytest.raises(TypeError, match="Keyword argument not understood: 'unitz'"):
        layers.Dense(2, unitz=3)


def test_sequential_add_pop_get_layer_and_freezing():
    model = tf.keras.Sequential()
    model.add(layers.Dense(4, input_shape=(3,)))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and model.get_layer(index=1).name == "dense_1"
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    model.layers[0].trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 2
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="This model has not yet been built"):
        tf.keras.Sequential([layers.Dense(1)]).summary()


def test_fit_progress_bar_verbose_1():
    model = tf.keras.Sequential([layers.Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse", metrics=["mae"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.fit(X, Y, batch_size=8, epochs=2, verbose=1)
    text = out.getvalue()
    assert text.startswith("Epoch 1/2\n")
    final = text.split("\r")[-1]
    assert re.fullmatch(r"5/5 \[={30}\] - \d+s \d+(ms|us|s)/step - loss: \d\.\d{4} - mae: \d\.\d{4}\n", final)
    with contextlib.redirect_stdout(out := io.StringIO()):
        model.evaluate(X, Y, batch_size=8)
    assert re.fullmatch(
        r"5/5 \[={30}\] - \d+s \d+(ms|us|s)/step - loss: \d\.\d{4} - mae: \d\.\d{4}\n",
        out.getvalue().split("\r")[-1],
    )


def test_fit_on_a_dataset_with_callbacks():
    data = tf.data.Dataset.from_tensor_slices((X, Y)).batch(10)
    model = tf.keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile(tf.keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    seen = []
    history = model.fit(
        data,
        epochs=6,
        verbose=0,
        validation_data=data,
        callbacks=[
            tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e)),
            tf.keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5),
            tf.keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0),
        ],
    )
    assert seen == [0, 1] and history.epoch == [0, 1]
    assert sorted(history.history) == ["accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert history.history["lr"] == pytest.approx([0.05, 0.025])
    assert model.predict(data, verbose=0).shape == (40, 1)


def test_subclassed_model_with_its_own_train_step():
    class Custom(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.calls = 0

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            self.calls += 1
            x, y = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((self(x, training=True) - y) ** 2)
            self.optimizer.apply_gradients(
                zip(tape.gradient(loss, self.trainable_variables), self.trainable_variables)
            )
            return {"custom_loss": loss}

    model = Custom()
    model.compile(optimizer="adam", run_eagerly=True)
    history = model.fit(X, Y, batch_size=20, epochs=2, verbose=0)
    assert model.calls == 4 and list(history.history) == ["custom_loss"]
    assert model.name == "custom" and [w.name for w in model.weights] == [
        "custom/dense/kernel:0",
        "custom/dense/bias:0",
    ]


def test_on_batch_methods_and_compiled_equals_eager():
    results = []
    for eager in (False, True):
        tf.keras.utils.set_random_seed(4)
        model = tf.keras.Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(1)])
        model.compile(tf.keras.optimizers.Adam(0.01), "mse", run_eagerly=eager)
        losses = [
            model.train_on_batch(X[:16], Y[:16]),
            model.train_on_batch(X[16:20], Y[16:20]),
            model.test_on_batch(X, Y),
        ]
        results.append((losses, model.predict_on_batch(X[:3])))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_save_and_load_weights_with_model_checkpoint(tmp_path):
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([layers.Dense(2, input_shape=(4,)), layers.Dense(1)])
    model.compile("adam", "mse")
    path = str(tmp_path / "ckpt" / "weights-{epoch:02d}")
    model.fit(
        X,
        Y,
        epochs=2,
        verbose=0,
        callbacks=[tf.keras.callbacks.ModelCheckpoint(path, save_weights_only=True)],
    )
    assert (tmp_path / "ckpt" / "weights-02.index").exists() and (tmp_path / "ckpt" / "checkpoint").exists()
    other = tf.keras.Sequential([layers.Dense(2, input_shape=(4,)), layers.Dense(1)])
    other.load_weights(str(tmp_path / "ckpt" / "weights-02")).expect_partial()  # no optimizer here
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    deferred = tf.keras.Sequential([layers.Dense(2), layers.Dense(1)])
    deferred.load_weights(str(tmp_path / "ckpt" / "weights-02")).expect_partial()
    deferred(X[:1])  # restored as its weights are built
    np.testing.assert_array_equal(deferred.get_weights()[0], model.get_weights()[0])
    with pytest.raises(NotImplementedError):
        tf.keras.callbacks.ModelCheckpoint(path)


def test_backend_and_utils():
    assert tf.keras.backend.floatx() == "float32" and tf.keras.backend.epsilon() == 1e-7
    np.testing.assert_array_equal(tf.keras.utils.to_categorical([[1], [0]], 3), [[0, 1, 0], [1, 0, 0]])
    layers.Dense(1)
    tf.keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert tf.keras.Input(shape=(2,)).name == "input_1"


def test_compute_output_shape_and_class_weight_errors():
    assert layers.Dense(3).compute_output_shape((None, 5)).as_list() == [None, 3]
    assert layers.Concatenate().compute_output_shape([(None, 2), (None, 3)]).as_list() == [None, 5]
    assert layers.Conv2D(2, 3).compute_output_shape((None, 8, 8, 1)).as_list() == [None, 6, 6, 2]
    model = tf.keras.Sequential([layers.Dense(2, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="Expected `class_weight` to be a dict with keys from 0"):
        model.fit(X, Y.astype("int32")[:, 0], class_weight={1: 2.0}, verbose=0)


def test_step_counters_advance_inside_the_step_functions_as_in_keras():
    """tf-keras 2.21 counts train_on_batch/test_on_batch steps too (recorded: 2 1, then 2 and 2:
    fit and evaluate start their counts at zero)."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    x, y = np.ones((4, 2), "f"), np.ones((4, 1), "f")
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    model.test_on_batch(x, y)
    assert (int(model._train_counter.numpy()), int(model._test_counter.numpy())) == (2, 1)
    model.fit(x, y, batch_size=2, verbose=0)
    model.evaluate(x, y, batch_size=2, verbose=0)
    assert (int(model._train_counter.numpy()), int(model._test_counter.numpy())) == (2, 2)
