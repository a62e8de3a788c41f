"""Record tf-keras 2.21's answers for tests/keras_layer_cases.py into
tests/fixtures/keras_layers_tensorflow.json.

Run with TensorFlow and tf_keras installed:
`TF_USE_LEGACY_KERAS=1 python tests/record_keras_layer_fixtures.py`.
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

from keras_cases import flatten  # noqa: E402
from keras_layer_cases import CASES  # noqa: E402

_SHORT = np.frompyfunc(lambda x: float(str(np.float32(x))), 1, 1)  # a float32 by its shortest exact decimal


def _jsonable(value):
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(x, str) for x in value)):
        return value
    value = np.asarray(value)
    if value.dtype != np.float32:
        return value.tolist()
    short = _SHORT(value)
    return short.tolist() if isinstance(short, np.ndarray) else short  # (a scalar comes back as a float)

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "keras_layers_tensorflow.json"


def main() -> None:
    recorded = {name: {k: _jsonable(v) for k, v in flatten(case(tf)).items()} for name, case in CASES.items()}
    OUT.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
