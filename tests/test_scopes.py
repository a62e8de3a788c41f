"""Name scopes, variable names, init_scope, executing_eagerly, devices and tf.config, against what
TensorFlow 2.21 does on a CPU-only machine (expected values recorded from it)."""

import pytest

import tapeflow as tf

CPU = "/job:localhost/replica:0/task:0/device:CPU:0"


def test_eager_name_scopes_nest_and_name_variables():
    with tf.name_scope("dense") as scope:
        assert scope == "dense/"
        assert tf.Variable(1.0, name="w").name == "dense/w:0"
        assert tf.Variable(1.0).name == "dense/Variable:0"
        with tf.name_scope("inner") as inner:
            assert inner == "dense/inner/"
            assert tf.Variable(1.0, name="b").name == "dense/inner/b:0"
            with tf.name_scope("abs/") as absolute:  # a trailing slash: an absolute scope
                assert absolute == "abs/" and tf.Variable(1.0, name="c").name == "abs/c:0"
            with tf.name_scope("") as top:  # back to the top
                assert top == "" and tf.Variable(1.0, name="c").name == "c:0"
        assert tf.Variable(1.0, name="x/y").name == "dense/x/y:0"
        assert tf.Variable(1.0, name="a/").name == "a:0"
        assert tf.Variable(1.0, name="").name == ":0"
    assert tf.Variable(1.0, name="w").name == "w:0"


def test_eager_scopes_are_neither_made_unique_nor_validated():
    with tf.name_scope("dense"):
        pass
    with tf.name_scope("dense") as again:
        assert again == "dense/" and tf.Variable(1.0, name="w").name == "dense/w:0"
    assert [tf.Variable(1.0, name="w").name for _ in range(2)] == ["w:0", "w:0"]
    with tf.name_scope("a b") as odd:
        assert odd == "a b/"


def test_get_current_name_scope_drops_the_final_slash():
    assert tf.get_current_name_scope() == ""
    with tf.name_scope("a"), tf.name_scope("b"):
        assert tf.get_current_name_scope() == "a/b"


def test_branches_traced_in_a_scope_start_in_it():
    seen = []

    @tf.function
    def f(x):
        def branch(name):
            def body():
                with tf.name_scope(name) as scope:
                    seen.append(scope)
                return x + 1
            return body

        with tf.name_scope("outer"):
            return tf.cond(x > 0, branch("br"), branch("br"))

    f(tf.constant(1.0))
    assert seen == ["outer/br/", "outer/br/"]  # TensorFlow adds the op's own scope: outer/cond/br/


def test_name_scope_takes_only_strings_and_keeps_its_name():
    with pytest.raises(ValueError, match="name for name_scope must be a string."):
        tf.name_scope(None)
    with pytest.raises(ValueError, match="name for name_scope must be a string."):
        tf.name_scope(3)
    assert tf.name_scope("x").name == "x" and tf.name_scope("a/").name == "a/"


def test_scopes_inside_a_function_start_empty_and_are_made_unique():
    seen = []

    @tf.function
    def f(x):
        def enter(name):
            with tf.name_scope(name) as scope:
                seen.append(scope)

        for name in ["a", "a", "a_1", "A", "x/", "", ".a", "a.b-c"]:
            enter(name)
        with tf.name_scope("b"):
            enter("a")
            enter("-a")  # allowed below the top
        return x + 1

    with tf.name_scope("outer"):  # the eager scope does not reach into the graph
        f(tf.constant(1.0))
    assert seen == ["a/", "a_1/", "a_1_1/", "A_2/", "x/", "", ".a/", "a.b-c/", "b/a/", "b/-a/"]


@pytest.mark.parametrize("name, message", [
    ("a b", "'a b' is not a valid root scope name"),
    ("-a", "'-a' is not a valid root scope name"),
    ("_a", "'_a' is not a valid root scope name"),
])
def test_graph_scope_names_are_validated_at_the_top(name, message):
    @tf.function
    def f():
        with tf.name_scope(name):
            return tf.constant(1.0)

    with pytest.raises(ValueError, match=message):
        f()


