"""What TensorFlow keeps per thread: the tapes recording, the graphs being traced, the
variable-creation scopes of `tf.function` traces and the eager name and device scopes.

Variables, functions and their traces are shared by all threads; a tape records only the ops of the
thread that opened it, and a function traced in one thread does not see another thread's tapes. Every
reader asks `current()` for its thread's `ThreadState`; the few places that must step outside what is
recording or tracing (`init_scope`, a `py_function`'s eager call, a trial trace of a loop body, a
control-flow branch) use the context managers here instead of saving and restoring lists by hand.
"""

from __future__ import annotations

import _thread  # (the C module: `threading` itself is not loaded by `import tapeflow`)
import contextlib
import contextvars
import weakref
from collections.abc import Iterator
from typing import Any

__all__ = ["ACTIVE", "ThreadState", "current", "held", "observe", "paused", "recording_started",
           "recording_stopped", "tapes_paused", "tracing", "unobserve"]


class ThreadState:
    """One thread's execution state (see the module doc)."""

    __slots__ = ("owner", "tapes", "graphs", "variable_creation", "eager_scope", "__weakref__")

    def __init__(self, owner: int) -> None:
        self.owner = owner  # the thread's identity
        # the tapes recording now, innermost last (GradientTape maintains it), after the observers
        self.tapes: list = list(_OBSERVERS)
        self.graphs: list = []  # the graphs being traced now, innermost last
        self.variable_creation: list = []  # a VariableCreation per trace of a tf.function, innermost last
        self.eager_scope: Any = None  # the eager name/device scope (made by core.scopes on first use)


# What records, is traced or observes now, in all threads: the recording tapes, the graphs being
# traced, the observers. While it is empty (a program running eagerly with no tape) `bind` need not even
# look up its thread's state; otherwise it asks `current()`. It errs on the side of looking (a tape
# hidden by `paused()` is still in it). Appending and removing are single operations of a list, which
# threads cannot interleave.
ACTIVE: list = []


# Held in a context variable rather than a `threading.local` (whose attribute costs ~70 ns to read). A new
# thread starts from an empty context and makes its state on first use. A context copied into another
# thread (`asyncio.to_thread`) would carry the first thread's state along: `current` checks the owner.
_OBSERVERS: list = []  # what sits on every thread's list of tapes (gradient explanations), if anything
_STATES: weakref.WeakSet = weakref.WeakSet()  # every thread's state, to give observers to
_STATE: contextvars.ContextVar[ThreadState | None] = contextvars.ContextVar("tapeflow_thread_state",
                                                                            default=None)


held = _STATE.get
"""The state the context holds, to be checked against `_thread.get_ident()` (`current()` inlined in the
hot paths); None in a thread that has not needed one yet."""


def current() -> ThreadState:
    """The calling thread's state."""
    state = _STATE.get()
    if state is None or state.owner != _thread.get_ident():
        state = ThreadState(_thread.get_ident())
        _STATE.set(state)
        _STATES.add(state)
    return state


def recording_started(tape: Any) -> None:
    """`tape` records this thread's ops from now on (innermost)."""
    current().tapes.append(tape)
    ACTIVE.append(tape)


def recording_stopped(tape: Any) -> None:
    tapes = current().tapes
    if tape in tapes:  # (not while paused by a context below)
        tapes.remove(tape)
    ACTIVE.remove(tape)


def observe(observer: Any) -> None:
    """Put `observer` on every thread's list of recording tapes, now and in threads yet to start: it is
    offered every op (`record`) and variable read (`variable_accessed`), and tracks nothing (`tracks`)."""
    _OBSERVERS.append(observer)
    for state in list(_STATES):
        state.tapes.insert(0, observer)
    ACTIVE.append(observer)


def unobserve(observer: Any) -> None:
    _OBSERVERS.remove(observer)
    for state in list(_STATES):
        if observer in state.tapes:
            state.tapes.remove(observer)
    ACTIVE.remove(observer)


@contextlib.contextmanager
def paused() -> Iterator[ThreadState]:
    """No tape records and no graph is traced inside: code runs eagerly and unrecorded (state made
    once, a `py_function` running its Python)."""
    state = current()
    tapes, graphs = state.tapes, state.graphs
    state.tapes, state.graphs = [], []
    try:
        yield state
    finally:
        state.tapes, state.graphs = tapes, graphs


@contextlib.contextmanager
def tapes_paused(tapes: Any = None) -> Iterator[ThreadState]:
    """The tapes recording now (or those of them in `tapes`) do not record inside; tapes opened
    inside record as usual."""
    state = current()
    stopped = state.tapes if tapes is None else [t for t in state.tapes if t in tapes]
    state.tapes = [t for t in state.tapes if t not in stopped]
    try:
        yield state
    finally:
        state.tapes = [*stopped, *(t for t in state.tapes if t not in stopped)]


@contextlib.contextmanager
def tracing(graph: Any, tapes: bool = True) -> Iterator[ThreadState]:
    """Ops run inside are added to `graph` (an inner graph of the one being traced, or a function's
    own); with `tapes=False` the tapes recording now do not see them."""
    if not tapes:
        with tapes_paused(), tracing(graph) as state:
            yield state
        return
    state = current()
    state.graphs.append(graph)
    ACTIVE.append(graph)
    try:
        yield state
    finally:
        state.graphs.pop()
        ACTIVE.remove(graph)

