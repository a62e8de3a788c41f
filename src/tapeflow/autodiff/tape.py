"""`tf.GradientTape`: records the ops connected to watched values, then runs their rules backwards.

A tape tracks values by identity (`id`), and holds a reference to everything it tracks, so an id
cannot be reused while the tape lives. While a tape is in its `with` block it sits in
`op.ACTIVE_TAPES`, and `bind` offers it every op result: the tape keeps an entry only when an input
is tracked, and then tracks the outputs. `gradient` hands the entries to `backprop.backward`.

Nesting needs nothing special: a tape computing a gradient is taken off the active list (unless
it is persistent and still in its block, as in TensorFlow), while outer tapes stay on it and record
the rules' ops, which are ordinary ops. Each tape knows only its own tracked ids, so nested
derivatives cannot mix.
"""

from __future__ import annotations

import contextlib
import enum
import warnings
from typing import Any

from tapeflow.autodiff import backprop
from tapeflow.framework import nest
from tapeflow.framework.op import ACTIVE_TAPES
from tapeflow.framework.tensor import Tensor, TensorLike


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Record operations for automatic differentiation (TensorFlow's `tf.GradientTape`)."""

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._recording = False
        self._used = False
        self._reset_records()

    def _reset_records(self) -> None:
        self._tracked: set[int] = set()  # ids of watched values and of recorded op outputs
        self._watched: list = []  # watched tensors and variables, in order, kept alive
        self._entries: list = []  # (op, inputs, params, outputs), in execution order

    # -- the context ---------------------------------------------------------------------------

    def __enter__(self) -> GradientTape:
        if self._recording:
            raise ValueError("Tape is still recording, This can happen if you try to re-enter an "
                             "already-active tape.")
        self._push()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._recording:
            self._pop()

    def _push(self) -> None:
        ACTIVE_TAPES.append(self)
        self._recording = True

    def _pop(self) -> None:
        ACTIVE_TAPES.remove(self)
        self._recording = False

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording operations on this tape."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() can only be called while the tape is recording, "
                             "i.e. inside its `with` block.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Forget everything recorded and watched so far; recording goes on if it was on."""
        self._reset_records()
        self._used = False

    # -- what is recorded -----------------------------------------------------------------------

    def watch(self, tensor: Any) -> None:
        """Track `tensor` (a tensor, a variable, or a nested structure of them)."""
        for t in nest.flatten(tensor):
            if not isinstance(t, TensorLike):
                raise ValueError(f"Passed in object {t!r} of type {type(t).__name__!r}, not tf.Tensor or "
                                 f"tf.Variable or ExtensionType.")
            if not backprop.differentiable(t.dtype):
                warnings.warn(f"The dtype of the watched tensor must be floating (e.g. tf.float32), got "
                              f"{t.dtype!r}", stacklevel=2)
                continue
            self._track_source(t)

    def _track_source(self, t: Any) -> None:
        if id(t) not in self._tracked:
            self._tracked.add(id(t))
            self._watched.append(t)

    def _variable_accessed(self, variable: Any) -> None:
        """Called by every variable read while this tape records: watch it if TF would."""
        if self._watch_accessed_variables and variable.trainable and id(variable) not in self._tracked:
            self._track_source(variable)

    def _record(self, op, inputs: tuple, params: dict, outputs: Any) -> None:
        tracked = self._tracked
        for x in inputs:
            if id(x) in tracked:
                break
        else:
            return
        self._entries.append((op, inputs, params, outputs))
        if type(outputs) is Tensor:
            tracked.add(id(outputs))
        else:
            tracked.update(map(id, outputs))

    def watched_variables(self) -> tuple:
        """The variables this tape watched, in the order it first saw them."""
        return tuple(t for t in self._watched if not isinstance(t, Tensor))

    # -- the gradient ---------------------------------------------------------------------------

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE) -> Any:
        """The gradient of `target` (summed over its structure) with respect to each of `sources`,
        returned in the structure of `sources`."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of "
                               "gradients (or jacobians)")
        unconnected = UnconnectedGradients(unconnected_gradients)
        if self._recording and not self._persistent:
            self._pop()  # as in TensorFlow, a non-persistent tape stops recording for good
        if self._recording:
            warnings.warn("Calling GradientTape.gradient on a persistent tape inside its context is "
                          "significantly less efficient than calling it outside the context (it causes "
                          "the gradient ops to be recorded on the tape, leading to increased CPU and "
                          "memory usage). Only call GradientTape.gradient inside the context if you "
                          "actually want to trace the gradient in order to compute higher order "
                          "derivatives.", stacklevel=2)
        try:
            flat_sources = nest.flatten(sources)
            for s in flat_sources:
                if not isinstance(s, TensorLike):
                    raise TypeError(f"Sources must be tensors or variables, got {s!r} of type "
                                    f"{type(s).__name__}.")
            grads = backprop.backward(self._entries, nest.flatten(target), flat_sources,
                                      None if output_gradients is None else nest.flatten(output_gradients),
                                      self._tracked)
            if unconnected is UnconnectedGradients.ZERO:
                grads = [backprop.zeros_like_source(s) if g is None else g
                         for g, s in zip(grads, flat_sources)]
        finally:
            if not self._persistent:
                self._used = True
                self._reset_records()
        return nest.pack_sequence_as(sources, grads)
