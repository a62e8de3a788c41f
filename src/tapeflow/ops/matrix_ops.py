"""Smaller `tf.linalg` functions: diagonals (`set_diag` with TensorFlow's `k` and `align`,
`tensor_diag`, `tensor_diag_part`), tridiagonal systems (`tridiagonal_solve`, `tridiagonal_matmul`),
`cross`, `adjoint` and `normalize`.

Setting diagonals and reading them are each other's gradients: two linear ops on the positions a
band of diagonals takes in a matrix. Tridiagonal solves run Gaussian elimination along the
diagonals (with row interchanges, as LAPACK's gtsv, or without); their gradient is a solve with the
transposed matrix. The rest are compositions of other ops.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.dtypes import REAL
from tapeflow.core.op import Op, bind
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import declare
from tapeflow.ops.array_ops import concat, expand_dims, reshape, squeeze, stack
from tapeflow.ops.creation_ops import zeros_like
from tapeflow.ops.declare import mismatch_error, operands, tensor, unsupported_error
from tapeflow.ops.linalg_ops import diag, diag_part, matrix_transpose
from tapeflow.ops.math_ops import cast, conj
from tapeflow.ops.norm_ops import norm
from tapeflow.ops.reduce_ops import reduce_sum

__all__ = ["adjoint", "normalize", "cross", "set_diag", "tensor_diag", "tensor_diag_part",
           "tridiagonal_solve", "tridiagonal_matmul"]


def adjoint(matrix: Any, name: str | None = None):
    """`tf.linalg.adjoint`: the conjugate transpose of each matrix (the transpose, for real ones)."""
    return matrix_transpose(tensor(matrix), conjugate=True)


def normalize(tensor: Any, ord: Any = "euclidean", axis: Any = None, name: str | None = None) -> tuple:  # noqa: A002
    """`tf.linalg.normalize`: `(tensor / norm, norm)`, the norm (`tf.norm`'s) kept with size-1 axes."""
    x = declare.tensor(tensor)
    size = cast(norm(x, ord=ord, axis=axis, keepdims=True), x.dtype)
    return x / size, size


# ---- cross product --------------------------------------------------------------------------------

def _cross_kernel(a, b):
    if a.ndim == 0 or b.ndim == 0 or a.shape != b.shape:
        text = (f"Input must be at least 1D{list(a.shape)}" if a.ndim == 0 and a.shape == b.shape else
                f"Both inputs must be of same shape: {_dims(a.shape)} vs. {_dims(b.shape)}")
        raise errors.InvalidArgumentError(None, None, f"{text} [Op:Cross]")
    if a.shape[-1] != 3:
        raise errors.FailedPreconditionError(
            None, None, "Cross-products are only defined for 3-element vectors. [Op:Cross]")
    return np.cross(a, b)


def _dims(shape: tuple) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


_cross_op = Op("Cross", _cross_kernel, (lambda g, y, a, b: cross(b, g), lambda g, y, a, b: cross(g, a)))


def cross(a: Any, b: Any, name: str | None = None):
    """`tf.linalg.cross`: the cross products of the 3-vectors along the last axis (same shapes)."""
    a, b = operands(a, b)
    if a.dtype not in REAL:
        raise unsupported_error(_cross_op, a.dtype, REAL)
    if b.dtype != a.dtype:
        raise mismatch_error(_cross_op, a.dtype, 1, b.dtype)
    return bind(_cross_op, (a, b))


# ---- diagonals ------------------------------------------------------------------------------------

_ALIGNMENTS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _diagonal_length(rows: int, cols: int, k: int) -> int:
    return min(rows + min(k, 0), cols - max(k, 0))


@functools.lru_cache(maxsize=256)
def _band(rows: int, cols: int, lower: int, upper: int, align: str) -> tuple:
    """Where the diagonals lower..upper of a rows×cols matrix lie: for each entry, its (row, column)
    in the matrix and its (diagonal, place) in the packed diagonals — upper first, each padded to the
    longest on the side `align` says (its first word for superdiagonals, its second for the others)."""
    longest = max(_diagonal_length(rows, cols, k) for k in range(lower, upper + 1))
    parts = []
    for k in range(upper, lower - 1, -1):
        length = _diagonal_length(rows, cols, k)
        i = np.arange(length) + max(-k, 0)
        side = align.split("_")[0 if k >= 0 else 1]
        place = np.arange(length) + (longest - length if side == "RIGHT" else 0)
        parts.append((i, i + k, np.full(length, upper - k), place))
    return tuple(np.concatenate(p) for p in zip(*parts)), longest


def _set_diag_kernel(x, diagonal, lower, upper, align):
    (i, j, which, place), _ = _band(x.shape[-2], x.shape[-1], lower, upper, align)
    out = x.copy()
    out[..., i, j] = diagonal[..., which, place] if lower != upper else diagonal[..., place]
    return out


def _diag_part_kernel(x, lower, upper, align):
    (i, j, which, place), longest = _band(x.shape[-2], x.shape[-1], lower, upper, align)
    count = () if lower == upper else (upper - lower + 1,)
    out = np.zeros(x.shape[:-2] + count + (longest,), x.dtype)
    if lower == upper:
        out[..., place] = x[..., i, j]
    else:
        out[..., which, place] = x[..., i, j]
    return out


_set_diag_op = Op("MatrixSetDiagV3", _set_diag_kernel, (
    lambda g, y, x, diagonal, **band: bind(_set_diag_op, (g, zeros_like(diagonal)), band),
    lambda g, y, x, diagonal, **band: bind(_diag_part_op, (g,), band)))
_diag_part_op = Op("MatrixDiagPartV3", _diag_part_kernel, (
    lambda g, y, x, **band: bind(_set_diag_op, (zeros_like(x), g), band),))


def _band_params(shape: tuple, k: Any, align: str, op: Op) -> dict:
    """`k` (one diagonal or a (lower, upper) band) and `align` checked against a matrix's shape."""
    ks = [int(v) for v in np.ravel(getattr(k, "_value", k))]
    if not 1 <= len(ks) <= 2:
        raise errors.InvalidArgumentError(
            None, None, f"diag_index must have only one or two elements, received {len(ks)} elements. "
                        f"[Op:{op.name}]")
    if align not in _ALIGNMENTS:
        allowed = ", ".join(f'"{a}"' for a in _ALIGNMENTS)
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'align' of \"{align}\" is not in the list of allowed values: "
                        f"{allowed} [Op:{op.name}]")
    if len(shape) < 2:
        raise errors.InvalidArgumentError(
            None, None, f"input must be at least 2-dim, received shape: {_dims(shape)} [Op:{op.name}]")
    rows, cols = shape[-2:]
    if rows is None or cols is None:
        raise NotImplementedError(f"{op.name} needs the matrix size known while tracing.")
    lower, upper = ks[0], ks[-1]
    for which, index in (("lower", lower), ("upper", upper)):
        if not (-rows < index < cols or index == 0):
            raise errors.InvalidArgumentError(
                None, None, f"{which}_diag_index is out of bound: {index} It must be between {-rows} and "
                            f"{cols} [Op:{op.name}]")
    if lower > upper:
        raise errors.InvalidArgumentError(
            None, None, f"lower_diag_index must not be larger than upper_diag_index: {lower} > {upper} "
                        f"[Op:{op.name}]")
    return {"lower": lower, "upper": upper, "align": align}


