"""`tf.GradientTape`: records the ops connected to watched values, then runs their rules backwards.

A tape tracks values by identity (`id`), and holds a reference to everything it tracks, so an id
cannot be reused while the tape lives. While a tape is in its `with` block it sits on its thread's
list of recording tapes (`core.state`), and `bind` offers it every op result of that thread
(`record`): the tape keeps an entry only when an input is tracked, and then tracks the outputs.
Variable reads tell it they happened (`variable_accessed`); control flow asks what it tracks
(`tracks`). `gradient` hands the entries to `backprop.backward`.

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

import numpy as np

from tapeflow.autodiff import backprop, explain
from tapeflow.core import nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.state import current, recording_started, recording_stopped
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.ops import shape_ops
from tapeflow.ops.array_ops import reshape, stack
from tapeflow.ops.gather_ops import gather, to_dense
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.variables import Variable, VariableArgument


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
        # told each source's gradient as soon as it is complete (`backprop.backward`'s `on_final`)
        self._on_final_gradient = None
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

    @property
    def recording(self) -> bool:
        """Whether the tape records now (in its block, not stopped, not spent)."""
        return self._recording

    def _push(self) -> None:
        recording_started(self)
        self._recording = True

    def _pop(self) -> None:
        recording_stopped(self)
        self._recording = False

    @contextlib.contextmanager
    def paused(self):
        """This tape does not record inside (if it was recording): forward mode runs its backward
        pass so."""
        recording = self._recording
        if recording:
            self._pop()
        try:
            yield
        finally:
            if recording:
                self._push()

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording operations on this tape."""
        if not self._recording:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Forget everything recorded and watched so far, inside the tape's context (recording goes
        on); outside it, TensorFlow's ValueError."""
        if not self._recording:
            raise ValueError("Tape is not recording.")
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

    def tracks(self, value: Any) -> bool:
        """Whether `value` is watched, or computed from a watched value, on this tape."""
        return id(value) in self._tracked

    def variable_accessed(self, variable: Any) -> None:
        """Called by every variable read while this tape records: watch it if TF would."""
        if self._watch_accessed_variables and variable.trainable and id(variable) not in self._tracked:
            self._track_source(variable)

    def record(self, op, inputs: tuple, params: dict, outputs: Any) -> None:
        """Called by `bind` for every op of this thread while the tape records: kept when an input is
        tracked."""
        tracked = self._tracked
        for x in inputs:
            if id(x) in tracked:
                break
        else:
            return
        self._entries.append((op, inputs, params, outputs))
        if type(outputs) is not tuple:
            tracked.add(id(outputs))
        else:
            tracked.update(map(id, outputs))

    def watched_variables(self) -> tuple:
        """The variables this tape watched, in the order they were created (as TensorFlow lists them);
        outside a trace, not a trace's stand-ins for variable arguments (read while a function was
        traced under this tape: the variables themselves are watched when it runs)."""
        stand_ins = () if current().graphs else VariableArgument
        return tuple(sorted((t for t in self._watched if isinstance(t, Variable) and not isinstance(
            t, stand_ins)), key=lambda v: v._uid))

    # -- the gradient ---------------------------------------------------------------------------

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE) -> Any:
        """The gradient of `target` (summed over its structure) with respect to each of `sources`,
        returned in the structure of `sources`."""
        seeds = None if output_gradients is None else nest.flatten(output_gradients)
        flat_targets = self._begin_pass(target, unconnected_gradients)
        try:
            flat_targets, seeds = _sparse_targets(flat_targets, seeds)
            flat_sources = _flat_sources(sources)
            records = (list(self._entries), set(self._tracked)) if explain.explanations_enabled() else None
            grads = backprop.backward(self._entries, flat_targets, flat_sources, seeds, self._tracked,
                                      consume=not self._persistent, on_final=self._on_final_gradient)
            if records is not None and _unconnected(unconnected_gradients) is UnconnectedGradients.NONE:
                explain.warn_missing(self, *records, flat_targets, flat_sources, grads)
            grads = _fill_unconnected(grads, flat_sources, unconnected_gradients)
        finally:
            self._end_pass()
        return nest.pack_sequence_as(sources, grads)

    def jacobian(self, target: Any, sources: Any,
                 unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
                 parallel_iterations: int | None = None, experimental_use_pfor: bool = True) -> Any:
        """For each source, d target / d source with shape `target.shape + source.shape`: one
        backward sweep per element of `target`."""
        (target,) = self._begin_pass([target], unconnected_gradients)
        try:
            target = to_dense(target) if type(target) is IndexedSlices else target
            flat_sources = _flat_sources(sources)
            _require_known("jacobian", [target, *flat_sources])
            rows = [self._seeded_backward(target, flat_sources, seed)
                    for seed in _one_hot_seeds(target._value.shape, target._value.dtype)]
            jacobians = [_stack_rows([row[i] for row in rows], target._value.shape, s._value.shape)
                         for i, s in enumerate(flat_sources)]
            self._explain_missing([target], flat_sources, jacobians, unconnected_gradients)
            jacobians = _fill_unconnected(jacobians, flat_sources, unconnected_gradients,
                                          lambda s: Tensor(np.zeros(target._value.shape + s._value.shape,
                                                                    s._value.dtype)))
        finally:
            self._end_pass()
        return nest.pack_sequence_as(sources, jacobians)

    def batch_jacobian(self, target: Any, source: Any,
                       unconnected_gradients: UnconnectedGradients | str = UnconnectedGradients.NONE,
                       parallel_iterations: int | None = None, experimental_use_pfor: bool = True) -> Any:
        """d target[i] / d source[i] for each example `i` of the first (batch) axis: shape
        `target.shape + source.shape[1:]`. Examples must not depend on each other."""
        (target,) = self._begin_pass([target], unconnected_gradients)
        try:
            target = to_dense(target) if type(target) is IndexedSlices else target
            _require_known("batch_jacobian", [target, source])
            t_shape, s_shape = target._value.shape, np.shape(source._value)
            if len(t_shape) < 2:
                raise ValueError(f"Shape {t_shape} must have rank at least 2")
            if len(s_shape) < 2:
                raise ValueError(f"Shape {s_shape} must have rank at least 2")
            if t_shape[0] != s_shape[0]:
                raise ValueError(f"Need first dimension of target shape ({t_shape}) and source shape "
                                 f"({s_shape}) to match.")
            example_seeds = _one_hot_seeds(t_shape[1:], target._value.dtype)
            rows = [self._seeded_backward(target, [source], np.broadcast_to(seed, t_shape))[0]
                    for seed in example_seeds]
            jacobian = _stack_rows(rows, t_shape[1:], s_shape[1:], batch=t_shape[0])
            self._explain_missing([target], [source], [jacobian], unconnected_gradients)
            (jacobian,) = _fill_unconnected([jacobian], [source], unconnected_gradients,
                                            lambda s: Tensor(np.zeros(t_shape + s_shape[1:], s._value.dtype)))
        finally:
            self._end_pass()
        return jacobian

    def _explain_missing(self, targets: list, sources: list, results: list, unconnected: Any) -> None:
        """With gradient explanations on, a warning for each None result saying why."""
        if explain.explanations_enabled() and _unconnected(unconnected) is UnconnectedGradients.NONE:
            explain.warn_missing(self, self._entries, self._tracked, targets, sources, results)

    def _seeded_backward(self, target: Any, sources: list, seed: np.ndarray) -> list:
        return backprop.backward(self._entries, [target], sources, [Tensor(seed)], self._tracked)

    def _begin_pass(self, target: Any, unconnected_gradients: Any) -> list:
        """Before gradient and the jacobians: checks the target, stops a non-persistent tape
        recording, and returns the flat targets. `_end_pass` follows, whatever happens."""
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of "
                               "gradients (or jacobians)")
        if target is None:
            raise TypeError("Argument `target` should be a list or nested structure of Tensors, Variables or "
                            "CompositeTensors to be differentiated, but received None.")
        _unconnected(unconnected_gradients)
        if self._recording and not self._persistent:
            self._pop()  # as in TensorFlow, a non-persistent tape stops recording for good
        if self._recording:
            warnings.warn("Calling GradientTape.gradient on a persistent tape inside its context is "
                          "significantly less efficient than calling it outside the context (it causes "
                          "the gradient ops to be recorded on the tape, leading to increased CPU and "
                          "memory usage). Only call GradientTape.gradient inside the context if you "
                          "actually want to trace the gradient in order to compute higher order "
                          "derivatives.", stacklevel=4)
        flat = nest.flatten(target)
        for t in flat:
            if not isinstance(t, TensorLike | IndexedSlices):
                raise TypeError(f"Target must be a tensor or variable, got {t!r} of type {type(t).__name__}.")
        return flat

    def _end_pass(self) -> None:
        """After gradient and the jacobians: a non-persistent tape is spent; its records are freed
        (the variables it watched are still reported, as TensorFlow does)."""
        if not self._persistent:
            self._used = True
            watched = [t for t in self._watched if type(t) is not Tensor]
            self._reset_records()
            self._watched = watched


