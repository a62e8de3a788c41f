"""Datasets made by a traced function: what `flat_map` and `interleave` trace, as TensorFlow does.

TensorFlow traces the function of `flat_map`/`interleave` once (its Python side effects run once) and
runs the graph per element to make that element's dataset. tapeflow does the same with a recipe:
while the function is traced, a dataset whose arguments are traced values (the placeholders, or what
was computed from them) is not built but recorded — `Dataset.__new__` hands back a
`DeferredDataset` of the class and its arguments. The traced values of all the recipe's arguments
are the compiled function's outputs; per element, the function runs and the recipe is built with
those values. A recipe's element spec is that of the datasets built from stand-in values of 1 and
of 2 (dimensions that differ unknown), as TensorFlow's traced spec has them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tapeflow.core import errors, nest
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import CompositeTensor, Tensor, string_value
from tapeflow.data import structure
from tapeflow.data.dataset import Dataset
from tapeflow.tracing.function import Function

_STATE = threading.local()


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Datasets made from traced values are recorded (not built) inside this block."""
    before = getattr(_STATE, "on", False)
    _STATE.on = True
    try:
        yield
    finally:
        _STATE.on = before


def deferred(cls: type, args: tuple, kwargs: dict) -> Dataset | None:
    """A recipe for `cls(*args, **kwargs)` when it is made from traced values while recording."""
    if getattr(_STATE, "on", False) and cls is not DeferredDataset and _traced_values((args, kwargs)):
        return DeferredDataset(cls, args, kwargs)
    return None


def _traced_values(value: Any) -> list:
    """The traced tensors in `value` (through containers, composites and recipes), in order."""
    if type(value) is SymbolicTensor:
        return [value]
    if isinstance(value, DeferredDataset):
        return _traced_values((value._args, value._kwargs))
    if isinstance(value, CompositeTensor) and hasattr(value, "_type_spec"):
        return _traced_values(list(value._type_spec._to_components(value)))
    if isinstance(value, list | tuple):
        return [t for v in value for t in _traced_values(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _traced_values(v)]
    return []


def _built(value: Any, values: dict) -> Any:
    """`value` with each traced tensor replaced by its value (`values`: id -> NumPy value) and each
    recipe built."""
    if type(value) is SymbolicTensor:
        return Tensor(string_value(values[id(value)]))
    if isinstance(value, DeferredDataset):
        return value.build(values)
    if isinstance(value, CompositeTensor) and hasattr(value, "_type_spec"):
        spec = value._type_spec
        return spec._from_components([_built(c, values) for c in spec._to_components(value)])
    if isinstance(value, list):
        return [_built(v, values) for v in value]
    if isinstance(value, tuple):
        items = [_built(v, values) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return type(value)((k, _built(v, values)) for k, v in value.items())
    return value


class DeferredDataset(Dataset):
    """A dataset to be made from traced values (see the module doc)."""

    def __init__(self, cls: type, args: tuple, kwargs: dict):
        super().__init__(None)
        self._cls, self._args, self._kwargs = cls, args, kwargs
        self._tf_name = cls._tf_name

    def build(self, values: dict) -> Dataset:
        return self._cls(*_built(self._args, values), **_built(self._kwargs, values))

    def tensors(self) -> list:
        return _traced_values(self)

    @property
    def element_spec(self) -> Any:
        if self._element_spec is None:
            tensors = self.tensors()
            specs = [self.build({id(t): _stand_in(t, n) for t in tensors}).element_spec for n in (1, 2)]
            self._element_spec = structure.most_specific_compatible(*specs)
        return self._element_spec

    def _elements(self) -> Iterator[list]:
        raise errors.InvalidArgumentError(None, None, "A dataset made from traced values cannot be read "
                                                      "while its function is traced.")


def _stand_in(t: SymbolicTensor, n: int) -> np.ndarray:
    """A value of `t`'s dtype and shape (unknown dimensions `n` long), every element `n`."""
    shape = tuple(n if d is None else d for d in t._value.shape)
    strings = t._value.dtype.kind == "O"
    value = np.full(shape, b"" if strings else n, t._value.dtype)
    return value if shape or strings else value[()]


class DatasetFunction:
    """The function of `flat_map`/`interleave`, traced once for elements of `input_spec`; called on
    an element's flat values, it gives that element's dataset."""

    def __init__(self, func: Callable, input_spec: Any, transformation: str):
        converted = Function(func)._traced_function()  # AutoGraph's version of the user's function
        made: dict = {}

        def traced(*args: Any) -> tuple:
            with recording():
                result = converted(*args)
            if not isinstance(result, Dataset):
                raise TypeError(f"The `map_func` argument of {transformation} must return a `Dataset` "
                                f"object. Got {type(result)}.")
            made["dataset"] = result
            made["tensors"] = result.tensors() if isinstance(result, DeferredDataset) else []
            return tuple(made["tensors"])

        function_name = getattr(func, "__name__", "function").strip("<>")
        traced.__name__ = transformation.strip("()").replace(".", "_") + "_" + function_name
        args = input_spec if type(input_spec) is tuple else (input_spec,)
        concrete = Function(traced, autograph=False).get_concrete_function(*args)
        self._run = concrete._compiled
        self._dataset, self._tensors = made["dataset"], made["tensors"]
        self._flat_spec = nest.flatten(input_spec)
        self.element_spec = self._dataset.element_spec

    def __call__(self, flat: list) -> Dataset:
        if not isinstance(self._dataset, DeferredDataset):  # made from no traced value: the same each time
            return self._dataset
        values = self._run(*structure.open_flat(flat, self._flat_spec))
        return self._dataset.build({id(t): v for t, v in zip(self._tensors, values)})
