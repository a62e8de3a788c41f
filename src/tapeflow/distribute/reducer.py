"""Gradients averaged across workers in buckets, while the backward sweep is still running.

The reverse sweep tells the reducer each gradient as soon as it is complete (`backprop.backward`'s
`on_final`: the sweep has passed the last entry that reads the variable). The reducer packs the
complete gradients, in that order, into a bucket; when a bucket holds `bucket_bytes` it starts a
non-blocking MPI allreduce of it (`GradientBucketStart`) and the sweep goes on computing the next
gradients while the bytes travel. After the sweep, `GradientBucketFinish` waits for each bucket and
unpacks it. Each bucket is one preallocated flat buffer per layout, reduced in place and reused every
step; with fp16 compression the buffer is float16 and the packing is the cast. Unpacking divides by
the number of workers and writes new arrays (a tensor's value is never written afterwards).

Both are ops with the `collective` effect, so the same code runs eagerly and traced in a
`tf.function`: there the start equations sit in the graph between the gradient ops, in sweep order.
Sparse gradients (`IndexedSlices`) are allgathered (values and rows), or made dense first.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from tapeflow.core import nest
from tapeflow.core.op import COLLECTIVE, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.distribute import collective_ops
from tapeflow.distribute.collective_ops import AVERAGE, mpi_op, scale_after
from tapeflow.distribute.signature import check_same_everywhere
from tapeflow.distribute.world import world
from tapeflow.ops.gather_ops import to_dense
from tapeflow.ops.indexed_slices import IndexedSlices

DEFAULT_BUCKET_BYTES = 25 * 2**20  # as PyTorch's DistributedDataParallel

_BUFFERS: dict = {}  # (bucket name, layout, wire dtype) -> its flat buffer, reused every step
_IN_FLIGHT: dict = {}  # handle -> (request, buffer, name)
_HANDLES = itertools.count()


def _start_kernel(*grads: np.ndarray, op: str, prescale: float, wire: str, name: str,
                  layout: tuple) -> np.ndarray:
    w = world()
    key = (name, layout, wire)
    buffer = _BUFFERS.get(key)
    if buffer is None:
        buffer = _BUFFERS[key] = np.empty(sum(math.prod(s) for s, _ in layout), wire)
    offset = 0
    for g in grads:  # (into a view of g's shape: a transposed gradient is not copied twice)
        view = buffer[offset:offset + g.size].reshape(g.shape)
        if prescale != 1:
            np.multiply(g, prescale, out=view, casting="unsafe")
        else:
            np.copyto(view, g, casting="unsafe")
        offset += g.size
    _progress()
    handle = next(_HANDLES)
    _IN_FLIGHT[handle] = (w.comm.Iallreduce(w.MPI.IN_PLACE, buffer, op=mpi_op(op)), buffer, name)
    return np.array(handle, np.int64)


def _progress() -> None:
    """MPI advances the buckets in flight only inside MPI calls: give it one."""
    if _IN_FLIGHT:
        world().MPI.Request.Testall([r for r, _, _ in _IN_FLIGHT.values()])


def _finish_kernel(handle: np.ndarray, *, op: str, postscale: float, name: str, layout: tuple) -> tuple:
    w = world()
    request, buffer, name = _IN_FLIGHT.pop(int(handle))
    w.wait([request], f"allreduce of gradient bucket {name!r}")
    scale = scale_after(op, postscale)
    results, offset = [], 0
    for shape, dtype in layout:
        size = math.prod(shape)
        result = np.empty(shape, dtype)
        np.multiply(buffer[offset:offset + size].reshape(shape), scale, out=result, casting="unsafe")
        results.append(result)
        offset += size
    return tuple(results)


def _start_infer(*grads: AbstractValue, **params) -> list:
    return [AbstractValue((), np.int64)]


def _finish_infer(handle: AbstractValue, *, layout: tuple, **params) -> list:
    return [AbstractValue(shape, dtype) for shape, dtype in layout]


BUCKET_START = Op("GradientBucketStart", _start_kernel, effect=COLLECTIVE, variadic=True, infer=_start_infer)
BUCKET_FINISH = Op("GradientBucketFinish", _finish_kernel, effect=COLLECTIVE, multiple_results=True,
                   infer=_finish_infer)


class BucketReducer:
    """One step's reduction of `count` gradients: `add` each as it becomes complete, then `finish`."""

    def __init__(self, count: int, op: str = AVERAGE, bucket_bytes: int = DEFAULT_BUCKET_BYTES,
                 fp16: bool = False, sparse_as_dense: bool = False, prescale: float = 1.0,
                 postscale: float = 1.0, name: str = "gradients"):
        self.results: list = [None] * count
        self.op, self.bucket_bytes, self.fp16, self.sparse_as_dense = op, bucket_bytes, fp16, sparse_as_dense
        self.prescale, self.postscale, self.name = prescale, postscale, name
        self.added: set[int] = set()
        self.open: list = []  # (index, gradient) of the bucket being filled
        self.open_bytes = 0
        self.started: list = []  # (indices, handle, layout, name) of each bucket started
        self.alone: list = []  # (index, gradient) reduced one by one: sparse, or of shape unknown until run

    def add(self, i: int, g: Any) -> None:
        self.added.add(i)
        _progress()  # (eagerly, between the sweep's steps)
        if type(g) is IndexedSlices:
            if not self.sparse_as_dense:
                self.alone.append((i, g))
                return
            g = to_dense(g)
        if type(g._value) is AbstractValue and not g._value.known:
            self.alone.append((i, g))
            return
        if self.open and g.dtype != self.open[0][1].dtype:
            self._start()
        self.open.append((i, g))
        self.open_bytes += g._value.size * g._value.dtype.itemsize
        if self.open_bytes >= self.bucket_bytes:
            self._start()

    def _start(self) -> None:
        grads = tuple(g for _, g in self.open)
        dtype = grads[0]._value.dtype
        wire = np.dtype(np.float16) if self.fp16 and dtype.kind == "f" and dtype.itemsize > 2 else dtype
        layout = tuple((tuple(g._value.shape), g._value.dtype.str) for g in grads)
        name = f"{self.name}/bucket_{len(self.started)}"
        handle = bind(BUCKET_START, grads, {"op": self.op, "prescale": self.prescale, "wire": wire.str,
                                            "name": name, "layout": layout})
        self.started.append(([i for i, _ in self.open], handle, layout, name))
        self.open, self.open_bytes = [], 0

    def finish(self, grads: list) -> list:
        """The reduced gradients (None stays None): what the sweep did not announce is added now."""
        for i, g in enumerate(grads):
            if g is not None and i not in self.added:
                self.add(i, g)
        if self.open:
            self._start()
        for indices, handle, layout, name in self.started:
            reduced = bind(BUCKET_FINISH, (handle,), {"op": self.op, "postscale": self.postscale,
                                                      "name": name, "layout": layout})
            for i, r in zip(indices, reduced):
                self.results[i] = r
        for i, g in self.alone:
            self.results[i] = self._reduce_alone(g, f"{self.name}/{i}")
        return self.results

    def _reduce_alone(self, g: Any, name: str) -> Any:
        if type(g) is IndexedSlices:
            return collective_ops.reduce_slices(g, self.op, self.prescale, self.postscale, name)
        return collective_ops.allreduce(g, self.op, self.prescale, self.postscale, name)


class ReducingTape:
    """A recorded `GradientTape` whose `gradient` is reduced over the workers (BucketReducer's
    `options`), each bucket started while the backward sweep goes on. Used after the tape's block,
    or as the tape itself (its block enters the wrapped tape's)."""

    def __init__(self, tape: Any, **options: Any):
        self._tape, self._options = tape, options

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = "none") -> Any:
        flat = nest.flatten(sources)
        check_same_everywhere(flat, "the gradient")
        reducer = BucketReducer(len(flat), **self._options)
        self._tape._on_final_gradient = reducer.add
        try:
            grads = self._tape.gradient(target, flat, output_gradients, unconnected_gradients)
        finally:
            self._tape._on_final_gradient = None
        return nest.pack_sequence_as(sources, reducer.finish(list(grads)))

    def __enter__(self) -> ReducingTape:
        self._tape.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._tape.__exit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tape, name)
