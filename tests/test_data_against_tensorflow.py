"""tf.data against TensorFlow: every case of data_cases.py gives TensorFlow's elements, cardinality,
element_spec and repr — checked against the answers recorded from TensorFlow (fixtures/, made by
record_data_fixtures.py) and, when TensorFlow is installed, against TensorFlow itself."""

import json
import pathlib

import pytest

import tapeflow as tf
from data_cases import CASES, record

# (the cases are source strings: AutoGraph has no source to convert, and runs them as they are)
pytestmark = pytest.mark.filterwarnings("ignore:AutoGraph could not transform")
FIXTURE_FILE = pathlib.Path(__file__).parent / "fixtures" / "data_tensorflow.json"
FIXTURE = json.loads(FIXTURE_FILE.read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_recorded_tensorflow(name):
    assert record(tf, *CASES[name]) == FIXTURE[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_live_tensorflow(name):
    real = pytest.importorskip("tensorflow")
    assert record(tf, *CASES[name]) == record(real, *CASES[name])
