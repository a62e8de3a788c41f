"""Special functions: `erf`, `erfc`, their inverses `erfinv` and `ndtri`, `lgamma`, `digamma`,
`polygamma` and `xlog1py`.

NumPy has none of them, so the kernels compute in float64 and round to the input's dtype: erf, erfc
and lgamma are Python's `math` functions applied elementwise; digamma and polygamma shift their
argument up by the recurrence psi(x) = psi(x + 1) - 1/x and finish with an asymptotic series (the
Hurwitz zeta function's for polygamma), negative arguments reflected through the derivatives of
cot; the inverses refine a closed-form first guess by Halley steps on erf (erfc in the tails, where
erf's value has lost the digits). Each gradient is one of these ops again, so every order works.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from numpy.polynomial import polynomial

from tapeflow.core import dtypes
from tapeflow.core.dtypes import FLOATS
from tapeflow.ops.declare import binary, unary
from tapeflow.ops.math_ops import cast, exp, not_equal, xdivy

__all__ = ["erf", "erfc", "erfinv", "ndtri", "lgamma", "digamma", "polygamma", "xlog1py"]

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_2 = math.sqrt(2)


def _elementwise(fn):
    """A float64 ufunc of the Python function `fn`."""
    python = np.frompyfunc(fn, 1, 1)
    return lambda x: np.asarray(python(x), np.float64)


def _lgamma_or_pole(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # 0, -1, -2, ...: the poles, where log|gamma| is infinite
        return math.inf


_erf = _elementwise(math.erf)
_erfc = _elementwise(math.erfc)
_lgamma = _elementwise(_lgamma_or_pole)


def _in_float64(fn):
    """A kernel computing `fn` in float64 and rounding to its input's dtype."""
    def kernel(*xs):
        return np.asarray(fn(*(np.asarray(x, np.float64) for x in xs)), dtype=xs[-1].dtype)[()]

    return kernel


# ---- the inverses of erf ------------------------------------------------------------------------

