"""`tf.keras.optimizers.schedules`: learning rates that change with the optimizer's step.

A schedule is a small configurable object: calling it with a step (a Python number, a tensor, or
the optimizer's int64 `iterations` variable) returns the learning rate for that step as a tensor.
The rate is computed with tapeflow ops, never with Python arithmetic on the step, so the same
schedule works on variables and inside compiled functions, where the step is not known in advance.

Everything is computed in the dtype of `initial_learning_rate` as converted by TensorFlow's rules
(float32 for a Python float, float64 for a float64 tensor or NumPy value); the other constructor
arguments are cast to it. The order of operations follows tf_keras exactly, so results agree with
TensorFlow to the last float32 bit. `get_config` returns the constructor arguments as given, and
`serialize`/`deserialize` turn a schedule into Keras's dictionary form and back.
"""

from __future__ import annotations

import math
from typing import Any

from tapeflow.core import dtypes, nest
from tapeflow.core.convert import convert_to_tensor
from tapeflow.core.tensor import Tensor
from tapeflow.ops.math_ops import cast, ceil, cos, equal, floor, log, minimum, pow, where

__all__ = [
    "LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
    "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize",
]

_MODULE = "keras.optimizers.schedules"


class LearningRateSchedule:
    """The base of all schedules: a subclass defines `__call__(step)` and `get_config()`."""

    def __call__(self, step: Any) -> Tensor:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`.")

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` in order to "
            f"be serializable.")

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        """A schedule built from `get_config()`'s dictionary (its keys are the constructor's)."""
        return cls(**config)


def _start(initial_learning_rate: Any, step: Any) -> tuple[Tensor, dtypes.DType, Tensor]:
    """The initial rate as a tensor, the dtype every schedule computes in, and the step in it."""
    rate = convert_to_tensor(initial_learning_rate)
    return rate, rate.dtype, cast(step, rate.dtype)


def _progress(step: Tensor, dtype: dtypes.DType, decay_steps: Any, staircase: bool) -> Tensor:
    """How many decay periods `step` has completed, whole periods only with `staircase`."""
    p = step / cast(decay_steps, dtype)
    return floor(p) if staircase else p


