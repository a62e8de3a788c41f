"""Checkpoints exchanged with real TensorFlow 2.21 both ways (skipped when it is not installed).

TensorFlow runs in a subprocess (the interpreter named by TAPEFLOW_TF_PYTHON, by default
/tmp/tfenv/bin/python, with TF_USE_LEGACY_KERAS=1), building the same models from
tests/checkpoint_models.py: each side restores the other's module tree, CheckpointManager
directory and module + Adam checkpoint with `assert_consumed()`, values must be bit-identical,
and `list_variables` equal.
"""

import json
import os
import pathlib
import subprocess
import textwrap

import numpy as np
import pytest

import tapeflow as tf
from checkpoint_models import net, optimizer_checkpoints, train, values

TESTS = pathlib.Path(__file__).resolve().parent
TF_PYTHON = os.environ.get("TAPEFLOW_TF_PYTHON", "/tmp/tfenv/bin/python")


def _has_tensorflow() -> bool:
    if not os.path.exists(TF_PYTHON):
        return False
    probe = subprocess.run(
        [TF_PYTHON, "-c", "import tensorflow, tf_keras"],
        capture_output=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _has_tensorflow(), reason="TensorFlow 2 with tf_keras is not installed")

# Writes TensorFlow's checkpoints under out/tf and restores tapeflow's from out/tapeflow, dumping
# what it restored and what it listed.
_TF_SIDE = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import tensorflow as tf
    from checkpoint_models import net, optimizer_checkpoints, train, values
    out = sys.argv[1]
    mode = sys.argv[2]
    if mode == "write":
        tf.train.Checkpoint(model=net(tf)).write(f"{out}/tf/module/ckpt")
        v = tf.Variable([1.0, 2.0])
        manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), f"{out}/tf/manager", max_to_keep=2)
        for _ in range(3):
            v.assign_add([1.0, 1.0])
            manager.save()
        model, optimizer = net(tf), tf.keras.optimizers.Adam(0.05)
        train(tf, model, optimizer, 3)
        tf.train.Checkpoint(model=model, optimizer=optimizer).save(f"{out}/tf/adam/ckpt")
        optimizer_checkpoints(tf, f"{out}/tf/optimizers")
        sys.exit(0)
    restored = {}
    model = net(tf, seed=9)
    tf.train.Checkpoint(model=model).restore(f"{out}/tapeflow/module/ckpt").expect_partial()
    restored["module"] = [v.numpy().tolist() for v in model.variables]
    v = tf.Variable([0.0, 0.0])
    latest = tf.train.latest_checkpoint(f"{out}/tapeflow/manager")
    tf.train.Checkpoint(v=v).restore(latest).assert_consumed()
    restored["manager"] = [os.path.basename(latest), v.numpy().tolist(),
                           [os.path.basename(p) for p in tf.train.get_checkpoint_state(
                               f"{out}/tapeflow/manager").all_model_checkpoint_paths]]
    model, optimizer = net(tf, seed=9), tf.keras.optimizers.Adam(0.05)
    status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(f"{out}/tapeflow/adam/ckpt-1")
    optimizer.build(model.trainable_variables)
    status.assert_consumed()
    restored["adam"] = [v.numpy().tolist() for v in list(model.variables) + list(optimizer.variables)]
    train(tf, model, optimizer, 2)
    restored["adam_after"] = [v.numpy().tolist() for v in model.variables]
    restored["lists"] = {name: [[k, s] for k, s in tf.train.list_variables(f"{out}/tapeflow/{name}")]
                         for name in ("module/ckpt", "manager", "adam")}
    with open(f"{out}/tf_restored.json", "w") as f:
        json.dump(restored, f)
""")


def _tensorflow(out: pathlib.Path, mode: str) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_USE_LEGACY_KERAS": "1", "PYTHONPATH": str(TESTS)}
    run = subprocess.run(
        [TF_PYTHON, "-c", _TF_SIDE, str(out), mode], capture_output=True, text=True, env=env, timeout=300
    )
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def exchanged(tmp_path_factory):
    """TensorFlow's checkpoints, tapeflow's checkpoints, and what TensorFlow restored from tapeflow's."""
    out = tmp_path_factory.mktemp("exchange")
    _tensorflow(out, "write")
    tf.train.Checkpoint(model=net(tf)).write(str(out / "tapeflow/module/ckpt"))
    v = tf.Variable([1.0, 2.0])
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(v=v), str(out / "tapeflow/manager"), max_to_keep=2
    )
    for _ in range(3):
        v.assign_add([1.0, 1.0])
        manager.save()
    model, optimizer = net(tf), tf.keras.optimizers.Adam(0.05)
    train(tf, model, optimizer, 3)
    tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(out / "tapeflow/adam/ckpt"))
    _tensorflow(out, "read")
    return out, json.loads((out / "tf_restored.json").read_text())


