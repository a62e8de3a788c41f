"""Layout ops: values against NumPy, TensorFlow's dtypes and errors, and gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.ops.gather_ops import unsorted_segment_sum

from gradcheck import check_gradients

RNG = np.random.default_rng(2)
DTYPES = [np.float64, np.float32]


def values(*shape):
    return np.asarray(RNG.uniform(-2.0, 2.0, size=shape))


def ints(*shape):
    return tf.constant(np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape))


def raises(exc, text, f, *args, **kwargs):
    with pytest.raises(exc) as info:
        f(*args, **kwargs)
    assert text in str(info.value), str(info.value)


# ---- values and dtypes ------------------------------------------------------------------------

def test_transpose_values_and_conjugate():
    a = values(2, 3, 4)
    np.testing.assert_array_equal(tf.transpose(a).numpy(), a.T)
    np.testing.assert_array_equal(tf.transpose(a, [1, 0, 2]).numpy(), a.transpose(1, 0, 2))
    np.testing.assert_array_equal(tf.transpose(a, [0, -1, 1]).numpy(), a.transpose(0, 2, 1))
    assert tf.transpose(tf.constant(3.0)).shape == ()
    c = tf.constant([[1 + 2j, 3j]])
    np.testing.assert_array_equal(tf.transpose(c, conjugate=True).numpy(), [[1 - 2j], [-3j]])
    np.testing.assert_array_equal(tf.transpose(c).numpy(), [[1 + 2j], [3j]])
    assert tf.transpose(ints(2, 3), tf.constant([1, 0], tf.int64)).dtype == tf.int32


def test_expand_dims_and_squeeze_shapes():
    x = tf.ones([2, 3])
    assert [tf.expand_dims(x, a).shape.as_list() for a in (0, 1, 2, -1, -3)] == [
        [1, 2, 3], [2, 1, 3], [2, 3, 1], [2, 3, 1], [1, 2, 3]]
    assert tf.expand_dims(x, [1]).shape == (2, 1, 3)
    assert tf.expand_dims(x, tf.constant([1])).shape == (2, 1, 3)
    y = tf.ones([1, 2, 1])
    assert tf.squeeze(y).shape == (2,)
    assert tf.squeeze(y, 0).shape == (2, 1)
    assert tf.squeeze(y, [0, 2]).shape == (2,)
    assert tf.squeeze(y, [-1]).shape == (1, 2)
    assert tf.squeeze(y, [0, 0]).shape == (2, 1)
    assert tf.squeeze(tf.constant(2)).dtype == tf.int32


def test_concat_and_stack_values():
    a, b = values(2, 3), values(2, 3)
    np.testing.assert_array_equal(tf.concat([a, b], 0).numpy(), np.concatenate([a, b], 0))
    np.testing.assert_array_equal(tf.concat([a, b, a], -1).numpy(), np.concatenate([a, b, a], 1))
    np.testing.assert_array_equal(tf.concat([a, b], tf.constant(1)).numpy(), np.concatenate([a, b], 1))
    np.testing.assert_array_equal(tf.stack([a, b]).numpy(), np.stack([a, b]))
    np.testing.assert_array_equal(tf.stack([a, b], axis=-1).numpy(), np.stack([a, b], -1))
    np.testing.assert_array_equal(tf.stack([a, b], axis=1).numpy(), np.stack([a, b], 1))
    # Python values take the dtype of the tensor beside them; alone they convert as tf.constant does.
    mixed = tf.concat([[1, 2], tf.constant([3.0])], 0)
    assert mixed.dtype == tf.float32 and mixed.numpy().tolist() == [1.0, 2.0, 3.0]
    assert tf.stack([1, 2.5]).dtype == tf.float32
    assert tf.stack([a, b]).dtype == tf.float64  # NumPy values keep their dtype
    assert tf.stack([[1.0, 2.0], np.ones(2)]).dtype == tf.float32  # the first value decides
    assert tf.stack([tf.constant([1.0, 2.0]), [1, 2]], axis=1).dtype == tf.float32
    assert tf.stack([]).shape == (0,)
    one = tf.concat([tf.ones([2])], axis=5)  # a single tensor is returned as it is, axis unchecked
    assert one.shape == (2,)
    strings = tf.concat([tf.constant(["a"]), tf.constant(["b", "c"])], 0)
    assert strings.numpy().tolist() == [b"a", b"b", b"c"]


def test_unstack_split_and_iteration():
    a = values(2, 3)
    rows = tf.unstack(a)
    assert isinstance(rows, list) and len(rows) == 2
    np.testing.assert_array_equal(rows[1].numpy(), a[1])
    cols = tf.unstack(a, axis=-1)
    assert len(cols) == 3 and cols[2].shape == (2,)
    np.testing.assert_array_equal(cols[2].numpy(), a[:, 2])
    assert tf.unstack(tf.zeros([0, 2])) == []
    assert [r.numpy().tolist() for r in tf.constant([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert [int(v) for v in tf.constant([5, 6, 7])] == [5, 6, 7]
    with pytest.raises(TypeError):
        iter(tf.constant(1.0))

    x = tf.reshape(tf.constant(np.arange(12.0)), [2, 6])
    parts = tf.split(x, 3, axis=1)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 2)] * 3
    np.testing.assert_array_equal(parts[2].numpy(), x.numpy()[:, 4:])
    sizes = tf.split(x, [1, -1, 2], axis=-1)
    assert [p.shape.as_list() for p in sizes] == [[2, 1], [2, 3], [2, 2]]
    assert [p.shape.as_list() for p in tf.split(x, tf.constant([4, 2]), axis=1)] == [[2, 4], [2, 2]]
    assert tf.split(x, [6, -1], axis=1)[1].shape == (2, 0)
    assert tf.split(ints(6), 2)[0].dtype == tf.int32


def test_gather_values():
    p = values(3, 4)
    np.testing.assert_array_equal(tf.gather(p, [2, 0, 2]).numpy(), p[[2, 0, 2]])
    np.testing.assert_array_equal(tf.gather(p, [[1], [3]], axis=1).numpy(), np.take(p, [[1], [3]], axis=1))
    np.testing.assert_array_equal(tf.gather(p, 1, axis=-1).numpy(), p[:, 1])
    idx = tf.constant([0, 2], tf.int64)
    np.testing.assert_array_equal(tf.gather(p, idx).numpy(), p[[0, 2]])
    np.testing.assert_array_equal(tf.gather(p, tf.constant([1], tf.int16)).numpy(), p[[1]])
    assert tf.gather(tf.constant(["a", "b"]), [1, 1]).numpy().tolist() == [b"b", b"b"]
    # batch_dims: row i of params is indexed by row i of indices.
    q = values(2, 3, 4)
    batch = [[0, 2], [1, 1]]
    want = np.stack([np.take(q[i], batch[i], axis=1) for i in range(2)])
    np.testing.assert_array_equal(tf.gather(q, batch, axis=2, batch_dims=1).numpy(), want)
    np.testing.assert_array_equal(tf.gather(q, batch, axis=-1, batch_dims=-1).numpy(), want)
    want1 = np.stack([q[i][batch[i]] for i in range(2)])
    np.testing.assert_array_equal(tf.gather(q, batch, batch_dims=1).numpy(), want1)
    # TensorFlow's wrapper ignores batch_dims when axis is 0.
    assert tf.gather(q, [[0, 1], [1, 1]], axis=0, batch_dims=1).shape == (2, 2, 3, 4)


def test_unsorted_segment_sum_values():
    data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = unsorted_segment_sum(data, [2, 0, 2], 3)
    np.testing.assert_array_equal(out.numpy(), [[3, 4], [0, 0], [6, 8]])
    assert unsorted_segment_sum(data, [0, -1, 0], tf.constant(2)).numpy().tolist() == [[6, 8], [0, 0]]
    assert unsorted_segment_sum(tf.constant([1, 2, 3]), [0, 1, 0], 2).numpy().tolist() == [4, 2]
    assert unsorted_segment_sum(tf.constant([1, 2, 3]), [0, 1, 0], 2).dtype == tf.int32
    assert unsorted_segment_sum(tf.constant(2.0), 0, 2).numpy().tolist() == [2.0, 0.0]
    nested = unsorted_segment_sum(data, [[0, 1], [1, 1], [0, 0]], 2)  # ids cover every element
    assert nested.numpy().tolist() == [1 + 5 + 6, 2 + 3 + 4]


def test_tile_pad_reverse_values():
    a = values(2, 3)
    np.testing.assert_array_equal(tf.tile(a, [2, 3]).numpy(), np.tile(a, (2, 3)))
    assert tf.tile(a, [2, 0]).shape == (4, 0)
    assert tf.tile(tf.constant(2.0), []).numpy() == 2.0
    np.testing.assert_array_equal(tf.tile(a, tf.constant([1, 2], tf.int64)).numpy(), np.tile(a, (1, 2)))
    pads = [[1, 0], [0, 2]]
    np.testing.assert_array_equal(tf.pad(a, pads).numpy(), np.pad(a, pads))
    np.testing.assert_array_equal(tf.pad(a, pads, constant_values=7).numpy(),
                                  np.pad(a, pads, constant_values=7))
    np.testing.assert_array_equal(tf.pad(a, pads, "reflect").numpy(), np.pad(a, pads, "reflect"))
    np.testing.assert_array_equal(tf.pad(a, [[2, 1], [0, 3]], "SYMMETRIC").numpy(),
                                  np.pad(a, [[2, 1], [0, 3]], "symmetric"))
    assert tf.pad(tf.constant([1, 2]), [[1, 1]], constant_values=9).numpy().tolist() == [9, 1, 2, 9]
    assert tf.pad(tf.constant([1, 2]), [[1, 1]]).dtype == tf.int32
    words = tf.pad(tf.constant(["a", "b"]), [[1, 1]])  # a string tensor pads with empty strings
    assert words.numpy().tolist() == [b"", b"a", b"b", b""]
    assert tf.pad(tf.constant(["a"]), [[0, 1]], constant_values="z").numpy().tolist() == [b"a", b"z"]
    np.testing.assert_array_equal(tf.reverse(a, [1]).numpy(), a[:, ::-1])
    np.testing.assert_array_equal(tf.reverse(a, [0, -1]).numpy(), a[::-1, ::-1])
    np.testing.assert_array_equal(tf.reverse(a, []).numpy(), a)


def test_slice_and_strided_slice_values():
    t3 = ints(2, 3, 4)
    n3 = t3.numpy()
    np.testing.assert_array_equal(tf.slice(t3, [0, 1, 1], [2, -1, 2]).numpy(), n3[:, 1:, 1:3])
    assert tf.slice(t3, [2, 1, 0], [0, 1, 1]).shape == (0, 1, 1)
    ss = tf.strided_slice
    np.testing.assert_array_equal(ss(t3, [0, 2], [2, -4], [1, -1]).numpy(), n3[0:2, 2:-4:-1])
    np.testing.assert_array_equal(ss(t3, [1, 0], [2, 2], [1, 1], shrink_axis_mask=1).numpy(), n3[1, 0:2])
    np.testing.assert_array_equal(ss(t3, [0, 1], [0, 3], [1, 1], ellipsis_mask=1).numpy(), n3[..., 1:3])
    got = ss(t3, [0, 0, 1], [0, 2, 3], [1, 1, 1], new_axis_mask=1, end_mask=2)
    np.testing.assert_array_equal(got.numpy(), n3[None, :, 1:3])
    np.testing.assert_array_equal(ss(t3, [1, 2], [0, 0], begin_mask=1, end_mask=2).numpy(), n3[:0, 2:])
    assert ss(t3, [0], [1]).dtype == tf.int32


GETITEM_KEYS = [
    (1,), (-1,), (slice(None, None, -1),), (slice(-1, -3, -1), 0), (Ellipsis, 1),
    (Ellipsis, None, slice(1, 3), slice(None, None, -2)), (None, Ellipsis, None),
    (1, Ellipsis, slice(0, 1), 2), (slice(5, 10),), (slice(1, 0),), (slice(None, 2),),
    (0, slice(None), slice(None, None, 3)), [1, 2], (Ellipsis,),
]


@pytest.mark.parametrize("key", GETITEM_KEYS, ids=repr)
def test_getitem_matches_numpy(key):
    t3 = ints(2, 3, 4)
    got = t3[key]
    want = t3.numpy()[tuple(key)]
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), want)
    assert got.shape == want.shape


def test_getitem_scalar_tensor_and_numpy_indices():
    t3 = ints(2, 3, 4)
    n3 = t3.numpy()
    np.testing.assert_array_equal(t3[tf.constant(1)].numpy(), n3[1])
    np.testing.assert_array_equal(t3[tf.constant(1, tf.int64), tf.constant(-1, tf.int64)].numpy(), n3[1, -1])
    np.testing.assert_array_equal(t3[tf.constant(1, tf.int16)].numpy(), n3[1])
    np.testing.assert_array_equal(t3[1:tf.constant(2), ::tf.constant(2)].numpy(), n3[1:2, ::2])
    np.testing.assert_array_equal(t3[np.int32(1), np.uint8(2)].numpy(), n3[1, 2])
    np.testing.assert_array_equal(t3[np.array(1)].numpy(), n3[1])
    np.testing.assert_array_equal(t3[1, True].numpy(), n3[1, 1])  # a bool in a key is an int to TF
    s = tf.constant(5.0)
    assert s[...].numpy() == 5.0 and s[None].shape == (1,)


# ---- errors (types and messages as TensorFlow's) ----------------------------------------------

E = tf.errors.InvalidArgumentError
X = tf.ones([2, 3])
T3 = tf.ones([2, 3, 4])

ERRORS = [
    (E, "transpose expects a vector of size 2. But input(1) is a vector of size 1 [Op:Transpose]",
     tf.transpose, X, [0]),
    (E, "1 is missing from {0,0}. [Op:Transpose]", tf.transpose, X, [0, 0]),
    (E, "2 is out of range [0 .. 2) [Op:Transpose]", tf.transpose, X, [0, 2]),
    (E, "-1 is out of range [0 .. 2) [Op:Transpose]", tf.transpose, X, [0, -3]),
    (E, "Value for attr 'Tperm' of float is not in the list of allowed values: int32, int64", tf.transpose, X,
     [1.0, 0]),
    (E, "Tried to expand dim index 3 for tensor with 1 dimensions. [Op:ExpandDims]", tf.expand_dims,
     tf.ones([2]), 3),
    (E, "Tried to expand dim index -4 for tensor with 2 dimensions.", tf.expand_dims, X, -4),
    (E, "'dim' must be a tensor with a single value [Op:ExpandDims]", tf.expand_dims, X, [1, 2]),
    (TypeError, "Cannot convert 1.0 to EagerTensor of dtype int32", tf.expand_dims, X, 1.0),
    (E, "Can not squeeze dim[0], expected a dimension of 1, got 2 [Op:Squeeze]", tf.squeeze, X, 0),
    (E, "Can not squeeze dim[1], expected a dimension of 1, got 2", tf.squeeze, tf.ones([1, 2, 1]), -2),
    (E, "Tried to squeeze dim index 2 for tensor with 2 dimensions. [Op:Squeeze]", tf.squeeze, X, 2),
    (E, "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[2] = [2,4] "
        "[Op:ConcatV2]", tf.concat, [X, X, tf.ones([2, 4])], 0),
    (E, "ConcatOp : Ranks of all input tensors should match: shape[0] = [2] vs. shape[1] = [2,2]", tf.concat,
     [tf.ones([2]), tf.ones([2, 2])], 0),
    (E, "cannot compute ConcatV2 as input #1(zero-based) was expected to be a float tensor but is a int32 "
        "tensor [Op:ConcatV2]", tf.concat, [tf.ones([2]), tf.ones([2], tf.int32)], 0),
    (E, "ConcatOp : Expected concatenating dimensions in the range [-2, 2), but got -3", tf.concat,
     [X, X], -3),
    (E, "ConcatOp : Can't concatenate scalars (use tf.stack instead)", tf.concat,
     [tf.constant(1.0), tf.constant(2.0)], 0),
    (TypeError, "Cannot convert [3.5] to EagerTensor of dtype int32", tf.concat, [[1, 2], [3.5]], 0),
    (E, "Shapes of all inputs must match: values[0].shape = [2] != values[1].shape = [3] [Op:Pack]", tf.stack,
     [tf.ones([2]), tf.ones([3])]),
    (E, "cannot compute Pack as input #1(zero-based) was expected to be a float tensor but is a int32 tensor",
     tf.stack, [tf.ones([2]), tf.ones([2], tf.int32)]),
    (ValueError, "Argument `axis` = 3 not in range [-3, 3)", tf.stack, [X, X], 3),
    (ValueError, "Argument `axis` = 0 not in range [0, 0)", tf.unstack, tf.constant(1.0)),
    (ValueError, "Argument `axis` = 2 not in range [-2, 2)", tf.unstack, X, None, 2),
    (E, "Input shape axis 1 must equal 2, got shape [2,3] [Op:Unpack]", tf.unstack, X, 2, -1),
    (E, "Number of ways to split should evenly divide the split dimension, but got split_dim 0 (size = 5) "
        "and num_split 2 [Op:Split]", tf.split, tf.ones([5]), 2),
    (E, "-input rank(-2) <= split_dim < input rank (2), but got 2 [Op:Split]", tf.split, X, 2, 2),
    (E, "There can only be one -1 in the input. [Op:SplitV]", tf.split, X, [1, -1, -1], 1),
    (E, "Split size at index 0 must be >= 0. Got: -2 [Op:SplitV]", tf.split, X, [-2, 5], 1),
    (E, "if not fully specified.  Got: 2 [Op:SplitV]", tf.split, X, [1, 1], 1),
    (E, "if not fully specified.  Got: 4 [Op:SplitV]", tf.split, X, [4, -1], 1),
    (E, "size of the split_tensor must be 1-D and have the same elements as outputs got 1 -D and 2 elements",
     tf.split, X, [1, 2], 1, 3),
    (E, "Value for attr 'num_split' of 0 must be at least minimum 1 [Op:Split]", tf.split, X, 0, 1),
    (ValueError, "Rank-0 tensors are not supported as the num_or_size_splits argument to split.", tf.split, X,
     1.5),
    (E, "Value for attr 'Tlen' of float is not in the list of allowed values: int8, int32, int64", tf.split,
     X, [1.0, 2.0], 1),
    (E, "indices = 5 is not in [0, 3) [Op:GatherV2]", tf.gather, tf.constant([1, 2, 3]), 5),
    (E, "indices[1] = 3 is not in [0, 3) [Op:GatherV2]", tf.gather, tf.constant([1, 2, 3]), [0, 3]),
    (E, "indices = -1 is not in [0, 3) [Op:GatherV2]", tf.gather, tf.constant([1, 2, 3]), -1),
    (E, "indices[1,1] = 5 is not in [0, 3) [Op:GatherV2]", tf.gather, X, [[0, 1], [1, 5]], None, 1),
    (E, "Value for attr 'Tindices' of float is not in the list of allowed values: int16, int32, int64",
     tf.gather, tf.constant([1, 2, 3]), 1.0),
    (E, "Value for attr 'Tindices' of uint8 is not in the list", tf.gather, X, tf.constant([0], tf.uint8)),
    (E, "Shape must be at least rank 3 but is rank 2 [Op:GatherV2]", tf.gather, X, [0], None, 2),
    (E, "Shape must be at least rank 3 but is rank 2 [Op:GatherV2]", tf.gather, X, [0], None, -3),
    (E, "params must be at least 1 dimensional [Op:GatherV2]", tf.gather, tf.constant(3.0), 0),
    (E, "Expected batch_dims in the range [-2, 2], but got 3 [Op:GatherV2]", tf.gather, X, [[0, 1], [1, 2]],
     None, 1, 3),
    (E, "params.shape[0]: 2 should be equal to indices.shape[0]: 3 [Op:GatherV2]", tf.gather, X,
     [[0], [1], [0]], None, 1, 1),
    (E, "batch_dims (2) must be less than or equal to axis (1). [Op:GatherV2]", tf.gather, T3,
     [[0, 1], [1, 2]], None, 1, 2),
    (E, "batch_dims (3) must be less than rank(params) (3). [Op:GatherV2]", tf.gather, T3, [[[0]]], None, 1,
     3),
    (E, "segment_ids[1] = 3 is out of range [0, 3) [Op:UnsortedSegmentSum]", unsorted_segment_sum,
     tf.constant([1.0, 2.0, 3.0]), [0, 3, 0], 3),
    (E, "segment_ids[0,1] = 3 is out of range [0, 3)", unsorted_segment_sum, tf.ones([2, 2]),
     [[0, 3], [0, 1]], 3),
    (E, "Value for attr 'T' of bool is not in the list of allowed values", unsorted_segment_sum,
     tf.constant([True, False]), [0, 1], 2),
    (E, "Value for attr 'Tindices' of float is not in the list of allowed values: int16, int32, int64",
     unsorted_segment_sum, tf.ones([2]), [0.0, 1.0], 2),
    (E, "data.shape = [2] does not start with segment_ids.shape = [3] [Op:UnsortedSegmentSum]",
     unsorted_segment_sum, tf.ones([2]), [0, 1, 1], 2),
    (E, "Input num_segments == -1 must not be negative. [Op:UnsortedSegmentSum]", unsorted_segment_sum,
     tf.ones([2]), [0, 1], -1),
    (E, "Value for attr 'Tnumsegments' of float is not in the list of allowed values: int32, int64",
     unsorted_segment_sum, tf.ones([2]), [0, 1], 2.0),
    (E, "Expected multiples argument to be a vector of length 1 but got length 2 [Op:Tile]", tf.tile,
     tf.ones([2]), [2, 2]),
    (E, "Expected multiples[1] >= 0, but got -1 [Op:Tile]", tf.tile, X, [2, -1]),
    (E, "Expected multiples to be 1-D, but got shape [1,2] [Op:Tile]", tf.tile, X, [[1, 2]]),
    (E, "Value for attr 'Tmultiples' of float is not in the list of allowed values: int32, int64", tf.tile, X,
     [2.0, 1.0]),
    (E, "The first dimension of paddings must be the rank of inputs[1,2] [2,3] [Op:Pad]", tf.pad, X,
     [[1, 0]]),
    (E, "paddings must be a matrix with 2 columns: [2,3] [Op:Pad]", tf.pad, X, [[1, 0, 1], [0, 2, 1]]),
    (E, "Paddings must be non-negative: -1 0 [Op:Pad]", tf.pad, X, [[-1, 0], [0, 2]]),
    (E, "paddings must be non-negative: -1 0 [Op:MirrorPad]", tf.pad, X, [[-1, 0], [0, 2]], "REFLECT"),
    (E, "paddings must be less than the dimension size: 2, 0 not less than 2 [Op:MirrorPad]", tf.pad, X,
     [[2, 0], [0, 2]], "REFLECT"),
    (E, "paddings must be no greater than the dimension size: 3, 0 greater than 2 [Op:MirrorPad]", tf.pad, X,
     [[3, 0], [0, 3]], "SYMMETRIC"),
    (E, "constant_values must be a scalar. Found: [1] [Op:PadV2]", tf.pad, X, [[1, 0], [0, 2]], "CONSTANT",
     tf.constant([1.0])),
    (TypeError, "Cannot convert 7.5 to EagerTensor of dtype int32", tf.pad, tf.constant([1, 2]), [[1, 0]],
     "CONSTANT", 7.5),
    (ValueError, "Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or "
                 "\"SYMMETRIC\". Received `mode` = WRAP", tf.pad, X, [[1, 0], [0, 2]], "WRAP"),
    (E, "axis 1 specified more than once. [Op:ReverseV2]", tf.reverse, X, [1, -1]),
    (E, "'axis'[0] = 2 is out of valid range [0, 1 [Op:ReverseV2]", tf.reverse, X, [2]),
    (E, "'dims' must be 1-dimension, not 0 [Op:ReverseV2]", tf.reverse, X, 1),
    (E, "Expected size[1] in [0, 2], but got 3 [Op:Slice]", tf.slice, X, [0, 1], [2, 3]),
    (E, "Expected size[1] in [0, 2], but got -2 [Op:Slice]", tf.slice, X, [0, 1], [1, -2]),
    (E, "Expected begin[1] in [0, 3], but got -1 [Op:Slice]", tf.slice, X, [0, -1], [1, 1]),
    (E, "Expected begin and size arguments to be 1-D tensors of size 2, but got shapes [2] and [1] instead.",
     tf.slice, X, [0, 1], [1]),
    (E, "strides[1] must be non-zero [Op:StridedSlice]", tf.strided_slice, T3, [0, 0], [1, 1], [1, 0]),
    (E, "Expected begin, end, and strides to be 1D equal size tensors, but got shapes [1], [1], and [2] "
        "instead.", tf.strided_slice, T3, [0], [2], [1, 1]),
    (E, "slice index 5 of dimension 0 out of bounds. [Op:StridedSlice]", tf.strided_slice, T3, [5], [6], None,
     0, 0, 0, 0, 1),
    (E, "only stride 1 allowed on non-range indexing. [Op:StridedSlice]", tf.strided_slice, T3, [-1], [0],
     [-1], 0, 0, 0, 0, 1),
]


@pytest.mark.parametrize("exc, text, f, args", [(e[0], e[1], e[2], e[3:]) for e in ERRORS],
                         ids=[e[1][:50] for e in ERRORS])
def test_errors_match_tensorflow(exc, text, f, args):
    raises(exc, text, f, *args)


GETITEM_ERRORS = [
    ((5,), E, "slice index 5 of dimension 0 out of bounds. [Op:StridedSlice]"),
    ((-3,), E, "slice index -1 of dimension 0 out of bounds."),
    ((1, -4), E, "slice index -1 of dimension 1 out of bounds."),
    ((slice(None), slice(None), 4), E, "slice index 4 of dimension 2 out of bounds."),
    ((0, 0, 0, 0), E, "Index out of range using input dim 3; input has only 3 dims [Op:StridedSlice]"),
    ((0, Ellipsis, 0, 0, 0), E, "Index out of range using input dim 3; input has only 3 dims"),
    ((Ellipsis, Ellipsis), E, "Multiple ellipses in slice spec not allowed [Op:StridedSlice]"),
    ((slice(None, None, 0),), E, "strides[0] must be non-zero [Op:StridedSlice]"),
    ((1.0,), TypeError, "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                        "tf.int32/tf.int64 tensors are valid indices, got 1.0"),
    ((slice(1.5, 2),), TypeError, "are valid indices, got 1.5"),
    ((tf.constant([0, 1]),), TypeError, "are valid indices, got <tf.Tensor: shape=(2,)"),
    ((tf.constant(1, tf.uint8),), TypeError, "are valid indices, got <tf.Tensor: shape=(), dtype=uint8"),
    ((tf.constant(1, tf.int8),), TypeError, "are valid indices"),
    ((np.array([1, 2]),), TypeError, "are valid indices, got array([1, 2])"),
]


@pytest.mark.parametrize("key, exc, text", GETITEM_ERRORS, ids=[e[2][:40] for e in GETITEM_ERRORS])
def test_getitem_errors_match_tensorflow(key, exc, text):
    raises(exc, text, lambda: T3[key])


def test_getitem_scalar_and_bool_errors():
    raises(E, "Attempting to slice scalar input. [Op:StridedSlice]", lambda: tf.constant(5.0)[0])
    raises(E, "Attempting to slice scalar input.", lambda: tf.constant(5.0)[:])
    raises(ValueError, "mask cannot be scalar.", lambda: T3[True])


# ---- gradients to second order, float64 and float32 -------------------------------------------

def _weighted(parts):
    """Several outputs as one tensor, each scaled differently so that a mixed-up gradient shows."""
    return tf.concat([tf.reshape(p, [-1]) * float(i + 1) for i, p in enumerate(parts)], 0)


GRADIENTS = [
    ("transpose", lambda x: tf.transpose(x), [values(2, 3)]),
    ("transpose_perm", lambda x: tf.transpose(x, [1, 2, 0]) ** 2, [values(2, 1, 3)]),
    ("transpose_scalar", lambda x: tf.transpose(x) * x, [values()]),
    ("expand_dims", lambda x: tf.expand_dims(x, -1) ** 2, [values(3)]),
    ("expand_dims_scalar", lambda x: tf.expand_dims(x, 0) * x, [values()]),
    ("squeeze", lambda x: tf.squeeze(x, [0]) ** 2, [values(1, 3, 1)]),
    ("reverse", lambda x: tf.reverse(x, [0, 1]) * x, [values(2, 3)]),
    ("concat", lambda x, y: tf.concat([x, y, x], 1) ** 2, [values(2, 1), values(2, 2)]),
    ("concat_vectors", lambda x, y: tf.concat([x * y, y], 0), [values(2), values(2)]),
    ("stack", lambda x, y: tf.stack([x, y * x], axis=1), [values(3), values(3)]),
    ("stack_scalars", lambda x, y: tf.stack([x, y, x * y]), [values(), values()]),
    ("unstack", lambda x: _weighted(tf.unstack(x, axis=1)) ** 2, [values(2, 3)]),
    ("unstack_one_used", lambda x: tf.unstack(x)[1] * x[0], [values(3, 2)]),
    ("iterate", lambda x: _weighted(list(x)) ** 2, [values(3)]),
    ("split", lambda x: _weighted(tf.split(x, [1, -1], axis=1)) ** 2, [values(2, 3)]),
    ("split_one_used", lambda x: tf.split(x, 3)[2] ** 2, [values(6)]),
    ("gather", lambda x: tf.gather(x, [2, 0, 2]) ** 2, [values(3, 2)]),
    ("gather_axis", lambda x: tf.gather(x, [[1, 1], [0, 2]], axis=1) ** 2, [values(2, 3)]),
    ("gather_scalar_index", lambda x: tf.gather(x, 1) * x, [values(3)]),
    ("gather_batch", lambda x: tf.gather(x, [[0, 2], [1, 1]], axis=2, batch_dims=1) ** 2, [values(2, 2, 3)]),
    ("gather_batch_middle", lambda x: tf.gather(x, [[1], [0]], axis=1, batch_dims=1) ** 2, [values(2, 2, 2)]),
    ("gather_middle_axis", lambda x: tf.gather(x, [[2, 0], [2, 2]], axis=1) ** 2, [values(2, 3, 2)]),
    ("gather_batch_inner_axis", lambda x: tf.gather(x, [[0, 2], [1, 1]], axis=2, batch_dims=1) ** 2,
     [values(2, 2, 3, 2)]),
    ("segment_sum", lambda x: unsorted_segment_sum(x, [1, -1, 1, 0], 3) ** 2, [values(4, 2)]),
    ("segment_sum_nd_ids", lambda x: unsorted_segment_sum(x, [[0, 1], [1, 1]], 2) ** 2, [values(2, 2)]),
    ("segment_sum_rows", lambda x: unsorted_segment_sum(x, [[0, 2], [2, -1]], 3) ** 2, [values(2, 2, 2)]),
    ("tile", lambda x: tf.tile(x, [2, 3]) ** 2, [values(2, 1)]),
    ("tile_vector", lambda x: tf.tile(x, [3]) * tf.tile(x, [3]), [values(2)]),
    ("pad_constant", lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=1.5) ** 2, [values(2, 2)]),
    ("pad_reflect", lambda x: tf.pad(x, [[1, 2], [2, 1]], "REFLECT") ** 2, [values(3, 3)]),
    ("pad_symmetric", lambda x: tf.pad(x, [[2, 1], [0, 2]], "SYMMETRIC") ** 2, [values(2, 2)]),
    ("slice", lambda x: tf.slice(x, [0, 1], [-1, 2]) ** 2, [values(2, 3)]),
    ("strided_slice", lambda x: tf.strided_slice(x, [2, 0], [0, 3], [-1, 2], end_mask=1) ** 2,
     [values(3, 3)]),
    ("getitem_negative_steps", lambda x: x[::-1, -1:0:-2] ** 2, [values(3, 4)]),
    ("getitem_ellipsis_newaxis", lambda x: x[..., None, 1] ** 2, [values(2, 2, 3)]),
    ("getitem_int_tensor", lambda x: x[tf.constant(1), 1:] ** 2, [values(2, 3)]),
    ("getitem_repeated", lambda x: x[0] * x[1] + x[-1], [values(3)]),
    ("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3]) ** 2, [values(1, 3)]),
    ("reshape", lambda x: tf.reshape(x, [3, 2]) ** 2, [values(2, 3)]),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("name, f, args", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_gradients(name, f, args, dtype):
    check_gradients(f, *args, order=2, dtype=dtype)


def test_gather_gradient_is_indexed_slices_that_sum_repeats():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.gather(x, [0, 0, 2])
    g = tape.gradient(y, x)
    assert type(g) is tf.IndexedSlices and g.indices.numpy().tolist() == [0, 0, 2]
    assert g.shape == (3,) and tf.convert_to_tensor(g).numpy().tolist() == [2.0, 0.0, 1.0]


def test_gather_from_variable_gives_indexed_slices():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = tf.gather(v, [1, 1]) * 3.0 + tf.gather(v, [0])
    g = tape.gradient(y, v)  # sparse contributions stay sparse together, as in TensorFlow
    assert type(g) is tf.IndexedSlices and g.values.shape == (3, 2)
    assert tf.convert_to_tensor(g).numpy().tolist() == [[2.0, 2.0], [6.0, 6.0]]  # row 0 broadcast twice
    with tf.GradientTape() as tape:
        y = tf.gather(v, [1]) * 2.0 + v  # beside a dense contribution the sum is dense
    assert tape.gradient(y, v).numpy().tolist() == [[1.0, 1.0], [5.0, 5.0]]


def test_indexed_slices_flow_densely_through_other_ops():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        doubled = x * 2.0
        y = tf.gather(doubled, [2, 2])
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 0.0, 4.0]


def test_pad_constant_values_get_no_gradient():
    x, c = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = tf.pad(x, [[1, 1]], constant_values=c)
    assert tape.gradient(y, c) is None


def test_conjugate_transpose_gradient():
    x = tf.constant([[1 + 2j, 3 - 1j]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.transpose(x, conjugate=True) * tf.constant([[2j], [1.0 + 0j]])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [[2j, 1 + 0j]])  # TensorFlow's value


def test_gather_gradients_are_sparse_only_for_an_axis_given_as_zero():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    kinds = []
    for axis in (0, None, -2):
        with tf.GradientTape() as tape:
            y = tf.gather(x, [1], axis=axis)
        kinds.append(type(tape.gradient(y, x)))
    assert kinds == [tf.IndexedSlices, tf.IndexedSlices, tf.Tensor]  # as TensorFlow 2.21
