"""tapeflow's Keras against tf-keras 2.21: the programs of keras_cases.py and keras_loss_metric_cases.py,
checked against the recorded fixtures, and against live TensorFlow where it is installed (run with
`TF_USE_LEGACY_KERAS=1`)."""

import os
import pathlib

import numpy as np
import pytest

import keras_loss_metric_cases
import tapeflow
from keras_cases import CASES, checkpoint_model, differential_tests

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "keras_tensorflow.json"


test_case_matches_recorded_tf_keras, test_case_matches_live_tf_keras = differential_tests(CASES, FIXTURE)
LOSSES_METRICS = FIXTURE.parent / "keras_losses_metrics.json"
test_loss_metric_matches_recorded_tf_keras, test_loss_metric_matches_live_tf_keras = differential_tests(
    keras_loss_metric_cases.CASES, LOSSES_METRICS)


def _fresh_model(tf):
    return tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(4,)), tf.keras.layers.Dense(2)])


def test_load_weights_reads_tf_keras_checkpoint():
    model = _fresh_model(tapeflow)
    model.compile(tapeflow.keras.optimizers.Adam(0.1), "mse")
    model.load_weights(str(FIXTURE.parent / "keras_checkpoint" / "weights")).expect_partial()
    expected = checkpoint_model(tapeflow).get_weights()  # the same program, run by tapeflow
    for ours, theirs in zip(model.get_weights(), expected):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    model.train_on_batch(np.ones((4, 4), "float32"), np.zeros((4, 2), "float32"))  # slots restored as built
    assert model.optimizer.iterations.numpy() == 2


def test_tf_keras_reads_tapeflow_checkpoint(tmp_path):
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        pytest.skip("tf-keras (Keras 2) runs with TF_USE_LEGACY_KERAS=1")
    tf = pytest.importorskip("tensorflow")
    ours = checkpoint_model(tapeflow)
    ours.save_weights(str(tmp_path / "weights"))
    theirs = _fresh_model(tf)
    theirs.compile(tf.keras.optimizers.Adam(0.1), "mse")
    theirs.load_weights(str(tmp_path / "weights")).expect_partial()
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
