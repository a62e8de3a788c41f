"""Record TensorFlow's answers for tests/data_cases.py into tests/fixtures/data_tensorflow.json, and
its shuffle orders for tests/shuffle_cases.py into tests/fixtures/shuffle_tensorflow.json.

Run with TensorFlow installed: `python tests/record_data_fixtures.py`. The fixture lets the tests
check tapeflow against TensorFlow's values without TensorFlow.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import tensorflow as tf  # noqa: E402

import shuffle_cases  # noqa: E402
from data_cases import CASES, record  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
OUT = FIXTURES / "data_tensorflow.json"
SHUFFLES = FIXTURES / "shuffle_tensorflow.json"
RECORDS = [b"abc", b"", bytes(range(256)) * 3]  # the records of the TFRecord files TensorFlow writes


def write_tfrecords() -> None:
    """TFRecord files written by TensorFlow, plain and GZIP-compressed, for tapeflow to read."""
    for name, options in (("tensorflow.tfrecord", None), ("tensorflow.tfrecord.gz", "GZIP")):
        with tf.io.TFRecordWriter(str(FIXTURES / name), options) as writer:
            for record in RECORDS:
                writer.write(record)


def write_shuffles() -> None:
    """The element orders of every shuffle case, one case a line."""
    found = {shuffle_cases.case_name(*case): shuffle_cases.orders(tf, *case)
             for case in shuffle_cases.cases()}
    lines = [f" {json.dumps(name)}: {json.dumps(found[name], separators=(',', ':'))}"
             for name in sorted(found)]
    header = f'{{"version": {json.dumps(tf.__version__)}, "cases": {{\n'
    SHUFFLES.write_text(header + ",\n".join(lines) + "\n}}\n")
    print(f"wrote {len(found)} shuffle cases to {SHUFFLES}")


if __name__ == "__main__":
    cases = {name: record(tf, *case) for name, case in CASES.items()}
    lines = [f" {json.dumps(name)}: {json.dumps(cases[name], sort_keys=True)}" for name in sorted(cases)]
    OUT.write_text(f'{{"version": {json.dumps(tf.__version__)}, "cases": {{\n' + ",\n".join(lines) + "\n}}\n")
    print(f"wrote {len(CASES)} cases to {OUT}")
    write_tfrecords()
    write_shuffles()
