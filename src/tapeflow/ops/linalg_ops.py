"""Matrix products: `tf.linalg.matmul` (`@`), batched with broadcast batch dimensions.

One primitive covers every transpose/adjoint combination: `adj_a`/`adj_b` take the conjugate
transpose of the last two axes (for real dtypes, the transpose). Its gradients are matmuls again;
batch dimensions that were broadcast are summed back by the tape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.framework import errors
from tapeflow.framework.dtypes import NUMERIC
from tapeflow.framework.op import Op, bind
from tapeflow.ops.declare import mismatch_error, operands, unsupported_error
from tapeflow.ops.math_ops import conj

__all__ = ["matmul", "matvec", "tensordot"]


def _adjoint(x: np.ndarray, adjoint: bool) -> np.ndarray:
    if not adjoint:
        return x
    x = np.swapaxes(x, -1, -2)
    return np.conj(x) if x.dtype.kind == "c" else x


def _matmul_kernel(a, b, adj_a, adj_b):
    return np.matmul(_adjoint(a, adj_a), _adjoint(b, adj_b))


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
    a, b = operands(a, b)
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
    from tapeflow.ops.array_ops import expand_dims, squeeze

    product = matmul(a, expand_dims(b, -1), transpose_a=transpose_a, adjoint_a=adjoint_a)
    return squeeze(product, -1)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None):
    """`tf.tensordot`: the sum over `axes` of the products of `a`'s and `b`'s entries. `axes` is an int
    n (a's last n axes with b's first n) or a pair of axis lists; an einsum of the two."""
    from tapeflow.ops.einsum_ops import einsum

    a, b = operands(a, b)
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
