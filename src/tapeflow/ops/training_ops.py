"""Fused optimizer updates: one op computes a variable's and its slots' new values.

Written op by op, Adam's update allocates a dozen temporaries the size of the variable; this kernel
does the same arithmetic, in the same order (so the results are bit-identical), writing into the
few arrays it returns. It is an op like any other, so it runs eagerly and in compiled functions;
it has no gradient (optimizer updates are not differentiated, in TensorFlow either).
"""

from __future__ import annotations

import numpy as np

from tapeflow.framework.op import Op, bind

__all__: list = []


def _adam_kernel(var, m, v, g, alpha, vhat=None, *, one_minus_beta_1, one_minus_beta_2, epsilon):
    new_m = np.subtract(g, m)  # m + (g - m) * (1 - beta_1)
    new_m *= one_minus_beta_1
    new_m += m
    new_v = np.square(g)  # v + (g^2 - v) * (1 - beta_2)
    new_v -= v
    new_v *= one_minus_beta_2
    new_v += v
    if vhat is not None:
        vhat = np.maximum(vhat, new_v)
    denominator = np.sqrt(new_v if vhat is None else vhat)  # var - m * alpha / (sqrt(v) + epsilon)
    denominator += epsilon
    step = np.multiply(new_m, alpha)
    step /= denominator
    new_var = np.subtract(var, step, out=step if np.ndim(step) else None)  # scalars are not writable
    return (new_var, new_m, new_v) if vhat is None else (new_var, new_m, new_v, vhat)


_apply_adam = Op("ApplyAdam", _adam_kernel, None, multiple_results=True)


def apply_adam(var, m, v, g, alpha, beta_1: float, beta_2: float, epsilon: float, vhat=None) -> tuple:
    """New values of (var, m, v[, vhat]) after one Keras Adam step with step size `alpha` (the learning
    rate with both bias corrections); beta_1, beta_2 and epsilon enter in the variable's dtype."""
    inputs = (var, m, v, g, alpha) if vhat is None else (var, m, v, g, alpha, vhat)
    return bind(_apply_adam, inputs, {"one_minus_beta_1": 1 - beta_1, "one_minus_beta_2": 1 - beta_2,
                                      "epsilon": epsilon})
