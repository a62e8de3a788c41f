"""`shuffle`: TensorFlow's buffer and TensorFlow's random numbers, so a seeded shuffle gives
TensorFlow's orders.

TensorFlow's iterator (shuffle_dataset_op.cc) keeps a ring buffer of `buffer_size` elements, filled
before each output. Seen as a list from the ring's start, each output draws one 32-bit word w of a
Philox4x32-10 stream (read word by word, as a SingleSampleAdapter does) and, with m elements in the
list, hands out the element at k = w % m, moves the first element into its place and drops the
first slot; the next input element is appended at the end. At the end of the input the list drains
the same way. One word per output element, no more.

The stream of a pass: the op's seed pair comes from `tf.random.set_seed` and `seed=` as for every
random op (`seeds.get_seed`; (0, 0) means fresh entropy). Without `reshuffle_each_iteration` each
pass uses it as is (Philox key = seed, counter = seed2 << 64). With it (the default), the dataset
owns a seed generator, a Philox stream of its own from that pair: pass e (each `iter`, each `repeat`
round) takes its words 2e and 2e + 1 as its (seed, seed2).

Which element goes out depends only on the words and on positions, never on values, so over a source
with random access (tensor slices) the whole pass is an order of indices computed at once with NumPy
(`shuffled_positions`), then gathered in blocks; other sources go through the same buffer, element
by element.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from tapeflow.core import errors
from tapeflow.core.state import current
from tapeflow.data.dataset import UNKNOWN, Dataset, int_argument
from tapeflow.random import philox, seeds

_CHUNK_BLOCKS = 1024  # Philox blocks (4 words each) drawn at a time by the element-by-element buffer


def _key_counter(seed: int, seed2: int) -> tuple[tuple[int, int], int]:
    """The Philox key and counter of TF's PhiloxRandom(seed, seed2)."""
    return (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF), (seed2 & philox.MASK64) << 64


