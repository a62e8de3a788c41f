"""Learning-rate schedules (`tf.keras.optimizers.schedules`) against values recorded from TensorFlow."""

import numpy as np
import pytest

import tapeflow as tf
from optimizer_reference import SCHEDULES
from tapeflow.keras.optimizers import schedules as S

# Extra cases recorded from real TensorFlow 2.21 / tf_keras 2.21 (TF_USE_LEGACY_KERAS=1) with
# `float(schedule(step))` and `schedule(step).dtype` for each step below: staircase, cycle, warmup
# then decay, steps past decay_steps, several restarts, non-integer steps. A 'float64' dtype means the
# initial learning rate was given as a float64 tensor. TensorFlow's transcendental kernels (Eigen's
# pow, cos, log) and NumPy's differ in the last bit now and then, so float32 values are compared to
# float32 precision (relative 1e-6: a few ulps); most agree exactly.
TF_CASES = [
    ('ExponentialDecay', [0.1, 3, 0.96], {'staircase': True}, 'float32', {
        0: 0.10000000149011612, 1: 0.10000000149011612, 2: 0.10000000149011612,
        3: 0.09600000083446503, 5: 0.09600000083446503, 6: 0.09216000139713287,
        7: 0.09216000139713287, 10: 0.0884735956788063, 2.5: 0.10000000149011612,
    }),
    ('ExponentialDecay', [0.37, 7, 0.3], {}, 'float32', {
        0: 0.3700000047683716, 1: 0.31153351068496704, 5: 0.15657301247119904,
        13: 0.03954952210187912, 100: 1.2546012229108783e-08, 2.5: 0.2406907081604004,
        0.1: 0.3636905550956726,
    }),
    ('ExponentialDecay', [0.1, 3, 0.3], {}, 'float64', {
        0: 0.1, 1: 0.0669432958949128, 5: 0.01344421513004663, 13: 0.0005422407829356366,
        2.5: 0.0366663539638817,
    }),
    ('PiecewiseConstantDecay', [[3, 7], [1, 2, 3]], {}, 'int32', {
        0: 1.0, 3: 1.0, 4: 2.0, 7: 2.0, 8: 3.0, 100: 3.0,
    }),
    ('PiecewiseConstantDecay', [[2.5, 4.5], [0.3, 0.2, 0.1]], {}, 'float32', {
        2: 0.30000001192092896, 3: 0.20000000298023224, 2.4: 0.30000001192092896,
        2.5: 0.30000001192092896, 2.6: 0.20000000298023224, 4.5: 0.20000000298023224,
        5: 0.10000000149011612,
    }),
    ('PiecewiseConstantDecay', [[10], [0.5, 0.25]], {}, 'float32', {
        9: 0.5, 10: 0.5, 11: 0.25,
    }),
    ('PolynomialDecay', [0.1, 4], {'cycle': True}, 'float32', {
        0: 0.10000000149011612, 1: 0.07502499967813492, 3: 0.025074999779462814,
        4: 9.999999747378752e-05, 5: 0.037562500685453415, 7: 0.012587499804794788,
        8: 9.999999747378752e-05, 9: 0.025074999779462814, 13: 0.018831249326467514,
        2.5: 0.037562500685453415,
    }),
    ('PolynomialDecay', [0.3, 5, 0.02], {'power': 0.5, 'cycle': True}, 'float32', {
        0: 0.30000001192092896, 1: 0.27043962478637695, 4: 0.1452198028564453,
        5: 0.019999999552965164, 6: 0.19708754122257233, 11: 0.16459137201309204,
        3.3: 0.18326665461063385,
    }),
    ('PolynomialDecay', [0.3, 5, 0.02], {'power': 3.0}, 'float32', {
        0: 0.30000001192092896, 1: 0.16335999965667725, 4: 0.02223999984562397,
        5: 0.019999999552965164, 6: 0.019999999552965164, 100: 0.019999999552965164,
        3.3: 0.031005121767520905,
    }),
    ('PolynomialDecay', [0.3, 5, 0.02], {'power': 0.5, 'cycle': True}, 'float64', {
        0: 0.3, 1: 0.2704396134327817, 4: 0.14521980649287342, 6: 0.19708754880512405,
        11: 0.1645913780422232, 3.3: 0.18326665515905055,
    }),
    ('InverseTimeDecay', [0.5, 3, 0.7], {'staircase': True}, 'float32', {
        0: 0.5, 1: 0.5, 2: 0.5, 3: 0.29411762952804565, 4: 0.29411762952804565, 6: 0.2083333283662796,
        9: 0.16129033267498016, 100: 0.020746886730194092, 4.5: 0.29411762952804565,
    }),
    ('InverseTimeDecay', [0.5, 3, 0.7], {}, 'float64', {
        0: 0.5, 1: 0.40540540671157, 2: 0.34090909275634235, 3: 0.294117649121268,
        4: 0.2586206917813786, 1000: 0.002133712696210295, 4.5: 0.24390244115186122,
    }),
    ('CosineDecay', [0.3, 7], {}, 'float32', {
        0: 0.30000001192092896, 1: 0.2851453423500061, 2: 0.2435234636068344, 3: 0.18337813019752502,
        4: 0.11662184447050095, 5: 0.05647650733590126, 6: 0.014854663982987404, 7: 0.0, 8: 0.0,
        100: 0.0, 3.5: 0.14999999105930328,
    }),
    ('CosineDecay', [0.3, 7], {'alpha': 0.2}, 'float32', {
        0: 0.30000001192092896, 1: 0.2881162762641907, 3: 0.20670251548290253, 6: 0.07188373804092407,
        7: 0.06000000238418579, 8: 0.06000000238418579, 3.5: 0.17999999225139618,
    }),
    ('CosineDecay', [0.01, 5], {'alpha': 0.1, 'warmup_target': 0.2, 'warmup_steps': 3}, 'float32', {
        0: 0.009999999776482582, 1: 0.07333333045244217, 2: 0.1366666704416275,
        3: 0.20000000298023224, 4: 0.18281152844429016, 5: 0.13781152665615082, 6: 0.0821884498000145,
        7: 0.037188466638326645, 8: 0.020000001415610313, 9: 0.020000001415610313,
        50: 0.020000001415610313, 1.5: 0.10499999672174454, 4.5: 0.1629006713628769,
    }),
    ('CosineDecay', [0.0, 10], {'warmup_target': 1.0, 'warmup_steps': 0}, 'float32', {
        0: 1.0, 1: 0.9755282402038574, 5: 0.4999999701976776, 10: 0.0, 11: 0.0,
    }),
    ('CosineDecay', [0.01, 5], {'alpha': 0.1, 'warmup_target': 0.2, 'warmup_steps': 3}, 'float64', {
        0: 0.01, 2: 0.13666666865348814, 4: 0.18281153221784932, 9: 0.020000000298023225,
        4.5: 0.16290067513373177,
    }),
    ('CosineDecayRestarts', [0.2, 3], {}, 'float32', {
        0: 0.20000000298023224, 1: 0.15000000596046448, 2: 0.04999999329447746,
        3: 0.20000000298023224, 4: 0.18660254776477814, 5: 0.15000000596046448,
        6: 0.09999999403953552, 7: 0.050000011920928955, 8: 0.013397449627518654,
        9: 0.20000000298023224, 10: 0.19659258425235748, 11: 0.18660254776477814,
        12: 0.17071068286895752, 13: 0.14999999105930328, 14: 0.12588192522525787,
        15: 0.09999999403953552, 16: 0.07411807030439377, 17: 0.050000011920928955,
        18: 0.029289323836565018, 19: 0.013397449627518654, 20: 0.003407418727874756,
        21: 0.20000000298023224, 22: 0.19914448261260986, 23: 0.19659258425235748,
        24: 0.19238795340061188, 1.5: 0.09999999403953552, 4.5: 0.17071068286895752,
        10.5: 0.19238795340061188,
    }),
    ('CosineDecayRestarts', [0.2, 3], {'t_mul': 1.0, 'm_mul': 0.5, 'alpha': 0.1}, 'float32', {
        0: 0.20000000298023224, 1: 0.1550000011920929, 2: 0.06499999016523361, 3: 0.11000000685453415,
        4: 0.08749999850988388, 5: 0.04250000789761543, 6: 0.06499999761581421,
        7: 0.05375000461935997, 8: 0.031249994412064552, 9: 0.042500000447034836,
        10: 0.036875005811452866, 11: 0.025624996051192284, 12: 0.03125, 4.5: 0.06499999761581421,
    }),
    ('CosineDecayRestarts', [0.2, 2], {'t_mul': 3.0, 'm_mul': 0.8, 'alpha': 0.05}, 'float32', {
        0: 0.20000000298023224, 1: 0.10499999672174454, 2: 0.16200000047683716, 3: 0.1518179476261139,
        4: 0.12400000542402267, 5: 0.085999995470047, 6: 0.047999992966651917, 7: 0.02018207125365734,
        8: 0.1316000074148178, 9: 0.13067631423473358, 10: 0.1279333233833313,
        11: 0.12345435470342636, 12: 0.11737550795078278, 13: 0.10988148301839828,
        14: 0.10119999945163727, 15: 0.09159482270479202, 16: 0.08135781437158585,
        17: 0.07079999893903732, 18: 0.0602421872317791, 19: 0.05000517889857292,
        20: 0.04039999842643738, 21: 0.03171851485967636, 22: 0.02422448806464672,
        23: 0.01814565621316433, 24: 0.013666686601936817, 25: 0.010923690162599087,
        26: 0.10728000849485397, 27: 0.10719771683216095, 28: 0.10695111751556396,
        29: 0.10654105246067047, 7.5: 0.012589633464813232,
    }),
    ('CosineDecayRestarts', [0.2, 2], {'t_mul': 1.5, 'm_mul': 0.9}, 'float32', {
        0: 0.20000000298023224, 1: 0.09999999403953552, 2: 0.17999999225139618,
        3: 0.13499999046325684, 4: 0.044999994337558746, 5: 0.16199998557567596,
        6: 0.14304958283901215, 7: 0.09506549686193466, 8: 0.04049999266862869,
        9: 0.004884893074631691, 10: 0.1438349485397339, 11: 0.12874461710453033,
        12: 0.10177420824766159, 13: 0.06866123527288437, 14: 0.03644999489188194,
        15: 0.011992930434644222, 16: 0.000492921331897378, 17: 0.1294514536857605,
        18: 0.12178309261798859, 19: 0.10874996334314346, 5.5: 0.15711508691310883,
    }),
    ('CosineDecayRestarts', [0.2, 3], {'m_mul': 0.5, 'alpha': 0.1}, 'float64', {
        0: 0.2, 1: 0.15500000007450582, 2: 0.06500000022351744, 3: 0.11000000014901162,
        4: 0.10397114332929325, 5: 0.08750000018626453, 6: 0.06500000022351742,
        7: 0.04250000026077031, 8: 0.026028857117741607, 9: 0.06500000022351742,
        10: 0.06423333131629082, 11: 0.06198557181365824, 12: 0.05840990281112586,
        13: 0.05375000024214388, 14: 0.048323428765935275, 15: 0.042500000260770325,
        16: 0.03667657175560537, 17: 0.03125000027939677, 18: 0.026590097710414786,
        19: 0.023014428707882416, 20: 0.020766669205249826, 21: 0.042500000260770325,
        22: 0.04240375495138504, 23: 0.04211666580715702, 24: 0.041643645002940155,
    }),
]

