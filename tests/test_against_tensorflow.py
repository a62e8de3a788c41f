"""Differential tests: tapeflow beside real TensorFlow, when TensorFlow is installed (skipped otherwise).

Each case is run by both libraries from the same source text; values, dtypes, shapes, reprs,
exception types and gradients (first and second order) must agree.
"""

import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
real_tf = pytest.importorskip("tensorflow")

import tapeflow  # noqa: E402
from tapeflow import jit  # noqa: E402

RNG = np.random.default_rng(7)
X = RNG.uniform(0.3, 1.7, (2, 3)).astype(np.float32)
Y = RNG.uniform(0.3, 1.7, (3,)).astype(np.float32)
M = RNG.uniform(-1.0, 1.0, (3, 4)).astype(np.float32)
LABELS = np.array([1, 0], np.int32)

EXPRESSIONS = [
    "tf.constant(1.0)", "tf.constant(1)", "tf.constant(2**40)", "tf.constant([1, 2.0])", "tf.constant(True)",
    "tf.constant('hi')", "tf.constant([[1.0, 2.0], [3.0, 4.0]])", "tf.constant(np.float64(1.5))",
    "tf.constant(1) + 2**40", "tf.constant(7) / 2", "tf.constant(-7) // 2", "tf.constant(-7) % 3",
    "tf.constant(1.0) + np.array([1.0, 2.0])", "tf.range(7)", "tf.range(1.0, 2.0, 0.5)",
    "tf.linspace(0.0, 1.0, 5)", "tf.cumsum(tf.constant([[1, 2], [3, 4]]), axis=1, exclusive=True)",
    "tf.one_hot([0, 2], 3)", "tf.eye(2)", "tf.shape(tf.zeros([2, 3]))",
    "tf.cast(tf.constant(-2.7), tf.int32)",
    "tf.reduce_mean(tf.constant([1, 2]))", "tf.argmax(tf.constant([[1.0, 3.0], [2.0, 0.0]]), axis=1)",
    "tf.round(tf.constant([0.5, 1.5, 2.5, -0.5]))", "tf.sign(tf.constant([-2.0, 0.0, 3.0]))",
    "tf.nn.softmax(tf.constant([[1.0, 2.0, 3.0]]))", "tf.nn.gelu(tf.constant([-1.0, 0.0, 1.0]))",
    "tf.nn.selu(tf.constant([-1.0, 2.0]))",
    "tf.math.reduce_logsumexp(tf.constant([[1.0, 2.0], [3.0, 4.0]]), 1)",
    "tf.concat([tf.ones([2, 1]), tf.zeros([2, 2])], axis=1)",
    "tf.stack([tf.ones([2]), tf.zeros([2])], axis=1)",
    "tf.gather(tf.constant([[1, 2], [3, 4], [5, 6]]), [2, 0])", "tf.tile(tf.constant([[1, 2]]), [2, 2])",
    "tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 2]])", "tf.reverse(tf.constant([[1, 2], [3, 4]]), [1])",
    "tf.transpose(tf.reshape(tf.range(6), [2, 3]))", "tf.squeeze(tf.zeros([1, 2, 1]))",
    "tf.constant([[1, 2, 3], [4, 5, 6]])[::-1, 1:]", "tf.where(tf.constant([True, False]), 1.0, 2.0)",
    "tf.clip_by_value(tf.constant([-1.0, 0.5, 2.0]), 0.0, 1.0)",
    "tf.math.unsorted_segment_sum([1, 2, 3], [0, 1, 0], 2)",
]

ERRORS = [
    "tf.constant(1.0) + tf.constant(1.0, tf.float64)", "tf.constant(1) + 2.5", "2.5 * tf.constant(2)",
    "tf.sqrt(4)", "tf.ones([2]) * tf.ones([3])", "tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))",
    "tf.reshape(tf.ones([6]), [4])", "tf.constant([[1, 2], [3]])", "tf.constant(1.0, dtype=tf.int32)",
    "tf.constant(1) // tf.constant(0)", "tf.concat([tf.ones([2, 3]), tf.ones([2, 4])], 0)",
    "tf.gather(tf.ones([3]), [5])", "tf.reduce_sum(tf.ones([2]), axis=3)", "tf.zeros([2])[5]",
]

