"""tapeflow's Keras losses and metrics against tf-keras 2.21: the programs of keras_loss_metric_cases.py,
checked against the recorded fixture, and against live TensorFlow where it is installed (run with
`TF_USE_LEGACY_KERAS=1`)."""

import json
import os
import pathlib

import numpy as np
import pytest

import tapeflow
from keras_cases import assert_same, flatten
from keras_loss_metric_cases import CASES

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "keras_losses_metrics.json"


def _ours(name: str) -> dict:
    return flatten(CASES[name](tapeflow))


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_recorded_tf_keras(name):
    recorded = json.loads(FIXTURE.read_text())[name]
    assert_same(_ours(name), recorded)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_live_tf_keras(name):
    if os.environ.get("TF_USE_LEGACY_KERAS") != "1":
        pytest.skip("tf-keras (Keras 2) runs with TF_USE_LEGACY_KERAS=1")
    tf = pytest.importorskip("tensorflow")
    pytest.importorskip("tf_keras")
    theirs = {
        k: v
        if isinstance(v, (str, list)) and all(isinstance(x, str) for x in (v if isinstance(v, list) else [v]))
        else np.asarray(v)
        for k, v in flatten(CASES[name](tf)).items()
    }
    assert_same(_ours(name), theirs)