def _one_plus_cos(fraction: Tensor, dtype: dtypes.DType) -> Tensor:
    """1 + cos(pi * fraction): falls from 2 to 0 as `fraction` goes from 0 to 1."""
    return 1.0 + cos(convert_to_tensor(math.pi, dtype) * fraction)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; whole periods with `staircase`."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool = False,
                 name: str | None = None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        rate, dtype, step = _start(self.initial_learning_rate, step)
        p = _progress(step, dtype, self.decay_steps, self.staircase)
        return rate * pow(cast(self.decay_rate, dtype), p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to and including step `boundaries[0]`, `values[1]` up to `boundaries[1]`, ...,
    `values[-1]` after the last boundary. The result keeps the values' dtype (ints stay int32)."""

    def __init__(self, boundaries: Any, values: Any, name: str | None = None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"The length of boundaries should be 1 less than the length of values. Received: "
                f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                f"{len(values)}.")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        step = convert_to_tensor(step)
        values = [convert_to_tensor(v) for v in nest.flatten(self.values)]
        if len({v.dtype for v in values}) > 1:
            raise TypeError(f"PiecewiseConstantDecay values must all have one dtype, got "
                            f"{[v.dtype.name for v in values]} for values={self.values}.")
        # Boundaries are compared in the step's dtype (float boundaries truncate for an integer step).
        result = values[0]
        for boundary, value in zip(nest.flatten(self.boundaries), values[1:]):
            result = where(step > cast(boundary, step.dtype), value, result)
        return result

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` along `(1 - step / decay_steps) ** power`;
    with `cycle` the decay restarts, over a multiple of `decay_steps`, each time it ends."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, end_learning_rate: Any = 0.0001,
                 power: Any = 1.0, cycle: bool = False, name: str | None = None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        rate, dtype, step = _start(self.initial_learning_rate, step)
        end = cast(self.end_learning_rate, dtype)
        decay_steps = cast(self.decay_steps, dtype)
        if self.cycle:
            # The period stretches to the first multiple of decay_steps not below the step (1 at step 0).
            decay_steps = decay_steps * where(equal(step, 0), 1.0, ceil(step / self.decay_steps))
        else:
            step = minimum(step, decay_steps)
        return (rate - end) * pow(1 - step / decay_steps, cast(self.power, dtype)) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`; whole periods with `staircase`."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: bool = False,
                 name: str | None = None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        rate, dtype, step = _start(self.initial_learning_rate, step)
        p = _progress(step, dtype, self.decay_steps, self.staircase)
        return rate / (cast(1, dtype) + cast(self.decay_rate, dtype) * p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Half a cosine from the rate down to `alpha` times it over `decay_steps`; with `warmup_target`,
    first a straight line from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    the cosine from `warmup_target`."""

    def __init__(self, initial_learning_rate: Any, decay_steps: Any, alpha: Any = 0.0,
                 name: str | None = None, warmup_target: Any = None, warmup_steps: Any = 0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decayed(self, rate: Tensor, step: Tensor, decay_steps: Tensor, dtype: dtypes.DType) -> Tensor:
        # alpha enters as given (TF does the same): 1 - alpha is Python arithmetic for a Python alpha.
        return rate * ((1 - self.alpha) * (0.5 * _one_plus_cos(step / decay_steps, dtype)) + self.alpha)

    def __call__(self, step: Any) -> Tensor:
        rate, dtype, step = _start(self.initial_learning_rate, step)
        decay_steps = cast(self.decay_steps, dtype)
        if self.warmup_target is None:
            return self._decayed(rate, minimum(step, decay_steps), decay_steps, dtype)
        target = cast(self.warmup_target, dtype)
        warmup_steps = cast(self.warmup_steps, dtype)
        step = minimum(step, decay_steps + warmup_steps)
        # Both branches are computed and one selected (no Python `if` on the step's value).
        warming = (target - rate) * (step / warmup_steps) + rate
        decaying = self._decayed(target, step - warmup_steps, decay_steps, dtype)
        return where(step < warmup_steps, warming, decaying)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay that restarts (SGDR): period i lasts `first_decay_steps * t_mul ** i` steps and
    starts from `initial_learning_rate * m_mul ** i`; the rate never falls below `alpha` times that."""

    def __init__(self, initial_learning_rate: Any, first_decay_steps: Any, t_mul: Any = 2.0, m_mul: Any = 1.0,
                 alpha: Any = 0.0, name: str | None = None):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step: Any) -> Tensor:
        rate, dtype, step = _start(self.initial_learning_rate, step)
        alpha = cast(self.alpha, dtype)
        t_mul = cast(self._t_mul, dtype)
        fraction = step / cast(self.first_decay_steps, dtype)  # in units of the first period
        # t_mul comes from the constructor, so which formula applies is known before any step.
        if bool(equal(t_mul, 1.0)):
            restart = floor(fraction)
            fraction = fraction - restart
        else:
            # Periods grow geometrically: restart i begins at (1 - t_mul**i) / (1 - t_mul) first periods.
            restart = floor(log(1.0 - fraction * (1.0 - t_mul)) / log(t_mul))
            begun = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            fraction = (fraction - begun) / t_mul ** restart
        decayed = 0.5 * cast(self._m_mul, dtype) ** restart * _one_plus_cos(fraction, dtype)
        return rate * ((1 - alpha) * decayed + alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul, "m_mul": self._m_mul,
                "alpha": self.alpha, "name": self.name}


_BUILT_IN = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, InverseTimeDecay,
    CosineDecay, CosineDecayRestarts)}


def _config_value(value: Any) -> Any:
    """A config entry in Keras's serialized form: tensors become `__tensor__` dictionaries."""
    if isinstance(value, Tensor):
        return {"class_name": "__tensor__",
                "config": {"value": value.numpy().tolist(), "dtype": value.dtype.name}}
    return value


def serialize(learning_rate_schedule: LearningRateSchedule, use_legacy_format: bool = False) -> Any:
    """Keras's dictionary for a schedule: its module, class name and config (anything without a
    `get_config`, such as `None` or a number, is returned unchanged)."""
    if not hasattr(learning_rate_schedule, "get_config"):
        return learning_rate_schedule
    cls = type(learning_rate_schedule)
    config = {key: _config_value(v) for key, v in learning_rate_schedule.get_config().items()}
    if use_legacy_format:
        return {"class_name": cls.__name__, "config": config}
    built_in = _BUILT_IN.get(cls.__name__) is cls
    return {"module": _MODULE if built_in else cls.__module__, "class_name": cls.__name__, "config": config,
            "registered_name": None if built_in else cls.__name__}


def deserialize(config: Any, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Any:
    """The schedule that `serialize` described, its class looked up in `custom_objects` first.

    A class name alone builds the class with no arguments. As in Keras, a name that is neither a
    schedule nor a custom object comes back as the name itself, and anything that is not a
    dictionary or a string comes back unchanged."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict):
        return config
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BUILT_IN.get(name)
    if cls is None:
        if config.get("registered_name") is not None:
            raise TypeError(f"Cannot deserialize object of type `{name}`. If `{name}` is a custom class, "
                            f"please register it using the `@keras.saving.register_keras_serializable()` "
                            f"decorator.")
        return name
    return cls.from_config(config.get("config", {}))
