"""Ops TensorFlow registers no gradient for: a gradient reaching one raises TensorFlow's LookupError
naming it (eagerly, through a compiled function, while tracing one); a gradient that does not reach
it (through its integer results, or with no weights) raises nothing. Checked against TensorFlow when
it is installed (`test_against_tensorflow` runs the same cases through both)."""

import os

import numpy as np
import pytest

import tapeflow

# (case, the op TensorFlow names, or None where no gradient reaches an op without one): `x` is a
# watched float vector [1, 2, 1, 3].
CASES = [
    ("tf.reduce_sum(tf.unique(x * 2.0).y)", "Unique"),
    ("tf.reduce_sum(tf.unique_with_counts(x).y)", "UniqueWithCounts"),
    ("tf.cast(tf.reduce_sum(tf.unique(x).idx), tf.float32) * x", None),
    ("tf.reduce_sum(tf.math.bincount([0, 1, 1, 2], weights=x * 1.0))", "DenseBincount"),
    ("tf.cast(tf.reduce_sum(tf.math.bincount([0, 1, 1])), tf.float32) * x", None),
    ("tf.reduce_sum(tf.random.poisson([3], x, seed=1))", "RandomPoissonV2"),
    ("tf.reduce_sum(tf.truncatemod(x, 0.75))", "TruncateMod"),
    ("tf.reduce_sum(tf.random.experimental.stateless_shuffle(x, seed=[1, 2]))", "StatelessShuffle"),
]


def gradient(tf, source, compiled):
    x = tf.constant([1.0, 2.0, 1.0, 3.0])

    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = eval(source, {"tf": tf, "x": x})
        return tape.gradient(y, x)

    return (tf.function(run) if compiled else run)(x)


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "traced"])
@pytest.mark.parametrize("source,op", CASES)
def test_a_gradient_reaching_an_op_without_one_raises_lookup_error(source, op, compiled):
    if op is None:
        assert gradient(tapeflow, source, compiled) is not None
    else:
        with pytest.raises(LookupError, match=f"^gradient registry has no entry for: {op}$"):
            gradient(tapeflow, source, compiled)


def test_a_compiled_function_differentiated_from_outside():
    f = tapeflow.function(lambda x: tapeflow.unique(x).y)
    x = tapeflow.constant([1.0, 2.0, 1.0])
    with tapeflow.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert y.numpy().tolist() == [1.0, 2.0]
    with pytest.raises(LookupError, match="Unique"):
        tape.gradient(y, x)


@pytest.mark.parametrize("source,op", CASES)
def test_against_tensorflow(source, op):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    real_tf = pytest.importorskip("tensorflow")
    for tf in (real_tf, tapeflow):
        if op is None:
            assert np.allclose(gradient(tf, source, False), [3.0, 3.0, 3.0, 3.0])
        else:
            with pytest.raises(LookupError, match=f"^gradient registry has no entry for: {op}$"):
                gradient(tf, source, False)
