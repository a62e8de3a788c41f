"""Keras saving: `.keras` archives, whole-model and weights HDF5, exchanged with tf-keras 2.21.

Without TensorFlow, files tf-keras wrote (tests/fixtures/keras_saving, recorded by
fixtures/record_keras_saving.py) must load with the predictions and optimizer state it recorded; with
TensorFlow (a subprocess, as the checkpoint tests), tf-keras must also load what tapeflow writes and
predict what tapeflow predicts."""

import io
import json
import os
import pathlib
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import tapeflow as tf
from keras_saving_models import functional, inputs, sequential, state, subclassed, trained, two_dense_class

h5py = pytest.importorskip("h5py")

TESTS = pathlib.Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "keras_saving"
TF_PYTHON = os.environ.get("TAPEFLOW_TF_PYTHON", "/tmp/tfenv/bin/python")
SEQ, FN = inputs()


@pytest.fixture(autouse=True, scope="module")
def _no_global_seed_left():
    """The models are trained after `set_random_seed`: later tests get the global seed unset again."""
    yield
    tf.random.set_seed(None)


def _assert_state(model, data, expected, prefix, optimizer=True):
    got = state(model, data)
    for i, p in enumerate(got["predictions"]):
        np.testing.assert_allclose(p, expected[f"{prefix}/predictions/{i}"], rtol=1e-5, atol=1e-6)
    if optimizer:
        assert len(got["optimizer"]) == len([k for k in expected if k.startswith(f"{prefix}/optimizer/")])
        for i, v in enumerate(got["optimizer"]):
            np.testing.assert_array_equal(v, expected[f"{prefix}/optimizer/{i}"])


# ---- files written by tf-keras ----------------------------------------------------------------------

def _check_tf_keras_files(directory):
    expected = np.load(directory / "expected.npz")
    seq = tf.keras.models.load_model(directory / "seq.keras")
    assert isinstance(seq, tf.keras.Sequential) and seq.optimizer.learning_rate.numpy() == np.float32(0.01)
    _assert_state(seq, SEQ, expected, "seq")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_state(tf.keras.models.load_model(directory / "seq.h5"), SEQ, expected, "seq")
    fn = tf.keras.models.load_model(directory / "fn.keras")
    assert [layer.name for layer in fn.layers][:2] == ["image", "tokens"]
    assert fn.output_names == ["hidden", "head"]
    _assert_state(fn, FN, expected, "fn")
    two_dense = two_dense_class(tf)
    sub = tf.keras.models.load_model(directory / "sub.keras", custom_objects={"TwoDense": two_dense})
    assert isinstance(sub, two_dense) and sub.units == 4
    _assert_state(sub, SEQ, expected, "sub")
    fresh = functional(tf)
    fresh.load_weights(directory / "fn_weights.h5")
    _assert_state(fresh, FN, expected, "fn", optimizer=False)


def test_loads_what_tf_keras_wrote():
    _check_tf_keras_files(FIXTURES)


def test_the_archive_is_laid_out_as_tf_keras_lays_it_out(tmp_path):
    model = trained(tf, functional, FN)
    model.save(tmp_path / "fn.keras")
    ours, theirs = zipfile.ZipFile(tmp_path / "fn.keras"), zipfile.ZipFile(FIXTURES / "fn.keras")
    assert ours.namelist() == theirs.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
    assert all(info.compress_type == zipfile.ZIP_STORED for info in ours.infolist())
    assert json.loads(ours.read("config.json")) == json.loads(theirs.read("config.json"))

    def paths(archive):
        found = {}
        h5py.File(io.BytesIO(archive.read("model.weights.h5"))).visititems(
            lambda name, obj: found.setdefault(name, getattr(obj, "shape", None)))
        return found

    assert paths(ours) == paths(theirs)


