"""TensorFlow's CPU binomial sampler (StatelessRandomBinomial) over a Philox stream, vectorised over
outputs.

Output i (batch-major: batch member b, sample s, i = b * samples + s, stored at [s, b]) reads its own
part of the stream. Counts and probabilities are taken with p <= 1/2 (above, q = 1 - p in the
parameters' dtype, and the sample is count minus a sample for q). Where count * p < 10 (in the
parameters' dtype) the sampler inverts the CDF by summing geometric variables ceil(log u / log1p(-p))
until they pass the count, from block base + 42 i on; otherwise it runs Hormann's transformed
rejection (BTRS) with one block (u, v) per try from block base + 256 i on. Uniforms are doubles,
two per block, the second first; logarithms are glibc's (Python's math module), so the samples are
TensorFlow's exactly.
"""

from __future__ import annotations

import math

import numpy as np

from tapeflow.random.poisson_kernel import uniform_pairs

_INVERSION_STRIDE = 42  # blocks TF reserves per output for the inversion sampler
# log k! minus Stirling's approximation of it, for k = 0..9 (beyond, the series of its tail)
_STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
                           0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
                           0.00925546218271273, 0.00833056343336287])

_log = np.frompyfunc(math.log, 1, 1)


def _glibc_log(x: np.ndarray) -> np.ndarray:
    return _log(x).astype(np.float64) if x.size else np.zeros(0)


def _stirling_tail(k: np.ndarray) -> np.ndarray:
    small = k <= 9
    kp1sq = (k + 1) * (k + 1)
    series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return np.where(small, _STIRLING_TAIL[np.where(small, k, 0).astype(np.intp)], series)


def _inversion(key: tuple[int, int], counter: int, outputs: np.ndarray, count: np.ndarray,
               p: np.ndarray) -> np.ndarray:
    """The number of geometric variables (of success probability p) whose sum stays within count."""
    with np.errstate(divide="ignore"):
        log_q = np.frompyfunc(math.log1p, 1, 1)(-p).astype(np.float64)
    found = np.zeros(len(outputs))
    total = np.zeros(len(outputs))
    active = np.arange(len(outputs))
    t = 0
    while active.size:
        if t % 2 == 0:
            pair = uniform_pairs(key, counter, outputs[active], t // 2, np.float64, _INVERSION_STRIDE)
        u = pair[:, t % 2]
        with np.errstate(divide="ignore"):
            logs = np.array([math.log(x) if x > 0 else -math.inf for x in u.tolist()])
            total[active] += np.ceil(logs / log_q[active])
        done = total[active] > count[active]
        found[active[~done]] += 1
        pair, active = pair[~done], active[~done]
        t += 1
    return found


def _btrs(key: tuple[int, int], counter: int, outputs: np.ndarray, count: np.ndarray,
          p: np.ndarray) -> np.ndarray:
    """Hormann's BTRS: k from a transformed uniform, accepted inside a box or by comparing logarithms
    with Stirling's tails."""
    stddev = np.sqrt(count * p * (1 - p))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = count * p + 0.5
    v_r = 0.92 - 4.2 / b
    r = p / (1 - p)
    alpha = (2.83 + 5.1 / b) * stddev
    m = np.floor((count + 1) * p)
    out = np.zeros(len(outputs))
    active = np.arange(len(outputs))
    tries = 0
    while active.size:
        pair = uniform_pairs(key, counter, outputs[active], tries, np.float64)
        u, v = pair[:, 0] - 0.5, pair[:, 1]
        n, ra, rb = count[active], a[active], b[active]
        us = 0.5 - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((2 * ra / us + rb) * u + c[active])
        accept = (us >= 0.07) & (v <= v_r[active])
        test = ~accept & ~((k < 0) | (k > n))
        if test.any():
            t_rows = active[test]
            n, mt, rt, at, bt = count[t_rows], m[t_rows], r[t_rows], a[t_rows], b[t_rows]
            kt, ust = k[test], us[test]
            log_v = _glibc_log(v[test] * alpha[t_rows] / (at / (ust * ust) + bt))
            bound = ((mt + 0.5) * _glibc_log((mt + 1) / (rt * (n - mt + 1)))
                     + (n + 1) * _glibc_log((n - mt + 1) / (n - kt + 1))
                     + (kt + 0.5) * _glibc_log(rt * (n - kt + 1) / (kt + 1))
                     + _stirling_tail(mt) + _stirling_tail(n - mt) - _stirling_tail(kt)
                     - _stirling_tail(n - kt))
            accept[test] = log_v <= bound
        out[active[accept]] = k[accept]
        active = active[~accept]
        tries += 1
    return out


def binomial(key: tuple[int, int], counter: int, counts: np.ndarray, probs: np.ndarray, samples: int,
             dtype: np.dtype) -> np.ndarray:
    """[samples, *batch] binomial samples of `dtype` for counts and probs of the batch's shape (one
    float dtype), as TF's CPU kernel draws them."""
    batch = counts.shape
    t = counts.dtype.type
    count = np.repeat(counts.reshape(-1), samples)  # batch-major output order
    prob = np.repeat(probs.reshape(-1), samples)
    outputs = np.arange(len(count))
    values = np.full(len(count), np.nan)
    with np.errstate(invalid="ignore"):
        values[(count.astype(np.float64) <= 0) | (prob <= 0)] = 0
        full = np.isnan(values) & (prob >= 1)
        values[full] = count[full]
        low, high = np.isnan(values) & (prob <= t(0.5)), np.isnan(values) & (prob > t(0.5))
    q = (t(1) - prob).astype(t)
    p = np.where(high, q, prob)  # the smaller of p and q, in the parameters' dtype
    rejection = (count * p).astype(t) >= t(10)
    dcount, dp = count.astype(np.float64), p.astype(np.float64)
    for chosen, sampler in ((low | high) & rejection, _btrs), ((low | high) & ~rejection, _inversion):
        if chosen.any():
            values[chosen] = sampler(key, counter, outputs[chosen], dcount[chosen], dp[chosen])
    values[high] = dcount[high] - values[high]
    with np.errstate(invalid="ignore"):
        out = values.astype(dtype)
    return out.reshape(-1, samples).T.reshape((samples, *batch))
