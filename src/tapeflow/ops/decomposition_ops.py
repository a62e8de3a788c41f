"""Matrix decompositions (`qr`, `svd`, `eigh`, `lu`), the matrix exponential, and what is built on
them (`lstsq`, `pinv`, `matrix_rank`, `cholesky_solve`, `lu_solve` ...), batched over leading axes.

Each decomposition is one op with a NumPy (LAPACK) kernel; float16 is decomposed in float32, as
NumPy has no half-precision LAPACK. The gradient rules are the published ones (Giles; Townsend for
the SVD; arXiv:2009.10071 for QR, as TensorFlow), written with tapeflow ops so that they
differentiate again. They assume distinct eigen/singular values: the reciprocal gaps 1/(λⱼ - λᵢ)
are TensorFlow's "safe" x / (x² + 1e-20), which is 0 where two of them coincide. Singular vectors
and eigenvectors have an arbitrary sign, so only quantities invariant to it have well-defined
gradients. The solvers on top are compositions (TensorFlow's own), whose gradients come from the
ops they use; `lu` has no gradient in TensorFlow, and has none here.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import FLOATS
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.array_ops import concat
from tapeflow.ops.creation_ops import eye, one_hot, ones_like, zeros_like
from tapeflow.ops.declare import operands, tensor, unsupported_error
from tapeflow.ops.linalg_ops import band_part, cholesky, diag, matmul, triangular_solve
from tapeflow.ops.linalg_ops import matrix_transpose as _transpose
from tapeflow.ops.math_ops import cast, greater, reciprocal, where
from tapeflow.ops.matrix_ops import set_diag
from tapeflow.ops.reduce_ops import reduce_max, reduce_sum

__all__ = ["qr", "svd", "eigh", "eigvalsh", "lu", "lu_solve", "lu_reconstruct", "lu_matrix_inverse",
           "cholesky_solve", "lstsq", "pinv", "matrix_rank", "expm"]

Qr = collections.namedtuple("Qr", ["q", "r"])
Lu = collections.namedtuple("Lu", ["lu", "p"])


# ---- shared pieces ---------------------------------------------------------------------------

def _matrices(x: Any, op: Op, square: bool = False,
              rank_text: str = "Input tensor 0 must have rank") -> Tensor:
    """`x` as a floating (batch of) matrices, with TensorFlow's errors for op `op`."""
    x = tensor(x)
    if x.dtype not in FLOATS:
        raise unsupported_error(op, x.dtype, FLOATS)
    shape = x._value.shape
    if len(shape) < 2:
        raise errors.InvalidArgumentError(None, None, f"{rank_text} >= 2, got {len(shape)} [Op:{op.name}]")
    if square and shape[-1] != shape[-2] and None not in shape[-2:]:
        raise errors.InvalidArgumentError(None, None, f"Input matrix must be square. [Op:{op.name}]")
    return x


def _single_precision_for_half(function: Callable) -> Callable:
    """`function` (a kernel of one tensor) run in float32 for float16 input, its results cast back."""
    def kernel(a: np.ndarray, **params: Any) -> Any:
        if a.dtype != np.float16:
            return function(a, **params)
        out = function(a.astype(np.float32), **params)
        results = out if type(out) is tuple else (out,)
        back = tuple(r.astype(np.float16) if r.dtype == np.float32 else r for r in results)
        return back if type(out) is tuple else back[0]

    return kernel


def _safe_reciprocal(x: Any) -> Any:
    """1/x away from 0 and 0 at 0 (TensorFlow's guard for equal eigen/singular values)."""
    return x * reciprocal(x * x + 1e-20)


def _reciprocal_gaps(x: Any) -> Any:
    """The matrices of 1 / (xⱼ - xᵢ), zero on the diagonal. The diagonal is set, not computed from
    xᵢ - xᵢ = 0, where the guard's derivative (1e20, and its square) would swamp (or, in float32,
    overflow) second-order gradients."""
    gaps = x[..., None, :] - x[..., :, None] + eye(x._value.shape[-1], dtype=x.dtype)
    return set_diag(_safe_reciprocal(gaps), zeros_like(x))


# ---- QR -----------------------------------------------------------------------------------------

def _qr_kernel(a, full_matrices):
    return tuple(np.linalg.qr(a, mode="complete" if full_matrices else "reduced"))


