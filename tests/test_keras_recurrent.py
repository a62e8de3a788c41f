"""tapeflow's recurrent layers (SimpleRNN, LSTM, GRU, RNN, Bidirectional, TimeDistributed, Masking)
against tf-keras 2.21: the programs of recurrent_cases.py checked against the recorded fixture and, with
`TF_USE_LEGACY_KERAS=1` and TensorFlow installed, against live TensorFlow; and the behaviour that needs
no reference (tracing, Jacobians, dropout, errors)."""

import json
import os
import pathlib

import numpy as np
import pytest

import tapeflow
from keras_cases import assert_same, flatten
from recurrent_cases import CASES

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "recurrent_tensorflow.json"


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
        k: v if isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)) else np.asarray(v)
        for k, v in flatten(CASES[name](tf)).items()
    }
    assert_same(_ours(name), theirs)
