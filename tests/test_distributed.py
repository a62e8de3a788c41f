"""Data-parallel training over MPI: tf.distribute's strategies and tapeflow.horovod.

The multi-process tests launch real `mpiexec -n 2` and `-n 4` runs of tests/distributed_worker.py (every
worker checks its results against the single-process ones) and of tests/distributed_failure_worker.py;
they are skipped when the `[mpi]` extra (mpi4py and the mpich wheels) is not installed. Every launch
has a timeout, so a hang fails the test instead of the CI run.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.distribute import world

TESTS = Path(__file__).parent
SRC = TESTS.parent / "src"


def mpiexec() -> str:
    found = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if not world.available() or found is None:
        pytest.skip("the [mpi] extra is not installed: pip install 'tapeflow[mpi]' (mpi4py and the mpich "
                    "wheels, which provide mpiexec)")
    return found


def launch(n: int, script: str, *args: str, timeout: float = 180, env: dict | None = None
           ) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run([mpiexec(), "-n", str(n), sys.executable, str(TESTS / script),
                           *args], capture_output=True, text=True, timeout=timeout, env=environment,
                          stdin=subprocess.DEVNULL)  # (CI runs without standard input)


EXAMPLE = "../examples/distributed_training.py"


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_agree_with_one_process(workers):
    run = launch(workers, "distributed_worker.py")
    assert run.returncode == 0, run.stdout + run.stderr
    checks = re.findall(r"CHECK (.+?) ok", run.stdout)
    per_rank = len(checks) / workers
    assert per_rank == 34, run.stdout  # every check, on every rank
    assert "strategy training equals one process" in checks
    assert "Keras fit in strategy scope equals one process" in checks


def test_workers_with_different_variables_all_say_which():
    run = launch(2, "distributed_failure_worker.py", "mismatch", timeout=60)
    assert run.returncode != 0
    for rank in (0, 1):
        assert f"rank {rank} FailedPreconditionError: Workers disagree on the variables" in run.stdout
    assert "'w:0': shape [3, 2] float32 on rank 0, shape [3, 4] float32 on rank 1" in run.stdout
    assert "'extra:0' is on rank 1, not on rank 0" in run.stdout


def test_a_worker_that_stops_calling_collectives_ends_the_run_after_the_deadline():
    run = launch(2, "distributed_failure_worker.py", "stuck", timeout=60, env={"TAPEFLOW_MPI_TIMEOUT": "1"})
    assert run.returncode != 0
    assert ("rank 0 DeadlineExceededError: the check of the gradient's variables did not complete within 1 s "
            "on rank 0 of 2: another worker has died") in run.stdout


def test_a_worker_whose_program_fails_ends_the_run_at_once():
    start = time.perf_counter()
    run = launch(2, "distributed_failure_worker.py", "raises", timeout=60, env={"TAPEFLOW_MPI_TIMEOUT": "30"})
    assert run.returncode != 0 and time.perf_counter() - start < 30  # not by the others' deadline
    assert "RuntimeError: rank 1 failed" in run.stderr
    assert "DeadlineExceededError" not in run.stdout


def test_a_killed_worker_ends_the_run():
    run = launch(2, "distributed_failure_worker.py", "killed", timeout=60)
    assert run.returncode != 0
    assert "Killed (signal 9)" in run.stdout + run.stderr


def test_import_tapeflow_does_not_load_mpi():
    code = "import sys, tapeflow as tf; tf.distribute.get_strategy(); import tapeflow.horovod; " \
           "print('mpi4py' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(SRC)})
    assert result.stdout.strip() == "False", result.stderr


def test_horovod_before_init_says_so():
    import tapeflow.horovod as hvd

    if not hvd.is_initialized():
        with pytest.raises(ValueError, match=r"Horovod has not been initialized; use hvd.init\(\)."):
            hvd.rank()


def test_default_and_mirrored_strategy_on_one_process():
    default = tf.distribute.get_strategy()
    assert default.num_replicas_in_sync == 1 and not tf.distribute.has_strategy()
    assert tf.distribute.get_replica_context() is not None and not tf.distribute.in_cross_replica_context()
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        assert tf.distribute.get_strategy() is strategy and tf.distribute.in_cross_replica_context()
        assert tf.distribute.get_replica_context() is None
        doubled = strategy.run(lambda x: tf.distribute.get_replica_context().all_reduce("SUM", x * 2),
                               args=(tf.constant(3.0),))
    assert float(doubled) == 6.0
    assert float(strategy.reduce(tf.distribute.ReduceOp.MEAN, tf.constant([1.0, 2.0, 6.0]), axis=0)) == 3.0
    assert str(tf.distribute.ReduceOp.SUM) == "ReduceOp.SUM"
    context = tf.distribute.InputContext(2, 1, 2)
    assert str(context) == "tf.distribute.InputContext(input pipeline id 1, total: 2)"
    with pytest.raises(ValueError, match="size` 7 is not divisible by `num_replicas_in_sync` 2"):
        context.get_per_replica_batch_size(7)


def test_keras_fit_in_a_one_replica_scope_trains_as_without():
    x = np.random.default_rng(1).normal(size=(16, 3)).astype(np.float32)
    weights = []
    for scope in (tf.distribute.MirroredStrategy().scope(), tf.distribute.get_strategy().scope()):
        with scope:
            layer = tf.keras.layers.Dense(1, input_shape=(3,), kernel_initializer="ones")
            model = tf.keras.Sequential([layer])
            model.compile(tf.keras.optimizers.SGD(0.1), "mse")
        model.fit(x, x[:, :1], batch_size=8, epochs=1, shuffle=False, verbose=0)
        weights.append(model.get_weights()[0])
    tf.keras.backend.clear_session()  # (layer names count on: later tests expect `dense`)
    np.testing.assert_array_equal(weights[0], weights[1])


def test_the_sweep_announces_each_gradient_once_complete_last_layer_first():
    w1 = tf.Variable(np.ones((3, 4), np.float32))
    w2 = tf.Variable(np.ones((4, 1), np.float32))
    announced = []
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.tanh(tf.constant(np.ones((2, 3), np.float32)) @ w1) @ w2)
    tape._on_final_gradient = lambda i, g: announced.append((i, g.numpy()))
    grads = tape.gradient(loss, [w1, w2])
    assert [i for i, _ in announced] == [1, 0]
    for i, g in announced:
        np.testing.assert_array_equal(g, grads[i].numpy())


def test_distributed_training_example_prints_each_workers_throughput_and_the_shared_loss():
    run = launch(2, EXAMPLE)
    assert run.returncode == 0, run.stderr
    lines = re.findall(r"rank (\d)/2 epoch (\d): loss ([\d.]+), ([\d,]+) samples/s on this", run.stdout)
    assert sorted((rank, epoch) for rank, epoch, _, _ in lines) == [(r, e) for r in "01" for e in "123"]
    by_epoch = {epoch: {loss for _, e, loss, _ in lines if e == epoch} for epoch in "123"}
    assert all(len(losses) == 1 for losses in by_epoch.values())  # the same averaged loss on both workers
    losses = [float(by_epoch[e].pop()) for e in "123"]
    assert losses == sorted(losses, reverse=True)


def test_distributed_benchmark_runs():
    mpiexec()
    run = subprocess.run([sys.executable, str(TESTS.parent / "benchmarks" / "distributed_mlp.py"), "--quick",
                          "--workers", "2"], capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    row = next(line.split() for line in run.stdout.splitlines() if line.split()[:1] == ["2"])
    assert float(row[1].replace(",", "")) > 0 and row[-1].endswith("%") or row[-1] == "n/a"
