"""`tf.types`: the types user code names in annotations and tracing protocols (types/experimental.py)."""

from tapeflow.types import experimental

__all__ = ["experimental"]