def test_h5_weights_are_laid_out_as_keras_2(tmp_path):
    model = trained(tf, functional, FN)
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5") as ours, h5py.File(FIXTURES / "fn_weights.h5") as theirs:
        for f in (ours, theirs):
            assert f.attrs["backend"] in ("tensorflow", b"tensorflow")
            assert list(f.attrs["layer_names"])[:4] == ["image", "tokens", "conv", "embed"]
        assert list(ours["hidden"].attrs["weight_names"]) == ["hidden/kernel:0", "hidden/bias:0"]
        assert ours["hidden/hidden/kernel:0"].shape == theirs["hidden/hidden/kernel:0"].shape == (44, 5)
        assert list(ours["embed"].attrs["weight_names"]) == list(theirs["embed"].attrs["weight_names"])


# ---- tapeflow's own round trips ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_whole_model_round_trip_keeps_training_state(tmp_path, name):
    model = trained(tf, functional, FN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save(tmp_path / name)
        loaded = tf.keras.models.load_model(tmp_path / name)
    before = state(model, FN)
    expected = {f"m/{kind}/{i}": v for kind, values in before.items() for i, v in enumerate(values)}
    _assert_state(loaded, FN, expected, "m")
    assert loaded.loss == ["mse", "mae"] and type(loaded.optimizer) is type(model.optimizer)
    model.fit(*FN, batch_size=4, epochs=1, shuffle=False, verbose=0)
    loaded.run_eagerly = True  # (HDF5 does not keep it; tapeflow's sparse Adam step runs eagerly)
    loaded.fit(*FN, batch_size=4, epochs=1, shuffle=False, verbose=0)  # the restored Adam moments matter
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_weights_round_trips_and_compile_false(tmp_path):
    model = trained(tf, sequential, SEQ)
    for name in ("w.h5", "w.weights.h5"):
        model.save_weights(tmp_path / name)
        other = sequential(tf)
        other(SEQ[0])
        other.load_weights(tmp_path / name)
        np.testing.assert_array_equal(other.predict(SEQ[0], verbose=0), model.predict(SEQ[0], verbose=0))
    model.save(tmp_path / "m.keras")
    assert tf.keras.models.load_model(tmp_path / "m.keras", compile=False).optimizer is None
    model.save_weights(tmp_path / "x", save_format="h5")
    assert h5py.is_hdf5(tmp_path / "x")


def test_functional_config_round_trip_with_a_shared_layer():
    x = tf.keras.Input((3,), name="x")
    shared = tf.keras.layers.Dense(3, name="shared")
    out = tf.keras.layers.Add(name="sum")([shared(x), shared(shared(x))])
    model = tf.keras.Model(x, out, name="twice")
    config = model.get_config()
    # as tf-keras 2.21 writes it:
    nodes = [[["x", 0, 0, {}]], [["x", 0, 0, {}]], [["shared", 1, 0, {}]]]
    assert config["layers"][1]["inbound_nodes"] == nodes
    assert config["layers"][2]["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 2, 0, {}]]]
    assert config["input_layers"] == [["x", 0, 0]] and config["output_layers"] == [["sum", 0, 0]]
    copy = tf.keras.Model.from_config(config)
    copy.set_weights(model.get_weights())
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(copy.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    assert copy.get_config() == config


class Scale(tf.keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_objects(tmp_path):
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,)), Scale(3.0)])
    model.save(tmp_path / "c.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "c.keras").read("config.json"))
    assert config["config"]["layers"][2]["registered_name"] == "Scale"
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'"):
        tf.keras.models.load_model(tmp_path / "c.keras")
    loaded = tf.keras.models.load_model(tmp_path / "c.keras", custom_objects={"Scale": Scale})
    assert loaded.layers[1].factor == 3.0
    with tf.keras.utils.custom_object_scope({"Scale": Scale}):
        assert tf.keras.models.load_model(tmp_path / "c.keras").layers[1].factor == 3.0


# ---- Keras's errors and warnings ---------------------------------------------------------------------

def test_h5_mismatches(tmp_path):
    trained(tf, sequential, SEQ).save_weights(tmp_path / "w.h5")
    one = tf.keras.Sequential([tf.keras.layers.Dense(3, input_shape=(4,))])
    with pytest.raises(ValueError, match="Layer count mismatch when loading weights from file. Model "
                                         "expected 1 layers, found 2 saved layers."):
        one.load_weights(tmp_path / "w.h5")
    wide = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(4,)), tf.keras.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"Shape mismatch.The variable shape \(4, 4\), and the assigned "
                                         r"value shape \(4, 3\) are incompatible"):
        wide.load_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="skip_mismatch can only be set to True when by_name is True"):
        wide.load_weights(tmp_path / "w.h5", skip_mismatch=True)
    with h5py.File(tmp_path / "w.h5") as f:
        first = list(f.attrs["layer_names"])[0]
    named = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(4,), name=first)])
    with pytest.raises(ValueError, match=rf"Shape mismatch in layer #0 \(named {first}\) for weight "):
        named.load_weights(tmp_path / "w.h5", by_name=True)
    before = named.get_weights()
    with pytest.warns(UserWarning, match="Skipping loading weights for layer #0"):
        named.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(named.get_weights()[0], before[0])  # the kernel (4, 4) kept


