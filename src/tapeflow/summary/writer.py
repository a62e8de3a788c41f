"""Summary writers and the per-thread summary state: the default writer, the default step, and the
`record_if` condition.

A file writer owns one event file, named as TensorFlow names it
(`events.out.tfevents.<seconds>.<host>.<pid>.<n><suffix>`), whose first record is written at once. Later
records wait in a queue: it is written out when it holds more than `max_queue` records, when
`flush_millis` have passed since the last write, on `flush()`/`close()`, when the writer is dropped,
and when the program exits.
Records are framed as TFRecords (length, data, masked CRC-32Cs), which is what an event file is.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from tapeflow.core import errors
from tapeflow.data.tfrecord import frame
from tapeflow.summary.events import version_event

_NUMBERS = itertools.count()  # the writer's number in its file name, per process as TensorFlow counts
_OPEN: weakref.WeakSet = weakref.WeakSet()  # file writers to flush at exit


class _State(threading.local):
    """This thread's default writer, default step and record_if conditions (innermost last)."""

    def __init__(self) -> None:
        self.writer: SummaryWriter | None = None
        self.step: Any = None
        self.conditions: list = []


STATE = _State()


class SummaryWriter:
    """`tf.summary.SummaryWriter`: where summaries go, made the default with `as_default`."""

    def as_default(self, step: Any = None) -> contextlib.AbstractContextManager:
        """This writer as the thread's default inside a `with` block (and `step` as its default step,
        if given); the previous ones come back after it."""
        return _as_default(self, step)

    def set_as_default(self, step: Any = None) -> None:
        """This writer as the thread's default from now on (and `step` as the default step, if given)."""
        STATE.writer = self
        if step is not None:
            STATE.step = step

    def init(self) -> None:
        """Nothing to do: a writer is ready once made (TensorFlow's writers too, in eager mode)."""

    def flush(self) -> None:
        """Write out the queued summaries."""

    def close(self) -> None:
        """Flush, and write nothing more."""

    def add(self, record: bytes) -> None:
        """Queue one serialized `Event`."""


@contextlib.contextmanager
def _as_default(writer: SummaryWriter, step: Any) -> Iterator[SummaryWriter]:
    old_writer, old_step = STATE.writer, STATE.step
    STATE.writer = writer
    if step is not None:
        STATE.step = step
    try:
        yield writer
    finally:
        writer.flush()  # as TensorFlow does on leaving the block
        STATE.writer, STATE.step = old_writer, old_step


class FileWriter(SummaryWriter):
    """A writer of one event file under `logdir`."""

    def __init__(self, logdir: str, max_queue: int, flush_millis: int, filename_suffix: str):
        logdir = os.fspath(logdir)
        os.makedirs(logdir, exist_ok=True)
        now = time.time()
        name = (f"events.out.tfevents.{int(now):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{next(_NUMBERS)}{filename_suffix}")
        self.path = os.path.join(logdir, name)
        self._max_queue, self._flush_seconds = max_queue, flush_millis / 1000
        self._lock = threading.Lock()
        self._queue: list[bytes] = []
        self._file: Any = open(self.path, "wb")  # noqa: SIM115 - held open until close()
        self._file.write(frame(version_event(now)))
        self._file.flush()
        self._last_flush = now
        _OPEN.add(self)

    def add(self, record: bytes) -> None:
        with self._lock:
            if self._file is None:
                raise errors.FailedPreconditionError(None, None, f"The writer of {self.path} is closed")
            self._queue.append(frame(record))
            if len(self._queue) > self._max_queue or time.time() - self._last_flush >= self._flush_seconds:
                self._write_queue()

    def _write_queue(self) -> None:
        if self._queue:
            self._file.write(b"".join(self._queue))
            self._queue.clear()
        self._file.flush()
        self._last_flush = time.time()

    def flush(self) -> None:
        with self._lock:
            if self._file is not None:
                self._write_queue()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._write_queue()
                self._file.close()
                self._file = None


    def __del__(self) -> None:  # a writer dropped without close() still writes what it queued
        if getattr(self, "_file", None) is not None:
            self.close()


class NoopWriter(SummaryWriter):
    """`tf.summary.create_noop_writer()`: a writer that writes nothing; made the default, it leaves
    the thread's default as it was, so summaries stay off where no writer was set."""

    def as_default(self, step: Any = None) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext(self)

    def set_as_default(self, step: Any = None) -> None:
        pass


def create_file_writer(logdir: Any, max_queue: int | None = None, flush_millis: int | None = None,
                       filename_suffix: str | None = None, name: str | None = None,
                       experimental_trackable: bool = False,
                       experimental_mesh: Any = None) -> SummaryWriter:
    """`tf.summary.create_file_writer`: a writer of a new event file in `logdir` (made if missing)."""
    if logdir is None:
        raise ValueError("Argument `logdir` cannot be None")
    return FileWriter(logdir, 10 if max_queue is None else int(max_queue),
                      120_000 if flush_millis is None else int(flush_millis),
                      ".v2" if filename_suffix is None else filename_suffix)


def create_noop_writer() -> SummaryWriter:
    return NoopWriter()


def flush(writer: SummaryWriter | None = None, name: str | None = None) -> None:
    """`tf.summary.flush`: flush `writer`, or the default writer."""
    writer = writer if writer is not None else STATE.writer
    if writer is not None:
        writer.flush()


@contextlib.contextmanager
def record_if(condition: Any) -> Iterator[None]:
    """`tf.summary.record_if`: record summaries inside the block only where `condition` holds (a bool,
    a bool tensor, or a callable returning one, called where each summary is made); it replaces the
    condition of an enclosing block until the block ends, as in TensorFlow."""
    STATE.conditions.append(condition)
    try:
        yield
    finally:
        STATE.conditions.pop()


def set_step(step: Any) -> None:
    """`tf.summary.experimental.set_step`: this thread's default step (a number, tensor or variable)."""
    STATE.step = step


def get_step() -> Any:
    """`tf.summary.experimental.get_step`: this thread's default step, or None."""
    return STATE.step


@atexit.register
def _flush_all() -> None:
    for writer in list(_OPEN):
        writer.flush()
