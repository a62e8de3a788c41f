"""Making tensors from shapes and ranges: zeros, ones, fill, eye, range, linspace, one_hot, and the
shape queries shape/size/rank. None of these is differentiable except `fill`'s value."""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor, to_array
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops import math_ops, shape_ops
from tapeflow.ops.arguments import shape_tuple
from tapeflow.ops.array_ops import concat, expand_dims
from tapeflow.ops.declare import tensor
from tapeflow.ops.gather_ops import gather
from tapeflow.ops.math_ops import cast
from tapeflow.ops.reduce_ops import reduce_prod, reduce_sum

__all__ = ["constant", "zeros", "ones", "fill", "zeros_like", "ones_like", "eye", "range", "linspace",
           "one_hot", "shape", "size", "rank", "shape_n", "broadcast_static_shape", "broadcast_dynamic_shape",
           "unravel_index"]


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """`tf.constant`: a tensor from a Python or NumPy value, optionally cast and broadcast to `shape`."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(value, TensorLike):
        tensor = convert_to_tensor(value)
        if dtype is not None and tensor.dtype is not dtype:
            tensor = math_ops.cast(tensor, dtype)
        array = tensor._value
    else:
        array = to_array(value, dtype)
    if shape is not None:
        shape = tuple(shape)
        if np.size(array) == 1:
            array = np.broadcast_to(array, shape).copy()
        elif np.size(array) == int(np.prod(shape)):
            array = np.reshape(array, shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {value!r} "
                            f"(converted from {value!r}) has {np.size(array)} elements, but got `shape` "
                            f"{shape} with {int(np.prod(shape))} elements).")
    return Tensor(array)


def _dtype(dtype: Any) -> dtypes.DType:
    return dtypes.as_dtype(dtype)


def _dims(shape: Any, op_name: str) -> tuple:
    dims = shape_tuple(shape, op_name, "index_type")
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"Dimension {d} must be >= 0 [Op:{op_name}]")
    return dims


def zeros(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:
    """`tf.zeros`."""
    return _filled(shape, 0, _dtype(dtype))


def ones(shape: Any, dtype: Any = dtypes.float32, name: str | None = None) -> Tensor:
    """`tf.ones`."""
    return _filled(shape, 1, _dtype(dtype))


def _filled(shape: Any, value: int, dtype: dtypes.DType) -> Any:
    if shape_ops.traced_dims(shape):
        return fill(shape, Tensor(dtype._np.type(value)))
    return Tensor(np.full(_dims(shape, "Fill"), value, dtype=dtype._np))


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.zeros_like`: zeros of `input`'s shape (and dtype, unless given); empty strings for strings."""
    x = tensor(input)
    if (x.dtype if dtype is None else _dtype(dtype)) is dtypes.string:
        return fill(shape(x), b"")
    return shape_ops.zeros_like(x, None if dtype is None else _dtype(dtype)._np)


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.ones_like`: ones of `input`'s shape (and dtype, unless given)."""
    x = tensor(input)
    result = shape_ops.ones_like(x, None if dtype is None else _dtype(dtype)._np)
    return Tensor(np.asarray(result._value)) if type(result) is Tensor and not x._value.ndim else result


_fill_op = Op("Fill", lambda value, dims: np.full(dims, value),
              (lambda g, y, value, dims: reduce_sum(g),))
_dynamic_fill_op = Op("Fill", lambda value, dims, static: np.full(tuple(dims), value),
                      (lambda g, y, value, dims, static: reduce_sum(g), None),
                      infer=lambda value, dims, static: [AbstractValue(static, value.dtype)])


def fill(dims: Any, value: Any, name: str | None = None):
    """`tf.fill`: a tensor of shape `dims` filled with the scalar `value`."""
    value = tensor(value)
    if value._value.ndim:
        raise errors.InvalidArgumentError(
            None, None, f"value must be a scalar, got shape {list(value._value.shape)} [Op:Fill]")
    if shape_ops.traced_dims(dims):  # a shape known when the code runs: its known entries stay known
        static, packed = shape_ops.static_and_packed(dims)
        return bind(_dynamic_fill_op, (value, packed), {"static": static})
    return bind(_fill_op, (value,), {"dims": _dims(dims, "Fill")})


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None, dtype: Any = dtypes.float32,
        name: str | None = None) -> Tensor:
    """`tf.eye`: identity matrices, optionally batched."""
    matrix = np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=_dtype(dtype)._np)
    if batch_shape is not None:
        matrix = np.broadcast_to(matrix, shape_tuple(batch_shape) + matrix.shape).copy()
    return Tensor(matrix)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001
          name: str = "range") -> Tensor:
    """`tf.range`: like Python's range; ints give int32, any float gives float32 (unless `dtype`)."""
    if limit is None:
        start, limit = 0, start
    if dtype is None:
        inferred = [convert_to_tensor(v).dtype for v in (start, limit, delta)]
        order = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]
        dtype = max(inferred, key=lambda d: order.index(d) if d in order else -1)
    dtype = _dtype(dtype)
    if any(type(v) is SymbolicTensor for v in (start, limit, delta)):  # a length known when the code runs
        return bind(range_op, tuple(cast(v, dtype) for v in (start, limit, delta)))
    values = [np.asarray(getattr(v, "_value", v)) for v in (start, limit, delta)]
    start_, limit_, delta_ = (v.item() for v in values)
    if delta_ == 0:
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0: 0 [Op:Range]")
    if (delta_ > 0 and start_ > limit_) or (delta_ < 0 and start_ < limit_):
        raise errors.InvalidArgumentError(
            None, None, f"Requires start <= limit when delta > 0: {start_}/{limit_} [Op:Range]"
            if delta_ > 0 else f"Requires start >= limit when delta < 0: {start_}/{limit_} [Op:Range]")
    return Tensor(np.arange(start_, limit_, delta_, dtype=dtype._np))


def _range_kernel(start, limit, delta):
    if delta == 0:
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0: 0 [Op:Range]")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        relation = "start <= limit when delta > 0" if delta > 0 else "start >= limit when delta < 0"
        raise errors.InvalidArgumentError(None, None, f"Requires {relation}: {start}/{limit} [Op:Range]")
    return np.arange(start, limit, delta, dtype=np.result_type(start))


range_op = Op("Range", _range_kernel, None,
              infer=lambda start, limit, delta: [AbstractValue((None,), start.dtype)])


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """`tf.linspace`: `num` evenly spaced values from `start` to `stop` (tensors: one sequence per
    element, along a new axis `axis`), as TensorFlow computes them: start + i * (stop - start) / (num - 1),
    ending exactly at `stop`; integers become float64. Differentiable in `start` and `stop`."""
    start, stop = tensor(start), tensor(stop)
    if start.dtype.is_integer:
        start, stop = cast(start, dtypes.float64), cast(stop, dtypes.float64)
    if not start.dtype.is_floating:
        raise errors.InvalidArgumentError(
            None, None, f"Value for attr 'T' of {start.dtype.name} is not in the list of allowed values: "
                        f"bfloat16, half, float, double [Op:LinSpace]")
    start, stop = start + stop * 0, stop + start * 0  # (broadcast to one shape)
    n = int(getattr(num, "_value", num))
    axis = axis % (start._value.ndim + 1)
    first, last = expand_dims(start, axis), expand_dims(stop, axis)
    if n <= 1:  # (no values, or just `start`)
        return gather(first, Tensor(np.zeros(n, np.int32)), axis=axis)
    along = [1] * (start._value.ndim + 1)
    along[axis] = n - 1
    steps = Tensor(np.arange(n - 1).astype(start._value.dtype).reshape(along))
    return concat([first + expand_dims((stop - start) / (n - 1), axis) * steps, last], axis)


def _one_hot_kernel(indices, depth, on, off, axis, dtype):
    result = np.where(indices[..., None] == np.arange(depth), on, off).astype(dtype)
    return result if axis == -1 else np.moveaxis(result, -1, axis)


_one_hot_op = Op("OneHot", _one_hot_kernel, None)


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: int | None = None,
            dtype: Any = None, name: str | None = None) -> Tensor:
    """`tf.one_hot`: a new axis (last, or `axis`) of `depth` with `on_value` at each index. The on and
    off values (converted with `dtype` as a hint) must have one dtype, `dtype` if given (TypeError)."""
    hint = None if dtype is None else _dtype(dtype)
    given = {key: convert_to_tensor(value, dtype_hint=hint) for key, value in
             (("on_value", on_value), ("off_value", off_value)) if value is not None}
    for key, value in given.items():
        if hint is not None and value.dtype != hint:
            raise TypeError(f"dtype {value.dtype} of {key} does not match dtype parameter {hint}")
    dtype = hint or next((value.dtype for value in given.values()), dtypes.float32)
    if len(given) == 2 and given["on_value"].dtype != given["off_value"].dtype:
        raise TypeError(f"dtype {given['on_value'].dtype} of on_value does not match dtype "
                        f"{given['off_value'].dtype} of off_value")
    on = given["on_value"]._value if "on_value" in given else 1
    off = given["off_value"]._value if "off_value" in given else 0
    params = {"depth": int(getattr(depth, "_value", depth)), "on": on, "off": off,
              "axis": -1 if axis is None else int(axis), "dtype": dtype._np}
    indices = tensor(indices)
    if indices.dtype not in _ONE_HOT_INDICES:  # TF's OneHot kernel takes these index types only
        raise errors.dtype_error(
            f"Value for attr 'TI' of {dtypes.type_name(indices.dtype)} is not in the list of "
                        f"allowed values: uint8, int8, int32, int64 [Op:OneHot]")
    return bind(_one_hot_op, (indices,), params)


_ONE_HOT_INDICES = (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64)


def shape(input: Any, out_type: Any = dtypes.int32, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.shape`: the dynamic shape as a 1-D int32 tensor."""
    return shape_ops.shape_of(tensor(input), _dtype(out_type)._np)


def size(input: Any, out_type: Any = dtypes.int32, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.size`: the number of elements, as a scalar."""
    x = tensor(input)
    if shape_ops.known(x):
        return Tensor(_dtype(out_type)._np.type(np.size(x._value)))
    return reduce_prod(shape_ops.shape_of(x, _dtype(out_type)._np))


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """`tf.rank`: the number of dimensions, as an int32 scalar."""
    return Tensor(np.int32(np.ndim(tensor(input)._value)))