def _times_inverse_rt(x: Any, r: Any) -> Any:
    """x R⁻ᵀ for an upper-triangular R, by one triangular solve."""
    return _transpose(triangular_solve(r, _transpose(x), lower=False))


def _qr_grad_tall(q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """Ā for A = QR with at least as many rows as columns (Q: m×n, R: n×n)."""
    qgq = matmul(q, gq, transpose_a=True)
    rgr = matmul(r, gr, transpose_b=True)
    lower = band_part(qgq - _transpose(qgq) + rgr - _transpose(rgr), -1, 0)
    return matmul(q, gr) + _times_inverse_rt(matmul(q, lower - qgq) + gq, r)


def _qr_grad(g, ys, a, full_matrices):
    (gq, gr), (q, r) = g, ys
    m, n = a._value.shape[-2:]
    if m is None or n is None:
        raise NotImplementedError(f"QrGrad not implemented with dynamic shapes. Received r.shape: {r.shape}")
    if m > n and full_matrices:
        raise NotImplementedError(f"QrGrad not implemented when nrows > ncols and full_matrices is true. "
                                  f"Received r.shape={r.shape} with nrows={m}and ncols={n}.")
    if m >= n:
        return _qr_grad_tall(q, r, gq, gr)
    # A wide A = [X, Y] has R = [U, V] with X = QU: the square case for X, and Y = QV for the rest.
    y, u, gu, gv = a[..., :, m:], r[..., :, :m], gr[..., :, :m], gr[..., :, m:]
    gx = _qr_grad_tall(q, u, gq + matmul(y, gv, transpose_b=True), gu)
    return concat([gx, matmul(q, gv)], -1)


_qr_op = Op("Qr", _single_precision_for_half(_qr_kernel), (_qr_grad,), multiple_results=True)


def qr(input: Any, full_matrices: bool = False, name: str | None = None) -> Qr:  # noqa: A002
    """`tf.linalg.qr`: Q with orthonormal columns and upper-triangular R with input = Q R (Q square
    and R as tall as the input with `full_matrices`), as the namedtuple `Qr(q, r)`."""
    x = _matrices(input, _qr_op)
    return Qr(*bind(_qr_op, (x,), {"full_matrices": bool(full_matrices)}))


# ---- SVD ----------------------------------------------------------------------------------------

def _nan_for_not_finite(function: Callable) -> Callable:
    """`function` (of a batch of matrices) giving NaNs for the matrices that are not finite, where
    LAPACK would fail to converge (TensorFlow's results)."""
    def kernel(a: np.ndarray, **params: Any) -> Any:
        bad = ~np.isfinite(a).all(axis=(-2, -1))
        if not bad.any():
            return function(a, **params)
        out = function(np.where(bad[..., None, None], 0, a), **params)
        for r in out if type(out) is tuple else (out,):
            r[bad] = np.nan
        return out

    return kernel


@_nan_for_not_finite
def _svd_kernel(a, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return s, u, np.swapaxes(vh, -1, -2)


@_nan_for_not_finite
def _singular_values_kernel(a):
    return np.linalg.svd(a, compute_uv=False)


def _svd_grad(g, ys, a, full_matrices):
    (gs, gu, gv), (s, u, v) = g, ys
    m, n = a._value.shape[-2:]
    if m is None or n is None:
        raise NotImplementedError("SVD gradient has not been implemented for input with unknown inner matrix "
                                  "shape.")
    wide = m <= n  # the formulas are for a wide matrix; a tall one is differentiated through Aᵀ = V S Uᵀ
    if not wide:
        m, n, u, v, gu, gv = n, m, v, u, gv, gu
    if full_matrices and n - m > 1:
        raise NotImplementedError(f"svd gradient is not implemented for abs(m - n) > 1 when full_matrices is "
                                  f"True. Received: m={m} and n={n} from op input={a} with shape={a.shape}.")
    gaps = _reciprocal_gaps(s * s)
    v1, gv1 = v[..., :, :m], gv[..., :, :m]
    j = gaps * matmul(u, gu, transpose_a=True)
    k = gaps * matmul(v1, gv1, transpose_a=True)
    middle = diag(gs) + (j + _transpose(j)) * s[..., None, :] + s[..., :, None] * (k + _transpose(k))
    grad = matmul(u, matmul(middle, v1, transpose_b=True))
    if m < n:  # the part of Ā outside the span of V₁ (and, with full matrices, V₂'s own gradient)
        gv1t = _transpose(gv1)
        rest = gv1t - matmul(matmul(gv1t, v1), v1, transpose_b=True)
        if full_matrices:
            v2, gv2 = v[..., :, m:], gv[..., :, m:]
            rest = rest - matmul(matmul(v1, gv2, transpose_a=True), v2, transpose_b=True)
        grad = grad + matmul(u * _safe_reciprocal(s)[..., None, :], rest)
    return grad if wide else _transpose(grad)


def _singular_values_grad(g, s, a):
    _, u, v = svd(a)
    return matmul(u * g[..., None, :], v, transpose_b=True)


_svd_op = Op("Svd", _single_precision_for_half(_svd_kernel), (_svd_grad,), multiple_results=True)
_singular_values_op = Op("Svd", _single_precision_for_half(_singular_values_kernel), (_singular_values_grad,))


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: str | None = None) -> Any:
    """`tf.linalg.svd`: the singular values (largest first), and with `compute_uv` the singular
    vectors: `(s, u, v)` with tensor = u diag(s) vᵀ — TensorFlow's order, and v itself, not vᵀ."""
    x = _matrices(tensor, _svd_op)
    if not compute_uv:
        return bind(_singular_values_op, (x,))
    return bind(_svd_op, (x,), {"full_matrices": bool(full_matrices)})


# ---- symmetric eigendecomposition ------------------------------------------------------------------

def _check_finite_lower(a: np.ndarray) -> None:
    if not np.isfinite(np.tril(a)).all():
        raise errors.InvalidArgumentError(
            None, None, "Self-adjoint eigen decomposition was not successful. The input might not be valid. "
                        "[Op:SelfAdjointEigV2]")


def _eigh_kernel(a):
    _check_finite_lower(a)
    return tuple(np.linalg.eigh(a, UPLO="L"))


def _eigvalsh_kernel(a):
    _check_finite_lower(a)
    return np.linalg.eigvalsh(a, UPLO="L")


def _fold_to_lower(grad: Any) -> Any:
    """The gradient for the entries the kernel reads (the lower triangle) of a symmetric function's
    input: each off-diagonal pair's gradients summed into the lower one."""
    both = grad + _transpose(grad)
    return band_part(both, -1, 0) - 0.5 * band_part(both, 0, 0)


def _eigh_grad(g, ys, a):
    (ge, gv), (e, v) = g, ys
    gaps = _reciprocal_gaps(e)
    middle = diag(ge) + gaps * matmul(v, gv, transpose_a=True)
    return _fold_to_lower(matmul(v, matmul(middle, v, transpose_b=True)))


def _eigvalsh_grad(g, e, a):
    _, v = eigh(a)
    return _fold_to_lower(matmul(v * g[..., None, :], v, transpose_b=True))


_eigh_op = Op("SelfAdjointEigV2", _single_precision_for_half(_eigh_kernel), (_eigh_grad,),
              multiple_results=True)
_eigvalsh_op = Op("SelfAdjointEigV2", _single_precision_for_half(_eigvalsh_kernel), (_eigvalsh_grad,))


def eigh(tensor: Any, name: str | None = None) -> tuple:
    """`tf.linalg.eigh`: `(e, v)`, the eigenvalues (ascending) and eigenvectors (columns) of each
    symmetric matrix, of which only the lower triangle is read."""
    return bind(_eigh_op, (_matrices(tensor, _eigh_op, square=True),))


def eigvalsh(tensor: Any, name: str | None = None) -> Any:
    """`tf.linalg.eigvalsh`: the eigenvalues (ascending) of each symmetric matrix (lower triangle)."""
    return bind(_eigvalsh_op, (_matrices(tensor, _eigvalsh_op, square=True),))


# ---- LU ---------------------------------------------------------------------------------------------

def _lu_kernel(a, index_type):
    """Gaussian elimination with partial pivoting (the first largest pivot, as LAPACK and Eigen)."""
    n, count = a.shape[-1], math.prod(a.shape[:-2])
    lu = a.reshape(count, n, n).copy()
    perm = np.tile(np.arange(n), (count, 1))
    each = np.arange(count)
    for j in range(n):
        pivot = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        lu[each, j], lu[each, pivot] = lu[each, pivot], lu[each, j].copy()
        perm[each, j], perm[each, pivot] = perm[each, pivot], perm[each, j].copy()
        if not (np.abs(lu[:, j, j]) > 0).all():  # a zero (or NaN) pivot
            raise errors.InvalidArgumentError(None, None, "Input is not invertible. [Op:Lu]")
        lu[:, j + 1:, j] /= lu[:, j, j, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, None, j, j + 1:]
    return lu.reshape(a.shape), perm.reshape(a.shape[:-1]).astype(index_type)


def _lu_infer(a, index_type):  # (tracing: the kernel would reject the stand-in zeros as singular)
    return [AbstractValue(a.shape, a.dtype), AbstractValue(a.shape[:-1], index_type)]


_lu_op = Op("Lu", _single_precision_for_half(_lu_kernel), unregistered=True, multiple_results=True,
            infer=_lu_infer)


def lu(input: Any, output_idx_type: Any = dtypes.int32, name: str | None = None) -> Lu:  # noqa: A002
    """`tf.linalg.lu`: `Lu(lu, p)` with input[p] = L U: L unit lower-triangular and U upper-triangular
    packed in `lu`, `p` the row permutation. A singular matrix: InvalidArgumentError."""
    x = _matrices(input, _lu_op, square=True, rank_text="Input tensor must have rank")
    index_type = dtypes.as_dtype(output_idx_type)
    if index_type not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'output_idx_type' of {index_type.name} is not in the list of "
                        f"allowed values: int32, int64 [Op:Lu]")
    return Lu(*bind(_lu_op, (x,), {"index_type": index_type._np}))


