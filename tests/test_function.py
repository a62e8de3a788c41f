"""tf.function: tracing per signature, effects at every call, variables, gradients, generated code."""

import io
import warnings

import numpy as np
import pytest

import tapeflow as tf


def test_traces_once_per_signature():
    @tf.function
    def f(x, scale):
        return x * scale

    assert float(f(tf.constant(2.0), 3)) == 6.0 and float(f(tf.constant(5.0), 3)) == 15.0
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1.0, 2.0]), 3)  # a new shape
    f(tf.constant(2.0, tf.float64), 3)  # a new dtype
    f(tf.constant(2.0), 4)  # a new Python value
    assert f.experimental_get_tracing_count() == 4
    f(tf.constant(7.0), 4)
    assert f.experimental_get_tracing_count() == 4
    assert f(np.float32(2.0), 2).dtype == tf.float32  # NumPy values are tensors


def test_python_side_effects_run_when_tracing_tf_print_on_every_call():
    traced, stream = [], io.StringIO()

    @tf.function
    def f(x):
        traced.append(1)
        tf.print("x is", x, output_stream=stream)
        return x + 1

    f(tf.constant(1.0))
    f(tf.constant(2.0))
    assert len(traced) == 1 and stream.getvalue() == "x is 1\nx is 2\n"


def test_variables_are_read_and_written_at_every_call_in_order():
    v = tf.Variable(1.0)

    @tf.function
    def step(x):
        before = v.read_value()
        v.assign_add(x)
        v.assign(v * 2.0)
        return before, v.read_value()

    assert [float(t) for t in step(tf.constant(1.0))] == [1.0, 4.0]
    assert [float(t) for t in step(tf.constant(1.0))] == [4.0, 10.0]
    v.assign(0.5)  # closures see the current value on each call
    assert [float(t) for t in step(tf.constant(0.0))] == [0.5, 1.0]
    assert step.experimental_get_tracing_count() == 1


def test_variables_may_be_created_on_the_first_trace_only():
    made = []

    @tf.function
    def f(x):
        if not made:
            made.append(tf.Variable(2.0))
        return made[0] * x

    assert float(f(tf.constant(3.0))) == 6.0
    assert f.experimental_get_tracing_count() == 2  # traced again with the variable made, as TensorFlow

    @tf.function
    def g(x):
        return tf.Variable(1.0) * x

    with pytest.raises(ValueError, match="singleton tf.Variables created on the first call"):
        g(tf.constant(1.0))  # as TensorFlow: the second trace would make another
    assert g.experimental_get_tracing_count() == 1


def test_input_signature():
    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32)])
    def f(x):
        return x * 2.0

    assert f([1.0, 2.0]).numpy().tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="does not match the input_signature"):
        f(tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="does not match the input_signature"):
        f(tf.constant([1, 2]))
    assert f.get_concrete_function().graph.inputs[0].shape == (2,)


