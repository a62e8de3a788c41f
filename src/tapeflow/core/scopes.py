"""Where code runs: name scopes, device scopes, `init_scope` and `executing_eagerly`.

Each execution context (eager, and each `tf.function` graph while it is traced) has its own
current name scope and device scope; a traced function's graph starts with empty ones, as
TensorFlow's function graphs do (the graph of a loop body or a branch starts in the scope it is
traced in). Eagerly, `tf.name_scope('a')` just appends `a/` (entering the same name twice
gives the same scope). While tracing, names are made unique within the graph (`a`, `a_1`, ...,
case-insensitively) and must match TensorFlow's pattern for scope names. A name ending in `/` is
an absolute scope, and `''` returns to the top.

Variables take their name from the scope they are made in (`dense/w:0`).

tapeflow runs on the CPU. `tf.device` accepts every device string TensorFlow accepts and, with
soft placement on (the default), runs everything on the CPU as TensorFlow does on a CPU-only
machine, so tensors and variables report the CPU device. With soft placement off, asking for a
device this machine lacks fails when the scope is entered.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Iterator
from typing import Any

from tapeflow.core import errors
from tapeflow.core.state import current, paused

__all__ = ["control_dependencies", "device", "executing_eagerly", "get_current_name_scope", "group",
           "init_scope", "inside_function", "name_scope", "no_op"]

_ROOT_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$")
_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\\/>-]*$")
_DEVICE_TYPES = ("CPU", "GPU", "TPU", "CUSTOM", "EPU")
_LOCAL_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
SOFT_PLACEMENT = [True]  # tf.config.set_soft_device_placement


class _Context:
    """The current name scope and device of one execution context; a graph also keeps the names
    used in it, to make new ones unique."""

    __slots__ = ("scope", "device", "used")

    def __init__(self):
        self.scope = ""
        self.device: dict = {}
        self.used: dict | None = None


_GRAPHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _context() -> _Context:
    """The eager context, or that of the graph being traced; a loop body or branch graph starts in the
    scope its parent graph is in, with names of its own."""
    state = current()
    if not state.graphs:
        return _eager_context(state)
    return _graph_context(state.graphs[-1])


def _eager_context(state: Any) -> _Context:
    """This thread's eager scope (each thread starts at the top, as in TensorFlow)."""
    if state.eager_scope is None:
        state.eager_scope = _Context()
    return state.eager_scope


def _graph_context(graph: Any) -> _Context:
    context = _GRAPHS.get(graph)
    if context is None:
        context = _GRAPHS[graph] = _Context()
        context.used = {}
        if graph.parent is not None:
            context.scope = _graph_context(graph.parent).scope
    return context


def executing_eagerly() -> bool:
    """True unless a `tf.function` is being traced (then ops build a graph)."""
    return not current().graphs


def inside_function() -> bool:
    """`tf.inside_function`: True while a `tf.function` is being traced."""
    return bool(current().graphs)


def no_op(name: str | None = None) -> None:
    """Does nothing (TensorFlow's `NoOp`, used as a control dependency); returns None eagerly."""
    return None


def group(*inputs: Any, name: str | None = None) -> None:
    """`tf.group`: an op that waits for `inputs`. Everything runs in program order here (effects
    included, inside compiled functions too), so there is nothing to wait for: None, as eagerly."""
    return None


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """`tf.control_dependencies`: ops made inside run after `control_inputs`. Eagerly they already
    have; in a compiled function effects keep program order, and pure ops run when their inputs are
    ready, which is all that ordering means for them."""
    if control_inputs is not None and not isinstance(control_inputs, list | tuple):
        raise TypeError(f"control_inputs must be a list or tuple, got {type(control_inputs).__name__}")
    yield


# ---- name scopes -------------------------------------------------------------------------------

def _unique(used: dict, name: str) -> str:
    """`name`, or `name_1`, `name_2`, ... if taken: TensorFlow's graph names, compared ignoring case."""
    key = name.lower()
    count = used.get(key, 0)
    used[key] = count + 1
    if not count:
        return name
    while f"{key}_{count}" in used:
        count += 1
    used[f"{key}_{count}"] = 1
    return f"{name}_{count}"


def _validated(context: _Context, name: str) -> str:
    """Check a scope name in a graph; TensorFlow is stricter at the top than below it."""
    pattern, kind = (_ROOT_NAME, "root scope name") if not context.scope else (_SCOPE_NAME, "scope name")
    if not pattern.match(name):
        raise ValueError(f"'{name}' is not a valid {kind}. A {kind} has to match the following pattern: "
                         f"{pattern.pattern}")
    return name


def _scope_for(context: _Context, name: str) -> str:
    """The scope string `tf.name_scope(name)` enters in `context` (registering it in a graph)."""
    if not name or name[-1] == "/":
        return name
    if context.used is None:
        return f"{context.scope}{name}/"
    return _unique(context.used, context.scope + _validated(context, name)) + "/"


