"""Collective ops over the MPI world: allreduce, allgather, broadcast of one tensor.

Each is an op with the `collective` effect, so it runs eagerly or as an equation of a compiled function,
where it is never dropped, merged or reordered (every worker must call the same collectives in the
same order). Their kernels start a non-blocking MPI collective and wait for it with the world's
deadline (`world.World.wait`). Their gradients are collectives too (Horovod's rules): an allreduce's
is the allreduce of the gradient; an allgather's is this worker's rows of the summed gradient; a
broadcast's is the summed gradient on the root and zeros elsewhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.op import COLLECTIVE, Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.distribute.world import world
from tapeflow.ops.array_ops import concat, reshape
from tapeflow.ops.declare import tensor
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import cast
from tapeflow.ops.reduce_ops import reduce_sum
from tapeflow.ops.shape_ops import shape_of, zeros_like
from tapeflow.ops.slicing_ops import slice as slice_

AVERAGE, SUM, MIN, MAX, PRODUCT = "average", "sum", "min", "max", "product"
REDUCTIONS = (AVERAGE, SUM, MIN, MAX, PRODUCT)


def mpi_op(op: str) -> Any:
    """The MPI reduction behind `op` (an average is a sum, divided afterwards)."""
    MPI = world().MPI
    return {AVERAGE: MPI.SUM, SUM: MPI.SUM, MIN: MPI.MIN, MAX: MPI.MAX, PRODUCT: MPI.PROD}[op]


def scale_after(op: str, postscale: float) -> float:
    """What the reduced sum is multiplied by: 1/size for an average, times the postscale factor."""
    return postscale / world().size if op == AVERAGE else postscale


def _same(x: AbstractValue, **params) -> list:
    return [AbstractValue(x.shape, x.dtype)]


def _allreduce_kernel(x: Any, *, op: str, prescale: float, postscale: float, name: str) -> np.ndarray:
    w = world()
    buffer = np.array(x, copy=True, order="C")
    if prescale != 1:
        np.multiply(buffer, prescale, out=buffer, casting="unsafe")
    request = w.comm.Iallreduce(w.MPI.IN_PLACE, buffer, op=mpi_op(op))
    w.wait([request], f"allreduce {name!r}")
    scale = scale_after(op, postscale)
    if scale != 1:
        np.multiply(buffer, scale, out=buffer, casting="unsafe")
    return buffer


def _allreduce_grad(g, y, x, *, op: str, prescale: float, postscale: float, name: str):
    if op not in (AVERAGE, SUM):
        return None
    return allreduce(g, op, prescale, postscale, f"{name}_grad")


ALLREDUCE = Op("HorovodAllreduce", _allreduce_kernel, [_allreduce_grad], effect=COLLECTIVE, infer=_same)


def _allgather_kernel(x: Any, *, name: str) -> np.ndarray:
    w = world()
    x = np.ascontiguousarray(x)
    if x.ndim == 0:
        x = x.reshape(1)
    counts = np.empty(w.size, np.int64)
    w.wait([w.comm.Iallgather(np.array([x.shape[0]], np.int64), counts)], f"allgather {name!r} (lengths)")
    row = int(np.prod(x.shape[1:], dtype=np.int64))
    out = np.empty((int(counts.sum()),) + x.shape[1:], x.dtype)
    w.wait([w.comm.Iallgatherv(x, (out, counts * row))], f"allgather {name!r}")
    return out


def _allgather_grad(g, y, x, *, name: str):
    total = allreduce(g, SUM, 1.0, 1.0, f"{name}_grad")
    rows = reshape(shape_of(x, np.int64)[:1], [1])
    before = reduce_sum(slice_(allgather(rows, f"{name}_grad_rows"), [0], [world().rank]))
    begin = concat([reshape(before, [1]), tensor(np.zeros(max(len(x.shape) - 1, 0), np.int64))], 0)
    return slice_(total, begin, cast(shape_of(x, np.int64), np.int64))


ALLGATHER = Op("HorovodAllgather", _allgather_kernel, [_allgather_grad], effect=COLLECTIVE,
               infer=lambda x, **p: [AbstractValue((None,) + x.shape[1:], x.dtype)])


def _broadcast_kernel(x: Any, *, root: int, name: str) -> np.ndarray:
    w = world()
    buffer = np.array(x, copy=True, order="C")
    w.wait([w.comm.Ibcast(buffer, root=root)], f"broadcast {name!r} from rank {root}")
    return buffer


def _broadcast_grad(g, y, x, *, root: int, name: str):
    total = allreduce(g, SUM, 1.0, 1.0, f"{name}_grad")
    return total if world().rank == root else zeros_like(total)


BROADCAST = Op("HorovodBroadcast", _broadcast_kernel, [_broadcast_grad], effect=COLLECTIVE, infer=_same)


def allreduce(x: Any, op: str = AVERAGE, prescale: float = 1.0, postscale: float = 1.0,
              name: str = "allreduce") -> Any:
    """The elementwise reduction of `x` over all workers (each gets the result)."""
    if op not in REDUCTIONS:
        raise ValueError(f"Unknown reduction {op!r}; expected one of {REDUCTIONS}")
    return bind(ALLREDUCE, (tensor(x),), {"op": op, "prescale": float(prescale),
                                          "postscale": float(postscale), "name": name})


def allgather(x: Any, name: str = "allgather") -> Any:
    """Every worker's `x` concatenated along the first axis, in rank order (lengths may differ)."""
    return bind(ALLGATHER, (tensor(x),), {"name": name})


def reduce_slices(slices: IndexedSlices, op: str = AVERAGE, prescale: float = 1.0, postscale: float = 1.0,
                  name: str = "allreduce") -> IndexedSlices:
    """A sparse gradient of all workers: their rows and values allgathered (repeated rows add up when
    the slices are applied), the values scaled as `allreduce` would scale a sum."""
    values = allgather(slices.values, f"{name}/values")
    indices = allgather(slices.indices, f"{name}/indices")
    scale = prescale * scale_after(op, postscale)
    return IndexedSlices(values * scale if scale != 1 else values, indices, slices.dense_shape)


def broadcast(x: Any, root: int = 0, name: str = "broadcast") -> Any:
    """Worker `root`'s `x`, on every worker."""
    return bind(BROADCAST, (tensor(x),), {"root": int(root), "name": name})
