"""Random small programs of tapeflow/TensorFlow source text: mixes of dtypes, Python numbers and empty
shapes meeting elementwise ops, reductions and shape ops (run against TensorFlow by
test_random_programs_against_tensorflow.py, and jitted against the Python code by test_jit.py)."""

import os

import numpy as np

DTYPES = ["int32", "int64", "float32", "float64", "bool"]
SHAPES = [(), (3,), (2, 3), (0,), (2, 0), (1, 3)]
PYTHON = ["2", "-3", "0.5", "True", "2**40", "1e10"]
BINARY = ["tf.add({a}, {b})", "{a} + {b}", "{b} + {a}", "{a} * {b}", "{b} * {a}", "{a} - {b}", "{a} / {b}",
          "{a} // {b}", "{a} % {b}", "tf.maximum({a}, {b})", "tf.minimum({a}, {b})", "tf.math.pow({a}, {b})",
          "{a} < {b}", "{a} == {b}", "tf.logical_and({a}, {b})", "tf.where({a} > 0, {a}, {b})",
          "tf.math.squared_difference({a}, {b})", "tf.concat([{a}, {b}], 0)", "tf.stack([{a}, {b}])",
          "tf.clip_by_value({a}, {b}, 2)", "tf.multiply({b}, {a})", "{a} & {b}", "{a} ** {b}"]
UNARY = ["tf.reduce_sum({a})", "tf.reduce_mean({a}, axis=-1)", "tf.reduce_max({a}, axis=0)",
         "tf.abs({a})", "tf.negative({a})", "tf.square({a})", "tf.sqrt({a})", "tf.exp({a})",
         "tf.reshape({a}, [-1])", "tf.transpose({a})", "tf.expand_dims({a}, 0)", "tf.cast({a}, tf.float32)",
         "tf.sign({a})", "tf.nn.relu({a})", "tf.argmax({a})", "tf.cumsum({a})", "tf.math.reduce_all({a})",
         "tf.nn.softmax({a})", "tf.reduce_prod({a}, axis=-1)", "tf.math.reduce_std({a})", "tf.tile({a}, [2])",
         "tf.one_hot({a}, 3)", "tf.gather({a}, [0])", "tf.math.log1p({a})", "tf.round({a})", "-{a}",
         "tf.math.count_nonzero({a})", "tf.reverse({a}, [0])", "tf.squeeze({a})", "tf.size({a})"]


def operand(rng: np.random.Generator, name: str) -> tuple[str, dict]:
    """Source text for a tensor (with its NumPy value in the scope) or a Python number."""
    if rng.uniform() < 0.3:
        return str(rng.choice(PYTHON)), {}
    dtype, shape = str(rng.choice(DTYPES)), SHAPES[rng.integers(len(SHAPES))]
    value = rng.integers(-3, 4, size=shape) if dtype != "bool" else rng.integers(0, 2, size=shape)
    return f"tf.constant({name}, tf.{dtype})", {name: np.asarray(value).astype(dtype)}


def programs(count: int = 400) -> list[tuple[str, dict]]:
    rng = np.random.default_rng(int(os.environ.get("PROGRAM_SEED", 2021)))
    made = []
    for _ in range(count):
        a, scope = operand(rng, "A")
        while not scope:  # the first operand a tensor (the second may be a Python number)
            a, scope = operand(rng, "A")
        if rng.uniform() < 0.5:
            b, scope_b = operand(rng, "B")
            source = str(rng.choice(BINARY)).format(a=a, b=b)
            scope = {**scope, **scope_b}
        else:
            source = str(rng.choice(UNARY)).format(a=a)
        made.append((source, scope))
    return made
