"""Wall time of ``python -c "import <module>"`` in a fresh interpreter: what a user waits before line one.

Each step starts a subprocess with the running interpreter and the same module path, so the figure
includes interpreter start-up (shown alone in the ``python`` row). The warm-up run fills the OS file cache
and Python's bytecode caches (written even where ``PYTHONDONTWRITEBYTECODE`` is set, as a user's Python
would), so these are warm-start times. ``number`` is fixed at one import per repeat.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

from benchmarks.harness import REFERENCE, SUBJECT, Step, Workload

__all__ = ["WORKLOAD"]

MODULES = ("python", REFERENCE, SUBJECT, "tensorflow", "torch", "jax", "autograd")


def import_leg(module: str) -> Step:
    """A step that imports ``module`` in a new interpreter (``python`` = the interpreter alone)."""
    if module != "python" and importlib.util.find_spec(module) is None:
        raise ModuleNotFoundError(f"No module named {module!r}", name=module)
    command = [sys.executable, "-c", "pass" if module == "python" else f"import {module}"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([_tapeflow_root(), os.environ.get("PYTHONPATH", "")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)

    def step() -> None:
        subprocess.run(command, env=env, check=True, capture_output=True)

    return step


def _tapeflow_root() -> str:
    """The folder holding the tapeflow package this process uses, so the subprocess imports the same one."""
    spec = importlib.util.find_spec(SUBJECT)
    return str(Path(spec.origin).parent.parent) if spec and spec.origin else ""


WORKLOAD = Workload(
    name="import_time",
    title='wall time of python -c "import <module>" (subprocess, warm file and bytecode caches)',
    unit="ms",
    scale=1e3,
    number=1,
    legs={module: partial(import_leg, module) for module in MODULES},
)
