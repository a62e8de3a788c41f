"""`shuffle`: TensorFlow's buffer semantics — fill a buffer of `buffer_size` elements, then hand out
a uniformly chosen one and put the next input element in its place; at the end, drain the buffer
at random. With a seed the order is reproducible; `reshuffle_each_iteration` (the default) gives
each pass (each `iter`, each `repeat` round) a different order.

Which element goes out depends only on the random numbers and on positions, never on values, so the
buffer is simulated on positions: over a source with random access (tensor slices) the whole pass is
an order of indices, computed at once with NumPy and then gathered in blocks — the same elements, in
the same order, as the element-by-element buffer that other sources get.

The random numbers come from `random_bits`, the one function to replace by TensorFlow's own stream
(Philox, from the random-number package) to give TensorFlow's orders; until then the orders are
tapeflow's own, seeded the same way (op seed and global seed).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.data.dataset import Dataset, int_argument
from tapeflow.random import seeds

_CHUNK = 4096  # random numbers drawn at a time


class RandomBits:
    """A stream of random non-negative 63-bit numbers, read one at a time (`next`) or many at once
    (`take`, as an array); both read the same stream in order."""

    def __init__(self, generator: np.random.Generator):
        self._generator = generator
        self._pending: list[int] = []  # drawn, not yet read: self._pending[self._at:]
        self._at = 0

    def take(self, count: int) -> np.ndarray:
        ahead = np.array(self._pending[self._at:self._at + count], np.int64)
        self._at += len(ahead)
        return np.concatenate([ahead, self._generator.integers(0, 2**63, count - len(ahead), dtype=np.int64)])

    def __iter__(self) -> RandomBits:
        return self

    def __next__(self) -> int:
        if self._at == len(self._pending):
            self._pending, self._at = self._generator.integers(0, 2**63, _CHUNK, dtype=np.int64).tolist(), 0
        self._at += 1
        return self._pending[self._at - 1]


def random_bits(seed: int | None, global_seed: int | None, iteration: int) -> RandomBits:
    """The random numbers of one pass of a shuffle: reproducible when either seed is set (distinct per
    `iteration`), fresh entropy otherwise."""
    if seed is None and global_seed is None:
        return RandomBits(np.random.default_rng())
    words = [global_seed if global_seed is not None else seeds.DEFAULT_GRAPH_SEED, seed or 0, iteration]
    return RandomBits(np.random.Generator(np.random.PCG64([w % 2**64 for w in words])))


def _global_seed() -> int | None:
    return seeds.global_seed()


def shuffled_positions(n: int, buffer_size: int, bits: RandomBits) -> np.ndarray:
    """The input positions (0..n-1) in the order the buffer hands them out."""
    size = min(buffer_size, n)
    steady = n - size  # outputs while input remains: the buffer is full, each replaced by the next input
    picks = bits.take(steady) % max(size, 1)
    if size < 2**15:  # (small ints sort by radix: a stable argsort several times faster)
        picks = picks.astype(np.int16)
    out = np.empty(n, np.int64)
    # Slot j holds position j until first picked; after the pick at step k it holds position size + k.
    # So output k is the position written by the previous pick of the same slot, or the slot itself:
    # sorted by slot (stably, so by step within a slot), each pick's predecessor is the one before it.
    order = np.argsort(picks, kind="stable")
    sorted_picks = picks[order].astype(np.int64)
    first = np.ones(steady, bool)
    first[1:] = sorted_picks[1:] != sorted_picks[:-1]
    previous = np.empty(steady, np.int64)
    previous[1:] = order[:-1]
    out[order] = np.where(first, sorted_picks, size + previous)
    buffer = np.arange(size, dtype=np.int64)
    if steady:  # the slots' contents after the steady phase: the last write of each picked slot
        last = np.ones(steady, bool)
        last[:-1] = first[1:]
        buffer[sorted_picks[last]] = size + order[last]
    remaining, drained = buffer.tolist(), []
    for r in bits.take(size).tolist():  # draining: the picked slot is filled with the last one
        j = r % len(remaining)
        drained.append(remaining[j])
        remaining[j] = remaining[-1]
        remaining.pop()
    out[steady:] = drained
    return out


class ShuffleDataset(Dataset):
    """`shuffle(buffer_size, seed, reshuffle_each_iteration)` (see the module doc)."""

    _tf_name = "_ShuffleDataset"

    def __init__(self, dataset: Dataset, buffer_size: Any, seed: int | None, reshuffle: bool | None):
        self._buffer = int_argument(buffer_size)
        if self._buffer == 0 or self._buffer < -1:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be greater than zero or "
                                              "UNKNOWN_CARDINALITY [Op:ShuffleDatasetV3]")
        super().__init__(dataset.element_spec, (dataset,))
        self._seed = None if seed is None else int(seed)
        self._global = _global_seed()
        self._reshuffle = reshuffle is not False
        self._passes = 0

    def _bits(self) -> RandomBits:
        iteration = self._passes if self._reshuffle else 0
        self._passes += 1
        return random_bits(self._seed, self._global, iteration)

    def _order(self) -> tuple | None:
        source = self._inputs[0]._random_access()
        if source is None:
            return None
        n, gather = source
        size = n if self._buffer == -1 else self._buffer
        return shuffled_positions(n, size, self._bits()), gather

    def _elements(self) -> Iterator[list]:
        ordered = self._order()
        if ordered is not None:
            positions, gather = ordered
            for start in range(0, len(positions), 1024):
                block = gather(positions[start:start + 1024])
                yield from ([c[i] for c in block] for i in range(len(block[0])))
            return
        yield from self._buffered()

    def _buffered(self) -> Iterator[list]:
        bits = self._bits()
        source = self._inputs[0]._elements()
        buffer = list(itertools.islice(source, self._buffer if self._buffer > 0 else None))
        for flat in source:
            j = next(bits) % len(buffer)
            yield buffer[j]
            buffer[j] = flat
        while buffer:
            j = next(bits) % len(buffer)
            yield buffer[j]
            buffer[j] = buffer[-1]
            buffer.pop()

    def _blocks(self, size: int) -> Iterator[list] | None:
        ordered = self._order()
        if ordered is None:
            return None
        positions, gather = ordered
        return (gather(positions[start:start + size]) for start in range(0, len(positions), size))

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()