def test_formats_tapeflow_does_not_write(tmp_path):
    model = sequential(tf)
    with pytest.raises(NotImplementedError, match="SavedModel"):
        model.save(tmp_path / "saved_model")
    with pytest.raises(ValueError, match='looks like an HDF5 file'):
        model.save_weights(tmp_path / "w.h5", save_format="tf")
    with pytest.raises(OSError, match="No file or directory found at"):
        tf.keras.models.load_model(tmp_path / "missing.keras")


# ---- faults: a damaged file is an error naming it ----------------------------------------------------

def test_damaged_files_are_errors_naming_them(tmp_path):
    data = (FIXTURES / "seq.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.keras.*not a valid .keras archive"):
        tf.keras.models.load_model(tmp_path / "cut.keras")
    flipped = bytearray(data)
    start = data.index(b"\x89HDF") + 4000  # inside the weights member: its CRC no longer matches
    flipped[start] ^= 0xFF
    (tmp_path / "flip.keras").write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match=r"flip.keras: model.weights.h5 in the .keras archive is damaged"):
        tf.keras.models.load_model(tmp_path / "flip.keras")
    (tmp_path / "cut.h5").write_bytes((FIXTURES / "fn_weights.h5").read_bytes()[:3000])
    with pytest.raises(OSError, match="cut.h5 as an HDF5 file"):
        functional(tf).load_weights(tmp_path / "cut.h5")


def test_a_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    from tapeflow.keras.saving import object_state

    model = sequential(tf)
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(object_state, "save_state", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").read_bytes() == before and os.listdir(tmp_path) == ["m.keras"]


def test_without_h5py_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"requires h5py.*pip install h5py"):
        sequential(tf).save_weights(tmp_path / "w.h5")


# ---- both directions with TensorFlow -----------------------------------------------------------------

def _tensorflow(mode, directory):
    script = str(TESTS / "fixtures" / "record_keras_saving.py")
    return subprocess.run([TF_PYTHON, script, mode, str(directory)], capture_output=True, text=True,
                          env={**os.environ, "TF_USE_LEGACY_KERAS": "1"})


