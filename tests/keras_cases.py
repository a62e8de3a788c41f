"""Keras programs run under TensorFlow (tf-keras 2.21, `TF_USE_LEGACY_KERAS=1`) and tapeflow alike.

Each case takes the `tf` module and returns a dict of results (arrays, numbers, strings) that must be
equal: strings exactly, numbers to float32 rounding. `record_keras_fixtures.py` stores TensorFlow's
results; `test_keras.py` checks tapeflow against them, and `test_keras_against_tensorflow.py` against
live TensorFlow."""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

RNG = np.random.RandomState(0)
X20 = RNG.randn(160, 20).astype("float32")
Y10 = (np.abs(X20[:, :10]).argmax(axis=1)).astype("int32")
XA = RNG.randn(64, 4).astype("float32")
XB = RNG.randn(64, 3).astype("float32")
Y2 = RNG.randn(64, 2).astype("float32")
YBIN = (XA[:, :1] > 0).astype("float32")


def _summary(model) -> str:
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def _two_input_model(tf):
    layers = tf.keras.layers
    a = tf.keras.Input(shape=(4,), name="a")
    b = tf.keras.Input(shape=(3,), name="b")
    shared = layers.Dense(5, activation="tanh")
    h = layers.Concatenate()([shared(a), layers.Dense(5)(b)])
    h2 = layers.Add()([shared(a), layers.Dense(5)(b)])
    out1 = layers.Dense(2, name="out1")(h)
    out2 = layers.Dense(1, activation="sigmoid", name="out2")(layers.Dropout(0.3)(h2))
    return tf.keras.Model([a, b], [out1, out2])