def _solve_erf(y: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The x >= 0 with erf(x) = y, given also c = 1 - y exactly (0 <= y < 1).

    The first guess is Winitzki's closed form (about 3 digits); three Halley steps, each tripling the
    digits, reach float64 rounding. Below y = 0.5 the steps solve erf(x) = y; above it erfc(x) = c,
    whose small value erfc keeps to full relative precision far into the tail.
    """
    small = y < 0.5
    log_1_minus_y2 = np.where(small, np.log1p(-y * y), np.log(c * (1 + y)))
    a = 0.147
    t = 2 / (math.pi * a) + log_1_minus_y2 / 2
    x = np.sqrt(np.sqrt(t * t - log_1_minus_y2 / a) - t)
    for _ in range(3):
        # f(x) = erf(x) - y (or c - erfc(x)) has f'' = -2x f', so Halley's step is r / (1 + x r), r = f / f'.
        r = np.where(small, _erf(x) - y, c - _erfc(x)) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
        x = x - r / (1 + x * r)
    return x


def _erfinv(v: np.ndarray) -> np.ndarray:
    magnitude = np.abs(v)
    x = _solve_erf(np.where(magnitude < 1, magnitude, 0), 1 - magnitude)
    x = np.where(magnitude == 1, np.inf, np.where(magnitude < 1, x, np.nan))  # NaN stays NaN
    return np.where(v < 0, -x, x)


def _ndtri(p: np.ndarray) -> np.ndarray:
    # ndtri(p) = sqrt(2) erfinv(2p - 1); 2p - 1 and 1 - (2p - 1) are formed exactly in each half.
    lower = p < 0.5
    y = np.where(lower, 1 - 2 * p, 2 * p - 1)
    c = np.where(lower, 2 * p, 2 * (1 - p))
    inside = (p > 0) & (p < 1)
    x = _SQRT_2 * _solve_erf(np.where(inside, y, 0), np.where(inside, c, 1))
    x = np.where(inside, x, np.where((p == 0) | (p == 1), np.inf, np.nan))
    return np.where(lower, -x, x)


# ---- digamma and polygamma ----------------------------------------------------------------------

# B_2k / (2k)! for k = 1 ... 12: the coefficients of the Euler-Maclaurin tail of the zeta series.
_BERNOULLI = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
              Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798),
              Fraction(-174611, 330), Fraction(854513, 138), Fraction(-236364091, 2730))
_EULER_MACLAURIN = tuple(float(b / math.factorial(2 * k)) for k, b in enumerate(_BERNOULLI, 1))


def digamma_positive(z: np.ndarray) -> np.ndarray:
    """psi(z) for z > 0: shifted to z >= 10, then psi(z) ~ log z - 1/(2z) - sum B_2k / (2k z^2k)."""
    shift = np.zeros_like(z)
    for _ in range(10):
        low = z < 10
        if not low.any():
            break
        shift -= np.where(low, 1 / np.where(low, z, 1), 0)
        z = np.where(low, z + 1, z)
    w = 1 / (z * z)
    series = 0.0
    for k in range(len(_BERNOULLI), 0, -1):  # B_2k / (2k) = (2k - 1)! * B_2k / (2k)!
        series = w * (float(_BERNOULLI[k - 1]) / (2 * k) + series)
    return np.log(z) - 0.5 / z - series + shift


def _hurwitz_zeta(s: int, q: np.ndarray) -> np.ndarray:
    """zeta(s, q) = sum over k >= 0 of (q + k)^-s, for an integer s >= 2 and q > 0: the first terms
    summed until q + k >= s + 10, the rest by the Euler-Maclaurin formula."""
    total = np.zeros_like(q)
    while True:
        low = q < s + 10
        if not low.any():
            break
        total += np.where(low, np.where(low, q, 1) ** -s, 0)
        q = np.where(low, q + 1, q)
    term = s * q ** (-s - 1)
    tail = q ** (1 - s) / (s - 1) + 0.5 * q ** -s
    for k, coefficient in enumerate(_EULER_MACLAURIN, 1):
        tail += coefficient * term
        term = term * ((s + 2 * k - 1) * (s + 2 * k)) / (q * q)
    return total + tail


def _cot_derivative(n: int, c: np.ndarray) -> np.ndarray:
    """The n-th derivative of cot at the point where cot is c: a polynomial in c, since
    cot' = -(1 + cot^2)."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        p = -polynomial.polymul(polynomial.polyder(p), [1.0, 0.0, 1.0])
    return polynomial.polyval(c, p)


def _polygamma_of_order(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x). Negative x is reflected: psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) cot^(n)(pi x)
    (the n-th derivative of psi(1 - x) - psi(x) = pi cot(pi x)). At a pole (0, -1, ...) it is inf
    where its sign does not depend on the side (odd n) and NaN where it does, as TensorFlow gives."""
    pole = (x <= 0) & (x == np.floor(x))
    negative = (x < 0) & ~pole
    z = np.where(negative, 1 - x, np.where(pole, 1, x))
    if n == 0:
        value = digamma_positive(z)
    else:
        factorial = float(math.factorial(n)) if n <= 170 else math.inf  # beyond, n! overflows float64
        value = (-1) ** n * -factorial * _hurwitz_zeta(n + 1, z)
    if negative.any():
        # cot(pi x) from r = x - round(x), exact, as cos(pi r) / sin(pi r) with cos(pi r) written
        # sin(pi (1/2 - |r|)): exact zero at half-integers, where pi/2 in floating point is not.
        r = x[negative] - np.round(x[negative])
        cot = np.sin(np.pi * (0.5 - np.abs(r))) / np.sin(np.pi * r)
        value[negative] = (-1) ** n * value[negative] - np.pi ** (n + 1) * _cot_derivative(n, cot)
    return np.where(pole, np.inf if n % 2 else np.nan, value)


def _polygamma(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """psi^(a)(x) for each integer order a >= 0 present; NaN for any other order."""
    a, x = np.broadcast_arrays(a, x)
    out = np.full(a.shape, np.nan)
    integral = np.isfinite(a) & (a >= 0) & (a == np.floor(a))
    with np.errstate(all="ignore"):  # (NumPy's polynomial module would warn of overflow at high orders)
        for n in np.unique(a[integral]):
            chosen = integral & (a == n)
            out[chosen] = _polygamma_of_order(int(n), x[chosen])
    return out


# ---- the ops --------------------------------------------------------------------------------------

erf = unary("erf", "Erf", _in_float64(_erf),
            lambda g, y, x: g * (_TWO_OVER_SQRT_PI * exp(-x * x)), FLOATS)
erfc = unary("erfc", "Erfc", _in_float64(_erfc),
             lambda g, y, x: g * (-_TWO_OVER_SQRT_PI * exp(-x * x)), FLOATS)
erfinv = unary("erfinv", "Erfinv", _in_float64(_erfinv),
               lambda g, y, x: g * (math.sqrt(math.pi) / 2 * exp(y * y)), FLOATS)
ndtri = unary("ndtri", "Ndtri", _in_float64(_ndtri),
              lambda g, y, x: g * (math.sqrt(2 * math.pi) * exp(y * y / 2)), FLOATS)
lgamma = unary("lgamma", "Lgamma", _in_float64(_lgamma), lambda g, y, x: g * digamma(x), FLOATS)
digamma = unary("digamma", "Digamma", _in_float64(lambda x: _polygamma(0, x)),
                lambda g, y, x: g * polygamma(1, x), FLOATS)
# TensorFlow has no gradient for the order `a` (None), as here.
polygamma = binary("polygamma", "Polygamma", _in_float64(_polygamma),
                   (None, lambda g, y, a, x: g * polygamma(a + 1, x)), (dtypes.float32, dtypes.float64))


def _xlog1py(x, y):
    zero = x == 0
    return np.where(zero, 0, x * np.log1p(np.where(zero, 0, y))).astype(x.dtype, copy=False)[()]


# x * log1p(y), 0 where x is 0 (whatever y is), as TensorFlow's; so is its gradient for x.
xlog1py = binary("xlog1py", "Xlog1py", _xlog1py,
                 (lambda g, z, x, y: g * xlog1py(cast(not_equal(x, 0), x.dtype), y),
                  lambda g, z, x, y: g * xdivy(x, y + 1)), FLOATS)
