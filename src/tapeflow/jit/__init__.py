"""`jit_compile=True`: a traced function's graph compiled to native code by Numba (the `[jit]` extra).

`jitted(graph, name)` gives the compiled function, or None where the function keeps its
Python code: Numba is not installed, or the graph holds an op with no lowering (the warning names it,
once). Numba itself loads only when a function asks for jit_compile, never at `import tapeflow`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from tapeflow.graph.ir import Graph
from tapeflow.jit.codegen import Unsupported, lower
from tapeflow.jit.compiler import compile_native, warn_once

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
    except Unsupported as e:
        warn_once((name, e.op.name), f"jit_compile=True: {name!r} runs as Python: op {e.op.name} "
                  f"stays in Python ({e.why})")
        return None
    native = compile_native(lowered, graph, name)
    return None if native is None else (native, lowered.source)
