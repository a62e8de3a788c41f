"""Instructions per step of a workload's tapeflow leg, counted by valgrind (callgrind): a figure that
does not move with the load of a shared machine, unlike the timings of ``run.py``.

``python benchmarks/instructions.py op_chain tutorial_loop mlp_adam`` runs each workload's tapeflow
leg under ``valgrind --tool=callgrind``: a warm-up (3 steps), then ``STEPS`` steps, with instructions
counted only inside those steps (they run inside ``functools.reduce``, a C function nothing else calls
then, on which callgrind turns collection on and off), and prints ``Ir`` per step (instructions
executed, NumPy's kernels included). BLAS runs single-threaded (``OPENBLAS_NUM_THREADS=1``): idle
worker threads spinning would count. With ``--run NAME N`` it is the program valgrind runs.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = {"op_chain": 100, "tutorial_loop": 100, "optimizer_loop": 100, "mlp": 5, "mlp_adam": 5,
         "function_loop": 10, "mlp_compiled": 5}
WARMUP = 3

if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))


def run(name: str, steps: int) -> None:
    """Warm up, then take `steps` steps of the workload's tapeflow leg inside `functools.reduce`."""
    step = importlib.import_module(f"benchmarks.{name}").WORKLOAD.legs["tapeflow"]()
    for _ in range(WARMUP):
        step()
    functools.reduce(lambda _, __: step(), range(steps), None)


def instructions(name: str, steps: int) -> int:
    """Ir of `steps` steps of the workload, counted by callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--collect-atstart=no",
                    "--toggle-collect=functools_reduce"]
        subprocess.run([*valgrind, sys.executable, __file__, "--run", name, str(steps)], check=True,
                       capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"})
        return int(re.search(r"^summary: (\d+)", out.read_text(), re.M).group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(STEPS), help=f"workloads (of {', '.join(STEPS)})")
    parser.add_argument("--run", nargs=2, metavar=("NAME", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run[0], int(args.run[1]))
        return 0
    for name in args.names:
        steps = STEPS[name]
        per_step = instructions(name, steps) / steps
        print(f"{name}: {per_step:,.0f} instructions per step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
