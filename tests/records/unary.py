"""Op records: unary elementwise math, special functions and their Tensor spellings.

Each op is a record with call samples (unary_samples: float32/float64, 0-dim, empty, int64 over
the op's domain) and, where NumPy can say it, a reference, so the op is checked without torch too
(reference, float64 gradcheck/gradgradcheck, method / in-place / out= spellings). The expression
samples below the tables are the parity sweep's particular cases (ties, edges, bool/uint8 inputs,
error cases), kept under their sweep names."""
import math

import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import unary_samples
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def fl(f):
    """A float reference: integer and bool inputs promote to float64 first (PyTorch promotes
    them to its default float dtype; the check compares values, not dtypes)."""
    return lambda x, *a, **k: f(x.astype(np.float64) if x.dtype.kind in "biu" else x, *a, **k)


def vec(f):
    """A float reference from a scalar math function (math.erf, math.lgamma ...)."""
    return fl(lambda x: np.vectorize(f, otypes=[np.float64])(x) if x.size else x.astype(np.float64))


def _lgamma(v):
    return math.inf if v <= 0 and v == math.floor(v) else math.lgamma(v)  # poles: +inf


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _ndtr(x):
    return vec(lambda v: 0.5 * math.erfc(-v / math.sqrt(2)))(x)


def _entr(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), np.where(x == 0, 0.0, -np.inf))


# -- sinc: the example record of docs/contributing.md -----------------------------------------------
R.add(OpRecord(
    "sinc",
    unary_samples("sinc", -3, 3, bools=True)
    + [S(np.array([0.0, 1.0, -2.5, 1e-9]), _label="sinc_zero", _gradcheck="first"),
       S(np.array([-0.0, 2.0, np.inf, np.nan], np.float32), _label="sinc_nonfinite", _gradcheck=False)],
    ref=fl(np.sinc), gradgrad=True, supports_out=True, tol=TOL))

# -- special.erfcx: the walkthrough op of docs/contributing.md -----------------------------------------
R.add(OpRecord(
    "special.erfcx",
    unary_samples("special.erfcx", -2, 5, ints=("i64",), _tol=TOL)
    + [S(np.array([-3.0, 0.0, 2.0, 2.0001, 10.0, 30.0, 1e3]), _label="erfcx_branches", _tol=TOL)],
    ref=vec(lambda v: math.exp(v * v) * math.erfc(v) if v < 20 else 1 / (v * math.sqrt(math.pi))
            * (1 - 1 / (2 * v * v) + 3 / (4 * v ** 4))),
    gradgrad=True, supports_out=True))

# -- torch.* unary elementwise ---------------------------------------------------------------------
POS = dict(lo=0.2, hi=3.0)
UNIT = dict(lo=-0.9, hi=0.9)
ATLEAST1 = dict(lo=1.1, hi=4.0)
SMOOTH, KEEPS_INT = {}, {"abs", "absolute", "neg", "negative", "sign", "sgn", "square", "floor",
                         "ceil", "round", "trunc", "fix", "relu", "positive"}
