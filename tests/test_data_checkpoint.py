"""tf.data iterators in checkpoints: a restored iterator resumes at the element after the last one
given, through shuffle (seeded or not), map, batch and repeat, in this process or a fresh one."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import tapeflow as tf


def _rest(iterator):
    return [np.asarray(x).tolist() for x in iterator]


def _pipelines():
    return {
        "range": lambda: tf.data.Dataset.range(7),
        "shuffle_map_batch_repeat": lambda: tf.data.Dataset.range(10).shuffle(5).map(lambda x: x * 2)
        .batch(3).repeat(3),
        "seeded_shuffle_repeat": lambda: tf.data.Dataset.from_tensor_slices(np.arange(20.0)).shuffle(
            20, seed=4).repeat(2).batch(4),
        "generator_shuffle": lambda: tf.data.Dataset.from_generator(
            lambda: iter(range(20)), output_signature=tf.TensorSpec((), tf.int64)).shuffle(4).batch(5),
    }


@pytest.mark.parametrize("name", list(_pipelines()))
@pytest.mark.parametrize("taken", [0, 1, 4])
def test_a_restored_iterator_resumes_where_it_was_saved(tmp_path, name, taken):
    dataset = _pipelines()[name]()
    iterator = iter(dataset)
    for _ in range(taken):
        next(iterator)
    path = tf.train.Checkpoint(iterator=iterator).write(str(tmp_path / "ckpt"))
    expected = _rest(iterator)
    other = iter(_pipelines()[name]())  # a new dataset: a shuffle without a seed draws other seeds
    next(other)
    tf.train.Checkpoint(iterator=other).read(path).assert_consumed()
    assert _rest(other) == expected


def test_the_saved_state_is_a_string_tensor_under_tensorflows_key(tmp_path):
    iterator = iter(tf.data.Dataset.range(3))
    next(iterator)
    path = tf.train.Checkpoint(iterator=iterator).write(str(tmp_path / "ckpt"))
    assert dict(tf.train.list_variables(path))["iterator/.ATTRIBUTES/ITERATOR_STATE"] == [1]
    assert tf.train.load_checkpoint(path).get_variable_to_dtype_map()[
        "iterator/.ATTRIBUTES/ITERATOR_STATE"] == tf.string


def test_a_manager_restores_the_iterator_with_the_model(tmp_path):
    dataset = tf.data.Dataset.range(6).shuffle(6).repeat()
    step = tf.Variable(0)
    iterator = iter(dataset)
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(step=step, it=iterator), str(tmp_path), 2)
    for _ in range(5):
        next(iterator)
        step.assign_add(1)
    manager.save()
    expected = [int(next(iterator)) for _ in range(8)]
    restored_step, restored = tf.Variable(0), iter(dataset)
    tf.train.Checkpoint(step=restored_step, it=restored).restore(manager.latest_checkpoint).assert_consumed()
    assert int(restored_step.numpy()) == 5 and [int(next(restored)) for _ in range(8)] == expected


def test_a_fresh_process_resumes_the_unseeded_shuffle(tmp_path):
    program = (
        "import sys, tapeflow as tf\n"
        "ds = tf.data.Dataset.range(30).shuffle(30).batch(4)\n"
        "it = iter(ds)\n"
        "if sys.argv[1] == 'save':\n"
        "    next(it); tf.train.Checkpoint(it=it).write(sys.argv[2])\n"
        "else:\n"
        "    tf.train.Checkpoint(it=it).read(sys.argv[2])\n"
        "print([x.numpy().tolist() for x in it])\n")
    path = str(tmp_path / "ckpt")
    saved = subprocess.run([sys.executable, "-c", program, "save", path], capture_output=True, text=True)
    resumed = subprocess.run([sys.executable, "-c", program, "load", path], capture_output=True, text=True)
    assert saved.returncode == resumed.returncode == 0, saved.stderr + resumed.stderr
    assert saved.stdout == resumed.stdout and saved.stdout.count("[") > 2


def test_a_different_pipeline_or_tensorflows_state_is_refused(tmp_path):
    iterator = iter(tf.data.Dataset.range(8).shuffle(4))
    path = tf.train.Checkpoint(it=iterator).write(str(tmp_path / "ckpt"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 shuffle"):
        tf.train.Checkpoint(it=iter(tf.data.Dataset.range(8))).read(path)
    tensorflows = str(pathlib.Path(__file__).parent / "fixtures" / "tf_iterator" / "ckpt")
    with pytest.raises(tf.errors.UnimplementedError, match="DT_VARIANT written by TensorFlow"):
        tf.train.Checkpoint(iterator=iter(tf.data.Dataset.range(3))).read(tensorflows)
