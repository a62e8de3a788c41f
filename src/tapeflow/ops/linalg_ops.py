"""Linear algebra: matrix products (`tf.linalg.matmul`, `@`, `matvec`, `tensordot`), matrix
functions (`inv`, `det`, `solve`, `cholesky`) and diagonals, each batched over leading axes.

One matmul primitive covers every transpose/adjoint combination: `adj_a`/`adj_b` take the
conjugate transpose of the last two axes (for real dtypes, the transpose). Its gradients are
matmuls again; batch dimensions that were broadcast are summed back by the tape. The matrix
functions' gradients are the textbook ones (∂A⁻¹ = -A⁻¹ ∂A A⁻¹, ∂det = det · A⁻ᵀ, Murray's for
Cholesky), written with these ops, so they differentiate again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.core import buffers, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import FLOATS, NUMERIC
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops import shape_ops
from tapeflow.ops.arguments import int_values
from tapeflow.ops.array_ops import expand_dims, squeeze, transpose
from tapeflow.ops.declare import mismatch_error, operands, tensor, unsupported_error
from tapeflow.ops.einsum_ops import einsum
from tapeflow.ops.math_ops import conj, log, where
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["matmul", "matvec", "tensordot", "matrix_transpose", "inv", "det", "solve", "cholesky", "diag",
           "diag_part", "trace", "band_part", "triangular_solve", "slogdet", "logdet"]


def _adjoint(x: np.ndarray, adjoint: bool) -> np.ndarray:
    if not adjoint:
        return x
    x = np.swapaxes(x, -1, -2)
    return np.conj(x) if x.dtype.kind == "c" else x


def _matmul_kernel(a, b, adj_a, adj_b, *, out=None):
    a, b = _adjoint(a, adj_a), _adjoint(b, adj_b)
    if out is None and a.ndim == 2 and b.ndim == 2:  # (a training step's large products: reused buffers)
        out = buffers.empty((a.shape[0], b.shape[1]), a.dtype if a.dtype == b.dtype else np.result_type(a, b))
    return np.matmul(a, b, out=out)


def _grad_a(g, y, a, b, adj_a, adj_b):
    if adj_a:
        return _product(b, g, adj_b, True)
    return _product(g, b, False, not adj_b)


def _grad_b(g, y, a, b, adj_a, adj_b):
    if adj_b:
        return _product(g, a, True, adj_a)
    return _product(a, g, not adj_a, False)


_matmul_op = Op("MatMul", _matmul_kernel, (_grad_a, _grad_b))
_batch_matmul_op = Op("BatchMatMulV2", _matmul_kernel, (_grad_a, _grad_b))


def _product(a, b, adj_a: bool, adj_b: bool):
    op = _matmul_op if a._value.ndim == 2 and b._value.ndim == 2 else _batch_matmul_op
    return bind(op, (a, b), {"adj_a": adj_a, "adj_b": adj_b})


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False,
           adjoint_b: bool = False, a_is_sparse: bool = False, b_is_sparse: bool = False,
           output_type: Any = None, grad_a: bool = False, grad_b: bool = False, name: str | None = None):
    """`tf.linalg.matmul`: `a @ b` over the last two axes, batch axes broadcast."""
    if (transpose_a and adjoint_a) or (transpose_b and adjoint_b):
        raise ValueError("Only one of transpose_a and adjoint_a can be True." if transpose_a and adjoint_a
                         else "Only one of transpose_b and adjoint_b can be True.")
    a, b = operands(a, b, hinted=True)
    op = _matmul_op if a._value.ndim == 2 and b._value.ndim == 2 else _batch_matmul_op
    if a._value.dtype != b._value.dtype:
        raise mismatch_error(op, a.dtype, 1, b.dtype)
    if a.dtype not in NUMERIC:
        raise unsupported_error(op, a.dtype, NUMERIC)
    if a._value.ndim < 2 or b._value.ndim < 2:
        raise errors.InvalidArgumentError(
            None, None, f"In[0] and In[1] ndims must be >= 2: {a._value.ndim} and {b._value.ndim} "
                        f"(shapes {list(a._value.shape)} and {list(b._value.shape)}) [Op:{op.name}]")
    # A plain transpose of a complex matrix is the adjoint of its conjugate.
    if transpose_a and a.dtype.is_complex:
        a = conj(a)
    if transpose_b and b.dtype.is_complex:
        b = conj(b)
    adj_a, adj_b = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    ka = a._value.shape[-2 if adj_a else -1]
    kb = b._value.shape[-1 if adj_b else -2]
    if ka != kb and ka is not None and kb is not None:  # (an unknown size is checked when the code runs)
        raise errors.InvalidArgumentError(
            None, None, f"Matrix size-incompatible: In[0]: {list(a._value.shape)}, In[1]: "
                        f"{list(b._value.shape)} (contracting {ka} with {kb}) [Op:{op.name}]")
    batch_a, batch_b = a._value.shape[:-2], b._value.shape[:-2]
    if not all(x is None or y is None or x == y or 1 in (x, y) for x, y in zip(batch_a[::-1], batch_b[::-1])):
        raise errors.InvalidArgumentError(
            None, None, f"In[0] and In[1] must have compatible batch dimensions: {list(a._value.shape)} vs. "
                        f"{list(b._value.shape)} [Op:{op.name}]")
    return bind(op, (a, b), {"adj_a": adj_a, "adj_b": adj_b})


def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False, a_is_sparse: bool = False,
           b_is_sparse: bool = False, name: str | None = None):
    """`tf.linalg.matvec`: the matrix (or batch of matrices) `a` times the vector(s) `b`."""
    product = matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return squeeze(product, -1)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None):
    """`tf.tensordot`: the sum over `axes` of the products of `a`'s and `b`'s entries. `axes` is an int
    n (a's last n axes with b's first n) or a pair of axis lists; an einsum of the two."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)  # each alone, as TensorFlow converts them
    if a.dtype != b.dtype:
        raise mismatch_error(_matmul_op, a.dtype, 1, b.dtype)
    rank_a, rank_b = a._value.ndim, b._value.ndim
    if isinstance(axes, int | np.integer):
        if not 0 <= axes <= min(rank_a, rank_b):
            raise ValueError(f"`axes` must be at most the rank of both inputs ({rank_a}, {rank_b}), got "
                             f"{axes}")
        pairs = list(zip(range(rank_a - axes, rank_a), range(axes)))
    else:
        axes_a, axes_b = ([int(i)] if np.ndim(i) == 0 else [int(j) for j in i] for i in axes)
        if len(axes_a) != len(axes_b):
            raise ValueError(f"The two lists of axes must have the same length, got {axes_a} and {axes_b}")
        pairs = [(i % rank_a, j % rank_b) for i, j in zip(axes_a, axes_b)]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    left = [next(letters) for _ in range(rank_a)]
    right = [next(letters) for _ in range(rank_b)]
    for i, j in pairs:
        right[j] = left[i]
    contracted_a, contracted_b = {i for i, _ in pairs}, {j for _, j in pairs}
    out = [c for k, c in enumerate(left) if k not in contracted_a]
    out += [c for k, c in enumerate(right) if k not in contracted_b]
    return einsum(f"{''.join(left)},{''.join(right)}->{''.join(out)}", a, b)


