"""A worker of tests/test_distributed.py that fails on purpose: `mismatch` (rank 1's variables differ:
every rank must say which), `killed` (rank 1 is killed before a reduction), `raises` (rank 1's program
fails) and `stuck` (rank 1 stops calling collectives): the others must not wait for ever."""

import os
import signal
import sys
import time

import numpy as np

import tapeflow as tf
import tapeflow.horovod as hvd

hvd.init()
mode = sys.argv[1]
shapes = {"w": (3, 2), "b": (2,)}
if mode == "mismatch" and hvd.rank() == 1:
    shapes = {"w": (3, 4), "b": (2,), "extra": (1,)}
variables = [tf.Variable(np.ones(s, np.float32), name=n) for n, s in shapes.items()]
with tf.GradientTape() as tape:
    loss = tf.add_n([tf.reduce_sum(v) for v in variables])
if mode == "killed" and hvd.rank() == 1:
    os.kill(os.getpid(), signal.SIGKILL)
if mode == "raises" and hvd.rank() == 1:
    raise RuntimeError("rank 1 failed")
if mode == "stuck" and hvd.rank() == 1:
    time.sleep(60)
try:
    hvd.DistributedGradientTape(tape).gradient(loss, variables)
except (tf.errors.FailedPreconditionError, tf.errors.DeadlineExceededError) as e:
    print(f"rank {hvd.rank()} {type(e).__name__}: {e}", flush=True)
    sys.exit(3)
