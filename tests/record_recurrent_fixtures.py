"""Record tf-keras 2.21's answers for tests/recurrent_cases.py into tests/fixtures/recurrent_tensorflow.json
(and tf-keras's checkpoint of their checkpoint_model into tests/fixtures/recurrent_checkpoint).

Run with TensorFlow and tf_keras installed: `TF_USE_LEGACY_KERAS=1 python tests/record_recurrent_fixtures.py`.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import tensorflow as tf  # noqa: E402

from keras_cases import flatten  # noqa: E402
from record_keras_fixtures import _jsonable  # noqa: E402
from recurrent_cases import CASES, checkpoint_model  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "recurrent_tensorflow.json"
CHECKPOINT = OUT.parent / "recurrent_checkpoint" / "weights"  # tf-keras's save_weights of checkpoint_model


def main() -> None:
    recorded = {name: {k: _jsonable(v) for k, v in flatten(case(tf)).items()} for name, case in CASES.items()}
    OUT.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n")
    checkpoint_model(tf).save_weights(str(CHECKPOINT))
    print(f"wrote {OUT} and {CHECKPOINT}")


if __name__ == "__main__":
    main()