# ---- matrix functions: inverse, determinant, solve, Cholesky; diagonals and transposes ---------------

def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False):
    """`tf.linalg.matrix_transpose`: the last two axes swapped (of each matrix in a batch)."""
    x = tensor(a)
    rank = x._value.ndim
    if rank < 2:
        raise ValueError(f"Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = {x} with "
                         f"shape: {x.shape}")
    return transpose(x, [*range(rank - 2), rank - 1, rank - 2], conjugate=conjugate)


def _square(x: Any, op: Op) -> Any:
    x = tensor(x)
    if x.dtype not in FLOATS:
        raise unsupported_error(op, x.dtype, FLOATS)
    shape = x._value.shape
    if len(shape) < 2 or (shape[-1] != shape[-2] and None not in shape[-2:]):
        raise errors.InvalidArgumentError(None, None, f"Input matrix must be square. [Op:{op.name}]")
    return x


def _linalg_kernel(function: Callable, op_name: str, message: str) -> Callable:
    """`function` with NumPy's LinAlgError turned into TensorFlow's error for op `op_name`."""
    def kernel(*arrays: Any, **params: Any) -> Any:
        try:
            return function(*arrays, **params)
        except np.linalg.LinAlgError:
            raise errors.InvalidArgumentError(None, None, f"{message} [Op:{op_name}]") from None

    return kernel


# Kernels that reject singular matrices give their result's shape by rule (`infer`): tracing cannot run
# them on stand-in zeros.
def _like_first(a: AbstractValue, *others: Any, **params: Any) -> list[AbstractValue]:
    return [AbstractValue(a.shape, a.dtype)]


