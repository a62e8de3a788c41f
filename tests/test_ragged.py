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

    with pytest.raises(NotImplementedError, match="RaggedTensor"):
        traced(tf.constant(["a b"]))
    scalar = tf.function(lambda s: tf.strings.split(s))(tf.constant("a b"))
    assert np.array_equal(scalar.numpy(), [b"a", b"b"])
