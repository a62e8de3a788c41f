"""Instructions per step of a workload's tapeflow leg, counted by valgrind (callgrind): a figure that
does not move with the load of a shared machine, unlike the timings of ``run.py``.

``python benchmarks/instructions.py op_chain tutorial_loop mlp_adam`` runs each workload's tapeflow
leg twice under ``valgrind --tool=callgrind``, once with its warm-up only and once with ``STEPS`` more
steps, and prints the difference per step (``Ir``: instructions executed, NumPy's kernels included).
With ``--run NAME N`` it is the program valgrind runs: warm-up (3 steps), then ``N`` steps.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = {"op_chain": 200, "tutorial_loop": 200, "optimizer_loop": 200, "mlp": 10, "mlp_adam": 10}
WARMUP = 3

if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))


def run(name: str, steps: int) -> None:
    """Warm up, then take `steps` steps of the workload's tapeflow leg."""
    step = importlib.import_module(f"benchmarks.{name}").WORKLOAD.legs["tapeflow"]()
    for _ in range(WARMUP + steps):
        step()


def instructions(name: str, steps: int) -> int:
    """Total Ir of a process running `run(name, steps)` under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                        __file__, "--run", name, str(steps)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "0"})  # (the same sets and dicts every run)
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
        per_step = (instructions(name, steps) - instructions(name, 0)) / steps
        print(f"{name}: {per_step:,.0f} instructions per step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
