"""The Keras optimizer: what every optimizer does around its own update rule.

`apply_gradients` is the whole protocol: drop `None` gradients (with Keras's warning), make sparse
gradients unique by row, build the slots the first time, clip, apply decoupled weight decay, run
each variable's `update_step`, apply constraints, count the step, and keep the moving averages.
An optimizer subclass only declares its slots (`build`) and its rule (`update_step`), written with
tapeflow ops on variables (`assign_sub` and friends), so the same code runs eagerly and, later,
inside a compiled function, and can itself be differentiated.

Hyperparameters follow tf_keras 2.21 to the float32 rounding: the learning rate is a float32
variable cast to each variable's dtype, and a hyperparameter passed through `cast` is rounded to
float32 first, exactly where Keras's rules do so.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from tapeflow.autodiff import explain
from tapeflow.autodiff.tape import GradientTape
from tapeflow.control_flow.cond import cond
from tapeflow.core import dtypes, errors
from tapeflow.core.tensor import Tensor, TensorLike
from tapeflow.distribute.strategy import get_strategy
from tapeflow.keras.optimizers import schedules
from tapeflow.ops.clip_ops import clip_by_global_norm, clip_by_norm
from tapeflow.ops.declare import tensor
from tapeflow.ops.gather_ops import to_dense, unsorted_segment_sum
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import cast, clip_by_value, equal, floormod
from tapeflow.ops.variables import OwnedVariable, Variable
from tapeflow.tracking import deferred

_LEGACY_KWARGS = ("decay", "gradient_aggregator", "gradient_transformers")


class CallableList(list):
    """A list that can also be called (Keras 2 code calls `optimizer.variables()`)."""

    def __call__(self) -> CallableList:
        return self


class Optimizer:
    """Base class of the Keras optimizers (tf.keras.optimizers.Optimizer)."""

    _config: tuple = ()  # a subclass's hyperparameters, as get_config lists them after the common ones
    # A subclass's slots as tf-keras 2.21 keeps them in a checkpoint: (slot name, list attribute name).
    _slot_attributes: tuple = ()
    _fused_decay = False  # whether `update_step` applies the weight decay itself (`_decay_inputs`)

    def __init__(
        self,
        name: str,
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        jit_compile: bool = True,
        gradient_accumulation_steps: int | None = None,
        learning_rate: Any = 0.001,
        **kwargs,
    ):
        self._check_kwargs(kwargs)
        given = {
            k: v
            for k, v in (
                ("clipnorm", clipnorm),
                ("clipvalue", clipvalue),
                ("global_clipnorm", global_clipnorm),
            )
            if v is not None
        }
        if len(given) > 1:
            raise ValueError(
                "At most one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: {', '.join(f'{k}={v}' for k, v in given.items())}."
            )
        if use_ema and not 0 <= ema_momentum <= 1:
            raise ValueError(
                f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}"
            )
        if gradient_accumulation_steps is not None and (
            int(gradient_accumulation_steps) != gradient_accumulation_steps or gradient_accumulation_steps < 1
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 1. Received: "
                f"gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema, self.ema_momentum = use_ema, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.jit_compile = jit_compile
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._iterations = Variable(0, name="iteration", dtype=dtypes.int64, trainable=False)
        self._variables = CallableList([self._iterations])
        self._slots: dict[int, dict[str, Variable]] = {}  # id(variable) -> slot name -> slot
        self._step_values: dict | None = None  # what the variables' updates share in this step
        self._built = False
        self._excluded_ids: set[int] = set()
        self._excluded_names: tuple = ()
        self._learning_rate = self._build_learning_rate(learning_rate)

    def _check_kwargs(self, kwargs: dict) -> None:
        if "lr" in kwargs:
            kwargs.pop("lr")
            warnings.warn(
                f"`lr` is deprecated in Keras optimizer, please use `learning_rate` (the value given "
                f"as `lr` is ignored, as in TensorFlow): {type(self).__name__}(learning_rate=...).",
                stacklevel=3,
            )
        kwargs.pop("is_legacy_optimizer", None)
        for key in kwargs:
            if key in _LEGACY_KWARGS:
                raise ValueError(
                    f"{key} is deprecated in the new Keras optimizer, please check the docstring "
                    f"for valid arguments, or use the legacy optimizer, e.g., "
                    f"tf.keras.optimizers.legacy.{type(self).__name__}."
                )
            raise TypeError(
                f"{key} is not a valid argument, kwargs should be empty for `{type(self).__name__}`."
            )

    # ---- learning rate ---------------------------------------------------------------------------

    def _build_learning_rate(self, learning_rate: Any) -> Any:
        """A schedule stays a schedule (read through `current_learning_rate`); a Variable is used as it
        is; a number, or a callable returning one, becomes a float32 variable."""
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self._current_learning_rate = Variable(
                learning_rate(self._iterations),
                name="current_learning_rate",
                dtype=dtypes.float32,
                trainable=False,
            )
            return learning_rate
        if isinstance(learning_rate, Variable):
            return learning_rate
        if callable(learning_rate):
            learning_rate = learning_rate()
        if isinstance(learning_rate, str):
            raise TypeError(f"Cannot convert {learning_rate!r} to EagerTensor of dtype float")
        return Variable(learning_rate, name="learning_rate", dtype=dtypes.float32, trainable=False)

    @property
    def learning_rate(self) -> Variable:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._current_learning_rate
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable. If "
                "you need the learning rate to be settable, you should instantiate the optimizer "
                "with a float `learning_rate` argument."
            )
        if isinstance(value, schedules.LearningRateSchedule | Variable):
            self._learning_rate = self._build_learning_rate(value)
        else:
            self._learning_rate.assign(value() if callable(value) else value)

    def _learning_rate_now(self) -> Tensor:
        """The rate for the step about to be taken (a schedule is read at the current iteration)."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            rate = cast(self._learning_rate(self._iterations), dtypes.float32)
            self._current_learning_rate.assign(rate)
            return rate
        return self._learning_rate.value()

    # ---- state -------------------------------------------------------------------------------------

    @property
    def iterations(self) -> Variable:
        return self._iterations

    @iterations.setter
    def iterations(self, value: Any) -> None:
        self._iterations.assign(value)

    @property
    def variables(self) -> CallableList:
        """The optimizer's own variables: the step counter, then the slots in creation order."""
        return self._variables

    def build(self, var_list: Iterable) -> None:
        """Create the optimizer's state for `var_list` (once; later calls do nothing)."""
        self._build(list(var_list), prefix="")

    def _build(self, var_list: list, prefix: str) -> None:
        if self._built:
            return
        self._built = True
        self._slot_prefix = prefix
        for v in var_list:
            self._slots[id(v)] = {}
        if self.use_ema:
            self.add_slots(var_list, "average", copy=True)
        if self.gradient_accumulation_steps:
            self.add_slots(var_list, "gradient_accumulator")
        self.build_slots(var_list)
        deferred.attached(self)  # slots a restore was waiting for take their saved values

    def build_slots(self, var_list: list) -> None:
        """Subclasses create their slots here, with `add_slots`, in Keras's order."""

    def add_slots(self, var_list: list, *names: str, initial: float = 0.0, copy: bool = False,
                  owned: bool = False) -> None:
        """For each variable in turn, one slot per name (named like Keras's: `m/w`), filled with
        `initial` (in the variable's dtype) or a copy of the variable. `owned` slots are read by copy,
        so that a fused kernel may update them in place (`OwnedVariable`)."""
        for v in var_list:
            for slot in names:
                short = v.name.split(":")[0]
                value = (
                    np.array(v.numpy())
                    if copy
                    else np.full(np.shape(v.numpy()), initial, v.dtype.as_numpy_dtype)
                )
                made = (OwnedVariable if owned else Variable)(
                    value, name=f"{self._slot_prefix}{slot}/{short}", dtype=v.dtype, trainable=False
                )
                self._slots[id(v)][slot] = made
                self._variables.append(made)

    def _trackable_children(self) -> list:
        """The optimizer's children in a checkpoint, named and ordered as tf-keras 2.21 names them."""
        out = [("_variables", list(self._variables)), ("_iterations", self._iterations)]
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            out.append(("_current_learning_rate", self._current_learning_rate))
        else:
            out.append(("_learning_rate", self._learning_rate))
        if self._built:
            slot_lists = [("average", "_model_variables_moving_average")] if self.use_ema else []
            out.append(("_index_dict", {}))
            for slot, attribute in [*slot_lists, *self._slot_attributes]:
                out.append((attribute, [s[slot] for s in self._slots.values() if slot in s]))
        return out

    def get_slot(self, variable: Variable, name: str) -> Variable:
        return self._slots[id(variable)][name]

    def exclude_from_weight_decay(
        self, var_list: Iterable | None = None, var_names: Iterable | None = None
    ) -> None:
        """Exempt these variables (or any whose name contains one of `var_names`) from weight decay."""
        self._excluded_ids.update(id(v) for v in var_list or ())
        self._excluded_names = tuple(var_names or ())

    # ---- applying gradients ------------------------------------------------------------------------

    def apply_gradients(
        self,
        grads_and_vars: Iterable,
        name: str | None = None,
        skip_gradients_aggregation: bool = False,
        **kwargs,
    ) -> Variable:
        """Apply (gradient, variable) pairs: one optimizer step; returns `iterations`."""
        pairs = list(grads_and_vars)
        if not pairs:
            return self._iterations
        kept = [(g, v) for g, v in pairs if g is not None]
        for _, v in pairs:
            if not isinstance(v, Variable):
                raise TypeError(
                    f"apply_gradients updates tf.Variable objects, got {v!r} of type {type(v).__name__}."
                )
        if not kept:
            names = [v.name for _, v in pairs]
            raise ValueError(
                f"No gradients provided for any variable: ({names},). Provided `grads_and_vars` "
                f"is {tuple(pairs)}.{explain.reasons_for([v for _, v in pairs])}"
            )
        if len(kept) < len(pairs):
            missing = [v.name for g, v in pairs if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. If you're "
                f"using `model.compile()`, did you forget to provide a `loss` argument?"
                f"{explain.reasons_for([v for g, v in pairs if g is None])}",
                stacklevel=2,
            )
        self._build([v for _, v in pairs], prefix=f"{self.name}/")  # tf-keras builds slots for all
        variables = [v for _, v in kept]
        grads = [g for g, _ in kept]
        if not skip_gradients_aggregation and kwargs.get("experimental_aggregate_gradients", True):
            grads = get_strategy().aggregate_gradients(grads, variables)  # averaged over the workers
        grads = [self._checked(g, v) for g, v in zip(grads, variables)]
        if self.gradient_accumulation_steps:
            self._accumulate_and_maybe_apply(grads, variables)
        else:
            self._apply(grads, variables)
        self._iterations.assign_add(1)
        if self.use_ema:
            self._update_moving_averages(variables)
        return self._iterations

    def _apply(self, grads: list, variables: list) -> None:
        """One update of `variables`: clip, weight decay, each update rule, constraints. A fused
        rule applies the weight decay itself, in its kernel (`_decay_inputs`)."""
        grads = self._clip(grads)
        rate = self._learning_rate_now()
        if not self._fused_decay:
            self._apply_weight_decay(variables, rate)
        self.prepare_step(variables)
        self._step_values = {}
        try:
            for g, v in zip(grads, variables):
                self.update_step(g, v, self._shared(v.dtype, lambda v=v: cast(rate, v.dtype)))
                if v.constraint is not None:
                    v.assign(v.constraint(v))
        finally:
            self._step_values = None

    def _shared(self, key: Any, make: Callable[[], Any]) -> Any:
        """What every variable's update shares within this step (the rate or a step size in one
        dtype): made by `make` on first use in the step, then reused (outside `apply_gradients`, made
        every time)."""
        if self._step_values is None:
            return make()
        value = self._step_values.get(key)
        if value is None:
            value = self._step_values[key] = make()
        return value

    def _decay_inputs(self, variable: Variable, learning_rate: Tensor) -> tuple:
        """For a fused rule: the weight decay's (factor, rate) in the variable's dtype, or () if the
        variable is not decayed."""
        if not self._decays(variable):
            return ()
        dtype = variable.dtype
        return self._shared(("weight_decay", dtype), lambda: cast(self.weight_decay, dtype)), learning_rate

    def _decay_by_ops(self, variable: Variable, learning_rate: Tensor) -> None:
        """The weight decay of a fused optimizer's unfused path (sparse updates), op by op."""
        if self._decays(variable):
            variable.assign_sub(variable * cast(self.weight_decay, variable.dtype) * learning_rate)

    def _decays(self, variable: Variable) -> bool:
        return bool(self.weight_decay) and id(variable) not in self._excluded_ids and not any(
            n in variable.name for n in self._excluded_names)

    def prepare_step(self, variables: list) -> None:
        """State the rule shares across variables, advanced once per step (Nadam's momentum product)."""

    def _checked(self, g: Any, v: Variable) -> Any:
        """The gradient for `v`, verified against it; sparse gradients made unique by row."""
        if id(v) not in self._slots:
            raise KeyError(
                f"The optimizer cannot recognize variable {v.name}. This usually means you are trying "
                f"to call the optimizer to update different parts of the model separately. Please "
                f"call `optimizer.build(variables)` with the full list of trainable variables before "
                f"the training loop."
            )
        if type(g) is IndexedSlices:
            return _unique_rows(g)
        g = tensor(g)
        if g._value.shape != v._value.shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Gradient of shape {list(g._value.shape)} does not match the shape "
                f"{list(np.shape(v._value))} of variable '{v.name}'",
            )
        if g._value.dtype != v._value.dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Gradient of dtype {g.dtype.name} does not match the dtype {v.dtype.name} of "
                f"variable '{v.name}'",
            )
        return g

    def _accumulate_and_maybe_apply(self, grads: list, variables: list) -> None:
        """Gradient accumulation (Keras 3): sum gradients over `gradient_accumulation_steps` calls and
        apply their mean on the last one; `iterations` counts every call. The choice is a `tf.cond`,
        so it is made on every call of a compiled function too."""
        sums = []
        for g, v in zip(grads, variables):
            accumulator = self._slots[id(v)]["gradient_accumulator"]
            accumulator.assign_add(tensor(g) if type(g) is not IndexedSlices else _dense(g))
            sums.append(accumulator)
        steps = self.gradient_accumulation_steps

        def apply_mean() -> None:
            self._apply([s.value() / steps for s in sums], variables)
            for s in sums:
                s.assign(s * 0)

        cond(equal(floormod(self._iterations + 1, steps), 0), apply_mean, lambda: None)

    def _clip(self, grads: list) -> list:
        if self.clipnorm is not None:
            return [clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            return clip_by_global_norm(grads, self.global_clipnorm)[0]
        if self.clipvalue is not None:
            return [
                _map_values(g, lambda x: clip_by_value(x, -self.clipvalue, self.clipvalue)) for g in grads
            ]
        return grads

    def _apply_weight_decay(self, variables: list, rate: Tensor) -> None:
        """Decoupled weight decay, before the update: v -= v * weight_decay * learning_rate."""
        for v in variables:
            if self._decays(v):
                v.assign_sub(v * cast(self.weight_decay, v.dtype) * cast(rate, v.dtype))

    def _update_moving_averages(self, variables: list) -> None:
        for v in variables:
            average = self._slots[id(v)]["average"]
            average.assign(self.ema_momentum * average + (1 - self.ema_momentum) * v)
        frequency = self.ema_overwrite_frequency
        if frequency:
            cond(equal(floormod(self._iterations, frequency), 0),
                 lambda: self.finalize_variable_values(variables), lambda: None)

    def finalize_variable_values(self, var_list: Iterable) -> None:
        """Give each variable its moving average (with `use_ema`; otherwise nothing to do)."""
        if self.use_ema:
            for v in var_list:
                v.assign(self._slots[id(v)]["average"])

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Tensor) -> None:
        """The optimizer's rule for one variable; `learning_rate` is already in its dtype."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step")

    # ---- minimize ----------------------------------------------------------------------------------

    def compute_gradients(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> list:
        """(gradient, variable) pairs for `loss`: a zero-argument callable, or a tensor and its tape."""
        if not callable(loss) and tape is None:
            shown = loss.numpy() if isinstance(loss, TensorLike) else loss
            raise ValueError(
                f"`tape` is required when a `Tensor` loss is passed. Received: loss={shown}, tape={tape}."
            )
        if callable(loss):
            tape = GradientTape() if tape is None else tape
            with tape:
                if callable(var_list):
                    var_list = var_list()
                tape.watch(var_list)
                loss = loss()
        elif callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        return list(zip(tape.gradient(loss, var_list), var_list))

    def minimize(self, loss: Any, var_list: Any, tape: GradientTape | None = None) -> None:
        """One step on `loss`: its gradients for `var_list`, then `apply_gradients`. Under a strategy with
        several workers the gradients are averaged while the backward sweep computes them."""
        strategy = get_strategy()
        if strategy.num_replicas_in_sync == 1:
            self.apply_gradients(self.compute_gradients(loss, var_list, tape))
            return
        tape = strategy.reducing_tape(GradientTape() if tape is None else tape)
        self.apply_gradients(self.compute_gradients(loss, var_list, tape), skip_gradients_aggregation=True)

    # ---- configuration -----------------------------------------------------------------------------

    def get_config(self) -> dict:
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = schedules.serialize(rate)
        else:
            rate = np.float32(rate.numpy())
        return {
            "name": self.name,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "jit_compile": False,
            "is_legacy_optimizer": False,
            "learning_rate": rate,
            **{key: getattr(self, key) for key in self._config},
        }

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<tapeflow.keras.optimizers.{type(self).__name__} object at {id(self):#x}>"


def _unique_rows(g: IndexedSlices) -> Any:
    """Sparse gradient rows summed per index, so each row is updated once (as Keras does). While a
    function is traced the indices have no values: the dense gradient holds the same sums, and the
    sparse rules (SGD, Adagrad) leave its zero rows as a sparse update would."""
    if not isinstance(g.indices, Tensor):
        return to_dense(g)
    indices = np.asarray(g.indices._value)
    unique, positions = np.unique(indices, return_inverse=True)
    if unique.size == indices.size:
        return g
    values = unsorted_segment_sum(g.values, Tensor(positions.reshape(-1).astype(np.int32)), int(unique.size))
    return IndexedSlices(values, Tensor(unique.astype(indices.dtype)), g.dense_shape)


def _dense(g: IndexedSlices) -> Tensor:
    return to_dense(g)


def _map_values(g: Any, fn: Callable) -> Any:
    if type(g) is IndexedSlices:
        return IndexedSlices(fn(g.values), g.indices, g.dense_shape)
    return fn(g)