def test_gradients_inside_and_through_a_function():
    @tf.function
    def inner(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.sin(x) * x
        return tape.gradient(y, x)

    x = tf.constant(0.7)
    np.testing.assert_allclose(inner(x).numpy(), np.cos(0.7) * 0.7 + np.sin(0.7), rtol=1e-6)

    @tf.function
    def cube(x):
        return x * x * x

    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = cube(x)
        dy = tape.gradient(y, x)
    np.testing.assert_allclose([float(dy), float(outer.gradient(dy, x))], [3 * 0.49, 6 * 0.7], rtol=1e-6)


def test_optimizer_steps_inside_a_function():
    x = tf.Variable(0.0)
    optimizer = tf.keras.optimizers.Adam(0.1)

    @tf.function
    def train():
        with tf.GradientTape() as tape:
            y = (x - 3.0) ** 2
        optimizer.apply_gradients([(tape.gradient(y, x), x)])
        return y

    for _ in range(200):
        train()
    # two traces, as TensorFlow: the first made Adam's slots, so the function is traced again
    assert train.experimental_get_tracing_count() == 2 and int(optimizer.iterations) == 200
    assert abs(float(x) - 3.0) < 0.05


def test_nested_functions_inline_and_methods_trace_per_instance():
    @tf.function
    def double(x):
        return x * 2.0

    @tf.function
    def outer(x):
        return double(x) + 1.0

    assert float(outer(tf.constant(1.0))) == 3.0 and double.experimental_get_tracing_count() == 0

    class Scaler:
        def __init__(self, factor):
            self.factor = factor

        @tf.function
        def __call__(self, x):
            return x * self.factor

    a, b = Scaler(2.0), Scaler(3.0)
    assert float(a(tf.constant(1.0))) == 2.0 and float(b(tf.constant(1.0))) == 3.0


def test_returned_python_values_become_tensors_and_none_stays():
    @tf.function
    def f(x):
        return {"one": 1, "x": x, "nothing": None}

    out = f(tf.constant(2.0))
    assert out["one"].dtype == tf.int32 and float(out["x"]) == 2.0 and out["nothing"] is None


def test_tensor_values_are_not_available_while_tracing():
    @tf.function(autograph=False)  # AutoGraph would turn the conditional expression into a tf.cond
    def f(x):
        return 1.0 if x > 0 else 0.0

    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        f(tf.constant(1.0))


def test_run_functions_eagerly():
    calls = []

    @tf.function
    def f(x):
        calls.append(float(x))
        return x

    tf.config.run_functions_eagerly(True)
    try:
        f(tf.constant(1.0))
        f(tf.constant(2.0))
    finally:
        tf.config.run_functions_eagerly(False)
    assert calls == [1.0, 2.0] and f.experimental_get_tracing_count() == 0


def test_generated_source_and_optimised_graph():
    @tf.function
    def f(x):
        unused = tf.exp(x)  # noqa: F841 - dead code, removed
        a = tf.sin(x) * 2.0
        b = tf.sin(x) * 2.0  # the same expression, computed once
        return a + b

    concrete = f.get_concrete_function(tf.constant([1.0, 2.0]))
    names = [eq.op.name for eq in concrete.graph.equations]
    assert names == ["Sin", "Mul", "AddV2"]
    assert "float32[2]" in concrete.source and concrete.source.startswith("def f(")
    np.testing.assert_allclose(f(tf.constant([1.0, 2.0])).numpy(), 4 * np.sin([1.0, 2.0]), rtol=1e-6)


def test_reads_of_a_variable_not_written_between_are_merged():
    v, w = tf.Variable(1.0), tf.Variable(10.0)

    @tf.function
    def f():
        a = v * 2.0  # v read ...
        w.assign(a)  # ... (a write of another variable) ...
        b = v * 2.0  # ... and read again: one read, and one product
        v.assign_add(1.0)
        c = v * 2.0  # after a write of v: read anew
        tf.py_function(lambda: v.assign_add(100.0), [], [])
        return a + b + c + v  # after Python code: read anew

    reads = [eq for eq in f.get_concrete_function().graph.equations if eq.op.name == "ReadVariableOp"]
    assert len(reads) == 3  # v (for a, b and assign_add), v after its write, v after Python code
    assert float(f()) == 2.0 + 2.0 + 4.0 + 102.0 and float(w) == 2.0


def test_calls_with_tensors_only_find_their_trace_by_shapes_and_dtypes():
    """(The short call path of tensor-only calls: the same traces, and the calls that did not trace
    still count against the retracing warning.)"""
    f = tf.function(lambda x, y: x * y)
    a, b = tf.constant(2.0), tf.constant([1.0, 2.0])
    assert [float(f(a, a)) for _ in range(3)] == [4.0] * 3
    f(b, b), f(a, a), f(tf.constant(2.0, tf.float64), tf.constant(1.0, tf.float64)), f(b, b)
    assert f.experimental_get_tracing_count() == 3
    assert f(tf.constant(3), tf.constant(2)).dtype == tf.int32 and f.experimental_get_tracing_count() == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(3, 9):  # a new shape every other call: not most recent calls
            f(tf.zeros([n]), tf.zeros([n]))
            f(a, a)
    with pytest.warns(UserWarning, match="calls to <lambda> triggered tf.function retracing"):
        for n in range(9, 15):
            f(tf.zeros([n]), tf.zeros([n]))


def test_calls_with_tuples_of_tensors_find_their_trace_by_structure_shapes_and_dtypes():
    """(A Keras batch, `f((x, y))`, takes the short path too: the tuple's place and length are part of
    the key, so `f((a, b), c)` and `f(a, (b, c))` keep their own traces.)"""
    f = tf.function(lambda p, q: (p[0] - p[1] * 2.0 if isinstance(p, tuple) else p) * (
        q[0] + q[1] if isinstance(q, tuple) else q))
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)
    assert [float(f((a, b), c)) for _ in range(3)] == [-9.0] * 3
    assert [float(f(a, (b, c))) for _ in range(3)] == [5.0] * 3
    assert float(f((c, a), b)) == 2.0 and float(f(a, (b,) * 2)) == 4.0
    assert f.experimental_get_tracing_count() == 2


