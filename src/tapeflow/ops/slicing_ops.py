"""Slicing: `tensor[...]`, `tf.slice`, `tf.strided_slice`, all one StridedSlice op.

A key is normalised to a tuple of ints, slices, `None` (new axes) and `...`, checked against the
shape as TensorFlow checks it, and becomes the op's parameter. The gradient scatters `g` into zeros
of the input's shape (StridedSliceGrad), whose own gradient is the same slice again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor, TensorLike, string_value
from tapeflow.ops.arguments import GATHER_INDEX_TYPES, dims_text, int_values, invalid
from tapeflow.ops.declare import tensor

__all__ = ["slice", "strided_slice"]

_py_slice = slice  # the builtin: this module's `slice` is `tf.slice`


def take(x: Tensor, key: tuple) -> Tensor:
    """`x[key]` for a key of ints and slices already checked: the StridedSlice op."""
    return bind(_strided_slice_op, (x,), {"key": key})


def along(axis: int, index: Any) -> tuple:
    """The key that indexes axis `axis` by `index` (an int or a slice) and keeps the others."""
    return (_py_slice(None),) * axis + (index,)



def _scatter_slice(g, like, key):
    """Zeros of like's shape (like is the sliced tensor, an input so that its shape may be one known
    only when the code runs) with `g` at `key`."""
    out = np.zeros(np.shape(like), dtype=g.dtype)
    out[key] = g
    return out


_slice_grad_op = Op("StridedSliceGrad", _scatter_slice, (lambda gg, y, g, like, key: take(gg, key), None),
                    infer=lambda g, like, key: [AbstractValue(like.shape, g.dtype)])
_strided_slice_op = Op("StridedSlice", lambda x, key: string_value(x[key]), (
    lambda g, y, x, key: bind(_slice_grad_op, (g, x), {"key": key}),))

_INDEX_HELP = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
               "tf.int32/tf.int64 tensors are valid indices, got ")


def _index(item: Any) -> Any:
    if type(item) is int or item is None or item is Ellipsis:
        return item
    if isinstance(item, int | np.integer):  # a bool inside a key counts as an int, as in TensorFlow
        return int(item)
    if isinstance(item, _py_slice):
        parts = (item.start, item.stop, item.step)
        if all(v is None or type(v) is int for v in parts):
            return item
        return _py_slice(*(None if v is None else _scalar_index(v) for v in parts))
    return _scalar_index(item)


def _scalar_index(v: Any) -> int:
    """An int from a Python or NumPy integer or a scalar int16/int32/int64 tensor (TF's accepted set)."""
    if isinstance(v, TensorLike):
        valid = not v._value.ndim and v.dtype in GATHER_INDEX_TYPES
    else:
        valid = isinstance(v, int | np.integer) or (isinstance(v, np.ndarray) and not v.ndim
                                                     and v.dtype.kind in "iu")
    if not valid or isinstance(v, bool | np.bool_):
        raise TypeError(f"{_INDEX_HELP}{v!r}")
    if type(v) is SymbolicTensor:  # known when the code runs
        return v
    return int(getattr(v, "_value", v))


def _check_key(key: tuple, shape: tuple) -> None:
    """TensorFlow's StridedSlice errors for a key of ints, slices, `...` and None on `shape`."""
    rank = len(shape)
    position = 0  # the input axis that the next int or slice indexes
    seen_ellipsis = False
    for i, k in enumerate(key):
        if k is None:
            continue
        if k is Ellipsis:
            if seen_ellipsis:
                raise invalid("StridedSlice", "Multiple ellipses in slice spec not allowed")
            seen_ellipsis = True
            after = sum(1 for j in key[i + 1:] if j is not None and j is not Ellipsis)
            position = max(position, rank - after)
            continue
        if position >= rank:
            raise invalid("StridedSlice", "Attempting to slice scalar input." if not rank else
                           f"Index out of range using input dim {position}; input has only {rank} dims")
        if type(k) is int:
            if shape[position] is not None and not -shape[position] <= k < shape[position]:
                shown = k + shape[position] if k < 0 else k
                raise invalid("StridedSlice", f"slice index {shown} of dimension {position} out of bounds.")
        elif k.step == 0:
            raise invalid("StridedSlice", f"strides[{i}] must be non-zero")
        position += 1


def getitem(x: Any, key: Any):
    """`tensor[key]`: ints, slices (with steps, negative too), `...`, `tf.newaxis`, scalar int tensors."""
    x = tensor(x)
    if isinstance(key, bool):
        raise ValueError("mask cannot be scalar.")
    key = tuple(map(_index, key if isinstance(key, tuple | list) else (key,)))
    traced = [v for k in key for v in ((k.start, k.stop, k.step) if type(k) is _py_slice else (k,))
              if type(v) is SymbolicTensor]
    if traced:  # indices or slice bounds known when the code runs: the key is filled in then
        template = tuple(_py_slice(*map(_mark, (k.start, k.stop, k.step))) if type(k) is _py_slice
                         else _mark(k) for k in key)
        checked = tuple(0 if k is _TRACED else _py_slice(None) if type(k) is _py_slice else k
                        for k in template)
        _check_key(checked, x._value.shape)
        return bind(_DYNAMIC_SLICE, (x, *traced), {"template": template})
    _check_key(key, x._value.shape)
    return take(x, key)


class _Traced:
    """Where a key has an index known only when the code runs."""

    def __repr__(self) -> str:
        return "<traced>"


_TRACED = _Traced()


def _mark(v: Any) -> Any:
    return _TRACED if type(v) is SymbolicTensor else v


def _filled(template: tuple, indices: tuple) -> tuple:
    values = iter(indices)

    def fill(v: Any) -> Any:
        return int(next(values)) if v is _TRACED else v

    return tuple(_py_slice(fill(k.start), fill(k.stop), fill(k.step)) if type(k) is _py_slice else fill(k)
                 for k in template)


def _sliced_shape(x: AbstractValue, *indices: Any, template: tuple) -> list[AbstractValue]:
    """The result's shape: an int drops its axis, None adds one, a slice keeps its axis (with a
    length known only when its bounds and the axis are)."""
    given = sum(1 for k in template if k is not None and k is not Ellipsis)
    key = []
    for k in template:  # `...` stands for the axes the rest of the key does not name
        key.extend([_py_slice(None)] * (x.ndim - given) if k is Ellipsis else [k])
    key.extend([_py_slice(None)] * (x.ndim - sum(1 for k in key if k is not None)))
    shape, axes = [], iter(x.shape)
    for k in key:
        if k is None:
            shape.append(1)
            continue
        d = next(axes)
        if type(k) is _py_slice:
            static = d is not None and _TRACED not in (k.start, k.stop, k.step)
            shape.append(len(range(*k.indices(d))) if static else None)
    return [AbstractValue(shape, x.dtype)]


def _dynamic_slice_kernel(x, *indices, template):
    return x[_filled(template, indices)]


def _dynamic_scatter_kernel(g, like, *indices, template):
    out = np.zeros(np.shape(like), dtype=g.dtype)
    out[_filled(template, indices)] = g
    return out


def _dynamic_slice_grad(i, g, y, x, *indices, template):
    if i:
        return None
    return bind(_DYNAMIC_SLICE_GRAD, (g, x, *indices), {"template": template})


def _shape_of_like(g: AbstractValue, like: AbstractValue, *indices: Any, template: tuple) -> list:
    return [AbstractValue(like.shape, g.dtype)]


def _dynamic_scatter_grad(i, gg, y, g, like, *indices, template):
    if i:
        return None
    return bind(_DYNAMIC_SLICE, (gg, *indices), {"template": template})


_DYNAMIC_SLICE = Op("StridedSlice", _dynamic_slice_kernel, _dynamic_slice_grad, variadic=True,
                    infer=_sliced_shape)
DYNAMIC_SLICE, TRACED = _DYNAMIC_SLICE, _TRACED  # (for the Numba code generator, which lowers `x[i]`)
_DYNAMIC_SLICE_GRAD = Op("StridedSliceGrad", _dynamic_scatter_kernel, _dynamic_scatter_grad, variadic=True,
                         infer=_shape_of_like)


def slice(input_: Any, begin: Any, size: Any, name: str | None = None):  # noqa: A001
    """`tf.slice`: the block of `size` elements from `begin` (a size of -1: to the end of that axis)."""
    x = tensor(input_)
    shape = x._value.shape
    begin = int_values(begin, "Slice", "Index")
    size = int_values(size, "Slice", "Index")
    if begin.shape != (len(shape),) or size.shape != (len(shape),):
        raise invalid("Slice", f"Expected begin and size arguments to be 1-D tensors of size {len(shape)}, "
                               f"but got shapes {dims_text(begin.shape)} and {dims_text(size.shape)} "
                               f"instead.")
    key = []
    for i, (b, s, d) in enumerate(zip(begin.tolist(), size.tolist(), shape, strict=True)):
        if d is None:  # known when the code runs: to the end, or checked then
            key.append(_py_slice(b, None if s == -1 else b + s))
            continue
        if not 0 <= b <= d:
            raise invalid("Slice", f"Expected begin[{i}] in [0, {d}], but got {b}")
        s = d - b if s == -1 else s
        if not 0 <= s <= d - b:
            raise invalid("Slice", f"Expected size[{i}] in [0, {d - b}], but got {size[i]}")
        key.append(_py_slice(b, b + s))
    return take(x, tuple(key))


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0,
                  end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                  shrink_axis_mask: int = 0, var: Any = None, name: str | None = None):
    """`tf.strided_slice`: the slicing that `tensor[...]` does, spelled as begin/end/strides arrays and
    bit masks (bit i of a mask applies to entry i)."""
    allowed = GATHER_INDEX_TYPES
    begin = int_values(begin, "StridedSlice", "Index", allowed)
    end = int_values(end, "StridedSlice", "Index", allowed)
    strides = np.ones_like(begin) if strides is None else int_values(strides, "StridedSlice", "Index",
                                                                      allowed)
    if not begin.ndim == 1 or begin.shape != end.shape or begin.shape != strides.shape:
        raise invalid("StridedSlice", f"Expected begin, end, and strides to be 1D equal size tensors, but "
                                       f"got shapes {dims_text(begin.shape)}, {dims_text(end.shape)}, and "
                                       f"{dims_text(strides.shape)} instead.")
    key = []
    for i, (b, e, s) in enumerate(zip(begin.tolist(), end.tolist(), strides.tolist(), strict=True)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            if s != 1:
                raise invalid("StridedSlice", "only stride 1 allowed on non-range indexing.")
            key.append(b)
        else:
            key.append(_py_slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return getitem(input_, tuple(key))
