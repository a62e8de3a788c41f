"""The optimizers, from simple to complex: each declares its slots and its update rule.

The rules are tf_keras 2.21's, to the float32 rounding (checked step by step against recorded
TensorFlow trajectories in tests/test_optimizers.py). `t` is the step being taken (iterations + 1).
Where Keras casts a hyperparameter (`cast(beta_1, dtype)`), the Python float is rounded to float32
first; where it uses the float directly, it enters the variable's dtype exactly. Sparse gradients
(`IndexedSlices`, one row each after `apply_gradients` made them unique) update only their rows
in SGD and Adagrad; the other rules decay every row anyway, so they take the dense gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tapeflow.core.state import ACTIVE, current
from tapeflow.keras.optimizers.base import Optimizer
from tapeflow.ops import training_ops
from tapeflow.ops.gather_ops import gather, to_dense
from tapeflow.ops.indexed_slices import IndexedSlices
from tapeflow.ops.math_ops import abs, cast, clip_by_value, maximum, pow, rsqrt, sign, sqrt, square
from tapeflow.ops.training_ops import apply_update
from tapeflow.ops.variables import Variable

__all__ = ["SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "Nadam", "Ftrl", "Lion"]


def _dense(g: Any):
    return to_dense(g) if type(g) is IndexedSlices else g


def _float32(value: float) -> float:
    """A hyperparameter Keras casts to the variable's dtype: rounded to float32 first."""
    return float(np.float32(value))


class _Fused(Optimizer):
    """An optimizer whose rule runs eagerly as one fused op per variable (`ops/training_ops.py`, weight
    decay included), and traced as its ops (`_update_by_ops`), which a compiled function can lower to
    native code. The two give the same bits (tests/test_optimizers.py checks it)."""

    _fused_decay = True

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        if ACTIVE and current().graphs:
            self._decay_by_ops(variable, learning_rate)
            self._update_by_ops(gradient, variable, learning_rate)
        else:
            self._update_fused(gradient, variable, learning_rate, self._decay_inputs(variable, learning_rate))

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        """The rule as one fused op, with the weight decay's inputs `decay` (or ())."""
        raise NotImplementedError

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        """The rule written with ops, after the weight decay."""
        raise NotImplementedError

    def _step(self, dtype: Any) -> Any:
        """The step being taken, t = iterations + 1, in `dtype` (once per step)."""
        return self._shared(("t", dtype), lambda: cast(self.iterations + 1, dtype))


