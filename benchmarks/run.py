"""Run the benchmark workloads and print one table each: ``python benchmarks/run.py [--quick] [names...]``.

Works from the project's environment (peers absent: their rows say "not installed") and from an
environment with TensorFlow, PyTorch, JAX or autograd installed, provided tapeflow is importable there
(for instance ``PYTHONPATH=src``); if it is not, the repository's ``src`` folder is used.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = (
    "tutorial_loop",
    "optimizer_loop",
    "function_loop",
    "op_chain",
    "mlp",
    "mlp_adam",
    "mlp_compiled",
    "hvp_compiled",
    "loop_gradient_compiled",
    "data_pipeline",
    "import_time",
    "checkpoint_save",
    "checkpoint_restore",
    "random_draws",
    "summary_scalar",
    "keras_fit",
)
FULL = {"repeat": 7, "target": 0.2}  # 7 repeats of >= 0.2 s each per leg
QUICK = {"repeat": 2, "target": 0.005}  # a smoke run: do the legs work at all

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(ROOT))
if importlib.util.find_spec("tapeflow") is None:
    sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"workloads to run (default: all of {', '.join(WORKLOADS)})")
    parser.add_argument("--quick", action="store_true", help="few, short repeats: a smoke test only")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(WORKLOADS))
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    harness = importlib.import_module("benchmarks.harness")
    settings = QUICK if args.quick else FULL
    tapeflow = importlib.util.find_spec("tapeflow")
    print(f"python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs")
    print(f"numpy {np.__version__}, tapeflow from {Path(tapeflow.origin).parent if tapeflow else 'nowhere'}")
    print(harness.LEGEND)
    start = time.perf_counter()
    for name in args.names or WORKLOADS:
        workload = importlib.import_module(f"benchmarks.{name}").WORKLOAD
        harness.print_table(workload, harness.measure(workload, **settings))
    print(
        f"\n({'quick smoke run, numbers are not measurements; ' if args.quick else ''}"
        f"total {time.perf_counter() - start:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