def _lu_arguments(lower_upper: Any, perm: Any) -> tuple[Tensor, Tensor]:
    """`lower_upper` and `perm` converted and checked with TensorFlow's ValueErrors."""
    lower_upper, perm = tensor(lower_upper), tensor(perm)
    shape = lower_upper._value.shape
    if len(shape) < 2:
        raise ValueError("Input `lower_upper` must have at least 2 dimensions.")
    if len(shape) != perm._value.ndim + 1:
        raise ValueError("`rank(lower_upper)` must equal `rank(perm) + 1`")
    if None not in shape[:-2] and shape[-2] != shape[-1]:
        raise ValueError("`lower_upper` must be square.")
    return lower_upper, perm


def _unit_lower(lower_upper: Any) -> Any:
    """L, from `lu`'s strictly lower triangle and a unit diagonal."""
    return set_diag(band_part(lower_upper, -1, 0), ones_like(lower_upper[..., 0]))


def _permutation(perm: Any, dtype: Any) -> Any:
    """The permutation matrices P with (P x)[i] = x[perm[i]] (batch axes broadcast in matmul)."""
    return one_hot(perm, perm._value.shape[-1], dtype=dtype)


def lu_solve(lower_upper: Any, perm: Any, rhs: Any, validate_args: bool = False, name: str | None = None):
    """`tf.linalg.lu_solve`: X with A X = rhs, given A's `tf.linalg.lu` factors."""
    lower_upper, perm = _lu_arguments(lower_upper, perm)
    rhs = operands(lower_upper, rhs)[1]
    if rhs._value.ndim < 2:
        raise ValueError("Input `rhs` must have at least 2 dimensions.")
    if None not in (lower_upper._value.shape[-1], rhs._value.shape[-2]) and \
            lower_upper._value.shape[-1] != rhs._value.shape[-2]:
        raise ValueError("`lower_upper.shape[-1]` must equal `rhs.shape[-1]`.")
    solved = triangular_solve(_unit_lower(lower_upper), matmul(_permutation(perm, rhs.dtype), rhs))
    return triangular_solve(lower_upper, solved, lower=False)


