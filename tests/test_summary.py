"""tf.summary: event files as TensorFlow writes them, and summaries written from tf.function."""

import gc
import io
import os
import struct
import wave
import zlib

import numpy as np
import pytest

import tapeflow as tf
from summary_events import event_files, events, values
from tapeflow.summary.histogram import buckets
from tapeflow.summary.writer import STATE


def test_event_file_name_and_first_event(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "a"))
    (path,) = event_files(tmp_path / "a")
    name = os.path.basename(path)
    assert name.startswith("events.out.tfevents.") and name.endswith(".v2")
    assert name.split(".")[5] == str(os.getpid())
    first = events(tmp_path / "a")[0]  # written at once, before any summary
    assert first["file_version"] == b"brain.Event:2" and first["wall_time"] == int(first["wall_time"])
    writer.close()
    tf.summary.create_file_writer(str(tmp_path / "b"), filename_suffix=".mine")
    assert event_files(tmp_path / "b")[0].endswith(".mine")
    with pytest.raises(ValueError, match="logdir"):
        tf.summary.create_file_writer(None)


def test_scalar_histogram_image_text_and_write(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=3):
        assert bool(tf.summary.scalar("loss", 0.5))
        tf.summary.scalar("loss", np.float64(0.25), step=4)
        tf.summary.histogram("h", [1.0, 2.0, 2.0, 3.0, 10.0], buckets=4)
        tf.summary.image("img", np.full([2, 3, 4, 1], 0.5, np.float32), max_outputs=1)
        tf.summary.text("t", "hello")
        tf.summary.write("raw", tf.constant([1, 2]))
        with tf.name_scope("scope"):
            tf.summary.scalar("inner", 1)
    got = values(tmp_path)
    assert [(s, t, p) for s, t, p, _ in got] == [
        (3, "loss", "scalars"), (4, "loss", "scalars"), (3, "h", "histograms"), (3, "img", "images"),
        (3, "t", "text"), (3, "raw", ""), (3, "scope/inner", "scalars")]
    assert got[0][3].dtype == np.float32 and got[0][3] == 0.5 and got[1][3] == 0.25
    np.testing.assert_array_equal(got[2][3], [[1, 3.25, 4], [3.25, 5.5, 0], [5.5, 7.75, 0], [7.75, 10, 1]])
    width, height, png = got[3][3]
    assert (width, height) == (b"4", b"3") and len(got[3][3]) == 3  # max_outputs=1
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == (4, 3)
    idat = png.index(b"IDAT")
    size = struct.unpack(">I", png[idat - 4:idat])[0]
    rows = np.frombuffer(zlib.decompress(png[idat + 4:idat + 4 + size]), np.uint8).reshape(3, 5)
    assert (rows[:, 0] == 0).all() and (rows[:, 1:] == 127).all()  # 0.5 * 255.5, truncated, as TF
    assert got[4][3] == b"hello" and got[5][3].tolist() == [1, 2]


