"""Dimensions known only when a compiled function runs: `TensorSpec` with None, `reduce_retracing`,
and the ops and gradients that must work on them (checked against eager results, which TensorFlow's
match; the shapes printed while tracing are TensorFlow's)."""

import numpy as np
import pytest

import tapeflow as tf

rng = np.random.default_rng(0)


def test_input_signature_with_none_traces_once_and_rejects_other_shapes():
    seen = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3])])
    def f(x):
        y = tf.reduce_mean(x, axis=0)
        seen.append([x.shape, y.shape, (x + y).shape, tf.reshape(x, [-1]).shape, x[:2].shape, x[1:].shape])
        return x * 2.0

    for n in (2, 5, 1):
        np.testing.assert_allclose(f(tf.ones([n, 3])).numpy(), np.full((n, 3), 2.0))
    assert f.experimental_get_tracing_count() == 1
    expected = [[None, 3], [3], [None, 3], [None], [None, 3], [None, 3]]
    assert [[s.as_list() for s in shapes] for shapes in seen] == [expected]
    with pytest.raises(TypeError, match=r"float32\[2, 4\].*TensorSpec\(shape=\(None, 3\)"):
        f(tf.ones([2, 4]))
    assert "float32[None, 3]" in f.get_concrete_function().source


def test_reduce_retracing_relaxes_the_dimensions_that_changed():
    shapes = []

    @tf.function(reduce_retracing=True)
    def f(x):
        shapes.append(x.shape.as_list())
        return x + 1.0

    for n in (1, 2, 3, 7):
        np.testing.assert_allclose(f(tf.zeros([n])).numpy(), np.ones(n))
    assert shapes == [[1], [None]]
    assert f.experimental_get_tracing_count() == 2


def test_without_reduce_retracing_every_shape_traces():
    f = tf.function(lambda x: x + 1.0)
    for n in (1, 2, 3):
        f(tf.zeros([n]))
    assert f.experimental_get_tracing_count() == 3


def test_a_concrete_function_for_a_general_spec_serves_later_calls():
    f = tf.function(lambda x: x * 3.0)
    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32))
    np.testing.assert_allclose(f(tf.ones([4])).numpy(), np.full(4, 3.0))
    np.testing.assert_allclose(concrete(tf.ones([2])).numpy(), np.full(2, 3.0))
    assert f.experimental_get_tracing_count() == 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="traced for"):
        concrete(tf.ones([2, 2]))


def _mlp_step_values(step, batches):
    return [[t.numpy() for t in step(x, y)] for x, y in batches]


def test_training_step_with_unknown_batch_matches_eager():
    w0, b0 = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=4).astype(np.float32)
    batches = [(rng.normal(size=(n, 3)).astype(np.float32), rng.integers(0, 4, n).astype(np.int32))
               for n in (5, 2, 1)]

    def make():
        w, b = tf.Variable(w0), tf.Variable(b0)

        def step(x, y):
            with tf.GradientTape() as tape:
                h = tf.nn.relu(tf.matmul(x, w) + b)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, h))
                loss += tf.reduce_mean(tf.square(h)) + tf.reduce_sum(tf.nn.softmax(h)[:, 0])
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            return loss, gw, gb

        return step

    eager = _mlp_step_values(make(), batches)
    signature = [tf.TensorSpec([None, 3]), tf.TensorSpec([None], tf.int32)]
    compiled_step = tf.function(make(), input_signature=signature)
    compiled = _mlp_step_values(compiled_step, batches)
    assert compiled_step.experimental_get_tracing_count() == 1
    for a, b in zip(eager, compiled):
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)


def test_broadcast_gradients_follow_the_runtime_shapes():
    """[None] + [None] may broadcast when the code runs (one of them 1 long): the gradient of the
    short one is summed then, as TensorFlow's BroadcastGradientArgs does."""
    spec = tf.TensorSpec([None])

    @tf.function(input_signature=[spec, spec])
    def f(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(a * b + a)
        return tape.gradient(y, [a, b])

    ga, gb = f(tf.constant([2.0]), tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(ga.numpy(), [9.0])
    np.testing.assert_allclose(gb.numpy(), [2.0, 2.0, 2.0])
    ga, gb = f(tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0]))
    np.testing.assert_allclose(ga.numpy(), [4.0, 5.0])
    np.testing.assert_allclose(gb.numpy(), [1.0, 2.0])