def lu_reconstruct(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None):
    """`tf.linalg.lu_reconstruct`: the matrix A whose `tf.linalg.lu` factors are given."""
    lower_upper, perm = _lu_arguments(lower_upper, perm)
    product = matmul(_unit_lower(lower_upper), band_part(lower_upper, 0, -1))
    return matmul(_permutation(perm, product.dtype), product, transpose_a=True)


def lu_matrix_inverse(lower_upper: Any, perm: Any, validate_args: bool = False, name: str | None = None):
    """`tf.linalg.lu_matrix_inverse`: A⁻¹ from A's `tf.linalg.lu` factors."""
    lower_upper, perm = _lu_arguments(lower_upper, perm)
    shape = lower_upper._value.shape
    if None in shape:
        raise NotImplementedError("tf.linalg.lu_matrix_inverse needs the matrix shape known while tracing.")
    identity = eye(shape[-1], batch_shape=shape[:-2], dtype=lower_upper.dtype)
    return lu_solve(lower_upper, perm, identity)


# ---- solvers built on Cholesky and the SVD ----------------------------------------------------------

def cholesky_solve(chol: Any, rhs: Any, name: str | None = None):
    """`tf.linalg.cholesky_solve`: X with (L Lᵀ) X = rhs, L = `chol` (its lower triangle)."""
    return triangular_solve(chol, triangular_solve(chol, rhs), adjoint=True)


