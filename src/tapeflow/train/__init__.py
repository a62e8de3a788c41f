"""`tf.train`: checkpoints in TensorFlow's own format, and the `Example` protocol messages of tf.data's
record files (re-exports, loaded on first use).

docs/architecture.md lists what each module of this package does.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Checkpoint": "checkpoint", "CheckpointOptions": "checkpoint", "CheckpointManager": "manager",
    "CheckpointReader": "reader", "load_checkpoint": "reader", "load_variable": "reader",
    "list_variables": "reader", "checkpoints_iterator": "reader",
    "latest_checkpoint": "state", "get_checkpoint_state": "state", "CheckpointState": "state",
    **dict.fromkeys(("BytesList", "Example", "Feature", "Features", "FloatList", "Int64List"),
                    "tapeflow.data.example"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'tapeflow.train' has no attribute {name!r}")
    module = _LAZY[name]
    value = getattr(importlib.import_module(module if "." in module else f"tapeflow.train.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted([*globals(), *_LAZY])
