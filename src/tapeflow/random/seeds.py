"""TensorFlow's two-level seeds and the state of its stateful random kernels.

A stateful random op carries two seeds (seed, seed2) from which its kernel makes a Philox stream:
key = seed, counter = seed2 << 64. The seeds come from the global seed (`tf.random.set_seed`) and the
op's own `seed=`, as TensorFlow derives them:

* eagerly, an op without a seed takes the next `randint(0, 2**31 - 1)` of a `random.Random(global
  seed)`; traced, it takes k, the number of seedless random ops created before it in that graph;
* an op seed without a global seed pairs with 87654321; neither gives nondeterministic seeds.

Eagerly, kernels are cached by (op type, dtype, seeds), so repeated calls with the same seeds carry
on one stream; `set_seed` clears the cache. A traced op gets a kernel of its own when it is traced,
whose stream carries on from call to call of the compiled function.
"""

from __future__ import annotations

import os
import random
import weakref
from collections import OrderedDict
from typing import Any

from tapeflow.core.state import current
from tapeflow.random import philox

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
_RECENT = 256  # kernels of ops without an op seed kept eagerly


class Kernel:
    """One stateful kernel's stream: its key and the counter of the next draw."""

    __slots__ = ("key", "counter")

    def __init__(self, seed: int, seed2: int):
        if seed == 0 and seed2 == 0:  # TF's kernels seed themselves nondeterministically
            seed, seed2 = (int.from_bytes(os.urandom(8), "little") for _ in range(2))
        self.key = (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)
        self.counter = (seed2 & philox.MASK64) << 64

    def reserve(self, blocks: int) -> int:
        """The counter a draw of `blocks` blocks starts at; the stream moves past them."""
        start = self.counter
        self.counter = (start + blocks) & ((1 << 128) - 1)
        return start

    def take(self, n: int) -> tuple[tuple[int, int], int]:
        """The key and counter of a draw of n values, which reserves 256 blocks per value."""
        return self.key, self.reserve(n * philox.BLOCKS_PER_OUTPUT)

    def __repr__(self) -> str:
        return f"<Philox kernel key={self.key}>"


class _Seeds:
    def __init__(self) -> None:
        self.global_seed: int | None = None
        self.rng: random.Random | None = None
        self.kernels: dict[tuple, Kernel] = {}
        self.recent: OrderedDict[tuple, Kernel] = OrderedDict()  # kernels of ops without an op seed
        self.graph_counts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_SEEDS = _Seeds()


def set_seed(seed: Any) -> None:
    """`tf.random.set_seed`: fix (or, with None, clear) the global seed; restarts every stream."""
    if seed is not None:
        seed = int(getattr(seed, "_value", seed))
    _SEEDS.global_seed = seed
    _SEEDS.rng = None if seed is None else random.Random(seed)
    _SEEDS.kernels.clear()
    _SEEDS.recent.clear()


def global_seed() -> int | None:
    """The seed `tf.random.set_seed` set, if any."""
    return _SEEDS.global_seed


def _truncate(seed: int) -> int:
    return seed % _MAXINT32


def get_seed(op_seed: Any) -> tuple[int, int]:
    """The (seed, seed2) pair of a random op with seed `op_seed` (None: none), consuming an op seed
    when the op has none (TF's `random_seed.get_seed`); (0, 0) means nondeterministic."""
    global_seed = _SEEDS.global_seed
    if op_seed is not None:
        op_seed = int(getattr(op_seed, "_value", op_seed))
    if global_seed is None:
        if op_seed is None:
            return 0, 0
        seeds = DEFAULT_GRAPH_SEED, _truncate(op_seed)
    else:
        if op_seed is None:
            graphs = current().graphs
            graph = graphs[-1] if graphs else None
            if graph is None:
                op_seed = _SEEDS.rng.randint(0, _MAXINT32)
            else:
                op_seed = _SEEDS.graph_counts.get(graph, 0)
                _SEEDS.graph_counts[graph] = op_seed + 1
        seeds = _truncate(global_seed), _truncate(op_seed)
    return (0, _MAXINT32) if seeds == (0, 0) else seeds


def kernel(op_type: str, dtype: Any, seeds: tuple[int, int], op_seeded: bool) -> Kernel:
    """The kernel a random op of `op_type` and `dtype` with `seeds` draws from: eagerly the cached
    one (its stream carries on), while tracing a new one owned by the traced op.

    Ops without an op seed draw fresh seeds each call, so their kernels are almost never met again:
    they are kept in a small LRU cache rather than for ever (a training loop's dropout would
    otherwise keep one per step); `op_seeded` kernels (and (0, 0), TF's one nondeterministic
    kernel per op type) are kept for good."""
    if current().graphs:
        return Kernel(*seeds)
    key = (op_type, str(dtype), seeds)
    found = _SEEDS.kernels.get(key) or _SEEDS.recent.pop(key, None)
    if found is None:
        found = Kernel(*seeds)
    if op_seeded or seeds == (0, 0):
        _SEEDS.kernels[key] = found
    else:
        _SEEDS.recent[key] = found
        if len(_SEEDS.recent) > _RECENT:
            _SEEDS.recent.popitem(last=False)
    return found
