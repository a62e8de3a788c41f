"""AutoGraph: the converted source, converted == original on Python values and eager tensors, and
staged control flow inside `tf.function` (the `test_symbolic_*` tests need tf.cond / tf.while_loop)."""

import sys

import numpy as np
import pytest

import tapeflow as tf
from tapeflow.autograph import conversion, experimental, runtime, to_code, to_graph
from tapeflow.autograph.transform import convert, is_converted

# ---- small programs, run converted and as they are ----------------------------------------------


def if_elif_else(x):
    if x > 2:
        y = x * 2
    elif x > 0:
        y = x + 10
    else:
        y = -x
    return y


def while_break_continue(n):
    i, total = 0, 0
    while i < n:
        i += 1
        if i % 3 == 0:
            continue
        if total > 20:
            break
        total += i
    return i, total


def for_over_range(n):
    total = 0
    for i in range(n):
        total = total * 2 + i
    return total, i


def for_else(xs, stop):
    found = -1
    for k, v in enumerate(xs):
        if v == stop:
            found = k
            break
    else:
        found = len(xs)
    return found


def early_return(xs):
    for v in xs:
        if v < 0:
            return v
        for w in xs:
            if w > 100:
                return w * 2
    return 0


def sign(x):
    if x > 0:
        return 1.0
    elif x < 0:
        return -1.0
    return 0.0


def nested_loops(n):
    pairs = 0
    for i in range(n):
        j = 0
        while True:
            j += 1
            if j > i:
                break
            pairs += 1
    return pairs


def conditional_expression(x):
    return x * 2 if x > 1 else x - 1


def with_and_nested_function(xs):
    class Counter:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def clip(v):
        if v > 3:
            return 3
        return v

    total = 0
    with Counter() as c:
        for v in xs:
            total += clip(v)
    return total, isinstance(c, Counter)


PROGRAMS = [
    (if_elif_else, [(5,), (1,), (-3,), (1.5,)]),
    (while_break_continue, [(0,), (4,), (50,)]),
    (for_over_range, [(1,), (5,)]),
    (for_else, [([1, 2, 3], 2), ([1, 2, 3], 7), ([], 1)]),
    (early_return, [([1, 2, 3],), ([1, -2, 3],), ([1, 200],), ([],)]),
    (sign, [(3,), (-2.5,), (0,)]),
    (nested_loops, [(0,), (4,)]),
    (conditional_expression, [(3,), (0,)]),
    (with_and_nested_function, [([1, 5, 2],), ([],)]),
]


