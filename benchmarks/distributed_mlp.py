"""Data-parallel training of the MLP 784-256-256-10 over MPI: samples/s for 1, 2 and 4 workers, the share
of a step spent in the allreduce, and how much of it the overlap with the backward sweep hides.

``python benchmarks/distributed_mlp.py [--quick] [--workers 1 2 4]`` launches ``mpiexec -n N`` of this
file in worker mode for each N (needs the ``[mpi]`` extra). Each worker trains on its own batch of 128
(``mlp``'s data; the global batch is 128 N) with Adam(1e-3), every step a ``tf.function``, in four
variants timed round-robin (repeat r of every variant before repeat r + 1 of any), each repeat a fixed
number of steps between two barriers, so a repeat lasts as long as its slowest worker:

* ``compute``: the local step alone, no communication (the floor);
* ``after sweep``: the gradients reduced in one bucket after the backward sweep (no overlap);
* ``overlap``: ``DistributedGradientTape`` with buckets of ``BUCKET_BYTES``, started during the sweep;
* ``allreduce``: the reduction of the six gradients alone (their 1.08 MB), no compute.

``allreduce share`` = (after sweep - compute) / after sweep; ``hidden`` = (after sweep - overlap) /
(after sweep - compute): the part of the communication the overlap hides. A second table times a
raw in-place MPI allreduce of several sizes at each N, for docs/distributed.md's cost model. Tables show
medians over the repeats and the interquartile spread. Each worker's BLAS runs one thread (so N workers
want N cores; several BLAS threads per process thrash on a loaded machine): with 4 workers on a 2-core
machine the workers oversubscribe the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BUCKET_BYTES = 256 * 1024  # the last two layers' gradients (264 kB) go while the first layer's is computed
SIZES_BYTES = (8, 64 * 1024, 1_077_288, 16 * 1024 * 1024)  # 1,077,288 B: the MLP's six gradients
VARIANTS = ("compute", "after sweep", "overlap", "allreduce")


def _quartiles(values: list[float]) -> tuple[float, float]:
    median = statistics.median(values)
    q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (median, median, median)
    return median, (q3 - q1) / median


def worker(repeat: int, steps: int) -> None:
    """One rank: time the variants; rank 0 prints them as JSON."""
    sys.path.insert(0, str(ROOT))
    import tapeflow as tf
    import tapeflow.horovod as hvd
    from benchmarks.mlp import data, tf_loss
    from tapeflow.distribute.reducer import BucketReducer
    from tapeflow.distribute.world import world

    hvd.init()
    comm = world().comm
    params, x, labels = data()
    x, labels = tf.constant(x), tf.constant(labels)
    variables = [tf.Variable(p) for p in params]
    optimizer = tf.keras.optimizers.Adam(1e-3)
    one_bucket = {"bucket_bytes": 1 << 40}

    @tf.function
    def compute():
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    @tf.function
    def after_sweep():
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        grads = BucketReducer(len(variables), **one_bucket).finish(tape.gradient(loss, variables))
        optimizer.apply_gradients(zip(grads, variables))

    @tf.function
    def overlap():
        with tf.GradientTape() as tape:
            loss = tf_loss(tf, variables, x, labels)
        grads = hvd.DistributedGradientTape(tape, bucket_bytes=BUCKET_BYTES).gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

    gradients = [tf.constant(p) for p in params]
    allreduce = tf.function(lambda: BucketReducer(len(gradients), **one_bucket).finish(gradients))
    steps_of = {"compute": compute, "after sweep": after_sweep, "overlap": overlap, "allreduce": allreduce}
    for step in steps_of.values():
        for _ in range(3):
            step()
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(repeat):
        for name in VARIANTS:
            step = steps_of[name]
            comm.Barrier()
            start = time.perf_counter()
            for _ in range(steps):
                step()
            comm.Barrier()
            times[name].append((time.perf_counter() - start) / steps)
    sizes = {}
    for size in SIZES_BYTES:
        buffer = np.ones(size // 4, np.float32)
        runs = []
        for _ in range(repeat * 3):
            comm.Barrier()
            start = time.perf_counter()
            comm.Allreduce(world().MPI.IN_PLACE, buffer)
            runs.append(time.perf_counter() - start)
        sizes[size] = runs
    if hvd.rank() == 0:
        print(json.dumps({"times": times, "sizes": sizes,
                          "gradient_bytes": int(sum(p.nbytes for p in params))}))


def launch(workers: int, repeat: int, steps: int) -> dict:
    mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
    if mpiexec is None:
        raise SystemExit("mpiexec not found: pip install 'tapeflow[mpi]'")
    threads = "1"
    env = dict(os.environ, OMP_NUM_THREADS=threads, OPENBLAS_NUM_THREADS=threads, MKL_NUM_THREADS=threads,
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([mpiexec, "-n", str(workers), sys.executable, __file__, "--worker", "--repeat",
                          str(repeat), "--steps", str(steps)], capture_output=True, text=True, env=env,
                         timeout=1800, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise SystemExit(f"mpiexec -n {workers} failed:\n{run.stdout}\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def report(results: dict[int, dict]) -> None:
    cores = os.cpu_count()
    print(f"== distributed_mlp: MLP 784-256-256-10, batch 128 per worker, Adam, tf.function steps; "
          f"{cores} CPUs (more workers than CPUs oversubscribe them)")
    header = ["workers", "samples/s", "vs 1 worker", *(f"{v} ms" for v in VARIANTS), "spread",
              "allreduce share", "hidden"]
    print("  ".join(f"{h:>14}" for h in header))
    base = None
    for workers, result in results.items():
        medians = {name: _quartiles(ts) for name, ts in result["times"].items()}
        overlap, spread = medians["overlap"]
        samples = 128 * workers / overlap
        base = base or samples
        after, compute = medians["after sweep"][0], medians["compute"][0]
        share = (after - compute) / after
        communicating = after - compute > 0.05 * after  # else "hidden" is the ratio of two noises
        hidden = f"{(after - overlap) / (after - compute):.0%}" if communicating else "n/a"
        row = [str(workers), f"{samples:,.0f}", f"{samples / base:.2f}x",
               *(f"{medians[v][0] * 1e3:.2f}" for v in VARIANTS), f"{spread:.0%}", f"{share:.0%}", hidden]
        print("  ".join(f"{c:>14}" for c in row))
    print("\n== allreduce of one in-place float32 buffer (MPI), median ms")
    print("  ".join(f"{h:>12}" for h in ["workers", *(f"{s:,} B" for s in SIZES_BYTES)]))
    for workers, result in results.items():
        cells = [f"{statistics.median(result['sizes'][str(s)]) * 1e3:.3f}" for s in SIZES_BYTES]
        print("  ".join(f"{c:>12}" for c in [str(workers), *cells]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--quick", action="store_true", help="few, short repeats: a smoke test only")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    repeat, steps = (2, 2) if args.quick else (args.repeat, args.steps)
    if args.worker:
        worker(repeat, steps)
        return
    report({n: launch(n, repeat, steps) for n in args.workers})


if __name__ == "__main__":
    main()
