"""The gradient of a standard Gamma(alpha, 1) sample with respect to alpha (NumPy, float64).

A gamma sample x cannot be written as a smooth function of alpha and a fixed noise draw the way
a normal sample can, so Gamma.rsample uses implicit reparameterisation: x is held at a fixed
quantile u = P(alpha, x) of the regularised lower incomplete gamma function, which gives

    dx/dalpha = -(dP/dalpha)(alpha, x) / p(x; alpha)        (p: the Gamma(alpha, 1) density)

dP/dalpha is computed exactly (to rounding) by carrying the derivative with respect to alpha
through the two classical evaluations of P: its power series where x < alpha + 1, and the
continued fraction of Q = 1 - P elsewhere (forward-mode differentiation of each recursion).
"""
import numpy as np

from dygrad.ops._special_fns import digamma, lgamma

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 100000


def _series(a, x):
    """dP/da on x < a + 1: P = exp(-x + a log x - lgamma(a)) * S, S = sum_n x^n / (a (a+1) ... (a+n))."""
    term = 1.0 / a
    dterm = -1.0 / a ** 2
    s, ds = term.copy(), dterm.copy()
    ap = a.copy()
    active = np.ones(a.shape, dtype=bool)
    for _ in range(_MAX_ITER):
        ap = ap + 1.0
        # term_n = term_{n-1} * x / ap  =>  dterm_n = dterm_{n-1} * x/ap - term_{n-1} * x/ap^2
        r = x / ap
        dterm = np.where(active, dterm * r - term * r / ap, 0.0)
        term = np.where(active, term * r, 0.0)
        s = s + term
        ds = ds + dterm
        active &= np.abs(term) > np.abs(s) * _EPS
        if not active.any():
            break
    logpre = -x + a * np.log(x) - lgamma(a)
    pre = np.exp(logpre)
    dlogpre = np.log(x) - digamma(a)
    return pre * s, pre * (ds + s * dlogpre)


def _contfrac(a, x):
    """P = 1 - Q and dP/da = -dQ/da on x >= a + 1, by Lentz's method on Q's continued fraction, each
    quantity paired with its derivative in a."""
    b = x + 1.0 - a
    db = -np.ones_like(a)
    c = np.full_like(a, 1.0 / _TINY)
    dc = np.zeros_like(a)
    d = 1.0 / b
    dd = -db / b ** 2
    h, dh = d.copy(), dd.copy()
    active = np.ones(a.shape, dtype=bool)
    for i in range(1, _MAX_ITER):
        an = -i * (i - a)
        dan = float(i)
        b = b + 2.0
        dn = an * d + b
        ddn = dan * d + an * dd + db
        small = np.abs(dn) < _TINY
        dn = np.where(small, _TINY, dn)
        cn = b + an / c
        dcn = db + dan / c - an * dc / c ** 2
        cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
        d_new = 1.0 / dn
        dd_new = -ddn / dn ** 2
        delta = d_new * cn
        ddelta = dd_new * cn + d_new * dcn
        h_new = h * delta
        dh_new = dh * delta + h * ddelta
        d = np.where(active, d_new, d)
        dd = np.where(active, dd_new, dd)
        c = np.where(active, cn, c)
        dc = np.where(active, dcn, dc)
        h = np.where(active, h_new, h)
        dh = np.where(active, dh_new, dh)
        # the derivative converges too (a_1 = 0 when a = 1 makes delta exactly 1 at once)
        active &= (np.abs(delta - 1.0) > _EPS) | (np.abs(ddelta) > _EPS)
        if not active.any():
            break
    logpre = -x + a * np.log(x) - lgamma(a)
    pre = np.exp(logpre)
    dlogpre = np.log(x) - digamma(a)
    dq = pre * (dh + h * dlogpre)
    return 1.0 - pre * h, -dq


def gammainc_and_grad(a, x):
    """P(a, x) (the regularised lower incomplete gamma function) and dP/da, float64 arrays of
    the broadcast shape; x <= 0 gives 0 and 0, x = inf gives 1 and 0."""
    a, x = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(x, dtype=np.float64))
    shape = a.shape
    a, x = a.ravel(), x.ravel()
    p, dp = np.zeros_like(a), np.zeros_like(a)
    p[x == np.inf] = 1.0
    lo = (x > 0) & (x < a + 1.0)
    hi = (x >= a + 1.0) & (x < np.inf)
    if lo.any():
        p[lo], dp[lo] = _series(a[lo], x[lo])
    if hi.any():
        p[hi], dp[hi] = _contfrac(a[hi], x[hi])
    nan = np.isnan(a) | np.isnan(x)
    p[nan] = dp[nan] = np.nan
    return p.reshape(shape), dp.reshape(shape)


def standard_gamma_grad(alpha, x):
    """dx/dalpha for x ~ Gamma(alpha, 1) held at its quantile (broadcast shapes, float64 math,
    result in x's dtype)."""
    alpha, x = np.broadcast_arrays(alpha, x)
    out_dtype = np.result_type(x.dtype, np.float32)
    a = alpha.astype(np.float64)
    xs = np.maximum(x.astype(np.float64), np.finfo(np.float64).tiny)
    _, dp = gammainc_and_grad(a, xs)
    log_pdf = (a - 1.0) * np.log(xs) - xs - lgamma(a)
    grad = -dp * np.exp(-log_pdf)
    return grad.astype(out_dtype, copy=False)