def test_graph_scope_names_below_the_top_follow_the_looser_pattern():
    @tf.function
    def f():
        with tf.name_scope("b"), tf.name_scope("a b"):
            return tf.constant(1.0)

    with pytest.raises(ValueError, match="'a b' is not a valid scope name"):
        f()


def test_each_trace_starts_a_fresh_graph_scope():
    seen = []

    @tf.function
    def f(x):
        with tf.name_scope("fs") as scope:
            seen.append(scope)
        return x

    f(tf.constant(1.0))
    f(tf.constant([1.0]))  # a new trace
    assert seen == ["fs/", "fs/"]


def test_variables_made_while_tracing_take_the_graph_scope_and_use_up_its_names():
    made, scopes = [], []

    @tf.function
    def f():
        if not made:
            made.append(tf.Variable(1.0, name="v"))
            made.append(tf.Variable(1.0, name="v"))
            with tf.name_scope("v") as scope:
                scopes.append(scope)
            with tf.name_scope("fs"):
                made.append(tf.Variable(1.0, name="w"))
        return 1

    f()
    assert [v.name for v in made] == ["v:0", "v:0", "fs/w:0"] and scopes == ["v_2/"]


def test_executing_eagerly_and_init_scope():
    observed = []

    @tf.function
    def f(x):
        observed.append(tf.executing_eagerly())
        with tf.name_scope("fs"), tf.init_scope():
            observed.append(tf.executing_eagerly())
            with tf.name_scope("q") as scope:  # the graph's scope carries into init_scope
                observed.append(scope)
        observed.append(tf.executing_eagerly())
        return x * 2

    assert tf.executing_eagerly()
    f(tf.constant(1.0))
    assert observed == [False, True, "fs/q/", False]
    assert tf.executing_eagerly()


def test_init_scope_pauses_tapes_and_makes_state_eagerly():
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        with tf.init_scope():
            hidden = x * x
        shown = x * x
    assert tape.gradient(hidden, x) is None and float(tape.gradient(shown, x)) == 6.0

    counters = []

    @tf.function
    def f(y):
        with tf.name_scope("fs"):
            if not counters:
                with tf.init_scope():  # made eagerly, named in the graph's scope
                    counters.append(tf.Variable(0.0, name="count"))
            counters[0].assign_add(1.0)
        return y + counters[0]

    assert [float(f(tf.constant(1.0))) for _ in range(2)] == [2.0, 3.0]
    assert len(counters) == 1 and counters[0].name == "fs/count:0"


def test_functions_run_eagerly_execute_eagerly():
    observed = []

    @tf.function
    def f():
        observed.append(tf.executing_eagerly())
        return 1

    tf.config.run_functions_eagerly(True)
    try:
        f()
    finally:
        tf.config.run_functions_eagerly(False)
    assert observed == [True]


def test_no_op_returns_none():
    assert tf.no_op() is None and tf.no_op(name="nothing") is None


@pytest.mark.parametrize("spec", [
    "/GPU:0", "GPU:0", "CPU:0", "cpu:0", "/device:CPU:0", "device:CPU:0", "/device:GPU:*", "GPU", "",
    "/job:localhost", "/replica:0/task:0/device:CPU:0", "//CPU:0", "TPU:0", "/CPU:5", None,
])
def test_device_scopes_run_on_the_cpu_with_soft_placement(spec):
    with tf.device(spec):
        x = tf.constant(1.0)
        v = tf.Variable(1.0)
        assert x.device == CPU and v.device == CPU and (x + v).device == CPU


