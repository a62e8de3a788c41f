"""`tf.TensorArray`: a list of same-shaped tensors that loops write one element at a time.

A TensorArray holds one tensor, its buffer: the elements stacked along a first axis. Every method
is tapeflow ops on that buffer (a write is one `TensorListSetItem` op; a read a `gather`; `stack`
the buffer itself), so eagerly, traced and under tapes it is the same code, and gradients flow
through writes and reads like through any op. `write` updates the array in place and returns it,
as TensorFlow's eager TensorArray does; while tracing it returns a new array, as TensorFlow's graphs
do (so write `ta = ta.write(...)`). A traced `tf.while_loop` (or AutoGraph loop) or `tf.cond`
carries a TensorArray as its buffer; with `dynamic_size` that buffer's length is unknown through the
loop. An array whose element shape is not known yet (nothing written, no `element_shape`) enters a
traced loop after a trial trace of the loop body has shown what it writes.

The buffer holds the elements written so far: its length is one past the highest index written
(or what `unstack` gave), never more, and elements past it read as zeros up to the array's size. A
write is a new buffer value, as values are never changed in place — except a write past the end of
the newest view of a buffer's storage, which fills spare room of that storage (doubling it when
full; a fixed-size array's storage is its size), so that filling an array in order, as loops do,
costs O(1) per element; other writes copy the buffer (O(length)).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.op import Op, bind
from tapeflow.core.state import current
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import array_ops, gather_ops, shape_ops
from tapeflow.ops.math_ops import maximum


def _set_item_kernel(buffer, index, value, size, dynamic):
    """The buffer with element `index` written: a new value, never `buffer` changed — except that a
    write past the end of the newest view of a storage with room to spare writes into that storage
    (older views are shorter, so they never see it)."""
    index, size, length = int(index), int(size), len(buffer)
    if index < 0:
        raise errors.OutOfRangeError(None, None,
                                     f"Writing to negative indices (index {index}) is not allowed.")
    if index >= size and not dynamic:
        raise errors.OutOfRangeError(
            None, None, f"Tried to write to index {index} but array is not resizeable and size is: {size}")
    grown = max(length, index + 1)
    storage = buffer.base
    newest = storage is not None and _NEWEST.get(id(storage), _gone)() is buffer
    if not (newest and length <= index < len(storage)):  # (rows past the newest view are still zeros)
        capacity = max(2 * grown, 8) if dynamic else size
        storage = np.zeros((capacity,) + buffer.shape[1:], buffer.dtype)
        storage[:length] = buffer
    storage[index] = value
    out = storage[:grown]
    if len(_NEWEST) > 1000:  # forget storages that are gone
        for key in [k for k, ref in _NEWEST.items() if ref() is None]:
            del _NEWEST[key]
    _NEWEST[id(storage)] = weakref.ref(out)
    return out


def _gone() -> None:
    return None


_NEWEST: dict = {}  # id(storage array) -> weak reference to its newest (longest) view


def _get_item_kernel(buffer, index, size):
    """Element `index`: a row of the buffer, or zeros past its end (up to the array's size)."""
    index = int(index)
    if not 0 <= index < max(int(size), len(buffer)):
        raise errors.OutOfRangeError(
            None, None, f"Tried to read from index {index} but array size is: {max(int(size), len(buffer))}")
    return buffer[index] if index < len(buffer) else np.zeros(buffer.shape[1:], buffer.dtype)


def _get_item_grad_kernel(g, like, index, size):
    """The adjoint of a read: zeros of like's shape holding `g` at row `index` (if within it)."""
    out = np.zeros(like.shape, g.dtype)
    if index < len(out):
        out[index] = g
    return out


def _stack_kernel(buffer, size, dynamic):
    """A copy of the buffer, zero rows appended up to the array's size (a copy: later writes past the
    buffer's end may fill the storage it views)."""
    out = np.zeros((max(int(size), len(buffer)),) + buffer.shape[1:], buffer.dtype)
    out[: len(buffer)] = buffer
    return out


def _prefix_kernel(g, like, size, dynamic):
    """The adjoint of a stack: g's first len(like) rows."""
    return g[: len(like)]


def _cleared_kernel(g, like, index):
    """g's first len(like) rows, row `index` zeroed: the gradient reaching the buffer before a write."""
    out = g[: len(like)].copy()
    if index < len(out):
        out[index] = 0
    return out


def _uncleared_kernel(g, like, index):
    """The adjoint of `_cleared_kernel`: g padded with zero rows to like's length, row `index` zeroed."""
    out = np.zeros(np.shape(like), g.dtype)
    out[: len(g)] = g
    if index < len(g):
        out[index] = 0
    return out


def _grown(buffer: AbstractValue, index: Any, value: AbstractValue, size: Any, dynamic: bool):
    return [AbstractValue((None,) + value.shape, buffer.dtype)]


def _element_of(buffer: AbstractValue, index: Any, size: Any) -> list[AbstractValue]:
    return [AbstractValue(buffer.shape[1:], buffer.dtype)]


def _as_like(g: AbstractValue, like: AbstractValue, *args: Any, **params: Any) -> list[AbstractValue]:
    return [AbstractValue(like.shape, g.dtype)]


def _stack_shape(buffer: AbstractValue, size: Any, dynamic: bool) -> list[AbstractValue]:
    """A stack's length: the array's size when that is known and the buffer cannot be longer."""
    fits = type(size) is not AbstractValue and (
        not dynamic or (buffer.shape[0] is not None and buffer.shape[0] <= int(size)))
    return [AbstractValue(((int(size) if fits else None),) + buffer.shape[1:], buffer.dtype)]


_cleared_op = Op("TensorListClearItem", _cleared_kernel,
                 (lambda g, y, gg, like, index: bind(_uncleared_op, (g, gg, index)), None, None),
                 infer=_as_like)
_uncleared_op = Op("TensorListUnclearItem", _uncleared_kernel,
                   (lambda g, y, gg, like, index: bind(_cleared_op, (g, gg, index)), None, None),
                   infer=_as_like)
_get_item_op = Op("TensorListGetItem", _get_item_kernel, (
    lambda g, y, buffer, index, size: bind(_get_item_grad_op, (g, buffer, index, size)), None, None,
), infer=_element_of)
_get_item_grad_op = Op("TensorListGetItemGrad", _get_item_grad_kernel, (
    lambda gg, z, g, like, index, size: bind(_get_item_op, (gg, index, size)), None, None, None,
), infer=_as_like)
_stack_op = Op("TensorListStack", _stack_kernel, (
    lambda g, y, buffer, size, dynamic: bind(_prefix_op, (g, buffer, size), {"dynamic": dynamic}), None,
), infer=_stack_shape)
_prefix_op = Op("TensorListPrefix", _prefix_kernel, (
    lambda gg, z, g, like, size, dynamic: bind(_stack_op, (gg, size), {"dynamic": dynamic}), None, None,
), infer=_as_like)
_set_item_op = Op("TensorListSetItem", _set_item_kernel, (
    lambda g, y, buffer, index, value, size, dynamic: bind(_cleared_op, (g, buffer, index)),
    None,
    lambda g, y, buffer, index, value, size, dynamic: gather_ops.gather(g, index),
    None,
), infer=_grown)


class TensorArray:
    """`tf.TensorArray(dtype, size, dynamic_size, element_shape, ...)` (see the module doc)."""

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: bool | None = None,
                 clear_after_read: bool | None = None, tensor_array_name: str | None = None,
                 handle: Any = None, flow: Any = None, infer_shape: bool = True, element_shape: Any = None,
                 colocate_with_first_write_call: bool = True, name: str | None = None):
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        if size is None and not self._dynamic_size:
            raise ValueError("Size must be provided if handle is not provided")
        self._size = convert_to_tensor(0 if size is None else size, dtypes.int32)
        self._element_shape = TensorShape(element_shape)
        self._buffer: Any = None  # the elements written so far; allocated once their shape is known
        if self._element_shape.is_fully_defined():
            self._allocate(tuple(self._element_shape.as_list()))

    # ---- the buffer ------------------------------------------------------------------------------

    def _allocate(self, element_shape: tuple) -> None:
        self._buffer = self._zeros(element_shape)
        self._element_shape = TensorShape(element_shape)

    def _zeros(self, element_shape: tuple) -> Any:
        return Tensor(np.zeros((0, *element_shape), self._dtype._np))

    def _updated(self, buffer: Any) -> TensorArray:
        """The array holding `buffer`: this one, updated, eagerly (TensorFlow's eager arrays change in
        place); a new one while tracing, as in TensorFlow's graphs (so that a branch or a loop body
        that writes does not change the array the code around it holds)."""
        if current().graphs:
            return self._with_buffer(buffer)
        self._buffer, self._element_shape = buffer, TensorShape(buffer._value.shape[1:])
        return self

    def _with_buffer(self, buffer: Any) -> TensorArray:
        """An array like this one holding `buffer` (how loops and branches hand one on)."""
        new = TensorArray.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._buffer = buffer
        new._element_shape = TensorShape(buffer._value.shape[1:])
        return new

    # ---- properties --------------------------------------------------------------------------------

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    def size(self, name: str | None = None) -> Any:
        """The number of elements, as an int32 scalar: the size given, or for a dynamic array one past
        the highest index written if that is more."""
        if self._buffer is None or not self._dynamic_size:
            return self._size
        return maximum(self._size, shape_ops.shape_of(self._buffer)[0])

    # ---- elements ----------------------------------------------------------------------------------

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """Element `index` becomes `value`; returns the array (see `_updated`)."""
        value = self._element(value, "write")
        buffer = self._buffer if self._buffer is not None else self._zeros(value._value.shape)
        index = convert_to_tensor(index, dtypes.int32)
        return self._updated(bind(_set_item_op, (buffer, index, value, self._size),
                                  {"dynamic": self._dynamic_size}))

    def read(self, index: Any, name: str | None = None) -> Any:
        """Element `index` (zeros if never written)."""
        index = convert_to_tensor(index, dtypes.int32)
        return bind(_get_item_op, (self._carried(), index, self._size))

    def stack(self, name: str | None = None) -> Any:
        """All elements, stacked along a new first axis."""
        return bind(_stack_op, (self._carried(), self._size), {"dynamic": self._dynamic_size})

    def gather(self, indices: Any, name: str | None = None) -> Any:
        """The elements at `indices`, stacked."""
        return gather_ops.gather(self.stack(), indices)

    def concat(self, name: str | None = None) -> Any:
        """All elements joined along their first axis."""
        buffer = self._carried()
        if buffer._value.ndim < 2:
            raise errors.InvalidArgumentError(
                None, None, "Concat saw a scalar shape at index 0 but requires at least vectors.")
        return array_ops.reshape(self.stack(), [-1, *buffer._value.shape[2:]])

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """The elements become the slices of `value` along its first axis."""
        value = self._element(value, "unstack", stacked=True)
        if not self._dynamic_size and type(self._size) is Tensor and value._value.shape[0] is not None and (
                value._value.shape[0] > int(self._size._value)):
            raise errors.InvalidArgumentError(
                None, None, f"Tried to write {value._value.shape[0]} elements to an array of size "
                            f"{int(self._size._value)} that is not resizeable")
        return self._updated(value)

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        """Element `indices[i]` becomes `value[i]`, for each i."""
        value = self._element(value, "scatter", stacked=True)
        indices = convert_to_tensor(indices, dtypes.int32)
        if value._value.shape[0] is None:
            raise NotImplementedError("TensorArray.scatter needs the number of values known while tracing.")
        array = self
        for k in range(value._value.shape[0]):
            array = array.write(indices[k], value[k])
        return array

    def identity(self) -> TensorArray:
        return self._with_buffer(self._buffer) if self._buffer is not None else self

    def close(self, name: str | None = None) -> None:
        """Nothing to release: the buffer is an ordinary tensor."""

    def __repr__(self) -> str:
        return f"<tf.TensorArray dtype={self._dtype.name} element_shape={self._element_shape}>"

    # ---- checks ------------------------------------------------------------------------------------

    def _carried(self) -> Any:
        """The buffer (what control flow carries for the array)."""
        if self._buffer is None:  # nothing written and no element shape: an empty vector, as in TF
            if type(self._size) is Tensor and int(self._size._value) == 0:
                return Tensor(np.zeros((0,), self._dtype._np))
            raise ValueError("TensorArray has size > 0 but its element shape is not known yet: write an "
                             "element or give element_shape.")
        return self._buffer

    def _element(self, value: Any, method: str, stacked: bool = False) -> Any:
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                            f"{value.dtype.name}")
        shape = TensorShape(value._value.shape[1:] if stacked else value._value.shape)
        if self._element_shape.rank is not None and not self._element_shape.is_compatible_with(shape):
            raise ValueError(f"Incompatible shape for value ({shape}), expected ({self._element_shape})")
        if stacked and not value._value.ndim:
            raise ValueError(f"TensorArray.{method} needs a value of rank at least 1, got a scalar")
        return value


# ---- handing arrays through control flow ------------------------------------------------------------

def buffers(structure: Any) -> Any:
    """`structure` with each TensorArray replaced by its buffer (what a loop carries)."""
    return nest.map_structure(lambda x: x._carried() if isinstance(x, TensorArray) else x, structure)


def rebuild(template: Any, structure: Any) -> Any:
    """`structure` (buffers where `template` has TensorArrays) with the arrays made again."""
    return nest.map_structure(lambda t, x: t._with_buffer(x) if isinstance(t, TensorArray) else x,
                              template, structure)


def unallocated(structure: Any) -> list[TensorArray]:
    return [x for x in nest.flatten(structure) if isinstance(x, TensorArray) and x._buffer is None]