def test_frequent_retracing_warns_and_names_the_argument():
    @tf.function
    def f(x):
        return x + 1

    with pytest.warns(UserWarning, match=r"calls to f triggered tf.function retracing \(argument 0 changed"):
        for n in range(1, 7):
            f(tf.zeros([n]))


def test_kernel_errors_at_run_time_are_tensorflow_errors():
    @tf.function
    def f(x, y):
        return x // y

    with pytest.raises(tf.errors.InvalidArgumentError, match="Integer division by zero"):
        f(tf.constant(1), tf.constant(0))


def test_random_ops_draw_anew_on_every_call():
    @tf.function
    def noise():
        return tf.random.normal([3])

    assert not np.array_equal(noise().numpy(), noise().numpy())
    assert noise.experimental_get_tracing_count() == 1


def test_algebraic_identities_are_simplified_away():
    @tf.function
    def f(x):
        return (x * 1.0 + 0.0) / 1.0 - 0.0

    concrete = f.get_concrete_function(tf.constant([1.0, 2.0]))
    assert concrete.graph.equations == [] and f(tf.constant([3.0])).numpy().tolist() == [3.0]

    @tf.function
    def broadcasting(x):
        return x * tf.ones([2])  # broadcasts a scalar: must stay

    assert broadcasting(tf.constant(2.0)).numpy().tolist() == [2.0, 2.0]


@pytest.mark.parametrize("make", [
    lambda: tf.keras.optimizers.Nadam(0.1),
    lambda: tf.keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2),
    lambda: tf.keras.optimizers.SGD(0.1, gradient_accumulation_steps=2),
])
def test_optimizer_state_updates_the_same_compiled_as_eagerly(make):
    def run(compiled):
        v = tf.Variable([1.0, -2.0])
        optimizer = make()

        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(v * v * v)
            optimizer.apply_gradients([(tape.gradient(loss, v), v)])

        step = tf.function(step) if compiled else step
        for _ in range(5):
            step()
        return v.numpy()

    np.testing.assert_allclose(run(True), run(False), rtol=1e-6)


def test_traced_tensors_are_named_and_printed_as_tensorflow_names_them():
    """Printing inside a traced function shows TensorFlow's names: arguments after their
    parameters (a list's leaves `xs`, `xs_1`; extra positionals `rest_0`), Python operators in
    lower case, other ops by type, repeated names numbered."""
    seen = []

    @tf.function
    def f(xs, *rest, k=None):
        a = xs[0] * xs[1]
        b = a * 2
        c = tf.sin(b)
        seen.extend([*xs, *rest, k, a, b, c])
        return tf.reduce_sum(c) + k

    f([tf.constant(1.0), tf.constant(2.0)], tf.constant(3.0), k=tf.constant(4.0))
    assert [t.name for t in seen] == ["xs:0", "xs_1:0", "rest_0:0", "k:0", "mul:0", "mul_1:0", "Sin:0"]
    assert str(seen[4]) == 'Tensor("mul:0", shape=(), dtype=float32)'
    assert repr(seen[4]) == "<tf.Tensor 'mul:0' shape=() dtype=float32>"


def test_input_signature_names_win_over_parameter_names():
    seen = []

    @tf.function(input_signature=[tf.TensorSpec([2], tf.float32, name="q"), tf.TensorSpec([2], tf.float32)])
    def f(a, b):
        seen.extend([a, b])
        return a + b

    f(tf.ones([2]), tf.ones([2]))
    assert [t.name for t in seen] == ["q:0", "b:0"]