def _has_tensorflow():
    if not os.path.exists(TF_PYTHON):
        return False
    probe = subprocess.run([TF_PYTHON, "-c", "import tensorflow, tf_keras, h5py"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _has_tensorflow(), reason="TensorFlow 2 with tf_keras and h5py is not installed")
def test_exchanged_with_tf_keras_both_ways(tmp_path):
    (tmp_path / "tf").mkdir()
    written = _tensorflow("write", tmp_path / "tf")
    assert written.returncode == 0, written.stderr[-3000:]
    _check_tf_keras_files(tmp_path / "tf")
    ours = tmp_path / "tapeflow"
    ours.mkdir()
    seq, fn = trained(tf, sequential, SEQ), trained(tf, functional, FN)
    sub = trained(tf, subclassed, SEQ)
    sub.save(ours / "sub.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seq.save(ours / "seq.keras")
        seq.save(ours / "seq.h5")
    seq.save_weights(ours / "seq_weights.h5")
    seq.save_weights(ours / "seq.weights.h5")
    fn.save(ours / "fn.keras")
    fn.save_weights(ours / "fn_weights.h5")
    read = _tensorflow("read", ours)
    assert read.returncode == 0, read.stderr[-3000:]
    seen = np.load(ours / "seen.npz")
    for name, model, data in (("seq.keras", seq, SEQ), ("seq.h5", seq, SEQ), ("fn.keras", fn, FN),
                              ("sub.keras", sub, SEQ),
                              ("seq_weights.h5", seq, SEQ), ("fn_weights.h5", fn, FN),
                              ("seq.weights.h5", seq, SEQ)):
        mine = state(model, data)
        for i, p in enumerate(mine["predictions"]):
            np.testing.assert_allclose(seen[f"{name}/predictions/{i}"], p, rtol=1e-5, atol=1e-6)
        if f"{name}/optimizer/0" in seen:
            for i, v in enumerate(mine["optimizer"]):
                np.testing.assert_array_equal(seen[f"{name}/optimizer/{i}"], v)


def test_a_subclassed_model_with_get_config(tmp_path):
    two_dense = two_dense_class(tf)
    model = subclassed(tf, two_dense)
    model.fit(*SEQ, epochs=2, verbose=0)
    model.save(tmp_path / "s.keras")
    with h5py.File(io.BytesIO(zipfile.ZipFile(tmp_path / "s.keras").read("model.weights.h5"))) as f:
        assert "out/vars/0" in f and "layers/dense/vars/0" in f  # attributes in reverse order: `out` first
    loaded = tf.keras.models.load_model(tmp_path / "s.keras", custom_objects={"TwoDense": two_dense})
    assert loaded.units == 4 and int(loaded.optimizer.iterations.numpy()) == 2
    np.testing.assert_array_equal(loaded.predict(SEQ[0], verbose=0), model.predict(SEQ[0], verbose=0))
    built = two_dense(3)
    built.build((None, 4))
    assert built.built and [tuple(w.shape.as_list()) for w in built.weights] == [(4, 3), (3,), (3, 2), (2,)]


def test_configs_and_json():
    model = functional(tf)
    again = tf.keras.models.model_from_json(model.to_json())
    assert type(again).__name__ == "Functional" and again.get_config() == model.get_config()
    copy = tf.keras.saving.deserialize_keras_object(tf.keras.saving.serialize_keras_object(model))
    assert copy._is_compiled and copy.loss == ["mse", "mae"] and copy.get_config() == model.get_config()


def test_model_checkpoint_saves_whole_models(tmp_path):
    model = sequential(tf)
    path = str(tmp_path / "m-{epoch:02d}.keras")
    model.fit(*SEQ, epochs=2, verbose=0, callbacks=[tf.keras.callbacks.ModelCheckpoint(path, monitor="loss")])
    assert sorted(os.listdir(tmp_path)) == ["m-01.keras", "m-02.keras"]
    last = tf.keras.models.load_model(tmp_path / "m-02.keras")
    np.testing.assert_array_equal(last.predict(SEQ[0], verbose=0), model.predict(SEQ[0], verbose=0))
    assert int(last.optimizer.iterations.numpy()) == 2
    with pytest.raises(NotImplementedError, match="SavedModel"):
        tf.keras.callbacks.ModelCheckpoint(str(tmp_path / "saved"))
