"""The examples run and print what they promise."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def run(name: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def test_tutorial_example_prints_the_derivatives_and_the_minimum():
    result = run("tutorial_autodiff.py")
    assert result.stdout.split("\n")[:4] == [
        "tf.Tensor(-2.0, shape=(), dtype=float32)", "tf.Tensor(0.0, shape=(), dtype=float32)",
        "tf.Tensor(1.0, shape=(), dtype=float32)", "tf.Tensor(2.0, shape=(), dtype=float32)"]
    assert result.stderr.strip() == "y = 0 ; x = 0.999998569"


def test_logistic_regression_loss_falls_with_both_optimizers():
    lines = run("fit_logistic_regression.py").stderr.splitlines()
    for optimizer in ("SGD:", "Adam:"):
        start = lines.index(optimizer)
        losses = [float(line.split()[3]) for line in lines[start + 1:start + 6]]
        assert losses == sorted(losses, reverse=True) and losses[-1] < 0.2 * losses[0]


def test_module_training_finds_the_variables_and_the_loss_falls():
    lines = run("module_training.py").stderr.splitlines()
    assert lines[0] == "variables: ['hidden/b:0', 'hidden/w:0', 'output/b:0', 'output/w:0']"
    losses = [float(line.split()[-1]) for line in lines[1:]]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 0.01 * losses[0]


def test_checkpoint_resume_continues_where_training_stopped(tmp_path):
    lines = run("checkpoint_resume.py").stderr.splitlines()
    assert lines[3] == "-- stopped; a new run resumes --" and lines[4] == "resumed from ckpt-3 at epoch 3"
    epochs = [line.split() for line in lines if line.startswith("epoch")]
    assert [int(e[1]) for e in epochs] == [1, 2, 3, 4, 5, 6]
    assert [e[-1] for e in epochs] == [f"ckpt-{i}" for i in range(1, 7)]
    losses = [float(e[3]) for e in epochs]
    assert losses == sorted(losses, reverse=True)
    # An uninterrupted run of 6 epochs ends at the same loss as the resumed one.
    uninterrupted = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import checkpoint_resume as c; "
         "c.run(sys.argv[2], 6)", str(EXAMPLES), str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert uninterrupted.stderr.splitlines()[-1].split()[3] == epochs[-1][3]


def test_csv_pipeline_trains_the_classifier():
    lines = run("csv_pipeline.py").stderr.splitlines()
    assert lines[0] == ("element_spec: (TensorSpec(shape=(None, 2), dtype=tf.float32, name=None), "
                        "TensorSpec(shape=(None,), dtype=tf.float32, name=None))")
    losses = [float(line.split()[3]) for line in lines[1:]]
    accuracies = [float(line.split()[5]) for line in lines[1:]]
    assert len(losses) == 6 and losses == sorted(losses, reverse=True) and losses[-1] < 0.2 * losses[0]
    assert accuracies[-1] > 0.95


def test_tensorboard_logging_writes_the_custom_loop_and_the_keras_runs(tmp_path):
    from summary_events import events, values
    from tensorboard_cases import written

    result = subprocess.run([sys.executable, str(EXAMPLES / "tensorboard_logging.py"), str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    custom = tmp_path / "custom"
    got = values(custom)
    losses = [(step, v.item()) for step, tag, plugin, v in got if tag == "loss" and plugin == "scalars"]
    assert [step for step, _ in losses] == list(range(101)) and losses[-1][1] < 0.1 * losses[0][1]
    printed = [float(line.split()[3]) for line in result.stderr.splitlines() if line.startswith("step")]
    assert np.allclose(printed, [loss for step, loss in losses if step % 20 == 0], rtol=1e-6)
    for tag in ("regressor/w1", "regressor/b1", "regressor/w2"):
        steps = [step for step, t, plugin, v in got if t == tag and plugin == "histograms"]
        assert steps == list(range(0, 101, 20))
    images = [v for _, t, plugin, v in got if t == "fit" and plugin == "images"]
    assert len(images) == 6 and all(v[:2].tolist() == [b"32", b"32"] for v in images)
    assert [v.item() for _, t, p, v in got if p == "text"] == [b"A tapeflow model fitting sin(3x)."]
    assert sum("graph_def" in e for e in events(custom)) == 1

    keras = written(tmp_path / "keras")
    steps: dict = {}
    for run, tag, step, _, _ in keras:
        steps.setdefault((run, tag), []).append(step)
    assert steps["train", "batch_loss"] == list(range(5, 121, 5))  # 12 batches an epoch, every 5th
    for run in ("train", "validation"):
        assert steps[run, "epoch_accuracy"] == list(range(10))
    for tag in ("dense/kernel_0/histogram", "dense_1/bias_0/image"):
        assert steps["train", tag] == list(range(10))
    assert steps["train", "keras"] == steps["train", "<graph>"] == [0]
    val_accuracy = [value for run, tag, *_, value in keras if (run, tag) == ("validation", "epoch_accuracy")]
    assert val_accuracy[-1] > 0.9 and f"keras val_accuracy {val_accuracy[-1]:.7g}" in result.stderr


def test_keras_mlp_trains_with_fit_and_the_loss_falls():
    lines = run("keras_mlp.py").stdout.splitlines()
    assert lines[0] == 'Model: "sequential"' and lines[1 + lines[1:].index("Epoch 1/40")] == "Epoch 1/40"
    epochs = [line for line in lines if line.startswith("23/23 - ")]
    assert epochs and all(" - loss: " in line and " - val_accuracy: " in line for line in epochs)
    words = lines[-2].replace(",", "").split()
    first, final, accuracy = float(words[2]), float(words[5]), float(words[7])
    assert final < 0.2 * first and accuracy > 0.9


def _needs(*modules: str) -> None:
    for module in modules:
        pytest.importorskip(module, reason=f"the example needs {module} (pip install tapeflow[examples])")


def _is_png(path: pathlib.Path) -> bool:
    """A PNG signature, and matplotlib reads it back as an image."""
    import matplotlib.image

    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and matplotlib.image.imread(path).ndim == 3


def test_keras_digits_cnn_learns_the_digits_and_saves_its_plot(tmp_path):
    _needs("matplotlib", "sklearn")
    path = tmp_path / "digits.png"
    result = subprocess.run([sys.executable, str(EXAMPLES / "keras_digits_cnn.py"), str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith(" batch_normalization (Batch") for line in lines)  # the summary
    losses = [float(line.split(" - loss: ")[1].split()[0]) for line in lines if " - loss: " in line]
    assert len(losses) == 6 and losses[-1] < 0.3 * losses[0]
    words = lines[-2].replace(",", "").split()
    assert words[:2] == ["first", "loss"] and float(words[8]) > 0.85  # test accuracy (chance: 0.1)
    assert lines[-1] == f"saved {path}" and _is_png(path)


def test_keras_custom_loop_trains_and_saves_its_loss_curve(tmp_path):
    _needs("matplotlib")
    path = tmp_path / "loop.png"
    result = subprocess.run([sys.executable, str(EXAMPLES / "keras_custom_loop.py"), str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    epochs = [line.replace(",", "").split() for line in lines if line.startswith("epoch")]
    assert len(epochs) == 15
    accuracy = [float(e[5]) for e in epochs]
    val_accuracy = [float(e[8]) for e in epochs]
    assert accuracy[-1] > accuracy[0] + 0.3 and val_accuracy[-1] > 0.9  # chance: 1/3
    assert lines[-1] == f"saved {path}" and _is_png(path)
def test_keras_sequence_forecasts_the_sine_wave_and_saves_the_plot(tmp_path):
    _needs("matplotlib")
    path = tmp_path / "forecast.png"
    result = subprocess.run([sys.executable, str(EXAMPLES / "keras_sequence.py"), str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == 'Model: "sequential"' and "lstm (LSTM)" in result.stdout
    words = lines[-2].replace(",", "").split()
    first, final, test = float(words[2]), float(words[5]), float(words[8])
    assert final < 0.1 * first and test < 2 * final
    assert lines[-1] == f"plot saved to {path}"
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR"
    assert int.from_bytes(header[16:20], "big") == 720 and int.from_bytes(header[20:24], "big") == 280
