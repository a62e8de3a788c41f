"""Datasets in compiled code: `for x in dataset:` inside a `tf.function` becomes a loop that reads
the dataset when the compiled function runs, as TensorFlow's iterator ops do.

AutoGraph's `for` hands a dataset here (`staged_for`). Ops with a "python" effect, so they run
on every call in program order, drive a `tf.while_loop`: `AnonymousIteratorV3` starts a fresh pass
(a handle into a registry of Python iterators), `IteratorHasNext` reads the next element ahead (the
loop's condition) and `IteratorGetNext` hands it to the body, with the element spec's shapes;
`DeleteIterator` drops the pass after the loop. The body is traced once, as in TensorFlow; a
shuffled or generated dataset gives new data on each call.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from tapeflow.autograph.runtime import _staged_while, and_
from tapeflow.core import errors, nest
from tapeflow.core.op import EMPTY, PYTHON, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.data import structure
from tapeflow.data.structure import DatasetSpec

_PASSES: dict[int, list] = {}  # handle -> [the pass's element iterator, the element read ahead or None]
_HANDLES = itertools.count(1)


def _start(*, dataset: Any) -> np.int64:
    handle = next(_HANDLES)
    _PASSES[handle] = [dataset._elements(), None]
    return np.int64(handle)


def _has_next(handle: np.int64) -> np.bool_:
    state = _PASSES.get(int(handle))
    if state is None:
        return np.bool_(False)
    if state[1] is None:
        state[1] = next(state[0], None)
        if state[1] is None:
            del _PASSES[int(handle)]
            return np.bool_(False)
    return np.bool_(True)


def _get_next(handle: np.int64, *, spec: tuple) -> tuple:
    if not _has_next(handle):
        raise errors.OutOfRangeError(None, None, "End of sequence [Op:IteratorGetNext]")
    state = _PASSES[int(handle)]
    element, state[1] = state[1], None
    return tuple(structure.open_flat(element, list(spec)))


def _release(handle: np.int64) -> tuple:
    _PASSES.pop(int(handle), None)  # (a loop left by `break` does not read its pass to the end)
    return ()


_START = Op("AnonymousIteratorV3", _start, None, effect=PYTHON,
            infer=lambda **params: [AbstractValue((), np.int64)])
_HAS_NEXT = Op("IteratorHasNext", _has_next, None, effect=PYTHON,
               infer=lambda handle: [AbstractValue((), np.bool_)])
_RELEASE = Op("DeleteIterator", _release, None, multiple_results=True, effect=PYTHON,
              infer=lambda handle: [])
_GET_NEXT = Op("IteratorGetNext", _get_next, None, multiple_results=True, effect=PYTHON,
               infer=lambda handle, spec: [AbstractValue(shape, dtype)
                                           for shape, dtype in structure.component_specs(list(spec))])


def staged_for(dataset: Any, extra_test: Callable | None, body: Callable, state: tuple,
               names: Any, opts: dict) -> tuple:
    """AutoGraph's `for element in dataset` while tracing: a while loop over a pass read at run time."""
    flat_spec = tuple(nest.flatten(dataset.element_spec))
    if any(isinstance(s, DatasetSpec) for s in flat_spec):
        raise NotImplementedError(f"A compiled loop over a dataset of {dataset.element_spec} (nested "
                                  f"datasets) is not supported in tapeflow.")
    handle = bind(_START, (), {"dataset": dataset})

    def test(*values: Any) -> Any:
        if extra_test is None:
            return bind(_HAS_NEXT, (handle,), EMPTY)
        return and_(lambda: extra_test(*values[1:]), lambda: bind(_HAS_NEXT, (handle,), EMPTY))

    def step(*values: Any) -> tuple:
        flat = bind(_GET_NEXT, (handle,), {"spec": flat_spec})  # (ragged and sparse leaves: their parts)
        leaves = structure.close_flat(list(flat), list(flat_spec), tensors=True)
        element = nest.pack_sequence_as(dataset.element_spec, leaves)
        return (values[0], *body(element, *values[1:]))

    # (a constant rides along as the first loop variable, so that a loop with no state still has one)
    result = _staged_while(test, step, (Tensor(np.int32(0)), *state), ("<dataset loop>", *names), opts)
    bind(_RELEASE, (handle,))
    return tuple(result[1:])