def test_second_order_gradients_with_unknown_dimensions():
    @tf.function(input_signature=[tf.TensorSpec([None])])
    def hessian_diagonal_sum(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = tf.reduce_sum(x ** 3) / tf.cast(tf.size(x), tf.float32)
            g = inner.gradient(y, x)
        return g, outer.gradient(g, x)

    x = np.array([1.0, 2.0, -1.0], np.float32)
    g, h = hessian_diagonal_sum(x)
    np.testing.assert_allclose(g.numpy(), 3 * x ** 2 / 3, rtol=1e-6)
    np.testing.assert_allclose(h.numpy(), 6 * x / 3, rtol=1e-6)


def test_an_outer_tape_differentiates_a_call_with_unknown_dimensions():
    f = tf.function(lambda x: tf.reduce_mean(tf.exp(x), axis=0), input_signature=[tf.TensorSpec([None, 2])])
    x = tf.constant(rng.normal(size=(3, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(f(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.exp(x.numpy()) / 3, rtol=1e-6)


def test_shape_queries_and_creation_from_runtime_shapes():
    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        n = tf.shape(x)[0]
        z = tf.zeros([n, 3])
        assert z.shape.as_list() == [None, 3]
        o = tf.ones_like(x)
        assert o.shape.as_list() == [None, 2]
        r = tf.reshape(x, [n * 2])
        assert r.shape.as_list() == [None]
        filled = tf.fill(tf.shape(x), 7.0)
        return tf.shape(x), tf.size(x), z, o + tf.zeros_like(x), r, filled, tf.expand_dims(x, 1), tf.squeeze(
            tf.expand_dims(x, 0), 0)

    shape, size, z, o, r, filled, e, s = f(tf.ones([4, 2]))
    assert shape.numpy().tolist() == [4, 2] and int(size) == 8
    assert z.shape == (4, 3) and o.shape == (4, 2) and r.shape == (8,)
    assert filled.numpy().tolist() == [[7.0] * 2] * 4
    assert e.shape == (4, 1, 2) and s.shape == (4, 2)


def test_one_hot_of_traced_indices():
    """A regression: one_hot of a traced tensor used to be computed from no values at all."""

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def f(i):
        return tf.one_hot(i, 3)

    np.testing.assert_array_equal(f(tf.constant([2, 0])).numpy(), [[0, 0, 1], [1, 0, 0]])


def test_traced_values_have_no_numpy_value():
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        return np.asarray(x._value)

    with pytest.raises(TypeError, match="no NumPy value"):
        f(tf.ones([2]))


def test_jacobian_of_unknown_shapes_is_a_clear_error():
    @tf.function(input_signature=[tf.TensorSpec([None])])
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x * x
        return tape.jacobian(y, x)

    with pytest.raises(NotImplementedError, match="every dimension known"):
        f(tf.ones([2]))


def test_unknown_rank_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="rank"):
        tf.function(lambda x: x, input_signature=[tf.TensorSpec(None)])


def test_indexing_with_traced_ints_and_its_gradients_to_second_order():
    @tf.function
    def f(x, n):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                total = tf.constant(0.0)
                for i in tf.range(n):
                    total += x[i, 1] ** 3 + x[i][0]
            g = inner.gradient(total, x)
        return total, g, outer.gradient(g, x)

    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    total, g, h = f(tf.constant(x), tf.constant(2))
    assert float(total) == 1 + 8 + 3 + 64
    np.testing.assert_allclose(g.numpy(), [[1, 12], [1, 48], [0, 0]])
    np.testing.assert_allclose(h.numpy(), [[0, 12], [0, 24], [0, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.constant(x), tf.constant(4))  # x[3] is out of range when the code runs


def test_slice_bounds_known_when_the_code_runs():
    shapes = []

    @tf.function
    def f(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x[:n, n - 1] * x[1:, ..., tf.newaxis, n:][0, :, 0]
            shapes.append(y.shape.as_list())
            s = tf.reduce_sum(y)
        return y, tape.gradient(s, x)

    x = tf.reshape(tf.range(1.0, 10.0), [3, 3])
    y, g = f(x, tf.constant(2))
    np.testing.assert_allclose(y.numpy(), x.numpy()[:2, 1] * x.numpy()[1, 2:])
    assert shapes == [[None]]
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = tf.reduce_sum(x[:2, 1] * x[1:, ..., tf.newaxis, 2:][0, :, 0])
    np.testing.assert_allclose(g.numpy(), tape.gradient(s, x).numpy())


# Ops on a batch of unknown length: each compiled with `TensorSpec([None, 4])` must give what it gives
# eagerly, and so must the gradient of the sum of its squared result (and its second derivative).
UNKNOWN_BATCH_OPS = {
    "sum": lambda x: tf.reduce_sum(x, 0), "mean": lambda x: tf.reduce_mean(x, 1),
    "mean_all": lambda x: tf.reduce_mean(x), "max": lambda x: tf.reduce_max(x, 0),
    "prod": lambda x: tf.reduce_prod(x, 0), "logsumexp": lambda x: tf.reduce_logsumexp(x, 1),
    "variance": lambda x: tf.math.reduce_variance(x, 0), "std": lambda x: tf.math.reduce_std(x),
    "softmax": lambda x: tf.nn.softmax(x), "log_softmax": lambda x: tf.nn.log_softmax(x, axis=0),
    "concat": lambda x: tf.concat([x, x * 2.0], 0), "concat1": lambda x: tf.concat([x, x * 2.0], 1),
    "stack": lambda x: tf.stack([x, x], 1), "transpose": lambda x: tf.transpose(x),
    "tile": lambda x: tf.tile(x, [2, 1]), "pad": lambda x: tf.pad(x, [[1, 0], [0, 2]]),
    "gather1": lambda x: tf.gather(x, [0, 2], axis=1), "gather0": lambda x: tf.gather(x, [1, 0]),
    "where": lambda x: tf.where(x > 0, x, -x), "clip": lambda x: tf.clip_by_value(x, -0.5, 0.5),
    "norm": lambda x: tf.norm(x, axis=1), "einsum": lambda x: tf.einsum("ij,kj->ik", x, x),
    "sort": lambda x: tf.sort(x, axis=1), "top_k": lambda x: tf.math.top_k(x, 2).values,
    "cumsum": lambda x: tf.cumsum(x, 0), "matmul": lambda x: tf.matmul(x, x, transpose_b=True),
    "split": lambda x: tf.split(x, 2, axis=1)[1], "unstack": lambda x: tf.unstack(x, axis=1)[2],
    "reverse": lambda x: tf.reverse(x, [0]), "squeeze": lambda x: tf.squeeze(x[:, :1], 1),
    "broadcast_to": lambda x: tf.broadcast_to(x[:, :1], tf.shape(x)),
    "sigmoid_xent": lambda x: tf.nn.sigmoid_cross_entropy_with_logits(tf.ones_like(x), x),
    "softmax_xent": lambda x: tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(x * 0.5), x),
    "slice": lambda x: tf.slice(x, [1, 0], [-1, 2]), "strided": lambda x: x[1:, ::2],
    "roll": lambda x: tf.roll(x, 1, 0), "repeat": lambda x: tf.repeat(x, 2, axis=0),
    "scatter": lambda x: tf.tensor_scatter_nd_add(x, [[0, 0]], [1.0]),
    "gather_nd": lambda x: tf.gather_nd(x, [[0, 1], [2, 3]]), "add_n": lambda x: tf.add_n([x, x]),
    "maximum": lambda x: tf.maximum(x, x[:1]),
    "segment_sum": lambda x: tf.math.unsorted_segment_sum(x, [0, 1, 0], 2),
    "size": lambda x: x * tf.cast(tf.size(x), tf.float32),
    "fill": lambda x: tf.fill([tf.shape(x)[0], 2], 1.0) * x[:, :2],
    "zeros": lambda x: tf.zeros(tf.shape(x)) + x,
    "boolean_mask": lambda x: tf.boolean_mask(x, [True, False, True]),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_BATCH_OPS))
def test_ops_and_gradients_on_a_batch_of_unknown_length(name):
    fn = UNKNOWN_BATCH_OPS[name]

    def value_and_gradients(x):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                y = fn(x)
                s = tf.reduce_sum(y * y)
            g = tf.convert_to_tensor(inner.gradient(s, x))
            gg = tf.reduce_sum(g * tf.sin(x))
        return y, g, tf.convert_to_tensor(outer.gradient(gg, x))

    x = tf.constant(rng.normal(size=(3, 4)).astype(np.float32))
    compiled = tf.function(value_and_gradients, input_signature=[tf.TensorSpec([None, 4])])
    for a, b in zip(compiled(x), value_and_gradients(x)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_structured_input_signature_shows_the_traced_specs():
    f = tf.function(lambda x, k: x * k)
    concrete = f.get_concrete_function(tf.TensorSpec([None], tf.float32), 3)
    assert repr(concrete.structured_input_signature) == (
        "((TensorSpec(shape=(None,), dtype=tf.float32, name='x'), 3), {})")  # TensorFlow's text


def test_boolean_mask_of_a_traced_mask_and_its_gradients():
    shapes = []

    @tf.function
    def f(x, threshold):
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as inner:
                inner.watch(x)
                kept = tf.boolean_mask(x, x[:, 0] > threshold)  # rows whose first entry passes
                shapes.append(kept.shape.as_list())
                s = tf.reduce_sum(kept ** 3)
            g = inner.gradient(s, x)
            total = tf.reduce_sum(g)
        return kept, g, outer.gradient(total, x)

    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.5, 1.0]], np.float32)
    kept, g, h = f(tf.constant(x), tf.constant(0.8))
    rows = np.array([[1], [1], [0]], np.float32)
    np.testing.assert_allclose(kept.numpy(), x[:2])
    np.testing.assert_allclose(g.numpy(), 3 * x ** 2 * rows)
    np.testing.assert_allclose(h.numpy(), 6 * x * rows)
    assert shapes == [[None, 2]]
    masked = tf.function(lambda x, m: tf.boolean_mask(x, m))
    ints = masked(tf.constant([1.0, 2.0, 3.0]), tf.constant([0, 2, 1]))
    assert ints.numpy().tolist() == [2.0, 3.0]  # nonzero entries count, as in TensorFlow


def test_nested_input_signatures():
    @tf.function(input_signature=[(tf.TensorSpec([None]), tf.TensorSpec([], tf.int32))])
    def f(pair):
        x, n = pair
        return x * tf.cast(n, tf.float32)

    assert f((tf.ones([3]), tf.constant(2))).numpy().tolist() == [2.0] * 3
    assert f((tf.ones([2]), 3)).numpy().tolist() == [3.0] * 2 and f.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match=r"float32\[\]\) does not match the input_signature TensorSpec"):
        f((tf.ones([2]), tf.constant(3.0)))
    with pytest.raises(TypeError, match="does not have the structure of the input_signature"):
        f(tf.ones([2]))
    import collections

    Pair = collections.namedtuple("Pair", "x n")
    g = tf.function(lambda p: p.x * 2.0, input_signature=[Pair(tf.TensorSpec([None]), tf.TensorSpec([]))])
    assert g(Pair([1.0, 2.0], 0.0)).numpy().tolist() == [2.0, 4.0]


def test_matmul_of_unknown_inner_dimensions_is_checked_when_the_code_runs():
    @tf.function(input_signature=[tf.TensorSpec([None, None]), tf.TensorSpec([None, 4])])
    def f(a, b):
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(tf.matmul(a, b) ** 2)
        return y, tape.gradient(y, [a, b])

    y, (ga, gb) = f(tf.ones([2, 3]), tf.ones([3, 4]))
    assert float(y) == 72.0 and ga.numpy().tolist() == [[24.0] * 3] * 2 and gb.shape == (3, 4)
    with pytest.raises(tf.errors.InvalidArgumentError):
        f(tf.ones([2, 3]), tf.ones([2, 4]))


def test_structured_outputs_are_the_traced_results():
    f = tf.function(lambda x: {"double": x * 2.0, "pair": (x, 1.0)})
    outputs = f.get_concrete_function(tf.TensorSpec([None], tf.float32)).structured_outputs
    assert sorted(outputs) == ["double", "pair"]
    assert outputs["double"].shape.as_list() == [None] and "mul" in outputs["double"].name
    assert f(tf.ones([2]))["pair"][1].numpy() == 1.0
