"""`jit_compile=True`: a traced function's graph compiled to native code by Numba (the `[jit]` extra).

`jitted(graph, name)` gives the compiled function, or None where the function keeps its
Python code (Numba is not installed). A graph holding ops with no lowering is split at them: they
run in Python between native segments (the warning names them, once). Numba itself loads only when
a function asks for jit_compile, never at `import tapeflow`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from tapeflow.graph.ir import Graph
from tapeflow.jit.codegen import Unsupported, lower
from tapeflow.jit.compiler import compile_native, warn_once
from tapeflow.jit.split import split

__all__ = ["available", "jitted"]


def available() -> bool:
    """Whether Numba is installed (found without importing it)."""
    return importlib.util.find_spec("numba") is not None


def jitted(graph: Graph, name: str) -> tuple[Callable, str] | None:
    """`graph` compiled by Numba, called as its Python code is, and the source Numba compiled; None
    where it cannot be."""
    if not available():
        warn_once("numba", "jit_compile=True: Numba is not installed (pip install tapeflow[jit]); "
                  "compiled functions run as Python")
        return None
    try:
        lowered = lower(graph)
    except Unsupported:
        python, source, kept = split(graph)
        reasons = ", ".join(dict.fromkeys(f"{k.op.name} ({k.why})" for k in kept))
        warn_once((name, reasons), f"jit_compile=True: in {name!r}, these ops stay in Python: {reasons}; "
                  f"the ops between them run natively where that pays")
        return python, source
    native = compile_native(lowered, graph, name)
    return None if native is None else (native, lowered.source)
