"""`tf.map_fn`, `tf.scan`, `tf.foldl` and `tf.foldr`: a function applied along the first axis.

All four are one loop (`_loop`) over the elements' first axis that carries an accumulator and
collects what each step emits, of a structure and dtypes known before it runs (TensorFlow's rule:
`map_fn` emits what `fn_output_signature` says, by default the elements' own; `scan` emits its
accumulator). Eagerly the loop is Python and the outputs are stacked at the end; traced, it is one
`tf.while_loop` that reads element i with a gather and writes its outputs to TensorArrays, so it is
one graph node whatever the number of elements, differentiable like any loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tapeflow.control_flow.tensor_array import TensorArray
from tapeflow.control_flow.while_loop import while_loop
from tapeflow.core import dtypes, errors, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.state import current
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.ops.array_ops import concat, expand_dims, stack
from tapeflow.ops.array_ops import reverse as reverse_
from tapeflow.ops.creation_ops import shape, zeros
from tapeflow.ops.gather_ops import gather

__all__ = ["map_fn", "scan", "foldl", "foldr"]


def _elements(elems: Any, name: str) -> list:
    """The elements' flat tensors (each at least a vector, all of one length along axis 0)."""
    flat = [convert_to_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{name}: elems must contain at least one tensor")
    if any(not e._value.ndim for e in flat):
        raise ValueError(f"{name}: elements in elems must be 1+ dimensional Tensors, not scalars")
    if len({e._value.shape[0] for e in flat} - {None}) > 1:
        raise ValueError(f"{name}: all elems must have the same length along their first axis, got "
                         f"{[e._value.shape[0] for e in flat]}")
    return flat


def _loop(step: Callable, elems: Any, flat: list, initial: Any, emitted: list, reverse: bool,
          name: str) -> tuple[Any, list]:
    """`acc, out = step(acc, element)` for each element (the last first, with `reverse`), from
    `acc = initial`; `out`'s flat leaves have the dtypes `emitted`. Returns the last accumulator and
    each output leaf stacked along a new first axis."""
    length = flat[0]._value.shape[0]
    traced = current().graphs and any(type(x) is SymbolicTensor for x in (*flat, *nest.flatten(initial)))
    if not traced:
        acc, outputs = initial, []
        for i in range(length - 1, -1, -1) if reverse else range(length):
            acc, out = step(acc, nest.pack_sequence_as(elems, [e[i] for e in flat]))
            outputs.append(_checked(out, emitted, name))
        if reverse:
            outputs.reverse()
        if not outputs:  # no elements: empty results of the emitted dtypes
            return acc, [zeros([0], dtype) for dtype in emitted]
        return acc, [stack(list(leaf)) for leaf in zip(*outputs)]

    n = shape(flat[0])[0] if length is None else length

    def body(i: Any, acc: Any, arrays: list) -> tuple:
        index = n - 1 - i if reverse else i
        acc, out = step(acc, nest.pack_sequence_as(elems, [gather(e, index) for e in flat]))
        return i + 1, acc, [a.write(i, o) for a, o in zip(arrays, _checked(out, emitted, name))]

    # Outputs are appended in the order the loop runs (appends cost O(1)), reversed at the end.
    arrays = [TensorArray(dtype, size=0, dynamic_size=True) for dtype in emitted]
    _, acc, arrays = while_loop(lambda i, acc, arrays: i < n, body, [convert_to_tensor(0), initial, arrays])
    stacked = [a.stack() for a in arrays]
    return acc, [reverse_(s, [0]) for s in stacked] if reverse else stacked


def _checked(out: Any, emitted: list, name: str) -> list:
    leaves = [convert_to_tensor(o) for o in nest.flatten(out)]
    if len(leaves) != len(emitted):
        raise ValueError(f"{name}: fn returned {len(leaves)} tensors where {len(emitted)} were expected "
                         f"(give fn_output_signature for a result unlike the elements)")
    for leaf, dtype in zip(leaves, emitted):
        if leaf.dtype != dtype:
            raise errors.InvalidArgumentError(
                None, None, f"{name}: fn returned a tensor of dtype {leaf.dtype.name} where the output "
                            f"signature says {dtype.name} (give fn_output_signature)")
    return leaves


def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations: Any = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: str | None = None, fn_output_signature: Any = None) -> Any:
    """`tf.map_fn`: `fn` applied to each element of `elems` (sliced along axis 0), the results
    stacked. Both may be nested structures; the results are of `fn_output_signature` (dtypes or
    `tf.TensorSpec`s), by default of the elements' structure and dtypes."""
    flat = _elements(elems, "map_fn")
    signature = fn_output_signature if fn_output_signature is not None else dtype
    structure = elems if signature is None else signature
    emitted = [x.dtype for x in flat] if signature is None else [
        s.dtype if hasattr(s, "shape") else dtypes.as_dtype(s) for s in nest.flatten(signature)]
    _, stacked = _loop(lambda acc, x: (acc, fn(x)), elems, flat, (), emitted, False, "map_fn")
    return nest.pack_sequence_as(structure, stacked)


def _fold(name: str, fn: Callable, elems: Any, initializer: Any, reverse: bool, emit: bool) -> Any:
    """`scan` (`emit`: every accumulator, stacked) and the folds (the last one)."""
    flat = _elements(elems, name)
    if initializer is None:  # the first element (the last, reversed) is the first accumulator
        first = -1 if reverse else 0
        initializer = nest.pack_sequence_as(elems, [e[first] for e in flat])
        rest = [e[:-1] if reverse else e[1:] for e in flat]
        acc, stacked = _fold_from(name, fn, nest.pack_sequence_as(elems, rest), initializer, reverse, emit)
        if emit:  # the first accumulator is an output too
            leaves = [concat([s, expand_dims(i, 0)] if reverse else [expand_dims(i, 0), s], 0)
                      for s, i in zip(stacked, nest.flatten(initializer))]
            return nest.pack_sequence_as(initializer, leaves)
        return acc
    acc, stacked = _fold_from(name, fn, elems, initializer, reverse, emit)
    return nest.pack_sequence_as(initializer, stacked) if emit else acc


def _fold_from(name: str, fn: Callable, elems: Any, initializer: Any, reverse: bool, emit: bool) -> tuple:
    flat = _elements(elems, name)
    initializer = nest.map_structure(convert_to_tensor, initializer)
    emitted = [x.dtype for x in nest.flatten(initializer)] if emit else []

    def step(acc: Any, x: Any) -> tuple:
        new = fn(acc, x)
        nest.assert_same_structure(new, initializer)
        return new, (new if emit else ())

    return _loop(step, elems, flat, initializer, emitted, reverse, name)


def scan(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None) -> Any:
    """`tf.scan`: `acc = fn(acc, x)` for each element `x` of `elems`, every accumulator stacked.
    Without `initializer` the first element (the last, with `reverse`) is the first accumulator."""
    return _fold("scan", fn, elems, initializer, reverse, emit=True)


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """`tf.foldl`: `acc = fn(acc, x)` over the elements from the first; the last accumulator."""
    return _fold("foldl", fn, elems, initializer, False, emit=False)


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """`tf.foldr`: `acc = fn(acc, x)` over the elements from the last; the last accumulator."""
    return _fold("foldr", fn, elems, initializer, True, emit=False)
