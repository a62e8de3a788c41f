"""Keras optimizers against TensorFlow: five-step trajectories recorded from tf_keras 2.21
(tests/optimizer_reference.py) for every optimizer and option, in float32 and float64; then the
protocol around the rules (None gradients, errors, minimize, slots, configs)."""

import numpy as np
import pytest

import tapeflow as tf
from optimizer_reference import CASES

RNG = np.random.default_rng(0)
X, Y, W0 = RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2)), RNG.normal(size=(3, 2))
B0, E0 = np.array([0.1, -0.2]), RNG.normal(size=(5, 3))
TOLERANCE = {"float32": dict(rtol=2e-6, atol=2e-7), "float64": dict(rtol=1e-12, atol=1e-13)}


def build_optimizer(case):
    kwargs = dict(case["kwargs"])
    rate = kwargs.get("learning_rate")
    if isinstance(rate, dict):
        kwargs["learning_rate"] = getattr(tf.keras.optimizers.schedules, rate["schedule"])(
            *rate["args"], **rate["kwargs"]
        )
    return getattr(tf.keras.optimizers, case["optimizer"])(**kwargs)


def build_problem(case):
    dtype = case["dtype"]
    if case["problem"] == "sparse":
        table = tf.Variable(E0.astype(dtype), name="E")
        return {"E": table}, lambda: tf.reduce_sum(tf.square(tf.gather(table, [0, 2, 2]) - 1.0))
    constraint = (lambda v: tf.clip_by_value(v, -0.5, 0.5)) if case["problem"] == "constraint" else None
    w = tf.Variable(W0.astype(dtype), name="w", constraint=constraint)
    b = tf.Variable(B0.astype(dtype), name="b")
    x, y = tf.constant(X.astype(dtype)), tf.constant(Y.astype(dtype))
    return {"w": w, "b": b}, lambda: tf.reduce_mean(tf.square(x @ w + b - y))


@pytest.mark.parametrize("key", sorted(CASES))
def test_trajectory_matches_tensorflow(key):
    case = CASES[key]
    variables, loss_fn = build_problem(case)
    optimizer = build_optimizer(case)
    names = list(variables)
    for step in range(5):
        with tf.GradientTape() as tape:
            loss = loss_fn()
        np.testing.assert_allclose(
            float(loss), case["losses"][step], rtol=1e-6 if case["dtype"] == "float32" else 1e-12
        )
        grads = tape.gradient(loss, [variables[n] for n in names])
        optimizer.apply_gradients(zip(grads, [variables[n] for n in names]))
        for n in names:
            np.testing.assert_allclose(
                variables[n].numpy(),
                case["steps"][step][n],
                **TOLERANCE[case["dtype"]],
                err_msg=f"{key}: {n} after step {step + 1}",
            )
            if "ema" in case:
                np.testing.assert_allclose(
                    optimizer.get_slot(variables[n], "average").numpy(),
                    case["ema"][step][n],
                    **TOLERANCE[case["dtype"]],
                )
        assert float(optimizer.learning_rate) == pytest.approx(
            case["learning_rate_after_step"][step], rel=1e-6
        )
    assert int(optimizer.iterations) == case["iterations"]
    if "after_finalize_variable_values" in case:
        optimizer.finalize_variable_values(list(variables.values()))
        for n in names:
            np.testing.assert_allclose(
                variables[n].numpy(), case["after_finalize_variable_values"][n], **TOLERANCE[case["dtype"]]
            )


def quadratic():
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    b = tf.Variable([0.5, -0.5], name="b")
    x = tf.constant([[1.0, -1.0]])
    return w, b, lambda: tf.reduce_sum(tf.square(x @ w + b))


def test_apply_gradients_counts_steps_and_returns_iterations():
    w, b, loss_fn = quadratic()
    opt = tf.keras.optimizers.SGD(0.1)
    assert repr(opt.iterations) == "<tf.Variable 'iteration:0' shape=() dtype=int64, numpy=0>"
    assert opt.apply_gradients([]) is opt.iterations and int(opt.iterations) == 0
    result = opt.apply_gradients(zip([tf.ones_like(w), tf.ones_like(b)], [w, b]))
    assert int(result) == 1 and int(opt.iterations) == 1 and not opt.iterations.trainable
    np.testing.assert_allclose(w.numpy(), [[0.9, 1.9], [2.9, 3.9]])
    assert opt.apply_gradients(gv for gv in zip([tf.ones_like(w), tf.ones_like(b)], [w, b])) is opt.iterations


