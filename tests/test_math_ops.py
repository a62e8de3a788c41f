"""Elementwise math: values against NumPy, TensorFlow's dtype rules, and gradients to second order."""

import numpy as np
import pytest

import tapeflow as tf

from gradcheck import check_gradients

RNG = np.random.default_rng(1)
SHAPES = [(), (4,), (2, 3)]


def positive(shape):
    return np.asarray(RNG.uniform(0.5, 2.0, size=shape))


def anywhere(shape):
    return np.asarray(RNG.uniform(-2.0, 2.0, size=shape))


def away_from_zero(shape):
    return np.asarray(RNG.choice([-1, 1], size=shape) * RNG.uniform(0.5, 2.0, size=shape))


UNARY = [
    ("negative", tf.negative, np.negative, anywhere),
    ("abs", tf.abs, np.abs, away_from_zero),
    ("square", tf.square, np.square, anywhere),
    ("sqrt", tf.sqrt, np.sqrt, positive),
    ("rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), positive),
    ("reciprocal", tf.math.reciprocal, np.reciprocal, away_from_zero),
    ("exp", tf.exp, np.exp, anywhere),
    ("expm1", tf.math.expm1, np.expm1, anywhere),
    ("log", tf.math.log, np.log, positive),
    ("log1p", tf.math.log1p, np.log1p, positive),
    ("sin", tf.sin, np.sin, anywhere),
    ("cos", tf.cos, np.cos, anywhere),
    ("tan", tf.tan, np.tan, lambda s: np.asarray(RNG.uniform(-1.0, 1.0, size=s))),
    ("tanh", tf.tanh, np.tanh, anywhere),
    ("sigmoid", tf.sigmoid, lambda x: 1 / (1 + np.exp(-x)), anywhere),
    ("softplus", tf.math.softplus, lambda x: np.log1p(np.exp(x)), anywhere),
    ("sinh", tf.math.sinh, np.sinh, anywhere),
    ("cosh", tf.math.cosh, np.cosh, anywhere),
    ("asinh", tf.math.asinh, np.arcsinh, anywhere),
    ("acosh", tf.math.acosh, np.arccosh, lambda s: np.asarray(RNG.uniform(1.2, 3.0, size=s))),
    ("atanh", tf.math.atanh, np.arctanh, lambda s: np.asarray(RNG.uniform(-0.8, 0.8, size=s))),
    ("asin", tf.math.asin, np.arcsin, lambda s: np.asarray(RNG.uniform(-0.8, 0.8, size=s))),
    ("acos", tf.math.acos, np.arccos, lambda s: np.asarray(RNG.uniform(-0.8, 0.8, size=s))),
    ("atan", tf.math.atan, np.arctan, anywhere),
    ("softsign", tf.nn.softsign, lambda x: x / (1 + np.abs(x)), away_from_zero),
]

BINARY = [
    ("add", tf.add, np.add, anywhere, anywhere),
    ("subtract", tf.subtract, np.subtract, anywhere, anywhere),
    ("multiply", tf.multiply, np.multiply, anywhere, anywhere),
    ("divide", tf.divide, np.divide, anywhere, away_from_zero),
    ("pow", tf.pow, np.power, positive, anywhere),
    ("maximum", tf.maximum, np.maximum, anywhere, anywhere),
    ("minimum", tf.minimum, np.minimum, anywhere, anywhere),
    ("squared_difference", tf.math.squared_difference, lambda x, y: (x - y) ** 2, anywhere, anywhere),
    ("floormod", tf.math.floormod, np.mod, lambda s: np.asarray(RNG.uniform(2.1, 2.9, size=s)),
     lambda s: np.full(s, 1.5)),
    ("atan2", tf.math.atan2, np.arctan2, anywhere, away_from_zero),
    ("xlogy", tf.math.xlogy, lambda x, y: x * np.log(y), away_from_zero, positive),
    ("xdivy", tf.math.xdivy, lambda x, y: x / y, away_from_zero, away_from_zero),
]

BROADCAST_PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2))]


