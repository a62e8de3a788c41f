"""tapeflow's Keras losses and metrics: behaviour that the differential cases of
keras_loss_metric_cases.py (checked by test_keras_against_tensorflow.py) do not reach."""

import numpy as np
import pytest

import tapeflow

tf = tapeflow
Y_TRUE = np.array([[1, 0, 1, 1], [0, 0, 1, 0], [1, 1, 0, 0]], "float32")
Y_PRED = np.array([[0.9, 0.2, 0.6, 0.4], [0.3, 0.1, 0.8, 0.7], [0.55, 0.95, 0.05, 0.5]], "float32")


@pytest.fixture(autouse=True)
def _fresh_names():
    tf.keras.backend.clear_session()


def test_metrics_update_inside_a_compiled_function_as_eagerly():
    """Variables made on the first trace (MeanTensor, a multi-label AUC) and updates inside tf.function."""
    m = tf.keras.metrics
    weights = np.array([0.5, 1.0, 2.0], "float32")
    labelled = (Y_TRUE, Y_PRED, weights)
    made = [
        (lambda: m.AUC(), labelled),
        (lambda: m.AUC(multi_label=True, curve="PR"), labelled),
        (lambda: m.Precision(thresholds=[0.3, 0.6]), labelled),
        (lambda: m.MeanTensor(), (Y_PRED, weights[:, None])),
        (lambda: m.MeanIoU(2), (Y_TRUE, Y_PRED > 0.5, np.repeat(weights, 4))),
        (lambda: m.RootMeanSquaredError(), labelled),
    ]
    for make, args in made:
        eager, compiled = make(), make()
        update = tf.function(lambda *a, metric=compiled: metric.update_state(*a))
        for _ in range(2):
            eager.update_state(*args)
            update(*args)
        np.testing.assert_allclose(compiled.result().numpy(), eager.result().numpy(), rtol=1e-6)
        assert [v.name for v in compiled.variables] == [v.name for v in eager.variables]


def test_metric_names_count_per_session_eagerly_and_per_trace_in_fit():
    """As tf-keras: 'AUC' built by an eager step is numbered in the session (auc, auc_1), built while the
    train step is traced it is numbered in that trace (auc again)."""
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    keys = []
    for eager in (True, True, False):
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
        model.compile("sgd", "binary_crossentropy", metrics=["AUC", "Precision"], run_eagerly=eager)
        keys.append(list(model.fit(x, y, verbose=0).history))
    assert keys == [
        ["loss", "auc", "precision"],
        ["loss", "auc_1", "precision_1"],
        ["loss", "auc", "precision"],
    ]


def test_errors_as_tf_keras():
    with pytest.raises(ValueError, match=r"Invalid Reduction Key: mean\. Expected keys are"):
        tf.keras.losses.MeanSquaredError(reduction="mean")
    with pytest.raises(ValueError, match=r'Invalid AUC curve value: "X"\. Expected values are \["PR", "ROC"'):
        tf.keras.metrics.AUC(curve="X")
    with pytest.raises(ValueError, match=r'Invalid AUC summation method value: "x"'):
        tf.keras.metrics.AUC(summation_method="x")
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]\. Received: \[1\.5\]"):
        tf.keras.metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label` is True."):
        tf.keras.metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="Unknown loss function: 'nope'"):
        tf.keras.losses.get("nope")
    mean = tf.keras.metrics.MeanTensor()
    mean.update_state([1.0, 2.0])
    with pytest.raises(
        ValueError, match=r"Expected shape \(set during the first call\): \(2,\)\. Got: \(3,\)\."
    ):
        mean.update_state([1.0, 2.0, 3.0])


def test_ignore_class_with_a_sum_reduction():
    loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1, reduction="sum")
    value = loss([0, 1, 2], [[1.0, 2, 3], [1, 2, 3], [3, 2, 1]])
    np.testing.assert_allclose(value.numpy(), 4.815212, rtol=1e-6)  # tf-keras's value


def test_configs_round_trip():
    loss = tf.keras.losses.BinaryFocalCrossentropy(gamma=3.0, from_logits=True, reduction="sum", name="f")
    again = tf.keras.losses.deserialize(tf.keras.losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    np.testing.assert_allclose(again(Y_TRUE, Y_PRED).numpy(), loss(Y_TRUE, Y_PRED).numpy())
    wrapper = tf.keras.losses.LossFunctionWrapper(tf.keras.losses.huber, name="w", delta=0.2)
    rebuilt = tf.keras.losses.LossFunctionWrapper.from_config(wrapper.get_config())
    assert rebuilt.fn is tf.keras.losses.huber and rebuilt.get_config() == wrapper.get_config()
    for metric in (
        tf.keras.metrics.AUC(curve="PR", thresholds=[0.25, 0.5]),
        tf.keras.metrics.Recall(top_k=2, class_id=1),
        tf.keras.metrics.MeanIoU(3, ignore_class=0),
        tf.keras.metrics.SparseTopKCategoricalAccuracy(k=3),
    ):
        clone = tf.keras.metrics.deserialize(tf.keras.metrics.serialize(metric))
        assert type(clone) is type(metric) and clone.get_config() == metric.get_config()
    mean_of = tf.keras.metrics.MeanMetricWrapper(tf.keras.metrics.mse, name="m")
    assert (
        tf.keras.metrics.MeanMetricWrapper.from_config({**mean_of.get_config(), "fn": "mse"})._fn
        is tf.keras.metrics.mse
    )
