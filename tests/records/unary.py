"""Op records: unary elementwise math, special functions and their Tensor spellings.

Folded from the parity sweeps: each expression sample keeps its sweep case name as label and is
filed under the public op its label names (see tests/records/_names.py)."""
import numpy as np

from dygrad.testing import RecordSet
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


# -- unary elementwise ---------------------------------------------------------------------------
POS = dict(lo=0.2, hi=3.0)
UNIT = dict(lo=-0.9, hi=0.9)
UNARY = {
    "exp": {}, "exp2": {}, "expm1": {}, "log": POS, "log2": POS, "log10": POS, "log1p": POS,
    "sqrt": POS, "rsqrt": POS, "square": {}, "sin": {}, "cos": {}, "tan": UNIT, "asin": UNIT,
    "acos": UNIT, "atan": {}, "sinh": {}, "cosh": {}, "tanh": {}, "sigmoid": {}, "relu": {},
    "erf": {}, "reciprocal": POS, "neg": {}, "abs": {}, "sign": {}, "sgn": {}, "floor": {},
    "ceil": {}, "round": {}, "trunc": {}, "frac": {}, "fix": {}, "negative": {}, "absolute": {},
    "arcsin": UNIT, "arccos": UNIT, "arctan": {},
}
for name, dom in UNARY.items():
    add(case(f"{name}_f32", lambda T, x, n=name: getattr(T, n)(x), A("f32", 3, 4, **dom)))
    add(case(f"{name}_f64_0d_method", lambda T, x, n=name: getattr(x, n)(),
             A("f64", **dom) if False else np.asarray(A("f64", 1, **dom)[0])))
    lo, hi = (1, 4) if dom is POS else ((0, 1) if dom is UNIT else (-4, 5))
    add(case(f"{name}_i64", lambda T, x, n=name: getattr(T, n)(x), A("i64", 5, lo=lo, hi=hi)))
for name in ("exp", "sqrt", "abs", "neg", "sign", "floor", "sigmoid", "square", "round", "relu"):
    add(case(f"{name}_bool", lambda T, x, n=name: getattr(T, n)(x), A("b", 4)))
for name in ("abs", "neg", "sign", "square", "floor", "trunc"):
    add(case(f"{name}_i32", lambda T, x, n=name: getattr(T, n)(x), A("i32", 4)))
    add(case(f"{name}_u8", lambda T, x, n=name: getattr(T, n)(x), A("u8", 4)))
add(case("round_half_even", lambda T, x: T.round(x), np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999], np.float32)))
add(case("round_decimals", lambda T, x: T.round(x, decimals=2), A("f64", 6)))
add(case("round_decimals_neg", lambda T, x: T.round(x * 1000, decimals=-2), A("f64", 6)))
add(case("abs_ties_grad", lambda T, x: x.abs(), np.array([0.0, -1.0, 2.0], np.float64)))
add(case("relu_zero_grad", lambda T, x: x.relu(), np.array([0.0, -1.0, 2.0], np.float32)))
add(case("sqrt_zero_grad", lambda T, x: x.sqrt(), np.array([0.0, 4.0], np.float64)))
add(case("sign_grad", lambda T, x: x.sign(), A("f32", 4)))
add(case("log_neg_nan", lambda T, x: T.log(x), np.array([-1.0, 0.0, 1.0], np.float32), grad=False))
add(case("f16_exp", lambda T, x: x.exp(), A("f16", 5), grad=False))
add(case("logical_not_f", lambda T, x: T.logical_not(x), np.array([0.0, 1.5, -0.0], np.float32)))
add(case("bitwise_not_i", lambda T, x: T.bitwise_not(x), A("i64", 5)))
add(case("bitwise_not_b", lambda T, x: ~x, A("b", 5)))
add(case("bitwise_not_f_err", lambda T, x: ~x, A("f32", 5)))
add(case("neg_bool_err", lambda T, x: -x, A("b", 3)))
add(case("isnan", lambda T, x: T.isnan(x), np.array([np.nan, 1.0, np.inf], np.float32)))
add(case("isinf_i", lambda T, x: T.isinf(x), A("i64", 3)))
add(case("isfinite", lambda T, x: x.isfinite(), np.array([np.nan, 1.0, -np.inf], np.float64)))
add(case("isposinf", lambda T, x: T.isposinf(x), np.array([np.nan, np.inf, -np.inf], np.float32)))
add(case("nan_to_num", lambda T, x: T.nan_to_num(x), np.array([np.nan, np.inf, -np.inf, 1], np.float32)))
add(case("nan_to_num_args", lambda T, x: x.nan_to_num(1.0, 2.0, -3.0), np.array([np.nan, np.inf, -np.inf, 1])))
add(case("clone", lambda T, x: T.clone(x), A("f32", 2, 3)))