def shape_n(input: list, out_type: Any = dtypes.int32, name: str | None = None) -> list:  # noqa: A002
    """`tf.shape_n`: `tf.shape` of each tensor."""
    return [shape(x, out_type) for x in input]


def broadcast_static_shape(shape_x: TensorShape, shape_y: TensorShape) -> TensorShape:
    """`tf.broadcast_static_shape`: the shape two shapes broadcast to (None where unknown)."""
    if shape_x.rank is None or shape_y.rank is None:
        return TensorShape(None)
    a, b = shape_x.as_list(), shape_y.as_list()
    width = max(len(a), len(b))
    dims = []
    for x, y in zip([1] * (width - len(a)) + a, [1] * (width - len(b)) + b):
        if x is not None and y is not None and 1 not in (x, y) and x != y:
            raise ValueError(f"Incompatible shapes for broadcasting. Two shapes are compatible if for each "
                             f"dimension pair they are either equal or one of them is 1. Received: "
                             f"{shape_x} and {shape_y}.")
        dims.append(y if x == 1 else x if y == 1 else x if y is None else y)
    return TensorShape(dims)


def broadcast_dynamic_shape(shape_x: Any, shape_y: Any) -> Tensor:
    """`tf.broadcast_dynamic_shape`: the shape (a vector) two shape vectors broadcast to."""
    x, y = tensor(shape_x), tensor(shape_y)
    try:
        return Tensor(np.array(np.broadcast_shapes(tuple(x._value), tuple(y._value)), x._value.dtype))
    except ValueError:
        shapes = f"[{','.join(map(str, x._value))}] vs. [{','.join(map(str, y._value))}]"
        raise errors.InvalidArgumentError(None, None,
                                          f"Incompatible shapes: {shapes} [Op:BroadcastArgs]") from None


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Tensor:
    """`tf.unravel_index`: the coordinates in an array of shape `dims` of each flat index (one row
    per dimension, one column per index)."""
    flat, shape_ = tensor(indices), tensor(dims)
    try:
        coordinates = np.unravel_index(np.asarray(flat._value), tuple(np.asarray(shape_._value)))
    except ValueError:
        raise errors.InvalidArgumentError(
            None, None, "index is out of bound as with dims [Op:UnravelIndex]") from None
    return Tensor(np.array(coordinates, flat._value.dtype))
