"""erf in float32 arithmetic, and GELU's normal cdf Phi(x) from the same formula.

SciPy's erf computes float32 in float64 (11 ms for 524k elements, most of a GPT step's GELU);
this one runs ~20 in-place float32 passes over cache-sized blocks (~2 ms), within 3 ulp of the
correctly rounded float32 erf (mean 0.5 ulp; tools/fit_erf32.py measures it), odd, in [-1, 1].

The formula: 1 - erf(x)^2 = exp(-x^2 h(x^2)), where h falls smoothly from 4/pi at 0 to ~1.07 at
x = 4.125, so erf(x) = x * sqrt(-expm1(-z h(z)) / z), z = x^2. h is our own fit (tools/fit_erf32.py),
a ratio of cubics. An error in h moves erf by at most half as much relatively, and by ~z e^-z
near 1, so float32 rounding in h hardly shows where erf rounds to nearly 1. Past 4.125 float32's
erf is +-1: z is clamped there (and below at 1e-30: tiny x then gives x * sqrt(h(0)), erf's
slope, with no 0 / 0), and the result clipped to [-1, 1], which also sends +-inf to +-1.

Everything runs in the negated, scaled square a = -c x^2 (c = 1 for erf; c = 4 for Phi, whose
erf(x / sqrt 2) / 2 = x * sqrt(-expm1(-z h(z / 2) / 2) / (4 z))): the coefficients below are
scaled by powers of two for each c, which is exact, so both use one fit.
"""
import numpy as np

from . import _buffers

try:  # the clip ufunc itself: np.clip's dispatch costs 4 us a call, several times per block
    from numpy._core.umath import clip as _clip
except ImportError:  # pragma: no cover - NumPy < 2
    try:
        from numpy.core.umath import clip as _clip
    except ImportError:
        _clip = np.clip

# h(z) = P(-z) / Q(-z), Q monic (tools/fit_erf32.py, degrees 3/3 on 0 <= x <= 4.125)
_P = (-522.9781494140625, 114.74468994140625, -18.71815299987793, 1.0028890371322632)
_Q = (-410.7460632324219, 102.46197509765625, -16.685131072998047)
_U2 = 4.125 * 4.125
_TINY = 1e-30
_F32 = np.dtype(np.float32)
_BLOCK = 32768  # float32 elements: the five working arrays stay in L2 across the ~20 passes


def _coeffs(c, w):
    """(-c, P, Q, a_min) for a = -c x^2 and erf's argument u = x / sqrt(w), v = -u^2 = a / s
    (s = c w, a power of two): P(a) / Q(a) = v h(u^2) / a, Q monic in a."""
    s = float(c * w)
    n = len(_Q)
    P = tuple(np.float32(p * s ** (n - i) / s) for i, p in enumerate(_P))
    Q = tuple(np.float32(q * s ** (n - i)) for i, q in enumerate(_Q))
    return np.float32(-c), P, Q, np.float32(-s * _U2)


_ERF = _coeffs(1, 1)     # erf(x)
_HALF = _coeffs(4, 2)    # erf(x / sqrt 2) / 2 = Phi(x) - 1/2


def _core(x, cf, a, p, q, lo, out):
    """x * sqrt(-expm1(-w) / (c z)) for one block into `out`, clipped to [lo, -lo]."""
    mc, P, Q, amin = cf
    np.multiply(x, mc, out=a)
    a *= x
    _clip(a, amin, np.float32(-_TINY), out=a)
    np.multiply(a, P[3], out=p)
    p += P[2]
    p *= a
    p += P[1]
    p *= a
    p += P[0]
    np.add(a, Q[2], out=q)
    q *= a
    q += Q[1]
    q *= a
    q += Q[0]
    p /= q
    p *= a            # -u^2 h(u^2)
    np.expm1(p, out=p)
    p /= a
    np.sqrt(p, out=p)
    p *= x
    _clip(p, lo, -lo, out=out)


def _blocks(d, cf, lo, fn):
    """Runs _core over float32 blocks of d's elements; fn(start, stop, r) consumes each block's
    result r (a float32 work array)."""
    flat = d.reshape(-1)
    n = flat.size
    b = max(min(n, _BLOCK), 1)
    work = [_buffers.take((b,), _F32) for _ in range(4)]
    a, p, q, r = work
    conv = flat.dtype != _F32
    with np.errstate(over="ignore"):   # x * x of |x| > 1.8e19: clamped right after
        for s in range(0, n, b):
            e = min(s + b, n)
            m = e - s
            x = flat[s:e]
            if conv:
                x = x.astype(np.float32)
            if m != b:
                a, p, q, r = a[:m], p[:m], q[:m], r[:m]
            _core(x, cf, a, p, q, lo, r)
            fn(s, e, r, x)
    del a, p, q, r   # the pool takes back only arrays nothing else references
    while work:
        _buffers.give(work.pop())


def erf32(d):
    """erf of a float32 or float16 array (float16 computed in float32, rounded once)."""
    out = np.empty(d.shape, d.dtype)
    o = out.reshape(-1)

    def put(s, e, r, x):
        o[s:e] = r
    _blocks(d, _ERF, np.float32(-1), put)
    return out


def gelu32(d):
    """(x * Phi(x), Phi(x)) of a float32 or float16 array: the output in d's dtype, Phi in
    float32 (GELU's backward reads it; a private array of the buffer pool, which the node gives
    back when it is done with it)."""
    out = np.empty(d.shape, d.dtype)
    cdf = _buffers.take(d.shape, _F32)
    o = out.reshape(-1)
    c = cdf.reshape(-1)
    half = np.float32(0.5)

    def put(s, e, r, x):
        cb = c[s:e]
        np.add(r, half, out=cb)
        np.multiply(x, cb, out=o[s:e])
    _blocks(d, _HALF, np.float32(-0.5), put)
    return out, cdf
