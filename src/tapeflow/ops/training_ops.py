"""Fused optimizer updates: one op computes a variable's and its slots' new values.

Written op by op, Adam's update allocates a dozen temporaries the size of the variable; this kernel
does the same arithmetic, in the same order (so the results are bit-identical), writing into the
few arrays it returns. The moments are the optimizer's own slots (`OwnedVariable`s, which no tensor
shares), so they are updated in place: a training step then touches the same memory every time, as
hand-written NumPy does. It is an op like any other, so it runs eagerly and in compiled functions;
it has no gradient (optimizer updates are not differentiated, in TensorFlow either).
"""

from __future__ import annotations

import numpy as np

from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue

__all__: list = []


def _adam_kernel(var, m, v, g, alpha, vhat=None, *, one_minus_beta_1, one_minus_beta_2, epsilon):
    # `m += ...` updates an array in place (a NumPy scalar, immutable, is replaced, as is returned).
    scratch = np.empty(np.shape(g), g.dtype)
    np.subtract(g, m, out=scratch)  # m + (g - m) * (1 - beta_1)
    scratch *= one_minus_beta_1
    m += scratch
    np.square(g, out=scratch)  # v + (g^2 - v) * (1 - beta_2)
    scratch -= v
    scratch *= one_minus_beta_2
    v += scratch
    if vhat is not None:
        vhat = np.maximum(vhat, v, out=vhat if isinstance(vhat, np.ndarray) else None)
    np.sqrt(v if vhat is None else vhat, out=scratch)  # var - m * alpha / (sqrt(v) + epsilon)
    scratch += epsilon
    step = np.multiply(m, alpha)
    step /= scratch
    new_var = np.subtract(var, step, out=step if isinstance(step, np.ndarray) else None)
    return (new_var, m, v) if vhat is None else (new_var, m, v, vhat)


def _adam_infer(var, m, v, g, alpha, vhat=None, **params) -> list[AbstractValue]:
    """The results are shaped as the variable and its slots. (Tracing must not run the kernel on
    stand-ins: it would update the real slots in place.)"""
    slots = (var, m, v) if vhat is None else (var, m, v, vhat)
    return [AbstractValue(x.shape, x.dtype) for x in slots]


_apply_adam = Op("ApplyAdam", _adam_kernel, None, multiple_results=True, infer=_adam_infer)


def apply_adam(var, m, v, g, alpha, beta_1: float, beta_2: float, epsilon: float, vhat=None) -> tuple:
    """New values of (var, m, v[, vhat]) after one Keras Adam step with step size `alpha` (the learning
    rate with both bias corrections); beta_1, beta_2 and epsilon enter in the variable's dtype."""
    inputs = (var, m, v, g, alpha) if vhat is None else (var, m, v, g, alpha, vhat)
    return bind(_apply_adam, inputs, {"one_minus_beta_1": 1 - beta_1, "one_minus_beta_2": 1 - beta_2,
                                      "epsilon": epsilon})
