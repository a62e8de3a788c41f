"""`tf.linalg`: matrix operations."""

from tapeflow.ops.clip_ops import global_norm
from tapeflow.ops.creation_ops import eye
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.linalg_ops import matmul, matvec, tensordot
from tapeflow.ops.nn_ops import l2_normalize
from tapeflow.ops.norm_ops import norm

__all__ = ["einsum", "eye", "global_norm", "l2_normalize", "matmul", "matvec", "norm", "tensordot"]