class Words:
    """The 32-bit words of one pass's stream, read in order: many at once (`take`, an array) or one
    at a time (`next`)."""

    def __init__(self, seed: int, seed2: int):
        self._key, self._counter = _key_counter(seed, seed2)
        self._pending: list[int] = []
        self._at = 0

    def take(self, count: int) -> np.ndarray:
        ahead = np.array(self._pending[self._at:self._at + count], np.uint32)
        self._at += len(ahead)
        rest = count - len(ahead)
        if not rest:
            return ahead
        blocks = -(-rest // 4)
        fresh = philox.words(self._key, self._counter, 4 * blocks)
        self._counter += blocks
        self._pending, self._at = fresh[rest:].tolist(), 0
        return np.concatenate([ahead, fresh[:rest]])

    def state(self) -> dict:
        """Where the stream stands, as plain data (for an iterator's checkpoint)."""
        return {"key": list(self._key), "counter": self._counter, "pending": list(self._pending),
                "at": self._at}

    @classmethod
    def from_state(cls, state: dict) -> Words:
        words = cls.__new__(cls)
        words._key, words._counter = tuple(state["key"]), int(state["counter"])
        words._pending, words._at = list(state["pending"]), int(state["at"])
        return words

    def __iter__(self) -> Words:
        return self

    def __next__(self) -> int:
        if self._at == len(self._pending):
            self._pending = philox.words(self._key, self._counter, 4 * _CHUNK_BLOCKS).tolist()
            self._counter += _CHUNK_BLOCKS
            self._at = 0
        self._at += 1
        return self._pending[self._at - 1]


class SeedGenerator:
    """The per-pass seeds of one shuffle dataset: TF's FixedSeedGenerator (the op's pair each pass)
    or, with `reshuffle`, its RandomSeedGenerator (words 2e and 2e + 1 of the pair's own stream)."""

    def __init__(self, seed_pair: tuple[int, int], reshuffle: bool):
        seed, seed2 = seed_pair
        if seed == 0 and seed2 == 0:  # neither seed set: fresh entropy, drawn once (TF's RandomSeeds)
            seed, seed2 = (int.from_bytes(os.urandom(8), "little") for _ in range(2))
        self._pair = seed, seed2
        self._stream = Words(seed, seed2) if reshuffle else None

    def state(self) -> dict:
        stream = self._stream.state() if self._stream is not None else None
        return {"pair": list(self._pair), "stream": stream}

    @classmethod
    def from_state(cls, state: dict) -> SeedGenerator:
        generator = cls.__new__(cls)
        generator._pair = tuple(state["pair"])
        generator._stream = Words.from_state(state["stream"]) if state["stream"] is not None else None
        return generator

    def next_pass(self) -> Words:
        if self._stream is None:
            return Words(*self._pair)
        seed, seed2 = self._stream.take(2).tolist()
        return Words(seed, seed2)


def shuffled_positions(n: int, buffer_size: int, words: np.ndarray) -> np.ndarray:
    """The input positions (0..n-1) in the order TF's buffer hands them out, given the pass's first
    n words (one per output).

    Label each buffered element with the step at which it will be first in the list if no pick
    intervenes: at step t the list's position p holds label t + p, an element enters (at step
    e - buffer_size, or at the start) with label e, its own position. Step t picks label
    a_t = t + w_t % m_t (m_t = min(buffer_size, n - t), the elements in the list) and hands out its
    holder; the first element (the holder of label t) then takes over label a_t. So the holder of
    label a at step t is F(s), the first element at step s, for s the last earlier step that picked
    a, or else element a; and F(t) is that holder of label t itself. F is a chain of earlier steps,
    resolved for all steps at once by pointer doubling."""
    if n == 0:
        return np.zeros(0, np.int64)
    steps = np.arange(n, dtype=np.int64)
    sizes = np.minimum(min(buffer_size, n), n - steps)
    labels = steps + words[:n].astype(np.int64) % sizes
    order = _stable_argsort(labels, n)  # by label, then by step
    sorted_labels = labels[order]
    same = sorted_labels[1:] == sorted_labels[:-1]
    previous = np.full(n, -1, np.int64)  # the last earlier step that picked the same label
    previous[order[1:][same]] = order[:-1][same]
    last_of = np.ones(n, bool)
    last_of[:-1] = ~same
    last = np.full(n, -1, np.int64)  # the last step that picked each label
    last[sorted_labels[last_of]] = order[last_of]
    before = np.where(last == steps, previous, last)  # the last step before t that picked label t
    first = np.where(before >= 0, before, steps)  # chains to the step whose first element is its own
    while True:
        jumped = first[first]
        if np.array_equal(jumped, first):
            break
        first = jumped
    return np.where(labels == steps, first, np.where(previous >= 0, first[previous], labels))


def _stable_argsort(values: np.ndarray, bound: int) -> np.ndarray:
    """np.argsort(values, kind="stable") of non-negative values below `bound`, by 16-bit radix
    passes (NumPy sorts 16-bit integers stably by radix: several times faster)."""
    if bound > 2**32:
        return np.argsort(values, kind="stable")
    order = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    if bound <= 2**16:
        return order
    return order[np.argsort((values[order] >> 16).astype(np.uint16), kind="stable")]


def buffered(source: Iterator, buffer_size: int, words: Iterator[int]) -> Iterator:
    """TF's buffer element by element over any iterator: a ring of slots from `start`."""
    ring = list(itertools.islice(source, buffer_size if buffer_size > 0 else None))
    size, start = len(ring), 0
    for element in source:
        j = (start + next(words) % size) % size
        yield ring[j]
        ring[j] = ring[start]
        ring[start] = element
        start = (start + 1) % size
    for remaining in range(size, 0, -1):
        j = (start + next(words) % remaining) % size
        yield ring[j]
        ring[j] = ring[start]
        start = (start + 1) % size


class ShuffleDataset(Dataset):
    """`shuffle(buffer_size, seed, reshuffle_each_iteration)` (see the module doc)."""

    _tf_name = "_ShuffleDataset"

    def __init__(self, dataset: Dataset, buffer_size: Any, seed: int | None, reshuffle: bool | None):
        self._buffer = int_argument(buffer_size)
        if self._buffer <= 0 and self._buffer != UNKNOWN:  # (UNKNOWN_CARDINALITY: the whole input)
            raise errors.InvalidArgumentError(None, None, "buffer_size must be greater than zero or "
                                              "UNKNOWN_CARDINALITY [Op:ShuffleDatasetV3]")
        super().__init__(dataset.element_spec, (dataset,))
        pair, reshuffle = seeds.get_seed(seed), reshuffle is not False
        self._seeds = SeedGenerator(pair, reshuffle)
        # Made while tracing, TF's dataset is made afresh, with a fresh seed generator, on each call:
        # here each pass restarts the generator (see docs/compatibility.md).
        self._fresh = (lambda: SeedGenerator(pair, reshuffle)) if current().graphs else None

    def _next_pass(self) -> Words:
        if self._fresh is not None:
            self._seeds = self._fresh()
        return self._seeds.next_pass()

    def _seed_state(self) -> dict:
        """The seed generator's state: what an iterator's checkpoint keeps to replay its passes."""
        return self._seeds.state()

    def _set_seed_state(self, state: dict) -> None:
        self._seeds = SeedGenerator.from_state(state)

    def _order(self) -> tuple | None:
        source = self._inputs[0]._random_access()
        if source is None:
            return None
        n, gather = source
        size = n if self._buffer == UNKNOWN else self._buffer
        return shuffled_positions(n, size, self._next_pass().take(n)), gather

    def _elements(self) -> Iterator[list]:
        # (not a generator function: the pass takes its seeds when the iterator is made, as TF's
        # iterator does when it is initialized, not at its first element)
        ordered = self._order()
        if ordered is not None:
            return self._gathered(*ordered)
        return self._buffered(self._next_pass())

    @staticmethod
    def _gathered(positions: np.ndarray, gather: Any) -> Iterator[list]:
        for start in range(0, len(positions), 1024):
            block = gather(positions[start:start + 1024])
            yield from ([c[i] for c in block] for i in range(len(block[0])))

    def _buffered(self, words: Words) -> Iterator[list]:
        yield from buffered(self._inputs[0]._elements(), self._buffer, words)

    def _blocks(self, size: int) -> Iterator[list] | None:
        ordered = self._order()
        if ordered is None:
            return None
        positions, gather = ordered
        return (gather(positions[start:start + size]) for start in range(0, len(positions), size))

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()
