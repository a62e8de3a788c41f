"""tf.train checkpoints without TensorFlow: TensorFlow's own files (tests/fixtures) read exactly,
tapeflow's written byte for byte like them, round trips, deferred restoration, CheckpointManager,
and every corruption raising TensorFlow's error class."""

import gc
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tapeflow as tf
from checkpoint_models import net, train, values
from tapeflow.train import crc32c

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures" / "tf_checkpoints"
SRC = pathlib.Path(__file__).resolve().parents[1] / "src"


def test_crc32c_numpy_matches_the_standard_and_the_fast_path():
    assert crc32c._extend_numpy(0, memoryview(b"123456789")) == 0xE3069283
    rng = np.random.default_rng(0)
    for n in (0, 1, 63, 64, 65, 1000, (1 << 20) + 77):
        data = rng.integers(0, 256, n, dtype=np.uint8)
        whole = crc32c._extend_numpy(0, memoryview(data))
        assert (
            crc32c._extend_numpy(
                crc32c._extend_numpy(0, memoryview(data[: n // 3])), memoryview(data[n // 3 :])
            )
            == whole
        )
        assert crc32c.crc32c(data) == whole
    assert crc32c.unmask(crc32c.mask(0x12345678)) == 0x12345678


def test_reads_every_dtype_tensorflow_wrote():
    reader = tf.train.load_checkpoint(str(FIXTURES / "dtypes" / "ckpt"))
    get = lambda name: reader.get_tensor(f"{name}/.ATTRIBUTES/VARIABLE_VALUE")  # noqa: E731
    np.testing.assert_array_equal(get("f32"), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert get("f16").dtype == np.float16 and get("f16").tolist() == [1.5, -2.25]
    assert get("i64") == 2**40 and get("u64").tolist() == [2**64 - 1] and get("i8").tolist() == [-128, 127]
    assert get("c128").tolist() == [3 - 4j] and get("flag").tolist() == [True, False, True]
    assert get("text").tolist() == [b"hello", b"", "h\u00e9".encode()] and get("word") == b"scalar"
    assert get("empty").shape == (0, 3)
    shapes = reader.get_variable_to_shape_map()
    assert (
        shapes["f32/.ATTRIBUTES/VARIABLE_VALUE"] == [2, 3] and shapes["i64/.ATTRIBUTES/VARIABLE_VALUE"] == []
    )
    dtypes = reader.get_variable_to_dtype_map()
    assert (
        dtypes["u16/.ATTRIBUTES/VARIABLE_VALUE"] == tf.uint16
        and dtypes["text/.ATTRIBUTES/VARIABLE_VALUE"] == tf.string
    )


def test_reads_tensorflows_sharded_checkpoint_with_sliced_tensors():
    prefix = str(FIXTURES / "sharded" / "ckpt")  # 8 data files; every tensor but one cut in slices
    variables = {f"v{i}": tf.Variable(np.zeros(300, np.float32)) for i in range(3)}
    variables["big"] = tf.Variable(np.zeros((50, 20)))
    tf.train.Checkpoint(**variables).read(prefix).assert_consumed()
    np.testing.assert_array_equal(variables["big"].numpy(), np.arange(1000.0).reshape(50, 20))
    for i in range(3):
        np.testing.assert_array_equal(
            variables[f"v{i}"].numpy(), np.arange(i * 10, i * 10 + 300, dtype=np.float32)
        )
    assert dict(tf.train.list_variables(prefix))["big/.ATTRIBUTES/VARIABLE_VALUE"] == [50, 20]


def test_load_variable_and_checkpoints_iterator(tmp_path):
    v = tf.Variable([3.0])
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path), max_to_keep=None)
    path = manager.save(options=tf.train.CheckpointOptions())
    assert tf.train.load_variable(str(tmp_path), "v/.ATTRIBUTES/VARIABLE_VALUE:0").tolist() == [3.0]
    assert list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0)) == [path]