_RTOL = {"float32": 1e-6, "float64": 1e-13}


def _build(name, args, kwargs, dtype="float32"):
    if dtype == "float64":
        args = [tf.constant(args[0], tf.float64), *args[1:]]
    return getattr(S, name)(*args, **kwargs)


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_recorded_values_and_config(key):
    spec = SCHEDULES[key]
    schedule = _build(spec["schedule"], spec["args"], spec["kwargs"])
    results = [schedule(step) for step in range(7)]
    assert all(isinstance(r, tf.Tensor) and r.dtype.name == spec["dtype"] for r in results)
    # The recorded float32 values are reproduced bit for bit.
    assert [float(r) for r in results] == spec["values"]
    # Same dictionary, keys in the same order.
    assert list(schedule.get_config().items()) == list(spec["get_config"].items())


@pytest.mark.parametrize("name, args, kwargs, dtype, expected", TF_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(TF_CASES)])
def test_against_tensorflow(name, args, kwargs, dtype, expected):
    schedule = _build(name, args, kwargs, dtype)
    for step, value in expected.items():
        result = schedule(step)
        assert result.dtype.name == dtype, step
        np.testing.assert_allclose(result.numpy(), value, rtol=_RTOL.get(dtype, 0), atol=0,
                                   err_msg=f"step {step}")


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_from_config_round_trip(key):
    spec = SCHEDULES[key]
    schedule = _build(spec["schedule"], spec["args"], spec["kwargs"])
    again = type(schedule).from_config(schedule.get_config())
    assert type(again) is type(schedule)
    assert list(again.get_config().items()) == list(schedule.get_config().items())
    assert [float(again(step)) for step in range(7)] == spec["values"]


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_serialize_deserialize(key):
    spec = SCHEDULES[key]
    schedule = _build(spec["schedule"], spec["args"], spec["kwargs"])
    data = S.serialize(schedule)
    assert list(data) == ["module", "class_name", "config", "registered_name"]
    assert data == {"module": "keras.optimizers.schedules", "class_name": spec["schedule"],
                    "config": spec["get_config"], "registered_name": None}
    again = S.deserialize(data)
    assert type(again) is type(schedule)
    assert [float(again(step)) for step in range(7)] == spec["values"]


