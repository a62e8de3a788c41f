"""tf.RaggedTensor basics beyond the differential cases: construction checks, indexing, gradients
through flat values, and the ragged results of tf.strings.split."""

import numpy as np
import pytest

import tapeflow as tf


def test_rows_and_partitions():
    rt = tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 3, 3, 4])
    assert rt.to_list() == [[1, 2, 3], [], [4]] and rt.shape.as_list() == [3, None]
    assert rt.ragged_rank == 1 and rt.dtype == tf.int32 and int(rt.nrows()) == 3
    assert rt[1:].to_list() == [[], [4]] and rt[-1].numpy().tolist() == [4]
    assert [row.tolist() for row in rt.numpy()] == [[1, 2, 3], [], [4]]
    nested = tf.ragged.constant([[[1], [2, 3]], [[4]]])
    assert nested.ragged_rank == 2 and nested[0].to_list() == [[1], [2, 3]]
    assert nested.to_tensor().numpy().tolist() == [[[1, 0], [2, 3]], [[4, 0], [0, 0]]]


def test_invalid_partitions_are_tensorflows_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match="do not form a valid RaggedTensor"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.ragged.constant([[1]])[3]


def test_gradients_reach_the_flat_values():
    values = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(values)
        rt = tf.RaggedTensor.from_row_lengths(values, [2, 1])
        squared = tf.ragged.map_flat_values(tf.square, rt)
        loss = tf.reduce_sum(squared.flat_values) + tf.reduce_sum(squared[0])
    assert tape.gradient(loss, values).numpy().tolist() == [4.0, 8.0, 6.0]


def test_split_of_strings_gives_ragged_rows():
    words = tf.strings.split(tf.constant(["the cat", "", "a b c"]))
    assert isinstance(words, tf.RaggedTensor)
    assert words.to_list() == [[b"the", b"cat"], [], [b"a", b"b", b"c"]]
    assert repr(tf.strings.bytes_split(tf.constant(["ab"]))) == "<tf.RaggedTensor [[b'a', b'b']]>"

    @tf.function
    def traced(x):
        return tf.strings.split(x)

    words = traced(tf.constant(["a b", "c"]))
    assert isinstance(words, tf.RaggedTensor) and words.to_list() == [[b"a", b"b"], [b"c"]]
    grid = traced(tf.constant([["a b", ""], ["c", "d e f"]]))
    assert grid.to_list() == [[[b"a", b"b"], []], [[b"c"], [b"d", b"e", b"f"]]]
    scalar = tf.function(lambda s: tf.strings.split(s))(tf.constant("a b"))
    assert np.array_equal(scalar.numpy(), [b"a", b"b"])


def test_a_ragged_argument_traces_once_per_spec():
    traces = []

    @tf.function
    def f(rt):
        traces.append(rt._type_spec)
        return rt.row_lengths(), rt.to_tensor(default_value=-1), rt[1], rt * 2, rt.nrows()

    lengths, dense, row, doubled, nrows = f(tf.ragged.constant([[1, 2, 3], [], [4]]))
    assert lengths.numpy().tolist() == [3, 0, 1] and row.numpy().tolist() == []
    assert dense.numpy().tolist() == [[1, 2, 3], [-1, -1, -1], [4, -1, -1]] and int(nrows) == 3
    assert doubled.to_list() == [[2, 4, 6], [], [8]]
    f(tf.ragged.constant([[5], [6, 7], [8, 9, 10]]))  # the same spec: no new trace
    f(tf.ragged.constant([[5], [6, 7]]))  # another number of rows: a trace, as TensorFlow's
    assert traces == [tf.RaggedTensorSpec([3, None], tf.int32, 1),
                      tf.RaggedTensorSpec([2, None], tf.int32, 1)]
    assert repr(traces[0]) == "RaggedTensorSpec(TensorShape([3, None]), tf.int32, 1, tf.int64)"


def test_to_tensor_is_differentiable_eagerly_and_traced():
    values = tf.constant([1.0, 2.0, 3.0])

    def loss(v):
        rt = tf.RaggedTensor.from_row_splits(v, [0, 2, 2, 3])
        return tf.reduce_sum(rt.to_tensor() * tf.constant([[1.0, 10.0], [5.0, 5.0], [100.0, 7.0]]))

    for fn in (loss, tf.function(loss)):
        with tf.GradientTape() as tape:
            tape.watch(values)
            result = fn(values)
        assert tape.gradient(result, values).numpy().tolist() == [1.0, 10.0, 100.0]


def test_nested_rows_slices_and_row_ids():
    nested = tf.ragged.constant([[[1], [2, 3]], [[4]], []])
    assert nested[0, 1].numpy().tolist() == [2, 3] and nested[1:].to_list() == [[[4]], []]
    assert nested.to_tensor(shape=[2, 3, 3]).numpy().tolist() == [
        [[1, 0, 0], [2, 3, 0], [0, 0, 0]], [[4, 0, 0], [0, 0, 0], [0, 0, 0]]]
    assert tf.ragged.constant([[1, 2], [], [3]]).value_rowids().numpy().tolist() == [0, 0, 2]
    splits32 = tf.RaggedTensor.from_row_splits([1, 2, 3], tf.constant([0, 1, 3]))
    assert splits32.row_splits_dtype == tf.int32 and splits32.row_lengths().dtype == tf.int32