@pytest.mark.parametrize("name, op, reference, domain", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_values_and_gradients(name, op, reference, domain, shape):
    x = domain(shape)
    result = op(tf.constant(x.astype(np.float32)))
    assert result.dtype == tf.float32 and result.shape == shape
    np.testing.assert_allclose(result.numpy(), reference(x.astype(np.float32)), rtol=1e-5, atol=1e-6)
    check_gradients(op, x, dtype=np.float64)
    check_gradients(op, x, dtype=np.float32)


@pytest.mark.parametrize("name, op, reference, dx, dy", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_binary_values_and_gradients(name, op, reference, dx, dy, shapes):
    x, y = dx(shapes[0]), dy(shapes[1])
    if name in ("maximum", "minimum"):
        y = y + 0.25 * np.sign(y - x.mean())  # keep the operands apart, away from the kink
    result = op(tf.constant(x), tf.constant(y))
    np.testing.assert_allclose(result.numpy(), reference(x, y), rtol=1e-12)
    check_gradients(op, x, y, dtype=np.float64)
    check_gradients(op, x, y, dtype=np.float32)


def test_xlogy_and_xdivy_are_zero_where_x_is_zero_as_tensorflows():
    x, y = tf.constant([0.0, 0.0, 2.0]), tf.constant([0.0, -1.0, 3.0])
    np.testing.assert_allclose(tf.math.xlogy(x, y).numpy(), [0.0, 0.0, 2 * np.log(3.0)], rtol=1e-6)
    np.testing.assert_allclose(tf.math.xdivy(x, y).numpy(), [0.0, 0.0, 2 / 3], rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.reduce_sum(tf.math.xlogy(x, y))
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(gx.numpy(), [0.0, 0.0, np.log(3.0)], rtol=1e-6)
    np.testing.assert_allclose(gy.numpy(), [0.0, 0.0, 2 / 3], rtol=1e-6)
    assert tf.math.rint(tf.constant([0.5, 1.5, 2.7])).numpy().tolist() == [0.0, 2.0, 3.0]


def test_where_and_clip_gradients():
    c = tf.constant([True, False, True])
    check_gradients(lambda x, y: tf.where(c, x * x, y * x), anywhere((3,)), anywhere((3,)))
    check_gradients(lambda x: tf.clip_by_value(x, -0.5, 0.5) * x, np.array([-1.0, -0.2, 0.3, 0.9]))


def test_cast_gradient_and_integer_cut():
    check_gradients(lambda x: tf.cast(tf.cast(x, tf.float64) * 2.0, tf.float32) * x, anywhere((3,)),
                    dtype=np.float32)
    x = tf.constant(2.7)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
    assert tape.gradient(y, x).numpy() == pytest.approx(2.0)  # only the direct path; the int path is cut


def test_add_n_and_multiple_uses():
    check_gradients(lambda x, y: tf.add_n([x, y * x, x]), anywhere((2, 2)), anywhere((2, 2)))


@pytest.mark.parametrize("op", [tf.round, tf.floor, tf.math.ceil])
def test_rounding_has_no_gradient(op):
    x = tf.constant([0.5, 1.5, 2.5, -0.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = op(x)
    assert tape.gradient(y, x) is None


def test_round_is_half_to_even_and_sign_gradient_is_zero():
    assert tf.round(tf.constant([0.5, 1.5, 2.5, -0.5])).numpy().tolist() == [0.0, 2.0, 2.0, -0.0]
    x = tf.constant([-2.0, 0.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sign(x)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 0.0, 0.0]


def test_edge_gradients_follow_tensorflow():
    x = tf.constant([0.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        root, logarithm, absolute = tf.sqrt(x), tf.math.log(x), tf.abs(x)
    assert np.isinf(tape.gradient(root, x).numpy()[0])
    assert np.isinf(tape.gradient(logarithm, x).numpy()[0])
    assert tape.gradient(absolute, x).numpy()[0] == 0.0
    # pow's exponent gradient is 0 where the base is <= 0, not nan
    base, exponent = tf.constant([0.0, -1.0, 2.0]), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(exponent)
        y = tf.pow(base, exponent)
    assert tape.gradient(y, exponent).numpy() == pytest.approx(4 * np.log(2.0))


def test_ties_go_to_the_first_argument_of_maximum_and_minimum():
    x, y = tf.constant([1.0, 2.0]), tf.constant([1.0, 3.0])
    for op in (tf.maximum, tf.minimum):
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            z = op(x, y)
        gx, gy = tape.gradient(z, [x, y])
        assert gx.numpy()[0] == 1.0 and gy.numpy()[0] == 0.0


def test_clip_by_value_passes_gradient_on_the_boundaries():
    x = tf.constant([0.5, 1.0, 1.5, 2.0, 2.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.clip_by_value(x, 1.0, 2.0)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_integer_division_rules():
    assert (tf.constant(7) / tf.constant(2)).dtype == tf.float64
    assert (tf.constant(7, tf.int16) / tf.constant(2, tf.int16)).dtype == tf.float32
    assert int(tf.constant(-7) // 2) == -4 and int(tf.constant(7) // -2) == -4
    assert int(tf.constant(-7) % 3) == 2 and int(tf.constant(7) % -3) == -2
    assert float(tf.constant(-7.0) % 3.0) == 2.0
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Integer division by zero \[Op:FloorDiv\]"):
        tf.constant(1) // tf.constant(0)
    assert np.isinf(float(tf.constant(1) / tf.constant(0)))
    assert float(tf.math.divide_no_nan(1.0, 0.0)) == 0.0
    assert (tf.constant([4], tf.uint32) / 2).dtype == tf.float64


def test_true_division_dtype_errors_are_tensorflows_type_errors():
    i, f = tf.constant([1, 2], tf.int16), tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^`x` and `y` must have the same dtype, got tf.int16 != tf.float32"):
        i / f  # (TensorFlow's messages)
    with pytest.raises(TypeError, match=r"got tf.int16 != tf.float32"):
        tf.math.divide_no_nan(i, 2.5)  # 2.5 does not fit int16, so it stays float32
    with pytest.raises(TypeError, match=r"got tf.int32 != tf.float32"):
        tf.math.truediv(2, f)  # truediv converts x alone; divide and 2 / f give it f's dtype
    assert tf.divide(2, f).numpy().tolist() == [2.0, 1.0] and (2 / f).numpy().tolist() == [2.0, 1.0]
    with pytest.raises(TypeError, match=r"^Cannot convert True to EagerTensor of dtype complex64$"):
        True / tf.constant([1j], tf.complex64)
    b = tf.constant([True])
    with pytest.raises(TypeError, match=r"^Invalid dtype tf.bool in __truediv__. Expected one of \{tf.uint8, "
                                        r"tf.int8, .*, tf.complex128\}.$"):
        b / b
    with pytest.raises(TypeError, match=r"^Invalid dtype tf.bool in tf.math.divide_no_nan."):
        tf.math.divide_no_nan(b, b)


def test_dtype_errors_name_the_op_and_dtypes():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.constant(1.0) + tf.constant(1.0, tf.float64)
    assert str(info.value) == ("cannot compute AddV2 as input #1(zero-based) was expected to be a float "
                               "tensor but is a double tensor [Op:AddV2]")
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a int32 tensor but is a float"):
        tf.constant(1) + 2.5
    with pytest.raises(TypeError, match="Cannot convert 2.5 to EagerTensor of dtype int32"):
        2.5 * tf.constant(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Value for attr 'T' of int32 .*\[Op:Sqrt\]"):
        tf.sqrt(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2\] vs. \[3\]"):
        tf.ones([2]) * tf.ones([3])


def test_python_and_numpy_operands_take_the_tensor_dtype():
    assert (tf.constant(1.0) + np.float64(2.0)).dtype == tf.float32
    assert (np.array([1.0, 2.0]) + tf.constant(1.0)).dtype == tf.float32
    assert int(tf.constant(1) + 2**40) == 1  # wraps, as TensorFlow
    assert (tf.constant(1.0, tf.float16) + 0.1).dtype == tf.float16


def test_comparisons_and_logic():
    x, y = tf.constant([1, 2, 3]), tf.constant([3, 2, 1])
    assert (x < y).numpy().tolist() == [True, False, False]
    assert (x == y).numpy().tolist() == [False, True, False]
    assert (x != y).numpy().tolist() == [True, False, True]
    t, f = tf.constant([True, True]), tf.constant([True, False])
    assert (t & f).numpy().tolist() == [True, False]
    assert (~f).numpy().tolist() == [False, True]
    assert (tf.constant(6) & 3).numpy() == 2 and (tf.constant(6) | 1).numpy() == 7
    assert (tf.constant(1.0) == None) is False  # noqa: E711
    # TensorFlow's: shapes that do not broadcast compare as a bool scalar tensor; dtypes must match
    unequal = tf.constant([1.0, 2.0]) == tf.constant([1.0, 2.0, 3.0])
    assert isinstance(unequal, tf.Tensor) and unequal.dtype == tf.bool and not unequal.numpy()
    assert (tf.constant([1.0, 2.0]) != tf.constant([1.0, 2.0, 3.0])).numpy()
    invalid = tf.errors.InvalidArgumentError
    with pytest.raises(invalid, match=r"cannot compute Equal as input #1\(zero-based\) was expected to be a "
                                      r"int16 tensor but is a float tensor \[Op:Equal\]"):
        tf.constant([1, 2], tf.int16) == tf.constant([1.0, 2.0])  # noqa: B015
    with pytest.raises(invalid, match=r"bool tensor but is a double tensor \[Op:NotEqual\]"):
        tf.constant([True]) != tf.constant([1.0, 2.0], tf.float64)  # noqa: B015


def test_matmul_values_shapes_and_gradients():
    a, b = anywhere((2, 3)), anywhere((3, 4))
    np.testing.assert_allclose((tf.constant(a) @ tf.constant(b)).numpy(), a @ b)
    for ta in (False, True):
        for tb in (False, True):
            a_ = a.T if ta else a
            b_ = b.T if tb else b
            out = tf.matmul(tf.constant(a_), tf.constant(b_), transpose_a=ta, transpose_b=tb)
            np.testing.assert_allclose(out.numpy(), a @ b)
            check_gradients(lambda x, y, ta=ta, tb=tb: tf.matmul(x, y, transpose_a=ta, transpose_b=tb),
                            a_, b_)
    batch = anywhere((2, 2, 3))
    check_gradients(tf.matmul, batch, b)  # broadcast batch dimension summed back
    check_gradients(tf.matmul, batch, b, dtype=np.float32)


def test_matmul_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Matrix size-incompatible: In\[0\]: \[2, 3\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a double"):
        tf.matmul(tf.ones([2, 3]), tf.ones([3, 4], tf.float64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="ndims"):
        tf.matmul(tf.ones([3]), tf.ones([3]))


def test_zero_gradients_stay_zero_through_sqrt_rsqrt_and_reciprocal_at_their_poles():
    """TensorFlow's SqrtGrad, RsqrtGrad and ReciprocalGrad give 0 where the incoming gradient is 0,
    even where the derivative is infinite (so a reduce_std over one element feeds zeros, not NaN,
    into what follows it); log and division do not."""
    x = tf.constant([0.0, 1.0])
    expected = {tf.sqrt: [0.0, 0.5], tf.math.rsqrt: [0.0, -0.5], tf.math.reciprocal: [0.0, -1.0]}
    for f, want in expected.items():
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = tf.reduce_sum(f(x) * tf.constant([0.0, 1.0]))
        assert tape.gradient(s, x).numpy().tolist() == want
    with tf.GradientTape() as tape:
        tape.watch(x)
        s = tf.reduce_sum(tf.math.log(x) * tf.constant([0.0, 1.0]))
    assert np.isnan(tape.gradient(s, x).numpy()[0])  # as TensorFlow
    w = tf.Variable([[0.5, -1.0, 2.0]])
    with tf.GradientTape() as tape:
        std = tf.math.reduce_std(w, axis=0)
        s = tf.reduce_sum(std * std)
    assert tape.gradient(s, w).numpy().tolist() == [[0.0, 0.0, 0.0]]


def test_second_derivative_through_sqrt_grad_at_zero_is_nan():
    """TensorFlow's gradient of SqrtGrad with respect to its incoming gradient is 0.5 gg / y, NaN at
    y = 0 even for gg = 0 (the first derivative, SqrtGrad itself, stays 0 there)."""
    w = tf.Variable([[1.0, 2.0], [0.5, -1.0]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            s = tf.sqrt(tf.square(tf.math.reduce_std(w[:, 1:], axis=-1)) + tf.reduce_sum(w * w))
        g = inner.gradient(s, w)
    np.testing.assert_allclose(g.numpy(), [[0.8, 1.6], [0.4, -0.8]], rtol=1e-6)  # TensorFlow's
    assert np.isnan(outer.gradient(g, w).numpy()).all()  # TensorFlow's: all NaN


PYTHON_NUMBER_CASES = [  # (source, error class) as TensorFlow 2.21 raises them; None: a value
    ("i * 0.5", TypeError), ("0.5 * i", TypeError), ("i - 1.5", TypeError), ("i // 2.5", TypeError),
    ("i ** 0.5", TypeError), ("i < 1.5", TypeError), ("i == 1.5", TypeError), ("b & 1", TypeError),
    ("tf.multiply(0.5, i)", TypeError), ("tf.maximum(i, 0.5)", TypeError),
    ("tf.clip_by_value(i, 0.5, 1.5)", TypeError), ("tf.logical_and(b, 1)", TypeError),
    ("tf.where(b, i, 0.5)", TypeError), ("tf.equal(i, 'a')", TypeError),
    ("0.5 + i", TypeError),  # a reflected + converts strictly ...
    ("i + 0.5", tf.errors.InvalidArgumentError),  # ... while + and tf.add convert the second with a hint
    ("tf.add(2.0, i)", tf.errors.InvalidArgumentError), ("tf.add(2, f)", tf.errors.InvalidArgumentError),
    ("tf.matmul([[1, 2]], [[0.5], [1.0]])", tf.errors.InvalidArgumentError),
    ("tf.linalg.matvec([[1, 2]], [0.5, 1.5])", tf.errors.InvalidArgumentError),
    ("tf.tensordot(i, 1.5, 0)", tf.errors.InvalidArgumentError),
    ("tf.one_hot([0, 1], 2, on_value=0.5, off_value=0)", TypeError),
    ("tf.add(2.0, f)", None), ("i + 2", None), ("2 * f", None), ("tf.multiply(2, f)", None),
]


@pytest.mark.parametrize("source, error", PYTHON_NUMBER_CASES)
def test_python_numbers_meeting_tensors_convert_as_tensorflow(source, error):
    scope = {"tf": tf, "i": tf.constant([1, 2]), "f": tf.constant([1.5, 2.5]),
             "b": tf.constant([True, False])}
    if error is None:
        eval(source, scope)
        return
    with pytest.raises(error) as info:
        eval(source, scope)
    if error is TypeError and "one_hot" not in source:
        assert str(info.value).startswith("Cannot convert ")


# Gradient recipes (ops/recipes.py): the kernels alone give what the rule's ops give, bit for bit.
RECIPE_OPS = [tf.multiply, tf.subtract, tf.negative, tf.pow, tf.square, tf.exp, tf.sin, tf.cos, tf.tanh,
              tf.sigmoid, tf.sqrt, tf.math.rsqrt, tf.math.reciprocal]


@pytest.mark.parametrize("fn", RECIPE_OPS, ids=lambda fn: fn.__name__)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_recipes_run_alone_give_what_their_ops_give(fn, dtype):
    from tapeflow.ops.recipes import Recipe

    arity = getattr(fn.op.kernel, "nin", 1)  # (the binary ones are NumPy ufuncs)
    inputs = tuple(tf.constant(positive((2, 3)).astype(dtype)) for _ in range(arity))
    y = fn(*inputs)
    g = tf.constant(anywhere((2, 3)).astype(dtype))
    recipes = [rule for rule in fn.op.grads if type(rule) is Recipe]
    assert recipes
    for rule in recipes:
        quick = rule.quick(g, y, inputs)
        slow = rule(g, y, *inputs)
        assert quick._value.dtype == slow._value.dtype
        assert np.array_equal(quick.numpy(), slow.numpy(), equal_nan=True)


def test_recipes_leave_complex_and_mixed_dtypes_to_their_ops():
    from tapeflow.ops.recipes import Recipe

    rule = tf.multiply.op.grads[0]
    assert type(rule) is Recipe
    z = tf.constant([1 + 2j], tf.complex64)
    assert rule.quick(z, z * z, (z, z)) is None  # conj is not the identity here
    x, w = tf.constant([1.0]), tf.constant([2.0], tf.float64)
    assert rule.quick(x, x, (x, w)) is None
    with pytest.raises(tf.errors.InvalidArgumentError):  # the rule's op reports the mismatch, as before
        rule(x, x, x, w)


def test_recipe_gradients_match_under_an_outer_tape_and_alone():
    """The first derivative computed alone (kernels) equals the one an outer tape records (ops), and
    the outer tape differentiates it."""
    x = tf.constant([0.3, -1.2, 2.0], tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.sin(x) * tf.exp(x) - tf.pow(x, 3.0) + tf.tanh(x) * tf.cos(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    with tf.GradientTape() as alone:
        alone.watch(x)
        y = tf.sin(x) * tf.exp(x) - tf.pow(x, 3.0) + tf.tanh(x) * tf.cos(x)
    assert np.array_equal(alone.gradient(y, x).numpy(), dy.numpy())
    v = x.numpy()
    t = np.tanh(v)
    expected = (2 * np.cos(v) * np.exp(v) - 6 * v - 2 * t * (1 - t * t) * np.cos(v)
                - 2 * (1 - t * t) * np.sin(v) - t * np.cos(v))
    np.testing.assert_allclose(d2y.numpy(), expected, rtol=1e-12)


def test_recipes_run_alone_give_nan_without_numpy_warnings_as_the_ops_do():
    """inf * 0 in a gradient is NaN, silently, eagerly and in the kernels a recipe runs alone."""
    import warnings

    x = tf.Variable([0.0, 0.0])
    with warnings.catch_warnings(record=True) as caught:  # (tapeflow's own filter kept)
        with tf.GradientTape() as tape:
            y = tf.norm(x)
        gradient = tape.gradient(y, x)
    assert np.isnan(gradient.numpy()).all()
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