def test_concrete_signatures_print_as_tensorflows():
    v = tf.Variable(2.0)

    @tf.function
    def f(x, y=None, *, k=3):
        return {"a": x * v, "b": (x, y)}, None

    f(tf.constant(1.0))
    f([tf.constant(1.0), 2.0], y=(1, "s"), k=4)
    # TensorFlow 2.21's text (a capture is named by an address, in TensorFlow too)
    scalar = "TensorSpec(shape=(), dtype=tf.float32, name=None)"
    var = f"{id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)"
    ints, strings = (f"TensorSpec(shape=(), dtype=tf.{t}, name=None)" for t in ("int32", "string"))
    assert f.pretty_printed_concrete_signatures() == "\n".join([
        "Input Parameters:",
        f"  x (POSITIONAL_OR_KEYWORD): {scalar}",
        "  y (POSITIONAL_OR_KEYWORD): Literal[None]",
        "  k (KEYWORD_ONLY): Literal[3]",
        "Output Type:",
        f"  Tuple[Dict[['a', {scalar}], ['b', Tuple[{scalar}, Literal[None]]]], Literal[None]]",
        "Captures:",
        f"  {var}",
        "",
        "Input Parameters:",
        f"  x (POSITIONAL_OR_KEYWORD): List[{scalar}, Literal[2.0]]",
        "  y (POSITIONAL_OR_KEYWORD): Tuple[Literal[1], Literal['s']]",
        "  k (KEYWORD_ONLY): Literal[4]",
        "Output Type:",
        f"  Tuple[Dict[['a', TensorSpec(shape=(2,), dtype=tf.float32, name=None)], "
        f"['b', Tuple[List[{scalar}, {scalar}], Tuple[{ints}, {strings}]]]], Literal[None]]",
        "Captures:",
        f"  {var}",
    ])

    g = tf.function(lambda *args, **kw: args[0])
    concrete = g.get_concrete_function(tf.TensorSpec([None, 3], tf.float32, name="inp"), 2, z=3)
    compact = ("(args_0: TensorSpec(shape=(None, 3), dtype=tf.float32, name='inp'), args_1: Literal[2], /, "
               "*, z: Literal[3]) -> TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)")
    assert concrete.pretty_printed_signature(verbose=False) == compact
    assert repr(concrete) == f"<ConcreteFunction {compact} at 0x{id(concrete):X}>"
    assert str(concrete).startswith("ConcreteFunction Input Parameters:\n  args_0 (POSITIONAL_ONLY): ")
    assert str(concrete).endswith("Captures:\n  None")


def test_tensorflows_options_are_accepted_and_misspelt_ones_refused():
    f = tf.function(lambda x: x * 2.0, experimental_relax_shapes=True, experimental_follow_type_hints=True)
    f(tf.zeros([1]))
    f(tf.zeros([2]))
    f(tf.zeros([3]))
    assert f.experimental_get_tracing_count() == 2  # relaxed to [None] after the second shape
    with pytest.raises(TypeError, match="unexpected keyword argument 'reduce_retracting'"):
        tf.function(lambda x: x, reduce_retracting=True)


def test_a_class_with_a_tracing_type_chooses_when_to_trace_again():
    class FruitType(tf.types.experimental.TraceType):
        def __init__(self, fruit):
            self.kind, self.fruit = type(fruit), fruit

        def is_subtype_of(self, other):
            return self == other

        def most_specific_common_supertype(self, others):
            return self if all(self == o for o in others) else None

        def placeholder_value(self, placeholder_context=None):
            return self.fruit

        def __eq__(self, other):
            return type(other) is FruitType and self.kind is other.kind

        def __hash__(self):
            return hash(self.kind)

    class Apple:
        def __init__(self, weight):
            self.weight = weight

        def __tf_tracing_type__(self, context):
            return FruitType(self)

    class Mango(Apple):
        pass

    @tf.function
    def heavier(fruit, x):
        return fruit.weight * x

    results = [heavier(fruit, tf.constant(1.0)).numpy() for fruit in (Apple(2.0), Apple(3.0), Mango(5.0))]
    assert results == [2.0, 2.0, 5.0]  # as TensorFlow: the second apple reuses the first one's trace
    assert heavier.experimental_get_tracing_count() == 2
    assert isinstance(Apple(1.0), tf.types.experimental.SupportsTracingProtocol)
    with pytest.raises(TypeError):
        FruitType.__bases__[0]()  # TraceType is abstract


