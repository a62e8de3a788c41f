"""One worker of tests/test_distributed.py, launched with `mpiexec -n N python distributed_worker.py`.

Every worker also computes the single-process result on the whole (global) batch and checks its own
distributed result against it; each check prints `CHECK <name> ok` (the test counts them) or raises.
"""

import sys

import numpy as np

import tapeflow as tf
import tapeflow.horovod as hvd
import tapeflow.horovod.keras as hvd_keras

hvd.init()
RANK, SIZE = hvd.rank(), hvd.size()
BATCH = 8 * SIZE  # the global batch; each worker gets 8 rows of it
rng = np.random.default_rng(0)
X = rng.normal(size=(2 * BATCH, 5)).astype(np.float32)  # two global batches
Y = rng.normal(size=(2 * BATCH, 1)).astype(np.float32)
W0 = [rng.normal(size=(5, 8)).astype(np.float32), np.zeros(8, np.float32),
      rng.normal(size=(8, 1)).astype(np.float32), np.zeros(1, np.float32)]


def mine(a: np.ndarray, step: int = 0) -> np.ndarray:
    """This worker's rows of global batch `step`."""
    batch = a[step * BATCH:(step + 1) * BATCH]
    return batch[RANK * 8:(RANK + 1) * 8]


def check(name: str, ok: bool, detail: object = "") -> None:
    if not ok:
        raise AssertionError(f"rank {RANK}: {name} failed {detail}")
    print(f"CHECK {name} ok", flush=True)


def close(a, b, tol: float = 1e-5) -> bool:
    return all(np.allclose(np.asarray(x), np.asarray(y), rtol=tol, atol=tol) for x, y in zip(a, b))


def same_on_all_ranks(values: list) -> bool:
    flat = np.concatenate([np.ravel(np.asarray(v)) for v in values])
    gathered = hvd.allgather(flat[None]).numpy()
    return bool((gathered == gathered[0]).all())


