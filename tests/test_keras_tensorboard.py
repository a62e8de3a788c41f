"""`tf.keras.callbacks.TensorBoard` against what tf-keras 2.21 writes for the same fits
(tests/fixtures/tensorboard_keras.json, recorded by tests/record_tensorboard_fixtures.py): the same
runs, tags and steps, and the same values to float32 rounding."""

import json
import os
import pathlib

import numpy as np
import pytest

import tapeflow as tf
from summary_events import event_files
from tensorboard_cases import CASES, TIMINGS, fit, written

FIXTURE = json.loads((pathlib.Path(__file__).parent / "fixtures" / "tensorboard_keras.json").read_text())


@pytest.mark.parametrize("case", sorted(CASES))
def test_callback_writes_what_tf_keras_writes(tmp_path, case):
    fit(tf, tmp_path, case)
    ours, theirs = written(tmp_path), FIXTURE[case]
    assert [r[:4] for r in ours] == [r[:4] for r in theirs]  # runs, tags, steps, plugins, in file order
    for (run, tag, step, plugin, value), expected in zip(ours, theirs):
        if tag == "<graph>" or tag in TIMINGS:
            continue  # tapeflow's own graph; measured times
        if plugin in ("scalars", "histograms"):
            np.testing.assert_allclose(value, expected[4], rtol=2e-6, atol=1e-7, err_msg=f"{run} {tag}")
        else:
            assert value == expected[4], (run, tag, step)


def test_batch_summaries_only_when_a_callback_asks_for_batch_hooks(tmp_path):
    assert not any(tag.startswith("batch_") or tag == "<graph>" for _, tag, *_ in FIXTURE["quiet"])
    assert any(tag == "batch_loss" for _, tag, *_ in FIXTURE["batches_histograms_images"])


def test_arguments():
    with pytest.raises(ValueError, match="Unrecognized arguments in `TensorBoard` Callback: {'bogus'}"):
        tf.keras.callbacks.TensorBoard(bogus=1)
    with pytest.warns(UserWarning, match="`write_grads` will be ignored"):
        tf.keras.callbacks.TensorBoard(write_grads=True)
    for bad in (-1, (3, 2), "3,1", 1.5):
        with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
            tf.keras.callbacks.TensorBoard(profile_batch=bad)
    assert tf.keras.callbacks.TensorBoard(update_freq="batch").update_freq == 1


def _model(embedding=False):
    tf.keras.utils.set_random_seed(0)
    first = tf.keras.layers.Embedding(5, 2, input_length=3) if embedding else tf.keras.layers.Dense(2)
    model = tf.keras.Sequential([first, tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=embedding)
    return model


X, Y = np.array([[0, 1, 2], [3, 4, 0]] * 4), np.zeros((8, 1), np.float32)


def test_profile_batch_writes_the_traced_batches_graph(tmp_path):
    callback = tf.keras.callbacks.TensorBoard(tmp_path, profile_batch=(2, 3))
    _model().fit(X, Y, batch_size=2, epochs=1, verbose=0, callbacks=[callback])
    graphs = [r for r in written(tmp_path) if r[1] == "<graph>"]
    assert [r[2] for r in graphs] == [0, 3]  # the train step's graph, then batches 2 to 3 as `batch_3`


def test_embeddings_are_saved_for_the_projector(tmp_path):
    callback = tf.keras.callbacks.TensorBoard(tmp_path, embeddings_freq=1, embeddings_metadata="words.tsv")
    _model(embedding=True).fit(X, Y, batch_size=2, epochs=2, verbose=0, callbacks=[callback])
    assert (tmp_path / "projector_config.pbtxt").read_text() == (
        'embeddings {\n  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
        '  metadata_path: "words.tsv"\n}\n')
    for epoch in (0, 1):
        assert (tmp_path / "train" / f"keras_embedding.ckpt-{epoch}.index").exists()


def test_evaluate_alone_logs_at_the_optimizers_step(tmp_path):
    model = _model()
    x, y = X[:2], np.ones((2, 1), np.float32)
    model.fit(x, y, epochs=3, verbose=0)
    model.evaluate(x, y, verbose=0, callbacks=[tf.keras.callbacks.TensorBoard(tmp_path, write_graph=False)])
    ((run, tag, step, _, value),) = written(tmp_path)
    assert (run, tag, step) == ("validation", "evaluation_loss_vs_iterations", 3)
    assert value == pytest.approx(model.evaluate(x, y, verbose=0))
    assert len(event_files(os.path.join(tmp_path, "validation"))) == 1


def test_a_functional_models_config_is_written_as_tf_keras_writes_it(tmp_path):
    inputs = tf.keras.Input((3,))
    model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    callbacks = [tf.keras.callbacks.TensorBoard(tmp_path)]
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0, callbacks=callbacks)
    (model_json,) = [value for run, tag, step, _, value in written(tmp_path) if tag == "keras"]
    assert model_json["class_name"] == "Functional"
    assert model_json["config"] == json.loads(json.dumps(model.get_config()))
