"""tapeflow's event files read back by the real TensorBoard over its HTTP API (skipped without it).

TensorBoard runs without TensorFlow; it is started on a free loopback port, its data read back with
bounded waits, and it is always shut down."""

import json
import socket
import struct
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

import tapeflow as tf
from tensorboard_cases import fit, written

pytest.importorskip("tensorboard")

_WAIT = 60  # seconds: TensorBoard's start and first load, on a busy machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_logs(logdir):
    writer = tf.summary.create_file_writer(str(logdir / "train"))
    step = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def log(loss):
        with writer.as_default(step=step):
            tf.summary.scalar("loss", loss)
        step.assign_add(1)

    tf.summary.trace_on(graph=True)
    for loss in (1.0, 0.5, 0.25):
        log(tf.constant(loss))
    with writer.as_default(step=2):
        tf.summary.trace_export("log")
        tf.summary.histogram("weights", [1.0, 2.0, 2.0, 3.0, 10.0], buckets=4)
        tf.summary.image("picture", np.full([2, 5, 7, 3], 0.5, np.float32), max_outputs=2)
        tf.summary.text("note", "tapeflow **logs**")
        tf.summary.audio("sound", np.zeros([1, 800, 1]), 8000)
    writer.close()
    fit(tf, logdir / "fit", "batches_histograms_images")  # the Keras callback's: fit/train, fit/validation


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory):
    logdir = tmp_path_factory.mktemp("logs")
    _write_logs(logdir)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host", "127.0.0.1",
         "--port", str(port), "--load_fast=false", "--reload_interval=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/data"

    def get(path, raw=False):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            body = response.read()
        return body if raw else json.loads(body)

    try:
        deadline = time.monotonic() + _WAIT
        while True:  # up, and the run loaded
            try:
                if len(get("/plugin/scalars/scalars?run=train&tag=loss")) == 3:
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("TensorBoard did not serve the logs in time")
            time.sleep(0.5)
        get.logdir = logdir
        yield get
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_scalars(tensorboard):
    assert sorted(tensorboard("/runs")) == ["fit/train", "fit/validation", "train"]
    points = tensorboard("/plugin/scalars/scalars?run=train&tag=loss")
    assert [(step, value) for _, step, value in points] == [(0, 1.0), (1, 0.5), (2, 0.25)]


def test_histogram_buckets(tensorboard):
    ((_, step, buckets),) = tensorboard("/plugin/histograms/histograms?run=train&tag=weights")
    assert step == 2
    assert buckets == [[1.0, 3.25, 4.0], [3.25, 5.5, 0.0], [5.5, 7.75, 0.0], [7.75, 10.0, 1.0]]


def test_images(tensorboard):
    for sample in (0, 1):
        ((entry),) = tensorboard(f"/plugin/images/images?run=train&tag=picture&sample={sample}")
        png = tensorboard(f"/plugin/images/individualImage?{entry['query']}", raw=True)
        assert entry["step"] == 2 and png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (7, 5)  # width, height


def test_text(tensorboard):
    ((entry),) = tensorboard("/plugin/text/text?run=train&tag=note")
    assert entry["step"] == 2 and entry["text"] == "<p>tapeflow <strong>logs</strong></p>"


def test_audio(tensorboard):
    ((entry),) = tensorboard("/plugin/audio/audio?run=train&tag=sound&sample=0")
    wav = tensorboard(f"/plugin/audio/individualAudio?{entry['query']}", raw=True)
    assert entry["step"] == 2 and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) == 44 + 1600


def test_graph(tensorboard):
    text = tensorboard("/plugin/graphs/graph?run=train", raw=True).decode()
    for name, op in [("loss", "Placeholder"), ("WriteSummary", "WriteSummary"),
                     ("AssignVariableOp", "AssignVariableOp")]:
        assert f'name: "{name}"\n  op: "{op}"' in text
    assert 'input: "loss"' in text


def test_keras_callback_runs(tensorboard):
    logged = {(run, tag, step): value for run, tag, step, _, value in written(tensorboard.logdir / "fit")}
    for run in ("train", "validation"):
        points = tensorboard(f"/plugin/scalars/scalars?run=fit/{run}&tag=epoch_loss")
        assert [(step, value) for _, step, value in points] == [
            (step, pytest.approx(logged[run, "epoch_loss", step])) for step in (0, 1)]
    points = tensorboard("/plugin/scalars/scalars?run=fit/train&tag=batch_loss")
    assert [step for _, step, _ in points] == list(range(1, 9))
    histograms = tensorboard("/plugin/histograms/histograms?run=fit/train&tag=dense/kernel_0/histogram")
    assert [step for _, step, _ in histograms] == [0, 1]
    ((entry),) = tensorboard("/plugin/images/images?run=fit/train&tag=dense/kernel_0/image&sample=0")[:1]
    png = tensorboard(f"/plugin/images/individualImage?{entry['query']}", raw=True)
    assert struct.unpack(">II", png[16:24]) == (4, 3)  # the 3x4 kernel: its 4 units across, as tf-keras
    keras_graph = tensorboard("/plugin/graphs/graph?run=fit/train&conceptual=true&tag=keras", raw=True)
    keras_graph = keras_graph.decode()
    assert 'name: "sequential/dense"' in keras_graph and 'name: "sequential/dense_1"' in keras_graph
