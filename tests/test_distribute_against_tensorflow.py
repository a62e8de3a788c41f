"""tf.distribute on one process, the same code run by tapeflow and by TensorFlow (skipped without it):
`PYTHONPATH=src TF_USE_LEGACY_KERAS=1 /tmp/tfenv/bin/python -m pytest <this file>`."""

import numpy as np
import pytest

import tapeflow

tensorflow = pytest.importorskip("tensorflow")


def _observed(tf) -> dict:
    strategy = tf.distribute.MirroredStrategy()
    seen = {"default replicas": tf.distribute.get_strategy().num_replicas_in_sync,
            "has strategy": tf.distribute.has_strategy(),
            "cross replica outside": tf.distribute.in_cross_replica_context(),
            "replicas": strategy.num_replicas_in_sync,
            "reduce op": (str(tf.distribute.ReduceOp.SUM), repr(tf.distribute.ReduceOp.MEAN)),
            "input context": str(tf.distribute.InputContext(3, 2, 3)),
            "per replica batch": tf.distribute.InputContext(2, 0, 2).get_per_replica_batch_size(8)}
    with strategy.scope():
        seen["in scope"] = (tf.distribute.has_strategy(), tf.distribute.in_cross_replica_context(),
                            tf.distribute.get_replica_context() is None,
                            tf.distribute.get_strategy() is strategy)
        variable = tf.Variable(2.0)

    def replica_fn(x):
        context = tf.distribute.get_replica_context()
        return context.all_reduce("SUM", x * variable), int(context.replica_id_in_sync_group)

    value, replica = strategy.run(replica_fn, args=(tf.constant([1.0, 3.0]),))
    seen["run"] = (value.numpy().tolist(), replica)
    x = tf.constant([[1.0, 2.0], [3.0, 5.0]])
    seen["reduce"] = [float(strategy.reduce(op, x, axis=axis).numpy().sum())
                      for op in ("SUM", "MEAN", tf.distribute.ReduceOp.MEAN) for axis in (None, 0, 1)]
    dataset = tf.data.Dataset.range(5).batch(2)
    seen["dataset"] = [b.numpy().tolist() for b in strategy.experimental_distribute_dataset(dataset)]
    per_worker = strategy.distribute_datasets_from_function(
        lambda ctx: tf.data.Dataset.range(4).shard(ctx.num_input_pipelines, ctx.input_pipeline_id).batch(
            ctx.get_per_replica_batch_size(2)))
    seen["from function"] = [b.numpy().tolist() for b in per_worker]
    seen["local results"] = [float(v) for v in strategy.experimental_local_results(tf.constant(1.0))]
    with pytest.raises(ValueError) as error:
        tf.distribute.InputContext(2, 0, 2).get_per_replica_batch_size(7)
    seen["batch error"] = str(error.value)
    return seen


def test_one_process_strategies_behave_as_tensorflows():
    assert _observed(tapeflow) == _observed(tensorflow)


def test_keras_fit_in_a_mirrored_scope_matches_tensorflow():
    x = np.random.default_rng(0).normal(size=(32, 4)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    weights = []
    for tf in (tapeflow, tensorflow):
        with tf.distribute.MirroredStrategy().scope():
            dense = tf.keras.layers.Dense(1, input_shape=(4,), kernel_initializer="zeros")
            model = tf.keras.Sequential([dense])
            model.compile(tf.keras.optimizers.SGD(0.05), "mse")
        history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        weights.append((model.get_weights()[0], history.history["loss"]))
    np.testing.assert_allclose(weights[0][0], weights[1][0], rtol=1e-5)
    np.testing.assert_allclose(weights[0][1], weights[1][1], rtol=1e-5)
