"""Symbolic tensors: what a traced function's code sees in place of values.

A `SymbolicTensor` stands for a value that exists only when the compiled function runs. Its
`_value` is an `AbstractValue` — shape and dtype, nothing else — so the public op functions check
arguments exactly as they do for concrete tensors and `bind` adds an equation instead of running a
kernel. Asking for an actual value (`bool`, `float`, `.numpy()`) is TensorFlow's error.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors
from tapeflow.core.tensor import TensorLike
from tapeflow.core.tensor_shape import TensorShape


class AbstractValue:
    """The static facts about a traced value: a NumPy dtype and a shape of ints, where None is a
    dimension known only when the compiled code runs (a batch given as `TensorSpec([None, 3])`). The
    shape itself is None where not even the rank is known (what a `py_function` returns)."""

    __slots__ = ("shape", "dtype", "known")

    def __init__(self, shape: tuple | None, dtype: Any):
        self.shape = None if shape is None else tuple(shape)
        self.dtype = np.dtype(dtype)
        self.known = shape is not None and None not in self.shape  # every dimension known: the fast case

    @property
    def ndim(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def size(self) -> int | None:
        return math.prod(self.shape) if self.known else None

    def example(self, unknown: int = 1) -> np.ndarray:
        """A concrete stand-in (zeros) with these facts, each unknown dimension `unknown` long (a
        scalar for an unknown rank)."""
        shape = self.shape if self.known else () if self.shape is None else tuple(
            unknown if d is None else d for d in self.shape)
        return np.zeros(shape, self.dtype)[()] if self.dtype != object else np.full(shape, b"", object)

    def __array__(self, dtype: Any = None, copy: Any = None):
        raise TypeError(f"A traced value ({self!r}) has no NumPy value while its function is traced")

    def __repr__(self) -> str:
        shape = "<unknown>" if self.shape is None else list(self.shape)
        return f"{dtypes.from_numpy(self.dtype).name}{shape}"


class SymbolicTensor(TensorLike):
    """A value of the graph being traced: the output of one equation, or an input of the function."""

    __slots__ = ("_value", "_graph", "_name", "_label", "_keras_mask", "__weakref__")  # mask: see Tensor

    def __init__(self, value: AbstractValue, graph: Any, name: str, label: str):
        self._value = value
        self._graph = graph
        self._name = name  # the identifier in generated code
        self._label = label  # TensorFlow's name for it: "x:0", "add_1:0"

    def _numpy_value(self):
        raise _no_value("its value")

    @property
    def name(self) -> str:
        return self._label

    @property
    def graph(self) -> Any:
        return self._graph

    def numpy(self):
        raise AttributeError(f"'SymbolicTensor' object has no attribute 'numpy' ({self!r} is traced: it has "
                             f"no value until the function runs)")

    def __bool__(self) -> bool:
        raise _no_value("a Python `bool`")

    def __float__(self) -> float:
        raise _no_value("a Python `float`")

    def __int__(self) -> int:
        raise _no_value("a Python `int`")

    __index__ = __int__

    @property
    def ndim(self) -> int | None:
        return self._value.ndim

    def set_shape(self, shape: Any) -> None:
        """`Tensor.set_shape`: what is known of its shape from now on, merged with what was known (the
        shape of a `py_function`'s result, for instance); TensorFlow's ValueError where they differ."""
        given, known = TensorShape(shape), self.shape
        if given.rank is None:
            return
        if known.rank is not None:
            if known.rank != given.rank:
                raise ValueError(f"Shapes must be equal rank, but are {known.rank} and {given.rank}")
            for i, (a, b) in enumerate(zip(known.as_list(), given.as_list())):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                                     f"Shapes are {known.as_list()} and {given.as_list()}.")
            given = TensorShape([a if a is not None else b for a, b in zip(known.as_list(), given.as_list())])
        self._value = AbstractValue(given.as_list(), self._value.dtype)

    def __len__(self) -> int:
        if self._value.shape is None:
            raise TypeError("len is not well defined for a tensor of unknown rank")
        if not self._value.shape:
            raise TypeError("len is not well defined for a rank-0 tensor")
        return self._value.shape[0]

    def __iter__(self):
        raise _no_value("a Python iterator")

    def __array__(self, dtype=None, copy=None):
        raise NotImplementedError(
            f"Cannot convert a symbolic tf.Tensor ({self._label}) to a numpy array. This "
            f"error may indicate that you're trying to pass a Tensor to a NumPy call, "
            f"which is not supported."
        )

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self._label}' shape={self.shape} dtype={self.dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self._label}", shape={self.shape}, dtype={self.dtype.name})'


def _no_value(use: str) -> errors.OperatorNotAllowedInGraphError:
    return errors.OperatorNotAllowedInGraphError(
        f"Using a symbolic `tf.Tensor` as {use} is not allowed: the tensor has no value while the "
        f"function is traced. Use Python values, tapeflow ops (tf.cond, tf.where), or run eagerly."
    )
