"""Fits h of dygrad/ops/_erf32.py and measures the float32 erf and GELU cdf built on it.

    python tools/fit_erf32.py          # fit (degrees 3/3), print coefficients, measure
    python tools/fit_erf32.py 3 2      # other degrees

Needs SciPy (the float64 reference). The formula: 1 - erf(x)^2 = exp(-z h(z)), z = x^2, so
h(z) = -log(erfc(x) (1 + erf(x))) / z, smooth from 4/pi at 0 to ~1.07 at x = U = 4.125.
h ~ P(-z) / Q(-z) (Q monic after scaling), fitted to minimize the error it causes in erf: its
relative error times the sensitivity of erf to it, w e^-w / (2 (1 - e^-w)), w = z h (1/2 near
0, tiny near 1, where float32's erf no longer sees h). Linearized least squares
(P - f Q) / (f Q_prev) iterated (Loeb), with Lawson's reweighting toward minimax, in a
Chebyshev basis of z for conditioning, converted to powers of -z and rounded to float32.
Measures dygrad's erf32 (ulps against the correctly rounded float32 erf, from float64) on a
dense sweep: a grid, normals, strided bit patterns of whole binades, subnormals, specials.
"""
import sys

import numpy as np
from numpy.polynomial import chebyshev as C
from numpy.polynomial import polynomial as Pm
from scipy.special import erf, erfc

U = 4.125


def h_of(z):
    x = np.sqrt(z)
    e = erf(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_big = -np.log(erfc(x) * (1 + e)) / z
        h_small = -np.log1p(-e * e) / z
    return np.where(z == 0, 4 / np.pi, np.where(x < 1, h_small, h_big))


def fit(m, n, iters=300, npts=4000):
    t = np.cos(np.linspace(0, np.pi, npts))
    z = (t + 1) * 0.5 * U * U
    f = h_of(z)
    w = z * f
    wc = np.maximum(w, 1e-12)
    sens = np.where(w > 1e-12, wc * np.exp(-wc) / (2 * -np.expm1(-wc)), 0.5)
    Tp, Tq = C.chebvander(t, m), C.chebvander(t, n)
    qprev, lw, best = np.ones_like(t), np.ones_like(t), None
    for it in range(iters):
        s = np.sqrt(lw) * sens / (f * qprev)
        A = np.hstack([Tp, -(f[:, None] * Tq[:, 1:])]) * s[:, None]
        sol, *_ = np.linalg.lstsq(A, f * s, rcond=None)
        a, b = sol[:m + 1], np.concatenate([[1.0], sol[m + 1:]])
        q = C.chebval(t, b)
        err = (C.chebval(t, a) / q / f - 1) * sens
        e = np.abs(err).max()
        if best is None or e < best[0]:
            best = (e, a, b)
        qprev = q
        if it > 5:
            lw = lw * (np.abs(err) + 1e-30)
            lw /= lw.sum()
    e, a, b = best
    # Chebyshev in t -> powers of t -> powers of v = -z (t = -2 v / U^2 - 1)
    def powers(c):
        out, acc = np.zeros(len(c)), np.array([1.0])
        for ck in C.cheb2poly(c):
            out[:len(acc)] += ck * acc
            acc = Pm.polymul(acc, [-1.0, -2.0 / (U * U)])
        return out
    P, Q = powers(a), powers(b)
    return e, P / Q[-1], Q / Q[-1]


def sweep():
    rng = np.random.default_rng(1)
    pos = np.concatenate([
        np.linspace(0, 4.5, 4_000_001, dtype=np.float32),
        np.abs(rng.standard_normal(2_000_000).astype(np.float32)) * 2,
        np.arange(0x3F000000, 0x3F800000, 7, dtype=np.uint32).view(np.float32),   # [0.5, 1)
        np.arange(0x3F800000, 0x40880000, 13, dtype=np.uint32).view(np.float32),  # [1, 4.25)
        rng.integers(0, 0x40880000, 3_000_000, dtype=np.uint32).view(np.float32),  # all < 4.25
        np.arange(0, 0x00800000, 997, dtype=np.uint32).view(np.float32),           # subnormals
        np.array([1e-45, 1e-38, 1e-30, 1e-20, 3.9192, 4, 4.125, 4.2, 10, 1e19, 1e20, 3e38,
                  np.inf], np.float32)])
    return np.concatenate([pos, -pos])


def ulps(got, want64):
    """|got - want| in ulps of the correctly rounded float32 want (the smallest subnormal at 0)."""
    want = want64.astype(np.float32)
    return np.abs(got.astype(np.float64) - want) / np.spacing(np.abs(want)).astype(np.float64)


def measure():
    sys.path.insert(0, ".")
    from dygrad.ops._erf32 import erf32, gelu32
    x = sweep()
    got = erf32(x)
    u = ulps(got, erf(x.astype(np.float64)))
    print(f"erf32: max {u.max():.0f} ulp, mean {u.mean():.3f}, exact {np.mean(u == 0):.3f}, "
          f"worst at x={x[np.argmax(u)]!r}; |erf| <= 1: {np.abs(got).max() <= 1}; "
          f"odd: {np.array_equal(got[:x.size // 2], -got[x.size // 2:])}")
    x16 = x.astype(np.float16)
    u16 = ulps(erf32(x16), erf(x16.astype(np.float64)).astype(np.float16))
    print(f"erf32 float16: max {u16.max():.0f} ulp, exact {np.mean(u16 == 0):.5f}")
    xg = np.concatenate([x, x * 1.5]).astype(np.float32)
    y, cdf = gelu32(xg)
    x64 = xg.astype(np.float64)
    phi = 0.5 * erfc(-x64 / np.sqrt(2))
    up = ulps(cdf, phi)
    # absolute error of 0.5 + (...): Phi's rounding near 1/2 and below is what 1 + erf gives
    ae = np.abs(cdf - phi)
    print(f"cdf: max {up[x64 >= 0].max():.0f} ulp for x >= 0; max abs err {ae.max():.2e} "
          f"(ulp of 1/2 is {2.0 ** -24:.2e}); within [0, 1]: {cdf.min() >= 0 and cdf.max() <= 1}")
    ug = ulps(y, x64 * phi)
    print(f"gelu: max {ug[x64 >= -1].max():.0f} ulp for x >= -1, "
          f"max abs err {np.nanmax(np.abs(y - x64 * phi)[np.isfinite(x64)]):.2e}")
    for v in (0.0, -0.0, 1e-45, np.inf, -np.inf, np.nan):
        a = np.array([v], np.float32)
        print(f"  x={v!r}: erf {erf32(a)[0]!r}, gelu {gelu32(a)[0][0]!r}, cdf {gelu32(a)[1][0]!r}")


def main():
    m, n = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (3, 3)
    e, P, Q = fit(m, n)
    print(f"fit {m}/{n}: max weighted error {e:.2e}")
    print("_P =", tuple(float(c) for c in P.astype(np.float32)))
    print("_Q =", tuple(float(c) for c in Q.astype(np.float32)[:-1]), "(monic)")
    measure()


if __name__ == "__main__":
    main()
