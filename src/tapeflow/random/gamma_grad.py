"""The gradient of a gamma sample with respect to its alpha: TensorFlow's implicit reparameterisation.

A sample x of Gamma(alpha, 1) solves P(alpha, x) = u for a fixed uniform u, with P the regularised
lower incomplete gamma function, so dx/dalpha = -(dP/dalpha) / pdf(x) (Figurnov et al., 2018).
TensorFlow's RandomGammaGrad op computes it by forward-mode differentiation of Cephes' incomplete
gamma: for x > 1 and x > alpha, the continued fraction of Q = 1 - P; otherwise the power series of
P; the ratio to the pdf is taken inside, which cancels the powers and exponentials. tapeflow does
the same recurrences, vectorised, in float64 (TensorFlow: in the dtype), with TensorFlow's
iteration limits and stopping rules, and its zero where x**alpha e**-x / Gamma(alpha) underflows.
The op has no gradient of its own: differentiating it raises TensorFlow's LookupError.
"""

from __future__ import annotations

import math

import numpy as np

from tapeflow.core.op import Op, bind
from tapeflow.core.symbolic import AbstractValue
from tapeflow.core.tensor import Tensor
from tapeflow.ops.reduce_ops import reduce_sum
from tapeflow.ops.special_ops import digamma_positive

__all__ = ["alpha_gradient"]


def _iterate(n: int, dtype: np.dtype, step) -> None:
    """step(rows) on the rows not converged yet (it returns which converged), at most TF's number of
    iterations for the dtype (200 for float32, 500 for float64)."""
    active = np.arange(n)
    for _ in range(200 if dtype == np.float32 else 500):
        if not active.size:
            return
        active = active[~step(active)]


def _continued_fraction(a: np.ndarray, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """dx/dalpha from Q's continued fraction (convergents p/q and their alpha-derivatives), stopping
    where the derivative moves by at most the dtype's machine epsilon / 2."""
    machep = np.finfo(dtype).eps / 2
    big, biginv = (1 / machep, machep) if dtype == np.float32 else (1 / (2 * machep), 2 * machep)
    y, z, c = 1 - a, x + 2 - a, np.zeros_like(a)
    p2, q2, p1, q1 = np.ones_like(a), x.copy(), x + 1, (x + 2 - a) * x
    dp2, dq2, dp1, dq1 = np.zeros_like(a), np.zeros_like(a), np.zeros_like(a), -x
    ans = p1 / q1
    dans = (dp1 - ans * dq1) / q1

    def step(s: np.ndarray) -> np.ndarray:
        c[s] += 1
        y[s] += 1
        z[s] += 2
        yc = y[s] * c[s]
        pk, qk = p1[s] * z[s] - p2[s] * yc, q1[s] * z[s] - q2[s] * yc
        dpk = dp1[s] * z[s] - p1[s] - dp2[s] * yc + p2[s] * c[s]
        dqk = dq1[s] * z[s] - q1[s] - dq2[s] * yc + q2[s] * c[s]
        valid = qk != 0
        previous = dans[s]
        with np.errstate(divide="ignore", invalid="ignore"):
            ans[s] = np.where(valid, pk / qk, ans[s])
            dans[s] = np.where(valid, (dpk - ans[s] * dqk) / qk, dans[s])
        p2[s], p1[s], q2[s], q1[s] = p1[s], pk, q1[s], qk
        dp2[s], dp1[s], dq2[s], dq1[s] = dp1[s], dpk, dq1[s], dqk
        rescale = s[np.abs(pk) > big]
        for value in (p2, p1, q2, q1, dp2, dp1, dq2, dq1):
            value[rescale] *= biginv
        return valid & (np.abs(dans[s] - previous) <= machep)

    _iterate(len(a), dtype, step)
    return (dans + ans * (np.log(x) - digamma_positive(a))) * x


def _series(a: np.ndarray, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """dx/dalpha from P's power series sum c_n, c_n = prod x / (alpha + k), and its alpha-derivative,
    stopping where a term's derivative falls below machine epsilon / 2 of the sum's."""
    machep = np.finfo(dtype).eps / 2
    r, c, ans = a.copy(), np.ones_like(a), np.ones_like(a)
    dc, dans = np.zeros_like(a), np.zeros_like(a)

    def step(s: np.ndarray) -> np.ndarray:
        r[s] += 1
        term = x[s] / r[s]
        dc[s] = term * dc[s] - x[s] / (r[s] * r[s]) * c[s]
        dans[s] += dc[s]
        c[s] *= term
        ans[s] += c[s]
        return np.abs(dc[s]) <= machep * np.abs(dans[s])

    _iterate(len(a), dtype, step)
    return -(dans + ans * (np.log(x) - digamma_positive(a + 1))) * x / a


def sample_derivative(alpha: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """dx/dalpha for gamma samples x of `alpha` (broadcast together; float32 or float64)."""
    dtype = np.result_type(alpha, sample)
    shape = np.broadcast_shapes(np.shape(alpha), np.shape(sample))
    a, x = (np.broadcast_to(v, shape).astype(np.float64).ravel() for v in (alpha, sample))
    out = np.zeros_like(a)
    with np.errstate(all="ignore"):
        invalid = (x != 0) & ((x < 0) | (a <= 0) | np.isnan(a) | np.isnan(x))  # (x = 0 gives 0 first)
        positive = ~invalid & (x != 0)
        log_term = a * np.log(np.where(positive, x, 1)) - x - np.vectorize(math.lgamma, otypes=[float])(
            np.where(positive, a, 1))
        # x**a e**-x / Gamma(a) underflows in the dtype: TensorFlow's value there is 0
        live = positive & ~(log_term < -np.log(np.finfo(dtype).max)) & ~np.isinf(x)
        fraction = live & (x > 1) & (x > a)
        series = live & ~fraction
        if fraction.any():
            out[fraction] = _continued_fraction(a[fraction], x[fraction], dtype)
        if series.any():
            out[series] = _series(a[series], x[series], dtype)
    out[invalid] = np.nan
    return out.astype(dtype).reshape(shape)


RANDOM_GAMMA_GRAD = Op("RandomGammaGrad", sample_derivative, unregistered=True,
                       infer=lambda alpha, sample: [AbstractValue(
                           np.broadcast_shapes(alpha.shape, sample.shape), sample.dtype)])


def alpha_gradient(g: Tensor, alpha: Tensor, sample: Tensor, sample_dims: int) -> Tensor:
    """The gradient to alpha of the samples `sample` (shape [samples..., *alpha.shape]) that received
    `g`: g dx/dalpha, summed over the `sample_dims` leading sample dimensions."""
    partial = bind(RANDOM_GAMMA_GRAD, (alpha, sample))
    return reduce_sum(g * partial, axis=list(range(sample_dims))) if sample_dims else g * partial
