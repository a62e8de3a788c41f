"""Run-time checks (tf.debugging, tf.Assert, tf.ensure_shape): TensorFlow's errors and messages
eagerly, and checks that run on every call of a compiled function."""

import numpy as np
import pytest

import tapeflow as tf

Invalid = tf.errors.InvalidArgumentError


def test_comparisons_name_the_first_elements_that_fail_as_tensorflow():
    x, y = tf.constant([1, 2]), tf.constant([1, 3])
    assert tf.debugging.assert_equal(x, x) is None and tf.debugging.assert_less_equal(x, y) is None
    with pytest.raises(Invalid) as e:
        tf.debugging.assert_equal(x, y, message="custom")
    # TensorFlow 2.21's text
    assert e.value.message == "\n".join([
        "custom", "Condition x == y did not hold.", "Indices of first 1 different values:", "[[1]]",
        "Corresponding x values:", "[2]", "Corresponding y values:", "[3]", "First 2 elements of x:", "[1 2]",
        "First 2 elements of y:", "[1 3]"])
    with pytest.raises(Invalid, match=r"Condition x > y did not hold.\nIndices of "
                                      r"first 2 different values:\n\[\[0\]\n \[1\]\]"):
        tf.assert_greater(x, y)
    with pytest.raises(Invalid, match=r"Incompatible shapes: \[2\] vs. \[3\] \[Op:Equal\]"):
        tf.assert_equal(x, tf.constant([1, 2, 3]))


def test_signs_ranks_types_and_numerics():
    with pytest.raises(Invalid, match=r"Condition x >= 0 did not hold element-wise:\n"
                                      r"x \(shape=\(2,\) dtype=float32\) = \n\['-1.0', '2.0'\]"):
        tf.debugging.assert_non_negative(tf.constant([-1.0, 2.0]))
    tf.debugging.assert_positive(tf.constant([1.0]))
    with pytest.raises(ValueError, match=r"Tensor  must have rank 2.  Received rank 1, shape \(2,\)"):
        tf.debugging.assert_rank(tf.constant([1, 2]), 2)
    with pytest.raises(TypeError, match="tensor must be of type tf.float32; got tf.int32"):
        tf.debugging.assert_type(tf.constant([1]), tf.float32)
    assert tf.debugging.check_numerics(tf.constant([1.0, 2.0]), "bad").numpy().tolist() == [1.0, 2.0]
    with pytest.raises(Invalid, match=r"bad! : Tensor had NaN values \[Op:CheckNumerics\]"):
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "bad!")
    with pytest.raises(Invalid, match="inf here : Tensor had Inf values"):
        tf.debugging.assert_all_finite(tf.constant([np.inf]), "inf here")
    with pytest.raises(Invalid, match="x and y not equal to tolerance"):
        tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.1]))
    tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.0 + 1e-7]))


def test_assert_shows_its_data():
    with pytest.raises(Invalid,
                       match=r"Expected 'tf.Tensor\(False, shape=\(\), dtype=bool\)' to be true. Summarized "
                             r"data: 1, 2\nb'text'"):
        tf.Assert(tf.constant(False), [tf.constant([1, 2]), "text"])
    assert tf.Assert(tf.constant(True), [tf.constant([1])]) is None


def test_checks_run_on_every_call_of_a_compiled_function_and_pass_gradients():
    @tf.function
    def f(a):
        tf.debugging.assert_positive(a)
        return tf.debugging.check_numerics(a * 2.0, "doubled")

    assert float(f(tf.constant(1.5))) == 3.0
    with pytest.raises(Invalid, match="Condition x > 0 did not hold"):
        f(tf.constant(-1.0))  # the same trace, checked again when it runs
    assert f.experimental_get_tracing_count() == 1
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x) * x
    assert float(tape.gradient(y, x)) == 8.0


def test_ensure_shape_checks_now_where_it_can_and_refines_unknown_dimensions():
    x = tf.constant([1, 2])
    assert tf.ensure_shape(x, [None]) is not None
    with pytest.raises(Invalid,
                       match=r"Shape of tensor input \[2\] is not compatible with expected shape \[3\]."):
        tf.ensure_shape(x, [3])
    shapes = []

    @tf.function(input_signature=[tf.TensorSpec([None, None])])
    def f(a):
        b = tf.ensure_shape(a, [None, 3])
        shapes.append(b.shape.as_list())
        return b

    assert f(tf.zeros([2, 3])).shape == (2, 3) and shapes == [[None, 3]]
    with pytest.raises(Invalid, match="not compatible with expected shape"):
        f(tf.zeros([2, 4]))
    g = tf.function(lambda a: tf.ensure_shape(a, [2]))
    with pytest.raises(ValueError, match="Dimension 0 in both shapes must be equal, but are 2 and 3"):
        g.get_concrete_function(tf.TensorSpec([3]))


def test_dtype_rank_and_iterable_checks_as_tensorflow_words_them():
    tf.debugging.assert_integer(tf.constant([1]))
    with pytest.raises(TypeError, match=r'hey.  Expected "x" to be integer type.  Found: tensor of dtype '
                                        r"<dtype: 'float32'>"):
        tf.debugging.assert_integer(tf.constant([1.0]), message="hey")
    tf.debugging.assert_rank_in(tf.zeros([2, 3]), [1, 2])
    with pytest.raises(ValueError, match=r"must have rank in \(1, 3\).  Received rank 2, shape \(2, 3\)"):
        tf.debugging.assert_rank_in(tf.zeros([2, 3]), [1, 3])
    assert tf.debugging.assert_same_float_dtype([tf.zeros([1]), tf.zeros([2])]) == tf.float32
    assert tf.debugging.assert_same_float_dtype(None, tf.float64) == tf.float64
    assert tf.debugging.assert_same_float_dtype() == tf.float32
    with pytest.raises(ValueError, match="must be of the same type"):
        tf.debugging.assert_same_float_dtype([tf.zeros([1]), tf.zeros([2], tf.float64)])
    with pytest.raises(ValueError, match="Expected floating point type, got <dtype: 'int32'>"):
        tf.debugging.assert_same_float_dtype([tf.zeros([1], tf.int32)])
    values = (tf.constant(1), tf.constant("a"), 1, tf.constant(True))
    assert [tf.debugging.is_numeric_tensor(x) for x in values] == [True, False, False, False]
    tf.debugging.assert_proper_iterable([1, 2])
    for value, word in ((tf.constant([1]), '"proper" iterable'), ("ab", '"proper" iterable'),
                        (3, "iterable")):
        with pytest.raises(TypeError, match=f'Expected argument "values" to be a? ?{word}'):
            tf.debugging.assert_proper_iterable(value)
