"""`prefetch`: a background thread reads ahead, so producing the next elements overlaps the
consumer's work (a training step). NumPy releases the GIL in its kernels, so a pipeline of array
operations runs truly in parallel with a step.

The thread fills a bounded queue (`buffer_size` elements; AUTOTUNE: 2 batches); errors raised while
producing are handed to the consumer in order. The thread stops when the pass ends or the iterator
is garbage-collected.
"""

from __future__ import annotations

import queue
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from tapeflow.core import errors
from tapeflow.data.dataset import AUTOTUNE, Dataset, int_argument

_END = object()


class PrefetchDataset(Dataset):
    """`prefetch(buffer_size)`: the same elements, produced ahead by a thread."""

    _tf_name = "_PrefetchDataset"

    def __init__(self, dataset: Dataset, buffer_size: Any):
        size = int_argument(buffer_size)
        if size < 0 and size != AUTOTUNE:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be >= 0 or AUTOTUNE.")
        super().__init__(dataset.element_spec, (dataset,))
        self._size = 2 if size == AUTOTUNE else size

    def _elements(self) -> Iterator[list]:
        if self._size == 0:
            return self._inputs[0]._elements()
        return _ReadAhead(self._inputs[0]._elements(), self._size)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class _ReadAhead:
    """An iterator whose items a daemon thread produces into a bounded queue."""

    def __init__(self, source: Iterator[list], size: int):
        self._queue: queue.Queue = queue.Queue(size)
        self._stop = threading.Event()
        thread = threading.Thread(target=_produce, args=(source, self._queue, self._stop), daemon=True)
        thread.start()
        weakref.finalize(self, self._stop.set)

    def __iter__(self) -> _ReadAhead:
        return self

    def __next__(self) -> list:
        item = self._queue.get()
        if item is _END:
            self._queue.put(_END)  # (a later next() ends too)
            raise StopIteration
        if isinstance(item, BaseException):
            self._queue.put(_END)
            raise item
        return item


def _produce(source: Iterator[list], out: queue.Queue, stop: threading.Event) -> None:
    try:
        for item in source:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        item = _END
    except Exception as e:  # handed to the consumer, raised where it reads
        item = e
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