def test_tapeflow_restores_tensorflows_module_tree(exchanged):
    out, _ = exchanged
    model = net(tf, seed=9)
    tf.train.Checkpoint(model=model).read(str(out / "tf/module/ckpt")).assert_consumed()
    for a, b in zip(model.variables, net(tf).variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for suffix in (".index", ".data-00000-of-00001"):  # and writes the same bytes
        assert (out / f"tf/module/ckpt{suffix}").read_bytes() == (
            out / f"tapeflow/module/ckpt{suffix}"
        ).read_bytes()


def test_tapeflow_restores_tensorflows_manager_directory(exchanged):
    out, _ = exchanged
    v = tf.Variable([0.0, 0.0])
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(out / "tf/manager"), max_to_keep=2)
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]
    manager.checkpoint.restore(manager.latest_checkpoint).assert_consumed()
    assert v.numpy().tolist() == [4.0, 5.0]


def test_tapeflow_restores_tensorflows_adam_and_trains_on_identically(exchanged):
    out, restored = exchanged
    model, optimizer = net(tf, seed=9), tf.keras.optimizers.Adam(0.05)
    status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(str(out / "tf/adam/ckpt-1"))
    optimizer.build(model.trainable_variables)
    status.assert_consumed()
    saved = values(tf, str(out / "tf/adam/ckpt-1"))
    for i, variable in enumerate(optimizer.variables):
        key = "optimizer/_iterations" if i == 0 else f"optimizer/_variables/{i}"
        np.testing.assert_array_equal(variable.numpy(), saved[f"{key}/.ATTRIBUTES/VARIABLE_VALUE"])


def test_tensorflow_restores_tapeflows_checkpoints(exchanged):
    out, restored = exchanged
    for a, b in zip(restored["module"], net(tf).variables):
        np.testing.assert_array_equal(np.array(a, b.dtype.as_numpy_dtype), b.numpy())
    assert restored["manager"] == ["ckpt-3", [4.0, 5.0], ["ckpt-2", "ckpt-3"]]
    model, optimizer = net(tf), tf.keras.optimizers.Adam(0.05)
    train(tf, model, optimizer, 3)
    for a, b in zip(restored["adam"], list(model.variables) + list(optimizer.variables)):
        np.testing.assert_array_equal(np.array(a, b.dtype.as_numpy_dtype), b.numpy())
    train(tf, model, optimizer, 2)
    for a, b in zip(restored["adam_after"], model.variables):  # TensorFlow trained on from our state
        np.testing.assert_allclose(np.array(a, b.dtype.as_numpy_dtype), b.numpy(), rtol=1e-6, atol=1e-7)


def test_adam_checkpoints_have_the_same_object_graph_and_entries(exchanged):
    out, _ = exchanged
    from tapeflow.train import messages, proto
    from tapeflow.train.bundle import BundleReader

    ours, theirs = BundleReader(str(out / "tapeflow/adam/ckpt-1")), BundleReader(str(out / "tf/adam/ckpt-1"))
    graph = [
        proto.decode(messages.TRACKABLE_OBJECT_GRAPH, r.read("_CHECKPOINTABLE_OBJECT_GRAPH")[()])
        for r in (ours, theirs)
    ]
    assert graph[0] == graph[1]  # node ids, names, slot full names ("Adam/m/w"), has_checkpoint_values
    strip = lambda entry: {k: v for k, v in entry.items() if k != "crc32c"}  # noqa: E731
    assert {k: strip(e) for k, e in ours.entries.items()} == {k: strip(e) for k, e in theirs.entries.items()}


def test_every_optimizer_is_saved_as_tf_keras_saves_it(exchanged):
    out, _ = exchanged
    from tapeflow.train import messages, proto
    from tapeflow.train.bundle import BundleReader

    for case in optimizer_checkpoints(tf, out / "tapeflow/optimizers"):
        readers = [
            BundleReader(str(out / side / "optimizers" / case / "ckpt")) for side in ("tapeflow", "tf")
        ]
        graphs = [
            proto.decode(messages.TRACKABLE_OBJECT_GRAPH, r.read("_CHECKPOINTABLE_OBJECT_GRAPH")[()])
            for r in readers
        ]
        assert graphs[0] == graphs[1], case
        shapes = [{k: (e["dtype"], e["shape"]) for k, e in r.entries.items()} for r in readers]
        assert shapes[0] == shapes[1], case


def test_list_variables_agree(exchanged):
    out, restored = exchanged
    for name in ("module/ckpt", "manager", "adam"):
        ours = [[k, s] for k, s in tf.train.list_variables(str(out / "tf" / name))]
        assert ours == restored["lists"][name], name
