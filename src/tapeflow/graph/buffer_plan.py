"""Which values of a compiled function are written into arrays the function keeps between calls.

A training step makes the same large intermediate arrays every call (a layer's pre-activation, the
gradient flowing back through it). Each is allocated, filled once, read by a few later equations and
dropped; the generated code instead writes such a value into a *buffer* of its own shape and dtype
(`np.add(a, b, buffer)`, a kernel's `out=`), and a buffer serves several values of the call in turn,
each after the last reader of the one before.

A value gets a buffer only when nothing can see it after the call or keep it meanwhile:
- its equation's kernel writes a new array: a NumPy ufunc, or a kernel with a keyword-only `out`
  parameter (the convention: such a kernel writes its result into `out`, or into a new array when
  `out` is None, and keeps no reference to its inputs);
- its shape is fully known and it is large enough to be worth it (`MIN_BYTES`), not a string;
- it never escapes: not an output of the graph, not read by an equation with an effect or code of its
  own (variable writes, control flow, prints, `py_function`), and the same for every value that may
  alias it: the results of any equation whose kernel is not known to write new arrays (a reshape, a
  transpose, a slice) are taken to be views of all its inputs, read as long as they are read;
- for a ufunc, its inputs of two or more dimensions are known to be C-ordered (a ufunc gives a
  Fortran-ordered input a Fortran-ordered result; a C-ordered buffer instead could change the order
  in which a later reduction sums). Kernels with `out` give C-ordered results whatever their inputs
  (the matmul), or are elementwise and write large results into C-ordered pooled arrays eagerly too
  (core/buffers.py), so their results count as C-ordered.

Buffers are reused in order of the equations: a value takes a free buffer of its shape and dtype, one
whose last value has no reader after this equation (a ufunc may also write over an input it reads for
the last time: NumPy makes elementwise overlap safe), else a new one. The generated function takes a
set of buffers from a list kept with it when it starts and gives it back when it returns, so calls
running at once (recursion, threads) never share one: an inner call finds the list empty and makes
its own set.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.core.tensor import Tensor
from tapeflow.graph.ir import Equation, Graph

__all__ = ["MIN_BYTES", "BufferPlan", "plan", "writes_new_arrays"]

MIN_BYTES = 1 << 12  # below this a ufunc's `out` argument costs more than the allocation it saves


class BufferPlan:
    """Buffer `slots` (shape, dtype) and, by equation index, the slot its one result is written into."""

    __slots__ = ("slots", "slot_of")

    def __init__(self, slots: list[tuple[tuple, np.dtype]], slot_of: dict[int, int]):
        self.slots, self.slot_of = slots, slot_of


def takes_out(kernel: Any) -> bool:
    """Whether `kernel` declares a keyword-only `out` parameter (the convention in the module doc)."""
    code = getattr(kernel, "__code__", None)
    return code is not None and "out" in code.co_varnames[code.co_argcount:code.co_argcount
                                                          + code.co_kwonlyargcount]


def writes_new_arrays(eq: Equation) -> bool:
    """Whether `eq`'s results are arrays of its own (no views of its inputs, no inputs kept)."""
    op = eq.op
    if op.effect is not None:
        return False
    kernel = op.kernel
    if takes_out(kernel):  # (its generated code, if it has its own, keeps the convention: AddN's `a + b`)
        return True
    return op.emit is None and type(kernel) is np.ufunc and kernel.nout == 1


def _is_c_ordered(x: Any, known_c: set[int]) -> bool:
    """Whether `x`, an input, is taken to be a C-ordered array when the code runs (or has at most one
    dimension, where layout cannot differ): the function's arguments and variables' values are (as
    TensorFlow's tensors are row-major), a constant if it is, a value computed here if its kernel
    wrote a new array from C-ordered inputs."""
    if type(x) is SymbolicTensor:
        ndim = x._value.ndim  # (None: a rank unknown while tracing)
        return ndim is not None and ndim <= 1 or id(x) in known_c
    if type(x) is Tensor:  # C-ordered, or a broadcast of a C-ordered array (the strides not zero decrease)
        value = x._value
        if np.ndim(value) <= 1:
            return True
        strides = [s for s in value.strides if s] if type(value) is np.ndarray else [0, 1]
        return all(a >= b for a, b in zip(strides, strides[1:]))
    return True  # a variable, or None


def _worth_a_buffer(eq: Equation) -> bool:
    if len(eq.outputs) != 1 or eq.op.multiple_results:
        return False
    value = eq.outputs[0]._value
    return value.known and value.dtype != object and value.size * value.dtype.itemsize >= MIN_BYTES


def plan(graph: Graph) -> BufferPlan:
    """Which equations of `graph` write their result into which buffer (see the module doc)."""
    roots: dict[int, frozenset] = {}  # id(value) -> equations whose buffer the value may be or view
    last_read: dict[int, int] = {}  # candidate equation -> the last equation reading it (or a view)
    escaped: set[int] = set()
    known_c: set[int] = set()  # ids of values known to be C-ordered arrays
    candidates: list[int] = []
    no_roots: frozenset = frozenset()
    known_c.update(id(x) for x in graph.inputs)
    for index, eq in enumerate(graph.equations):
        read = no_roots
        for x in eq.inputs:
            if type(x) is SymbolicTensor:
                these = roots.get(id(x), no_roots)
                if these:
                    read = read | these
        for root in read:
            last_read[root] = index
        if not writes_new_arrays(eq):
            effect = eq.op.effect
            if effect is not None and effect.variables == "read":  # a variable's value, taken as C-ordered
                known_c.update(id(o) for o in eq.outputs)
            if eq.op.emit is not None or effect is not None:
                escaped |= read
            for o in eq.outputs:
                roots[id(o)] = read
            continue
        if type(eq.op.kernel) is np.ufunc and not all(_is_c_ordered(x, known_c) for x in eq.inputs):
            continue
        known_c.update(id(o) for o in eq.outputs)
        if _worth_a_buffer(eq):
            roots[id(eq.outputs[0])] = frozenset((index,))
            last_read[index] = index
            candidates.append(index)
    for x in graph.outputs:
        if type(x) is SymbolicTensor:
            escaped |= roots.get(id(x), no_roots)
    return _assign(graph, [i for i in candidates if i not in escaped], last_read)


def _assign(graph: Graph, candidates: list[int], last_read: dict[int, int]) -> BufferPlan:
    """Buffers for the candidate equations, each reused once its last value has no reader left."""
    slots: list[tuple[tuple, np.dtype]] = []
    holder: list[int] = []  # slot -> the equation whose value it holds now
    slot_of: dict[int, int] = {}
    for index in candidates:
        eq = graph.equations[index]
        value = eq.outputs[0]._value
        key = (value.shape, value.dtype)
        in_place = type(eq.op.kernel) is np.ufunc
        free = (slot for slot, (held, other) in enumerate(zip(holder, slots))
                if other == key and (last_read[held] < index or (in_place and last_read[held] == index)))
        slot = next(free, len(slots))
        if slot == len(slots):
            slots.append(key)
            holder.append(index)
        holder[slot] = index
        slot_of[index] = slot
    return BufferPlan(slots, slot_of)