@pytest.mark.parametrize(
    "program, args",
    [(p, a) for p, cases in PROGRAMS for a in cases],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_converted_program_matches_python(program, args):
    assert to_graph(program)(*args) == program(*args)


@pytest.mark.parametrize("value", [5.0, 1.0, -3.0])
def test_converted_program_matches_python_on_eager_tensors(value):
    x = tf.constant(value)
    for program in (if_elif_else, sign, conditional_expression):
        np.testing.assert_array_equal(np.asarray(to_graph(program)(x)), np.asarray(program(x)))


def test_for_over_an_eager_tensor_iterates_its_rows():
    def row_sums(m):
        sums = []
        for row in m:
            sums.append(float(tf.reduce_sum(row)))
        return sums

    m = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert to_graph(row_sums)(m) == row_sums(m) == [3.0, 7.0, 11.0]


def test_and_or_not_short_circuit_on_python_values():
    calls = []

    def mark(v):
        calls.append(v)
        return v

    def logic(a, b):
        return (mark(a) and mark(b)) or not mark(b)

    converted = to_graph(logic)
    for a, b in [(0, 1), (1, 0), (1, 2), ([], 0)]:
        calls.clear()
        got = converted(a, b)
        converted_calls = list(calls)
        calls.clear()
        assert got == logic(a, b) and converted_calls == calls


def test_closures_and_globals_are_read_live():
    scale = 2

    def f(x):
        if x > 0:
            x = x * scale
        return x

    converted = to_graph(f)
    assert converted(3) == 6
    scale = 10  # noqa: F841 - read by the converted closure
    assert converted(3) == 30


def test_variable_assigned_in_one_branch_is_unbound_when_the_other_ran():
    def f(flag):
        if flag:
            y = 1
        return y

    assert to_graph(f)(True) == 1
    with pytest.raises(UnboundLocalError, match="'y'"):
        to_graph(f)(False)


def test_global_statement_is_kept():
    def f(n):
        global _COUNTER
        for _ in range(n):
            _COUNTER += 1
        return _COUNTER

    globals()["_COUNTER"] = 0
    assert to_graph(f)(3) == 3 and _COUNTER == 3  # noqa: F821 - set above through globals()


# ---- the converted source -----------------------------------------------------------------------


def test_to_code_shows_runtime_calls():
    code = to_code(while_break_continue)
    assert "ag__.while_stmt(" in code and "ag__.if_stmt(" in code and "break_ = True" in code
    assert "ag__.for_stmt(ag__.converted_call(range, (n,), None)" in to_code(for_over_range)
    code = to_code(test_and_or_not_short_circuit_on_python_values).replace("lambda :", "lambda:")  # 3.10
    mark = "ag__.converted_call(mark, ({},), None)"
    expected = f"ag__.or_(lambda: ag__.and_(lambda: {mark.format('a')}, lambda: {mark.format('b')}), lambda: "
    assert expected + f"ag__.not_({mark.format('b')}))" in code
    assert "ag__.if_exp(" in to_code(conditional_expression)
    assert "ag__.retval(retval_)" in to_code(early_return)


def test_loop_local_names_are_not_loop_variables():
    v = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)

    @tf.function
    def train():
        for _ in tf.range(3):
            with tf.GradientTape() as tape:
                y = v * v - 2.0 * v
            dy_dv = tape.gradient(y, v)
            optimizer.apply_gradients([(dy_dv, v)])
        y = v * 2.0
        return y

    code = to_code(train)
    assert "ag__.for_stmt(ag__.converted_call(tf.range, (3,), None), None, loop_body, (), ())" in code
    assert "def loop_body(itr):" in code


def test_unavailable_source_runs_as_is_with_a_warning():
    namespace = {}
    exec("def f(x):\n    if x > 0:\n        return 1\n    return 2\n", namespace)
    with pytest.warns(
        UserWarning, match="AutoGraph could not transform <function f at .*> and will run it as-is"
    ):
        same = convert(namespace["f"])
    assert same is namespace["f"]
    with pytest.raises(OSError):
        to_code(namespace["f"])


def test_do_not_convert_and_set_loop_options_outside_conversion():
    @experimental.do_not_convert
    def f(x):
        experimental.set_loop_options(maximum_iterations=3)
        return x

    assert convert(f) is f and f(4) == 4


# ---- staged control flow inside tf.function (needs ops/control_flow.py) -------------------------


def test_symbolic_if_and_while_stage_into_one_graph():
    @tf.function
    def collatz(n):
        steps = 0
        while n != 1:
            if n % 2 == 0:
                n = n // 2
            else:
                n = 3 * n + 1
            steps += 1
        return steps

    assert int(collatz(tf.constant(27))) == 111 and int(collatz(tf.constant(6))) == 8
    assert collatz.experimental_get_tracing_count() == 1


def test_symbolic_if_without_else_keeps_the_value():
    @tf.function
    def f(x, y):
        if x > 0:
            y = y + 1.0
        return y

    assert float(f(tf.constant(1.0), tf.constant(5.0))) == 6.0
    assert float(f(tf.constant(-1.0), tf.constant(5.0))) == 5.0


def test_symbolic_for_over_tensor_is_a_loop_and_range_unrolls():
    @tf.function
    def f(xs):
        total = tf.constant(0.0)
        for v in xs:
            if v > 2.0:
                break
            total += v
        for k in range(3):
            total += float(k)
        return total

    assert float(f(tf.constant([1.0, 2.0, 3.0, 4.0]))) == 6.0
    assert float(f(tf.constant([5.0, 1.0]))) == 3.0
    ops = [eq.op.name for eq in f.get_concrete_function(tf.constant([1.0, 2.0])).graph.equations]
    assert ops.count("While") == 1


def test_symbolic_early_return_and_elif():
    f = tf.function(sign)
    assert [float(f(tf.constant(v))) for v in (3.0, -2.0, 0.0)] == [1.0, -1.0, 0.0]