GRADIENTS = [
    "tf.linalg.slogdet(tf.matmul(m, m, transpose_b=True) + tf.eye(3))[1] * x",
    "tf.linalg.logdet(tf.matmul(m, m, transpose_b=True) + tf.eye(3)) * x + tf.linalg.band_part(x, 0, 1)",
    "tf.linalg.triangular_solve(tf.linalg.band_part(tf.matmul(m, m, transpose_b=True), -1, 0) + tf.eye(3), "
    "tf.transpose(x))",
    "tf.nn.embedding_lookup(x * y, [1, 0, 1])",
    "tf.math.cumprod(x * y, axis=1) + tf.math.cumprod(x, axis=0, exclusive=True, reverse=True)",
    "tf.math.segment_mean(x * y, [0, 1]) + tf.math.unsorted_segment_max(x * x, [1, 0], 2)",
    "tf.linalg.inv(tf.matmul(m, m, transpose_b=True) + tf.eye(3)) * y",
    "tf.linalg.det(tf.matmul(m, m, transpose_b=True)) * x",
    "tf.linalg.solve(tf.matmul(m, m, transpose_b=True) + tf.eye(3), tf.transpose(x))",
    "tf.linalg.cholesky(tf.matmul(m, m, transpose_b=True) + tf.eye(3))",
    "tf.linalg.trace(tf.matmul(x, x, transpose_b=True)) * tf.linalg.diag(tf.linalg.diag_part(x[:, :2]))",
    "tf.math.sinh(x) * tf.math.cosh(y) + tf.math.asinh(x) + tf.math.atan(y) + tf.math.acosh(x + 1.0)",
    "tf.math.atanh(x / 4.0) + tf.math.asin(y / 4.0) + tf.math.acos(x / 4.0)",
    "tf.math.atan2(x, y - 2.0) + tf.math.xlogy(x, y) + tf.math.xdivy(x, y)",
    "tf.nn.moments(x * y, axes=[0])[0] + tf.math.l2_normalize(x, axis=0) + tf.math.log_sigmoid(x - y)",
    "tf.linalg.matvec(m, m[0] * m[1]) + tf.tensordot(x, m, axes=1)[0, 0]",
    "tf.sin(x) * tf.exp(y)", "tf.tanh(x) / y", "tf.sqrt(x) + tf.math.log(y)", "tf.pow(x, y)",
    "tf.sigmoid(x * y)",
    "tf.nn.softplus(x - y)", "tf.maximum(x, y)", "tf.reduce_max(x, axis=1)", "tf.reduce_prod(x)",
    "tf.math.reduce_logsumexp(x * y, axis=0)", "tf.matmul(x, m)", "tf.nn.relu(tf.matmul(x - 1.0, m))",
    "tf.nn.softmax(x * y)", "tf.nn.log_softmax(x)", "tf.nn.elu(x - 1.0)", "tf.nn.gelu(x - 1.0)",
    "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=tf.matmul(x, m))",
    "tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.sigmoid(y) * tf.ones_like(x), logits=x)",
    "tf.reduce_mean(tf.square(x - y))", "tf.transpose(x)[1:, ::-1] * 2.0", "tf.gather(x, [1, 1, 0])",
    "tf.concat([x, x * y], axis=1)", "tf.tile(x, [2, 1])", "tf.pad(x, [[1, 0], [0, 2]], mode='REFLECT')",
    "tf.reduce_sum(tf.stack(tf.unstack(x, axis=1), axis=0) * 3.0)", "tf.split(x * y, 3, axis=1)[1]",
    "tf.clip_by_value(x, 0.8, 1.2)", "tf.abs(x - 1.0) * tf.math.rsqrt(y)",
    "tf.math.reciprocal(x) + tf.cos(y)", "tf.math.cumsum(x * x, axis=1, exclusive=True, reverse=True)",
    "tf.cumsum(x * y, axis=0)", "tf.einsum('ij,jk->ik', x, m)", "tf.einsum('ij,j->i', x * x, y)",
    "tf.einsum('ij->j', x * x)", "tf.einsum('ii->i', tf.matmul(x, x, transpose_b=True))",
    "tf.sort(x * y, axis=0) * tf.constant([[1.0], [2.0]])", "tf.math.top_k(x * x, k=2).values * [1.0, 2.0]",
    "tf.norm(x, axis=1)", "tf.norm(x * y, ord=3)", "tf.norm(x, ord='fro', axis=[0, 1])",
    "tf.gather_nd(x * x, [[0, 1], [1, 2], [0, 1]])", "tf.scatter_nd([[1], [0]], x * x, [2, 3]) * y",
    "tf.tensor_scatter_nd_update(x * x, [[1, 0]], y[:1] * 3.0) * y",
    "tf.tensor_scatter_nd_sub(x * x, [[1]], tf.reshape(y * y, [1, 3])) * y",
    "tf.repeat(x * x, [1, 2], axis=0) * y", "tf.roll(x * x, [1, 2], [0, 1]) * y",
]


