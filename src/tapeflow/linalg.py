"""`tf.linalg`: matrix operations."""

from tapeflow.ops.clip_ops import global_norm
from tapeflow.ops.creation_ops import eye
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.linalg_ops import (
    band_part,
    cholesky,
    det,
    diag,
    diag_part,
    inv,
    logdet,
    matmul,
    matrix_transpose,
    matvec,
    slogdet,
    solve,
    tensordot,
    trace,
    triangular_solve,
)
from tapeflow.ops.nn_ops import l2_normalize
from tapeflow.ops.norm_ops import norm

__all__ = ["band_part", "cholesky", "det", "diag", "diag_part", "einsum", "eye", "global_norm", "inv",
           "l2_normalize", "logdet", "matmul", "matrix_transpose", "matvec", "norm", "slogdet", "solve",
           "tensordot", "trace", "triangular_solve"]