def loss_fn(variables: list, x, y):
    w1, b1, w2, b2 = variables
    return tf.reduce_mean((tf.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2)


# -- collectives, eagerly and compiled ---------------------------------------------------------------
total = sum(range(1, SIZE + 1))
check("allreduce sum", close([hvd.allreduce(tf.constant([1.0, 2.0]) * (RANK + 1), op=hvd.Sum)],
                             [[total, 2 * total]]))
check("allreduce average scaled", close([hvd.allreduce(tf.constant(float(RANK)), prescale_factor=2.0,
                                                       postscale_factor=3.0)], [6.0 * (SIZE - 1) / 2]))
check("allreduce min max", hvd.allreduce(tf.constant(RANK), op=hvd.Max).numpy() == SIZE - 1
      and hvd.allreduce(tf.constant(RANK), op=hvd.Min).numpy() == 0)
gathered = hvd.allgather(tf.fill([RANK + 1, 2], float(RANK))).numpy()
check("allgather uneven", gathered.shape == (SIZE * (SIZE + 1) // 2, 2) and gathered[-1, 0] == SIZE - 1)
check("broadcast", hvd.broadcast(tf.constant([float(RANK)]), root_rank=SIZE - 1).numpy()[0] == SIZE - 1)
reduced = hvd.allreduce(tf.IndexedSlices(tf.fill([1, 2], 2.0), tf.constant([RANK]), tf.constant([SIZE, 2])))
check("allreduce of IndexedSlices", reduced.indices.numpy().tolist() == list(range(SIZE))
      and close([tf.convert_to_tensor(reduced)], [np.full((SIZE, 2), 2.0 / SIZE)]))
compiled = tf.function(lambda x: hvd.allreduce(x, op=hvd.Sum) + hvd.broadcast(x, 0))
check("collectives in tf.function", close([compiled(tf.constant([float(RANK)]))], [[total - SIZE]]))
x = tf.constant([float(RANK + 1)])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = hvd.allreduce(x * x, op=hvd.Sum)
check("gradient of allreduce", close([tape.gradient(y, x)], [[2.0 * (RANK + 1) * SIZE]]))

# -- gradients: the single-process gradient of the whole batch -----------------------------------------
variables = [tf.Variable(w, name=f"v{i}") for i, w in enumerate(W0)]
with tf.GradientTape() as tape:
    loss = loss_fn(variables, X[:BATCH], Y[:BATCH])
reference = tape.gradient(loss, variables)
for bucket_bytes in (64, 1 << 20):  # four buckets, started during the sweep; one bucket
    with tf.GradientTape() as tape:
        loss = loss_fn(variables, mine(X), mine(Y))
    grads = hvd.DistributedGradientTape(tape, bucket_bytes=bucket_bytes).gradient(loss, variables)
    check(f"eager gradients, buckets of {bucket_bytes} bytes", close(grads, reference))


@tf.function
def distributed_gradients(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(variables, x, y)
    return hvd.DistributedGradientTape(tape, bucket_bytes=64).gradient(loss, variables)


check("compiled gradients", close(distributed_gradients(mine(X), mine(Y)), reference))
graph = str(distributed_gradients.get_concrete_function(mine(X), mine(Y)).graph)
check("buckets start during the compiled sweep", graph.index("GradientBucketStart") < graph.rindex("MatMul"),
      graph)


@tf.function(input_signature=[tf.TensorSpec([None, 5]), tf.TensorSpec([None, 1])])
def input_gradient(x, y):  # the gradient of an input whose batch size is unknown until the code runs
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = loss_fn(variables, x, y)
    return hvd.DistributedGradientTape(tape).gradient(loss, [x] + variables)


whole = tf.constant(X[:BATCH])
with tf.GradientTape() as tape:
    tape.watch(whole)
    loss = loss_fn(variables, whole, Y[:BATCH])
blocks = tape.gradient(loss, whole).numpy().reshape(SIZE, 8, 5)
grads = input_gradient(mine(X), mine(Y))
check("gradients of unknown shape in tf.function", close(grads[1:], reference)
      and close([grads[0]], [blocks.sum(axis=0)]))
with tf.GradientTape() as tape:
    loss = loss_fn(variables, mine(X), mine(Y))
grads = hvd.DistributedGradientTape(tape, compression=hvd.Compression.fp16).gradient(loss, variables)
check("fp16 compression", close(grads, reference, tol=3e-3))

table = tf.Variable(np.arange(12, dtype=np.float32).reshape(6, 2), name="table")
rows = [[0, 1], [1, 2], [2, 3], [4, 5]][RANK % 4]
with tf.GradientTape(persistent=True) as tape:
    sparse_loss = tf.reduce_sum(tf.gather(table, rows)) * (RANK + 1)
(sparse,) = hvd.DistributedGradientTape(tape).gradient(sparse_loss, [table])
(dense,) = hvd.DistributedGradientTape(tape, sparse_as_dense=True).gradient(sparse_loss, [table])
check("sparse gradients allgathered", isinstance(sparse, tf.IndexedSlices)
      and close([tf.convert_to_tensor(sparse)], [dense]) and sparse.values.shape[0] == 2 * SIZE)


# -- Horovod training: N steps, identical on every worker and equal to one process's --------------------
def train(step_fn, variables: list, steps: int = 3) -> list:
    for s in range(steps):
        step_fn(tf.constant(mine(X, s % 2)), tf.constant(mine(Y, s % 2)))
    return [v.numpy() for v in variables]


def reference_training(make_optimizer, steps: int = 3) -> list:
    variables = [tf.Variable(w) for w in W0]
    optimizer = make_optimizer()
    for s in range(steps):
        with tf.GradientTape() as tape:
            rows = slice(s % 2 * BATCH, (s % 2 + 1) * BATCH)
            loss = loss_fn(variables, X[rows], Y[rows])
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return [v.numpy() for v in variables]


expected = reference_training(lambda: tf.keras.optimizers.Adam(0.01))
hvd_variables = [tf.Variable(w + RANK, name=f"h{i}") for i, w in enumerate(W0)]  # differ until broadcast
hvd.broadcast_variables(hvd_variables, root_rank=0)
hvd_optimizer = tf.keras.optimizers.Adam(0.01)


@tf.function
def hvd_step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(hvd_variables, x, y)
    tape = hvd.DistributedGradientTape(tape, bucket_bytes=64)
    hvd_optimizer.apply_gradients(zip(tape.gradient(loss, hvd_variables), hvd_variables))


trained = train(hvd_step, hvd_variables)
check("Horovod training identical on all ranks", same_on_all_ranks(trained))
check("Horovod training equals one process", close(trained, expected))

optimizer = hvd.DistributedOptimizer(tf.keras.optimizers.Adam(0.01))
opt_variables = [tf.Variable(w) for w in W0]
trained = train(lambda x, y: optimizer.minimize(lambda: loss_fn(opt_variables, x, y), opt_variables),
                opt_variables)
check("DistributedOptimizer.minimize equals one process", close(trained, expected))

optimizer = hvd.DistributedOptimizer(tf.keras.optimizers.Adam(0.01))
opt_variables = [tf.Variable(w) for w in W0]


def apply_local_gradients(x, y):  # a plain tape: the optimizer averages in apply_gradients
    with tf.GradientTape() as tape:
        loss = loss_fn(opt_variables, x, y)
    optimizer.apply_gradients(zip(tape.gradient(loss, opt_variables), opt_variables))


check("DistributedOptimizer.apply_gradients equals one process",
      close(train(apply_local_gradients, opt_variables), expected))
halves = hvd.allreduce(tf.constant([0.1, 1000.0]) * (RANK + 1), compression=hvd.Compression.fp16)
mean_factor = (SIZE + 1) / 2
check("allreduce with fp16 compression",
      halves.dtype == tf.float32 and close([halves], [[0.1 * mean_factor, 1000.0 * mean_factor]], 1e-3))

# -- tf.distribute: variables made in scope start equal; run/reduce; the same trajectory ---------------
strategy = tf.distribute.MultiWorkerMirroredStrategy()
check("strategy replicas", strategy.num_replicas_in_sync == SIZE and tf.distribute.get_strategy()
      .num_replicas_in_sync == 1)
with strategy.scope():
    strategy_variables = [tf.Variable(w + RANK) for w in W0]  # rank 0's values everywhere
    strategy_optimizer = tf.keras.optimizers.Adam(0.01)
check("scope broadcasts new variables", close([v.numpy() for v in strategy_variables], W0))


@tf.function
def strategy_step(x, y):
    def replica_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(strategy_variables, x, y)
        grads = tape.gradient(loss, strategy_variables)
        strategy_optimizer.apply_gradients(zip(grads, strategy_variables))  # averaged here, as in TF
        return loss

    losses = strategy.run(replica_step, args=(x, y))
    return strategy.reduce(tf.distribute.ReduceOp.MEAN, losses, axis=None)


trained = train(strategy_step, strategy_variables)
check("strategy training equals one process", close(trained, expected))
mean = strategy.reduce("MEAN", tf.fill([RANK + 1], float(RANK)), axis=0)
elements = SIZE * (SIZE + 1) / 2
check("strategy reduce over an axis", close([mean], [sum(r * (r + 1) for r in range(SIZE)) / elements]))

def replica_fn():
    context = tf.distribute.get_replica_context()
    return context.replica_id_in_sync_group, context.all_reduce("SUM", tf.constant(1.0))


replica_id, replicas = strategy.run(replica_fn)
check("replica context", int(replica_id) == RANK and float(replicas) == SIZE)
gathered = strategy.gather(tf.fill([2, 3], float(RANK)), axis=1).numpy()
check("strategy gather", gathered.shape == (2, 3 * SIZE)
      and gathered[1].tolist() == [float(r) for r in range(SIZE) for _ in range(3)])
dataset = tf.data.Dataset.from_tensor_slices(np.arange(2 * BATCH)).batch(BATCH)
shards = [b.numpy().tolist() for b in strategy.experimental_distribute_dataset(dataset)]
check("experimental_distribute_dataset",
      shards == [list(range(s * BATCH + RANK * 8, s * BATCH + RANK * 8 + 8)) for s in range(2)])
per_worker = strategy.distribute_datasets_from_function(
    lambda ctx: tf.data.Dataset.range(4 * SIZE).shard(ctx.num_input_pipelines, ctx.input_pipeline_id).batch(
        ctx.get_per_replica_batch_size(2 * SIZE)))
check("distribute_datasets_from_function", [b.numpy().tolist() for b in per_worker]
      == [[RANK, RANK + SIZE], [RANK + 2 * SIZE, RANK + 3 * SIZE]])


# -- Keras fit: Horovod's optimizer and callbacks, and fit in a strategy's scope -------------------------
def model(weights_offset: float = 0.0):
    m = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="tanh", input_shape=(5,)),
                             tf.keras.layers.Dense(1)])
    m.set_weights([w + weights_offset for w in W0])
    return m


reference_model = model()
reference_model.compile(tf.keras.optimizers.SGD(0.1), "mse")
reference_history = reference_model.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
expected = reference_model.get_weights()

hvd_model = model(weights_offset=RANK)  # BroadcastGlobalVariablesCallback makes them rank 0's
hvd_model.compile(hvd_keras.DistributedOptimizer(tf.keras.optimizers.SGD(0.1)), "mse")
my_rows = np.concatenate([mine(X, 0), mine(X, 1)]), np.concatenate([mine(Y, 0), mine(Y, 1)])
hvd_model.fit(*my_rows, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[hvd_keras.callbacks.BroadcastGlobalVariablesCallback(0),
                         hvd_keras.callbacks.MetricAverageCallback()])
# (the broadcast comes after the first batch, whose step each worker took from its own weights)
check("Keras fit with DistributedOptimizer identical on all ranks",
      same_on_all_ranks(hvd_model.get_weights()))
hvd_model = model()
hvd_model.compile(hvd_keras.DistributedOptimizer(tf.keras.optimizers.SGD(0.1)), "mse")
hvd_history = hvd_model.fit(*my_rows, batch_size=8, epochs=2, shuffle=False, verbose=0,
                            callbacks=[hvd_keras.callbacks.MetricAverageCallback()])
check("Keras fit with DistributedOptimizer equals one process", close(hvd_model.get_weights(), expected))
check("MetricAverageCallback logs the global loss", close(hvd_history.history["loss"],
                                                          reference_history.history["loss"]))

with strategy.scope():
    strategy_model = model()
    strategy_model.compile(tf.keras.optimizers.SGD(0.1), "mse")
history = strategy_model.fit(X, Y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
check("Keras fit in strategy scope equals one process", close(strategy_model.get_weights(), expected))
check("Keras fit logs the global loss", close(history.history["loss"], reference_history.history["loss"]))

warmup = hvd_keras.callbacks.LearningRateWarmupCallback(initial_lr=0.1 * SIZE, warmup_epochs=2)
warm_model = model()
warm_model.compile(tf.keras.optimizers.SGD(0.1), "mse")
warm_history = warm_model.fit(*my_rows, batch_size=8, epochs=2, verbose=0, callbacks=[warmup])
check("LearningRateWarmupCallback", close(warm_history.history["lr"], [0.1 * SIZE * (1 / SIZE * (
    1 * (SIZE - 1) / 2 + 1)), 0.1 * SIZE]))
print(f"rank {RANK} done", file=sys.stderr)
