"""Files: TFRecord files exchanged with TensorFlow (fixtures it wrote; live both ways when installed),
text lines, CSV rows, tf.io.read_file/write_file."""

import gzip
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.data.tfrecord import crc32c, masked_crc32c

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
RECORDS = [b"abc", b"", bytes(range(256)) * 3]  # what record_data_fixtures.py had TensorFlow write


def records(dataset):
    return list(dataset.as_numpy_iterator())


def write(path, compression=None, values=RECORDS):
    with tf.io.TFRecordWriter(str(path), compression) as writer:
        for record in values:
            writer.write(record)


def test_crc32c_is_castagnolis_and_masked_as_tensorflow():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert masked_crc32c(b"\x03" + b"\x00" * 7) == 0x0E4999B0


@pytest.mark.parametrize("name, compression", [("tensorflow.tfrecord", None),
                                               ("tensorflow.tfrecord.gz", "GZIP")])
def test_reads_tfrecord_files_tensorflow_wrote(name, compression):
    dataset = tf.data.TFRecordDataset(str(FIXTURES / name), compression_type=compression)
    assert records(dataset) == RECORDS
    spec = "TensorSpec(shape=(), dtype=tf.string, name=None)"
    assert repr(dataset) == f"<TFRecordDatasetV2 element_spec={spec}>"
    assert int(dataset.cardinality()) == tf.data.UNKNOWN_CARDINALITY


def test_writes_the_bytes_tensorflow_writes(tmp_path):
    write(tmp_path / "mine.tfrecord")
    assert (tmp_path / "mine.tfrecord").read_bytes() == (FIXTURES / "tensorflow.tfrecord").read_bytes()


@pytest.mark.parametrize("compression", ["GZIP", "ZLIB", tf.io.TFRecordOptions(compression_type="ZLIB")])
def test_compressed_files_round_trip(tmp_path, compression):
    write(tmp_path / "r", compression)
    kind = getattr(compression, "compression_type", compression)
    assert records(tf.data.TFRecordDataset([str(tmp_path / "r")], compression_type=kind)) == RECORDS
    if kind == "GZIP":
        plain = (FIXTURES / "tensorflow.tfrecord").read_bytes()
        assert gzip.decompress((tmp_path / "r").read_bytes()) == plain


def test_damaged_files_are_data_loss(tmp_path):
    good = (FIXTURES / "tensorflow.tfrecord").read_bytes()
    (tmp_path / "short").write_bytes(good[:-3])
    with pytest.raises(tf.errors.DataLossError, match="truncated record at 35"):
        records(tf.data.TFRecordDataset(str(tmp_path / "short")))
    flipped = bytearray(good)
    flipped[13] ^= 1
    (tmp_path / "flipped").write_bytes(bytes(flipped))
    with pytest.raises(tf.errors.DataLossError, match=r"corrupted record at 12 \[Op:IteratorGetNext\]"):
        records(tf.data.TFRecordDataset(str(tmp_path / "flipped")))
    with pytest.raises(tf.errors.NotFoundError, match="missing; No such file or directory"):
        records(tf.data.TFRecordDataset(str(tmp_path / "missing")))


def test_text_lines_of_several_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"one\r\ntwo\n\nthree")
    with gzip.open(tmp_path / "b.txt.gz", "wb") as f:
        f.write(b"four\n")
    plain = tf.data.TextLineDataset([str(tmp_path / "a.txt")])
    assert records(plain) == [b"one", b"two", b"", b"three"]
    assert records(tf.data.TextLineDataset(str(tmp_path / "b.txt.gz"), compression_type="GZIP")) == [b"four"]
    assert repr(plain) == "<TextLineDatasetV2 element_spec=TensorSpec(shape=(), dtype=tf.string, name=None)>"