def test_dtypes_round_trip_through_a_checkpoint(tmp_path):
    reader = tf.train.load_checkpoint(str(FIXTURES / "dtypes" / "ckpt"))
    root = tf.Module()
    for key in reader.get_variable_to_shape_map():
        name = key.split("/")[0]
        if name not in ("_CHECKPOINTABLE_OBJECT_GRAPH", "bf16"):
            setattr(root, name, tf.Variable(reader.get_tensor(key)))
    path = tf.train.Checkpoint(root=root).write(str(tmp_path / "ckpt"))
    again = tf.train.load_checkpoint(path)
    for key in again.get_variable_to_shape_map():
        if "OBJECT_GRAPH" not in key:
            np.testing.assert_array_equal(again.get_tensor(key), reader.get_tensor(key))


def test_module_tree_is_written_byte_for_byte_as_tensorflow_writes_it(tmp_path):
    class Dense(tf.Module):
        def __init__(self, n_in, n_out, seed):
            super().__init__()
            rng = np.random.default_rng(seed)
            self.w = tf.Variable(rng.normal(size=(n_in, n_out)).astype(np.float32), name="w")
            self.b = tf.Variable(np.zeros(n_out, np.float32), name="b")

    class Net(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [Dense(3, 4, 0), Dense(4, 2, 1)]
            self.heads = {"a": Dense(2, 1, 2), "b": Dense(2, 1, 3)}
            self.step = tf.Variable(7, dtype=tf.int64, name="step", trainable=False)

    path = tf.train.Checkpoint(model=Net()).write(str(tmp_path / "ckpt"))
    for suffix in (".index", ".data-00000-of-00001"):
        assert (
            pathlib.Path(path + suffix).read_bytes() == (FIXTURES / "module" / ("ckpt" + suffix)).read_bytes()
        )


def test_restores_tensorflows_adam_checkpoint_with_deferred_slots():
    model, optimizer = net(tf), tf.keras.optimizers.Adam(0.01)
    prefix = str(FIXTURES / "adam" / "ckpt-1")
    status = tf.train.Checkpoint(model=model, optimizer=optimizer).restore(prefix)
    with pytest.raises(AssertionError, match="Unresolved object in checkpoint"):
        status.assert_consumed()
    status.assert_existing_objects_matched()
    optimizer.build(model.trainable_variables)  # the slots take their saved values as they are made
    status.assert_consumed()
    saved = values(tf, prefix)
    assert optimizer.iterations.numpy() == 2 and model.step.numpy() == 7
    for i, variable in enumerate(optimizer.variables):
        key = "optimizer/_iterations" if i == 0 else f"optimizer/_variables/{i}"
        np.testing.assert_array_equal(variable.numpy(), saved[key + "/.ATTRIBUTES/VARIABLE_VALUE"])
    np.testing.assert_array_equal(
        model.layers[0].w.numpy(), saved["model/layers/0/w/.ATTRIBUTES/VARIABLE_VALUE"]
    )


def test_training_resumes_exactly_after_a_round_trip(tmp_path):
    model, optimizer = net(tf), tf.keras.optimizers.Adam(0.05)
    train(tf, model, optimizer, 3)
    path = tf.train.Checkpoint(model=model, optimizer=optimizer).save(str(tmp_path / "ckpt"))
    assert os.path.basename(path) == "ckpt-1" and tf.train.latest_checkpoint(str(tmp_path)) == path
    train(tf, model, optimizer, 2)
    expected = [v.numpy() for v in model.variables]
    fresh, fresh_optimizer = net(tf, seed=5), tf.keras.optimizers.Adam(0.05)
    checkpoint = tf.train.Checkpoint(model=fresh, optimizer=fresh_optimizer)
    checkpoint.restore(path)  # the slots are made (and restored) by the first apply_gradients
    train(tf, fresh, fresh_optimizer, 2)
    for a, b in zip(expected, [v.numpy() for v in fresh.variables]):
        np.testing.assert_array_equal(a, b)
    assert checkpoint.save_counter.numpy() == 1


def test_module_attribute_assigned_after_restore_takes_its_saved_value(tmp_path):
    saved = tf.Module()
    saved.inner = tf.Module()
    saved.inner.v = tf.Variable([1.0, 2.0])
    path = tf.train.Checkpoint(m=saved).write(str(tmp_path / "ckpt"))
    empty = tf.Module()
    status = tf.train.Checkpoint(m=empty).read(path)
    empty.inner = tf.Module()
    empty.inner.v = tf.Variable([0.0, 0.0])
    assert empty.inner.v.numpy().tolist() == [1.0, 2.0]
    status.assert_consumed()


def test_status_reports_python_variables_missing_from_the_checkpoint(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable(1.0)).write(str(tmp_path / "ckpt"))
    status = tf.train.Checkpoint(a=tf.Variable(0.0), b=tf.Variable(0.0)).read(path)
    with pytest.raises(AssertionError, match="not bound to checkpointed values"):
        status.assert_existing_objects_matched()
    status.assert_nontrivial_match()
    with pytest.raises(AssertionError):  # restore() adds save_counter, which a write() lacks
        tf.train.Checkpoint(a=tf.Variable(0.0)).restore(path).assert_consumed()


def test_manager_keeps_the_latest_and_reads_tensorflows_directory(tmp_path):
    directory = tmp_path / "run"
    v = tf.Variable([1.0, 2.0])
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(directory), max_to_keep=2)
    for _ in range(3):
        v.assign_add([1.0, 1.0])
        manager.save()
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-2", "ckpt-3"]
    assert not (directory / "ckpt-1.index").exists() and manager.latest_checkpoint == str(
        directory / "ckpt-3"
    )
    state = (directory / "checkpoint").read_text()
    assert state.startswith('model_checkpoint_path: "ckpt-3"\nall_model_checkpoint_paths: "ckpt-2"')
    moved = tmp_path / "moved"
    shutil.move(str(directory), str(moved))  # relative paths: the directory can move
    again = tf.train.CheckpointManager(
        tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])), str(moved), max_to_keep=2
    )
    assert again.checkpoints == [str(moved / "ckpt-2"), str(moved / "ckpt-3")]
    again.restore_or_initialize()
    assert again.checkpoint.v.numpy().tolist() == [4.0, 5.0]
    w = tf.Variable([0.0, 0.0])
    tf.train.Checkpoint(v=w).restore(tf.train.latest_checkpoint(str(FIXTURES / "manager"))).assert_consumed()
    assert w.numpy().tolist() == [4.0, 5.0]
    assert [name for name, _ in tf.train.list_variables(str(FIXTURES / "manager"))] == [
        "_CHECKPOINTABLE_OBJECT_GRAPH",
        "save_counter/.ATTRIBUTES/VARIABLE_VALUE",
        "v/.ATTRIBUTES/VARIABLE_VALUE",
    ]


