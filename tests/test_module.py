"""`tf.Module`: names, name scopes, and the variables and submodules found through attributes, in
TensorFlow 2.21's order (expected values recorded from it)."""

import pathlib
import subprocess
import sys

import pytest

import tapeflow as tf

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "module_training.py"


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")

    @tf.function
    def __call__(self, x):
        return tf.nn.relu(x @ self.w + self.b)


class MLP(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.z_layer = Dense(2, 3)
            self.a_layer = Dense(3, 1, name="out")
            self.step = tf.Variable(0, trainable=False, name="step")
            self.blocks = [Dense(1, 1, name="blk"),
                           {"y": tf.Variable(1.0, name="y"),
                            "x": (tf.Variable(2.0, name="x"), Dense(1, 1, name="inner"))}]
        self.alias = self.z_layer  # met twice, reported once
        self.shared = self.step


def names(values):
    return [v.name for v in values]


def test_a_module_lists_its_own_variables_first_then_its_submodules_in_attribute_order():
    m = MLP()
    assert names(m.variables) == ["mlp/x:0", "mlp/y:0", "mlp/step:0", "mlp/b:0", "mlp/w:0", "mlp/b:0",
                                  "mlp/w:0", "mlp/b:0", "mlp/w:0", "mlp/b:0", "mlp/w:0"]
    assert [v.name for v in m.trainable_variables] == [n for n in names(m.variables) if n != "mlp/step:0"]
    assert names(m.non_trainable_variables) == ["mlp/step:0"]
    assert names(m.submodules) == ["out", "dense", "blk", "inner"]
    assert m.variables[3] is m.a_layer.b and m.variables[5] is m.z_layer.b
    assert type(m.variables) is tuple and type(m.submodules) is tuple


def test_a_module_is_not_its_own_submodule_and_cycles_end():
    m = MLP()
    m.me = m
    assert names(m.submodules) == ["out", "dense", "blk", "inner"] and len(m.variables) == 11
    a, b = Dense(1, 1, name="a"), Dense(1, 1, name="b")
    a.other, b.other = b, a
    assert names(a.submodules) == ["b"] and names(b.submodules) == ["a"]
    assert len(a.variables) == 4


class Leaf(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(1.0, name="w")


class Tree(tf.Module):
    def __init__(self):
        super().__init__()
        self.kids = [Leaf(name="k0"), {"b": Leaf(name="k1"), "a": (tf.Variable(2.0, name="t"),)}]
        self.same = self.kids[0]


def is_variable(value):
    return isinstance(value, tf.Variable)


def test_flatten_with_paths_reports_every_path():
    t = Tree()
    assert [(p, v.name) for p, v in t._flatten(with_path=True, predicate=is_variable)] == [
        (("kids", 1, "a", 0), "t:0"), (("kids", 0, "w"), "w:0"), (("kids", 1, "b", "w"), "w:0"),
        (("same", "w"), "w:0")]
    modules = t._flatten(with_path=True, predicate=lambda v: isinstance(v, tf.Module))
    assert [(p, m.name) for p, m in modules] == [(("kids", 0), "k0"), (("kids", 1, "b"), "k1"),
                                                 (("same",), "k0")]
    assert names(t._flatten(recursive=False, predicate=is_variable)) == ["t:0"]
    a, b = Leaf(name="a"), Leaf(name="b")
    a.other, b.other = b, a
    modules = a._flatten(with_path=True, predicate=lambda v: isinstance(v, tf.Module))
    assert [(p, m.name) for p, m in modules] == [(("other",), "b"), (("other", "other"), "a"),
                                                 (("other", "other", "other"), "b")]


def test_other_attributes_are_ignored_and_bad_ones_are_named():
    class Mixed(tf.Module):
        def __init__(self):
            super().__init__()
            self.x, self.s, self.arr = 1, "str", [tf.constant(1.0), None]

    assert Mixed().variables == () and Mixed().submodules == ()

    class Bad(tf.Module):
        def __init__(self):
            super().__init__()
            self.d = {1: 1, "a": tf.Variable(1.0)}

    with pytest.raises(ValueError, match="Error processing property 'd' of") as info:
        _ = Bad().variables
    assert isinstance(info.value.__cause__, TypeError)


@pytest.mark.parametrize("cls_name, expected", [
    ("Dense", "dense"), ("MyDenseLayer", "my_dense_layer"), ("HTTPServer", "http_server"), ("MLP", "mlp"),
    ("Dense2D", "dense2_d"), ("ResNet50Block", "res_net50_block"), ("X1Y", "x1_y"), ("ABCDef", "abc_def"),
    ("already_snake", "already_snake"), ("Mixed_Case", "mixed__case"), ("a1B", "a1_b"),
])
def test_default_names_are_the_class_name_in_snake_case(cls_name, expected):
    module = type(cls_name, (tf.Module,), {})()
    assert module.name == expected and module.name_scope.name == expected + "/"
    assert tf.Module().name == "module"


@pytest.mark.parametrize("name", ["a b", "1a", "a/b", "класс", ""])
def test_names_must_be_python_identifiers(name):
    with pytest.raises(ValueError, match=f"'{name}' is not a valid module name. Module names must be valid "
                                         f"Python identifiers"):
        tf.Module(name=name)


def test_valid_names_and_non_strings():
    assert tf.Module(name="_x").name == "_x" and tf.Module(name="a").name_scope.name == "a/"
    with pytest.raises(TypeError):
        tf.Module(name=3)


def test_the_name_scope_is_fixed_where_the_module_is_made():
    with tf.name_scope("outer"):
        m = Leaf(name="dense")
        assert m.name == "dense" and m.name_scope.name == "outer/dense/"
    assert m.w.name == "outer/w:0"  # made in the enclosing scope, not the module's
    with m.name_scope as scope:
        assert scope == "outer/dense/"
        assert tf.Variable(1.0, name="v").name == "outer/dense/v:0"
    with tf.name_scope("elsewhere"), m.name_scope as scope:
        assert scope == "outer/dense/"


def test_with_name_scope_runs_a_method_in_the_module_scope():
    class Maker(tf.Module):
        @tf.Module.with_name_scope
        def make(self):
            return tf.Variable(1.0, name="v")

        @tf.Module.with_name_scope
        def scope(self):
            with tf.name_scope("q") as scope:
                return scope

    maker = Maker(name="wm")
    assert maker.make().name == "wm/v:0" and maker.scope() == "wm/q/"
    assert Maker.make.__name__ == "make"


def test_function_methods_compute_with_each_instance_own_variables():
    d1, d2 = Dense(2, 3), Dense(2, 3)
    d2.w.assign(2 * tf.ones([2, 3]))
    x = tf.ones([4, 2])
    assert d1(x).numpy().tolist() == [[2.0] * 3] * 4
    assert d2(x).numpy().tolist() == [[4.0] * 3] * 4
    d1.b.assign([1.0, 0.0, -3.0])  # each call reads the variables' current values
    assert d1(x).numpy().tolist() == [[3.0, 2.0, 0.0]] * 4


class Lazy(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = None

    @tf.function
    def __call__(self, x):
        if self.v is None:
            self.v = tf.Variable(2.0, name="v")
        return x * self.v


def test_function_methods_trace_per_instance():
    a, b = Lazy(), Lazy()
    assert float(a(tf.constant(1.0))) == 2.0
    assert float(b(tf.constant(3.0))) == 6.0  # b's first trace may create its variable, as in TensorFlow
    assert a.__call__.experimental_get_tracing_count() == 2  # made its variable: traced again, as TF
    assert b.__call__.experimental_get_tracing_count() == 2


def test_module_variables_train_in_a_function_step():
    class Stack(tf.Module):
        def __init__(self):
            super().__init__()
            self.layers = [Dense(2, 3, name="first"), Dense(3, 1, name="second")]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    model = Stack()
    assert names(model.trainable_variables) == ["b:0", "w:0", "b:0", "w:0"]
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
    x, y = tf.ones([4, 2]), tf.zeros([4, 1])

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    losses = [float(step()) for _ in range(3)]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]


def test_the_module_training_example_prints_a_falling_loss():
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "variables: ['hidden/b:0', 'hidden/w:0', 'output/b:0', 'output/w:0']"
    losses = [float(line.split()[3]) for line in lines[1:]]
    assert len(losses) == 7 and losses == sorted(losses, reverse=True) and losses[-1] < 0.01 * losses[0]
