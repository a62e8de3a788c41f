"""`tf.sparse` beside real TensorFlow on random sparse tensors (skipped when TensorFlow is absent):
the same source text run by both; indices, values, dense shapes, dense results and gradients agree."""

import os
import zlib

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
real_tf = pytest.importorskip("tensorflow")

import tapeflow  # noqa: E402


def random_case(seed: int, shape: tuple, density: float = 0.4) -> dict:
    rng = np.random.default_rng(seed)
    dense = np.where(rng.uniform(size=shape) < density, rng.normal(size=shape), 0.0).astype(np.float32)
    indices = np.argwhere(dense)
    return {"I": indices.astype(np.int64), "V": dense[tuple(indices.T)], "S": np.array(shape, np.int64),
            "B": rng.normal(size=(shape[-1], 3)).astype(np.float32),
            "D": rng.normal(size=shape).astype(np.float32)}


EXPRESSIONS = [
    "tf.sparse.to_dense(sp)", "tf.sparse.to_dense(tf.sparse.reorder(unordered))",
    "tf.sparse.from_dense(D * tf.cast(D > 0.5, tf.float32))",
    "tf.sparse.reduce_sum(sp)", "tf.sparse.reduce_sum(sp, axis=0)",
    "tf.sparse.reduce_sum(sp, axis=-1, keepdims=True)",
    "tf.sparse.reduce_sum(sp, axis=1, output_is_sparse=True)", "tf.sparse.transpose(sp)",
    "tf.sparse.reshape(sp, [-1])", "tf.sparse.slice(sp, [1, 1], [2, 9])", "tf.sparse.softmax(sp)",
    "tf.sparse.add(sp, sp)", "tf.sparse.add(sp, tf.sparse.transpose(tf.sparse.transpose(sp)))",
    "tf.sparse.add(sp, D)", "sp * D", "sp / (1.0 + tf.abs(D))",
]
MATMUL = ["tf.sparse.sparse_dense_matmul(sp, B)",
          "tf.sparse.sparse_dense_matmul(tf.transpose(B), sp, adjoint_b=True)"]
SHAPES = [(4, 5), (6, 3), (1, 7), (5, 5)]


def run(tf, source: str, case: dict):
    sp = tf.sparse.SparseTensor(case["I"], case["V"], case["S"])
    unordered = tf.sparse.SparseTensor(case["I"][::-1].copy(), case["V"][::-1].copy(), case["S"])
    return eval(source, {"tf": tf, "sp": sp, "unordered": unordered, "B": tf.constant(case["B"]),
                         "D": tf.constant(case["D"]), "np": np})


def plain(value):
    if hasattr(value, "indices") and hasattr(value, "dense_shape"):
        return [value.indices.numpy(), value.values.numpy(), value.dense_shape.numpy()]
    return [value.numpy()]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("source", EXPRESSIONS + MATMUL)
def test_values_equal_tensorflows(source, shape):
    case = random_case(zlib.crc32(f"{source}{shape}".encode()), shape)
    theirs, ours = plain(run(real_tf, source, case)), plain(run(tapeflow, source, case))
    assert len(theirs) == len(ours)
    for t, o in zip(theirs, ours):
        assert t.dtype == o.dtype and t.shape == o.shape, source
        np.testing.assert_allclose(o, t, rtol=2e-6, atol=1e-6, err_msg=source)


@pytest.mark.parametrize("source", [
    "tf.sparse.sparse_dense_matmul(sp, B)", "tf.sparse.softmax(sp).values",
    "tf.sparse.to_dense(sp, default_value=0.5)", "tf.sparse.reduce_sum(sp, axis=1)", "tf.sparse.add(sp, D)"])
def test_gradients_equal_tensorflows(source):
    case = random_case(3, (4, 5))

    def gradients(tf):
        values, b, d = tf.constant(case["V"]), tf.constant(case["B"]), tf.constant(case["D"])
        with tf.GradientTape() as tape:
            tape.watch([values, b, d])
            sp = tf.sparse.SparseTensor(case["I"], values, case["S"])
            out = eval(source, {"tf": tf, "sp": sp, "B": b, "D": d})
            loss = tf.reduce_sum(out * out)
        grads = tape.gradient(loss, [values, b, d])
        return [None if g is None else tf.convert_to_tensor(g).numpy() for g in grads]

    for t, o in zip(gradients(real_tf), gradients(tapeflow)):
        assert (t is None) == (o is None), source
        if t is not None:
            np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6, err_msg=source)
