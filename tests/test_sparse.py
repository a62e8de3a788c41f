"""`tf.sparse`: SparseTensor, its operations, their gradients (to second order), tf.function and tf.nest.

Expected values and texts were printed by TensorFlow 2.21; test_sparse_against_tensorflow.py compares
random cases with TensorFlow itself when it is installed.
"""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients


def sparse(indices=((0, 0), (1, 2)), values=(1.0, 2.0), shape=(3, 4), dtype=tf.float32):
    return tf.sparse.SparseTensor(list(map(list, indices)), tf.constant(values, dtype), list(shape))


def parts(sp):
    return sp.indices.numpy().tolist(), sp.values.numpy().tolist(), sp.dense_shape.numpy().tolist()


# ---- the tensor -------------------------------------------------------------------------------

def test_repr_and_attributes_as_tensorflow_prints_them():
    st = sparse(values=(1, 2), dtype=tf.int32)
    assert repr(st) == str(st) == (
        "SparseTensor(indices=tf.Tensor(\n[[0 0]\n [1 2]], shape=(2, 2), dtype=int64), "
        "values=tf.Tensor([1 2], shape=(2,), dtype=int32), "
        "dense_shape=tf.Tensor([3 4], shape=(2,), dtype=int64))")
    assert st.shape == tf.TensorShape([3, 4]) and st.get_shape() == st.shape
    assert st.dtype == tf.int32 and tf.is_tensor(st) and tf.SparseTensor is tf.sparse.SparseTensor
    assert repr(st._type_spec) == "SparseTensorSpec(TensorShape([3, 4]), tf.int32)"
    assert tf.SparseTensorSpec.from_value(st) == tf.SparseTensorSpec([3, 4], tf.int32)


@pytest.mark.parametrize("make, error, text", [
    (lambda: tf.sparse.SparseTensor(tf.constant([[0, 0]]), [1.0], [2, 2]), ValueError,
     "indices: Tensor conversion requested dtype int64 for Tensor with dtype int32"),
    (lambda: tf.sparse.SparseTensor([0, 0], [1.0], [2, 2]), ValueError, "Shape (2,) must have rank 2"),
    (lambda: tf.sparse.SparseTensor([[0, 0]], [1.0, 2.0], [2, 2]), ValueError,
     "Dimensions 1 and 2 are not compatible"),
    (lambda: tf.convert_to_tensor(sparse()), ValueError, "with an unsupported type"),
    (lambda: -sparse(), TypeError, "bad operand type for unary -"),
])
def test_bad_construction_and_use_raise_tensorflows_errors(make, error, text):
    with pytest.raises(error, match=None) as info:
        make()
    assert text in str(info.value)


def test_with_values_map_values_and_elementwise_with_dense():
    st = sparse()
    assert parts(st.with_values(st.values * 10))[1] == [10.0, 20.0]
    assert parts(tf.sparse.map_values(tf.math.square, st))[1] == [1.0, 4.0]
    assert parts(st * tf.constant([1.0, 2.0, 3.0, 4.0]))[1] == [1.0, 6.0]
    assert parts(st / 2.0)[1] == [0.5, 1.0]
    with pytest.raises(ValueError, match="No SparseTensor"):
        tf.sparse.map_values(tf.math.square, tf.constant(1.0))


# ---- conversions ------------------------------------------------------------------------------