def _unconnected(value: Any) -> UnconnectedGradients:
    if type(value) is UnconnectedGradients:
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def _sparse_targets(targets: list, seeds: list | None) -> tuple[list, list | None]:
    """A sparse target stands for its values, and its output gradient for the rows they fill:
    <seed, dense(slices)> = <gather(seed, indices), values>."""
    if not any(type(t) is IndexedSlices for t in targets):
        return targets, seeds
    seeds = None if seeds is None else [
        gather(convert_to_tensor(s), t.indices) if type(t) is IndexedSlices else s
        for t, s in zip(targets, seeds)]
    return [t.values if type(t) is IndexedSlices else t for t in targets], seeds


def _flat_sources(sources: Any) -> list:
    flat = nest.flatten(sources)
    for s in flat:
        if not isinstance(s, TensorLike):  # TensorFlow's classes: a number has no tensor id, a None no dtype
            error = TypeError if s is None or isinstance(s, str | bytes) else AttributeError
            raise error(f"Sources must be tensors or variables, got {s!r} of type {type(s).__name__}.")
    return flat


def _fill_unconnected(grads: list, sources: list, unconnected_gradients: Any, zeros=None) -> list:
    """None for unconnected sources, or zeros when asked for (`UnconnectedGradients.ZERO`)."""
    if _unconnected(unconnected_gradients) is UnconnectedGradients.NONE:
        return grads
    zeros = zeros or shape_ops.zeros_like
    return [zeros(s) if g is None else g for g, s in zip(grads, sources)]


def _require_known(method: str, tensors: list) -> None:
    for t in tensors:
        if not shape_ops.known(t):
            raise NotImplementedError(
                f"GradientTape.{method} needs every dimension known while tracing; {t} has unknown "
                f"dimensions. Give the input_signature's dimensions, or compute it eagerly.")


def _one_hot_seeds(shape: tuple, dtype: np.dtype) -> list:
    """One array per element of `shape`, 1 at that element and 0 elsewhere."""
    size = int(np.prod(shape, dtype=np.int64))
    return [np.eye(1, size, k, dtype=dtype).reshape(shape) for k in range(size)]


def _stack_rows(rows: list, row_shape: tuple, source_shape: tuple, batch: int | None = None):
    """Per-element gradients stacked into a Jacobian (zeros for unconnected rows); None if none is."""
    rows = [to_dense(r) if type(r) is IndexedSlices else r for r in rows]
    connected = [r for r in rows if r is not None]
    if not connected:
        return None
    zero = shape_ops.zeros_like(connected[0])
    rows = [zero if r is None else r for r in rows]
    if batch is None:
        return reshape(stack(rows), row_shape + source_shape)
    return reshape(stack(rows, axis=1), (batch,) + row_shape + source_shape)