def test_none_gradients():
    w, b, _ = quadratic()
    opt = tf.keras.optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b:0'\] when minimizing"):
        opt.apply_gradients(zip([tf.ones_like(w), None], [w, b]))
    assert b.numpy().tolist() == [0.5, -0.5] and int(opt.iterations) == 1
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \(\['w:0', 'b:0'\],\)"):
        opt.apply_gradients(zip([None, None], [w, b]))


def test_bad_gradients_are_rejected_clearly():
    w, b, _ = quadratic()
    opt = tf.keras.optimizers.Adam(0.1)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"shape \[3, 2\] does not match the shape \[2, 2\]"
    ):
        opt.apply_gradients(zip([tf.ones([3, 2]), tf.ones([2])], [w, b]))
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="dtype float64 does not match the dtype float32"
    ):
        opt.apply_gradients(zip([tf.ones([2, 2], tf.float64), tf.ones([2])], [w, b]))
    with pytest.raises(TypeError, match="updates tf.Variable objects"):
        opt.apply_gradients([(tf.ones([2]), tf.constant([1.0, 2.0]))])
    other = tf.Variable([1.0, 2.0, 3.0], name="other")
    opt.apply_gradients(zip([tf.ones_like(w), tf.ones_like(b)], [w, b]))
    with pytest.raises(KeyError, match="cannot recognize variable other:0"):
        opt.apply_gradients([(tf.ones([3]), other)])


def test_constructor_arguments_are_checked():
    with pytest.raises(TypeError, match="lr_typo is not a valid argument"):
        tf.keras.optimizers.SGD(lr_typo=1)
    with pytest.raises(ValueError, match="decay is deprecated"):
        tf.keras.optimizers.SGD(decay=0.1)
    with pytest.warns(UserWarning, match="`lr` is deprecated"):
        assert float(tf.keras.optimizers.SGD(lr=0.1).learning_rate) == pytest.approx(0.01)
    for both in ({"clipnorm": 1.0, "global_clipnorm": 1.0}, {"clipnorm": 1.0, "clipvalue": 1.0}):
        with pytest.raises(ValueError, match="At most one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
            tf.keras.optimizers.SGD(0.1, **both)
    with pytest.raises(ValueError, match="`momentum` must be between"):
        tf.keras.optimizers.SGD(momentum=2)
    with pytest.raises(ValueError, match="ema_momentum"):
        tf.keras.optimizers.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="Missing value of `weight_decay`"):
        tf.keras.optimizers.AdamW(weight_decay=None)
    with pytest.raises(TypeError, match="Cannot convert '0.1'"):
        tf.keras.optimizers.SGD(learning_rate="0.1")


def test_minimize_and_compute_gradients():
    w, b, loss_fn = quadratic()
    opt = tf.keras.optimizers.SGD(0.1)
    assert opt.minimize(loss_fn, [w, b]) is None
    np.testing.assert_allclose(w.numpy(), [[1.3, 2.5], [2.7, 3.5]])
    opt.minimize(loss_fn, lambda: [w, b])
    with tf.GradientTape() as tape:
        loss = loss_fn()
    opt.minimize(loss, [w, b], tape=tape)
    assert int(opt.iterations) == 3
    with pytest.raises(ValueError, match="`tape` is required when a `Tensor` loss is passed"):
        opt.minimize(loss, [w, b])
    pairs = opt.compute_gradients(loss_fn, [w, b])
    assert [v.name for _, v in pairs] == ["w:0", "b:0"] and isinstance(pairs[0][0], tf.Tensor)


def test_learning_rate_forms():
    opt = tf.keras.optimizers.SGD(0.1)
    assert repr(opt.learning_rate) == (
        "<tf.Variable 'learning_rate:0' shape=() dtype=float32, numpy=0.10000000149011612>"
    )
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    assert float(tf.keras.optimizers.SGD(lambda: 0.3).learning_rate) == pytest.approx(0.3)
    rate = tf.Variable(0.2)
    shared = tf.keras.optimizers.SGD(rate)
    rate.assign(0.05)
    assert float(shared.learning_rate) == pytest.approx(0.05)
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    scheduled = tf.keras.optimizers.SGD(schedule)
    assert scheduled.learning_rate.name == "current_learning_rate:0"
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.5


