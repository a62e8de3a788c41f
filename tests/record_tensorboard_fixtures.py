"""Record what tf-keras 2.21's TensorBoard callback writes for tests/tensorboard_cases.py into
tests/fixtures/tensorboard_keras.json.

Run with TensorFlow and tf_keras installed:
`TF_USE_LEGACY_KERAS=1 PYTHONPATH=src python tests/record_tensorboard_fixtures.py`
(tapeflow importable: its event-file reader decodes TensorFlow's files too).
"""

import json
import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import tensorflow as tf  # noqa: E402

from tensorboard_cases import CASES, fit, written  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "tensorboard_keras.json"


def main() -> None:
    recorded = {}
    for case in CASES:
        with tempfile.TemporaryDirectory() as logdir:
            fit(tf, logdir, case)
            recorded[case] = written(logdir)
    OUT.write_text(json.dumps(recorded, indent=0) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