def set_diag(input: Any, diagonal: Any, name: str = "set_diag", k: Any = 0,  # noqa: A002
             align: str = "RIGHT_LEFT"):
    """`tf.linalg.set_diag`: each matrix with diagonal `k` (or the band k = (lower, upper), packed
    as TensorFlow packs it: upper first, shorter ones padded on the side `align` says) replaced."""
    x, d = operands(input, diagonal)
    if d.dtype != x.dtype:
        raise mismatch_error(_set_diag_op, x.dtype, 1, d.dtype)
    shape = x._value.shape
    band = _band_params(shape, k, align, _set_diag_op)
    lower, upper = band["lower"], band["upper"]
    count = () if lower == upper else (upper - lower + 1,)
    expected = shape[:-2] + count + (max(_diagonal_length(*shape[-2:], i) for i in range(lower, upper + 1)),)
    if not TensorShape(d._value.shape).is_compatible_with(expected):
        raise errors.InvalidArgumentError(
            None, None, "Either first dimensions of diagonal don't match input.shape[:-2], or "
                        "diagonal.shape[:-1] is not equal to the longests diagonal in range "
                        "[lower_diag_index:upper_diag_index].\n"
                        f"Input shape: {_dims(shape)}\nDiagonal shape: {_dims(d._value.shape)}\n"
                        f"Expected diagonal shape: {_dims(expected)} [Op:MatrixSetDiagV3]")
    return bind(_set_diag_op, (x, d), band)