def _least_squares_kernel(a, b):
    """The minimum-norm least-squares solutions (one LAPACK call per matrix)."""
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a, b = np.broadcast_to(a, batch + a.shape[-2:]), np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(batch + (a.shape[-1], b.shape[-1]), np.result_type(a, b))
    for index in np.ndindex(*batch):
        out[index] = np.linalg.lstsq(a[index], b[index], rcond=None)[0]
    return out


def _least_squares_grad(g, x, a, b):
    raise ValueError("Gradient not defined for fast=False")


_least_squares_op = Op("MatrixSolveLs", _least_squares_kernel, (_least_squares_grad, _least_squares_grad))


def lstsq(matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: str | None = None):
    """`tf.linalg.lstsq`: X minimizing ‖matrix X - rhs‖² + l2_regularizer ‖X‖². With `fast` (the
    default), by the regularized normal equations through Cholesky, as TensorFlow: (AᵀA + λI)⁻¹ Aᵀ B
    for a tall A, Aᵀ (AAᵀ + λI)⁻¹ B for a wide one; otherwise the minimum-norm solution (λ ignored),
    which has no gradient."""
    a, b = operands(matrix, rhs)
    a = _matrices(a, _least_squares_op)
    m, n = a._value.shape[-2:]
    if not fast:
        if None not in (m, b._value.shape[-2]) and m != b._value.shape[-2]:
            raise errors.InvalidArgumentError(
                None, None, "Input matrix and rhs are incompatible. [Op:MatrixSolveLs]")
        return bind(_least_squares_op, (a, b))
    if m is None or n is None:
        raise NotImplementedError("tf.linalg.lstsq needs the matrix shape known while tracing.")
    tall = m >= n
    gram = matmul(a, a, transpose_a=tall, transpose_b=not tall)
    if isinstance(l2_regularizer, Tensor) or l2_regularizer != 0:
        gram = gram + l2_regularizer * eye(n if tall else m, dtype=a.dtype)
    chol = cholesky(gram)
    if tall:
        return cholesky_solve(chol, matmul(a, b, transpose_a=True))
    return matmul(a, cholesky_solve(chol, b), transpose_a=True)


def _float_matrices(a: Any) -> Tensor:
    """`a` checked as `pinv` and `matrix_rank` check it (Python errors, not an op's)."""
    a = tensor(a)
    if not a.dtype.is_floating:
        raise TypeError(f"Input `a` must have `float`-like `dtype` (saw {a.dtype.name}).")
    if a._value.ndim < 2:
        raise ValueError(f"Input `a` must have at least 2 dimensions (saw: {a._value.ndim}).")
    return a


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: str | None = None):
    """`tf.linalg.pinv`: the Moore-Penrose pseudo-inverse, from the SVD, singular values below
    `rcond` × the largest (default 10 · max(rows, cols) · eps) taken as zero."""
    a = _float_matrices(a)
    if rcond is None:
        rcond = 10.0 * max(a._value.shape[-2:]) * np.finfo(a._value.dtype).eps
    s, u, v = svd(a)
    cutoff = operands(a, rcond)[1] * reduce_max(s, axis=-1)
    s = where(greater(s, cutoff[..., None]), s, Tensor(np.array(np.inf, a._value.dtype)))
    return matmul(v / s[..., None, :], u, transpose_b=True)


