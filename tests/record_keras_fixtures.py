"""Record tf-keras 2.21's answers for tests/keras_cases.py into tests/fixtures/keras_tensorflow.json, and
for tests/keras_loss_metric_cases.py into tests/fixtures/keras_losses_metrics.json.

Run with TensorFlow and tf_keras installed: `TF_USE_LEGACY_KERAS=1 python tests/record_keras_fixtures.py
[keras] [losses_metrics]` (both by default).
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

import keras_loss_metric_cases  # noqa: E402
from keras_cases import CASES, checkpoint_model, flatten  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "keras_tensorflow.json"
LOSSES_METRICS = OUT.parent / "keras_losses_metrics.json"
CHECKPOINT = OUT.parent / "keras_checkpoint" / "weights"  # tf-keras's save_weights of checkpoint_model


def _jsonable(value):
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value)):
        return value
    return np.asarray(value, "float64").tolist()


def record(cases: dict, out: pathlib.Path, model=None, checkpoint: pathlib.Path | None = None) -> None:
    """tf-keras's results of `cases` into `out`, and, given a `model`, its save_weights at `checkpoint`."""
    recorded = {name: {k: _jsonable(v) for k, v in flatten(case(tf)).items()} for name, case in cases.items()}
    out.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n")
    if model is not None:
        model(tf).save_weights(str(checkpoint))
    print(f"wrote {out}" + (f" and {checkpoint}" if model is not None else ""))


def main() -> None:
    which = sys.argv[1:] or ["keras", "losses_metrics"]
    if "keras" in which:
        record(CASES, OUT, checkpoint_model, CHECKPOINT)
    if "losses_metrics" in which:
        record(keras_loss_metric_cases.CASES, LOSSES_METRICS)


if __name__ == "__main__":
    main()