def test_to_dense_and_from_dense():
    np.testing.assert_array_equal(tf.sparse.to_dense(sparse(values=(1, 2), dtype=tf.int32)).numpy(),
                                  [[1, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(tf.sparse.to_dense(sparse(), default_value=-1.0).numpy(),
                                  [[1, -1, -1, -1], [-1, -1, 2, -1], [-1, -1, -1, -1]])
    st = tf.sparse.from_dense(tf.constant([[0.0, 1.0], [2.0, 0.0]]))
    assert parts(st) == ([[0, 1], [1, 0]], [1.0, 2.0], [2, 2]) and st.shape == tf.TensorShape([2, 2])
    empty = tf.sparse.SparseTensor(tf.zeros([0, 2], tf.int64), tf.zeros([0]), [2, 2])
    np.testing.assert_array_equal(tf.sparse.to_dense(empty).numpy(), np.zeros((2, 2)))


@pytest.mark.parametrize("indices, text", [
    ([[1, 2], [0, 0]], "indices[1] = [0,0] is out of order. Many sparse ops require sorted indices.\n    Use "
                       "`tf.sparse.reorder` to create a correctly ordered copy."),
    ([[0, 1], [0, 1]], "indices[1] = [0,1] is repeated [Op:SparseToDense]"),
    ([[0, 0], [0, 5]], "indices[1] = [0,5] is out of bounds: need 0 <= index < [3,4] [Op:SparseToDense]"),
])
def test_to_dense_checks_the_coordinates(indices, text):
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.sparse.to_dense(sparse(indices))
    assert text in str(info.value)
    if "bounds" not in text:  # the order is checked only when asked; the bounds always
        assert tf.sparse.to_dense(sparse(indices), validate_indices=False).shape == (3, 4)


# ---- reordering and reshaping -----------------------------------------------------------------

def test_reorder_transpose_reshape_slice_retain():
    st = sparse(values=(1, 2), dtype=tf.int32)
    unordered = sparse([[1, 2], [0, 0]], (3.0, 4.0))
    assert parts(tf.sparse.reorder(unordered)) == ([[0, 0], [1, 2]], [4.0, 3.0], [3, 4])
    assert parts(tf.sparse.transpose(st)) == ([[0, 0], [2, 1]], [1, 2], [4, 3])
    assert parts(tf.sparse.transpose(st, [1, 0])) == ([[0, 0], [2, 1]], [1, 2], [4, 3])
    assert parts(tf.sparse.reshape(st, [4, 3])) == ([[0, 0], [2, 0]], [1, 2], [4, 3])
    assert parts(tf.sparse.reshape(st, [-1, 2])) == ([[0, 0], [3, 0]], [1, 2], [6, 2])
    assert parts(tf.sparse.slice(st, [1, 1], [2, 3])) == ([[0, 1]], [2], [2, 3])
    assert parts(tf.sparse.slice(st, [2, 3], [5, 5])) == ([], [], [1, 1])
    assert parts(tf.sparse.retain(st, [True, False])) == ([[0, 0]], [1], [3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError, match="requested shape has 10"):
        tf.sparse.reshape(st, [2, 5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a valid permutation"):
        tf.sparse.transpose(st, [0, 0])


# ---- arithmetic -------------------------------------------------------------------------------

def test_add_sparse_and_dense():
    st = sparse(values=(1, 2), dtype=tf.int32)
    assert parts(tf.sparse.add(st, st)) == ([[0, 0], [1, 2]], [2, 4], [3, 4])
    other = sparse([[0, 0], [0, 3]], (5, 7), dtype=tf.int32)
    assert parts(tf.sparse.add(st, other)) == ([[0, 0], [0, 3], [1, 2]], [6, 7, 2], [3, 4])
    small_dropped = tf.sparse.add(sparse(), sparse(values=(-1.0, 0.5)), threshold=1.0)
    assert parts(small_dropped) == ([[1, 2]], [2.5], [3, 4])
    np.testing.assert_array_equal(tf.sparse.add(st, tf.ones([3, 4], tf.int32)).numpy(),
                                  [[2, 1, 1, 1], [1, 1, 3, 1], [1, 1, 1, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="got 3 and 2 for dimension 0"):
        tf.sparse.add(sparse(), sparse([[0, 0]], (1.0,), (2, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="be a float32 tensor but is a int32"):
        tf.sparse.add(sparse(), st)


def test_sparse_dense_matmul_both_ways_and_adjoints():
    a = np.array([[1.0, 0, 0, 0], [0, 0, 2.0, 0], [0, 0, 0, 0]])
    b = np.arange(8.0).reshape(4, 2)
    st = sparse()
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(st, b).numpy(), a @ b)
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(st, b.T, adjoint_b=True).numpy(), a @ b)
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(st, np.ones((3, 2)), adjoint_a=True).numpy(),
                               a.T @ np.ones((3, 2)))
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(np.ones((2, 3)), st).numpy(),
                               np.ones((2, 3)) @ a)
    with pytest.raises(tf.errors.InvalidArgumentError, match="inner dimension does not match: 4 vs. 3"):
        tf.sparse.sparse_dense_matmul(st, np.ones((3, 2), np.float32))


def test_reduce_sum_dense_and_sparse_results():
    st = sparse(values=(1, 2), dtype=tf.int32)
    assert tf.sparse.reduce_sum(st).numpy() == 3
    assert tf.sparse.reduce_sum(st, axis=1).numpy().tolist() == [1, 2, 0]
    assert tf.sparse.reduce_sum(st, axis=-1).numpy().tolist() == [1, 2, 0]
    assert tf.sparse.reduce_sum(st, 1, keepdims=True).numpy().tolist() == [[1], [2], [0]]
    assert tf.sparse.reduce_sum(st, axis=0).numpy().tolist() == [1, 0, 2, 0]
    assert parts(tf.sparse.reduce_sum(st, axis=1, output_is_sparse=True)) == ([[0], [1]], [1, 2], [3])
    assert parts(tf.sparse.reduce_sum(st, axis=1, keepdims=True, output_is_sparse=True)) == (
        [[0, 0], [1, 0]], [1, 2], [3, 1])


def test_softmax_over_each_rows_given_elements():
    st = tf.sparse.softmax(sparse([[0, 0], [0, 2], [1, 1]], (1.0, 2.0, 3.0), (2, 3)))
    np.testing.assert_allclose(st.values.numpy(), [0.26894143, 0.7310586, 1.0], rtol=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 2"):
        tf.sparse.softmax(tf.sparse.SparseTensor([[0]], [1.0], [3]))


# ---- gradients, to second order ---------------------------------------------------------------

INDICES = [[0, 1], [1, 0], [1, 2], [2, 2]]


def of(values):
    return tf.sparse.SparseTensor(INDICES, values, [3, 3])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, f, args", [
    ("matmul", lambda v, b: tf.sparse.sparse_dense_matmul(of(v), b) ** 2,
     [[1.0, -2.0, 0.5, 1.5], np.arange(6.0).reshape(3, 2) / 4]),
    ("matmul_adjoint", lambda v, b: tf.sparse.sparse_dense_matmul(b, of(v), adjoint_b=True) ** 2,
     [[1.0, -2.0, 0.5, 1.5], np.arange(6.0).reshape(2, 3) / 4]),
    ("to_dense", lambda v, d: tf.sparse.to_dense(of(v), default_value=d) ** 3, [[1.0, -2.0, 0.5, 1.5], 0.7]),
    ("softmax", lambda v: tf.sparse.softmax(of(v)).values ** 2, [[1.0, -2.0, 0.5, 1.5]]),
    ("reduce_sum", lambda v: tf.sparse.reduce_sum(of(v ** 2), axis=0), [[1.0, -2.0, 0.5, 1.5]]),
    ("add", lambda v, w: tf.sparse.add(of(v), tf.sparse.transpose(of(w))).values ** 2,
     [[1.0, -2.0, 0.5, 1.5], [0.3, 0.2, -0.1, 2.0]]),
    ("add_dense", lambda v, d: tf.sparse.add(of(v), d) ** 2, [[1.0, -2.0, 0.5, 1.5], np.ones((3, 3))]),
    ("from_dense", lambda d: tf.sparse.reduce_sum(tf.sparse.from_dense(d * d), axis=1),
     [[[1.0, -0.5], [2.0, 3.0]]]),
    ("slice_retain", lambda v: tf.sparse.retain(tf.sparse.slice(of(v), [1, 0], [2, 3]),
                                                [True, False, True]).values ** 2, [[1.0, -2.0, 0.5, 1.5]]),
])
def test_gradients_reach_values_and_dense_operands(name, f, args, dtype):
    check_gradients(f, *args, dtype=dtype)


# ---- tf.function and tf.nest ------------------------------------------------------------------

def test_a_function_traces_once_per_spec_and_returns_sparse_tensors():
    @tf.function
    def total_and_scaled(st):
        return tf.sparse.reduce_sum(st), st * 2.0

    total, scaled = total_and_scaled(sparse())
    assert total.numpy() == 3.0 and isinstance(scaled, tf.SparseTensor)
    assert parts(scaled) == ([[0, 0], [1, 2]], [2.0, 4.0], [3, 4]) and scaled.shape == (3, 4)
    total, _ = total_and_scaled(sparse([[0, 0], [1, 1], [2, 3]], (1.0, 2.0, 5.0)))  # more elements, one trace
    assert total.numpy() == 8.0 and total_and_scaled.experimental_get_tracing_count() == 1
    total_and_scaled(sparse(shape=(3, 5)))  # another dense shape: another trace
    assert total_and_scaled.experimental_get_tracing_count() == 2
    signature = total_and_scaled.get_concrete_function(sparse()).structured_input_signature
    assert signature == ((tf.SparseTensorSpec([3, 4], tf.float32),), {})


def test_functions_trace_the_sparse_ops():
    @tf.function(input_signature=[tf.SparseTensorSpec([3, 4], tf.float32)])
    def pipeline(st):
        ordered = tf.sparse.reorder(st)
        return (tf.sparse.to_dense(tf.sparse.softmax(ordered)),
                tf.sparse.sparse_dense_matmul(ordered, tf.ones([4, 2])),
                tf.sparse.add(ordered, ordered), tf.sparse.reshape(ordered, [6, 2]))

    st = sparse([[1, 2], [0, 0], [1, 0]], (3.0, 4.0, 1.0))
    eager = [pipeline.python_function(st)[i] for i in range(4)]
    traced = pipeline(st)
    for e, t in zip(eager, traced):
        e, t = (tf.sparse.to_dense(e), tf.sparse.to_dense(t)) if isinstance(e, tf.SparseTensor) else (e, t)
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="does not match the input_signature"):
        pipeline(sparse(shape=(2, 2)))


def test_gradients_through_a_traced_function():
    b = tf.Variable(tf.ones([4, 2]))

    @tf.function
    def loss(st):
        return tf.reduce_sum(tf.sparse.sparse_dense_matmul(st, b) ** 2)

    with tf.GradientTape() as tape:
        value = loss(sparse())
    assert value.numpy() == 10.0
    np.testing.assert_allclose(tape.gradient(value, b).numpy(), [[2, 2], [0, 0], [8, 8], [0, 0]])


def test_nest_opens_sparse_tensors_only_when_asked():
    st = sparse()
    assert tf.nest.flatten({"a": st}) == [st]
    flat = tf.nest.flatten({"a": st}, expand_composites=True)
    assert [t.dtype for t in flat] == [tf.int64, tf.float32, tf.int64]
    doubled = tf.nest.map_structure(lambda t: t * 2 if t.dtype == tf.float32 else t, {"a": st},
                                    expand_composites=True)
    assert parts(doubled["a"]) == ([[0, 0], [1, 2]], [2.0, 4.0], [3, 4])
    rebuilt = tf.nest.pack_sequence_as([st], flat, expand_composites=True)
    assert isinstance(rebuilt[0], tf.SparseTensor) and parts(rebuilt[0]) == parts(st)
    with pytest.raises(ValueError):
        tf.nest.assert_same_structure(st, tf.constant(1.0), expand_composites=True)