def test_audio_as_wav(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    clips = np.stack([np.linspace(-1.5, 1.5, 40).reshape(20, 2)] * 3)
    with writer.as_default(step=1):
        tf.summary.audio("sound", clips, 16000, max_outputs=2)
    writer.flush()
    ((step, tag, plugin, value),) = values(tmp_path)
    assert (step, tag, plugin, value.shape) == (1, "sound", "audio", (2, 2)) and value[0, 1] == b""
    with wave.open(io.BytesIO(value[0, 0])) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (2, 2, 16000)
        assert wav.getnframes() == 20
        samples = np.frombuffer(wav.readframes(20), "<i2")
    assert samples[0] == -32768 and samples[-1] == 32767  # clipped to [-1, 1]


def test_histogram_buckets_edge_cases():
    np.testing.assert_array_equal(buckets(np.zeros([0])), np.zeros([30, 3]))
    single = buckets(np.array([5.0, 5.0]), 3)
    np.testing.assert_array_equal(single, [[5, 5, 0], [5, 5, 0], [5, 5, 2]])
    assert buckets(np.arange(10.0), 0).shape == (0, 3)
    assert buckets(np.random.default_rng(0).normal(size=1000))[:, 2].sum() == 1000


def test_no_writer_no_step_record_if_and_noop_writer(tmp_path):
    assert not bool(tf.summary.scalar("x", 1.0, step=1)) and not bool(tf.summary.should_record_summaries())
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert bool(tf.summary.should_record_summaries())
        with pytest.raises(ValueError, match="No step set"):
            tf.summary.scalar("x", 1.0)
        with tf.summary.record_if(False):
            assert not bool(tf.summary.scalar("x", 1.0, step=1))
            assert not bool(tf.summary.should_record_summaries())
        with tf.summary.record_if(lambda: tf.constant(True)):
            assert bool(tf.summary.scalar("y", 1.0, step=2))
        with pytest.raises(ValueError, match="Expected scalar shape"):
            tf.summary.scalar("x", [1.0, 2.0], step=1)
        with pytest.raises(ValueError, match="must have rank 4"):
            tf.summary.image("x", [1.0], step=1)
        with pytest.raises(TypeError, match="tf.string"):
            tf.summary.text("x", 1.0, step=1)
    with tf.summary.create_noop_writer().as_default():
        assert not bool(tf.summary.scalar("z", 1.0, step=1))
    assert tf.summary.experimental.get_step() is None
    tf.summary.experimental.set_step(7)
    try:
        with writer.as_default():
            tf.summary.scalar("stepped", 1.0)
    finally:
        tf.summary.experimental.set_step(None)
    assert [(s, t) for s, t, _, _ in values(tmp_path)] == [(2, "y"), (7, "stepped")]


def test_queue_is_written_when_full_on_flush_and_on_close(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=2, flush_millis=10**9)
    with writer.as_default(step=0):
        for i in range(2):
            tf.summary.scalar("q", float(i))
        assert len(values(tmp_path)) == 0  # queued
        tf.summary.scalar("q", 2.0)
        assert len(values(tmp_path)) == 3  # more than max_queue: written
        tf.summary.scalar("q", 3.0)
        tf.summary.flush()
        assert len(values(tmp_path)) == 4
    writer.set_as_default(step=1)
    try:
        tf.summary.scalar("q", 4.0)
        writer.close()
        assert [v.item() for _, _, _, v in values(tmp_path)] == [0, 1, 2, 3, 4]
        with pytest.raises(tf.errors.FailedPreconditionError):
            tf.summary.scalar("q", 5.0)
    finally:
        STATE.writer, STATE.step = None, None  # (set_as_default has no end)


def test_a_dropped_writer_writes_its_queue(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0):
        tf.summary.scalar("a", 1.0)
    writer.set_as_default()
    tf.summary.scalar("b", 2.0, step=1)  # queued
    STATE.writer = None
    del writer
    gc.collect()
    assert [t for _, t, _, _ in values(tmp_path)] == ["a", "b"]


def test_flush_millis_writes_the_queue_when_due(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path), max_queue=100, flush_millis=0)
    with writer.as_default(step=0):
        tf.summary.scalar("now", 1.0)
        assert len(values(tmp_path)) == 1
    writer.close()


