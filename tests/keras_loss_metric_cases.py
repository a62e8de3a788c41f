"""Keras losses and metrics run under TensorFlow (tf-keras 2.21, `TF_USE_LEGACY_KERAS=1`) and tapeflow
alike, as keras_cases.py's programs: every loss (several reductions, sample weights) with its gradient
with respect to the predictions, every metric after several weighted updates, their configs, and a fit
with string metrics. `record_keras_fixtures.py` stores TensorFlow's results;
`test_keras_against_tensorflow.py` checks tapeflow against them and against live TensorFlow."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np

from keras_cases import _progress_text

RNG = np.random.RandomState(12)
PROBS = RNG.dirichlet(np.ones(4), 6).astype("float32")  # rows of a distribution, (6, 4)
LOGITS = RNG.randn(6, 4).astype("float32")
POSITIVE = RNG.rand(6, 4).astype("float32") + 0.1
TARGETS = RNG.randn(6, 4).astype("float32")
LABELS = np.array([0, 1, 2, 3, 1, 2])
ONEHOT = np.eye(4, dtype="float32")[LABELS]
BINARY = (RNG.rand(6, 4) > 0.5).astype("float32")
SIGNS = 2 * BINARY - 1
WEIGHTS = RNG.rand(6).astype("float32")
REDUCTIONS = ("auto", "sum", "none", "sum_over_batch_size")


def _value_and_gradient(tf, loss, y_true, y_pred, sample_weight=None):
    y_pred = tf.constant(y_pred)
    with tf.GradientTape() as tape:
        tape.watch(y_pred)
        value = loss(y_true, y_pred, sample_weight=sample_weight)
    return {"value": value.numpy(), "gradient": tape.gradient(value, y_pred).numpy()}


def _loss_programs(tf):
    """(name, loss object factory(reduction), y_true, y_pred) for every loss and option."""
    losses = tf.keras.losses
    images = np.random.RandomState(3).randn(2, 3, 3, 4).astype("float32")
    image_labels = np.array([[[0, 1, 2], [3, 3, 1], [2, 0, 0]], [[1, 1, 0], [2, 3, 3], [0, 2, 1]]])
    return [
        ("mse", lambda r: losses.MeanSquaredError(reduction=r), TARGETS, POSITIVE),
        ("mae", lambda r: losses.MeanAbsoluteError(reduction=r), TARGETS, POSITIVE),
        ("mape", lambda r: losses.MeanAbsolutePercentageError(reduction=r), TARGETS, POSITIVE),
        ("msle", lambda r: losses.MeanSquaredLogarithmicError(reduction=r), POSITIVE[::-1].copy(), POSITIVE),
        ("huber", lambda r: losses.Huber(delta=0.5, reduction=r), TARGETS, LOGITS),
        ("logcosh", lambda r: losses.LogCosh(reduction=r), TARGETS, LOGITS),
        ("kld", lambda r: losses.KLDivergence(reduction=r), ONEHOT * 0.7 + 0.075, PROBS),
        ("poisson", lambda r: losses.Poisson(reduction=r), BINARY * 3, POSITIVE),
        ("hinge_binary", lambda r: losses.Hinge(reduction=r), BINARY, LOGITS),
        ("hinge_signs", lambda r: losses.Hinge(reduction=r), SIGNS, LOGITS),
        ("squared_hinge", lambda r: losses.SquaredHinge(reduction=r), BINARY, LOGITS),
        ("categorical_hinge", lambda r: losses.CategoricalHinge(reduction=r), ONEHOT, LOGITS),
        ("cosine", lambda r: losses.CosineSimilarity(reduction=r), TARGETS, LOGITS),
        ("cosine_axis_0", lambda r: losses.CosineSimilarity(axis=0, reduction=r), TARGETS, LOGITS),
        ("bce", lambda r: losses.BinaryCrossentropy(reduction=r), BINARY, PROBS),
        ("bce_logits", lambda r: losses.BinaryCrossentropy(from_logits=True, reduction=r), BINARY, LOGITS),
        ("bce_smooth", lambda r: losses.BinaryCrossentropy(label_smoothing=0.2, reduction=r), BINARY, PROBS),
        ("focal", lambda r: losses.BinaryFocalCrossentropy(reduction=r), BINARY, PROBS),
        (
            "focal_balanced_logits",
            lambda r: losses.BinaryFocalCrossentropy(
                apply_class_balancing=True,
                alpha=0.4,
                gamma=1.5,
                from_logits=True,
                label_smoothing=0.1,
                reduction=r,
            ),
            BINARY,
            LOGITS,
        ),
        ("cce", lambda r: losses.CategoricalCrossentropy(reduction=r), ONEHOT, PROBS),
        (
            "cce_logits",
            lambda r: losses.CategoricalCrossentropy(from_logits=True, reduction=r),
            ONEHOT,
            LOGITS,
        ),
        (
            "cce_smooth",
            lambda r: losses.CategoricalCrossentropy(label_smoothing=0.3, reduction=r),
            ONEHOT,
            PROBS,
        ),
        (
            "cce_axis_0",
            lambda r: losses.CategoricalCrossentropy(from_logits=True, axis=0, reduction=r),
            ONEHOT,
            LOGITS,
        ),
        ("scce", lambda r: losses.SparseCategoricalCrossentropy(reduction=r), LABELS, PROBS),
        ("scce_column", lambda r: losses.SparseCategoricalCrossentropy(reduction=r), LABELS[:, None], PROBS),
        (
            "scce_logits",
            lambda r: losses.SparseCategoricalCrossentropy(from_logits=True, reduction=r),
            LABELS,
            LOGITS,
        ),
        (
            "scce_ignore",
            lambda r: losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2, reduction=r),
            LABELS,
            LOGITS,
        ),
        (
            "scce_images",
            lambda r: losses.SparseCategoricalCrossentropy(from_logits=True, reduction=r),
            image_labels,
            images,
        ),
    ]


def losses_all(tf):
    """Each loss: value and gradient for each reduction, with and without sample weights."""
    out = {}
    for name, make, y_true, y_pred in _loss_programs(tf):
        weights = {
            "cosine_axis_0": WEIGHTS[:4],
            "cce_axis_0": WEIGHTS[:4],
            "scce_images": WEIGHTS[:2, None, None],
        }.get(name, WEIGHTS)
        out[name] = {
            "plain": _value_and_gradient(tf, make("auto"), y_true, y_pred),
            **{r: _value_and_gradient(tf, make(r), y_true, y_pred, weights) for r in REDUCTIONS},
            "scalar_weight": _value_and_gradient(tf, make("auto"), y_true, y_pred, 2.5),
            "config": repr(make("sum").get_config()),
        }
    return out


def loss_functions_by_name(tf):
    """`losses.get(name)` for Keras's names and aliases, applied to labels and predictions."""
    out = {}
    for name in (
        "mse",
        "MSE",
        "mae",
        "mape",
        "MAPE",
        "msle",
        "kld",
        "KLD",
        "kullback_leibler_divergence",
        "logcosh",
        "log_cosh",
        "huber",
        "huber_loss",
        "hinge",
        "squared_hinge",
        "poisson",
        "cosine_similarity",
        "binary_focal_crossentropy",
        "bce",
    ):
        fn = tf.keras.losses.get(name)
        out[name] = {"name": fn.__name__, "value": fn(BINARY, PROBS).numpy()}
    out["categorical_hinge"] = tf.keras.losses.get("categorical_hinge")(ONEHOT, LOGITS).numpy()
    out["Huber"] = repr(tf.keras.losses.get("Huber").get_config())
    serialized = tf.keras.losses.serialize(tf.keras.losses.Huber(0.3))
    out["serialized"] = repr(serialized)
    out["deserialized"] = repr(tf.keras.losses.deserialize(serialized).get_config())
    return out


