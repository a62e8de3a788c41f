"""tf.switch_case and tf.case: eager choice, traced chains of conds (gradients, one trace for every
index), and TensorFlow's errors."""

import pytest

import tapeflow as tf

FNS = [lambda: tf.constant(10.0), lambda: tf.constant(20.0), lambda: tf.constant(30.0)]


@pytest.mark.parametrize("compiled", [False, True])
def test_switch_case_picks_the_branch_or_the_default(compiled):
    def pick(i, default=None):
        return tf.switch_case(i, FNS, default=default)

    run = tf.function(pick) if compiled else pick
    assert [float(run(tf.constant(i))) for i in (0, 1, 2, 5, -1)] == [10.0, 20.0, 30.0, 30.0, 30.0]
    assert float(run(tf.constant(7), lambda: tf.constant(-1.0))) == -1.0
    by_key = {1: lambda: tf.constant(1.0), 0: lambda: tf.constant(3.0)}
    assert float(tf.switch_case(tf.constant(1), by_key)) == 1.0


def test_switch_case_traces_once_and_differentiates_the_branch_taken():
    @tf.function
    def f(i, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.switch_case(i, [lambda: x * x, lambda: x * 3.0])
        return y, tape.gradient(y, x)

    x = tf.constant(3.0)
    assert [float(v) for v in f(tf.constant(0), x)] == [9.0, 6.0]
    assert [float(v) for v in f(tf.constant(1), x)] == [9.0, 3.0]
    assert f.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("compiled", [False, True])
def test_case_runs_the_first_true_predicate(compiled):
    def choose(x):
        return tf.case([(x > 5, lambda: tf.constant(1.0)), (x > 2, lambda: tf.constant(2.0))],
                       default=lambda: tf.constant(0.0))

    run = tf.function(choose) if compiled else choose
    assert [float(run(tf.constant(v))) for v in (6.0, 3.0, 1.0)] == [1.0, 2.0, 0.0]


def test_errors_are_tensorflow_s():
    with pytest.raises(TypeError, match="'branch_index' must be a Tensor, got <class 'int'>"):
        tf.switch_case(0, FNS)
    with pytest.raises(TypeError, match="must be an integer Tensor, got <dtype: 'float32'>"):
        tf.switch_case(tf.constant(0.0), FNS)
    with pytest.raises(TypeError, match="must be a list, tuple, or dict"):
        tf.switch_case(tf.constant(0), 5)
    with pytest.raises(ValueError, match="at least one item"):
        tf.switch_case(tf.constant(0), [])
    with pytest.raises(ValueError, match=r"contiguous range of \[0 to 2\) but found \{1,3\}"):
        tf.switch_case(tf.constant(0), {1: FNS[0], 3: FNS[1]})
    x = tf.constant(3.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions evaluated as True"):
        tf.case([(x > 5, FNS[0]), (x > 4, FNS[1])])