def test_serialize_forms_as_tensorflow():
    schedule = S.ExponentialDecay(0.1, 2, 0.5)
    config = {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": False,
              "name": None}
    legacy = {"class_name": "ExponentialDecay", "config": config}
    assert S.serialize(schedule, use_legacy_format=True) == legacy
    # The legacy form (no module) and a partial config are accepted; defaults fill the rest.
    assert S.deserialize({"class_name": "ExponentialDecay", "config": config}).get_config() == config
    cosine = S.deserialize({"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
                            "config": {"initial_learning_rate": 0.1, "decay_steps": 3},
                            "registered_name": None})
    assert cosine.get_config() == {"initial_learning_rate": 0.1, "decay_steps": 3, "alpha": 0.0, "name": None,
                                   "warmup_target": None, "warmup_steps": 0}
    # What TF passes through unchanged: None, numbers, lists; an unknown class name comes back as the name.
    assert S.serialize(None) is None and S.deserialize(None) is None
    assert S.serialize(3) == 3 and S.deserialize([1, 2]) == [1, 2]
    assert S.deserialize({"class_name": "Nope", "config": {}}) == "Nope"
    assert S.deserialize("Nope") == "Nope"
    # A float64 tensor in the config is written as TF writes it.
    data = S.serialize(S.ExponentialDecay(tf.constant(0.25, tf.float64), 2, 0.5))
    assert data["config"]["initial_learning_rate"] == {"class_name": "__tensor__",
                                                       "config": {"value": 0.25, "dtype": "float64"}}


