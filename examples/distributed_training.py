"""Data-parallel training of an MLP over MPI, written as a Horovod script.

Launch it with `mpiexec -n 2 python examples/distributed_training.py` (the `[mpi]` extra puts
`mpiexec` in the environment's `bin`). Each worker reads its own shard of the data, computes the
gradients of its part of every global batch, and `DistributedGradientTape` averages them across the
workers while the backward sweep runs; all workers start from worker 0's weights and so stay
identical. Each worker prints its throughput and the loss averaged over the workers. With
`import horovod.tensorflow as hvd` and `import tensorflow as tf` the same script runs under Horovod.
"""

import time

import numpy as np

import tapeflow as tf
import tapeflow.horovod as hvd

BATCH_PER_WORKER = 64
EPOCHS = 3


def blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters in 16 dimensions, labelled by cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 2, size=(4, 16))
    labels = rng.integers(0, 4, size=n)
    return (centres[labels] + rng.normal(size=(n, 16))).astype("float32"), labels.astype("int64")


def main() -> None:
    hvd.init()
    x, y = blobs(4096)
    shard = tf.data.Dataset.from_tensor_slices((x, y)).shard(hvd.size(), hvd.rank()).batch(BATCH_PER_WORKER)
    model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu", input_shape=(16,)),
                                 tf.keras.layers.Dense(4)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.05 * hvd.size())  # the usual scaling with the global batch
    hvd.broadcast_variables(model.variables, root_rank=0)

    @tf.function
    def train_step(features, labels):
        with tf.GradientTape() as tape:
            loss = loss_fn(labels, model(features, training=True))
        tape = hvd.DistributedGradientTape(tape)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for epoch in range(1, EPOCHS + 1):
        start, samples, losses = time.perf_counter(), 0, []
        for features, labels in shard:
            losses.append(train_step(features, labels))
            samples += int(features.shape[0])
        seconds = time.perf_counter() - start
        mean_loss = float(hvd.allreduce(tf.reduce_mean(tf.stack(losses))))
        print(f"rank {hvd.rank()}/{hvd.size()} epoch {epoch}: loss {mean_loss:.4f}, "
              f"{samples / seconds:,.0f} samples/s on this worker", flush=True)


if __name__ == "__main__":
    main()