def _metric_programs(tf):
    """(name, metric factory, updates): each update is (y_true, y_pred, sample_weight or None)."""
    m = tf.keras.metrics
    rng = np.random.RandomState(4)
    scores = rng.rand(6, 4).astype("float32")
    second = rng.rand(6, 4).astype("float32")
    binary_2 = (rng.rand(6, 4) > 0.4).astype("float32")
    w2 = rng.rand(6).astype("float32")

    def three(y_true, y_pred, y_true_2=None, y_pred_2=None):
        y_true_2 = y_true if y_true_2 is None else y_true_2
        y_pred_2 = y_pred if y_pred_2 is None else y_pred_2
        return [(y_true, y_pred, None), (y_true_2, y_pred_2, WEIGHTS), (y_true[:3], y_pred[:3], w2[:3])]

    binary_updates = three(BINARY, scores, binary_2, second)
    regression = three(TARGETS, LOGITS, TARGETS[::-1].copy(), POSITIVE)
    return [
        ("accuracy", lambda: m.Accuracy(), three(LABELS, scores.argmax(1), LABELS, second.argmax(1))),
        ("binary_accuracy", lambda: m.BinaryAccuracy(threshold=0.4), binary_updates),
        ("categorical_accuracy", lambda: m.CategoricalAccuracy(), three(ONEHOT, scores, ONEHOT, second)),
        (
            "sparse_categorical_accuracy",
            lambda: m.SparseCategoricalAccuracy(),
            three(LABELS, scores, LABELS, second),
        ),
        ("top_k", lambda: m.TopKCategoricalAccuracy(k=2), three(ONEHOT, scores, ONEHOT, second)),
        ("sparse_top_k", lambda: m.SparseTopKCategoricalAccuracy(k=2), three(LABELS, scores, LABELS, second)),
        ("auc", lambda: m.AUC(), binary_updates),
        ("auc_pr", lambda: m.AUC(curve="PR"), binary_updates),
        ("auc_pr_minoring", lambda: m.AUC(curve="PR", summation_method="minoring"), binary_updates),
        ("auc_roc_majoring", lambda: m.AUC(num_thresholds=50, summation_method="majoring"), binary_updates),
        ("auc_thresholds", lambda: m.AUC(thresholds=[0.2, 0.5, 0.7]), binary_updates),
        ("auc_multi_label", lambda: m.AUC(multi_label=True), binary_updates),
        ("auc_multi_label_pr", lambda: m.AUC(multi_label=True, curve="PR", num_labels=4), binary_updates),
        ("auc_logits", lambda: m.AUC(from_logits=True, label_weights=[1, 2, 0.5, 1]), three(BINARY, LOGITS)),
        ("precision", lambda: m.Precision(), binary_updates),
        ("precision_thresholds", lambda: m.Precision(thresholds=[0.3, 0.5, 0.7]), binary_updates),
        ("precision_top_k", lambda: m.Precision(top_k=2), binary_updates),
        ("precision_class", lambda: m.Precision(class_id=1, thresholds=0.6), binary_updates),
        ("recall", lambda: m.Recall(), binary_updates),
        ("recall_even", lambda: m.Recall(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]), binary_updates),
        ("recall_top_k_class", lambda: m.Recall(top_k=2, class_id=3), binary_updates),
        ("true_positives", lambda: m.TruePositives(), binary_updates),
        ("false_positives", lambda: m.FalsePositives(thresholds=[0.2, 0.8]), binary_updates),
        ("true_negatives", lambda: m.TrueNegatives(), binary_updates),
        ("false_negatives", lambda: m.FalseNegatives(thresholds=[0.1, 0.5]), binary_updates),
        ("mse", lambda: m.MeanSquaredError(), regression),
        ("rmse", lambda: m.RootMeanSquaredError(), regression),
        ("mae", lambda: m.MeanAbsoluteError(), regression),
        ("mape", lambda: m.MeanAbsolutePercentageError(), regression),
        ("msle", lambda: m.MeanSquaredLogarithmicError(), three(POSITIVE, POSITIVE[::-1].copy())),
        ("cosine", lambda: m.CosineSimilarity(), regression),
        (
            "cosine_axis_0",
            lambda: m.CosineSimilarity(axis=0),
            [(TARGETS, LOGITS, None), (TARGETS, LOGITS, WEIGHTS[:4])],
        ),
        ("logcosh", lambda: m.LogCoshError(), regression),
        ("kld", lambda: m.KLDivergence(), three(ONEHOT * 0.7 + 0.075, PROBS)),
        ("poisson", lambda: m.Poisson(), three(BINARY * 3, POSITIVE)),
        ("hinge", lambda: m.Hinge(), three(BINARY, LOGITS)),
        ("squared_hinge", lambda: m.SquaredHinge(), three(SIGNS, LOGITS)),
        ("categorical_hinge", lambda: m.CategoricalHinge(), three(ONEHOT, LOGITS)),
        ("bce", lambda: m.BinaryCrossentropy(label_smoothing=0.1), three(BINARY, PROBS)),
        ("bce_logits", lambda: m.BinaryCrossentropy(from_logits=True), three(BINARY, LOGITS)),
        ("cce", lambda: m.CategoricalCrossentropy(), three(ONEHOT, PROBS)),
        (
            "cce_logits",
            lambda: m.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
            three(ONEHOT, LOGITS),
        ),
        ("scce", lambda: m.SparseCategoricalCrossentropy(), three(LABELS, PROBS)),
        (
            "scce_ignore",
            lambda: m.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
            three(LABELS, LOGITS),
        ),
        (
            "mean_iou",
            lambda: m.MeanIoU(num_classes=4),
            three(LABELS, scores.argmax(1), LABELS, second.argmax(1)),
        ),
        (
            "mean_iou_dense",
            lambda: m.MeanIoU(num_classes=4, sparse_y_true=False, sparse_y_pred=False, ignore_class=0),
            three(ONEHOT, scores, ONEHOT, second),
        ),
        ("mean", lambda: m.Mean(), [(LOGITS, None, None), (LOGITS, None, WEIGHTS), (TARGETS[0], None, 2.0)]),
        ("sum", lambda: m.Sum(), [(LOGITS, None, None), (LOGITS, None, WEIGHTS[:, None])]),
        ("mean_tensor", lambda: m.MeanTensor(), [(LOGITS, None, None), (TARGETS, None, WEIGHTS[:, None])]),
    ]