def tensor_diag(diagonal: Any, name: str | None = None):
    """`tf.linalg.tensor_diag`: the tensor of twice the rank with `diagonal` at [i, ..., i, ...]."""
    x = tensor(diagonal)
    shape = x._value.shape
    if not shape:
        raise errors.InvalidArgumentError(None, None, "Input must be at least rank 1, got 0 [Op:Diag]")
    if None in shape:
        raise NotImplementedError("tf.linalg.tensor_diag needs the shape known while tracing.")
    return reshape(diag(reshape(x, [-1])), shape + shape)


def tensor_diag_part(input: Any, name: str | None = None):  # noqa: A002
    """`tf.linalg.tensor_diag_part`: the entries [i, ..., i, ...] of a tensor of even rank."""
    x = tensor(input)
    shape = x._value.shape
    half = len(shape) // 2
    if len(shape) % 2:
        raise errors.InvalidArgumentError(
            None, None, f"The rank of the tensor should be{' ' * 42}even and positive, got shape "
                        f"{_dims(shape)} [Op:DiagPart]")
    if None in shape:
        raise NotImplementedError("tf.linalg.tensor_diag_part needs the shape known while tracing.")
    for i in range(half):
        if shape[i] != shape[i + half]:
            raise errors.InvalidArgumentError(
                None, None, f"Invalid shape {_dims(shape)}: dimensions {i} and {i + half} do not match. "
                            f"[Op:DiagPart]")
    if not shape:
        return x
    size = math.prod(shape[:half])
    return reshape(diag_part(reshape(x, [size, size])), shape[:half])


# ---- tridiagonal systems -------------------------------------------------------------------------

_TRIDIAGONAL = frozenset((dtypes.float32, dtypes.float64))
_tridiagonal_matmul = Op("TridiagonalMatMul", None)  # (named in errors only: the product is composed)


def _eliminate_with_interchanges(upper, main, lower, b):
    """LAPACK's gtsv: elimination down the diagonals, swapping a row with the next where that one's
    entry is larger, then back substitution through the (now two) superdiagonals. In place."""
    m = main.shape[1]
    above2 = np.zeros_like(main)
    for i in range(m - 1):
        swap = np.abs(main[:, i]) < np.abs(lower[:, i + 1])
        pivot = np.where(swap, lower[:, i + 1], main[:, i])
        factor = np.where(swap, main[:, i], lower[:, i + 1]) / pivot
        next_main, next_upper = main[:, i + 1].copy(), upper[:, i + 1].copy()
        main[:, i + 1] = np.where(swap, upper[:, i] - factor * next_main, next_main - factor * upper[:, i])
        upper[:, i + 1] = np.where(swap, -factor * next_upper, next_upper)
        above2[:, i] = np.where(swap, next_upper, 0)
        upper[:, i] = np.where(swap, next_main, upper[:, i])
        main[:, i] = pivot
        row, next_row = b[:, i].copy(), b[:, i + 1].copy()
        s = swap[:, None]
        b[:, i] = np.where(s, next_row, row)
        b[:, i + 1] = np.where(s, row - factor[:, None] * next_row, next_row - factor[:, None] * row)
    for i in range(m - 1, -1, -1):
        if i + 1 < m:
            b[:, i] -= upper[:, i, None] * b[:, i + 1]
        if i + 2 < m:
            b[:, i] -= above2[:, i, None] * b[:, i + 2]
        b[:, i] /= main[:, i, None]


def _eliminate(upper, main, lower, b):
    """The Thomas algorithm: elimination down the diagonals with no interchanges. In place."""
    m = main.shape[1]
    for i in range(m - 1):
        factor = lower[:, i + 1] / main[:, i]
        main[:, i + 1] -= factor * upper[:, i]
        b[:, i + 1] -= factor[:, None] * b[:, i]
    for i in range(m - 1, -1, -1):
        if i + 1 < m:
            b[:, i] -= upper[:, i, None] * b[:, i + 1]
        b[:, i] /= main[:, i, None]