def test_csv_dataset(tmp_path):
    (tmp_path / "a.csv").write_text('name,count,score\nx,1,2.5\ny,,3\n"q,r",4,5\n')
    path = str(tmp_path / "a.csv")
    dataset = tf.data.experimental.CsvDataset(path, [tf.string, tf.constant(0), tf.float32], header=True)
    assert [(a, int(b), float(c)) for a, b, c in records(dataset)] == [(b"x", 1, 2.5), (b"y", 0, 3.0),
                                                                       (b"q,r", 4, 5.0)]
    assert repr(dataset).startswith("<CsvDatasetV2 element_spec=(TensorSpec(shape=(), dtype=tf.string")
    scores = tf.data.experimental.CsvDataset(path, [tf.float32], header=True, select_cols=[2])
    assert [float(s[0]) for s in records(scores)] == [2.5, 3.0, 5.0]
    required = tf.data.experimental.CsvDataset(str(tmp_path / "a.csv"), [tf.string, tf.int32, tf.float32],
                                               header=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Field 1 is required but missing in record! "
                                                              r"\[Op:IteratorGetNext\]"):
        records(required)


def test_read_and_write_file_run_when_a_compiled_function_runs(tmp_path):
    path = str(tmp_path / "f.bin")
    tf.io.write_file(path, b"\x00\xffdata")
    assert tf.io.read_file(path).numpy() == b"\x00\xffdata"

    @tf.function
    def read():
        return tf.io.read_file(path)

    assert read().numpy() == b"\x00\xffdata"
    (tmp_path / "f.bin").write_bytes(b"new")
    assert read().numpy() == b"new"
    with pytest.raises(tf.errors.NotFoundError, match=r"No such file or directory \[Op:ReadFile\]"):
        tf.io.read_file(str(tmp_path / "nothing"))


def test_decode_csv_in_a_pipeline_of_files(tmp_path):
    (tmp_path / "rows.csv").write_text("1,2\n3,4\n")
    lines = tf.data.TextLineDataset(str(tmp_path / "rows.csv"))
    dataset = lines.map(lambda line: tf.io.decode_csv(line, [0., 0]))
    assert [(float(a), int(b)) for a, b in records(dataset)] == [(1.0, 2), (3.0, 4)]


def test_tensorflow_reads_what_tapeflow_writes_and_the_reverse(tmp_path):
    real = pytest.importorskip("tensorflow")
    for compression in (None, "GZIP", "ZLIB"):
        write(tmp_path / "mine", compression)
        theirs = real.data.TFRecordDataset(str(tmp_path / "mine"), compression)
        assert list(theirs.as_numpy_iterator()) == RECORDS
        with real.io.TFRecordWriter(str(tmp_path / "theirs"), compression) as writer:
            for record in RECORDS:
                writer.write(record)
        assert records(tf.data.TFRecordDataset(str(tmp_path / "theirs"), compression)) == RECORDS
    (tmp_path / "a.csv").write_text('x,1,2.5\ny,,3\n"q,r",4,5\n')
    defaults = lambda lib: [lib.string, lib.constant(0), lib.float32]  # noqa: E731
    theirs = real.data.experimental.CsvDataset(str(tmp_path / "a.csv"), defaults(real))
    mine = tf.data.experimental.CsvDataset(str(tmp_path / "a.csv"), defaults(tf))
    assert [tuple(np.asarray(v).tolist() for v in row) for row in records(mine)] == [
        tuple(np.asarray(v).tolist() for v in row) for row in theirs.as_numpy_iterator()]
    assert repr(mine) == repr(theirs)


def example(lib, i):
    return lib.train.Example(features=lib.train.Features(feature={
        "image": lib.train.Feature(float_list=lib.train.FloatList(value=[i, i + 0.5])),
        "label": lib.train.Feature(int64_list=lib.train.Int64List(value=[-i])),
        "name": lib.train.Feature(bytes_list=lib.train.BytesList(value=[f"n{i}".encode()]))}))


FEATURES = {"image": ("FixedLenFeature", [2], "float32"), "label": ("FixedLenFeature", [], "int64"),
            "name": ("FixedLenFeature", [], "string")}  # name: (kind, shape, dtype)


def features(lib):
    return {key: lib.io.FixedLenFeature(shape, getattr(lib, dtype))
            for key, (_, shape, dtype) in FEATURES.items()}