def matrix_rank(a: Any, tol: Any = None, validate_args: bool = False, name: str | None = None):
    """`tf.linalg.matrix_rank`: the number of singular values above `tol` (default
    eps · max(rows, cols) · the largest), as int32."""
    a = _float_matrices(a)
    s = svd(a, compute_uv=False)
    if tol is None:
        tol = np.finfo(a._value.dtype).eps * max(a._value.shape[-2:]) * reduce_max(s, axis=-1, keepdims=True)
    return reduce_sum(cast(greater(s, tol), dtypes.int32), axis=-1)


# ---- the matrix exponential ---------------------------------------------------------------------

def _pade_coefficients(degree: int) -> list[float]:
    """The coefficients b₀..b_m of the [m/m] Padé approximant of exp, scaled so that b_m = 1."""
    terms = [Fraction(math.factorial(2 * degree - k), math.factorial(k) * math.factorial(degree - k))
             for k in range(degree + 1)]
    return [float(t / terms[-1]) for t in terms]


# Higham (2005)'s largest 1-norms for each degree, in single and double precision; the last
# degree is used on the matrix scaled down by 2^s to below its bound, then squared s times.
_PADE = {np.dtype(np.float32): ((3, 5, 7), (4.258730016922831e-1, 1.880152677804762e0, 3.925724783138660e0)),
         np.dtype(np.float64): ((3, 5, 7, 9, 13), (1.495585217958292e-2, 2.539398330063230e-1,
                                                   9.504178996162932e-1, 2.097847961257068e0,
                                                   5.371920351148152e0))}


def _pade(a: np.ndarray, degree: int) -> np.ndarray:
    """exp(a) by the [m/m] Padé approximant: (V - U)⁻¹ (V + U), U odd and V even in a."""
    b = _pade_coefficients(degree)
    square = a @ a
    power = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    odd, even = b[1] * power, b[0] * power
    for j in range(1, degree // 2 + 1):
        power = power @ square
        odd, even = odd + b[2 * j + 1] * power, even + b[2 * j] * power
    u = a @ odd
    return np.linalg.solve(even - u, even + u)


def _expm_kernel(a):
    n = a.shape[-1]
    if a.size == 0:
        return a.copy()
    flat = a.reshape(-1, n, n)
    norms = np.abs(flat).sum(axis=-2).max(axis=-1)
    if not np.isfinite(norms.max()):  # (TensorFlow gives NaNs for the whole batch)
        return np.full_like(a, np.nan)
    degrees, bounds = _PADE[a.dtype]
    which = np.searchsorted(bounds[:-1], norms, side="right")
    squarings = np.maximum(np.floor(np.log2(norms / bounds[-1])), 0).astype(int)
    out = np.empty_like(flat)
    for i, degree in enumerate(degrees):
        chosen = which == i
        if chosen.any():
            scale = 2.0 ** squarings[chosen, None, None] if degree == degrees[-1] else 1.0
            out[chosen] = _pade(flat[chosen] / scale, degree)
    for i in np.flatnonzero(squarings):
        for _ in range(squarings[i]):
            out[i] = out[i] @ out[i]
    return out.reshape(a.shape)


def _expm_grad(g, y, a):
    # The adjoint of the Fréchet derivative: exp([[Aᵀ, G], [0, Aᵀ]]) holds it in its upper-right block.
    n = a._value.shape[-1]
    at = _transpose(a)
    block = concat([concat([at, g], -1), concat([zeros_like(at), at], -1)], -2)
    return expm(block)[..., :n, n:]


_expm_op = Op("MatrixExponential", _single_precision_for_half(_expm_kernel), (_expm_grad,))


def expm(input: Any, name: str | None = None):  # noqa: A002
    """`tf.linalg.expm`: the matrix exponential of each square matrix, by Padé approximants with
    scaling and squaring (the degrees and bounds TensorFlow uses)."""
    x = tensor(input)
    if x.dtype not in FLOATS:
        raise ValueError(f"tf.linalg.expm does not support matrices of type {x.dtype}")
    x = _matrices(x, _expm_op, square=True)
    if None in x._value.shape[-2:]:
        raise NotImplementedError("tf.linalg.expm needs the matrix size known while tracing.")
    return bind(_expm_op, (x,))