class _Halving(S.ExponentialDecay):
    """A user's subclass, serialized under its own module and name."""

    def __init__(self, initial_learning_rate, name=None):
        super().__init__(initial_learning_rate, 1, 0.5, name=name)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "name": self.name}


def test_custom_schedule_serialization():
    data = S.serialize(_Halving(0.5))
    assert data == {"module": __name__, "class_name": "_Halving",
                    "config": {"initial_learning_rate": 0.5, "name": None}, "registered_name": "_Halving"}
    again = S.deserialize(data, custom_objects={"_Halving": _Halving})
    assert type(again) is _Halving and float(again(2)) == 0.125
    with pytest.raises(TypeError, match=r"Cannot deserialize object of type `_Halving`"):
        S.deserialize(data)


@pytest.mark.parametrize("config, message", [
    ({"class_name": "ExponentialDecay"}, "missing 3 required positional arguments"),
    ("ExponentialDecay", "missing 3 required positional arguments"),
    ({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1}}, "missing 2 required"),
    ({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 2,
                                                   "decay_rate": 0.5, "bogus": 1}}, "unexpected keyword"),
])
def test_deserialize_bad_config(config, message):
    with pytest.raises(TypeError, match=message):
        S.deserialize(config)


def test_piecewise_argument_errors():
    with pytest.raises(ValueError) as info:
        S.PiecewiseConstantDecay([2, 4], [1, 2])
    assert str(info.value) == ("The length of boundaries should be 1 less than the length of values. "
                               "Received: boundaries=[2, 4] of length 2, and values=[1, 2] of length 2.")
    with pytest.raises(ValueError, match=r"boundaries=\(2, 4\) of length 2, and values=\(1, 2\) of length 2"):
        S.PiecewiseConstantDecay((2, 4), (1, 2))
    with pytest.raises(TypeError, match="has no len"):
        S.PiecewiseConstantDecay(2, [1])
    # Values of different dtypes cannot make one tensor (TF's compiled path rejects them too).
    with pytest.raises(TypeError, match="one dtype"):
        S.PiecewiseConstantDecay([2], [1, 2.0])(0)


