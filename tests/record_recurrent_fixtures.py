"""Record tf-keras 2.21's answers for tests/recurrent_cases.py into tests/fixtures/recurrent_tensorflow.json
(and tf-keras's checkpoint of their checkpoint_model into tests/fixtures/recurrent_checkpoint).

Run with TensorFlow and tf_keras installed: `TF_USE_LEGACY_KERAS=1 python tests/record_recurrent_fixtures.py`.
"""

import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from record_keras_fixtures import record  # noqa: E402
from recurrent_cases import CASES, checkpoint_model  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "recurrent_tensorflow.json"
CHECKPOINT = OUT.parent / "recurrent_checkpoint" / "weights"  # tf-keras's save_weights of checkpoint_model

if __name__ == "__main__":
    record(CASES, OUT, checkpoint_model, CHECKPOINT)