# -- unary special math ------------------------------------------------------------------------------
DOMAINS = {"asinh": {}, "acosh": dict(lo=1.1, hi=4), "atanh": dict(lo=-0.9, hi=0.9), "erfc": {},
           "erfinv": dict(lo=-0.95, hi=0.95), "lgamma": dict(lo=0.1, hi=8), "digamma": dict(lo=0.1, hi=8),
           "logit": dict(lo=0.05, hi=0.95), "sinc": {}, "deg2rad": {}, "rad2deg": {}, "signbit": {},
           "positive": {}, "i0": {}, "arcsinh": {}, "arccosh": dict(lo=1.1, hi=4), "arctanh": dict(lo=-0.9, hi=0.9)}
for name, dom in DOMAINS.items():
    for dt in ("f32", "f64"):
        add(case(f"{name}_{dt}", lambda T, x, n=name: getattr(T, n)(x), A(dt, 3, 4, **dom), tol=TOL))
    add(case(f"{name}_i64", lambda T, x, n=name: getattr(T, n)(x), A("i64", 4, lo=1, hi=4) if name != "erfinv"
             else np.array([0, 0], np.int64)))
    add(case(f"{name}_bool", lambda T, x, n=name: getattr(T, n)(x), A("b", 4)))
    add(case(f"{name}_0d", lambda T, x, n=name: getattr(T, n)(x), np.asarray(np.float64(0.5 if "cosh" not in name else 1.5))))
add(case("lgamma_neg", lambda T, x: T.lgamma(x), np.array([-0.5, -1.5, -2.7, 0.0, -1.0, 1e-8, 30.0])))
add(case("digamma_neg", lambda T, x: T.digamma(x), np.array([-0.5, -1.5, -2.7, 0.0, -1.0, 1e-3, 30.0]), check_grad=False))
add(case("digamma_grad", lambda T, x: T.digamma(x), np.array([-0.5, -1.5, 0.3, 2.0, 30.0])))
for n in (0, 1, 2, 3):
    add(case(f"polygamma_{n}", lambda T, x, n=n: T.polygamma(n, x), A("f64", 5, lo=0.2, hi=6)))
add(case("logit_eps", lambda T, x: T.logit(x, eps=0.1), np.array([0.0, 0.05, 0.5, 0.95, 1.0])))
add(case("logit_out_of_range", lambda T, x: T.logit(x), np.array([-0.5, 0.0, 1.0, 1.5]), check_grad=False))
add(case("sinc_zero", lambda T, x: T.sinc(x), np.array([0.0, 1.0, -2.5, 1e-9])))
add(case("erfinv_edges", lambda T, x: T.erfinv(x), np.array([-1.0, 1.0, 0.0, 1.5, -0.999999]), check_grad=False))
add(case("erfc_large", lambda T, x: T.erfc(x), np.array([-30.0, -2.0, 5.0, 10.0, 27.0])))
add(case("signbit_negzero", lambda T, x: T.signbit(x), np.array([-0.0, 0.0, -1.0, np.nan], np.float32)))
add(case("signbit_int", lambda T, x: T.signbit(x), A("i64", 5)))
add(case("positive_bool_err", lambda T, x: T.positive(x), A("b", 3)))

case, add = folder(R, strip="method_")