def test_manager_checkpoint_interval_and_every_n_hours(tmp_path):
    step = tf.Variable(0, dtype=tf.int64)
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(step=step),
        str(tmp_path),
        max_to_keep=1,
        step_counter=step,
        checkpoint_interval=5,
        keep_checkpoint_every_n_hours=1e-9,
    )
    saved = []
    for i in range(12):
        step.assign(i)
        saved.append(manager.save())
    assert [os.path.basename(p) if p else None for p in saved if p] == ["ckpt-1", "ckpt-2", "ckpt-3"]
    assert (tmp_path / "ckpt-1.index").exists()  # kept: older than keep_checkpoint_every_n_hours apart


def _copy(prefix: pathlib.Path, tmp_path: pathlib.Path) -> str:
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy(f, tmp_path / f.name)
    return str(tmp_path / prefix.name)


def test_truncated_data_file_is_data_loss(tmp_path):
    prefix = _copy(FIXTURES / "module" / "ckpt", tmp_path)
    data = pathlib.Path(prefix + ".data-00000-of-00001")
    data.write_bytes(data.read_bytes()[:100])
    with pytest.raises(tf.errors.DataLossError, match="model/heads/b/b.*data-00000-of-00001"):
        tf.train.load_checkpoint(prefix).get_tensor("model/heads/b/b/.ATTRIBUTES/VARIABLE_VALUE")
    with pytest.raises(IndexError, match="Read less bytes than requested.*_CHECKPOINTABLE_OBJECT_GRAPH"):
        tf.train.Checkpoint(model=net(tf)).read(prefix)