def test_slot_variables_are_named_and_ordered_like_keras():
    w, b, _ = quadratic()
    opt = tf.keras.optimizers.Adam(0.1)
    assert opt.variables() == opt.variables and len(opt.variables) == 1
    opt.apply_gradients(zip([tf.ones_like(w), tf.ones_like(b)], [w, b]))
    assert [v.name for v in opt.variables] == [
        "iteration:0",
        "Adam/m/w:0",
        "Adam/v/w:0",
        "Adam/m/b:0",
        "Adam/v/b:0",
    ]
    expected = {
        tf.keras.optimizers.Adam(amsgrad=True): ["m/w", "v/w", "m/b", "v/b", "vhat/w", "vhat/b"],
        tf.keras.optimizers.SGD(): ["m/w", "m/b"],
        tf.keras.optimizers.Ftrl(): ["accumulator/w", "linear/w", "accumulator/b", "linear/b"],
        tf.keras.optimizers.RMSprop(centered=True, momentum=0.5): [
            "velocity/w",
            "velocity/b",
            "momentum/w",
            "momentum/b",
            "average_gradient/w",
            "average_gradient/b",
        ],
        tf.keras.optimizers.Adadelta(): [
            "accumulated_grad/w",
            "accumulated_delta_var/w",
            "accumulated_grad/b",
            "accumulated_delta_var/b",
        ],
        tf.keras.optimizers.SGD(use_ema=True): ["average/w", "average/b", "m/w", "m/b"],
    }
    for optimizer, names in expected.items():
        optimizer.build([w, b])
        assert [v.name for v in optimizer.variables] == ["iteration:0"] + [n + ":0" for n in names]


def test_weight_decay_exclusions():
    w, b, _ = quadratic()
    opt = tf.keras.optimizers.SGD(1.0, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["b"])
    opt.apply_gradients(zip([tf.zeros_like(w), tf.zeros_like(b)], [w, b]))
    np.testing.assert_allclose(w.numpy(), [[0.5, 1.0], [1.5, 2.0]])
    assert b.numpy().tolist() == [0.5, -0.5]


def test_gradient_accumulation_applies_the_mean_every_n_steps():
    v = tf.Variable([0.0, 0.0])
    opt = tf.keras.optimizers.SGD(1.0, gradient_accumulation_steps=2)
    opt.apply_gradients([(tf.constant([1.0, 2.0]), v)])
    assert v.numpy().tolist() == [0.0, 0.0] and int(opt.iterations) == 1
    opt.apply_gradients([(tf.constant([3.0, 4.0]), v)])
    assert v.numpy().tolist() == [-2.0, -3.0] and int(opt.iterations) == 2
    opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert v.numpy().tolist() == [-2.0, -3.0]


def test_configs_round_trip():
    assert tf.keras.optimizers.SGD().get_config() == {
        "name": "SGD",
        "weight_decay": None,
        "clipnorm": None,
        "global_clipnorm": None,
        "clipvalue": None,
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "jit_compile": False,
        "is_legacy_optimizer": False,
        "learning_rate": np.float32(0.01),
        "momentum": 0.0,
        "nesterov": False,
    }
    assert tf.keras.optimizers.RMSprop().get_config()["ema_overwrite_frequency"] == 100
    for optimizer in (
        tf.keras.optimizers.SGD(0.3, momentum=0.9, nesterov=True, clipnorm=1.0),
        tf.keras.optimizers.Adam(tf.keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)),
        tf.keras.optimizers.Ftrl(l1_regularization_strength=0.1),
        tf.keras.optimizers.Lion(),
    ):
        config = optimizer.get_config()
        assert type(optimizer).from_config(config).get_config() == config
        assert (
            tf.keras.optimizers.deserialize(tf.keras.optimizers.serialize(optimizer)).get_config() == config
        )
    assert isinstance(tf.keras.optimizers.get("adam"), tf.keras.optimizers.Adam)
    assert tf.optimizers.SGD is tf.keras.optimizers.SGD


def test_fused_adam_handles_scalars_and_matrices():
    for value in (1.0, [[1.0, 2.0], [3.0, 4.0]]):
        v = tf.Variable(value)
        opt = tf.keras.optimizers.Adam(0.1, amsgrad=True)
        for _ in range(3):
            opt.minimize(lambda v=v: tf.reduce_sum(v * v), [v])
        assert np.all(np.abs(v.numpy()) < np.abs(np.array(value)))


