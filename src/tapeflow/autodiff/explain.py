"""Why is my gradient None? Explanations for every None a tape's gradient returns (a tapeflow extension).

`tf.debugging.enable_gradient_explanations()` turns them on. From then on an observer sits on every
thread's list of recording tapes (`core.state.observe`), so each op notes where in the user's code it
ran, and the tensors' ways out to NumPy (`.numpy()`, `np.asarray`, `float`) note where a value left.
When `GradientTape.gradient`, `jacobian` or `batch_jacobian` returns None for a source, the tape's
records are read backwards for the reason — the source was never watched, a tensor stands where a
variable was (`v = v + 1`), the target was computed off the tape, the path runs through an op without
a gradient or an integer value, the value left through NumPy, or the target never used it — and a
`MissingGradientWarning` says it, with the file and line where the path broke.

Off, nothing of this runs: the observer is not on the tapes' lists, so `bind` takes its usual path.
"""

from __future__ import annotations

import itertools
import os
import sys
import warnings
import weakref
from typing import Any

from tapeflow.core import state
from tapeflow.core.tensor import Tensor
from tapeflow.ops.variables import Variable

__all__ = ["MissingGradientWarning", "disable_gradient_explanations", "enable_gradient_explanations",
           "explanations_enabled"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tapeflow's own files
_GENERATED = "<tapeflow"  # the file names of compiled functions' generated source


class MissingGradientWarning(UserWarning):
    """A gradient came back None; the message says why, and where the path from the source broke."""


class _Notes:
    """What the observer learnt, by the id of the value it concerns (dropped with the value)."""

    def __init__(self) -> None:
        self._notes: dict[int, tuple] = {}

    def add(self, value: Any, note: Any) -> None:
        key = id(value)
        try:
            ref = weakref.ref(value, lambda _: self._notes.pop(key, None))
        except TypeError:  # (a value that cannot be referred to weakly: nothing to say of it later)
            return
        self._notes[key] = (ref, note)

    def get(self, value: Any) -> Any:
        entry = self._notes.get(id(value))
        return entry[1] if entry is not None and entry[0]() is value else None


class _Origin:
    """Where a value was made: by which op, at which line of the user's code, from a variable or not,
    while which tapes recorded (their ids), and when (a count of what the observer noted)."""

    __slots__ = ("op", "where", "from_variable", "tapes", "when")

    def __init__(self, op: str, where: str | None, from_variable: bool, tapes: tuple, when: int):
        self.op, self.where, self.from_variable, self.tapes, self.when = op, where, from_variable, tapes, when


class _Observer:
    """Sits on every thread's list of recording tapes while explanations are on: notes each op's
    results' origins. It tracks nothing, so it never changes what a tape records."""

    def __init__(self) -> None:
        self.origins = _Notes()
        self.exits = _Notes()  # values that left for NumPy -> (when, where)
        self.clock = itertools.count()

    def record(self, op: Any, inputs: tuple, params: dict, outputs: Any) -> None:
        from_variable = any(getattr(self.origins.get(x), "from_variable", False)
                            or op.effect is not None and op.effect.variables == "read" for x in inputs)
        tapes = tuple(id(t) for t in state.current().tapes if t is not self)
        origin = _Origin(op.name, user_line(), from_variable, tapes, next(self.clock))
        for out in outputs if type(outputs) is tuple else (outputs,):
            self.origins.add(out, origin)

    def variable_accessed(self, variable: Any) -> None:
        pass

    def tracks(self, value: Any) -> bool:
        return False


_OBSERVER: list = [None]
# the methods through which a value leaves for NumPy (`.numpy()`; `np.asarray`, `float`, `bool` ...)
_WAYS_OUT = [(kind, name) for kind in (Tensor, Variable) for name in ("numpy", "_numpy_value")]


def enable_gradient_explanations() -> None:
    """`tf.debugging.enable_gradient_explanations()` (tapeflow): every None gradient comes with a
    `MissingGradientWarning` that says why. Ops run slower while it is on (each notes its line)."""
    if _OBSERVER[0] is not None:
        return
    observer = _OBSERVER[0] = _Observer()
    state.observe(observer)
    for kind, name in _WAYS_OUT:
        setattr(kind, name, _noting_exit(kind.__dict__[name], observer))


def disable_gradient_explanations() -> None:
    """`tf.debugging.disable_gradient_explanations()`: back to silent Nones and the usual speed."""
    observer = _OBSERVER[0]
    if observer is None:
        return
    state.unobserve(observer)
    for kind, name in _WAYS_OUT:
        setattr(kind, name, kind.__dict__[name].__wrapped__)
    _OBSERVER[0] = None


def explanations_enabled() -> bool:
    return _OBSERVER[0] is not None


def _noting_exit(method: Any, observer: _Observer) -> Any:
    def noted(self: Tensor) -> Any:
        observer.exits.add(self, (next(observer.clock), user_line()))
        return method(self)

    noted.__wrapped__ = method
    noted.__name__, noted.__doc__ = method.__name__, method.__doc__
    return noted


def user_line() -> str | None:
    """`file:line` of the innermost frame of the user's code (not tapeflow's, not generated)."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith((_PACKAGE, _GENERATED)):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None


# ---- the reasons ---------------------------------------------------------------------------------

def warn_missing(tape: Any, entries: list, tracked: set, targets: list, sources: list, grads: list) -> None:
    """A `MissingGradientWarning` for each None in `grads` (one per source)."""
    observer = _OBSERVER[0]
    for i, (source, g) in enumerate(zip(sources, grads)):
        if g is None:
            why = reason(observer, tape, entries, tracked, targets, source)
            REASONS.add(source, why)
            message = f"The gradient for {_describe(observer, source, i)} is None: {why}."
            warnings.warn_explicit(message, MissingGradientWarning, *_user_frame())


REASONS = _Notes()  # source (a variable) -> the last reason its gradient was None, for the optimizers


def reasons_for(variables: list) -> str:
    """What the Keras optimizers add to their messages about missing gradients: the reason for each
    variable (explanations on), or how to learn them (off)."""
    if _OBSERVER[0] is None:
        return (" (tapeflow can say why each gradient is None: call "
                "tf.debugging.enable_gradient_explanations() before computing them)")
    known = [f"{v.name}: {why}" for v in variables if (why := REASONS.get(v)) is not None]
    return "".join(f"\n  {line}" for line in known)


def reason(observer: _Observer, tape: Any, entries: list, tracked: set, targets: list, source: Any) -> str:
    """Why the gradient of `targets` with respect to `source` is None, in a sentence."""
    if source.dtype.kind not in ("float", "complex"):
        return (f"it is {source.dtype.name}: only floating-point and complex values have gradients "
                f"(cast it to a float first)")
    target_ids = {id(t) for t in targets}
    origin = observer.origins.get(targets[0])
    if id(source) not in target_ids and origin is not None and id(tape) not in origin.tapes:
        return ("the target was computed while this tape was not recording (before its `with` block, "
                "after it, or under stop_recording)" + _at(origin))
    if id(source) not in tracked:
        return _unwatched(observer, tape, source)
    reached = _reached_from(entries, source)
    if target_ids & reached:
        return _broken_link(observer, entries, reached, target_ids)
    # the last time a value computed from the source left for NumPy before the target was made
    made = origin.when if origin is not None else float("inf")
    exits = sorted(left for t in [source, *_values(entries, reached)]
                   if (left := observer.exits.get(t)) is not None and left[0] < made)
    if exits:
        return (f"its value (or one computed from it) left the tape for NumPy (.numpy(), np.asarray or "
                f"float) at {exits[-1][1]}: tapes see tapeflow ops only, so what was computed from there is "
                f"not connected to it")
    return "the target does not depend on it (nothing computed from it was used to compute the target)"


def _unwatched(observer: _Observer, tape: Any, source: Any) -> str:
    if hasattr(source, "trainable"):  # a variable
        if not source.trainable:
            return ("it is not trainable (trainable=False), and tapes watch only trainable variables by "
                    "themselves: call tape.watch(variable)")
        if not tape._watch_accessed_variables:
            return ("the tape was made with watch_accessed_variables=False and never told to watch it: "
                    "call tape.watch(variable)")
        left = observer.exits.get(source)
        if left is not None:
            return (f"the tape never saw it read, but its value left for NumPy (.numpy(), np.asarray or "
                    f"float) at {left[1]}: what is computed from there is not connected to the variable")
        return "the tape never saw it read: the target does not depend on it"
    origin = observer.origins.get(source)
    if origin is not None and origin.from_variable:
        return (f"it is a tf.Tensor computed from a variable by {origin.op}{_at(origin)}, not a variable: "
                f"an assignment such as `v = v + 1` replaces the variable with a tensor that no tape "
                f"watches; update the variable in place (`v.assign_add(1.0)`), or watch the tensor")
    return ("it is a tf.Tensor the tape never watched: tapes watch trainable variables by themselves, "
            "tensors only when told (tape.watch(x))" + _at(origin, "it was made"))


def _broken_link(observer: _Observer, entries: list, reached: set, target_ids: set) -> str:
    """The path from the source to the target exists on the tape: the op on it that lets no gradient
    through (none, an integer result, an input without a rule)."""
    needed = set(target_ids & reached)
    path = []
    for entry in reversed(entries):
        op, inputs, _, outputs = entry
        if any(id(o) in needed for o in _outputs(outputs)):
            path.append(entry)
            needed.update(id(x) for x in inputs if id(x) in reached)
    for op, inputs, _, outputs in reversed(path):
        outs = _outputs(outputs)
        origin = observer.origins.get(outs[0])
        if not op.differentiable:
            return (f"the path from it to the target runs through {op.name}, which has no "
                    f"gradient{_at(origin)}")
        if all(o.dtype.kind not in ("float", "complex") for o in outs):
            return (f"the path from it to the target runs through {op.name}, whose result is "
                    f"{outs[0].dtype.name}{_at(origin)}: integer and bool values carry no gradient")
        if op.grads is not None and not op.variadic:
            used = [i for i, x in enumerate(inputs) if id(x) in reached]
            if all(op.grads[i] is None for i in used):
                return (f"the path from it to the target enters {op.name} as an input without a "
                        f"gradient (an index, a shape or a count){_at(origin)}")
    return "the path from it to the target carries no gradient"


def _reached_from(entries: list, source: Any) -> set:
    """The ids of every value computed from `source` on the tape, by any op, of any dtype."""
    reached = {id(source)}
    for _, inputs, _, outputs in entries:
        if any(id(x) in reached for x in inputs):
            reached.update(id(o) for o in _outputs(outputs))
    return reached


def _values(entries: list, reached: set) -> list:
    return [o for _, _, _, outputs in entries for o in _outputs(outputs) if id(o) in reached]


def _outputs(outputs: Any) -> tuple:
    return outputs if type(outputs) is tuple else (outputs,)


def _at(origin: Any, what: str = "") -> str:
    where = getattr(origin, "where", None)
    if where is None:
        return ""
    return f" ({what} at {where})" if what else f" (at {where})"


def _describe(observer: _Observer, source: Any, index: int) -> str:
    if hasattr(source, "trainable"):
        return f"variable {source.name!r}"
    origin = observer.origins.get(source)
    made = f", made by {origin.op} at {origin.where}" if origin is not None and origin.where else ""
    return f"source {index} (a tf.Tensor of {source.dtype.name}{list(source.shape)}{made})"


def _user_frame() -> tuple[str, int]:
    where = user_line() or "<unknown>:0"
    filename, _, line = where.rpartition(":")
    return filename, int(line)