def _tridiagonal_solve_kernel(diagonals, rhs, partial_pivoting):
    if rhs.size == 0:
        return rhs.copy()
    m, k = rhs.shape[-2:]
    upper, main, lower = (diagonals[..., i, :].reshape(-1, m).copy() for i in range(3))
    upper[:, -1:] = 0  # (the entries outside the matrix are ignored)
    b = rhs.reshape(-1, m, k).copy()
    (_eliminate_with_interchanges if partial_pivoting else _eliminate)(upper, main, lower, b)
    b[(main == 0).any(axis=1)] = np.nan  # a zero pivot: singular, NaNs as TensorFlow
    return b.reshape(rhs.shape)


def _transposed(diagonals: Any) -> Any:
    """The compact diagonals of each matrix's transpose: super and sub exchanged, shifted."""
    upper, main, lower = diagonals[..., 0, :], diagonals[..., 1, :], diagonals[..., 2, :]
    zero = zeros_like(main[..., :1])
    return stack([concat([lower[..., 1:], zero], -1), main, concat([zero, upper[..., :-1]], -1)], -2)


def _shifted(x: Any, up: bool) -> Any:
    """The rows of each matrix moved one up (row i+1 to i) or down, a zero row coming in."""
    zero = zeros_like(x[..., :1, :])
    return concat([x[..., 1:, :], zero], -2) if up else concat([zero, x[..., :-1, :]], -2)


def _three_diagonals(x: Any, y: Any) -> Any:
    """The compact diagonals of x yᵀ, without forming it."""
    return stack([reduce_sum(x * _shifted(y, True), -1), reduce_sum(x * y, -1),
                  reduce_sum(x * _shifted(y, False), -1)], -2)


def _tridiagonal_solve_grad_rhs(g, x, diagonals, rhs, partial_pivoting):
    return bind(_tridiagonal_solve_op, (_transposed(diagonals), g), {"partial_pivoting": partial_pivoting})


def _tridiagonal_solve_grad_diagonals(g, x, diagonals, rhs, partial_pivoting):
    return -_three_diagonals(_tridiagonal_solve_grad_rhs(g, x, diagonals, rhs, partial_pivoting), x)


_tridiagonal_solve_op = Op("TridiagonalSolve", _tridiagonal_solve_kernel,
                           (_tridiagonal_solve_grad_diagonals, _tridiagonal_solve_grad_rhs))


def _matrix_band(diagonals: Any) -> Any:
    """The compact diagonals of square matrices ('matrix' format): the band -1..1, LEFT_RIGHT."""
    x = tensor(diagonals)
    rows, cols = x._value.shape[-2:]
    if rows and cols and rows != cols:
        raise ValueError(f"Expected last two dimensions of diagonals to be same, got {cols} and {rows}")
    band = _band_params(x._value.shape, (-1, 1), "LEFT_RIGHT", _diag_part_op)
    return bind(_diag_part_op, (x,), band)


def _sequence(diagonals: Any) -> Any:
    """Three diagonals given as a sequence ('sequence' format), stacked in the compact format."""
    if not isinstance(diagonals, tuple | list) or len(diagonals) != 3:
        raise ValueError("Expected diagonals to be a sequence of length 3.")
    upper, main, lower = (tensor(d) for d in diagonals)
    m = main._value.shape[-1]

    def padded(t: Any, name: str, before: bool) -> Any:
        n = t._value.shape[-1]
        if n == m - 1:
            zero = zeros_like(t[..., :1])
            return concat([zero, t] if before else [t, zero], -1)
        if n != m:
            raise ValueError(f"Expected {name} to be have length {m} or {m - 1}, got {n}.")
        return t

    return stack([padded(upper, "superdiagonal", False), main, padded(lower, "subdiagonal", True)], -2)


def _compact(diagonals: Any, diagonals_format: str) -> Any:
    if diagonals_format == "compact":
        return tensor(diagonals)
    if diagonals_format == "sequence":
        return _sequence(diagonals)
    if diagonals_format == "matrix":
        return _matrix_band(diagonals)
    raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")