def test_symbolic_and_or_not_on_tensors():
    @tf.function
    def logic(x, y):
        return (x > 0 and y > 0) or not x < -5

    cases = [(1.0, -1.0, True), (-6.0, 1.0, False), (1.0, 1.0, True)]
    for x, y, expected in cases:
        assert bool(logic(tf.constant(x), tf.constant(y))) is expected


def test_symbolic_tutorial_loop_has_no_loop_variables():
    x = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

    @tf.function
    def minimize():
        for _ in tf.range(100):
            with tf.GradientTape() as tape:
                y = x * x - 2.0 * x + 1.0
            dy_dx = tape.gradient(y, x)
            optimizer.apply_gradients(grads_and_vars=[(dy_dx, x)])
        y = x * x - 2.0 * x + 1.0
        return y

    reference = 0.0
    for _ in range(100):
        reference -= 0.01 * (2 * reference - 2)
    minimize()
    np.testing.assert_allclose(float(x.numpy()), reference, rtol=1e-5)


def test_symbolic_variable_in_one_branch_only_is_an_error():
    @tf.function
    def main_only(x):
        if x > 0:
            y = x
        return y

    @tf.function
    def else_only(x):
        if x > 0:
            pass
        else:
            y = x
        return y

    with pytest.raises(ValueError, match="'y' must also be initialized in the else branch"):
        main_only(tf.constant(1.0))
    with pytest.raises(ValueError, match="'y' must also be initialized in the main branch"):
        else_only(tf.constant(1.0))


def test_symbolic_branch_dtypes_must_agree():
    @tf.function
    def f(x):
        if x > 0:
            y = 1
        else:
            y = 2.0
        return y

    with pytest.raises(
        TypeError, match="'y' has dtype int32 in the main branch, but dtype float32 in the else"
    ):
        f(tf.constant(1.0))


def test_symbolic_loop_variable_changing_dtype_or_shape_is_an_error():
    @tf.function
    def dtype_change(n):
        x = tf.constant(0)
        while x < n:
            x = tf.cast(x, tf.float32) + 1.0
        return x

    @tf.function
    def shape_change(n):
        x = tf.constant([0.0])
        for _ in tf.range(3):
            x = tf.concat([x, [1.0]], 0)
        return x

    with pytest.raises(TypeError, match="'x' has dtype int32 before the loop, but dtype float32 after one"):
        dtype_change(tf.constant(3))
    with pytest.raises(ValueError, match=r"'x' has shape \(1,\) before the loop, but shape \(2,\) after one"):
        shape_change(tf.constant(3))


def test_symbolic_return_inside_a_tensor_loop_is_not_implemented():
    @tf.function
    def f(xs):
        for v in xs:
            if v > 3:
                return v
        return -1.0

    with pytest.raises(NotImplementedError, match="a return statement cannot be placed inside this"):
        f(tf.constant([1.0, 5.0]))


def test_symbolic_loop_variable_must_be_defined_before_the_loop():
    @tf.function
    def f(xs):
        for v in xs:
            last = v
        return last

    with pytest.raises(ValueError, match="'last' must be defined before the loop"):
        f(tf.constant([1.0, 5.0]))


def _growing(n):
    x = tf.constant([0.0])
    for _ in tf.range(3):
        tf.autograph.experimental.set_loop_options(shape_invariants=[(x, tf.TensorShape([None]))])
        x = tf.concat([x, [1.0]], 0)
    return x


def test_set_loop_options_become_the_loops_options():
    code = to_code(_growing)
    assert "'shape_invariants': [(x, ag__.converted_call(tf.TensorShape, ([None],), None))]" in code
    assert "set_loop_options" not in code


def test_symbolic_shape_invariants_let_a_loop_variable_grow():
    np.testing.assert_array_equal(tf.function(_growing)(tf.constant(3)).numpy(), [0.0, 1.0, 1.0, 1.0])


def test_autograph_false_traces_the_function_as_is():
    @tf.function(autograph=False)
    def f(x):
        return 1.0 if x > 0 else 0.0

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant(1.0))