def _plain_lists(text: str) -> str:
    """A config's text with tf-keras's `ListWrapper([...])` (a list attribute of a layer, tracked) shown
    as the plain list tapeflow keeps (docs/compatibility.md)."""
    return re.sub(r"ListWrapper\((\[[^]]*\])\)", r"\1", text)


def metrics_all(tf):
    """Each metric: its result after each update, after a reset and one more update, its variables'
    names and its config."""
    tf.keras.backend.clear_session()
    out = {}
    for name, make, updates in _metric_programs(tf):
        metric = make()
        results = []
        for y_true, y_pred, weight in updates:
            args = (y_true,) if y_pred is None else (y_true, y_pred)
            metric.update_state(*args, sample_weight=weight)
            results.append(metric.result().numpy())
        metric.reset_state()
        y_true, y_pred, weight = updates[-1]
        args = (y_true,) if y_pred is None else (y_true, y_pred)
        after_reset = metric(*args, sample_weight=weight).numpy()
        out[name] = {
            "results": results,
            "after_reset": after_reset,
            "variables": [v.name for v in metric.variables],
            "config": _plain_lists(repr(metric.get_config())),
            "str": _plain_lists(str(metric)) if name != "mean_tensor" else "",
        }
    return out


def metrics_by_name(tf):
    """`metrics.get(name)` for Keras's names, as functions of labels and predictions or as objects."""
    out = {}
    for name in (
        "acc",
        "accuracy",
        "mse",
        "mae",
        "mape",
        "msle",
        "top_k_categorical_accuracy",
        "logcosh",
        "hinge",
        "squared_hinge",
        "poisson",
        "kullback_leibler_divergence",
        "cosine_similarity",
        "cosine_proximity",
        "binary_accuracy",
        "categorical_accuracy",
    ):
        fn = tf.keras.metrics.get(name)
        out[name] = {"name": fn.__name__, "value": fn(tf.constant(ONEHOT), tf.constant(PROBS)).numpy()}
    tf.keras.backend.clear_session()
    out["objects"] = [
        f"{type(obj).__name__} {obj.name}"
        for obj in (
            tf.keras.metrics.get(n) for n in ("AUC", "AUC", "Precision", "RootMeanSquaredError", "Mean")
        )
    ]
    return out


