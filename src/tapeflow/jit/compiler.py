"""Compiling a lowered graph with Numba, and the call that binds its arguments and results.

The generated source is written to a file named by its hash in tapeflow's cache folder
(`$TAPEFLOW_JIT_CACHE`, else `$XDG_CACHE_HOME/tapeflow/jit`) and compiled with `cache=True`, so Numba
keeps the machine code beside it: a second process compiling the same function for the same
argument types loads it instead. Numba compiles on the first call (per argument types); if it
rejects the code then, the function keeps running as Python, with a warning.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tapeflow.core.symbolic import SymbolicTensor
from tapeflow.jit.codegen import FUNCTION, RESULT, Lowered

_warned: set = set()


def warn_once(key: Any, message: str) -> None:
    """A warning the first time `key` is met in this process (jit fallbacks repeat per trace)."""
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=4)


def cache_folder() -> Path:
    given = os.environ.get("TAPEFLOW_JIT_CACHE")
    if given:
        return Path(given)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tapeflow" / "jit"


def _dispatcher(source: str) -> Callable:
    """Numba's dispatcher for the generated function, from a file named by the source's hash."""
    import numba  # (the jit extra: loaded only when a function asks for jit_compile)

    folder = cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    path = folder / f"tapeflow_jit_{digest}.py"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(source)
        os.replace(partial, path)  # (atomic: processes compiling the same function at once agree)
    spec = importlib.util.spec_from_file_location(f"tapeflow_jit_{digest}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (Numba's disk cache finds the function's module by name)
    spec.loader.exec_module(module)
    return numba.njit(cache=True, nogil=True)(getattr(module, FUNCTION))


def _scalar(value: Any) -> Any:
    return value[()]  # a 0-d array or NumPy scalar as the NumPy scalar Numba takes


class JitFunction:
    """The compiled graph, called as the Python code is (input values in, result values out): it
    reads the variables' values, runs the native code, gives 0-d results their dtypes back (Numba
    returns Python numbers) and stores the written variables' values with their write ops' kernels."""

    def __init__(self, lowered: Lowered, graph: Any, fallback: Callable, name: str):
        self.source = lowered.source
        self._lowered = lowered
        self._native = _dispatcher(lowered.source)
        self._fallback = fallback
        self._name = name
        self._scalar_inputs = [x._value.shape == () for x in graph.inputs]
        self._scalar_variables = [tuple(v.shape) == () for v in lowered.variables]
        symbolic = [x for x in graph.outputs if type(x) is SymbolicTensor]
        self._result_types = [x._value.dtype.type if x._value.shape == () else None for x in symbolic]
        self._written_types = [np.dtype(v.dtype.as_numpy_dtype).type if tuple(v.shape) == () else None
                               for v, _ in lowered.written]
        self._call: Callable = self._first_call

    def __call__(self, *values: Any) -> tuple:
        return self._call(*values)

    def _first_call(self, *values: Any) -> tuple:
        from numba.core.errors import NumbaError  # (loaded with numba, by _dispatcher)

        try:
            result = self._run(*values)
        except NumbaError as e:
            warn_once(("numba", self._name), f"jit_compile: Numba could not compile {self._name!r}; it "
                      f"runs as Python: {str(e).splitlines()[0]}")
            self._call = self._fallback
            return self._fallback(*values)
        self._call = self._run
        return result

    def _run(self, *values: Any) -> tuple:
        lowered = self._lowered
        args = [_scalar(v) if s else v for v, s in zip(values, self._scalar_inputs)]
        args += lowered.constants
        args += [_scalar(v._value) if s else v._value
                 for v, s in zip(lowered.variables, self._scalar_variables)]
        returned = self._native(*args)
        n = len(self._result_types)
        for (variable, op), kind, value in zip(lowered.written, self._written_types, returned[n:]):
            op.kernel(value if kind is None else kind(value), variable=variable)
        results = iter(r if kind is None else kind(r) for kind, r in zip(self._result_types, returned))
        return tuple(next(results) if x is RESULT else (None if x is None else x._value)
                     for x in lowered.outputs)
