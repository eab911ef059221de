"""The gradient of a Beta(a, b) sample with respect to a and b (NumPy, float64).

As for the gamma (see _gamma_grad), the sample x is held at its quantile u = I_x(a, b) of the
regularised incomplete beta function, so

    dx/da = -(dI/da)(x; a, b) / p(x; a, b),    dx/db = -(dI/db)(x; a, b) / p(x; a, b).

dI/da and dI/db are exact: both derivatives are carried through the evaluation of I by its
continued fraction (Lentz's method) for x < (a + 1) / (a + b + 2), and through
I_x(a, b) = 1 - I_{1-x}(b, a) elsewhere, where that fraction converges fast.
"""
import numpy as np

from dygrad.ops._special_fns import digamma, lgamma

_EPS = 1e-16
_TINY = 1e-300
_MAX_ITER = 100000


def _step(aa, daa, dba, d, dd, db_, c, dc, dbc):
    """One Lentz update d = 1 / (1 + aa d), c = 1 + aa / c with derivatives in a and b."""
    dn = 1.0 + aa * d
    ddn_a = daa * d + aa * dd
    ddn_b = dba * d + aa * db_
    dn = np.where(np.abs(dn) < _TINY, _TINY, dn)
    cn = 1.0 + aa / c
    dcn_a = daa / c - aa * dc / c ** 2
    dcn_b = dba / c - aa * dbc / c ** 2
    cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
    d_new = 1.0 / dn
    return d_new, -ddn_a / dn ** 2, -ddn_b / dn ** 2, cn, dcn_a, dcn_b


def _cf(a, b, x):
    """I_x(a, b) and its derivatives in a and b, by the continued fraction (x small enough)."""
    qab, qap = a + b, a + 1.0
    one = np.ones_like(a)
    zero = np.zeros_like(a)
    # first term: d = 1 / (1 - (a + b) x / (a + 1))
    t = 1.0 - qab * x / qap
    dt_a = -x / qap + qab * x / qap ** 2
    dt_b = -x / qap
    t = np.where(np.abs(t) < _TINY, _TINY, t)
    d, dd_a, dd_b = 1.0 / t, -dt_a / t ** 2, -dt_b / t ** 2
    c, dc_a, dc_b = one.copy(), zero.copy(), zero.copy()
    h, dh_a, dh_b = d.copy(), dd_a.copy(), dd_b.copy()
    active = np.ones(a.shape, dtype=bool)
    for m in range(1, _MAX_ITER):
        m2 = 2.0 * m
        # even step: aa = m (b - m) x / ((a + 2m - 1)(a + 2m))
        den = (a + m2 - 1.0) * (a + m2)
        num = m * (b - m) * x
        aa = num / den
        daa = -num * ((a + m2) + (a + m2 - 1.0)) / den ** 2
        dba = m * x / den
        d1, dd1_a, dd1_b, c1, dc1_a, dc1_b = _step(aa, daa, dba, d, dd_a, dd_b, c, dc_a, dc_b)
        dl = d1 * c1
        h1 = h * dl
        dh1_a = dh_a * dl + h * (dd1_a * c1 + d1 * dc1_a)
        dh1_b = dh_b * dl + h * (dd1_b * c1 + d1 * dc1_b)
        # odd step: aa = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
        den = (a + m2) * (a + m2 + 1.0)
        num = -(a + m) * (qab + m) * x
        aa = num / den
        daa = -((qab + m) + (a + m)) * x / den - num * ((a + m2 + 1.0) + (a + m2)) / den ** 2
        dba = -(a + m) * x / den
        d2, dd2_a, dd2_b, c2, dc2_a, dc2_b = _step(aa, daa, dba, d1, dd1_a, dd1_b, c1, dc1_a, dc1_b)
        delta = d2 * c2
        dde_a = dd2_a * c2 + d2 * dc2_a
        dde_b = dd2_b * c2 + d2 * dc2_b
        h2, dh2_a, dh2_b = h1 * delta, dh1_a * delta + h1 * dde_a, dh1_b * delta + h1 * dde_b
        upd = active
        d, dd_a, dd_b = np.where(upd, d2, d), np.where(upd, dd2_a, dd_a), np.where(upd, dd2_b, dd_b)
        c, dc_a, dc_b = np.where(upd, c2, c), np.where(upd, dc2_a, dc_a), np.where(upd, dc2_b, dc_b)
        h, dh_a, dh_b = np.where(upd, h2, h), np.where(upd, dh2_a, dh_a), np.where(upd, dh2_b, dh_b)
        active &= (np.abs(delta - 1.0) > _EPS) | (np.abs(dde_a) > _EPS) | (np.abs(dde_b) > _EPS)
        if not active.any():
            break
    psab = digamma(qab)
    logpre = a * np.log(x) + b * np.log1p(-x) - np.log(a) - (lgamma(a) + lgamma(b) - lgamma(qab))
    pre = np.exp(logpre)
    dlp_a = np.log(x) - 1.0 / a - digamma(a) + psab
    dlp_b = np.log1p(-x) - digamma(b) + psab
    return pre * h, pre * (dh_a + h * dlp_a), pre * (dh_b + h * dlp_b)


def beta_sample_grad(x, a, b):
    """(dx/da, dx/db) for x ~ Beta(a, b) held at its quantile (broadcast shapes, float64 math,
    results in x's dtype)."""
    x, a, b = np.broadcast_arrays(x, a, b)
    out_dtype = np.result_type(x.dtype, np.float32)
    shape = x.shape
    tiny = np.finfo(np.float64).tiny
    xs = np.clip(x.astype(np.float64).ravel(), tiny, 1.0 - np.finfo(np.float64).epsneg)
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    dI_a, dI_b = np.empty_like(xs), np.empty_like(xs)
    lo = xs < (a + 1.0) / (a + b + 2.0)
    if lo.any():
        _, dI_a[lo], dI_b[lo] = _cf(a[lo], b[lo], xs[lo])
    hi = ~lo
    if hi.any():
        # I_x(a, b) = 1 - I_{1-x}(b, a): derivatives swap roles and change sign
        _, dJ_b, dJ_a = _cf(b[hi], a[hi], 1.0 - xs[hi])
        dI_a[hi], dI_b[hi] = -dJ_a, -dJ_b
    log_pdf = ((a - 1.0) * np.log(xs) + (b - 1.0) * np.log1p(-xs)
               - (lgamma(a) + lgamma(b) - lgamma(a + b)))
    inv_pdf = np.exp(-log_pdf)
    ga, gb = -dI_a * inv_pdf, -dI_b * inv_pdf
    return ga.reshape(shape).astype(out_dtype, copy=False), gb.reshape(shape).astype(out_dtype, copy=False)