def evaluate(module, source):
    scope = {"tf": module, "np": np, "x": module.constant(X), "y": module.constant(Y),
             "m": module.constant(M), "labels": module.constant(LABELS)}
    return eval(source, scope)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_values_dtypes_and_reprs(source):
    ours, theirs = evaluate(tapeflow, source), evaluate(real_tf, source)
    assert ours.dtype.name == theirs.dtype.name and ours.shape.as_list() == theirs.shape.as_list()
    if ours.dtype.name != "string":
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    if np.array_equal(ours.numpy(), theirs.numpy()):  # reprs agree unless the last bit does
        assert repr(ours) == repr(theirs) and str(ours) == str(theirs)


@pytest.mark.parametrize("source", ERRORS)
def test_error_types(source):
    with pytest.raises(Exception) as theirs:
        evaluate(real_tf, source)
    with pytest.raises(Exception) as ours:
        evaluate(tapeflow, source)
    assert type(ours.value).__name__ == type(theirs.value).__name__, (str(ours.value), str(theirs.value))


def gradients(module, source):
    scope_vars = [module.constant(X), module.constant(Y), module.constant(M)]
    with module.GradientTape(persistent=True) as outer:
        outer.watch(scope_vars)
        with module.GradientTape() as inner:
            inner.watch(scope_vars)
            x, y, m = scope_vars
            out = eval(source, {"tf": module, "x": x, "y": y, "m": m, "labels": module.constant(LABELS)})
        first = [None if g is None else module.convert_to_tensor(g)  # TF's IndexedSlices made dense
                 for g in inner.gradient(out, scope_vars)]
        total = sum(module.reduce_sum(g * g) for g in first if g is not None)
    second = outer.gradient(total, scope_vars)
    return first, second


@pytest.mark.parametrize("source", GRADIENTS)
def test_first_and_second_order_gradients(source):
    for ours, theirs in zip(*(gradients(module, source) for module in (tapeflow, real_tf))):
        for a, b in zip(ours, theirs):
            assert (a is None) == (b is None)
            if a is not None:
                b = real_tf.convert_to_tensor(b).numpy()
                np.testing.assert_allclose(a.numpy(), b, rtol=2e-4, atol=2e-5, err_msg=source)


@pytest.mark.skipif(not jit.available(),
                    reason="Numba is not installed (pip install tapeflow[jit]): jit_compile not tested")
def test_values_when_jitted():
    """A fifth of the gradient cases' values (each native segment is a Numba compile, ~0.4 s), computed
    by one `tf.function(jit_compile=True)` of x, y and m (ops with no lowering split off into Python
    between native segments), beside TensorFlow's eager ones."""
    sources = GRADIENTS[::5]

    def all_values(tf, x, y, m):
        return [evaluate_with(tf, source, x, y, m) for source in sources]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the ops that stay in Python are named)
        jitted = tapeflow.function(lambda x, y, m: all_values(tapeflow, x, y, m), jit_compile=True)
        ours = jitted(*(tapeflow.constant(a) for a in (X, Y, M)))
    assert "native segment" in jitted.get_concrete_function(*(tapeflow.constant(a) for a in (X, Y, M))).source
    theirs = all_values(real_tf, *(real_tf.constant(a) for a in (X, Y, M)))
    for source, a, b in zip(sources, ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=2e-5, atol=1e-6, err_msg=source)


def evaluate_with(tf, source, x, y, m):
    return eval(source, {"tf": tf, "x": x, "y": y, "m": m, "labels": tf.constant(LABELS)})


