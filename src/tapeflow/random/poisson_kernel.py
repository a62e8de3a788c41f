"""TensorFlow's CPU Poisson sampler (RandomPoissonV2) over a Philox stream, vectorised over outputs.

Output i (rate-major: rate r, sample s, i = r * num_samples + s, stored at [s, r]) reads its own part
of the stream, from block base + 256 i. Each block gives two doubles, taken second first, rounded to
the compute type (float32 for float32 and half rates, float64 for float64 rates). Rates below 10 use
Knuth's product of uniforms; larger rates Hormann's transformed rejection (PTRS), whose acceptance test
compares two logarithms: tapeflow computes logf and lgammaf in float64 rounded to float32, where TF
calls glibc's float32 functions, so a sample can differ where the two sides of that comparison are
within a unit in the last place of each other (none seen in testing).
"""

from __future__ import annotations

import math

import numpy as np

from tapeflow.random import philox


def uniform_pairs(key: tuple[int, int], counter: int, outputs: np.ndarray, block: int, ct: type,
                  stride: int = philox.BLOCKS_PER_OUTPUT) -> np.ndarray:
    """The two uniforms of block `block` of each output's part of the stream (output i's starts at
    block i * stride): [n, 2], in the order TF's samplers take them (the block's second double
    first), rounded to `ct`."""
    offsets = outputs.astype(np.uint64) * np.uint64(stride) + np.uint64(block)
    w = philox.at(key, counter, offsets)
    return np.stack([philox.float64_from_pairs(w[:, 2], w[:, 3]),
                     philox.float64_from_pairs(w[:, 0], w[:, 1])], axis=1).astype(ct)


def _knuth(key: tuple[int, int], counter: int, outputs: np.ndarray, rate: np.ndarray, ct: type) -> np.ndarray:
    """The least x such that the product of x + 1 uniforms is <= exp(-rate)."""
    limit = np.exp(-rate.astype(np.float64)).astype(ct)
    x = np.zeros(len(outputs), np.float64)
    product = np.ones(len(outputs), ct)
    active = np.arange(len(outputs))
    t = 0
    while active.size:
        if t % 2 == 0:
            pair = uniform_pairs(key, counter, outputs[active], t // 2, ct)
        product[active] = (product[active] * pair[:, t % 2]).astype(ct)
        done = product[active] <= limit[active]
        x[active[~done]] += 1
        pair, active = pair[~done], active[~done]
        t += 1
    return x


def _log(x: np.ndarray, ct: type) -> np.ndarray:
    return np.log(x.astype(np.float64)).astype(ct)


def _ptrs(key: tuple[int, int], counter: int, outputs: np.ndarray, rate: np.ndarray, ct: type) -> np.ndarray:
    """Hormann's transformed rejection, one block (u, v) per try, in the compute type `ct`."""
    c = np.dtype(ct).type
    rate = rate.astype(ct)
    log_rate = _log(rate, ct)
    b = c(0.931) + c(2.53) * np.sqrt(rate)
    a = c(-0.059) + c(0.02483) * b
    inv_alpha = c(1.1239) + c(1.1328) / (b - c(3.4))
    v_r = c(0.9277) - c(3.6224) / (b - c(2))
    out = np.zeros(len(outputs), np.float64)
    active = np.arange(len(outputs))
    tries = 0
    while active.size:
        pair = uniform_pairs(key, counter, outputs[active], tries, ct)
        u, v = pair[:, 0] - c(0.5), pair[:, 1]
        r, ra, rb = rate[active], a[active], b[active]
        shifted = c(0.5) - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((c(2) * ra / shifted + rb) * u + r + c(0.43))
            accept = (shifted >= c(0.07)) & (v <= v_r[active])
            reject = ~accept & ((k < 0) | ((shifted < c(0.013)) & (v > shifted)))
            test = ~accept & ~reject
            s = _log(v * inv_alpha[active] / (ra / (shifted * shifted) + rb), ct)
            lgamma = np.array([math.lgamma(float(kk) + 1) if t else 0.0 for kk, t in zip(k, test)]).astype(ct)
            t_side = -r + k * log_rate[active] - lgamma
        accept |= test & (s <= t_side)
        out[active[accept]] = k[accept]
        active = active[~accept]
        tries += 1
    return out


def poisson(key: tuple[int, int], counter: int, rate: np.ndarray, num_samples: int,
            dtype: np.dtype) -> np.ndarray:
    """[num_samples, *rate.shape] Poisson samples of `dtype`, as TF's CPU kernel draws them."""
    flat = rate.reshape(-1)
    ct = np.float64 if flat.dtype == np.float64 else np.float32
    rates = np.repeat(flat.astype(ct), num_samples)  # rate-major output order
    outputs = np.arange(len(rates))
    values = np.zeros(len(rates), np.float64)
    small = rates < ct(10)
    values[small] = _knuth(key, counter, outputs[small], rates[small], ct)
    values[~small] = _ptrs(key, counter, outputs[~small], rates[~small], ct)
    return values.reshape(len(flat), num_samples).T.reshape((num_samples, *rate.shape)).astype(dtype)