@pytest.mark.parametrize("calls, traces", [  # as TensorFlow 2.21 counts them
    ([((1.0,), {"y": 2.0}), ((1.0, 2.0), {}), ((1.0,), {"y": 2.0})], 1),  # keyword or positional
    ([((1.0,), {}), ((1.0,), {"y": 3.0}), ((1.0, 3.0), {})], 1),  # a default is an argument like another
    ([((1.0,), {"y": None}), ((1.0, None), {})], 1),
    ([((1.0,), {"y": 1}), ((1.0,), {"y": 1.0}), ((1.0,), {"y": True})], 1),  # Python numbers by value
    ([((1.0,), {"y": 1}), ((1.0,), {"y": 2})], 2),
])
def test_traces_are_keyed_on_the_bound_arguments(calls, traces):
    @tf.function
    def scaled(x, y=3.0):
        return x if y is None else x * y

    for (x, *rest), kwargs in calls:
        scaled(tf.constant(x), *rest, **kwargs)
    assert scaled.experimental_get_tracing_count() == traces


@pytest.mark.parametrize("body, error", [  # as TensorFlow's graph builder raises them while tracing
    (lambda x: x + tf.ones([3]), ValueError), (lambda x: tf.reshape(x, [3]), ValueError),
    (lambda x: tf.concat([x, tf.ones([1, 2])], 0), ValueError),
    (lambda x: tf.reduce_sum(x, axis=3), ValueError),
    (lambda x: x + tf.ones([2], tf.int32), TypeError), (lambda x: tf.one_hot(x, 3), TypeError),
    (lambda x: x.numpy(), AttributeError),
    (lambda x: tf.gather(x, 5), tf.errors.InvalidArgumentError),  # found in the values: when it runs
])
def test_errors_found_while_tracing_have_tensorflows_classes(body, error):
    with pytest.raises(error):
        tf.function(body)(tf.constant([1.0, 2.0]))


def test_a_concrete_function_converts_values_and_refuses_other_dtypes():
    concrete = tf.function(lambda x: x * 2).get_concrete_function(tf.TensorSpec([2], tf.float32))
    assert concrete([1.0, 2.0]).numpy().tolist() == [2.0, 4.0]  # a list where a tensor was traced
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a float tensor but is a int32"):
        concrete(tf.ones([2], tf.int32))


def test_variables_made_on_the_first_call_take_lifted_initial_values():
    """TensorFlow's Core-API guides make variables in `__call__` from the input's shape: the initial
    value is computed once, out of the trace (values recorded from TensorFlow 2.21)."""
    tf.random.set_seed(1)

    class Dense(tf.Module):
        def __init__(self):
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(tf.random.uniform([x.shape[-1], 1]))
            return tf.matmul(x, self.w)

    dense = Dense()
    first, second = dense(tf.ones([2, 3])), dense(tf.ones([2, 3]))
    np.testing.assert_allclose(dense.w.numpy().ravel(), [0.8126964569091797, 0.07857465744018555,
                                                          0.8916854858398438])
    assert first.numpy().tolist() == second.numpy().tolist()

    class FromInput(tf.Module):
        def __init__(self):
            self.w = None

        @tf.function
        def __call__(self, x):
            if self.w is None:
                self.w = tf.Variable(x * 2)  # from the first call's argument, as in TensorFlow
            return self.w + x

    assert FromInput()(tf.ones([2])).numpy().tolist() == [3.0, 3.0]
    from_spec = FromInput()
    with pytest.raises(ValueError, match="not known here"):
        from_spec.__call__.get_concrete_function(tf.TensorSpec([2], tf.float32))