def _like_rhs(a: AbstractValue, b: AbstractValue, **params: Any) -> list[AbstractValue]:
    batch = np.broadcast_shapes(*(tuple(1 if d is None else d for d in x.shape[:-2]) for x in (a, b)))
    known = all(d is not None for d in (*a.shape[:-2], *b.shape[:-2]))
    return [AbstractValue((batch if known else (None,) * len(batch)) + b.shape[-2:], b.dtype)]


_inv_op = Op("MatrixInverse", _linalg_kernel(np.linalg.inv, "MatrixInverse", "Input is not invertible."), (
    lambda g, y, a: -matmul(matmul(y, g, adjoint_a=True), y, adjoint_b=True),), infer=_like_first)


def inv(input: Any, adjoint: bool = False, name: str | None = None):  # noqa: A002
    """`tf.linalg.inv`: the inverse of each square matrix (its adjoint's, with `adjoint`)."""
    x = _square(input, _inv_op)
    return bind(_inv_op, (matrix_transpose(x, conjugate=True) if adjoint else x,))


def _det_grad(g, y, a):
    scale = g * y
    return scale[..., None, None] * matrix_transpose(inv(a))


_det_op = Op("MatrixDeterminant", np.linalg.det, (_det_grad,))


def det(input: Any, name: str | None = None):  # noqa: A002
    """`tf.linalg.det`: the determinant of each square matrix."""
    return bind(_det_op, (_square(input, _det_op),))


def _solve_kernel(a, b, adjoint):
    return np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b)


def _solve_grads():
    def grad_b(g, x, a, b, adjoint):
        return solve(a, g, adjoint=not adjoint)

    def grad_a(g, x, a, b, adjoint):
        gb = grad_b(g, x, a, b, adjoint)
        return -matmul(x, gb, adjoint_b=True) if adjoint else -matmul(gb, x, adjoint_b=True)

    return grad_a, grad_b


_solve_op = Op("MatrixSolve", _linalg_kernel(_solve_kernel, "MatrixSolve", "Input matrix is not invertible."),
               _solve_grads(), infer=_like_rhs)


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None):
    """`tf.linalg.solve`: X with matrix @ X = rhs (or adjoint(matrix) @ X = rhs)."""
    a, b = operands(matrix, rhs)
    a = _square(a, _solve_op)
    if b._value.ndim < 2 or (a._value.shape[-1] is not None and b._value.shape[-2] is not None
                             and a._value.shape[-1] != b._value.shape[-2]):
        raise errors.InvalidArgumentError(
            None, None, f"Input matrix and right-hand side must have the same number of rows: "
                        f"{list(a._value.shape)} vs. {list(b._value.shape)} [Op:MatrixSolve]")
    return bind(_solve_op, (a, b), {"adjoint": bool(adjoint)})


def _cholesky_grad(g, l, a):
    # With middle = Φ(Lᴴ Ḡ) (the lower triangle, its diagonal halved), Ā = sym(L⁻ᴴ middle L⁻¹) / 2.
    n = l._value.shape[-1]
    l_inverse = inv(l)
    middle = matmul(l, g, adjoint_a=True)
    lower_halved_diagonal = np.tril(np.ones((n, n)), -1) + np.eye(n) / 2
    middle = middle * Tensor(lower_halved_diagonal.astype(l._value.dtype))
    grad = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    return (grad + matrix_transpose(grad, conjugate=True)) * 0.5


def _cholesky_kernel(a):
    return np.linalg.cholesky(a)


_cholesky_op = Op("Cholesky", _linalg_kernel(
    _cholesky_kernel, "Cholesky", "Cholesky decomposition was not successful. The input might not be valid."),
    (_cholesky_grad,), infer=_like_first)


def cholesky(input: Any, name: str | None = None):  # noqa: A002
    """`tf.linalg.cholesky`: the lower-triangular L with L @ Lᴴ = input, for each symmetric positive
    definite matrix (only its lower triangle is read). Not positive definite: InvalidArgumentError."""
    x = _square(input, _cholesky_op)
    if not shape_ops.known(x):
        raise NotImplementedError("tf.linalg.cholesky needs the matrix size known while tracing.")
    return bind(_cholesky_op, (x,))