class SGD(_Fused):
    """Gradient descent, with optional (Nesterov) momentum: m = momentum*m - lr*g; v += m."""

    _slot_attributes = (("m", "momentums"),)
    _config = ("momentum", "nesterov")

    def __init__(
        self,
        learning_rate: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str = "SGD",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be between [0, 1].")
        self.momentum, self.nesterov = momentum, nesterov

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "m", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        if not self.momentum:
            if type(gradient) is IndexedSlices:
                self._decay_by_ops(variable, learning_rate)
                self._update_by_ops(gradient, variable, learning_rate)
            else:
                apply_update(training_ops.GRADIENT_DESCENT, variable, gradient, (), (learning_rate,), decay)
            return
        apply_update(training_ops.MOMENTUM, variable, _dense(gradient), (self.get_slot(variable, "m"),),
                     (learning_rate,), decay, momentum=_float32(self.momentum), nesterov=bool(self.nesterov))

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        if not self.momentum:
            if type(gradient) is IndexedSlices:
                variable.scatter_sub(IndexedSlices(gradient.values * learning_rate, gradient.indices))
            else:
                variable.assign_sub(gradient * learning_rate)
            return
        gradient = _dense(gradient)
        momentum = cast(self.momentum, variable.dtype)
        m = self.get_slot(variable, "m")
        m.assign(m * momentum - gradient * learning_rate)
        if self.nesterov:
            variable.assign_add(m * momentum - gradient * learning_rate)
        else:
            variable.assign_add(m)


class Adagrad(_Fused):
    """Per-coordinate rates from the sum of squared gradients: v -= lr * g / sqrt(acc + eps)."""

    _slot_attributes = (("accumulator", "_accumulators"),)
    _config = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        name: str = "Adagrad",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "accumulator", initial=self.initial_accumulator_value, owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        if type(gradient) is IndexedSlices:
            self._decay_by_ops(variable, learning_rate)
            self._update_by_ops(gradient, variable, learning_rate)
            return
        apply_update(training_ops.ADAGRAD, variable, gradient, (self.get_slot(variable, "accumulator"),),
                     (learning_rate,), decay, epsilon=self.epsilon)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        accumulator = self.get_slot(variable, "accumulator")
        if type(gradient) is IndexedSlices:
            rows, values = gradient.indices, gradient.values
            accumulator.scatter_add(IndexedSlices(values * values, rows))
            step = learning_rate * values / sqrt(gather(accumulator, rows) + self.epsilon)
            variable.scatter_sub(IndexedSlices(step, rows))
            return
        accumulator.assign_add(gradient * gradient)
        variable.assign_sub(learning_rate * gradient / sqrt(accumulator + self.epsilon))


class RMSprop(_Fused):
    """Gradients scaled by a moving root mean square (centered: minus the mean's square)."""

    _slot_attributes = (("velocity", "_velocities"), ("momentum", "_momentums"),
                        ("average_gradient", "_average_gradients"))
    _config = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        name: str = "RMSprop",
        **kwargs,
    ):
        kwargs.setdefault("ema_overwrite_frequency", 100)
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "velocity", owned=True)
        if self.momentum > 0:
            self.add_slots(var_list, "momentum", owned=True)
        if self.centered:
            self.add_slots(var_list, "average_gradient", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        used = {"velocity": True, "momentum": self.momentum > 0, "average_gradient": self.centered}
        slots = [self.get_slot(variable, name) for name, kept in used.items() if kept]
        apply_update(training_ops.RMSPROP, variable, _dense(gradient), slots, (learning_rate,), decay,
                     rho=self.rho, momentum=self.momentum if self.momentum > 0 else 0.0, epsilon=self.epsilon,
                     centered=bool(self.centered))

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient, rho = _dense(gradient), self.rho
        velocity = self.get_slot(variable, "velocity")
        velocity.assign(rho * velocity + (1 - rho) * square(gradient))
        if self.centered:
            average = self.get_slot(variable, "average_gradient")
            average.assign(rho * average + (1 - rho) * gradient)
            denominator = velocity - square(average) + self.epsilon
        else:
            denominator = velocity + self.epsilon
        increment = learning_rate * gradient * rsqrt(denominator)
        if self.momentum > 0:
            momentum = self.get_slot(variable, "momentum")
            momentum.assign(self.momentum * momentum + increment)
            variable.assign_sub(momentum)
        else:
            variable.assign_sub(increment)


class Adadelta(_Fused):
    """Steps scaled by the ratio of running RMS of past steps to running RMS of gradients."""

    _slot_attributes = (("accumulated_grad", "_accumulated_grads"),
                        ("accumulated_delta_var", "_accumulated_delta_vars"))
    _config = ("rho", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        name: str = "Adadelta",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "accumulated_grad", "accumulated_delta_var", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        slots = [self.get_slot(variable, name) for name in ("accumulated_grad", "accumulated_delta_var")]
        apply_update(training_ops.ADADELTA, variable, _dense(gradient), slots, (learning_rate,), decay,
                     rho=self.rho, epsilon=self.epsilon)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient, rho, eps = _dense(gradient), self.rho, self.epsilon
        grad_average = self.get_slot(variable, "accumulated_grad")
        delta_average = self.get_slot(variable, "accumulated_delta_var")
        grad_average.assign(rho * grad_average + (1 - rho) * gradient * gradient)
        delta = -sqrt(delta_average + eps) / sqrt(grad_average + eps) * gradient
        delta_average.assign(rho * delta_average + (1 - rho) * delta * delta)
        variable.assign_add(learning_rate * delta)


class Adam(_Fused):
    """Adaptive moments: v -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps) (amsgrad: the
    running maximum of v). Epsilon is outside the square root and not bias-corrected, as Keras."""

    _slot_attributes = (("m", "_momentums"), ("v", "_velocities"))
    _config = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "Adam",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "m", "v", owned=True)  # updated in place by the fused kernel
        if self.amsgrad:
            self.add_slots(var_list, "vhat", owned=True)

    def _trackable_children(self) -> list:
        """With `amsgrad`, tf-keras keeps the maxima in `_velocity_hats`, after the other slot lists."""
        hats = [s["vhat"] for s in self._slots.values() if "vhat" in s]
        extra = [("_velocity_hats", hats)] if self.amsgrad and self._built else []
        return super()._trackable_children() + extra

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        self._update_fused(gradient, variable, learning_rate, ())  # (ApplyAdam in compiled code too)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        dtype = variable.dtype

        def step_size() -> Any:  # the learning rate with both bias corrections
            t = self._step(dtype)
            return learning_rate * sqrt(1 - pow(cast(self.beta_2, dtype), t)) / (
                1 - pow(cast(self.beta_1, dtype), t))

        slots = [self.get_slot(variable, n) for n in ("m", "v", "vhat")[:3 if self.amsgrad else 2]]
        alpha = self._shared(("alpha", dtype), step_size)
        apply_update(training_ops.ADAM, variable, _dense(gradient), slots, (alpha,), decay,
                     one_minus_beta_1=1 - self.beta_1, one_minus_beta_2=1 - self.beta_2, epsilon=self.epsilon)


class AdamW(Adam):
    """Adam with decoupled weight decay (required; 0.004 by default)."""

    def __init__(
        self,
        learning_rate: Any = 0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str = "AdamW",
        **kwargs,
    ):
        if weight_decay is None:
            raise ValueError("Missing value of `weight_decay` which is required and must be a float value.")
        super().__init__(
            learning_rate=learning_rate,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            amsgrad=amsgrad,
            name=name,
            weight_decay=weight_decay,
            **kwargs,
        )


class Adamax(_Fused):
    """Adam with the infinity norm: u = max(b2 * u, |g|); v -= lr * m / ((1 - b1^t) * (u + eps))."""

    _slot_attributes = (("m", "_m"), ("u", "_u"))
    _config = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str = "Adamax",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "m", "u", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        dtype = variable.dtype
        correction = self._shared(("correction", dtype),
                                  lambda: 1 - pow(cast(self.beta_1, dtype), self._step(dtype)))
        apply_update(training_ops.ADAMAX, variable, _dense(gradient),
                     (self.get_slot(variable, "m"), self.get_slot(variable, "u")),
                     (learning_rate, correction), decay, beta_1=self.beta_1, beta_2=self.beta_2,
                     epsilon=self.epsilon)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient, dtype = _dense(gradient), variable.dtype
        t = cast(self.iterations + 1, dtype)
        m, u = self.get_slot(variable, "m"), self.get_slot(variable, "u")
        m.assign_add((gradient - m) * (1 - self.beta_1))
        u.assign(maximum(self.beta_2 * u, abs(gradient)))
        correction = 1 - pow(cast(self.beta_1, dtype), t)
        variable.assign_sub(learning_rate * m / (correction * (u + self.epsilon)))


class Nadam(Adam):
    """Adam with Nesterov momentum, using Keras's momentum schedule u_t = b1 * (1 - 0.5 * 0.96^t)."""

    _config = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        name: str = "Nadam",
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, name=name, **kwargs
        )
        self._u_products: dict = {}  # per dtype of the variables: the running product u_1 ... u_t

    def _u(self, dtype: Any, step: Any) -> Any:
        """Keras's momentum schedule at `step`: beta_1 * (1 - 0.5 * 0.96^step)."""
        return cast(self.beta_1, dtype) * (1 - 0.5 * pow(cast(0.96, dtype), step))

    def build_slots(self, var_list: list) -> None:
        super().build_slots(var_list)
        for v in var_list:
            if v.dtype not in self._u_products:
                self._u_products[v.dtype] = Variable(cast(1.0, v.dtype), name=f"{self._slot_prefix}Variable",
                                                       trainable=False)  # as tf-keras names it

    def _trackable_children(self) -> list:
        """tf-keras's Nadam keeps one `_u_product`, after its slot lists."""
        products = list(self._u_products.values())
        return super()._trackable_children() + ([("_u_product", products[0])] if products else [])

    def prepare_step(self, variables: list) -> None:
        for dtype, product in self._u_products.items():
            product.assign(product * self._u(dtype, cast(self.iterations + 1, dtype)))

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        dtype = variable.dtype

        def scalars() -> tuple:
            """1 - beta_1, 1 - beta_2, u_next, 1 - u_product * u_next, 1 - u_t, 1 - u_product,
            1 - beta_2^t: the step's factors, in Keras's arithmetic."""
            t = self._step(dtype)
            beta_1, beta_2 = cast(self.beta_1, dtype), cast(self.beta_2, dtype)
            u_t, u_next, u_product = self._u(dtype, t), self._u(dtype, t + 1), self._u_products[dtype]
            return (1 - beta_1, 1 - beta_2, u_next, 1 - u_product * u_next, 1 - u_t, 1 - u_product,
                    1 - pow(beta_2, t))

        apply_update(training_ops.NADAM, variable, _dense(gradient),
                     (self.get_slot(variable, "m"), self.get_slot(variable, "v")),
                     (learning_rate, *self._shared(("nadam", dtype), scalars)), decay, epsilon=self.epsilon)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient, dtype = _dense(gradient), variable.dtype
        t = cast(self.iterations + 1, dtype)
        beta_1, beta_2 = cast(self.beta_1, dtype), cast(self.beta_2, dtype)
        u_t, u_next, u_product = self._u(dtype, t), self._u(dtype, t + 1), self._u_products[dtype]
        m, v = self.get_slot(variable, "m"), self.get_slot(variable, "v")
        m.assign_add((gradient - m) * (1 - beta_1))
        v.assign_add((square(gradient) - v) * (1 - beta_2))
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * gradient / (1 - u_product)
        v_hat = v / (1 - pow(beta_2, t))
        variable.assign_sub(m_hat * learning_rate / (sqrt(v_hat) + self.epsilon))