# -- Tensor spellings of the new functions (pending the lead's Tensor methods) -----------------------
METHODS = {
    "asinh": lambda T, x: x.asinh(), "erfinv": lambda T, x: (x * 0.5).erfinv(), "lgamma": lambda T, x: x.abs().lgamma(),
    "digamma": lambda T, x: (x.abs() + 0.5).digamma(), "polygamma": lambda T, x: (x.abs() + 0.5).polygamma(1),
    "logit": lambda T, x: x.sigmoid().logit(), "sinc": lambda T, x: x.sinc(), "deg2rad": lambda T, x: x.deg2rad(),
    "signbit": lambda T, x: x.signbit(), "xlogy": lambda T, x: x.xlogy(x.abs() + 1), "logaddexp": lambda T, x: x.logaddexp(x.flip(0)),
    "hypot": lambda T, x: x.hypot(x.flip(1)), "copysign": lambda T, x: x.copysign(x.flip(0)), "float_power": lambda T, x: x.abs().float_power(2),
    "bitwise_and": lambda T, x: (x > 0).bitwise_and(x < 1), "bitwise_not": lambda T, x: (x > 0).bitwise_not(),
    "cummax": lambda T, x: x.cummax(1), "cummin": lambda T, x: x.cummin(0), "logcumsumexp": lambda T, x: x.logcumsumexp(1),
    "diff": lambda T, x: x.diff(dim=0), "nanquantile": lambda T, x: x.nanquantile(0.3, dim=1), "msort": lambda T, x: x.msort(),
    "vsplit": lambda T, x: x.vsplit(2), "dsplit_err": lambda T, x: x.dsplit(2), "diagflat": lambda T, x: x[0].diagflat(),
    "unique_consecutive": lambda T, x: (x > 0).long().unique_consecutive(), "kron": lambda T, x: x.kron(x[:1, :2]),
    "inner": lambda T, x: x.inner(x), "addmv": lambda T, x: x[0, :4].addmv(x[:4, :3].T.contiguous().T.reshape(4, 3), x[0, :3]),
    "addr": lambda T, x: x.addr(x[:, 0], x[0]), "logdet": lambda T, x: (x[:, :3] @ x[:, :3].T + T.eye(4)).logdet(),
    "dist": lambda T, x: x.dist(x.flip(0), 3), "vdot": lambda T, x: x[0].vdot(x[1]), "bincount": lambda T, x: (x.abs() * 3).long()[0].bincount(),
    "histc": lambda T, x: x.histc(4), "diag_embed": lambda T, x: x.diag_embed(), "fmax_method": lambda T, x: x.fmax(x.flip(0)),
    "arctan2": lambda T, x: x.arctan2(x.flip(1)), "positive": lambda T, x: x.positive(), "i0": lambda T, x: x.i0(),
}
for name, fn in METHODS.items():
    add(case(f"method_{name}", fn, A("f32", 4, 6), tol=TOL))

case, add = folder(R)

# -- torch.special ------------------------------------------------------------------------------------
SPECIAL = {"expit": {}, "logit": dict(lo=0.05, hi=0.95), "erf": {}, "erfc": {}, "erfinv": dict(lo=-0.9, hi=0.9),
           "gammaln": dict(lo=0.2, hi=5), "digamma": dict(lo=0.2, hi=5), "psi": dict(lo=0.2, hi=5), "entr": dict(lo=0.1, hi=3),
           "ndtr": {}, "ndtri": dict(lo=0.05, hi=0.95), "log_ndtr": {}, "log1p": dict(lo=0, hi=3), "expm1": {},
           "exp2": {}, "sinc": {}, "round": {}, "i0": {}}
for name, dom in SPECIAL.items():
    add(case(f"special.{name}", lambda T, x, n=name: getattr(T.special, n)(x), A("f32", 3, 4, **dom), tol=TOL))
    add(case(f"special.{name}_f64", lambda T, x, n=name: getattr(T.special, n)(x), A("f64", 5, **dom)))
add(case("special.entr_edges", lambda T, x: T.special.entr(x), np.array([-1.0, 0.0, 0.5])))
add(case("special.log_ndtr_tail", lambda T, x: T.special.log_ndtr(x), np.array([-40.0, -25.0, -5.0, 0.0, 3.0])))
add(case("special.xlog1py", lambda T, x, y: T.special.xlog1py(x, y), np.array([0.0, 2.0, 0.0]), np.array([-1.0, 1.0, 3.0])))
add(case("special.xlogy", lambda T, x, y: T.special.xlogy(x, y), A("f32", 4), A("f32", 4, lo=0.1, hi=2)))
add(case("special.polygamma", lambda T, x: T.special.polygamma(2, x), A("f64", 4, lo=0.5, hi=3)))
add(case("special.multigammaln", lambda T, x: T.special.multigammaln(x, 3), A("f64", 4, lo=1.5, hi=4)))
add(case("special.multigammaln_err", lambda T, x: T.special.multigammaln(x, 3), np.array([0.5])))
add(case("special.logsumexp", lambda T, x: T.special.logsumexp(x, 1), A("f32", 3, 4), tol=TOL))
add(case("special.softmax", lambda T, x: T.special.softmax(x, 0), A("f32", 3, 4), tol=TOL))
add(case("special.log_softmax", lambda T, x: T.special.log_softmax(x, 1, dtype=T.float64), A("f32", 3, 4)))