@pytest.mark.parametrize("spec, error, message", [
    ("foo", ValueError, "Unknown attribute 'foo' is encountered while parsing the device spec: 'foo'."),
    ("XPU:0", ValueError, "Unknown attribute 'XPU'"),
    ("CPU:0:1", ValueError, "Unknown attribute 'CPU'"),
    ("CPU:x", ValueError, "invalid literal for int"),
    ("/job:foo/CPU:0", tf.errors.InvalidArgumentError,
     "/job:foo/replica:0/task:0/device:CPU:0 unknown device."),
    ("/job:localhost/replica:1/device:CPU:0", tf.errors.InvalidArgumentError,
     "/job:localhost/replica:1/task:0/device:CPU:0 unknown device."),
])
def test_bad_device_strings(spec, error, message):
    with pytest.raises(error, match=message.replace(".", r"\.")):
        with tf.device(spec):
            tf.constant(1.0)


def test_device_rejects_functions_and_non_strings():
    with pytest.raises(RuntimeError, match="tf.device does not support functions."):
        tf.device(lambda op: "CPU:0")
    with pytest.raises(ValueError, match="Expecting a string device name"):
        tf.device(3)


def test_without_soft_placement_a_missing_device_is_an_error():
    assert tf.config.get_soft_device_placement() is True
    tf.config.set_soft_device_placement(False)
    try:
        assert tf.config.get_soft_device_placement() is False
        with tf.device("CPU:0"):
            assert tf.constant(1.0).device == CPU
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Could not satisfy device specification "
                                 "'/job:localhost/replica:0/task:0/device:GPU:0'. enable_soft_placement=0"):
            with tf.device("/GPU:0"):
                tf.constant(1.0) + 1
    finally:
        tf.config.set_soft_device_placement(True)
    with pytest.raises(TypeError):
        tf.config.set_soft_device_placement("yes")


def test_device_scopes_merge_as_tensorflow_prints_them():
    from tapeflow.core.scopes import current_device

    assert current_device() == ""
    with tf.device("GPU:0"):
        assert current_device() == "/device:GPU:0"
        with tf.device("/job:localhost"):
            assert current_device() == "/job:localhost/device:GPU:0"
        with tf.device("CPU"):
            assert current_device() == "/device:CPU:*"
        with tf.device(None):
            assert current_device() == ""
    assert current_device() == ""


def test_devices_listed_by_config():
    cpu = tf.config.PhysicalDevice(name="/physical_device:CPU:0", device_type="CPU")
    assert tf.config.list_physical_devices() == [cpu]
    assert repr(cpu) == "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"
    assert tf.config.list_physical_devices("CPU") == [cpu]
    assert tf.config.list_physical_devices(device_type="CPU") == [cpu]
    assert tf.config.list_physical_devices("GPU") == [] and tf.config.list_physical_devices("cpu") == []
    logical = "[LogicalDevice(name='/device:CPU:0', device_type='CPU')]"
    assert repr(tf.config.list_logical_devices()) == logical
    assert tf.config.list_logical_devices("GPU") == []
    assert tf.config.experimental.list_physical_devices("GPU") == []
    assert tf.config.get_visible_devices("CPU") == [cpu]
    with pytest.raises(ValueError, match="Cannot set memory growth on non-GPU"):
        tf.config.experimental.set_memory_growth(cpu, True)


def test_thread_counts_are_recorded():
    threading = tf.config.threading
    before = threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads()
    assert before == (0, 0)
    try:
        threading.set_intra_op_parallelism_threads(2)
        threading.set_inter_op_parallelism_threads(3)
        assert threading.get_intra_op_parallelism_threads() == 2
        assert threading.get_inter_op_parallelism_threads() == 3
    finally:
        threading.set_intra_op_parallelism_threads(before[0])
        threading.set_inter_op_parallelism_threads(before[1])


def test_intra_op_threads_set_the_blas_thread_pool():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = blas_threads()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        assert tf.config.threading.get_intra_op_parallelism_threads() == 1
        assert all(n == 1 for n in blas_threads())
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert blas_threads() == before
