"""tf.keras.datasets from small local files standing for Keras's downloads (file:// origins, never
the network): the arrays, the cache (a second load downloads nothing), hash checks, and — when
tf_keras is installed — the same arrays as Keras's own loaders return from the same files."""

import gzip
import hashlib
import io
import pickle
import shutil
import tarfile

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.keras.datasets import boston_housing, cifar10, cifar100, fashion_mnist, mnist

RNG = np.random.default_rng(0)


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def serve(monkeypatch, module, path):
    monkeypatch.setattr(module, "ORIGIN", path.as_uri())
    monkeypatch.setattr(module, "FILE_HASH", sha256(path))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh home folder: the cache is ~/.keras/datasets inside it."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def mnist_file(folder):
    arrays = {"x_train": RNG.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "y_train": np.arange(6, dtype=np.uint8),
              "x_test": RNG.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "y_test": np.arange(2, dtype=np.uint8)}
    np.savez(folder / "mnist.npz", **arrays)
    return folder / "mnist.npz", arrays


def boston_file(folder):
    arrays = {"x": RNG.normal(size=(20, 13)), "y": RNG.normal(size=20)}
    np.savez(folder / "boston_housing.npz", **arrays)
    return folder / "boston_housing.npz", arrays


def cifar_archive(folder, top, batches):
    """A .tar.gz holding `top/<name>` pickles of {b"data": ..., label keys...} (CIFAR's layout)."""
    path = folder / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, batch in batches.items():
            data = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def cifar10_file(folder):
    batches = {name: {b"data": RNG.integers(0, 256, (3, 3072), dtype=np.uint8), b"labels": [1, 2, 3]}
               for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]}
    return cifar_archive(folder, "cifar-10-batches-py", batches), batches


def cifar100_file(folder):
    batches = {name: {b"data": RNG.integers(0, 256, (2, 3072), dtype=np.uint8), b"fine_labels": [50, 99],
                      b"coarse_labels": [3, 19]} for name in ("train", "test")}
    return cifar_archive(folder, "cifar-100-python", batches), batches


def test_mnist_downloads_once_into_the_keras_cache(tmp_path, home, monkeypatch):
    path, arrays = mnist_file(tmp_path)
    serve(monkeypatch, mnist, path)
    (x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()
    assert (home / ".keras" / "datasets" / "mnist.npz").exists()
    assert np.array_equal(x_train, arrays["x_train"]) and x_train.dtype == np.uint8
    assert np.array_equal(y_test, arrays["y_test"])
    path.unlink()  # cached: no second download
    assert np.array_equal(mnist.load_data()[0][0], arrays["x_train"])


def test_a_file_with_the_wrong_hash_is_refused(tmp_path, home, monkeypatch):
    path, _ = mnist_file(tmp_path)
    monkeypatch.setattr(mnist, "ORIGIN", path.as_uri())
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        mnist.load_data()


def test_boston_housing_is_split_after_keras_seeded_shuffle(tmp_path, home, monkeypatch):
    path, arrays = boston_file(tmp_path)
    serve(monkeypatch, boston_housing, path)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.25, seed=7)
    order = np.arange(20)
    np.random.RandomState(7).shuffle(order)
    assert np.array_equal(x_train, arrays["x"][order[:15]])
    assert np.array_equal(y_test, arrays["y"][order[15:]])


def test_fashion_mnist_reads_idx_files(tmp_path, home, monkeypatch):
    images = RNG.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], np.uint8)
    for name in fashion_mnist.FILES:
        header, body = (b"\0" * 8, labels) if "labels" in name else (b"\0" * 16, images)
        (tmp_path / name).write_bytes(gzip.compress(header + body.tobytes()))
    monkeypatch.setattr(fashion_mnist, "BASE", tmp_path.as_uri() + "/")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert np.array_equal(x_train, images) and np.array_equal(y_test, labels)
    assert (home / ".keras" / "datasets" / "fashion-mnist" / fashion_mnist.FILES[0]).exists()