def test_flipped_data_byte_is_a_checksum_error(tmp_path):
    prefix = _copy(FIXTURES / "module" / "ckpt", tmp_path)
    data = pathlib.Path(prefix + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[10] ^= 1
    data.write_bytes(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match="Checksum does not match.*model/layers/0/w"):
        tf.train.load_checkpoint(prefix).get_tensor("model/layers/0/w/.ATTRIBUTES/VARIABLE_VALUE")


@pytest.mark.parametrize("position", [5, 300, -50, -3])
def test_flipped_index_byte_is_data_loss(tmp_path, position):
    prefix = _copy(FIXTURES / "module" / "ckpt", tmp_path)
    index = pathlib.Path(prefix + ".index")
    raw = bytearray(index.read_bytes())
    raw[position] ^= 0x40
    index.write_bytes(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match=r"ckpt\.index"):
        tf.train.load_checkpoint(prefix)


def test_missing_files_are_not_found(tmp_path):
    prefix = _copy(FIXTURES / "module" / "ckpt", tmp_path)
    os.remove(prefix + ".data-00000-of-00001")
    with pytest.raises(tf.errors.NotFoundError, match="data-00000-of-00001"):
        tf.train.Checkpoint(model=net(tf)).read(prefix)
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files"):
        tf.train.load_checkpoint(str(tmp_path / "nothing"))
    with pytest.raises(tf.errors.DataLossError, match="Is a directory"):
        tf.train.Checkpoint(model=net(tf)).read(str(tmp_path))


def test_dtype_and_shape_mismatches_raise_as_tensorflow(tmp_path):
    path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).write(str(tmp_path / "ckpt"))
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="expected dtype int32 does not equal original dtype float \\("
    ):
        tf.train.Checkpoint(v=tf.Variable([1, 2])).read(path)
    with pytest.raises(ValueError, match=r"Received incompatible tensor with shape \(2,\)"):
        tf.train.Checkpoint(v=tf.Variable([1.0, 2.0, 3.0])).read(path)


_WRITER = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import tapeflow as tf
    from tapeflow.train import bundle, state
    v = tf.Variable(np.arange(1 << 20, dtype=np.float32))
    checkpoint = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(checkpoint, sys.argv[1], max_to_keep=3)
    manager.save()
    v.assign(v + 1)
    stage = sys.argv[2]
    def hang(*args, **kwargs):
        print("hanging", flush=True)
        time.sleep(60)
    replace = os.replace
    def replace_or_hang(source, target, suffix):
        if target.endswith(suffix):
            hang()
        replace(source, target)
    if stage == "data":  # in the middle of writing the data file
        original = bundle.BundleWriter._write
        def slow(self, buffer):
            original(self, bytes(buffer)[:1000])
            hang()
        bundle.BundleWriter._write = slow
    elif stage == "index":  # in the middle of writing the index
        bundle.write_table = lambda out, entries: (out.write(b"partial"), out.flush(), hang())
    elif stage in ("rename", "overwrite"):  # before the data file is renamed into place
        bundle.os.replace = lambda a, b: replace_or_hang(a, b, ".data-00000-of-00001")
    elif stage == "state":  # before the state file is renamed into place
        state.os.replace = lambda a, b: replace_or_hang(a, b, "checkpoint")
    if stage == "overwrite":
        checkpoint.write(manager.latest_checkpoint)
    else:
        manager.save()