# Whole programs with tf.function, written to a file so that both AutoGraphs can read the source.
PROGRAMS = [
    """
v = tf.Variable([1.0, 2.0])

@tf.function
def f(x):
    y = tf.reduce_sum(x * x * v) + tf.reduce_sum(tf.tanh(x))
    g = tf.gradients(y, [x, v])
    return g + tf.hessians(y, x)

result = [t.numpy() for t in f(tf.constant([0.5, -1.0]))]
""",
    """
k = 3.0
g1 = lambda x, s=2.0: x * s if x > 0 else x - k
g2 = lambda *xs: xs[0] + xs[1] if xs[0] > xs[1] else xs[1]

class C:
    f = staticmethod(lambda x: x + 1.0 if x > 1 else x - 1.0)

@tf.function
def f(x, n):
    r = [g1(x), g1(-x), g2(x, x * 2), C.f(x)]
    total = tf.constant(0)
    for i in range(n, 0, -2):
        total += i
    r.append(tf.cast(total, tf.float32))
    r.append(tf.cast(len([1, 2, 3]), tf.float32))
    y = tf.zeros([0])
    for i in tf.range(n):
        tf.autograph.experimental.set_loop_options(shape_invariants=[(y, tf.TensorShape([None]))])
        y = tf.concat([y, [tf.cast(i, tf.float32)]], 0)
    r.append(tf.reduce_sum(y))
    r.append(float(n) * 0.5)
    return r

result = [v.numpy() for v in f(tf.constant(2.0), tf.constant(5))]
""",
    """
v = tf.Variable(1.0)

@tf.function
def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cond(x > 0, lambda: x * v.assign_add(1.0) * x, lambda: x)
    return tape.gradient(y, x)

result = [f(tf.constant(2.0)).numpy(), v.numpy(), f(tf.constant(-1.0)).numpy(), v.numpy()]
""",
    """
v, x = tf.Variable(0.0), tf.Variable(2.0)

@tf.function
def f(n):
    with tf.GradientTape() as tape:
        s = tf.constant(0.0)
        for i in tf.range(n):
            v.assign_add(tf.cast(i, tf.float32) + 1.0)
            s += v * x * x
    return tape.gradient(s, [v, x])

result = [g.numpy() for g in f(tf.constant(3))] + [v.numpy()]
""",
    """
x = tf.Variable(2.0)
shapes = []

@tf.function
def f(n):
    with tf.GradientTape() as tape:
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        y = x
        for i in tf.range(n):
            y = y * x + tf.cast(i, tf.float32)
            ta = ta.write(i, tf.stack([y, -y]))
        s = tf.reduce_sum(ta.stack() * ta.stack())
    shapes.append(str(ta.stack().shape))
    return ta.stack(), tape.gradient(s, x)

stacked, g = f(tf.constant(3))
result = [stacked.numpy(), g.numpy(), *shapes]
""",
    """
@tf.function(input_signature=[tf.TensorSpec([None, 3]), tf.TensorSpec([None], tf.int32)])
def f(x, y):
    w = tf.reshape(tf.range(12, dtype=tf.float32) / 10.0, [3, 4])
    with tf.GradientTape() as tape:
        tape.watch(x)
        logits = tf.matmul(x, w) + tf.reduce_mean(x, axis=1, keepdims=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    shapes.extend([str(logits.shape), str(tf.shape(x))])
    return loss, tape.gradient(loss, x)

shapes = []
x = tf.reshape(tf.range(6, dtype=tf.float32), [2, 3]) / 6.0
loss, g = f(x, tf.constant([1, 3]))
result = [loss.numpy(), g.numpy(), f(x[:1], tf.constant([2]))[1].numpy(), *shapes]
""",
    """
v = tf.Variable([1.0, 2.0])

@tf.function
def f(n, p):
    with tf.GradientTape() as tape:
        y = tf.constant(1.0)
        for i in tf.range(n):
            y = y * tf.reduce_sum(v * tf.cast(i + 1, tf.float32))
        z = tf.cond(p, lambda: tf.reduce_sum(v * v), lambda: tf.reduce_sum(v))
    return tape.gradient([y, z], v)

result = [f(tf.constant(3), tf.constant(True)).numpy(), f(tf.constant(2), tf.constant(False)).numpy()]
""",
    """
seen = []

@tf.function
def f(xs, k):
    a = xs[0] * xs[1] + k
    seen.extend([str(xs[1]), repr(a), str(tf.sin(a)), str(tf.reduce_sum(a) * 2)])
    return a

f([tf.constant(1.0), tf.constant(2.0)], tf.constant(3.0))
result = seen
""",
    """
@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)
    return tf.math.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))

def derivatives(x):
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        g = inner.gradient(y, x)
    return y, g, outer.gradient(g, x)

x = tf.constant([-3.0, 0.0, 2.0, 100.0])
result = [t.numpy() for t in derivatives(x) + tf.function(derivatives)(x)]
""",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_compiled_programs(program, tmp_path):
    import runpy

    path = tmp_path / "program.py"
    path.write_text(program)
    ours, theirs = (runpy.run_path(str(path), {"tf": module})["result"] for module in (tapeflow, real_tf))
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, str):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6)
