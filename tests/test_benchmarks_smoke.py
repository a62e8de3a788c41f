"""The benchmarks stay runnable: a quick pass runs every workload's tapeflow and NumPy legs."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_quick_benchmark_run_succeeds():
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    workloads = ("tutorial_loop", "optimizer_loop", "function_loop", "op_chain", "mlp", "mlp_adam",
                 "mlp_compiled", "hvp_compiled", "loop_gradient_compiled", "import_time", "checkpoint_save",
                 "checkpoint_restore", "random_draws",
                 "data_pipeline", "summary_scalar", "keras_fit")
    for workload in workloads:
        assert f"== {workload}" in run.stdout
    tapeflow_rows = [line for line in run.stdout.splitlines() if line.startswith("tapeflow")]
    # function_loop times tapeflow four times: the repeated call and the first call of a new tf.function,
    # each plain and with jit_compile; mlp_compiled plain and with jit_compile;
    # the checkpoint workloads time tapeflow with its NumPy CRC32C too; random_draws ten times, once per
    # distribution with and once without its Numba kernels; summary_scalar with and without logging; the jit
    # legs of function_loop and mlp_compiled; keras_fit once more, for the first epoch of a new model.
    extra = 3 + 4 + 1 + 3 + 1 + 5
    assert len(tapeflow_rows) == len(workloads) + extra and not any("error" in row for row in tapeflow_rows)
    assert any(row.startswith("tapeflow first call") for row in tapeflow_rows)
    # The NumPy reference and tapeflow compute the same values; a broken leg shows as "DIFFERS".
    assert "DIFFERS" not in run.stdout
