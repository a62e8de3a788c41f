"""Fused optimizer updates: one op per variable and step computes the variable's and its slots' new
values, for every Keras optimizer's dense rule.

Written op by op, an update allocates a dozen temporaries the size of the variable and pays a
dispatch for each; these kernels do the same arithmetic, in the same order and on the same
values (Python hyperparameters enter in the variable's dtype, as the ops would convert them, and
those Keras casts come rounded to float32), so the results are bit-identical to the op-by-op rules.
The slots are the optimizer's own (`OwnedVariable`s, which no tensor shares), so they are updated in
place; the variable's new value and the scratch arrays come from the buffer pool (`core.buffers`),
so a training step touches the same memory every time, as hand-written NumPy does. Keras's
decoupled weight decay, `var - var * decay * rate`, is applied first when the op is given
`decay=True` and the two factors as its last inputs.

Each is an op like any other, so it runs eagerly and in compiled functions (its `infer` gives the
results' shapes: tracing must not run a kernel on the real slots); it has no gradient (optimizer
updates are not differentiated, in TensorFlow either). The scalars every variable of a dtype
shares in a step (Adam's bias-corrected step size) are computed once, with ops, by the optimizer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tapeflow.core.buffers import like
from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue

__all__ = ["apply_update", "ADADELTA", "ADAGRAD", "ADAM", "ADAMAX", "FTRL", "GRADIENT_DESCENT", "LION",
           "MOMENTUM", "NADAM", "RMSPROP"]


def _into(x: Any) -> np.ndarray | None:
    """`x` as the `out=` of an operation overwriting it: an array is written in place; a NumPy scalar
    (immutable) gives None, and the operation's result replaces it."""
    return x if type(x) is np.ndarray and x.ndim else None


def _sqrt(x: Any) -> Any:
    return np.sqrt(x, out=_into(x))


def _gradient_descent(var, g, lr):
    step = np.multiply(g, lr, out=like(g))
    return (np.subtract(var, step, out=_into(step)),)


def _momentum(var, g, m, lr, *, momentum, nesterov):
    """SGD with momentum: m = m * momentum - g * lr; var += m (Nesterov: var += m * momentum - g * lr)."""
    momentum = var.dtype.type(momentum)
    step = np.multiply(g, lr, out=like(g))
    m *= momentum
    m -= step
    if nesterov:
        ahead = np.multiply(m, momentum, out=like(m))
        ahead -= step
        return np.add(var, ahead, out=_into(ahead)), m
    return np.add(var, m, out=_into(step)), m


def _adagrad(var, g, accumulator, lr, *, epsilon):
    """accumulator += g * g; var -= lr * g / sqrt(accumulator + epsilon)."""
    scratch = np.multiply(g, g, out=like(g))
    accumulator += scratch
    scratch = _sqrt(np.add(accumulator, var.dtype.type(epsilon), out=_into(scratch)))
    step = np.multiply(g, lr, out=like(g))
    step /= scratch
    return np.subtract(var, step, out=_into(step)), accumulator


def _rmsprop(var, g, velocity, *rest, rho, momentum, epsilon, centered):
    """velocity = rho * velocity + (1 - rho) * g^2 (centered: the same average of g, whose square is
    subtracted); increment = lr * g * rsqrt(velocity [- average^2] + epsilon); var -= increment, or with
    momentum: m = momentum * m + increment; var -= m. `rest`: [m], [average], lr."""
    dtype = var.dtype.type
    slots, lr = list(rest[:-1]), rest[-1]
    rho, keep = dtype(rho), dtype(1 - rho)
    velocity *= rho
    scratch = np.square(g, out=like(g))
    scratch *= keep
    velocity += scratch
    if centered:
        average = slots[-1]
        average *= rho
        scratch = np.multiply(g, keep, out=_into(scratch))
        average += scratch
        slots[-1] = average
        scratch = np.square(average, out=_into(scratch))
        scratch = np.subtract(velocity, scratch, out=_into(scratch))
        scratch += dtype(epsilon)
    else:
        scratch = np.add(velocity, dtype(epsilon), out=_into(scratch))
    if type(scratch) is np.ndarray and scratch.ndim:  # the Rsqrt kernel, 1 / sqrt(x), in place
        np.divide(1, np.sqrt(scratch, out=scratch), out=scratch)
    else:
        scratch = 1 / np.sqrt(scratch)
    increment = np.multiply(g, lr, out=like(g))
    increment *= scratch
    if not momentum:
        return np.subtract(var, increment, out=_into(increment)), velocity, *slots
    m = slots[0]
    m *= dtype(momentum)
    m += increment
    return np.subtract(var, m, out=_into(increment)), velocity, m, *slots[1:]