def test_methods_generators_and_super():
    class Base:
        def scale(self, x):
            return x * 2

    class Child(Base):
        def scale(self, x):
            if x > 0:
                x = super().scale(x)
            return x

    def count(n):
        while n > 0:
            yield n
            n -= 1

    child = Child()
    assert to_graph(Child.scale)(child, 3) == 6 and to_graph(child.scale)(-1) == -1
    assert "ag__.if_stmt(" in to_code(child.scale)
    assert to_graph(count) is count and list(to_graph(count)(3)) == [3, 2, 1]


# ---- recursive conversion: calls go through ag__.converted_call ---------------------------------


def _helper(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y


def _raises_in_helper(x):
    if x > 0:
        raise ValueError("raised by the helper")
    return x


@experimental.do_not_convert
def _not_converted(x):
    if x > 0:  # a tensor condition: fails unless converted
        return x
    return -x


class _Scaler:
    def __init__(self, k):
        self.k = k

    def __call__(self, x):
        if x > 1.0:
            x = x * self.k
        return x

    def grow(self, x):
        while x < 10.0:
            x = x + abs(self(x)) + 1.0
        return x


def test_called_helper_with_tensor_condition_is_converted():
    @tf.function
    def f(x):
        return _helper(x)

    assert float(f(tf.constant(3.0))) == 6.0 and float(f(tf.constant(-2.0))) == 2.0
    assert f.experimental_get_tracing_count() == 1
    assert "ag__.converted_call(_helper, (x,), None)" in to_code(f)


def test_methods_callable_objects_and_nested_functions_are_converted():
    @tf.function
    def f(x):
        def twice(v):
            if v > 0:
                v = v * 2.0
            return v

        scaler = _Scaler(3.0)
        return scaler.grow(x) + scaler(x) + twice(x)

    for value in (2.0, -2.0, 0.5):
        expected = _Scaler(3.0).grow(value) + _Scaler(3.0)(value) + (value * 2.0 if value > 0 else value)
        np.testing.assert_allclose(float(f(tf.constant(value))), expected)
    target = conversion.call_target(_Scaler(1.0).grow)
    assert is_converted(target.__func__) and target.__self__.k == 1.0


def test_do_not_convert_is_respected_in_called_functions():
    @tf.function
    def f(x):
        return _not_converted(x)

    assert conversion.call_target(_not_converted) is _not_converted
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant(1.0))


def test_library_functions_and_builtins_are_left_alone_lambdas_converted():
    import collections
    import functools

    square = lambda v: v * v  # noqa: E731
    library = (tf.reduce_sum, tf.constant, np.sum, np.add, print, collections.namedtuple)
    for f in (*library, _Scaler):
        assert conversion.call_target(f) is f
    assert is_converted(conversion.call_target(square))
    assert conversion.call_target(len) is runtime.len_ and conversion.call_target(range) is runtime.range_
    assert conversion.call_target([].append).__name__ == "append"
    assert not conversion.converts_module("numpy.linalg") and not conversion.converts_module("json")
    assert conversion.converts_module("tapeflow_user_code") and conversion.converts_module(__name__)
    partial = conversion.call_target(functools.partial(_helper, 3.0))
    assert is_converted(partial.func) and partial() == 6.0
    assert runtime._TARGETS[tf.reduce_sum] is tf.reduce_sum  # decided once: later calls are a lookup
    assert is_converted(runtime._TARGETS[_helper])


def test_converted_call_keeps_arguments_and_tf_functions_inline():
    inner = tf.function(_helper)

    def g(x, *rest, scale=1.0, **extra):
        return inner(x) * scale + sum(rest) + extra.get("shift", 0.0)

    @tf.function
    def f(x):
        args, kwargs = (1.0, 2.0), {"shift": 10.0}
        return g(x, *args, scale=2.0, **kwargs)

    assert float(f(tf.constant(3.0))) == 25.0
    assert conversion.call_target(inner) is inner


def test_traceback_points_at_the_helpers_line():
    @tf.function
    def f(x):
        return _raises_in_helper(x)

    with pytest.raises(ValueError, match="raised by the helper") as info:
        f(tf.constant(1.0))
    last = info.traceback[-1]
    assert last.path.name == "test_autograph.py"
    assert "raise ValueError" in str(last.statement)


