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

__all__ = ["ThreadState", "current", "observe", "paused", "peek", "tapes_paused", "tracing", "unobserve"]


class ThreadState:
    """One thread's execution state (see the module doc)."""

    __slots__ = ("owner", "tapes", "graphs", "variable_creation", "eager_scope", "__weakref__")

    def __init__(self, owner: int | None) -> None:
        self.owner = owner  # the thread's identity
        # the tapes recording now, innermost last (GradientTape maintains it), after the observers
        self.tapes: list = list(_OBSERVERS)
        self.graphs: list = []  # the graphs being traced now, innermost last
        self.variable_creation: list = []  # a VariableCreation per trace of a tf.function, innermost last
        self.eager_scope: Any = None  # the eager name/device scope (made by core.scopes on first use)


# Held in a context variable rather than a `threading.local`: reading it costs a few nanoseconds where
# a thread-local attribute costs ~70 (`bind` reads it for every op). A new thread starts from an empty
# context, so it sees the idle default until it first needs a state of its own. A context copied into
# another thread (`asyncio.to_thread`) would carry the first thread's state along: `current` checks the
# owner, and `peek`'s readers act only on an idle state without asking `current`.
_OBSERVERS: list = []  # what sits on every thread's list of tapes (gradient explanations), if anything
_STATES: weakref.WeakSet = weakref.WeakSet()  # every thread's state, to give observers to
_IDLE = ThreadState(None)
_STATE: contextvars.ContextVar[ThreadState] = contextvars.ContextVar("tapeflow_thread_state", default=_IDLE)

peek = _STATE.get
"""The calling thread's state, or another's or the idle one: enough to see that nothing records or is
traced (the hot path's question); anything more asks `current()`."""


def current() -> ThreadState:
    """The calling thread's own state."""
    state = _STATE.get()
    if state.owner != _thread.get_ident():
        state = ThreadState(_thread.get_ident())
        _STATE.set(state)
        _STATES.add(state)
    return state


def observe(observer: Any) -> None:
    """Put `observer` on every thread's list of recording tapes, now and in threads yet to start: it is
    offered every op (`record`) and variable read (`variable_accessed`), and tracks nothing (`tracks`).
    The idle state gets it too, so that no thread's ops take the path that skips the tapes."""
    _OBSERVERS.append(observer)
    for state in [*_STATES, _IDLE]:
        state.tapes.insert(0, observer)


def unobserve(observer: Any) -> None:
    _OBSERVERS.remove(observer)
    for state in [*_STATES, _IDLE]:
        if observer in state.tapes:
            state.tapes.remove(observer)


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
    try:
        yield state
    finally:
        state.graphs.pop()


current()  # the importing thread's state, set now: reading a set context variable is the fastest path