def _adadelta(var, g, grad_average, delta_average, lr, *, rho, epsilon):
    """grad_average = rho * ga + (1 - rho) * g * g; delta = -sqrt(da + eps) / sqrt(ga + eps) * g;
    delta_average = rho * da + (1 - rho) * delta * delta; var += lr * delta."""
    dtype = var.dtype.type
    rho, keep, epsilon = dtype(rho), dtype(1 - rho), dtype(epsilon)
    grad_average *= rho
    scratch = np.multiply(g, keep, out=like(g))
    scratch *= g
    grad_average += scratch
    delta = _sqrt(np.add(delta_average, epsilon, out=like(delta_average)))
    delta = np.negative(delta, out=_into(delta))
    delta /= _sqrt(np.add(grad_average, epsilon, out=_into(scratch)))
    delta *= g
    delta_average *= rho
    scratch = np.multiply(delta, keep, out=_into(scratch))
    scratch *= delta
    delta_average += scratch
    scratch = np.multiply(delta, lr, out=_into(scratch))
    return np.add(var, scratch, out=_into(scratch)), grad_average, delta_average


def _adam(var, g, m, v, *rest, one_minus_beta_1, one_minus_beta_2, epsilon):
    """m += (g - m) * (1 - beta_1); v += (g^2 - v) * (1 - beta_2) (amsgrad: vhat = max(vhat, v));
    var -= m * alpha / (sqrt(v or vhat) + epsilon), alpha the bias-corrected step size."""
    *vhat, alpha = rest
    scratch = like(g)
    if scratch is None:
        scratch = np.empty(g.shape, g.dtype)
    np.subtract(g, m, out=scratch)
    scratch *= one_minus_beta_1
    m += scratch
    np.square(g, out=scratch)
    scratch -= v
    scratch *= one_minus_beta_2
    v += scratch
    if vhat:
        vhat = [np.maximum(vhat[0], v, out=vhat[0] if isinstance(vhat[0], np.ndarray) else None)]
    np.sqrt(vhat[0] if vhat else v, out=scratch)
    scratch += epsilon
    step = np.multiply(m, alpha, out=like(m))
    step /= scratch
    return np.subtract(var, step, out=_into(step)), m, v, *vhat


def _adamax(var, g, m, u, lr, correction, *, beta_1, beta_2, epsilon):
    """m += (g - m) * (1 - beta_1); u = max(beta_2 * u, |g|); var -= lr * m / (correction * (u + eps)),
    correction = 1 - beta_1^t."""
    dtype = var.dtype.type
    scratch = np.subtract(g, m, out=like(g))
    scratch *= dtype(1 - beta_1)
    m += scratch
    u *= dtype(beta_2)
    scratch = np.abs(g, out=_into(scratch))
    u = np.maximum(u, scratch, out=_into(u))
    scratch = np.add(u, dtype(epsilon), out=_into(scratch))
    scratch *= correction
    step = np.multiply(m, lr, out=like(m))
    step /= scratch
    return np.subtract(var, step, out=_into(step)), m, u


def _nadam(var, g, m, v, lr, keep_1, keep_2, u_next, denominator_1, u_rest, denominator_2, correction_2,
           *, epsilon):
    """m += (g - m) * (1 - beta_1); v += (g^2 - v) * (1 - beta_2);
    m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product);
    var -= m_hat * lr / (sqrt(v / (1 - beta_2^t)) + epsilon). The step's scalars are inputs."""
    scratch = np.subtract(g, m, out=like(g))
    scratch *= keep_1
    m += scratch
    scratch = np.square(g, out=_into(scratch))
    scratch -= v
    scratch *= keep_2
    v += scratch
    step = np.multiply(m, u_next, out=like(m))
    step /= denominator_1
    scratch = np.multiply(g, u_rest, out=_into(scratch))
    scratch /= denominator_2
    step += scratch
    scratch = _sqrt(np.divide(v, correction_2, out=_into(scratch)))
    scratch += var.dtype.type(epsilon)
    step *= lr
    step /= scratch
    return np.subtract(var, step, out=_into(step)), m, v


