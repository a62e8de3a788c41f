"""Compiling a lowered graph with Numba, and the call that binds its arguments and results.

The generated source is written to a file named by its hash in tapeflow's cache folder
(`$TAPEFLOW_JIT_CACHE`, else `$XDG_CACHE_HOME/tapeflow/jit`) and compiled with `cache=True`, so Numba
keeps the machine code beside it: a second process compiling the same function for the same
argument types loads it instead (and in one process, a function traced again to the same source
reuses the compiled code). Numba compiles when the function is traced; if it
rejects the code, the function keeps running as Python, with a warning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tapeflow.core import buffers
from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.graph.codegen import compile_graph
from tapeflow.graph.ir import Equation
from tapeflow.jit.codegen import FUNCTION, RESULT, Lowered

_warned: set = set()


def warn_once(key: Any, message: str) -> None:
    """A warning the first time `key` is met in this process (jit fallbacks repeat per trace)."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=4)


def cache_folder() -> Path:
    given = os.environ.get("TAPEFLOW_JIT_CACHE")
    if given:
        return Path(given)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tapeflow" / "jit"


_dispatchers: dict[str, Callable] = {}  # by the source's hash: a function traced again reuses its code


def _dispatcher(source: str) -> Callable:
    """Numba's dispatcher for the generated function, from a file named by the source's hash (in the
    cache folder, or a temporary one where that cannot be written)."""
    import numba  # (the jit extra: loaded only when a function asks for jit_compile)

    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    known = _dispatchers.get(digest)
    if known is not None:
        return known
    try:
        path = _written(cache_folder(), digest, source)
    except OSError:
        path = _written(Path(tempfile.gettempdir()) / f"tapeflow-jit-{os.getuid()}", digest, source)
    spec = importlib.util.spec_from_file_location(f"tapeflow_jit_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (Numba's disk cache finds the function's module by name)
    spec.loader.exec_module(module)
    dispatcher = _dispatchers[digest] = numba.njit(cache=True, nogil=True)(getattr(module, FUNCTION))
    return dispatcher


def _written(folder: Path, digest: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tapeflow_jit_{digest}.py"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(source)
        os.replace(partial, path)  # (atomic: processes compiling the same function at once agree)
    return path


def _numba_type(dtype: np.dtype, shape: tuple) -> Any:
    """The Numba type of a value as the binding passes it: a scalar if 0-d, else a C array."""
    import numba  # (loaded by _dispatcher already)

    scalar = numba.from_dtype(np.dtype(dtype))
    return scalar if len(shape) == 0 else numba.types.Array(scalar, len(shape), "C")


def compile_native(lowered: Lowered, graph: Any, name: str) -> Callable | None:
    """The lowered graph compiled (now, for the traced signature) and bound: a Python function of the
    input values, as the Python code is; None, with a warning, if Numba rejects the code."""
    from numba.core.errors import NumbaError  # (the jit extra, loaded only for jit_compile)

    native = _dispatcher(lowered.source)
    types = [_numba_type(x._value.dtype, x._value.shape) for x in graph.inputs]
    types += [_numba_type(a.dtype, a.shape) for a in lowered.constants]
    types += [_numba_type(v.dtype.as_numpy_dtype, tuple(v.shape)) for v in lowered.variables]
    types += [_numba_type(dtype, shape) for shape, dtype in lowered.buffers]
    try:
        native.compile(tuple(types))
    except NumbaError as e:
        warn_once(("numba", name), f"jit_compile=True: Numba could not compile {name!r}; it runs as "
                  f"Python: {str(e).splitlines()[0]}")
        return None
    return _binding(lowered, graph, native.overloads[tuple(types)].entry_point)


class _Rerun:
    """The graph's Python code, compiled when first needed: what a call runs instead when the native
    code raised (an index out of range), so that the error is the Python code's own, its class and
    text, after the same effects (the native code writes no variable until it returns)."""

    def __init__(self, graph: Any):
        self.graph, self.python = graph, None

    def __call__(self, *values: Any) -> Any:
        if self.python is None:
            self.python = compile_graph(self.graph)[0]
        return self.python(*values)


def _stored(op: Any, variable: Any, value: str, name: Callable) -> list[str]:
    """The lines that store `value` in `variable` as the write op's Python code does (the op's own
    `emit`: an assignment, not a kernel call), or a call of its kernel."""
    if op.emit is None:
        return [f"{name(op.kernel, 'write')}({value}, variable={name(variable, 'var')})"]
    return op.emit(Equation(op, (None,), {"variable": variable}, ()), lambda _: value, name)


def _binding(lowered: Lowered, graph: Any, entry: Callable) -> Callable:
    """The Python function around the native one, printed as source for speed (one call in, one
    out): it passes 0-d values as scalars and the variables' values in, gives 0-d results their
    dtypes back (Numba returns Python numbers), passes the fresh arrays the native code writes new
    variable values into (from the buffer pool: arrays no one holds), and stores the values written
    as the write ops' Python code does. It calls the compiled overload's `entry` point (skipping
    Numba's dispatch, ~0.15 us), which takes exactly the types compiled: a value of another rank (a
    tf.data function may be called on a block of elements), which the entry point would read as
    garbage, and a call where the native code raised run as the Python code instead (`_Rerun`)."""
    names: dict[str, Any] = {"entry": entry, "ndarray": np.ndarray,
                             "ascontiguousarray": np.ascontiguousarray, "rerun": _Rerun(graph)}

    def name(obj: Any, stem: str) -> str:
        key = f"{stem}{len(names)}"
        names[key] = obj
        return key

    inputs = [f"x{i}" for i in range(len(graph.inputs))]
    lines = [f"def call({', '.join(inputs)}):"]
    python = f"return rerun({', '.join(inputs)})"

    def scalar(text: str, shape: tuple) -> str:
        """A 0-d value as a NumPy scalar: most already are (indexing one costs ~0.6 us), some are
        0-d arrays. An array as a C-contiguous one, the layout compiled (a view, a transpose, is
        copied)."""
        local = f"z{len(lines)}"
        lines.append(f"    {local} = {text}")
        if len(shape):
            lines.append(f"    if not {local}.flags.c_contiguous: {local} = ascontiguousarray({local})")
            lines.append(f"    if {local}.ndim != {len(shape)}: {python}")
            return local
        lines.append(f"    if {local}.__class__ is ndarray:")
        lines.append(f"        {local} = {local}[()]")
        lines.append(f"        if {local}.__class__ is ndarray: {python}")
        return local

    args = [scalar(a, x._value.shape) for a, x in zip(inputs, graph.inputs)]
    args += [name(np.ascontiguousarray(a), "c") for a in lowered.constants]  # (a broadcast view: copied)
    args += [scalar(f"{name(v, 'var')}._value", tuple(v.shape)) for v in lowered.variables]
    args += [f"{name(buffers.empty, 'empty')}({shape!r}, {name(dtype, 'dtype')})"
             for shape, dtype in lowered.buffers]
    lines += ["    try:", f"        r = entry({', '.join(args)})", "    except Exception:",
              f"        {python}"]

    def typed(text: str, dtype: Any, shape: tuple) -> str:
        return f"{name(np.dtype(dtype).type, 'dtype')}({text})" if len(shape) == 0 else text

    symbolic = [x for x in graph.outputs if type(x) is SymbolicTensor]
    for i, (variable, op) in enumerate(lowered.written, start=len(symbolic)):
        value = typed(f"r[{i}]", variable.dtype.as_numpy_dtype, tuple(variable.shape))
        lines += [f"    {line}" for line in _stored(op, variable, value, name)]
    results, position = [], 0
    for x, kind in zip(graph.outputs, lowered.outputs):
        if kind is RESULT:
            results.append(typed(f"r[{position}]", x._value.dtype, x._value.shape))
            position += 1
        else:
            results.append("None" if kind is None else name(kind._value, "const"))
    lines.append(f"    return ({''.join(r + ', ' for r in results)})")
    namespace = dict(names)
    exec("\n".join(lines) + "\n", namespace)  # noqa: S102 - our own generated source
    return namespace["call"]