def test_summaries_in_a_function_run_on_every_call_in_order(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(0, dtype=tf.int64)
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def train(x):
        with writer.as_default(step=step):
            tf.summary.scalar("x", x)
            v.assign_add([1.0, 1.0])
            tf.summary.histogram("v", v, buckets=2)
            with tf.summary.record_if(tf.equal(step % 2, 0)):
                tf.summary.scalar("even", x * 2)
        step.assign_add(1)

    for i in range(3):
        train(tf.constant(float(i)))
    writer.flush()
    got = values(tmp_path)
    assert [(s, t) for s, t, _, _ in got] == [
        (0, "x"), (0, "v"), (0, "even"), (1, "x"), (1, "v"), (2, "x"), (2, "v"), (2, "even")]
    assert [v[:, 0].tolist() for s, t, _, v in got if t == "v"] == [[2, 2.5], [3, 3.5], [4, 4.5]]
    assert [v.item() for s, t, _, v in got if t == "even"] == [0.0, 4.0]


def test_a_summary_in_a_loop_is_not_repeated_by_its_gradient(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    x = tf.Variable(2.0)

    @tf.function
    def f():
        with writer.as_default():
            y = x * 1.0
            for i in tf.range(3):
                tf.summary.scalar("y", y, step=tf.cast(i, tf.int64))
                y = y * x
        return y

    with tf.GradientTape() as tape:
        y = f()
    assert float(tape.gradient(y, x)) == 4 * 2.0**3
    writer.flush()
    assert [(s, v.item()) for s, _, _, v in values(tmp_path)] == [(0, 2.0), (1, 4.0), (2, 8.0)]


def test_trace_export_writes_the_function_graph(tmp_path):
    from tapeflow.summary.messages import GRAPH_DEF
    from tapeflow.train.proto import decode

    @tf.function
    def model(x):
        return tf.nn.relu(tf.matmul(x, tf.ones([3, 2])) + 1.0)

    writer = tf.summary.create_file_writer(str(tmp_path))
    tf.summary.trace_on(graph=True)
    model(tf.zeros([4, 3]))
    with writer.as_default():
        tf.summary.trace_export("model", step=0)
    model(tf.zeros([4, 3]))  # tracing stopped: nothing more collected
    writer.close()
    (event,) = [e for e in events(tmp_path) if "graph_def" in e]
    nodes = decode(GRAPH_DEF, event["graph_def"])["node"]
    ops = {n["name"].decode(): (n["op"].decode(), [i.decode() for i in n["input"]]) for n in nodes}
    assert ops["x"] == ("Placeholder", [])
    matmul = next(name for name, (op, _) in ops.items() if op == "MatMul")
    relu = next(name for name, (op, _) in ops.items() if op == "Relu")
    assert ops[matmul][1][0] == "x" and ops[relu][1][0].startswith("add")
    shapes = {n["name"].decode(): n["attr"] for n in nodes}[matmul]
    assert [a["key"] for a in shapes] == [b"T", b"_output_shapes"]
    assert [d["size"] for d in shapes[1]["value"]["list"]["shape"][0]["dim"]] == [4, 2]


def test_innermost_record_if_wins(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(1, dtype=tf.int64)

    @tf.function
    def log():
        with tf.summary.record_if(True):  # inside a condition that is False on this call
            tf.summary.scalar("always", 1.0)
        tf.summary.scalar("sometimes", 2.0)

    with writer.as_default(step=step), tf.summary.record_if(lambda: tf.equal(step % 2, 0)):
        with tf.summary.record_if(True):
            assert bool(tf.summary.should_record_summaries())
        for _ in range(2):
            log()
            step.assign_add(1)
        with tf.summary.record_if(False):
            assert not bool(tf.summary.scalar("never", 0.0))
    writer.close()
    assert [(s, tag) for s, tag, _, _ in values(tmp_path)] == [(1, "always"), (2, "always"), (2, "sometimes")]


def test_name_scopes_and_summary_scope_make_tags(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=0), tf.name_scope("outer"):
        with tf.name_scope("inner"):
            tf.summary.scalar("a b", 1.0)
        with tf.summary.experimental.summary_scope("my op!", "Default") as (tag, scope):
            assert (tag, scope) == ("outer/my op!", "outer/myop/")
            tf.summary.write(tag, tf.constant(5.0))
        with tf.summary.experimental.summary_scope(None, "Default") as (tag, scope):
            assert (tag, scope) == ("outer/Default", "outer/Default/")
    writer.close()
    assert [tag for _, tag, _, _ in values(tmp_path)] == ["outer/inner/a b", "outer/my op!"]


def test_graph_writes_a_function_graph_at_step_0(tmp_path):
    @tf.function
    def f(x):
        return x * 2.0

    graph = f.get_concrete_function(tf.constant(1.0)).graph
    assert not bool(tf.summary.graph(graph))  # no writer
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with tf.summary.record_if(False):
            assert not bool(tf.summary.graph(graph))
        assert bool(tf.summary.graph(graph))
        with pytest.raises(ValueError, match="Argument 'graph_data' is not tf.Graph or tf.compat"):
            tf.summary.graph("x")
        with pytest.raises(ValueError, match="cannot be invoked inside a graph context"):
            tf.function(lambda: tf.summary.graph(graph))()
    writer.close()
    (event,) = [e for e in events(tmp_path) if "graph_def" in e]
    assert "step" not in event and b"Mul" in event["graph_def"]  # step 0: the field left out