def _ftrl(var, g, accumulator, linear, lr, l2, *, power, l1, shrinkage):
    """FTRL-proximal with shrinkage: Keras's update of the accumulator and the linear term, then the
    variable as the clipped linear term over the quadratic one. `l2` includes beta / (2 lr)."""
    dtype = var.dtype.type
    power = dtype(-power)
    shrunk = np.multiply(var, dtype(2 * shrinkage), out=like(var))
    shrunk = np.add(g, shrunk, out=_into(shrunk))
    new_accumulator = np.square(g, out=like(g))
    new_accumulator = np.add(accumulator, new_accumulator, out=_into(new_accumulator))
    scaled = np.power(new_accumulator, power, out=like(new_accumulator))
    old = np.power(accumulator, power, out=_into(accumulator))
    scaled = np.subtract(scaled, old, out=_into(scaled))
    scaled /= lr
    scaled *= var
    shrunk -= scaled
    linear += shrunk
    quadratic = np.power(new_accumulator, power, out=_into(scaled))
    quadratic /= lr
    quadratic += dtype(2) * l2
    clipped = np.minimum(linear, dtype(l1), out=_into(shrunk))
    clipped = np.maximum(clipped, dtype(-l1), out=_into(clipped))
    clipped -= linear
    clipped /= quadratic
    if type(accumulator) is np.ndarray and accumulator.ndim:  # (the slot keeps its array)
        accumulator[...] = new_accumulator
    else:
        accumulator = new_accumulator
    return clipped, accumulator, linear


def _lion(var, g, m, lr, *, beta_1, beta_2):
    """var -= lr * sign(m * beta_1 + g * (1 - beta_1)); m = m * beta_2 + g * (1 - beta_2)."""
    dtype = var.dtype.type
    step = np.multiply(m, dtype(beta_1), out=like(m))
    scratch = np.multiply(g, dtype(1 - beta_1), out=like(g))
    step += scratch
    step = np.sign(step, out=_into(step))
    step *= lr
    m *= dtype(beta_2)
    scratch = np.multiply(g, dtype(1 - beta_2), out=_into(scratch))
    m += scratch
    return np.subtract(var, step, out=_into(step)), m


def _decayed(var: Any, decay: Any, rate: Any) -> Any:
    """Keras's decoupled weight decay: var - var * decay * rate."""
    scratch = np.multiply(var, decay, out=like(var))
    scratch *= rate
    return np.subtract(var, scratch, out=_into(scratch))


def _fused(name: str, kernel: Callable) -> Op:
    """The op of an update `kernel(var, g, *slots, *scalars, **params)` returning (var, *slots); its
    params also say how many slots it updates (`slots`) and whether weight decay comes first."""

    def run(var, *inputs, slots: int, decay: bool, **params):
        if decay:
            *inputs, factor, rate = inputs
            var = _decayed(var, factor, rate)
        return kernel(var, *inputs, **params)

    def infer(var, g, *inputs, slots: int, decay: bool, **params) -> list[AbstractValue]:
        return [AbstractValue(x.shape, x.dtype) for x in (var, *inputs[:slots])]

    return Op(name, run, None, multiple_results=True, infer=infer)


GRADIENT_DESCENT = _fused("ApplyGradientDescent", _gradient_descent)
MOMENTUM = _fused("ApplyKerasMomentum", _momentum)
ADAGRAD = _fused("ApplyAdagradV2", _adagrad)
RMSPROP = _fused("ApplyRMSProp", _rmsprop)
ADADELTA = _fused("ApplyAdadelta", _adadelta)
ADAM = _fused("ApplyAdam", _adam)
ADAMAX = _fused("ApplyAdaMax", _adamax)
NADAM = _fused("ApplyNadam", _nadam)
FTRL = _fused("ApplyFtrlV2", _ftrl)
LION = _fused("ApplyLion", _lion)


def apply_update(op: Op, variable: Any, gradient: Any, slots: Sequence, scalars: Sequence = (),
                 decay: Sequence = (), **params: Any) -> None:
    """One step of `op` on `variable` and its `slots` (assigned their new values); `scalars` are the
    step's shared tensors in the variable's dtype, `decay` the weight decay's (factor, rate) or ()."""
    params["slots"], params["decay"] = len(slots), bool(decay)
    results = bind(op, (variable, gradient, *slots, *scalars, *decay), params)
    for target, value in zip((variable, *slots), results):
        if value._value is not target._value:  # (a slot updated in place needs no assignment)
            target.assign(value)
