"""Record tf-keras 2.21's answers for tests/keras_cases.py into tests/fixtures/keras_tensorflow.json.

Run with TensorFlow and tf_keras installed: `TF_USE_LEGACY_KERAS=1 python tests/record_keras_fixtures.py`.
The fixture lets the tests check tapeflow's Keras against tf-keras's values without TensorFlow.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_cases import CASES, checkpoint_model, flatten  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "keras_tensorflow.json"
CHECKPOINT = OUT.parent / "keras_checkpoint" / "weights"  # tf-keras's save_weights of checkpoint_model


def _jsonable(value):
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value)):
        return value
    return np.asarray(value, "float64").tolist()


def record(cases: dict, model, out: pathlib.Path, checkpoint: pathlib.Path) -> None:
    """tf-keras's results of `cases` into `out`, and its save_weights of `model(tf)` at `checkpoint`."""
    recorded = {name: {k: _jsonable(v) for k, v in flatten(case(tf)).items()} for name, case in cases.items()}
    out.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n")
    model(tf).save_weights(str(checkpoint))
    print(f"wrote {out} and {checkpoint}")


def main() -> None:
    record(CASES, checkpoint_model, OUT, CHECKPOINT)


if __name__ == "__main__":
    main()