def test_a_tfrecord_file_of_examples_through_a_pipeline(tmp_path):
    write(tmp_path / "ex.tfrecord", values=[example(tf, i).SerializeToString() for i in range(5)])
    dataset = (tf.data.TFRecordDataset(str(tmp_path / "ex.tfrecord"))
               .map(lambda r: tf.io.parse_single_example(r, features(tf))).batch(2))
    first = next(iter(dataset))
    assert first["image"].numpy().tolist() == [[0.0, 0.5], [1.0, 1.5]]
    assert first["label"].numpy().tolist() == [0, -1] and first["name"].numpy().tolist() == [b"n0", b"n1"]
    assert tf.train.Example.FromString(example(tf, 3).SerializeToString()) == example(tf, 3)
    assert str(tf.train.Int64List(value=[1])) == "value: 1\n"


def test_examples_are_exchanged_with_tensorflow():
    real = pytest.importorskip("tensorflow")
    for i in range(3):
        ours, theirs = example(tf, i), example(real, i)
        assert str(ours.features.feature["name"]) == str(theirs.features.feature["name"])
        assert real.train.Example.FromString(ours.SerializeToString()) == theirs
        assert tf.train.Example.FromString(theirs.SerializeToString()) == ours
    serialized = [example(real, i).SerializeToString() for i in range(3)]
    mine = tf.io.parse_example(serialized, features(tf))
    expected = real.io.parse_example(serialized, features(real))
    for key in FEATURES:
        assert mine[key].numpy().tolist() == expected[key].numpy().tolist()
        assert mine[key].dtype.name == expected[key].dtype.name


CSV_TEXT = "a,b,c,label\n1,2.5,x,0\n3,,y,1\n99999999999,4,z,1\n"


def csv_batches(lib, path, **kwargs):
    make = lib.data.experimental.make_csv_dataset
    dataset = make(path, batch_size=2, shuffle=False, num_epochs=1, **kwargs)
    rows = [({k: v.numpy().tolist() for k, v in features.items()}, label.numpy().tolist())
            for features, label in dataset]
    return repr(dataset.element_spec), rows


def test_make_csv_dataset_infers_columns_and_batches(tmp_path):
    (tmp_path / "m.csv").write_text(CSV_TEXT)
    spec, rows = csv_batches(tf, str(tmp_path / "*.csv"), label_name="label")
    assert spec.startswith("(OrderedDict([('a', TensorSpec(shape=(None,), dtype=tf.int64, name=None)), ('b', "
                           "TensorSpec(shape=(None,), dtype=tf.float32")
    assert rows == [({"a": [1, 3], "b": [2.5, 0.0], "c": [b"x", b"y"]}, [0, 1]),
                    ({"a": [99999999999], "b": [4.0], "c": [b"z"]}, [1])]
    forever = tf.data.experimental.make_csv_dataset(str(tmp_path / "m.csv"), batch_size=2)
    assert int(forever.cardinality()) == tf.data.INFINITE_CARDINALITY


def test_make_csv_dataset_as_tensorflow(tmp_path):
    real = pytest.importorskip("tensorflow")
    (tmp_path / "m.csv").write_text(CSV_TEXT)
    path = str(tmp_path / "m.csv")
    for kwargs in ({"label_name": "label"}, {"label_name": "label", "select_columns": ["c", "label"],
                                             "column_defaults": ["q", 0]}):
        assert csv_batches(tf, path, **kwargs) == csv_batches(real, path, **kwargs)


def test_list_files_then_interleave_readers(tmp_path):
    for name in ("b.txt", "a.txt"):
        (tmp_path / name).write_text(f"{name}-1\n{name}-2\n")
    files = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), shuffle=False)
    assert [pathlib.Path(f.decode()).name for f in records(files)] == ["a.txt", "b.txt"]
    lines = files.interleave(tf.data.TextLineDataset, cycle_length=2)
    assert records(lines) == [b"a.txt-1", b"b.txt-1", b"a.txt-2", b"b.txt-2"]
    shuffled = tf.data.Dataset.list_files(str(tmp_path / "*.txt"), seed=1)
    assert sorted(records(shuffled)) == sorted(records(files))
    with pytest.raises(tf.errors.InvalidArgumentError, match="No files matched pattern"):
        tf.data.Dataset.list_files(str(tmp_path / "*.csv"))