def test_closures_are_converted_once_per_code():
    def make(k):
        def scaled(x):
            if x > 0:
                x = x * k
            return x

        return scaled

    @tf.function
    def f(x):
        return make(2.0)(x) + make(3.0)(x)

    assert float(f(tf.constant(1.0))) == 5.0 and float(f(tf.constant(-1.0))) == -2.0


# ---- scopes: exception handlers, with, comprehensions, nonlocal, walrus --------------------------


def test_except_handler_name_in_a_loop_is_not_loop_state(capfd):
    @tf.function
    def f(xs):
        for n in xs:
            try:
                raise ValueError(n)
            except Exception as e:
                tf.print(e)
        total = tf.constant(0.0)
        for v in tf.constant([1.0, 2.0]):
            try:
                raise KeyError("k")
            except KeyError as err:
                total += v
                tf.print(err)
        return total

    assert float(f([1, 2])) == 3.0
    printed = capfd.readouterr().err.splitlines()
    assert printed == ["ValueError(1)", "ValueError(2)", "KeyError('k')", "KeyError('k')"]  # as TensorFlow


def test_names_read_by_handlers_stay_live_through_the_try_body():
    def f(flag):
        x = 0
        try:
            if flag:
                x = 1
            x = 2
            raise RuntimeError
        except RuntimeError:
            return x
        return -1

    assert to_graph(f)(True) == f(True) == 2


def test_comprehension_with_nonlocal_and_walrus_scopes():
    def f(xs):
        count = 0

        def bump():
            nonlocal count
            count += 1

        last = None
        for v in xs:
            squares = [v * v for v in range(v)]
            if (n := len(squares)) > 1:
                bump()
            with open(__file__) as handle:
                last = handle.readline()[:3] + str(n)
        return count, squares, last

    assert to_graph(f)([1, 3, 2]) == f([1, 3, 2])
    state = to_code(f).split("ag__.for_stmt(xs, None, loop_body, ")[1].split(")")[0]
    assert state == "(last, n, squares" and "count" not in state  # not `v` of the comprehension


def _scaled(a, k=1, j=2):
    return a * k + j


def test_converted_calls_keep_python_keyword_rules():
    @tf.function
    def f(x):
        options = {"k": 3}
        with pytest.raises(TypeError, match="multiple values for keyword argument 'k'"):
            _scaled(x, k=1, **options)
        return _scaled(x, j=1, **options)

    assert int(f(tf.constant(2))) == 7


_sign = lambda x: x * 2.0 if x > 0 else -x  # noqa: E731 - a lambda defined outside converted code


def test_lambdas_are_converted_wherever_they_are_defined():
    @tf.function
    def f(x):
        local = lambda y: y + 1.0 if y > 1.0 and y < 10.0 else y - 1.0  # noqa: E731
        return _sign(x), local(x), (lambda z: not z > 0)(x)

    assert [float(v) for v in f(tf.constant(3.0))[:2]] == [6.0, 4.0]
    assert [float(v) for v in f(tf.constant(-0.5))[:2]] == [0.5, -1.5]
    assert bool(f(tf.constant(-1.0))[2]) is True
    assert "ag__.if_exp" in to_code(_sign)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Python 3.10 records no columns for code")
def test_two_lambdas_on_one_line_are_told_apart_by_column():
    pair = (lambda x: x + 1.0 if x > 0 else x, lambda x: x * 10.0 if x > 0 else x)  # noqa: E731
    f = tf.function(lambda x: (pair[0](x), pair[1](x)))
    assert [float(v) for v in f(tf.constant(1.0))] == [2.0, 10.0]


def test_builtins_on_tensors_as_tensorflows_autograph_converts_them():
    @tf.function(input_signature=[tf.TensorSpec([None]), tf.TensorSpec([], tf.int32)])
    def f(x, n):
        total = 0.0
        for i in range(n):  # a traced bound: one graph loop
            total += float(i)
        return len(x), total, int(x[0]), len([1, 2])

    length, total, first, plain = f(tf.constant([2.5, 1.0, 0.0]), tf.constant(4))
    assert int(length) == 3 and float(total) == 6.0 and int(first) == 2 and first.dtype == tf.int32
    assert int(plain) == 2
