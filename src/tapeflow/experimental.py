"""`tf.experimental`: `Optional` (data/optional.py)."""

from tapeflow.data.optional import Optional

__all__ = ["Optional"]
