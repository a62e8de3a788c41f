"""Shape and layout: reshape, broadcast, transpose, slicing, joining and splitting, creation.

Layout ops move values without arithmetic, so each gradient is the inverse move: reshape back,
transpose by the inverse permutation, pad a slice back into place, sum a broadcast back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.framework import errors
from tapeflow.framework.op import Op, bind
from tapeflow.framework.tensor import Tensor
from tapeflow.ops.declare import tensor

__all__ = ["reshape", "broadcast_to", "identity", "stop_gradient"]


def shape_tuple(shape: Any) -> tuple:
    """A shape argument (list, tuple, TensorShape or int tensor) as a tuple of ints."""
    if hasattr(shape, "_value"):
        return tuple(int(d) for d in np.asarray(shape._value).reshape(-1))
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    if isinstance(shape, int | np.integer):
        return (int(shape),)
    return tuple(int(d) for d in shape)


_reshape_op = Op("Reshape", lambda x, shape: np.reshape(x, shape),
                 (lambda g, y, x, shape: reshape(g, x._value.shape),))


def reshape(tensor_: Any, shape: Any, name: str | None = None):
    """`tf.reshape`: one dimension may be -1 and is inferred."""
    x = tensor(tensor_)
    target = shape_tuple(shape)
    size = x._value.size
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    if target.count(-1) > 1 or (-1 not in target and known != size) or (
            -1 in target and (known == 0 or size % known)):
        raise errors.InvalidArgumentError(
            None, None, f"Input to reshape is a tensor with {size} values, but the requested shape "
                        f"{'has' if -1 not in target else 'requires a multiple of'} {known} [Op:Reshape]")
    if target == x._value.shape:
        return x
    return bind(_reshape_op, (x,), {"shape": target})


def _broadcast_grad(g, y, x, shape):
    from tapeflow.autodiff.backprop import unbroadcast

    return unbroadcast(g, x._value.shape)


_broadcast_to_op = Op("BroadcastTo", lambda x, shape: np.broadcast_to(x, shape), (_broadcast_grad,))


def broadcast_to(input: Any, shape: Any, name: str | None = None):  # noqa: A002
    """`tf.broadcast_to`."""
    x = tensor(input)
    target = shape_tuple(shape)
    if target == x._value.shape:
        return x
    try:
        np.broadcast_shapes(x._value.shape, target)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, f"Unable to broadcast tensor of shape {list(x._value.shape)} to tensor of shape "
                        f"{list(target)} [Op:BroadcastTo]") from None
    return bind(_broadcast_to_op, (x,), {"shape": target})


_identity_op = Op("Identity", lambda x: x, (lambda g, y, x: g,))
_stop_gradient_op = Op("StopGradient", lambda x: x, None)


def identity(input: Any, name: str | None = None):  # noqa: A002
    """`tf.identity`: the same value, as a new tensor (a variable's current value, read)."""
    return bind(_identity_op, (tensor(input),))


def stop_gradient(input: Any, name: str | None = None):  # noqa: A002
    """`tf.stop_gradient`: the same value, through which no gradient flows."""
    return bind(_stop_gradient_op, (tensor(input),))


def zeros_like_value(x: Tensor) -> Tensor:
    return Tensor(np.zeros_like(x._value))


# ---- slicing (`tensor[...]`) ------------------------------------------------------------------

def _scatter_slice(g, key, shape):
    out = np.zeros(shape, dtype=g.dtype)
    out[key] = g
    return out


_slice_grad_op = Op("StridedSliceGrad", _scatter_slice,
                    (lambda gg, y, g, key, shape: bind(_strided_slice_op, (gg,), {"key": key}),))
_strided_slice_op = Op("StridedSlice", lambda x, key: x[key], (
    lambda g, y, x, key: bind(_slice_grad_op, (g,), {"key": key, "shape": x._value.shape}),))


def _index(item: Any) -> Any:
    if item is None or item is Ellipsis or isinstance(item, int | np.integer):
        return item
    if isinstance(item, slice):
        return slice(*(None if v is None else _scalar_index(v) for v in (item.start, item.stop, item.step)))
    return _scalar_index(item)


def _scalar_index(v: Any) -> int:
    value = getattr(v, "_value", v)
    if isinstance(value, bool | np.bool_) or np.ndim(value) or not np.issubdtype(np.asarray(value).dtype,
                                                                                 np.integer):
        raise TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                        f"tf.int32/tf.int64 tensors are valid indices, got {v!r}")
    return int(value)


def getitem(x: Any, key: Any):
    """`tensor[key]`: ints, slices (with steps, negative too), `...`, `tf.newaxis`, scalar int tensors."""
    x = tensor(x)
    key = tuple(_index(k) for k in (key if isinstance(key, tuple) else (key,)))
    shape = x._value.shape
    position = 0
    for k in key:
        if k is Ellipsis:
            position = len(shape) - sum(1 for j in key if j is not None and j is not Ellipsis) + position
            continue
        if k is None:
            continue
        if position >= len(shape):
            raise errors.InvalidArgumentError(None, None, f"Index out of range using input dim {position}; "
                                                          f"input has only {len(shape)} dims [Op:StridedSlice]")
        if isinstance(k, int) and not -shape[position] <= k < shape[position]:
            raise errors.InvalidArgumentError(
                None, None, f"slice index {k} of dimension {position} out of bounds. [Op:StridedSlice]")
        position += 1
    return bind(_strided_slice_op, (x,), {"key": key})