def test_piecewise_dtypes_follow_values_and_step():
    ints = S.PiecewiseConstantDecay([2, 4], [1, 2, 3])
    assert [int(ints(s)) for s in (0, 2, 3, 4, 5)] == [1, 1, 2, 2, 3]
    assert ints(3).dtype == tf.int32
    assert ints(2.5).dtype == tf.int32 and int(ints(2.5)) == 2  # float step: boundaries cast to float32
    wide = S.PiecewiseConstantDecay([2], [np.float64(1.0), np.float64(2.0)])
    assert wide(3).dtype == tf.float64 and float(wide(3)) == 2.0
    # Float boundaries are cast to an integer step's dtype (truncated), as TF does: 2.5 -> 2.
    floats = S.PiecewiseConstantDecay([2.5, 4.5], [1.0, 2.0, 3.0])
    assert [float(floats(s)) for s in (2, 3, 4, 5)] == [1.0, 2.0, 2.0, 3.0]
    assert float(floats(2.7)) == 2.0 and float(floats(tf.Variable(3, dtype=tf.int64))) == 2.0


def test_base_class_requires_call_and_config():
    class Half(S.LearningRateSchedule):
        pass

    schedule = Half()
    with pytest.raises(NotImplementedError, match=r"'Half' must override `__call__\(self, step\)`"):
        schedule(1)
    with pytest.raises(NotImplementedError, match=r"'Half' must override `get_config\(\)`"):
        schedule.get_config()


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_int64_variable_step(key):
    spec = SCHEDULES[key]
    schedule = _build(spec["schedule"], spec["args"], spec["kwargs"])
    step = tf.Variable(0, dtype=tf.int64)  # like an optimizer's `iterations`
    seen = []
    for _ in range(7):
        result = schedule(step)
        assert isinstance(result, tf.Tensor) and result.dtype.name == spec["dtype"]
        seen.append(float(result))
        step.assign_add(1)
    assert seen == spec["values"]


def test_step_kinds_and_dtypes():
    schedule = S.ExponentialDecay(0.1, 2, 0.5)
    expected = 0.0353553406894207  # TF: schedule(3)
    for step in (3, 3.0, np.int64(3), tf.constant(3.0, tf.float64), tf.constant(3, tf.int64)):
        result = schedule(step)
        assert result.dtype == tf.float32 and float(result) == expected
    # A vector of steps gives a vector of rates (TF: [0.07071068, 0.05]).
    np.testing.assert_array_equal(schedule([1, 2]).numpy(), np.array([0.07071068, 0.05], np.float32))
    # The dtype of a float64 initial rate, tensor or NumPy value, is kept (TF: 0.03535533905932738).
    for rate in (tf.constant(0.1, tf.float64), np.float64(0.1)):
        result = S.ExponentialDecay(rate, 2, 0.5)(3)
        assert result.dtype == tf.float64 and float(result) == 0.03535533905932738


def test_edge_values_as_tensorflow():
    # TF: decay_steps=0 gives nan at step 0 (0/0) and 0 after; warmup_steps=0 with a target skips warmup.
    zero = S.ExponentialDecay(0.1, 0, 0.5)
    assert np.isnan(float(zero(0))) and float(zero(1)) == 0.0
    no_warmup = S.CosineDecay(0.1, 4, warmup_target=0.2, warmup_steps=0)
    assert float(no_warmup(0)) == pytest.approx(0.2, rel=1e-7)
    assert float(no_warmup(1)) == pytest.approx(0.17071068, rel=1e-7)