def tridiagonal_solve(diagonals: Any, rhs: Any, diagonals_format: str = "compact",
                      transpose_rhs: bool = False, conjugate_rhs: bool = False, name: str | None = None,
                      partial_pivoting: bool = True, perturb_singular: bool = False):
    """`tf.linalg.tridiagonal_solve`: X with A X = rhs for tridiagonal A, given as its three
    diagonals [..., 3, M] ('compact': super, main, sub), a sequence of them, or the matrix. `rhs` is
    [..., M, K] or [..., M]. A singular A gives NaNs."""
    if perturb_singular and not partial_pivoting:
        raise ValueError("partial_pivoting must be True if perturb_singular is.")
    if perturb_singular:
        raise NotImplementedError("tf.linalg.tridiagonal_solve(perturb_singular=True) is not supported.")
    d, b = operands(_compact(diagonals, diagonals_format), rhs)
    if d.dtype not in _TRIDIAGONAL:
        raise unsupported_error(_tridiagonal_solve_op, d.dtype, _TRIDIAGONAL)
    if b.dtype != d.dtype:
        raise mismatch_error(_tridiagonal_solve_op, d.dtype, 1, b.dtype)
    d_shape, rank = d._value.shape, b._value.ndim
    if len(d_shape) < 2:
        raise ValueError(f"Expected diagonals to have rank at least 2, got {len(d_shape)}")
    if rank not in (len(d_shape), len(d_shape) - 1):
        raise ValueError(f"Expected the rank of rhs to be {len(d_shape) - 1} or {len(d_shape)}, got {rank}")
    batch = b._value.shape[:len(d_shape) - 2]
    if not TensorShape(d_shape[:-2]).is_compatible_with(batch):
        raise ValueError(f"Batch shapes {TensorShape(d_shape[:-2])} and {TensorShape(batch)} are "
                         f"incompatible")
    if d_shape[-2] != 3:
        raise ValueError(f"Expected 3 diagonals got {d_shape[-2]}")
    vector = rank == len(d_shape) - 1
    if vector:
        b = expand_dims(b, -1)
    elif transpose_rhs:
        b = matrix_transpose(b)
    if conjugate_rhs:
        b = conj(b)
    m, rows = d_shape[-1], b._value.shape[-2]
    if m and rows and m != rows:
        raise ValueError(f"Expected number of left-hand sided and right-hand sides to be equal, got {m} "
                         f"and {rows}")
    x = bind(_tridiagonal_solve_op, (d, b), {"partial_pivoting": bool(partial_pivoting)})
    return squeeze(x, -1) if vector else x


def tridiagonal_matmul(diagonals: Any, rhs: Any, diagonals_format: str = "compact", name: str | None = None):
    """`tf.linalg.tridiagonal_matmul`: A @ rhs for tridiagonal A given by its diagonals (formats as
    `tridiagonal_solve`'s), without forming A."""
    if diagonals_format == "sequence":
        upper, main, lower = (tensor(d) for d in diagonals)
    else:
        d = _compact(diagonals, diagonals_format)
        upper, main, lower = d[..., 0, :], d[..., 1, :], d[..., 2, :]
    b = tensor(rhs)
    for t in (upper, main, lower):
        if t.dtype not in _TRIDIAGONAL:
            raise unsupported_error(_tridiagonal_matmul, t.dtype, _TRIDIAGONAL)
        if b.dtype != t.dtype:
            raise mismatch_error(_tridiagonal_matmul, t.dtype, 3, b.dtype)
    shape = b._value.shape
    for t, which in ((upper, "superdiagonal"), (main, "main diagonal"), (lower, "subdiagonal")):
        if t._value.ndim + 1 != len(shape):
            raise errors.InvalidArgumentError(
                None, None, "All input tensors must have the same rank. [Op:TridiagonalMatMul]")
        if t._value.shape != shape[:-2] + shape[-2:-1]:
            raise errors.InvalidArgumentError(None, None, f"Invalid {which} shape. [Op:TridiagonalMatMul]")
    return (main[..., None] * b + upper[..., None] * _shifted(b, True)
            + lower[..., None] * _shifted(b, False))

