"""Declaring ops: the public function of an elementwise op, from its kernel and gradient rules.

`unary` and `binary` build the TensorFlow-facing function (`tf.sin(x, name=None)`,
`tf.add(x, y, name=None)`) around an `Op`: convert the arguments by TensorFlow's rules, check the
dtype against the op's allowed set, and `bind`. Other op families write their public function by
hand around `bind`, using `tensor` and `operands` from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.dtypes import type_name
from tapeflow.core.op import EMPTY, Op, bind
from tapeflow.core.tensor import Tensor, TensorLike


def tensor(x: Any) -> Tensor:
    """`x` as a Tensor (the fast path for what already is one)."""
    return x if type(x) is Tensor else convert_to_tensor(x)


_PYTHON_REALS = (float, int)


def _scalar(value: Any) -> Tensor:
    """A Tensor of a NumPy scalar made here, without a call of `Tensor.__init__`."""
    t = _new_tensor(Tensor)
    t._value = value
    return t


_new_tensor = Tensor.__new__


def operands(x: Any, y: Any, hinted: bool = False) -> tuple[Tensor, Tensor]:
    """Two operands converted as TensorFlow's binary ops do: a Python or NumPy value takes the dtype
    of the tensor beside it (or of the first operand), and TypeError ("Cannot convert 0.5 to
    EagerTensor of dtype int32") when it does not fit. `hinted`: as `tf.add`, `+` and `tf.matmul`
    convert, the first operand alone and the second with the first's dtype as a hint only, so a value
    that does not fit keeps its own dtype (and the op reports the mismatch). A Python number beside a
    float tensor becomes a NumPy scalar directly (`x * 0.5`: what the conversion would give)."""
    if isinstance(x, TensorLike):
        x = tensor(x)
        if isinstance(y, TensorLike):
            return x, tensor(y)
        if type(y) in _PYTHON_REALS and x._value.dtype.kind == "f":
            return x, _scalar(x._value.dtype.type(y))
    elif isinstance(y, TensorLike):
        y = tensor(y)
        if hinted:
            return convert_to_tensor(x), y
        if type(x) in _PYTHON_REALS and y._value.dtype.kind == "f":
            return _scalar(y._value.dtype.type(x)), y
        return convert_to_tensor(x, dtype=y.dtype), y
    else:
        x = convert_to_tensor(x)
    return x, convert_to_tensor(y, dtype_hint=x.dtype) if hinted else convert_to_tensor(y, dtype=x.dtype)


def mismatch_error(op: Op, expected: dtypes.DType, index: int, got: dtypes.DType) -> errors.OpError:
    return errors.dtype_error(f"cannot compute {op.name} as input #{index}(zero-based) was expected to be a "
                              f"{type_name(expected)} tensor but is a {type_name(got)} tensor [Op:{op.name}]")


def unsupported_error(op: Op, dtype: dtypes.DType, allowed: Iterable[dtypes.DType]) -> errors.OpError:
    names = ", ".join(type_name(d) for d in dtypes.ALL if d in allowed)
    return errors.dtype_error(f"Value for attr 'T' of {type_name(dtype)} is not in the list of allowed "
                              f"values: {names} [Op:{op.name}]")


def unary(py_name: str, tf_name: str, kernel: Callable, grad: Callable | None,
          allowed: Iterable[dtypes.DType], **facts: Any) -> Callable:
    """The public function of an elementwise op of one tensor (`facts`: what else the Op says of itself)."""
    op = Op(tf_name, kernel, (grad,) if grad is not None else None, **facts)
    allowed = frozenset(allowed)
    allowed_np = frozenset(d._np for d in allowed)

    def apply(x, name=None):
        if type(x) is not Tensor:
            x = convert_to_tensor(x)
        if x._value.dtype not in allowed_np:
            raise unsupported_error(op, x.dtype, allowed)
        return bind(op, (x,), EMPTY)

    apply.allows = allowed_np  # (read by gradient recipes)
    return _publish(apply, py_name, op)


def binary(py_name: str, tf_name: str, kernel: Callable, grads: tuple | None,
           allowed: Iterable[dtypes.DType], infix: str | None = None, string_op: Op | None = None,
           hinted: bool = False, **facts: Any) -> Callable:
    """The public function of an elementwise, broadcasting op of two tensors of one dtype; `infix` is
    the Python operator that applies `kernel` when it is a plain NumPy ufunc (used by generated code);
    `string_op`, if any, is the op applied to two string tensors (checked only when the dtype is not
    allowed, so numbers pay nothing for it); `facts` what else the Op says of itself (its `label`, its
    `neutral` element); `hinted` how its operands convert (`operands`)."""
    op = Op(tf_name, kernel, grads, infix=infix, **facts)
    allowed = frozenset(allowed)
    allowed_np = frozenset(d._np for d in allowed)

    def apply(x, y, name=None):
        if type(x) is not Tensor or type(y) is not Tensor:
            x, y = operands(x, y, hinted)
        dt = x._value.dtype
        if dt != y._value.dtype:
            raise mismatch_error(op, x.dtype, 1, y.dtype)
        if dt not in allowed_np:
            if string_op is not None and dt == np.object_:
                return bind(string_op, (x, y), EMPTY)
            raise unsupported_error(op, x.dtype, allowed)
        return bind(op, (x, y), EMPTY)

    apply.allows = allowed_np  # (read by gradient recipes)
    return _publish(apply, py_name, op)


def logical(py_name: str, tf_name: str, kernel: Callable, **facts: Any) -> Callable:
    """The public function of an op on bool tensors only (TensorFlow's logical ops have no dtype
    attribute): a Python value converts to bool or is a TypeError, a tensor of another dtype is the
    op's InvalidArgumentError naming the input."""
    op = Op(tf_name, kernel, None, **facts)

    def apply(*args, name=None):
        inputs = tuple(tensor(a) if isinstance(a, TensorLike) else convert_to_tensor(a, dtype=dtypes.bool)
                       for a in args)
        for index, x in enumerate(inputs):
            if x.dtype != dtypes.bool:
                raise mismatch_error(op, dtypes.bool, index, x.dtype)
        return bind(op, inputs, EMPTY)

    return _publish(apply, py_name, op)


def _publish(fn: Callable, py_name: str, op: Op) -> Callable:
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = f"`tf.{py_name}`: applies the {op.name} op elementwise."
    fn.op = op
    return fn
