"""`tf.linalg`: matrix operations."""

from tapeflow.ops.creation_ops import eye
from tapeflow.ops.linalg_ops import matmul

__all__ = ["eye", "matmul"]