def _mlp(tf):
    layers = tf.keras.layers
    return tf.keras.Sequential(
        [
            layers.Dense(32, activation="relu", input_shape=(20,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def functional_summary(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(1)
    model = _two_input_model(tf)
    return {
        "summary": _summary(model),
        "layers": [layer.name for layer in model.layers],
        "weights": [w.name for w in model.weights],
        "params": model.count_params(),
        "initial": model.get_weights(),
    }


def sequential_summary(tf):
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    model = tf.keras.Sequential(name="seq")
    model.add(layers.Embedding(10, 4, input_length=6))
    model.add(layers.Flatten())
    model.add(layers.Reshape((3, 8)))
    model.add(layers.Flatten())
    model.add(layers.Dense(3, kernel_regularizer="l2"))
    model.add(layers.Normalization())
    model.add(layers.Rescaling(0.5, 1.0))
    model.add(layers.Activation("relu"))
    conv = tf.keras.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 2)),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    deferred = tf.keras.Sequential([layers.Dense(3), layers.Dense(1)])
    deferred(np.ones((2, 7), "float32"))
    return {
        "summary": _summary(model),
        "conv": _summary(conv),
        "deferred": _summary(deferred),
        "names": [w.name for w in model.weights + conv.weights + deferred.weights],
    }


def mlp_fit(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(7)
    model = _mlp(tf)
    initial = model.get_weights()
    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(X20, Y10, batch_size=32, epochs=3, verbose=0, shuffle=False, validation_split=0.2)
    evaluation = model.evaluate(X20, Y10, verbose=0)
    return {
        "initial": initial,
        "history": {k: np.array(v) for k, v in history.history.items()},
        "final": model.get_weights(),
        "evaluate": np.array(evaluation),
        "predict": model.predict(X20[:5], verbose=0),
        "names": [w.name for w in model.weights],
        "summary": _summary(model),
    }


def functional_fit(tf):
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(1)
    model = _two_input_model(tf)
    model.compile(
        optimizer=tf.keras.optimizers.SGD(0.1),
        loss=["mse", "binary_crossentropy"],
        metrics={"out2": ["accuracy"]},
    )
    history = model.fit(
        [XA, XB], [Y2, YBIN], epochs=2, batch_size=16, verbose=0, shuffle=False, validation_split=0.25
    )
    return {
        "history": {k: np.array(v) for k, v in history.history.items()},
        "final": model.get_weights(),
        "metrics_names": model.metrics_names,
        "evaluate": np.array(model.evaluate([XA, XB], [Y2, YBIN], verbose=0)),
    }


def dict_io_fit(tf):
    """A functional model with named inputs and outputs (dicts), per-output losses and loss weights,
    metrics for one output, fit from `initial_epoch`, evaluate as a dict and predict."""
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)
    layers = tf.keras.layers
    a, b = tf.keras.Input((2,), name="a"), tf.keras.Input((3,), name="b")
    h = layers.concatenate([a, b])
    outputs = {
        "reg": layers.Dense(1, name="reg")(h),
        "cls": layers.Dense(3, activation="softmax", name="cls")(h),
    }
    model = tf.keras.Model({"a": a, "b": b}, outputs)
    model.compile(
        "adam",
        loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
        loss_weights={"reg": 0.5, "cls": 2.0},
        metrics={"cls": "accuracy"},
    )
    x = {"a": np.ones((10, 2), "float32"), "b": np.arange(30, dtype="float32").reshape(10, 3) / 30}
    y = {"reg": np.ones((10, 1), "float32"), "cls": np.arange(10) % 3}
    history = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=4, verbose=0, shuffle=False)
    predicted = model.predict(x, verbose=0)
    return {
        "history": {k: np.array(v) for k, v in history.history.items()},
        "epochs": np.array(history.epoch),
        "evaluate": {k: np.array(v) for k, v in model.evaluate(x, y, verbose=0, return_dict=True).items()},
        "metrics_names": model.metrics_names,
        "predict": {k: predicted[k] for k in sorted(predicted)},
    }


def plateau_and_csv(tf):
    """ReduceLROnPlateau and CSVLogger (and EarlyStopping restoring the best weights) during a fit."""
    import os
    import tempfile

    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(2)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
    model.compile(tf.keras.optimizers.SGD(0.05), "mse")
    path = os.path.join(tempfile.mkdtemp(), "log.csv")
    callbacks = [
        tf.keras.callbacks.ReduceLROnPlateau(
            monitor="loss", factor=0.5, patience=1, min_delta=0.05, cooldown=1
        ),
        tf.keras.callbacks.CSVLogger(path),
        tf.keras.callbacks.EarlyStopping(monitor="loss", patience=3, restore_best_weights=True),
    ]
    history = model.fit(XA, Y2[:, :1], epochs=8, batch_size=16, verbose=0, shuffle=False, callbacks=callbacks)
    with open(path) as f:
        text = f.read()
    return {
        "history": {k: np.array(v) for k, v in history.history.items()},
        "csv_header": text.splitlines()[0],
        "csv_rows": np.array(
            [[np.nan if v == "NA" else float(v) for v in line.split(",")] for line in text.splitlines()[1:]]
        ),
        "weights": model.get_weights(),
    }


def _progress_text(text: str) -> str:
    """The printed progress with the timings replaced by `T`."""
    return re.sub(r"\d+(ms|us|s)/(step|epoch)", "T", re.sub(r" - \d+s - ", " - Ts - ", text))


def progress_verbose_2(tf):
    import contextlib
    import io

    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(3)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.fit(XA, Y2[:, :1], epochs=2, batch_size=16, verbose=2, shuffle=False)
    return {"text": _progress_text(out.getvalue())}


def progress_verbose_1(tf):
    """fit (with validation), evaluate and predict at verbose=1: the bar rewritten with backspaces and
    carriage returns (timings and the backspace runs, which count their widths, normalised)."""
    import contextlib
    import io

    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse", metrics=["mae"])
    x, y = np.ones((40, 3), "float32"), np.zeros((40, 1), "float32")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.fit(x, y, batch_size=20, epochs=2, validation_data=(x, y))
        model.evaluate(x, y)
        model.predict(x)
    text = re.sub(r"(ETA:| -) \d+s", r"\1 Ns", _progress_text(out.getvalue()))
    return {"text": re.sub(r" *\n", "\n", re.sub("\x08+", "<BS>", text))}


def layer_outputs(tf):
    """Outputs and gradients of each layer with set weights."""
    layers = tf.keras.layers
    rng = np.random.RandomState(5)
    image = rng.randn(2, 6, 6, 3).astype("float32")
    cases = {
        "dense": (layers.Dense(4, activation="relu"), XA[:5]),
        "dense_3d": (layers.Dense(3), rng.randn(2, 3, 4).astype("float32")),
        "conv": (layers.Conv2D(2, 3, padding="same", activation="tanh"), image),
        "conv_strided": (layers.Conv2D(3, (2, 3), strides=2), image),
        "maxpool": (layers.MaxPooling2D(), image),
        "avgpool": (layers.AveragePooling2D(3, strides=1, padding="same"), image),
        "flatten": (layers.Flatten(), image),
        "reshape": (layers.Reshape((9, -1)), image),
        "softmax": (layers.Activation("softmax"), XA[:5]),
        "rescaling": (layers.Rescaling(1 / 255.0, offset=-1), XA[:5]),
        "dropout_inference": (layers.Dropout(0.5), XA[:5]),
    }
    out = {}
    for name, (layer, x) in cases.items():
        layer.build(tf.TensorShape(x.shape))
        weights = [rng.randn(*w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = layer(xt)
            loss = tf.reduce_sum(y * y)
        grads = tape.gradient(loss, [xt] + layer.trainable_weights)
        out[name] = {"y": y.numpy(), "grads": [g.numpy() for g in grads]}
    emb = layers.Embedding(7, 3)
    emb.build(tf.TensorShape((2, 4)))
    emb.set_weights([rng.randn(7, 3).astype("float32")])
    out["embedding"] = emb(np.array([[0, 1, 2, 6], [3, 3, 5, 0]])).numpy()
    norm = layers.Normalization()
    norm.adapt(XA)
    out["normalization"] = {"y": norm(XA[:4]).numpy(), "weights": norm.get_weights()}
    merged = [tf.constant(XA[:3, :2]), tf.constant(XB[:3, :2])]
    out["concatenate"] = layers.Concatenate()(merged).numpy()
    out["add"] = layers.Add()(merged).numpy()
    return out


def losses_and_metrics(tf):
    losses, metrics = tf.keras.losses, tf.keras.metrics
    rng = np.random.RandomState(9)
    logits = rng.randn(6, 4).astype("float32")
    probs = tf.nn.softmax(logits).numpy()
    onehot = np.eye(4, dtype="float32")[[0, 1, 2, 3, 1, 0]]
    labels = np.array([0, 1, 2, 3, 1, 0])
    binary = (rng.rand(6, 1) > 0.5).astype("float32")
    binary_probs = rng.rand(6, 1).astype("float32")
    weights = rng.rand(6).astype("float32")
    out = {
        "mse": losses.MeanSquaredError()(onehot, probs).numpy(),
        "mse_sum": losses.MeanSquaredError(reduction="sum")(onehot, probs).numpy(),
        "mse_none": losses.MeanSquaredError(reduction="none")(onehot, probs).numpy(),
        "mae_weighted": losses.MeanAbsoluteError()(onehot, probs, sample_weight=weights).numpy(),
        "bce": losses.BinaryCrossentropy()(binary, binary_probs).numpy(),
        "bce_logits": losses.BinaryCrossentropy(from_logits=True)(binary, logits[:, :1]).numpy(),
        "bce_smooth": losses.BinaryCrossentropy(label_smoothing=0.1)(binary, binary_probs).numpy(),
        "cce": losses.CategoricalCrossentropy()(onehot, probs).numpy(),
        "cce_logits": losses.CategoricalCrossentropy(from_logits=True)(onehot, logits).numpy(),
        "cce_smooth": losses.CategoricalCrossentropy(label_smoothing=0.2)(onehot, probs).numpy(),
        "scce": losses.SparseCategoricalCrossentropy()(labels, probs).numpy(),
        "scce_logits": losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits).numpy(),
        "scce_fn": losses.sparse_categorical_crossentropy(labels, probs).numpy(),
        "mse_fn": losses.mean_squared_error(onehot, probs).numpy(),
    }
    for name, metric, args in (
        ("mean", metrics.Mean(), [(weights,), (np.float32(3.0),)]),
        ("accuracy", metrics.Accuracy(), [(labels, probs.argmax(1))]),
        ("binary_accuracy", metrics.BinaryAccuracy(), [(binary, binary_probs)]),
        ("categorical_accuracy", metrics.CategoricalAccuracy(), [(onehot, probs), (onehot[:3], probs[3:])]),
        ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy(), [(labels, probs)]),
        ("mse_metric", metrics.MeanSquaredError(), [(onehot, probs)]),
        ("mae_metric", metrics.MeanAbsoluteError(), [(onehot, probs)]),
    ):
        for a in args:
            metric.update_state(*a)
        out[name] = metric.result().numpy()
    weighted = metrics.Mean()
    weighted.update_state(probs[:, 0], sample_weight=weights)
    out["mean_weighted"] = weighted.result().numpy()
    return out


def initializers_and_friends(tf):
    init, reg, con = tf.keras.initializers, tf.keras.regularizers, tf.keras.constraints
    shape = (5, 4)
    out = {
        name: cls(seed=11)(shape).numpy()
        for name, cls in (
            ("glorot_uniform", init.GlorotUniform),
            ("glorot_normal", init.GlorotNormal),
            ("he_uniform", init.HeUniform),
            ("he_normal", init.HeNormal),
            ("lecun_uniform", init.LecunUniform),
            ("lecun_normal", init.LecunNormal),
            ("random_normal", init.RandomNormal),
            ("random_uniform", init.RandomUniform),
            ("truncated_normal", init.TruncatedNormal),
            ("orthogonal", init.Orthogonal),
        )
    }
    out["conv_glorot"] = init.GlorotUniform(seed=3)((3, 3, 2, 4)).numpy()
    out["variance_scaling"] = init.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=4)(
        shape
    ).numpy()
    out["constant"] = init.Constant(0.5)(shape).numpy()
    tf.keras.utils.set_random_seed(21)
    out["unseeded_after_set_random_seed"] = [
        init.GlorotUniform()(shape).numpy(),
        init.RandomNormal()(shape).numpy(),
    ]
    w = tf.constant(np.random.RandomState(2).randn(*shape).astype("float32"))
    out["l1"] = reg.l1(0.1)(w).numpy()
    out["l2"] = reg.l2(0.2)(w).numpy()
    out["l1_l2"] = reg.l1_l2(0.1, 0.2)(w).numpy()
    out["max_norm"] = con.MaxNorm(1.5)(w).numpy()
    out["non_neg"] = con.NonNeg()(w).numpy()
    out["unit_norm"] = con.UnitNorm()(w).numpy()
    out["to_categorical"] = tf.keras.utils.to_categorical([0, 2, 1, 2])
    return out


def configs_and_errors(tf):
    """A subclassed model's summary, frozen layers, configs, from_config, Keras's errors and reprs."""
    tf.keras.backend.clear_session()
    layers = tf.keras.layers

    class Two(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = layers.Dense(4, activation="relu")
            self.d2 = layers.Dense(2)

        def call(self, x):
            return self.d2(self.d1(x))

    two = Two()
    two(np.ones((3, 5), "float32"))
    frozen = tf.keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    frozen.layers[0].trainable = False
    dense = layers.Dense(3, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.01), name="dd")
    clone = tf.keras.Sequential.from_config(frozen.get_config())
    errors = []
    for attempt in (
        lambda: layers.Dense(3)(np.ones((2,), "float32")),
        lambda: tf.keras.Sequential([layers.Dense(2, input_shape=(3,))]).fit(
            np.ones((4, 3)), np.ones((4, 2))
        ),
        lambda: frozen(np.ones((2, 5), "float32")),
    ):
        try:
            attempt()
        except Exception as e:  # noqa: BLE001 - the class and message are what is compared
            errors.append(f"{type(e).__name__}: {e}")
    return {
        "subclassed": _summary(two),
        "subclassed_weights": [w.name for w in two.weights],
        "frozen": _summary(frozen),
        "dense_config": repr(sorted(dense.get_config().items())),
        "sequential_config": repr(frozen.get_config()),
        "from_config": [layer.name for layer in clone.layers],
        "from_config_params": clone.count_params(),
        "errors": errors,
        "layer_configs": repr(
            [
                layers.Dropout(0.2).get_config(),
                layers.Flatten().get_config(),
                layers.Conv2D(2, 3).get_config(),
                layers.Embedding(3, 2).get_config(),
            ]
        ),
        "input_repr": repr(tf.keras.Input((3,))),
        "getters": [
            tf.keras.losses.get("mse").__name__,
            tf.keras.activations.get("relu").__name__,
            type(tf.keras.optimizers.get("adam")).__name__,
        ],
    }


def cnn_fit(tf):
    """A small CNN (Conv2D, MaxPooling2D, Flatten, Dropout, Dense) trained with sample and class weights and
    RMSprop; dropout off (rate 0) so that the trajectory is deterministic."""
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(11)
    layers = tf.keras.layers
    rng = np.random.RandomState(3)
    images = rng.rand(48, 8, 8, 1).astype("float32")
    labels = (images[:, :4].mean(axis=(1, 2, 3)) > images[:, 4:].mean(axis=(1, 2, 3))).astype("int32")
    weights = rng.rand(48).astype("float32")
    model = tf.keras.Sequential(
        [
            layers.Conv2D(4, 3, activation="relu", padding="same", input_shape=(8, 8, 1)),
            layers.MaxPooling2D(),
            layers.Conv2D(6, 3, activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.0),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.RMSprop(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        images,
        labels,
        sample_weight=weights,
        class_weight={0: 1.0, 1: 2.5},
        batch_size=16,
        epochs=3,
        verbose=0,
        shuffle=False,
    )
    return {
        "summary": _summary(model),
        "history": {k: np.array(v) for k, v in history.history.items()},
        "final": model.get_weights(),
        "predict": model.predict(images[:4], verbose=0),
    }


def weight_names(tf):
    """Weight names: a direct build(), layers first called inside tf.function, a subclassed model, an
    outer name scope."""
    tf.keras.backend.clear_session()
    layers = tf.keras.layers
    direct = layers.Dense(2)
    direct.build((None, 3))
    stack = tf.keras.Sequential([layers.Dense(8), layers.Dense(1)])
    tf.function(lambda a: stack(a))(np.ones((2, 3), "float32"))

    class Pair(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(2)
            self.b = layers.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    pair = Pair()
    tf.function(lambda a: pair(a))(np.ones((2, 3), "float32"))
    with tf.name_scope("outer"):
        scoped = layers.Dense(2)
        scoped(np.ones((1, 2), "float32"))
    return {"names": [w.name for m in (direct, stack, pair, scoped) for w in m.weights]}


def checkpoint_model(tf):
    """The model whose weights tf-keras and tapeflow write for each other (weights set, one Adam step)."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(4,)), tf.keras.layers.Dense(2)])
    model.set_weights(
        [np.arange(np.prod(w.shape), dtype="float32").reshape(w.shape) / 10 for w in model.get_weights()]
    )
    model.compile(tf.keras.optimizers.Adam(0.1), "mse")
    model.train_on_batch(np.ones((4, 4), "float32"), np.zeros((4, 2), "float32"))
    return model


CASES = {
    f.__name__: f
    for f in (
        functional_summary,
        sequential_summary,
        mlp_fit,
        functional_fit,
        progress_verbose_2,
        progress_verbose_1,
        layer_outputs,
        losses_and_metrics,
        initializers_and_friends,
        configs_and_errors,
        weight_names,
        cnn_fit,
        dict_io_fit,
        plateau_and_csv,
    )
}


def flatten(result, prefix: str = "") -> dict:
    """A case's result as {path: value}, for storing and comparing."""
    if isinstance(result, dict):
        items = result.items()
    elif isinstance(result, (list, tuple)) and not all(isinstance(x, str) for x in result):
        items = ((str(i), v) for i, v in enumerate(result))
    else:
        return {prefix: result}
    out = {}
    for k, v in items:
        out.update(flatten(v, f"{prefix}/{k}" if prefix else str(k)))
    return out


def differential_tests(cases: dict, fixture) -> tuple:
    """The two tests of `cases` (name -> program) for a test module: tapeflow's results against the
    fixture recorded from tf-keras, and against live tf-keras (skipped where it is not installed)."""
    import tapeflow  # imported here: the recording script imports this module with TensorFlow only

    @pytest.mark.parametrize("name", sorted(cases))
    def test_case_matches_recorded_tf_keras(name):
        recorded = json.loads(fixture.read_text())[name]
        assert_same(flatten(cases[name](tapeflow)), recorded)

    @pytest.mark.parametrize("name", sorted(cases))
    def test_case_matches_live_tf_keras(name):
        theirs = live_tf_keras_results(cases[name])
        assert_same(flatten(cases[name](tapeflow)), theirs)

    return test_case_matches_recorded_tf_keras, test_case_matches_live_tf_keras


def _is_text(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value))


def live_tf_keras():
    """The `tensorflow` module with tf-keras as its Keras; the test is skipped without TensorFlow, tf_keras
    or `TF_USE_LEGACY_KERAS=1`."""
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        pytest.skip("tf-keras (Keras 2) runs with TF_USE_LEGACY_KERAS=1")
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    return tf


def live_tf_keras_results(case) -> dict:
    """`case` run by live tf-keras, as {path: value} (see `live_tf_keras`)."""
    tf = live_tf_keras()
    return {k: v if _is_text(v) else np.asarray(v) for k, v in flatten(case(tf)).items()}


def assert_same(ours: dict, theirs: dict) -> None:
    """Equal keys; strings and name lists exactly, numbers to float32 rounding."""
    assert sorted(ours) == sorted(theirs), (sorted(ours), sorted(theirs))
    for key in ours:
        a, b = ours[key], theirs[key]
        if _is_text(b):
            assert a == b, f"{key}:\n{a}\n!=\n{b}"
        else:
            np.testing.assert_allclose(
                np.asarray(a, "float64"), np.asarray(b, "float64"), rtol=2e-5, atol=2e-6, err_msg=key
            )