def test_cifar10_and_cifar100_unpack_and_arrange_as_keras(tmp_path, home, monkeypatch):
    path, batches = cifar10_file(tmp_path)
    serve(monkeypatch, cifar10, path)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and y_train.shape == (15, 1) and y_train.dtype == np.uint8
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(x_train[0], first) and y_test.ravel().tolist() == [1, 2, 3]
    path, batches = cifar100_file(tmp_path)
    serve(monkeypatch, cifar100, path)
    (_, y_fine), _ = cifar100.load_data()
    (_, y_coarse), _ = cifar100.load_data(label_mode="coarse")
    assert y_fine.ravel().tolist() == [50, 99] and y_coarse.ravel().tolist() == [3, 19]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_cifar_batches_only_unpickle_arrays(tmp_path):
    from tapeflow.keras.datasets.cifar import load_batch

    (tmp_path / "evil").write_bytes(pickle.dumps({b"data": shutil.rmtree}, protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        load_batch(str(tmp_path / "evil"))


def test_the_same_arrays_as_keras_from_the_same_files(tmp_path, home, monkeypatch):
    pytest.importorskip("tensorflow")
    utils = pytest.importorskip("tf_keras.src.utils.data_utils")
    keras_datasets = pytest.importorskip("tf_keras.datasets")
    files = {"mnist.npz": mnist_file(tmp_path)[0], "boston_housing.npz": boston_file(tmp_path)[0],
             "cifar-100-python.tar.gz": cifar100_file(tmp_path)[0]}

    def fetch(origin, path, *progress):
        shutil.copy(files[origin.rsplit("/")[-1]], path)

    monkeypatch.setattr(utils, "urlretrieve", fetch)
    monkeypatch.setattr(utils, "validate_file", lambda *a, **k: True)
    # (not cifar10: Keras's loader needs full batches of 10,000 images, too large a fixture)
    for mine, theirs, name in ((mnist, keras_datasets.mnist, "mnist.npz"),
                               (boston_housing, keras_datasets.boston_housing, "boston_housing.npz"),
                               (cifar100, keras_datasets.cifar100, "cifar-100-python.tar.gz")):
        serve(monkeypatch, mine, files[name])
        ours = mine.load_data(cache_dir=str(tmp_path / "ours"))
        expected = theirs.load_data(cache_dir=str(tmp_path / "keras"))
        for a, b in zip(np.concatenate([np.ravel(v) for pair in ours for v in pair]),
                        np.concatenate([np.ravel(v) for pair in expected for v in pair])):
            assert a == b
        assert [v.shape for pair in ours for v in pair] == [v.shape for pair in expected for v in pair]
        assert [v.dtype for pair in ours for v in pair] == [v.dtype for pair in expected for v in pair]


def word_lists(count, rng):
    """Reviews of 2, 7, 3, 5, 8, 1 ... words (some longer than the tests' maxlen of 6)."""
    rows = np.empty(count, object)
    rows[:] = [list(rng.integers(1, 30, (2, 7, 3, 5, 8, 1)[i % 6])) for i in range(count)]
    return rows


def imdb_file(folder):
    arrays = {"x_train": word_lists(6, RNG), "y_train": np.array([0, 1] * 3), "x_test": word_lists(4, RNG),
              "y_test": np.array([1, 0] * 2)}
    np.savez(folder / "imdb.npz", **arrays)
    return folder / "imdb.npz", arrays


def reuters_file(folder):
    arrays = {"x": word_lists(10, RNG), "y": np.arange(10) % 4}
    np.savez(folder / "reuters.npz", **arrays)
    return folder / "reuters.npz", arrays


@pytest.mark.parametrize("settings", [{}, {"num_words": 20, "skip_top": 2, "maxlen": 6},
                                      {"oov_char": None, "start_char": None, "index_from": 0}])
def test_imdb_and_reuters_sequences(tmp_path, home, monkeypatch, settings):
    from tapeflow.keras.datasets import imdb, reuters, sequences

    monkeypatch.setattr(sequences, "BASE", tmp_path.as_uri() + "/")
    for module, make in ((imdb, imdb_file), (reuters, reuters_file)):
        path, arrays = make(tmp_path)
        monkeypatch.setattr(module, "FILE_HASH", sha256(path))
        (x_train, y_train), (x_test, y_test) = module.load_data(**settings)
        assert x_train.dtype == object and len(x_train) == len(y_train) and len(x_test) == len(y_test)
        words = [w for row in list(x_train) + list(x_test) for w in row]
        if "num_words" in settings:
            assert all(w == 2 or 2 <= w < 20 for w in words)
        if "maxlen" in settings:
            assert all(len(row) < 6 for row in list(x_train) + list(x_test))
        if settings == {}:
            assert all(row[0] == 1 for row in x_train)  # the start character
    assert reuters.get_label_names()[3] == "earn"


def test_imdb_and_reuters_as_keras(tmp_path, home, monkeypatch):
    pytest.importorskip("tensorflow")
    utils = pytest.importorskip("tf_keras.src.utils.data_utils")
    keras_datasets = pytest.importorskip("tf_keras.datasets")
    from tapeflow.keras.datasets import imdb, reuters, sequences

    files = {"imdb.npz": imdb_file(tmp_path)[0], "reuters.npz": reuters_file(tmp_path)[0]}

    def fetch(origin, path, *progress):
        shutil.copy(files[origin.rsplit("/")[-1]], path)

    monkeypatch.setattr(utils, "urlretrieve", fetch)
    monkeypatch.setattr(utils, "validate_file", lambda *a, **k: True)
    monkeypatch.setattr(sequences, "BASE", tmp_path.as_uri() + "/")
    for mine, theirs, name in ((imdb, keras_datasets.imdb, "imdb.npz"), (reuters, keras_datasets.reuters,
                                                                         "reuters.npz")):
        monkeypatch.setattr(mine, "FILE_HASH", sha256(files[name]))
        for settings in ({}, {"num_words": 20, "skip_top": 2, "maxlen": 6}):
            ours = mine.load_data(cache_dir=str(tmp_path / "ours"), **settings)
            expected = theirs.load_data(cache_dir=str(tmp_path / "keras"), **settings)
            for a, b in zip([v for pair in ours for v in pair], [v for pair in expected for v in pair]):
                assert [list(map(int, r)) if np.ndim(r) or isinstance(r, list) else int(r) for r in a] == [
                    list(map(int, r)) if np.ndim(r) or isinstance(r, list) else int(r) for r in b]
                assert a.dtype == b.dtype
