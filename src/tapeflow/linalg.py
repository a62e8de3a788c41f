"""`tf.linalg`: matrix operations."""

from tapeflow.ops.clip_ops import global_norm
from tapeflow.ops.creation_ops import eye
from tapeflow.ops.decomposition_ops import (
    cholesky_solve,
    eigh,
    eigvalsh,
    expm,
    lstsq,
    lu,
    lu_matrix_inverse,
    lu_reconstruct,
    lu_solve,
    matrix_rank,
    pinv,
    qr,
    svd,
)
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
from tapeflow.ops.matrix_ops import (
    adjoint,
    cross,
    normalize,
    set_diag,
    tensor_diag,
    tensor_diag_part,
    tridiagonal_matmul,
    tridiagonal_solve,
)
from tapeflow.ops.nn_ops import l2_normalize
from tapeflow.ops.norm_ops import norm

__all__ = ["adjoint", "band_part", "cholesky", "cholesky_solve", "cross", "det", "diag", "diag_part", "eigh",
           "eigvalsh", "einsum", "expm", "eye", "global_norm", "inv", "l2_normalize", "logdet", "lstsq", "lu",
           "lu_matrix_inverse", "lu_reconstruct", "lu_solve", "matmul", "matrix_rank", "matrix_transpose",
           "matvec", "norm", "normalize", "pinv", "qr", "set_diag", "slogdet", "solve", "svd", "tensor_diag",
           "tensor_diag_part", "tensordot", "trace", "triangular_solve", "tridiagonal_matmul",
           "tridiagonal_solve"]
