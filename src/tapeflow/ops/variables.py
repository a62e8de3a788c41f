"""`tf.Variable`: named, mutable state that tapes watch.

A variable holds a NumPy value that assignments replace (never mutate), so a tensor read earlier
keeps its value. Reading is an op: while tapes record, `value()` lets each tape watch the variable
(trainable ones, unless the tape says otherwise) and records a read whose gradient flows to the
variable itself. Assignments are checked against the variable's dtype and shape.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.formatting import variable_repr
from tapeflow.core.op import READ, WRITE, Op, bind
from tapeflow.core.scopes import variable_name
from tapeflow.core.state import ACTIVE, current
from tapeflow.core.symbolic import AbstractValue, SymbolicTensor
from tapeflow.core.tensor import DEVICE, Tensor, TensorLike
from tapeflow.core.tensor_shape import TensorShape
from tapeflow.ops.array_ops import broadcast_to, reshape
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import add, cast, subtract
from tapeflow.ops.scatter_ops import tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_update
from tapeflow.ops.shape_ops import broadcasts_to

# A read is an op (the tapes connect it to the variable, a traced function reads at every call);
# an assignment is an op only while tracing, where it must happen at every call, in order.
_read_op = Op("ReadVariableOp", lambda value: value, (lambda g, y, variable: g,), sparse_ok=True,
              effect=READ, infer=lambda value: [AbstractValue(np.shape(value), value.dtype)],
              emit=lambda eq, expression, name: [f"{eq.outputs[0]._name} = {expression(eq.inputs[0])}"])


def _assign_kernel(value, variable):
    variable._value = value
    return ()


_assign_op = Op("AssignVariableOp", _assign_kernel, None, multiple_results=True, effect=WRITE,
                infer=lambda value, variable: [],
                emit=lambda eq, expression, name: [
                    f"{name(eq.params['variable'], 'var')}._value = {expression(eq.inputs[0])}"])
_creation_order = itertools.count()
# Told each new variable: a distribution strategy's scope makes it start equal on every worker.
CREATION_LISTENERS: list = []


class VariableCreation:
    """One trace of a tf.function: whether it may create variables (the first only), and whether it
    did (the function is then traced again, as TensorFlow does, to show it would not repeat that)."""

    __slots__ = ("allowed", "created", "arguments")

    def __init__(self, allowed: bool, arguments: dict | None = None):
        self.allowed, self.created = allowed, False
        # The values of this call's arguments, by the id of the placeholder standing for each: an
        # initial value computed from them is computed now (`Graph.lift`).
        self.arguments = arguments or {}


class Variable(TensorLike):
    """A mutable tensor-valued variable (TensorFlow's `tf.Variable`)."""

    __slots__ = ("_value", "_name", "_trainable", "_shape", "_constraint", "_uid", "__weakref__")

    def __init__(self, initial_value: Any = None, trainable: bool | None = None, validate_shape: bool = True,
                 caching_device: Any = None, name: str | None = None, variable_def: Any = None,
                 dtype: Any = None, import_scope: Any = None, constraint: Any = None,
                 synchronization: Any = None, aggregation: Any = None, shape: Any = None):
        if initial_value is None:
            raise ValueError("The `initial_value` arg (None) must be specified as a tensor or a callable.")
        if callable(initial_value):
            initial_value = initial_value()
        tracing = current().graphs or current().variable_creation
        if tracing:
            _check_creation_while_tracing()
        if constraint is not None and not callable(constraint):
            raise ValueError(f"The `constraint` argument must be a callable. Received: {constraint!r}")
        value = convert_to_tensor(initial_value, dtype_hint=dtype)
        if tracing and type(value) is SymbolicTensor:
            value = _lifted(value)
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            value = cast(value, dtype)
        self._value = value._value
        self._shape = TensorShape(np.shape(self._value) if shape is None else shape)
        if not self._shape.is_compatible_with(np.shape(self._value)):
            raise ValueError(f"The initial value's shape ({TensorShape(np.shape(self._value))}) is not "
                             f"compatible with the explicitly supplied `shape` argument ({self._shape}).")
        self._name = variable_name(name)
        self._trainable = True if trainable is None else bool(trainable)
        self._constraint = constraint
        self._uid = next(_creation_order)
        for listener in CREATION_LISTENERS:
            listener(self)

    # -- reading -----------------------------------------------------------------------------

    def value(self) -> Tensor:
        """The current value as a tensor; a recorded read while tapes are active."""
        if ACTIVE and ((state := current()).tapes or state.graphs):
            for tape in state.tapes:
                tape.variable_accessed(self)
            return bind(_read_op, (self,))
        return Tensor(self._value)

    read_value = value

    def _numpy_value(self):
        return self._value

    def numpy(self):
        value = self._value
        return value.copy() if isinstance(value, np.ndarray) and value.ndim else value[()]

    def __getitem__(self, key: Any):
        """`v[key]`: the slice of the value, which can be assigned to (`v[key].assign(x)`), as in TF."""
        sliced = self.value()[key]
        ident = id(sliced)
        _SLICES[ident] = (weakref.ref(sliced, lambda _: _SLICES.pop(ident, None)), self, key)
        return sliced

    def __new__(cls, *args: Any, **kwargs: Any) -> Variable:
        return object.__new__(ResourceVariable if cls is Variable else cls)

    def __iter__(self):
        return iter(self.value())

    def __len__(self) -> int:
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")  # (TF's, whatever the shape)

    # -- assigning -----------------------------------------------------------------------------

    def assign(self, value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True):
        """Replace the value (of the variable's dtype: TensorFlow's conversion errors otherwise, and a
        compatible shape); returns the variable, read when used (TensorFlow's `UnreadVariable`)."""
        fits = type(value) is Tensor and value._value.dtype == self._value.dtype
        new = value if fits else convert_to_tensor(value, dtype=self.dtype)
        if new._value.shape != self._value.shape and not self._shape.is_compatible_with(new._value.shape):
            raise ValueError(f"Cannot assign value to variable ' {self._name}': Shape mismatch.The variable "
                             f"shape {self._shape}, and the assigned value shape "
                             f"{TensorShape(new._value.shape)} are incompatible.")
        self._store(new)
        return _UnreadVariable(self) if read_value else None

    def _store(self, new: Any) -> None:
        if ACTIVE and current().graphs or type(new) is not Tensor:
            bind(_assign_op, (new,), {"variable": self})
        else:
            self._value = new._value

    def assign_add(self, delta: Any, use_locking: Any = None, name: str | None = None,
                   read_value: bool = True):
        """Add `delta` to the value; returns the variable."""
        return self.assign(add(self._current(), delta), read_value=read_value)

    def assign_sub(self, delta: Any, use_locking: Any = None, name: str | None = None,
                   read_value: bool = True):
        """Subtract `delta` from the value; returns the variable."""
        return self.assign(subtract(self._current(), delta), read_value=read_value)

    def _scatter(self, sparse_delta: Any, combine: Any, name: str):
        """Apply `sparse_delta` (IndexedSlices) to the rows it names; `combine` is a NumPy ufunc whose
        `at` method accumulates repeated rows, or None to overwrite them."""
        if type(sparse_delta) is not IndexedSlices:
            raise TypeError(f"sparse_delta is not IndexedSlices: {sparse_delta!r}")
        indices = np.asarray(sparse_delta.indices._value)
        rows = np.shape(self._value)[0] if np.ndim(self._value) else 0
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            bad = indices[(indices < 0) | (indices >= rows)][0]
            raise errors.InvalidArgumentError(
                None, None, f"indices[{int(np.argmax(indices == bad))}] = {bad} is not in [0, {rows}) "
                            f"[Op:{name}]")
        updates = convert_to_tensor(sparse_delta.values, dtype=self.dtype)._value
        value = np.array(self._value)  # a new array: earlier reads keep their value
        if combine is None:
            value[indices] = updates
        else:
            combine.at(value, indices, updates)
        self._value = value
        return _UnreadVariable(self)

    def scatter_add(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Add `sparse_delta.values` to the rows `sparse_delta.indices` (repeated rows add up)."""
        return self._scatter(sparse_delta, np.add, "ResourceScatterAdd")

    def scatter_sub(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Subtract `sparse_delta.values` from the rows `sparse_delta.indices`."""
        return self._scatter(-sparse_delta, np.add, "ResourceScatterAdd")

    def scatter_update(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Overwrite the rows `sparse_delta.indices` with `sparse_delta.values`."""
        return self._scatter(sparse_delta, None, "ResourceScatterUpdate")

    def scatter_max(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Each named row becomes the elementwise maximum of itself and its update."""
        return self._scatter(sparse_delta, np.maximum, "ResourceScatterMax")

    def scatter_min(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Each named row becomes the elementwise minimum of itself and its update."""
        return self._scatter(sparse_delta, np.minimum, "ResourceScatterMin")

    def scatter_mul(self, sparse_delta: Any, use_locking: bool = False, name: str | None = None):
        """Multiply the named rows by their updates."""
        return self._scatter(sparse_delta, np.multiply, "ResourceScatterMul")

    def scatter_nd_update(self, indices: Any, updates: Any, name: str | None = None):
        """The elements (or slices) at `indices` become `updates` (`tf.tensor_scatter_nd_update`)."""
        return self.assign(tensor_scatter_nd_update(self._current(), indices, updates))

    def scatter_nd_add(self, indices: Any, updates: Any, name: str | None = None):
        """Add `updates` to the elements (or slices) at `indices`."""
        return self.assign(tensor_scatter_nd_add(self._current(), indices, updates))

    def scatter_nd_sub(self, indices: Any, updates: Any, name: str | None = None):
        """Subtract `updates` from the elements (or slices) at `indices`."""
        return self.assign(tensor_scatter_nd_sub(self._current(), indices, updates))

    def _assign_slice(self, key: Any, value: Any):
        """`v[key].assign(value)`: the elements `key` selects become `value` (broadcast to them)."""
        try:
            key = nest.map_structure(lambda k: np.asarray(k._value) if isinstance(k, TensorLike) else k, key)
            positions = np.arange(np.size(self._value)).reshape(np.shape(self._value))[key]
        except (TypeError, IndexError) as e:
            raise NotImplementedError(f"Assigning to a slice of a variable needs an index known in Python "
                                      f"(ints, slices, None, ...): {e}") from None
        value = convert_to_tensor(value, dtype=self.dtype)
        if not broadcasts_to(value._value.shape, positions.shape):
            raise errors.InvalidArgumentError(
                None, None, f"Cannot broadcast input shape {list(value._value.shape)} into final shape "
                            f"{list(positions.shape)} [Op:ResourceStridedSliceAssign]")
        updates = reshape(broadcast_to(value, positions.shape), [-1])
        flat = tensor_scatter_nd_update(reshape(self._current(), [-1]), positions.reshape(-1, 1), updates)
        return self.assign(reshape(flat, np.shape(self._value)))

    def _current(self) -> Tensor:
        """The value to update: read as an op while tracing, else taken as it is (not recorded)."""
        return self.value() if current().graphs else Tensor(self._value)

    def _in_place_operator(self, other: Any):
        raise RuntimeError("`variable += value` with `tf.Variable`s is not supported. Use "
                           "`variable.assign_add(value)` to modify the variable, or `out = variable + value` "
                           "if you need to get a new output Tensor.")

    __iadd__ = __isub__ = __imul__ = __itruediv__ = __ipow__ = _in_place_operator

    # -- properties ----------------------------------------------------------------------------

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def constraint(self) -> Any:
        return self._constraint

    @property
    def device(self) -> str:
        return DEVICE

    @property
    def initial_value(self) -> Tensor:
        raise RuntimeError("This property is not supported when eager execution is enabled.")

    def __repr__(self) -> str:
        return variable_repr(self)

    def __str__(self) -> str:
        return self.__repr__()


class ResourceVariable(Variable):
    """What `tf.Variable(...)` makes: TensorFlow's class, whose name users print."""

    __slots__ = ()


class _VariableView(ResourceVariable):
    """Another variable under another name: its value, slots and reads are that variable's."""

    __slots__ = ("_variable",)

    def __init__(self, variable: Variable):  # noqa: D107 - (not Variable's: nothing to create)
        self._variable = variable

    def __getattr__(self, name: str) -> Any:  # the variable's own slots
        return getattr(self._variable, name)

    _value = property(lambda self: self._variable._value,
                      lambda self, value: setattr(self._variable, "_value", value))

    def value(self) -> Tensor:
        return self._variable.value()

    read_value = value


class _UnreadVariable(_VariableView):
    """What `assign` and its kin return: the same variable under TensorFlow's name `UnreadVariable`,
    read (through the variable, so tapes see it) when it is used."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return "UnreadVariable"


class VariableArgument(_VariableView):
    """A variable passed to a traced function, as the trace holds it: one trace serves every variable of
    the same shape, dtype and trainability (TensorFlow's `VariableSpec`), so the graph reads and writes
    this stand-in, whose `_variable` each call sets to the variable it passes."""

    __slots__ = ()

    def value(self) -> Tensor:
        """While tracing, a read of this stand-in (which the traced code's tapes watch, as its
        gradients' source); when the graph runs through `bind` under tapes, a read of the variable it
        stands for."""
        if not current().graphs:
            return self._variable.value()
        return Variable.value(self)

    read_value = value


# Users print `type(v).__name__` inside functions: TensorFlow's stand-in is a ResourceVariable too.
VariableArgument.__name__ = VariableArgument.__qualname__ = "ResourceVariable"


_copying_read_op = Op("ReadVariableOp", np.copy, (lambda g, y, variable: g,), sparse_ok=True,
                      effect=READ, infer=lambda value: [AbstractValue(np.shape(value), value.dtype)],
                      emit=lambda eq, expression, name: [
                          f"{eq.outputs[0]._name} = {expression(eq.inputs[0])}.copy()"])


class OwnedVariable(Variable):
    """A variable whose array only its owner (an optimizer, for its slots) may update in place: every
    read is a copy, so no tensor the user holds ever shares that array. The fused optimizer kernels
    then update the array itself, as hand-written NumPy would, instead of allocating new ones."""

    __slots__ = ()

    def value(self) -> Tensor:
        if ACTIVE and ((state := current()).tapes or state.graphs):
            for tape in state.tapes:
                tape.variable_accessed(self)
            return bind(_copying_read_op, (self,))
        return Tensor(np.copy(self._value))

    read_value = value

    def _numpy_value(self):
        return np.copy(self._value)

    def _store(self, new: Any) -> None:
        if ACTIVE and current().graphs or type(new) is not Tensor:
            bind(_owned_assign_op, (new,), {"variable": self})
        else:
            self._value = owned(new._value, self._value)


def owned(new: Any, old: Any) -> Any:
    """What an owned variable keeps of an assigned array: the array itself if it already was the
    variable's (a fused kernel updated it in place), else a copy no one else holds."""
    return new if new is old else np.copy(new)


def _owned_assign_kernel(value, variable):
    variable._value = owned(value, variable._value)
    return ()


_owned_assign_op = Op("AssignVariableOp", _owned_assign_kernel, None, multiple_results=True,
                      effect=WRITE,
                      infer=lambda value, variable: [],
                      emit=lambda eq, expression, name: [
                          f"{name(eq.params['variable'], 'var')}._value = {name(owned, 'owned')}("
                          f"{expression(eq.inputs[0])}, {name(eq.params['variable'], 'var')}._value)"])


# The slices read from variables (`v[0]`), while they live: id -> (weak reference, variable, index),
# so that `v[0].assign(x)` reaches the variable (the TensorLike.assign property looks them up).
_SLICES: dict[int, tuple] = {}


def _slice_assign(tensor: Any) -> Any:
    """`assign` of a tensor read as a slice of a variable (`v[0].assign(x)`), as in TF; other tensors
    have none. Installed on TensorLike as a property, not `__getattr__`: that would make every attribute
    read, `_value` included, take Python's slow path."""
    entry = _SLICES.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        raise AttributeError(f"'{type(tensor).__name__}' object has no attribute 'assign'")
    _, variable, key = entry

    def assign(value: Any, use_locking: Any = None, name: str | None = None, read_value: bool = True):
        return variable._assign_slice(key, value)

    return assign


TensorLike.assign = property(_slice_assign)  # Variable's own `assign` method overrides it


def _check_creation_while_tracing() -> None:
    """Inside a traced function, variables may be made on the first trace only."""
    creation = current().variable_creation
    if not (creation and creation[-1].allowed):
        raise ValueError("tf.function only supports singleton tf.Variables created on the first call. Make "
                         "sure the tf.Variable is only created once or created outside tf.function. See "
                         "https://www.tensorflow.org/guide/function#creating_tfvariables for more "
                         "information.")
    creation[-1].created = True


def _lifted(initial_value: SymbolicTensor) -> Tensor:
    """A traced initial value computed now, as TensorFlow lifts a variable's initializer out of the
    function: from constants and variables, or from the values of the call being traced."""
    value = initial_value._graph.lift(initial_value, current().variable_creation[-1].arguments)
    if value is None:
        raise ValueError("A tf.Variable created inside a tf.function takes its initial value from the "
                         "function's arguments, which are not known here (a trace from TensorSpecs, or "
                         "inside control flow): create it outside the function, or from constants.")
    return value


def argument_variable(value: Any) -> Variable | None:
    """The variable a `tf.function` argument passes by its spec (shape, dtype, trainability), or None
    for one its traces key by identity (an optimizer's `OwnedVariable`, read as copies)."""
    if type(value) is _UnreadVariable:
        value = value._variable
    return value if type(value) is ResourceVariable else None
