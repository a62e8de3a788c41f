"""Ops that follow another tensor's shape when the code runs.

Inside a traced function a dimension may be unknown (None) until the compiled code runs: a batch
given as `TensorSpec([None, 3])`, a loop variable with a shape invariant. Where a gradient rule or a
creation op needs "the shape of x", these ops take x itself as an input and read its shape then.
With every dimension known, the helpers here use the static shape instead (constants fold, and the
compiled code does no shape work at all).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.ops import array_ops, math_ops, reduce_ops  # modules: they use these helpers in turn


def _like(x: AbstractValue, like: AbstractValue) -> list[AbstractValue]:
    return [AbstractValue(like.shape, x.dtype)]


def _sum_to_kernel(g: np.ndarray, like: np.ndarray) -> np.ndarray:
    shape = np.shape(like)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g.shape[lead + i] != 1)
    return np.reshape(np.sum(g, axis=axes, dtype=g.dtype), shape)


_sum_to_op = Op("SumTo", _sum_to_kernel, (lambda g, y, x, like: broadcast_like(g, x), None), infer=_like)
_broadcast_like_op = Op("BroadcastLike", lambda x, like: np.broadcast_to(x, np.shape(like)),
                        (lambda g, y, x, like: sum_to(g, x), None), infer=_like)
_reshape_like_op = Op("ReshapeLike", lambda x, like: np.reshape(x, np.shape(like)),
                      (lambda g, y, x, like: reshape_like(g, x), None), infer=_like)
_zeros_like_op = Op("ZerosLike", np.zeros_like, None)
_ones_like_op = Op("OnesLike", np.ones_like, None)
_expand_op = Op("ExpandDims", lambda t, axes: np.expand_dims(t, axes),
                (lambda g, y, t, axes: reshape_like(g, t),))
_squeeze_op = Op("Squeeze", lambda t, axes: np.squeeze(t, axes), (lambda g, y, t, axes: reshape_like(g, t),))
_count_op = Op("Size", lambda x, axes, dtype: dtype.type(
    x.size if axes is None else math.prod(x.shape[a] for a in axes)), None,
               infer=lambda x, axes, dtype: [AbstractValue((), dtype)])
_shape_op = Op("Shape", lambda x, dtype: np.array(np.shape(x), dtype), None,
               infer=lambda x, dtype: [AbstractValue((x.ndim,), dtype)])


def known(x: Any) -> bool:
    """Whether every dimension of tensor `x` is known now (always, for a concrete tensor)."""
    value = x._value
    return type(value) is not AbstractValue or value.known


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum `g` over the axes along which a value of the known `shape` was broadcast to g's shape (one
    Sum, bound directly: the axes are known to be valid)."""
    g_shape = g._value.shape
    lead = len(g_shape) - len(shape)
    ones = tuple(lead + i for i, d in enumerate(shape) if d == 1 and g_shape[lead + i] != 1)
    if not lead:  # same rank: keeping the summed axes gives the shape at once
        return bind(reduce_ops.sum_op, (g,), {"axes": ones, "keepdims": True}) if ones else g
    g = bind(reduce_ops.sum_op, (g,), {"axes": tuple(range(lead)) + ones, "keepdims": False})
    return array_ops.reshape(g, shape) if ones else g


def sum_to(g: Any, x: Any) -> Any:
    """`g`, a gradient flowing into a broadcast of `x`, summed back to x's shape."""
    if known(x):
        return g if g._value.shape == x._value.shape else unbroadcast(g, x._value.shape)
    return bind(_sum_to_op, (g, x))


def broadcast_like(t: Any, x: Any) -> Any:
    """`t` broadcast to x's shape."""
    return array_ops.broadcast_to(t, x._value.shape) if known(x) else bind(_broadcast_like_op, (t, x))


def reshape_like(t: Any, x: Any) -> Any:
    """`t` reshaped to x's shape."""
    return array_ops.reshape(t, x._value.shape) if known(x) else bind(_reshape_like_op, (t, x))


def zeros_like(x: Any, dtype: Any = None) -> Any:
    """Zeros of x's shape and dtype (or `dtype`, a NumPy dtype)."""
    value = x._value
    dtype = value.dtype if dtype is None else dtype
    if known(x):
        return Tensor(np.zeros(value.shape, dtype))
    z = bind(_zeros_like_op, (x,))
    return z if dtype == value.dtype else _cast(z, dtype)


def ones_like(x: Any, dtype: Any = None) -> Any:
    """Ones of x's shape and dtype (or `dtype`); a scalar is a NumPy scalar, the common seed."""
    value = x._value
    dtype = value.dtype if dtype is None else dtype
    if known(x):
        if not value.ndim:
            return Tensor(np.dtype(dtype).type(1))
        ones = np.empty(value.shape, dtype)
        ones.fill(1)  # (twice as fast as np.ones, a Python function: this is every gradient's seed)
        return Tensor(ones)
    ones = bind(_ones_like_op, (x,))
    return ones if dtype == value.dtype else _cast(ones, dtype)


def expand_axes(t: Any, axes: tuple) -> Any:
    """`t` with new axes of length 1 at `axes` (of the result)."""
    return bind(_expand_op, (t,), {"axes": tuple(axes)})


def squeeze_axes(t: Any, axes: tuple) -> Any:
    """`t` without its axes `axes` (each of length 1)."""
    return bind(_squeeze_op, (t,), {"axes": tuple(axes)})


def count(x: Any, axes: tuple, dtype: Any) -> Any:
    """How many elements of `x` a reduction over `axes` (None: all, of a tensor of unknown rank)
    combines, as a scalar of `dtype`."""
    dtype = np.dtype(dtype)
    if known(x):
        return Tensor(dtype.type(math.prod(x._value.shape[a] for a in axes)))
    return bind(_count_op, (x,), {"axes": None if axes is None else tuple(axes), "dtype": dtype})


def shape_of(x: Any, dtype: Any = np.int32) -> Any:
    """x's shape as a 1-D integer tensor: a constant when every dimension is known."""
    if known(x):
        return Tensor(np.array(x._value.shape, dtype))
    return bind(_shape_op, (x,), {"dtype": np.dtype(dtype)})


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether `shape` may broadcast to `target` (None dimensions: known when the code runs, where
    the kernel checks them)."""
    if len(shape) > len(target):
        return False
    return all(a is None or b is None or a in (1, b) for a, b in zip(shape[::-1], target[::-1]))


def traced_dims(shape: Any) -> bool:
    """Whether a shape argument holds a symbolic tensor (a dimension known only when the code runs)."""
    if type(shape) is SymbolicTensor:
        return True
    return isinstance(shape, list | tuple) and any(type(d) is SymbolicTensor for d in shape)


def static_and_packed(shape: Any) -> tuple[tuple, Any]:
    """A traced shape argument as the dimensions known now (None for the others) and one int tensor
    of them all, for the op to read when the code runs."""
    if type(shape) is SymbolicTensor:
        if shape._value.ndim != 1 or shape._value.shape[0] is None:
            raise ValueError(f"A shape must be a vector of known length, got {shape}")
        return (None,) * shape._value.shape[0], shape
    static = tuple(None if type(d) is SymbolicTensor else int(getattr(d, "_value", d)) for d in shape)
    return static, array_ops.stack([math_ops.cast(d, dtypes.int32) for d in shape])


def _cast(t: Any, dtype: Any) -> Any:
    return math_ops.cast(t, dtypes.from_numpy(np.dtype(dtype)))