# name: (reference, domain, twice differentiable)
UNARY = {
    "exp": (np.exp, {}, True), "exp2": (np.exp2, {}, True), "expm1": (np.expm1, {}, True),
    "log": (np.log, POS, True), "log2": (np.log2, POS, True), "log10": (np.log10, POS, True),
    "log1p": (np.log1p, POS, True), "sqrt": (np.sqrt, POS, True),
    "rsqrt": (lambda x: 1 / np.sqrt(x), POS, True), "square": (np.square, {}, True),
    "sin": (np.sin, {}, True), "cos": (np.cos, {}, True), "tan": (np.tan, UNIT, True),
    "asin": (np.arcsin, UNIT, True), "acos": (np.arccos, UNIT, True), "atan": (np.arctan, {}, True),
    "arcsin": (np.arcsin, UNIT, True), "arccos": (np.arccos, UNIT, True),
    "arctan": (np.arctan, {}, True), "sinh": (np.sinh, {}, True), "cosh": (np.cosh, {}, True),
    "tanh": (np.tanh, {}, True), "sigmoid": (_sigmoid, {}, True), "erf": (vec(math.erf), {}, True),
    "reciprocal": (np.reciprocal, POS, True), "neg": (np.negative, {}, True),
    "negative": (np.negative, {}, True), "abs": (np.abs, {}, False),
    "absolute": (np.abs, {}, False), "relu": (lambda x: np.maximum(x, 0), {}, False),
    "sign": (np.sign, {}, False), "sgn": (np.sign, {}, False), "floor": (np.floor, {}, False),
    "ceil": (np.ceil, {}, False), "round": (np.round, {}, False), "trunc": (np.trunc, {}, False),
    "fix": (np.trunc, {}, False), "frac": (lambda x: x - np.trunc(x), {}, False),
    # special math
    "asinh": (np.arcsinh, {}, True), "arcsinh": (np.arcsinh, {}, True),
    "acosh": (np.arccosh, ATLEAST1, True), "arccosh": (np.arccosh, ATLEAST1, True),
    "atanh": (np.arctanh, UNIT, True), "arctanh": (np.arctanh, UNIT, True),
    "erfc": (vec(math.erfc), {}, True), "erfinv": (None, dict(lo=-0.95, hi=0.95), True),
    "lgamma": (vec(_lgamma), dict(lo=0.1, hi=8), True),
    "digamma": (None, dict(lo=0.1, hi=8), True), "logit": (lambda x: np.log(x / (1 - x)), dict(lo=0.05, hi=0.95), True),
    "deg2rad": (np.deg2rad, {}, True), "rad2deg": (np.rad2deg, {}, True),
    "signbit": (np.signbit, {}, False), "positive": (lambda x: x, {}, True), "i0": (fl(np.i0), {}, True),
}
# known dygrad gaps (strict xfails: the run fails once fixed, then the entry goes)
XFAILS = {"i0": {"gradgradcheck": "dygrad's i0 has no double backward (PyTorch's has)"}}
INT_RAISES = {"frac": NotImplementedError}  # PyTorch has no integer kernel
NO_OUT = {"relu", "positive"}
WITH_BOOL = {"asinh", "acosh", "atanh", "erfc", "erfinv", "lgamma", "digamma", "logit", "deg2rad",
             "rad2deg", "signbit", "positive", "i0", "arcsinh", "arccosh", "arctanh"}
for name, (ref, dom, twice) in UNARY.items():
    samples = unary_samples(name, **dom, bools=name in WITH_BOOL, _tol=TOL)
    for s in samples:
        if s.label == f"{name}_i64" and name in INT_RAISES:
            s.raises = INT_RAISES[name]
        if s.label == "positive_bool":  # PyTorch: negation/positive of a bool tensor is an error
            s.raises = RuntimeError
    R.add(OpRecord(name, samples, ref=None if ref is None else (ref if name in KEEPS_INT else fl(ref)),
                   gradgrad=twice, differentiable=name != "signbit", supports_out=name not in NO_OUT,
                   xfails=XFAILS.get(name)))

NONFINITE = np.array([-np.inf, np.inf, np.nan, -1.0, 0.0], np.float32)
R.add(OpRecord("isneginf", unary_samples("isneginf") + [S(NONFINITE, _label="isneginf_nonfinite")],
               ref=np.isneginf, differentiable=False, supports_out=True))
R.add(OpRecord("angle", unary_samples("angle"), ref=fl(np.angle), supports_out=True))