def diag_part(input: Any, name: str = "diag_part", k: int = 0, padding_value: Any = 0,  # noqa: A002
              align: str = "RIGHT_LEFT"):
    """`tf.linalg.diag_part`: the main diagonal of each matrix."""
    if k != 0:
        raise NotImplementedError("tf.linalg.diag_part(k=...) is not supported: only the main diagonal.")
    return einsum("...ii->...i", tensor(input))


def diag(diagonal: Any, name: str = "diag", k: int = 0, num_rows: int = -1, num_cols: int = -1,
         padding_value: Any = 0, align: str = "RIGHT_LEFT"):
    """`tf.linalg.diag`: square matrices with `diagonal` (its last axis) on the main diagonal."""
    if k != 0 or num_rows != -1 or num_cols != -1:
        raise NotImplementedError("tf.linalg.diag(k=, num_rows=, num_cols=) is not supported.")
    v = tensor(diagonal)
    n = v._value.shape[-1]
    if n is None:
        raise NotImplementedError("tf.linalg.diag needs the diagonal's length known while tracing.")
    return v[..., None] * Tensor(np.eye(n, dtype=v._value.dtype))


def trace(x: Any, name: str | None = None):
    """`tf.linalg.trace`: the sum of each matrix's main diagonal."""
    return reduce_sum(diag_part(x), axis=-1)


def band_part(input: Any, num_lower: Any, num_upper: Any, name: str | None = None):  # noqa: A002
    """`tf.linalg.band_part`: each matrix with the entries outside the band (`num_lower` diagonals
    below the main one and `num_upper` above; -1: all of them) set to zero."""
    x = tensor(input)
    rows, cols = x._value.shape[-2:]
    if rows is None or cols is None:
        raise NotImplementedError("tf.linalg.band_part needs the matrix size known while tracing.")
    lower, upper = (int(int_values(k, "MatrixBandPart", "Tindex")) for k in (num_lower, num_upper))
    i, j = np.arange(rows)[:, None], np.arange(cols)[None, :]
    inside = ((lower < 0) | (i - j <= lower)) & ((upper < 0) | (j - i <= upper))
    return where(Tensor(inside), x, Tensor(np.zeros((), x._value.dtype)))


def _triangular_solve_kernel(a, b, lower, adjoint):
    a = np.tril(a) if lower else np.triu(a)
    return np.linalg.solve(np.swapaxes(a, -1, -2) if adjoint else a, b)


def _triangular_solve_grads():
    def grad_b(g, x, a, b, lower, adjoint):
        return triangular_solve(a, g, lower=lower, adjoint=not adjoint)

    def grad_a(g, x, a, b, lower, adjoint):
        gb = grad_b(g, x, a, b, lower, adjoint)
        full = -matmul(x, gb, adjoint_b=True) if adjoint else -matmul(gb, x, adjoint_b=True)
        return band_part(full, -1, 0) if lower else band_part(full, 0, -1)

    return grad_a, grad_b


_triangular_solve_op = Op("MatrixTriangularSolve", _linalg_kernel(
    _triangular_solve_kernel, "MatrixTriangularSolve", "Input matrix is not invertible."),
    _triangular_solve_grads(), infer=_like_rhs)


def triangular_solve(matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False,
                     name: str | None = None):
    """`tf.linalg.triangular_solve`: X with matrix @ X = rhs, reading only the lower (or, with
    `lower=False`, the upper) triangle of `matrix` (its adjoint, with `adjoint`)."""
    a, b = operands(matrix, rhs)
    a = _square(a, _triangular_solve_op)
    return bind(_triangular_solve_op, (a, b), {"lower": bool(lower), "adjoint": bool(adjoint)})


def _slogdet_kernel(a):
    sign, log_abs = np.linalg.slogdet(a)
    return sign.astype(a.dtype), log_abs.astype(a.dtype)


_slogdet_op = Op("LogMatrixDeterminant", _slogdet_kernel, (
    lambda g, ys, a: g[1][..., None, None] * matrix_transpose(inv(a)),), multiple_results=True)


def slogdet(input: Any, name: str | None = None) -> tuple:  # noqa: A002
    """`tf.linalg.slogdet`: the sign and the log of the absolute value of each determinant (the
    gradient flows through the log)."""
    return bind(_slogdet_op, (_square(input, _slogdet_op),))


def logdet(matrix: Any, name: str | None = None):
    """`tf.linalg.logdet`: the log-determinant of each Hermitian positive definite matrix, as
    2 Σ log diag(cholesky(matrix))."""
    return 2.0 * reduce_sum(log(diag_part(cholesky(matrix))), axis=-1)
