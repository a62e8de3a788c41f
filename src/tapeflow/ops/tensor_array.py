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

A write is a new buffer value, as values are never changed in place — except an append to the newest
view of a buffer's storage, which writes into spare room (doubling it when full), so that filling
a dynamic array in order costs O(1) per element; other writes copy the buffer (O(size)).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from tapeflow.framework import dtypes, errors
from tapeflow.framework.convert import convert_to_tensor
from tapeflow.framework.op import TRACING, Op, bind
from tapeflow.framework.tensor import Tensor
from tapeflow.framework.tensor_shape import TensorShape
from tapeflow.graph.symbolic import AbstractValue
from tapeflow.ops import array_ops, gather_ops, shape_ops


def _set_item_kernel(buffer, index, value, dynamic):
    """The buffer with element `index` written: a new value, never `buffer` changed — except that an
    append to the newest view of a storage with room to spare writes into that storage (older views
    are shorter, so they never see it), which makes filling an array in order O(1) per element."""
    index = int(index)
    if index < 0:
        raise errors.OutOfRangeError(None, None,
                                     f"Writing to negative indices (index {index}) is not allowed.")
    size = len(buffer)
    if index >= size and not dynamic:
        raise errors.OutOfRangeError(
            None, None, f"Tried to write to index {index} but array is not resizeable and size is: {size}")
    length = max(size, index + 1)
    storage = buffer.base
    newest = storage is not None and _NEWEST.get(id(storage), _gone)() is buffer
    if not (newest and size <= index < len(storage)):
        capacity = max(2 * length, 8) if dynamic else length
        storage = np.zeros((capacity,) + buffer.shape[1:], buffer.dtype)
        storage[:size] = buffer
    storage[index] = value
    out = storage[:length]
    if len(_NEWEST) > 1000:  # forget storages that are gone
        for key in [k for k, ref in _NEWEST.items() if ref() is None]:
            del _NEWEST[key]
    _NEWEST[id(storage)] = weakref.ref(out)
    return out


def _gone() -> None:
    return None


_NEWEST: dict = {}  # id(storage array) -> weak reference to its newest (longest) view


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


def _grown(buffer: AbstractValue, index: Any, value: AbstractValue, dynamic: bool) -> list[AbstractValue]:
    return [AbstractValue(((None,) if dynamic else buffer.shape[:1]) + value.shape, buffer.dtype)]


def _as_like(g: AbstractValue, like: AbstractValue, index: Any) -> list[AbstractValue]:
    return [AbstractValue(like.shape, g.dtype)]


_cleared_op = Op("TensorListClearItem", _cleared_kernel,
                 (lambda g, y, gg, like, index: bind(_uncleared_op, (g, gg, index)), None, None),
                 infer=_as_like)
_uncleared_op = Op("TensorListUnclearItem", _uncleared_kernel,
                   (lambda g, y, gg, like, index: bind(_cleared_op, (g, gg, index)), None, None),
                   infer=_as_like)
_stack_op = Op("TensorListStack", np.copy, (lambda g, y, x: g,))
_set_item_op = Op("TensorListSetItem", _set_item_kernel, (
    lambda g, y, buffer, index, value, dynamic: bind(_cleared_op, (g, buffer, index)),
    None,
    lambda g, y, buffer, index, value, dynamic: gather_ops.gather(g, index),
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
        self._buffer: Any = None  # allocated once the element shape is known
        if self._element_shape.is_fully_defined():
            self._allocate(tuple(self._element_shape.as_list()))

    # ---- the buffer ------------------------------------------------------------------------------

    def _allocate(self, element_shape: tuple) -> None:
        self._buffer = self._zeros(element_shape)
        self._element_shape = TensorShape(element_shape)

    def _zeros(self, element_shape: tuple) -> Any:
        from tapeflow.ops.creation_ops import zeros

        return zeros([self._size, *element_shape], self._dtype)

    def _updated(self, buffer: Any) -> TensorArray:
        """The array holding `buffer`: this one, updated, eagerly (TensorFlow's eager arrays change in
        place); a new one while tracing, as in TensorFlow's graphs (so that a branch or a loop body
        that writes does not change the array the code around it holds)."""
        if TRACING:
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
        """The number of elements, as an int32 scalar."""
        if self._buffer is None:
            return self._size
        length = self._buffer._value.shape[0]
        return Tensor(np.int32(length)) if length is not None else shape_ops.shape_of(self._buffer)[0]

    # ---- elements ----------------------------------------------------------------------------------

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """Element `index` becomes `value`; returns the array (see `_updated`)."""
        value = self._element(value, "write")
        buffer = self._buffer if self._buffer is not None else self._zeros(value._value.shape)
        index = convert_to_tensor(index, dtypes.int32)
        return self._updated(bind(_set_item_op, (buffer, index, value), {"dynamic": self._dynamic_size}))

    def read(self, index: Any, name: str | None = None) -> Any:
        """Element `index` (zeros if never written)."""
        index = convert_to_tensor(index, dtypes.int32)
        if type(index) is Tensor and self._buffer is not None and self._buffer._value.shape[0] is not None:
            size = self._buffer._value.shape[0]
            if not 0 <= int(index._value) < size:
                raise errors.OutOfRangeError(
                    None, None, f"Tried to read from index {int(index._value)} but array size is: {size}")
        return gather_ops.gather(self._stacked(), index)

    def stack(self, name: str | None = None) -> Any:
        """All elements, stacked along a new first axis (a copy: later appends may fill the storage
        the buffer views)."""
        return bind(_stack_op, (self._stacked(),))

    def gather(self, indices: Any, name: str | None = None) -> Any:
        """The elements at `indices`, stacked."""
        return gather_ops.gather(self._stacked(), indices)

    def concat(self, name: str | None = None) -> Any:
        """All elements joined along their first axis."""
        buffer = self._stacked()
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

    def _stacked(self) -> Any:
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
    from tapeflow.framework import nest

    return nest.map_structure(lambda x: x._stacked() if isinstance(x, TensorArray) else x, structure)


def rebuild(template: Any, structure: Any) -> Any:
    """`structure` (buffers where `template` has TensorArrays) with the arrays made again."""
    from tapeflow.framework import nest

    return nest.map_structure(lambda t, x: t._with_buffer(x) if isinstance(t, TensorArray) else x,
                              template, structure)


def unallocated(structure: Any) -> list[TensorArray]:
    from tapeflow.framework import nest

    return [x for x in nest.flatten(structure) if isinstance(x, TensorArray) and x._buffer is None]