""")


@pytest.mark.parametrize("stage", ["data", "index", "rename", "state", "overwrite"])
def test_a_killed_save_never_leaves_a_corrupted_latest(tmp_path, stage):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path), stage], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout.readline().strip() == "hanging"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    latest = tf.train.latest_checkpoint(str(tmp_path))
    if stage == "overwrite":  # ckpt-1 was being replaced: it no longer looks complete, nothing is latest
        assert latest is None and not (tmp_path / "ckpt-1.index").exists()
        with pytest.raises(tf.errors.NotFoundError):
            tf.train.load_checkpoint(str(tmp_path / "ckpt-1"))
        return
    assert os.path.basename(latest) == "ckpt-1"
    assert (tmp_path / "ckpt-2.index").exists() == (stage == "state")  # complete only once renamed
    v = tf.Variable(np.zeros(1 << 20, np.float32))
    tf.train.Checkpoint(v=v).restore(latest).assert_consumed()
    assert v.numpy()[5] == 5.0


def test_dropping_a_partial_restore_warns_unless_expected(tmp_path):
    path = tf.train.Checkpoint(a=tf.Variable(1.0), b=tf.Variable(2.0)).write(str(tmp_path / "ckpt"))
    with pytest.warns(
        UserWarning, match=r"unrestored values(.|\n)*could not be found in the restored object: \(root\)\.b"
    ):
        checkpoint = tf.train.Checkpoint(a=tf.Variable(0.0))
        checkpoint.read(path)
        del checkpoint
        gc.collect()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint = tf.train.Checkpoint(a=tf.Variable(0.0))
        checkpoint.read(path).expect_partial()
        del checkpoint
        gc.collect()


def test_without_google_crc32c_numpy_computes_the_checksums(tmp_path):
    script = textwrap.dedent("""
        import sys
        sys.modules["google_crc32c"] = None  # as if not installed
        import numpy as np
        import tapeflow as tf
        from tapeflow.train import crc32c
        assert crc32c._extend is crc32c._extend_numpy
        v = tf.Variable(np.arange(100_000, dtype=np.float32))
        path = tf.train.Checkpoint(v=v).write(sys.argv[1])
        w = tf.Variable(np.zeros(100_000, np.float32))
        tf.train.Checkpoint(v=w).read(path).assert_consumed()
        assert np.array_equal(w.numpy(), v.numpy())
    """)
    run = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "ckpt")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    reader = tf.train.load_checkpoint(str(tmp_path / "ckpt"))  # and the fast path reads it
    assert reader.get_tensor("v/.ATTRIBUTES/VARIABLE_VALUE")[-1] == 99_999


def test_restores_a_tf1_name_based_checkpoint_by_variable_names():
    prefix = str(pathlib.Path(__file__).parent / "fixtures" / "tf1_checkpoint" / "model.ckpt")
    layer = tf.keras.layers.Dense(2, name="dense")  # its weights are made after the restore
    step = tf.Variable(0, dtype=tf.int64, name="step")
    with pytest.warns(DeprecationWarning, match="Restoring a name-based tf.train.Saver checkpoint"):
        status = tf.train.Checkpoint(layer=layer, step=step).restore(prefix)
    assert int(step.numpy()) == 7
    layer(np.ones((1, 3), np.float32))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(layer.bias.numpy(), [0.5, -1.5])
    status.assert_consumed().assert_existing_objects_matched()
    with pytest.warns(DeprecationWarning):
        other = tf.train.Checkpoint(v=tf.Variable(1.0, name="other")).restore(prefix)
    unrestored = r"(?s)attributes which were not restored: .*'other:0'.*\['other'\]"
    with pytest.raises(AssertionError, match=unrestored):
        other.assert_consumed()