class Ftrl(_Fused):
    """Follow-the-regularized-leader, with L1, L2 and L2-shrinkage regularization."""

    _slot_attributes = (("accumulator", "_accumulators"), ("linear", "_linears"))
    _config = (
        "learning_rate_power",
        "initial_accumulator_value",
        "l1_regularization_strength",
        "l2_regularization_strength",
        "l2_shrinkage_regularization_strength",
        "beta",
    )

    def __init__(
        self,
        learning_rate: Any = 0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        name: str = "Ftrl",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        for label, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
        ):
            if value < 0:
                raise ValueError(f"`{label}` needs to be positive or zero. Received: {label}={value}.")
        if learning_rate_power > 0:
            raise ValueError(
                f"`learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build_slots(self, var_list: list) -> None:
        # Keras fills Ftrl's accumulator through a float32 constant (Adagrad's keeps the exact value).
        initial = float(np.float32(self.initial_accumulator_value))
        for v in var_list:
            self.add_slots([v], "accumulator", initial=initial, owned=True)
            self.add_slots([v], "linear", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        dtype = variable.dtype
        l2 = self._shared(("l2", dtype),
                          lambda: self.l2_regularization_strength + self.beta / (2.0 * learning_rate))
        apply_update(training_ops.FTRL, variable, _dense(gradient),
                     (self.get_slot(variable, "accumulator"), self.get_slot(variable, "linear")),
                     (learning_rate, l2), decay, power=self.learning_rate_power,
                     l1=self.l1_regularization_strength, shrinkage=self.l2_shrinkage_regularization_strength)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient = _dense(gradient)
        power, l1 = self.learning_rate_power, self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        accumulator, linear = self.get_slot(variable, "accumulator"), self.get_slot(variable, "linear")
        shrunk = gradient + 2 * self.l2_shrinkage_regularization_strength * variable
        new_accumulator = accumulator + square(gradient)
        linear.assign_add(
            shrunk - (pow(new_accumulator, -power) - pow(accumulator, -power)) / learning_rate * variable
        )
        quadratic = pow(new_accumulator, -power) / learning_rate + 2 * l2
        variable.assign((clip_by_value(linear, -l1, l1) - linear) / quadratic)
        accumulator.assign(new_accumulator)


class Lion(_Fused):
    """Sign of an interpolated momentum: v -= lr * sign(b1 * m + (1 - b1) * g); m = b2 * m + (1 - b2) * g."""

    _slot_attributes = (("m", "momentums"),)
    _config = ("beta_1", "beta_2")

    def __init__(
        self,
        learning_rate: Any = 0.0001,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        name: str = "Lion",
        **kwargs,
    ):
        super().__init__(name=name, learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                f"`beta_1`={beta_1} must be between ]0, 1]. Otherwise, the optimizer degenerates to SignSGD."
            )
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build_slots(self, var_list: list) -> None:
        self.add_slots(var_list, "m", owned=True)

    def _update_fused(self, gradient: Any, variable: Variable, learning_rate: Any, decay: tuple) -> None:
        apply_update(training_ops.LION, variable, _dense(gradient), (self.get_slot(variable, "m"),),
                     (learning_rate,), decay, beta_1=self.beta_1, beta_2=self.beta_2)

    def _update_by_ops(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        gradient, m = _dense(gradient), self.get_slot(variable, "m")
        variable.assign_sub(learning_rate * sign(m * self.beta_1 + gradient * (1 - self.beta_1)))
        m.assign(m * self.beta_2 + gradient * (1 - self.beta_2))