def fit_with_string_metrics(tf):
    """compile/fit/evaluate with several string and object metrics: the history's keys and values and the
    printed log lines."""
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(5)
    rng = np.random.RandomState(1)
    x = rng.randn(48, 5).astype("float32")
    labels = (x[:, 0] + x[:, 1] > 0).astype("int32") + (x[:, 2] > 0.5).astype("int32")
    onehot = np.eye(3, dtype="float32")[labels]
    model = tf.keras.Sequential(
        [
            tf.keras.layers.Dense(8, activation="relu", input_shape=(5,)),
            tf.keras.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        tf.keras.optimizers.SGD(0.1),
        "categorical_crossentropy",
        metrics=[
            "acc",
            "mse",
            "mae",
            "top_k_categorical_accuracy",
            "AUC",
            tf.keras.metrics.Precision(),
            tf.keras.metrics.Recall(name="rec"),
            "ce",
            "msle",
        ],
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = model.fit(
            x, onehot, batch_size=16, epochs=2, verbose=2, shuffle=False, validation_split=0.25
        )
    evaluation = model.evaluate(x, onehot, verbose=0, return_dict=True)
    binary = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(5,))])
    binary.compile("adam", "binary_crossentropy", metrics=["accuracy", "AUC", "binary_crossentropy"])
    binary_history = binary.fit(x, labels[:, None] > 0, batch_size=16, epochs=1, verbose=0, shuffle=False)
    weighted = tf.keras.Sequential([tf.keras.layers.Dense(3, activation="softmax", input_shape=(5,))])
    weighted.compile(
        "sgd",
        "sparse_categorical_crossentropy",
        metrics=["acc", "mse"],
        weighted_metrics=[
            "acc",
            "sparse_top_k_categorical_accuracy",
            tf.keras.metrics.SparseCategoricalCrossentropy(name="wce"),
        ],
    )
    weights = rng.rand(48).astype("float32")
    weighted_history = weighted.fit(x, labels, sample_weight=weights, batch_size=16, verbose=0, shuffle=False)
    return {
        "weighted": {k: np.array(v) for k, v in weighted_history.history.items()},
        "weighted_keys": list(weighted_history.history),
        "history": {k: np.array(v) for k, v in history.history.items()},
        "keys": list(history.history),
        "text": _progress_text(out.getvalue()),
        "evaluate": {k: np.array(v) for k, v in evaluation.items()},
        "metrics_names": model.metrics_names,
        "binary": {k: np.array(v) for k, v in binary_history.history.items()},
        "binary_keys": list(binary_history.history),
    }


CASES = {
    f.__name__: f
    for f in (losses_all, loss_functions_by_name, metrics_all, metrics_by_name, fit_with_string_metrics)
}