def test_adam_updates_its_moments_in_place_yet_no_tensor_changes_under_the_user():
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    m = opt.get_slot(w, "m")
    held, array, numpy = m.value(), np.asarray(m), m.numpy()
    mine = tf.constant([5.0, 5.0])
    opt.get_slot(w, "v").assign(mine)  # the slot keeps a copy, not the user's tensor
    slot_array = m._value
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
    assert m._value is slot_array  # updated in place ...
    for before in (held.numpy(), array, numpy):  # ... and nothing the user holds moved
        np.testing.assert_allclose(before, [0.1, 0.1])
    np.testing.assert_allclose(m.numpy(), [0.19, 0.19])
    assert mine.numpy().tolist() == [5.0, 5.0]


def test_compiled_reads_of_in_place_moments_keep_their_values():
    w = tf.Variable([1.0, 2.0])
    opt = tf.keras.optimizers.Adam(0.1)

    @tf.function
    def f(g):
        opt.apply_gradients([(g, w)])
        m = opt.get_slot(w, "m")
        before = m.read_value()
        opt.apply_gradients([(g, w)])
        m.assign(tf.zeros([2]))  # a constant: the slot must not come to share (and then change) it
        opt.apply_gradients([(g, w)])
        return before, m.read_value()

    g = tf.constant([1.0, 1.0])
    for expected in (0.1, 0.19):  # the second call starts from the first's last moment, 0.1
        before, after = f(g)
        np.testing.assert_allclose(before.numpy(), [expected] * 2, rtol=1e-6)
        np.testing.assert_allclose(after.numpy(), [0.1, 0.1])


@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_sparse_gradients_of_a_traced_fit_update_the_rows_as_an_eager_fit(name):
    """An Embedding's gradient (IndexedSlices, a row repeated) in the traced train step: its indices have no
    values, so the rows are summed densely; the update is the eager, deduplicated one."""
    tokens = np.array([[1, 2, 1], [3, 1, 0]], "int32")
    targets = np.ones((2, 3, 2), "float32")
    weights = []
    for run_eagerly in (True, False):
        tf.keras.utils.set_random_seed(1)
        model = tf.keras.Sequential([tf.keras.layers.Embedding(5, 2)])
        model.compile(getattr(tf.keras.optimizers, name)(0.5), "mse", run_eagerly=run_eagerly)
        model.fit(tokens, targets, epochs=2, verbose=0)
        weights.append(model.get_weights()[0])
    np.testing.assert_array_equal(weights[0], weights[1])
    assert not np.array_equal(weights[0][4], weights[0][1])  # an unused row is left alone


FUSED_CASES = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("SGD", {"momentum": 0.5, "nesterov": True}), ("Adagrad", {}),
    ("RMSprop", {"momentum": 0.3}), ("RMSprop", {"momentum": 0.2, "centered": True}), ("Adadelta", {}),
    ("Adam", {"amsgrad": True}), ("AdamW", {}), ("Adamax", {}), ("Nadam", {}), ("Lion", {}),
    ("Ftrl", {"beta": 0.3, "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.1, "learning_rate_power": -0.7}),
]


@pytest.mark.parametrize("name, kwargs", FUSED_CASES)
def test_fused_eager_updates_match_the_op_by_op_rules_bit_for_bit(name, kwargs):
    """Eagerly each rule is one fused kernel per variable; traced, its ops (which jit_compile can
    lower): the two give the same bits, weight decay included, in float32 and float64."""
    for dtype in ("float32", "float64"):
        trajectories = []
        for fused in (True, False):
            variables, loss_fn = build_problem({"dtype": dtype, "problem": "dense"})
            optimizer = getattr(tf.keras.optimizers, name)(learning_rate=0.05, weight_decay=0.03, **kwargs)
            if not fused:  # the path a traced function takes, run eagerly
                def by_ops(gradient, variable, rate, optimizer=optimizer):
                    optimizer._decay_by_ops(variable, rate)
                    optimizer._update_by_ops(gradient, variable, rate)

                optimizer.update_step = by_ops
            var_list, trajectory = list(variables.values()), []
            for _ in range(3):
                with tf.GradientTape() as tape:
                    loss = loss_fn()
                optimizer.apply_gradients(zip(tape.gradient(loss, var_list), var_list))
                trajectory.append([v.numpy().tobytes() for v in var_list + optimizer.variables[1:]])
            trajectories.append(trajectory)
        assert trajectories[0] == trajectories[1], f"{name} {kwargs} {dtype}"
