"""tapeflow's event files read by TensorFlow's own event reader, and compared field by field with the
files TensorFlow writes for the same summaries (skipped without TensorFlow). Run it with TensorFlow's
interpreter: `PYTHONPATH=src /tmp/tfenv/bin/python -m pytest tests/test_summary_against_tensorflow.py`."""

import glob
import os

import numpy as np
import pytest

import tapeflow

tensorflow = pytest.importorskip("tensorflow")


def _summaries(module, logdir):
    writer = module.summary.create_file_writer(logdir)
    with writer.as_default(step=3):
        module.summary.scalar("loss", 0.5)
        module.summary.scalar("loss", np.float64(0.25), step=4, description="quarter")
        module.summary.histogram("h", np.array([1.0, 2.0, 2.0, 3.0, 10.0]), buckets=4)
        module.summary.histogram("normal", np.random.default_rng(0).normal(size=1000))
        module.summary.histogram("same", np.array([5.0, 5.0]))
        module.summary.histogram("empty", np.zeros([0]))
        module.summary.image("img", np.linspace(0, 1, 2 * 3 * 4 * 3).reshape(2, 3, 4, 3), max_outputs=1)
        module.summary.image("img32", np.linspace(0, 1, 4 * 5 * 3, dtype=np.float32).reshape(1, 4, 5, 3))
        module.summary.text("t", ["hello", "world"])
        module.summary.write("raw", module.constant([1, 2], module.int32))
        clips = np.sin(np.linspace(0, 20, 300)).reshape(3, 50, 2).astype(np.float32) * 1.2
        module.summary.audio("sound", clips, 8000, max_outputs=2)
    writer.flush()
    (path,) = glob.glob(os.path.join(logdir, "events.out.tfevents.*"))
    return path


def _read(path):
    """The events as TensorFlow reads them (its summary_iterator), wall times and PNG bytes aside."""
    out = []
    for event in tensorflow.compat.v1.train.summary_iterator(path):
        event.wall_time = 0
        for value in event.summary.value:
            if value.metadata.plugin_data.plugin_name == "images":
                images = [tensorflow.io.decode_png(png).numpy() for png in value.tensor.string_val[2:]]
                del value.tensor.string_val[2:]
                out.append(images)
        out.append(event)
    return out


def test_tensorflow_reads_tapeflow_event_files_as_its_own(tmp_path):
    if not hasattr(tensorflow.summary, "histogram"):
        pytest.skip("TensorFlow's summaries need the tensorboard package")
    ours = _read(_summaries(tapeflow, str(tmp_path / "tapeflow")))
    theirs = _read(_summaries(tensorflow, str(tmp_path / "tensorflow")))
    assert len(ours) == len(theirs) == 14
    for a, b in zip(ours, theirs):
        if isinstance(a, list):
            assert len(a) == len(b) == 1 and np.array_equal(a[0], b[0])
        else:
            assert a == b, (a, b)
    scalar = ours[1].summary.value[0]
    assert scalar.tag == "loss" and tensorflow.make_ndarray(scalar.tensor) == np.float32(0.5)


def test_tfrecord_dataset_reads_tapeflow_events(tmp_path):
    path = _summaries(tapeflow, str(tmp_path))
    records = list(tensorflow.data.TFRecordDataset(path))
    events = [tensorflow.compat.v1.Event.FromString(r.numpy()) for r in records]
    assert events[0].file_version == "brain.Event:2"
    assert [e.summary.value[0].tag for e in events[1:]] == [
        "loss", "loss", "h", "normal", "same", "empty", "img", "img32", "t", "raw", "sound"]