class name_scope:  # noqa: N801 - TensorFlow's name
    """`tf.name_scope(name)`: prefixes the names of variables made inside with `name/`; `as` gives the
    full scope string. The same object may be entered again (a module enters its scope per call)."""

    def __init__(self, name: str):
        if not isinstance(name, str):
            raise ValueError("name for name_scope must be a string.")
        self._name = name
        self._entered: list = []

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        context = _context()
        scope = _scope_for(context, self._name)
        self._entered.append((context, context.scope))
        context.scope = scope
        return scope

    def __exit__(self, *exc_info: Any) -> None:
        context, previous = self._entered.pop()
        context.scope = previous


def get_current_name_scope() -> str:
    """`tf.get_current_name_scope()`: the current scope without its final '/' ('' at the top)."""
    return _context().scope[:-1]


def variable_name(name: Any) -> str:
    """A new variable's name as TensorFlow forms it: `scope/name:0`, `Variable` when unnamed, `name:0`
    for `name/` (absolute) and `:0` for ''. In a graph the name is taken, as TensorFlow takes it."""
    if name is None:
        name = "Variable"
    name = str(name)
    if not name:
        return ":0"
    if name[-1] == "/":
        return f"{name[:-1]}:0"
    context = _context()
    if context.used is not None:
        _unique(context.used, context.scope + _validated(context, name))
    return f"{context.scope}{name}:0"


# ---- init_scope --------------------------------------------------------------------------------

@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """Step out of every function being traced into eager execution, with the tapes paused and the
    current name scope kept: where state (variables) is made once, whatever is being traced."""
    scope = _context().scope
    with paused() as state:
        eager = _eager_context(state)
        eager_scope, eager.scope = eager.scope, scope
        try:
            yield
        finally:
            eager.scope = eager_scope


# ---- devices -----------------------------------------------------------------------------------

def _parse_device(spec: str) -> dict:
    """The fields of a device string such as '/job:localhost/replica:0/task:0/device:GPU:1', 'GPU:0',
    'cpu' or '/device:CPU:*' (an index of None means any)."""
    fields: dict = {}
    for part in spec.split("/"):
        pieces = part.split(":")
        head = pieces[0]
        if len(pieces) == 2 and head in ("job", "replica", "task"):
            fields[head] = pieces[1] if head == "job" else int(pieces[1])
        elif len(pieces) <= 2 and head.upper() in _DEVICE_TYPES:
            fields["type"] = head.upper()
            fields["index"] = None if len(pieces) == 1 or pieces[1] == "*" else int(pieces[1])
        elif len(pieces) == 3 and head == "device":
            fields["type"] = pieces[1].upper()
            fields["index"] = None if pieces[2] == "*" else int(pieces[2])
        elif head:
            raise ValueError(f"Unknown attribute '{head}' is encountered while parsing the device spec: "
                             f"'{spec}'.")
    return fields


def _device_string(fields: dict) -> str:
    parts = [f"/job:{fields['job']}"] if "job" in fields else []
    parts += [f"/{key}:{fields[key]}" for key in ("replica", "task") if key in fields]
    if "type" in fields:
        index = fields["index"]
        parts.append(f"/device:{fields['type']}:{'*' if index is None else index}")
    return "".join(parts)


def _check_placement(fields: dict) -> None:
    """TensorFlow's errors for a device that does not exist here: an unknown job, replica or task
    always; another device type or index only with soft placement off."""
    job, replica, task = fields.get("job", "localhost"), fields.get("replica", 0), fields.get("task", 0)
    kind, index = fields.get("type", "CPU"), fields.get("index", 0)
    full = f"/job:{job}/replica:{replica}/task:{task}/device:{kind}:{0 if index is None else index}"
    if (job, replica, task) != ("localhost", 0, 0):
        raise errors.InvalidArgumentError(None, None, f"{full} unknown device.")
    if not SOFT_PLACEMENT[0] and (kind != "CPU" or index not in (None, 0)):
        raise errors.InvalidArgumentError(
            None, None, f"Could not satisfy device specification '{full}'. enable_soft_placement=0. "
                        f"Supported device types [CPU]. All available devices [{_LOCAL_CPU}].")


class _DeviceScope:
    """What `tf.device` returns: on entering, the requested device is merged into the current one."""

    def __init__(self, fields: dict | None):
        self._fields = fields
        self._entered: list = []

    def __enter__(self) -> None:
        context = _context()
        merged = {} if self._fields is None else {**context.device, **self._fields}
        _check_placement(merged)
        self._entered.append((context, context.device))
        context.device = merged

    def __exit__(self, *exc_info: Any) -> None:
        context, previous = self._entered.pop()
        context.device = previous


def device(device_name: str | None) -> _DeviceScope:
    """`tf.device(name)`: run the ops inside on a device. tapeflow runs them on the CPU (soft placement);
    the string is checked as TensorFlow checks it. None clears the enclosing device scope."""
    if callable(device_name):
        raise RuntimeError("tf.device does not support functions.")
    if device_name is not None and not isinstance(device_name, str):
        if not hasattr(device_name, "to_string"):  # a DeviceSpec has one
            raise ValueError(f"Expecting a string device name. Got {type(device_name)}({device_name})")
        device_name = device_name.to_string()
    return _DeviceScope(None if device_name is None else _parse_device(device_name))


def current_device() -> str:
    """The device requested by the enclosing `tf.device` scopes, as TensorFlow prints it ('' if none):
    what a tensor in a traced graph reports as its device."""
    return _device_string(_context().device)