# -- torch.special ------------------------------------------------------------------------------------
SPECIAL = {"expit": (_sigmoid, {}), "logit": (UNARY["logit"][0], dict(lo=0.05, hi=0.95)),
           "erf": (vec(math.erf), {}), "erfc": (vec(math.erfc), {}), "erfinv": (None, dict(lo=-0.9, hi=0.9)),
           "gammaln": (vec(_lgamma), dict(lo=0.2, hi=5)), "digamma": (None, dict(lo=0.2, hi=5)),
           "psi": (None, dict(lo=0.2, hi=5)), "entr": (_entr, dict(lo=0.1, hi=3)), "ndtr": (_ndtr, {}),
           "ndtri": (None, dict(lo=0.05, hi=0.95)), "log_ndtr": (lambda x: np.log(_ndtr(x)), {}),
           "log1p": (np.log1p, dict(lo=0, hi=3)), "expm1": (np.expm1, {}), "exp2": (np.exp2, {}),
           "sinc": (np.sinc, {}), "round": (np.round, {}), "i0": (np.i0, {})}
for name, (ref, dom) in SPECIAL.items():
    R.add(OpRecord(f"special.{name}", unary_samples(f"special.{name}", **dom, ints=(), _tol=TOL),
                   ref=None if ref is None else fl(ref), supports_out=True,
                   differentiable=name != "round", xfails=XFAILS.get(f"special.{name}")))

# -- the parity sweep's particular cases ---------------------------------------------------------------
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
def _mvlgamma(x, p):
    return sum(vec(_lgamma)(x - j / 2) for j in range(p)) + p * (p - 1) / 4 * math.log(math.pi)


_MV = np.array([[1.6, 2.5, 4.0], [3.2, 1.9, 7.5]])
R.add(OpRecord("mvlgamma", [S(_MV, 1, _label="mvlgamma_p1"), S(_MV, 3, _label="mvlgamma_p3"),
                            S(_MV.astype(np.float32), 2, _label="mvlgamma_f32", _tol=TOL),
                            S(np.array([2, 5]), 2, _label="mvlgamma_int"),
                            S(_MV, 0, _label="mvlgamma_p0", _raises=RuntimeError)],
               ref=_mvlgamma, gradgrad=True, supports_out=True))

# the complex-number API on real tensors (the tensor itself) and tensor predicates
for name in ("conj", "resolve_conj", "resolve_neg"):
    R.add(OpRecord(name, unary_samples(name, -3, 3, bools=True), ref=lambda x: x, gradgrad=True))
for name in ("is_conj", "is_neg"):
    add(case(f"{name}_f32", lambda T, x, n=name: getattr(T, n)(x), A("f32", 3)))
    add(case(f"{name}_method", lambda T, x, n=name: getattr(x, n)(), A("i64", 2)))
add(case("conj_is_self", lambda T, x: (T.conj(x) is x, x.resolve_conj() is x, T.resolve_neg(x) is x), A("f32", 3)))
add(case("is_same_size", lambda T, x, y: (T.is_same_size(x, y), x.is_same_size(y[:1])), A("f32", 2, 3), A("f64", 2, 3)))
add(case("is_same_size_err", lambda T, x: T.is_same_size(x, 1), A("f32", 2)))
add(case("is_nonzero_method", lambda T, x: (x.is_nonzero(), x[:0].sum().is_nonzero()), np.array([0.0])))
add(case("is_nonzero_empty_err", lambda T, x: x.is_nonzero(), np.zeros((0,))))
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

# bucketing (ops/bucketing.py): searchsorted/bucketize, left and right sides
SORTED = np.array([1.0, 3.0, 5.0, 7.0])
add(case("searchsorted", lambda T, s, v: T.searchsorted(s, v), SORTED, np.array([0.0, 3.0, 6.0, 9.0]), grad=False))
add(case("searchsorted_right", lambda T, s, v: T.searchsorted(s, v, right=True), SORTED, np.array([3.0, 5.0]), grad=False))
add(case("bucketize", lambda T, v, b: T.bucketize(v, b), np.array([[0.0, 3.0], [6.0, 9.0]]), SORTED, grad=False))
add(case("bucketize_right_i32", lambda T, v, b: T.bucketize(v, b, right=True, out_int32=True), np.array([3.0, 5.5]), SORTED, grad=False))
