"""Checking that every worker reduces the same variables, in the same order, with the same shapes.

A reduction of mismatched tensors would mix unrelated numbers or wait forever. So before the first
reduction of a list of variables, the workers compare a hash of its (name, shape, dtype) list with one
small allgather; only if the hashes differ do they exchange the lists and raise, on every worker, a
FailedPreconditionError that names the variables that differ and the ranks.
"""

from __future__ import annotations

import zlib

import numpy as np

from tapeflow.core import errors
from tapeflow.distribute.world import world

_CHECKED: set = set()  # signatures every worker agreed on


def describe(values: list) -> tuple:
    """(name, shape, dtype) of each variable or tensor."""
    return tuple((getattr(v, "name", f"tensor {i}"), tuple(v.shape.as_list() if hasattr(v.shape, "as_list")
                                                          else v.shape), v.dtype.name)
                 for i, v in enumerate(values))


def check_same_everywhere(values: list, what: str) -> None:
    """Raise on every worker if `values` differ between workers (a no-op once a list has agreed)."""
    signature = describe(values)
    if signature in _CHECKED:
        return
    w = world()
    mine = np.array([zlib.crc32(repr(signature).encode())], np.int64)
    hashes = np.empty(w.size, np.int64)
    w.wait([w.comm.Iallgather(mine, hashes)], f"the check of {what}'s variables")
    if (hashes == hashes[0]).all():
        _CHECKED.add(signature)
        return
    every = w.comm.allgather(signature)  # (all workers answered the hashes: none is gone)
    raise errors.FailedPreconditionError(None, None, _differences(every, what))


def _differences(signatures: list, what: str) -> str:
    lines = [f"Workers disagree on the variables of {what} (a reduction of them would mix unrelated "
             f"values or hang):"]
    reference = signatures[0]
    for rank, other in enumerate(signatures[1:], start=1):
        if len(other) != len(reference):
            lines.append(f"  rank 0 has {len(reference)} variables, rank {rank} has {len(other)}")
        names0 = {n: (s, d) for n, s, d in reference}
        names = {n: (s, d) for n, s, d in other}
        for name in sorted(names0.keys() - names.keys()):
            lines.append(f"  {name!r} is on rank 0, not on rank {rank}")
        for name in sorted(names.keys() - names0.keys()):
            lines.append(f"  {name!r} is on rank {rank}, not on rank 0")
        for i, (a, b) in enumerate(zip(reference, other)):
            if a[0] != b[0] and a[0] in names and b[0] in names0:
                lines.append(f"  position {i}: {a[0]!r} on rank 0, {b[0]!r} on rank {rank} (order differs)")
            elif a[0] == b[0] and a[1:] != b[1:]:
                lines.append(f"  {a[0]!r}: shape {list(a[1])} {a[2]} on rank 0, shape {list(b[1])} {b[2]} "
                             f"on rank {rank}")
    return "\n".join(lines)
