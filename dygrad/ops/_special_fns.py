"""Special functions on NumPy arrays (NumPy has none of them): lgamma, digamma, polygamma,
erfc, erfinv. Each computes in float64 and returns the input's floating dtype.

lgamma/digamma/polygamma shift the argument up with the recurrence until it is >= 10, where the
asymptotic (Stirling) series converges to double precision; negative arguments use reflection.
"""
import math

import numpy as np

from ._scipy import scipy_special
from .unary import _erf_array

# Bernoulli numbers B_2k, k = 1..8, for the asymptotic series
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
_SHIFT = 10.0


def _f64(d):
    return np.asarray(d, dtype=np.float64)


def lgamma(d):
    x = _f64(d)
    out = np.empty_like(x)
    neg = x < 0.5
    # reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)
    xr = np.where(neg, 1.0 - x, x)
    acc = np.zeros_like(xr)
    z = xr.copy()
    for _ in range(int(_SHIFT)):
        small = z < _SHIFT
        if not small.any():
            break
        acc += np.where(small, np.log(np.where(small, z, 1.0)), 0.0)
        z = np.where(small, z + 1.0, z)
    inv = 1.0 / z
    inv2 = inv * inv
    series = 0.0
    for k, b in reversed(list(enumerate(_B2K[:6], 1))):
        series = series * inv2 + b / (2 * k * (2 * k - 1))
    pos = (z - 0.5) * np.log(z) - z + 0.5 * math.log(2 * math.pi) + series * inv - acc
    with np.errstate(all="ignore"):
        s = np.abs(np.sin(math.pi * np.where(neg, x, 0.5)))
        refl = np.log(math.pi / s) - pos
    out = np.where(neg, refl, pos)
    out = np.where(neg & (x == np.floor(x)), np.inf, out)  # poles at 0, -1, -2, ...
    out = np.where(np.isinf(x), np.inf, out)
    return out.astype(_ftype(d), copy=False)


def digamma(d):
    x = _f64(d)
    neg = x < 0
    xr = np.where(neg, 1.0 - x, x)
    acc = np.zeros_like(xr)
    z = xr.copy()
    with np.errstate(all="ignore"):
        for _ in range(int(_SHIFT) + 1):
            small = z < _SHIFT
            if not small.any():
                break
            acc -= np.where(small, 1.0 / np.where(small, z, 1.0), 0.0)
            z = np.where(small, z + 1.0, z)
        inv2 = 1.0 / (z * z)
        series = 0.0
        for k, b in reversed(list(enumerate(_B2K, 1))):
            series = series * inv2 + b / (2 * k)
        pos = np.log(z) - 0.5 / z - series * inv2 + acc
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        refl = pos - math.pi / np.tan(math.pi * np.where(neg, x, 0.5))
    out = np.where(neg, refl, pos)
    # PyTorch: -inf at +0 and +inf at -0 (the limit from that side), nan at the negative integers
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    out = np.where(neg & (x == np.floor(x)), np.nan, out)
    out = np.where(np.isposinf(x), np.inf, out)
    return out.astype(_ftype(d), copy=False)


def polygamma(n, d):
    """The n-th derivative of digamma (n >= 1), by the recurrence and its asymptotic series."""
    if n == 0:
        return digamma(d)
    if n == 1:
        return _trigamma(d)
    x = _f64(d)
    out = _polygamma_series(n, x)
    # PyTorch's values off the finite domain: the poles at 0, -1, ... and -inf give
    # (-1)^(n+1) inf; +inf gives nan
    sign = 1.0 if n % 2 else -1.0
    out = np.where((x <= 0) & (x == np.floor(x)), sign * np.inf, out)
    out = np.where(np.isposinf(x), np.nan, out)
    return out.astype(_ftype(d), copy=False)


def _trigamma(d):
    """polygamma(1, x); below 1/2 by the reflection psi1(x) = pi^2 / sin(pi x)^2 - psi1(1 - x)
    with sin(pi x) taken in the input's precision, as PyTorch does: near and at the poles this
    gives PyTorch's values (large finite ones at the negative integers, inf at 0, nan at -inf)."""
    x = _f64(d)
    low = x < 0.5
    base = _polygamma_series(1, np.where(low, 1.0 - x, x))
    ft = np.dtype(_ftype(d))
    with np.errstate(all="ignore"):
        s = np.sin(x.astype(ft) * ft.type(math.pi)).astype(np.float64)
        out = np.where(low, math.pi ** 2 / (s * s) - base, base)
    return out.astype(ft, copy=False)


def _polygamma_series(n, x):
    """polygamma(n, x) for n >= 1 by the recurrence up to x >= _SHIFT and the asymptotic series."""
    sign = 1.0 if n % 2 else -1.0  # (-1)^(n+1)
    fact = math.factorial(n)
    acc = np.zeros_like(x)
    z = x.copy()
    with np.errstate(all="ignore"):
        lo = np.min(x, where=np.isfinite(x), initial=_SHIFT)   # -inf would mean 1e5 steps
        steps = int(np.clip(np.ceil(_SHIFT - lo), 0, 100000))
        for _ in range(steps):
            small = z < _SHIFT
            if not small.any():
                break
            acc += np.where(small, fact / np.where(small, z, 1.0) ** (n + 1), 0.0)
            z = np.where(small, z + 1.0, z)
        series = math.factorial(n - 1) / z ** n + fact / (2 * z ** (n + 1))
        for k, b in enumerate(_B2K, 1):
            series = series + b * math.factorial(2 * k + n - 1) / (math.factorial(2 * k) * z ** (2 * k + n))
        return sign * (series + acc)


def erfc(d):
    sp_erfc = scipy_special("erfc")
    if sp_erfc is not None:
        return sp_erfc(d).astype(d.dtype, copy=False)
    out = np.fromiter(map(math.erfc, d.ravel().tolist()), np.float64, count=d.size)
    return out.reshape(d.shape).astype(d.dtype, copy=False)


def erfinv(d):
    y = _f64(d)
    with np.errstate(all="ignore"):
        # Giles' single-precision approximation, then two Newton steps on erf
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws = np.where(small, w - 2.5, np.sqrt(np.where(small, 5.0, w)) - 3.0)
        p = np.where(small, 2.81022636e-08, -0.000200214257)
        for cs, cl in ((3.43273939e-07, 0.000100950558), (-3.5233877e-06, 0.00134934322),
                       (-4.39150654e-06, -0.00367342844), (0.00021858087, 0.00573950773),
                       (-0.00125372503, -0.0076224613), (-0.00417768164, 0.00943887047),
                       (0.246640727, 1.00167406), (1.50140941, 2.83297682)):
            p = np.where(small, cs, cl) + p * ws
        x = p * y
        for _ in range(2):
            x = x - (_erf_array(x) - y) / (2.0 / math.sqrt(math.pi) * np.exp(-x * x))
    x = np.where(y == 1.0, np.inf, np.where(y == -1.0, -np.inf, x))
    x = np.where(np.abs(y) > 1.0, np.nan, x)
    return x.astype(_ftype(d), copy=False)


def _ftype(d):
    return d.dtype if d.dtype.kind in "fV" else np.float64