def test_variables_passed_share_a_trace_by_shape_dtype_and_trainability():
    """TensorFlow 2.21's counts (VariableSpec: shape, dtype, trainable, alias_id): writes inside go to
    the variable passed."""
    seen = []

    @tf.function
    def f(v, x):
        seen.append((v.name, type(v).__name__))
        v.assign_add(x)
        return v.read_value() * 2

    a, b = tf.Variable([1.0, 2.0], name="aa"), tf.Variable([3.0, 4.0], name="bb")
    x = tf.constant([1.0, 1.0])
    assert f(a, x).numpy().tolist() == [4.0, 6.0] and f(b, x).numpy().tolist() == [8.0, 10.0]
    assert a.numpy().tolist() == [2.0, 3.0] and b.numpy().tolist() == [4.0, 5.0]
    assert f.experimental_get_tracing_count() == 1 and seen == [("aa:0", "ResourceVariable")]
    f(tf.Variable([1.0, 2.0], trainable=False), x)
    assert f.experimental_get_tracing_count() == 2
    f(tf.Variable([1.0, 2.0, 3.0]), tf.ones([3]))
    f(tf.Variable([1.0, 2.0], dtype=tf.float64), tf.ones([2], tf.float64))
    assert f.experimental_get_tracing_count() == 4
    f(tf.Variable([5.0, 6.0]), x)
    assert f.experimental_get_tracing_count() == 4

    @tf.function
    def total(variables):
        return tf.add_n([v.read_value() for v in tf.nest.flatten(variables)])

    total([a, b]), total([b, a])
    assert total.experimental_get_tracing_count() == 1
    assert total([a, a]).numpy().tolist() == [4.0, 6.0]  # one variable twice: another trace (alias_id)
    assert total.experimental_get_tracing_count() == 2
    total({"p": a, "q": b}), total({"p": b, "q": a})
    assert total.experimental_get_tracing_count() == 3


def test_variable_arguments_differentiate_compile_and_print_their_spec():
    @tf.function
    def f(v, x):
        v.assign_add(x)
        return v.read_value() * 2

    @tf.function(jit_compile=True)
    def g(v):
        return v * v

    a, b, x = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0]), tf.constant([1.0, 1.0])
    f(a, x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(f(b, x) * 3.0)
    grads = tape.gradient(y, [a, b])
    assert grads[0] is None and grads[1].numpy().tolist() == [6.0, 6.0]
    assert tape.watched_variables() == (b,)
    for v in (a, b):
        with tf.GradientTape() as tape:
            y = g(v)
        assert np.allclose(tape.gradient(y, v), 2 * v.numpy()) and tape.watched_variables() == (v,)
    assert g(a).numpy().tolist() == (a.numpy() ** 2).tolist() and g.experimental_get_tracing_count() == 1
    concrete = g.get_concrete_function(a)
    assert concrete(b).numpy().tolist() == [16.0, 25.0]  # b is [4, 5] now
    assert str(concrete).splitlines()[1:] == [
        "  v (POSITIONAL_OR_KEYWORD): VariableSpec(shape=(2,), dtype=tf.float32, trainable=True, "
        "alias_id=0)", "Output Type:", "  TensorSpec(shape=(2,), dtype=tf.float32, name=None)",
        "Captures:", "  None"]


def test_optimizer_applied_to_variable_arguments_keeps_the_slots_of_its_trace():
    optimizer = tf.keras.optimizers.Adam(0.1)
    a, b, g = tf.Variable([1.0, 2.0]), tf.Variable([3.0, 4.0]), [tf.constant([1.0, 1.0])]

    @tf.function
    def step(variables, gradients):
        optimizer.apply_gradients(zip(gradients, variables))

    step([a], g), step([b], g), step([a], g)
    # TensorFlow 2.21: [0.8, 1.8] [2.9, 3.9], 2 traces, 3 optimizer variables (one set of slots)
    assert np.allclose(a.numpy(), [0.8, 1.8]) and np.allclose(b.numpy(), [2.9, 3.9])
    assert step.experimental_get_tracing_count() == 2 and len(optimizer.variables()) == 3


def test_threads_passing_different_variables_to_one_trace_each_write_their_own():
    import threading

    @tf.function
    def bump(v):
        v.assign_add(tf.ones_like(v))

    variables = [tf.Variable([0.0, 0.0]) for _ in range(4)]
    bump(variables[0])
    threads = [threading.Thread(target=lambda v=v: [bump(v) for _ in range(50)]) for v in variables]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [v.numpy().tolist() for v in variables] == [[51.0, 51.0]] + [[50.0, 50.0]] * 3
    assert bump.experimental_get_tracing_count() == 1


def test_a_tape_inside_differentiates_with_respect_to_a_variable_argument():
    w = tf.Variable([1.0, 2.0])

    @tf.function
    def step(v):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(v * v)
        assert tape.watched_variables() == (v,)
        return tape.gradient(loss, v)

    assert step(w).numpy().tolist() == [2.0, 4.0]
    assert step(tf.Variable([3.0, 4.0])).numpy().tolist() == [6.0, 8.0]
    assert step.experimental_get_tracing_count() == 1
