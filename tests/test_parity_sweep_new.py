"""Parity sweep of the less common torch.* functions (see parity_helpers): special math,
cumulative ops, order statistics, shape and matrix helpers, torch.* spellings of nn ops."""
import numpy as np
import pytest

from parity_helpers import A, case, params, run_case

torch = pytest.importorskip("torch")

CASES = []
add = CASES.append
TOL = (1e-5, 1e-5)

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

# -- binary special math -----------------------------------------------------------------------------
BIN = {"xlogy": dict(lo=0.1, hi=3), "logaddexp": {}, "logaddexp2": {}, "hypot": {}, "copysign": {},
       "float_power": dict(lo=0.2, hi=2), "ldexp": {}, "nextafter": {}}
for name, dom in BIN.items():
    second = (lambda dt, dom=dom: A(dt, 4, **dom)) if name == "xlogy" else (lambda dt: A(dt, 4))
    first = (lambda dt, dom=dom: A(dt, 3, 4, **dom)) if name == "float_power" else (lambda dt: A(dt, 3, 4))
    if name == "ldexp":
        # non-negative integer exponents: PyTorch's gradient uses integer 2 ** e (0 for e < 0)
        add(case("ldexp_f32_i64", lambda T, x, e: T.ldexp(x, e), A("f32", 3, 4), A("i64", 4, lo=0, hi=4)))
        add(case("ldexp_f32_f32", lambda T, x, e: T.ldexp(x, e), A("f32", 3, 4), A("f32", 4)))
        add(case("ldexp_i64_i64", lambda T, x, e: T.ldexp(x, e), A("i64", 3), A("i64", 3, lo=0, hi=4)))
        continue
    add(case(f"{name}_f32", lambda T, a, b, n=name: getattr(T, n)(a, b), first("f32"), second("f32"), tol=TOL))
    add(case(f"{name}_f32_f64", lambda T, a, b, n=name: getattr(T, n)(a, b), first("f32"), second("f64"), tol=TOL))
    add(case(f"{name}_i64_i64", lambda T, a, b, n=name: getattr(T, n)(a, b), A("i64", 3, lo=1, hi=4), A("i64", 3, lo=1, hi=4)))
    add(case(f"{name}_i64_f32", lambda T, a, b, n=name: getattr(T, n)(a, b), A("i64", 3, lo=1, hi=4), second("f32"), tol=TOL))
    add(case(f"{name}_scalar", lambda T, a, n=name: getattr(T, n)(a, 2.0), first("f32"), tol=TOL))
    add(case(f"{name}_0d", lambda T, a, b, n=name: getattr(T, n)(a, b), first("f32"), np.asarray(np.float64(1.5)), tol=TOL))
    add(case(f"{name}_bad_shape", lambda T, a, b, n=name: getattr(T, n)(a, b), A("f32", 3), A("f32", 4)))
add(case("xlogy_zero_x", lambda T, a, b: T.xlogy(a, b), np.array([0.0, 0.0, 1.0, 0.0]), np.array([0.0, -1.0, 2.0, np.nan])))
add(case("xlogy_scalar_x", lambda T, b: T.xlogy(2, b), A("f32", 4, lo=0.1, hi=2)))
add(case("xlogy_scalar_x_int", lambda T, b: T.xlogy(2.0, b), A("i64", 4, lo=1, hi=4)))
add(case("copysign_zero_grad", lambda T, a, b: T.copysign(a, b), np.array([0.0, -2.0, 3.0, -0.0]), np.array([-1.0, 1.0, -0.0, 2.0])))
add(case("copysign_int_scalar", lambda T, a: T.copysign(a, -1), A("i64", 4)))
add(case("float_power_scalar_base", lambda T, e: T.float_power(2, e), A("f32", 4)))
add(case("float_power_int", lambda T, a: T.float_power(a, 2), A("i64", 4)))
add(case("hypot_zero", lambda T, a, b: T.hypot(a, b), np.array([0.0, 3.0]), np.array([0.0, 4.0]), check_grad=False))
add(case("logaddexp_inf", lambda T, a, b: T.logaddexp(a, b), np.array([-np.inf, np.inf, 1.0]), np.array([-np.inf, 1.0, 1.0]), check_grad=False))
for name in ("gcd", "lcm"):
    add(case(f"{name}", lambda T, a, b, n=name: getattr(T, n)(a, b), A("i64", 3, 4, lo=-12, hi=13), A("i64", 4, lo=-12, hi=13)))
    add(case(f"{name}_i32", lambda T, a, b, n=name: getattr(T, n)(a, b), A("i32", 4, lo=0, hi=20), A("i32", 4, lo=0, hi=20)))
    add(case(f"{name}_float_err", lambda T, a, b, n=name: getattr(T, n)(a, b), A("f32", 3), A("f32", 3)))
add(case("shift_fn", lambda T, a, b: T.bitwise_left_shift(a, b), A("i64", 4), A("i64", 4, lo=0, hi=4)))
add(case("rshift_fn", lambda T, a: T.bitwise_right_shift(a, 1), A("i64", 4)))

# -- cumulative ops ----------------------------------------------------------------------------------
for name in ("cummax", "cummin"):
    for dt in ("f32", "i64", "b", "f64"):
        add(case(f"{name}_{dt}", lambda T, x, n=name: getattr(T, n)(x, 1), A(dt, 3, 5)))
    add(case(f"{name}_ties_nan", lambda T, x, n=name: getattr(T, n)(x, 0), np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan])))
    add(case(f"{name}_ties_grad", lambda T, x, n=name: getattr(T, n)(x, -1), np.array([[2.0, 2.0, 1.0, 2.0], [0.0, 3.0, 3.0, 0.0]])))
    add(case(f"{name}_0d", lambda T, x, n=name: getattr(T, n)(x, 0), np.asarray(np.float32(2.0))))
    add(case(f"{name}_empty", lambda T, x, n=name: getattr(T, n)(x, 0), np.zeros((0, 2), np.float32)))
add(case("logcumsumexp", lambda T, x: T.logcumsumexp(x, 1), A("f32", 3, 5), tol=TOL))
add(case("logcumsumexp_f64_dim0", lambda T, x: T.logcumsumexp(x, 0), A("f64", 4, 3) * 10))
add(case("logcumsumexp_inf", lambda T, x: T.logcumsumexp(x, 0), np.array([-np.inf, 0.0, -np.inf, 2.0]), check_grad=False))
add(case("logcumsumexp_0d", lambda T, x: T.logcumsumexp(x, 0), np.asarray(np.float64(1.5))))
add(case("logcumsumexp_int_err", lambda T, x: T.logcumsumexp(x, 0), A("i64", 3)))
for dt in ("f32", "i64", "b"):
    add(case(f"diff_{dt}", lambda T, x: T.diff(x), A(dt, 3, 5)))
    add(case(f"diff_n2_dim0_{dt}", lambda T, x: T.diff(x, n=2, dim=0), A(dt, 4, 3)))
add(case("diff_prepend_append", lambda T, x, p, a: T.diff(x, dim=1, prepend=p, append=a), A("f32", 3, 4), A("f32", 3, 1), A("f32", 3, 2)))
add(case("diff_n_too_big", lambda T, x: T.diff(x, n=5), A("f32", 3)))
add(case("diff_0d_err", lambda T, x: T.diff(x), np.asarray(np.float32(1))))
add(case("trapezoid", lambda T, y: T.trapezoid(y), A("f32", 3, 5), tol=TOL))
add(case("trapezoid_x", lambda T, y, x: T.trapezoid(y, x, dim=0), A("f64", 4, 3), np.array([0.0, 0.5, 2.0, 3.0])))
add(case("trapezoid_dx", lambda T, y: T.trapezoid(y, dx=0.5), A("f32", 5), tol=TOL))
add(case("trapezoid_int", lambda T, y: T.trapezoid(y), A("i64", 5)))
add(case("trapz", lambda T, y, x: T.trapz(y, x), A("f64", 2, 4), A("f64", 2, 4)))
add(case("cumulative_trapezoid", lambda T, y: T.cumulative_trapezoid(y, dim=0), A("f64", 4, 3)))

# -- order statistics -------------------------------------------------------------------------------
QX = A("f64", 4, 7)
for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
    add(case(f"quantile_{interp}", lambda T, x, i=interp: T.quantile(x, 0.3, dim=1, interpolation=i), QX))
    add(case(f"quantile_qvec_{interp}", lambda T, x, q, i=interp: T.quantile(x, q, dim=0, keepdim=True, interpolation=i),
             QX, np.array([0.0, 0.25, 0.5, 0.9, 1.0]), grad=(True, False)))
    add(case(f"nanquantile_{interp}", lambda T, x, i=interp: T.nanquantile(x, 0.6, dim=1, interpolation=i),
             np.where(A("f64", 4, 7) > 0.8, np.nan, QX)))
add(case("quantile_all", lambda T, x: T.quantile(x, 0.75), QX))
add(case("quantile_all_keepdim", lambda T, x: x.quantile(0.75, keepdim=True), QX))
add(case("quantile_nan", lambda T, x: T.quantile(x, 0.5, dim=1), np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]])))
add(case("nanquantile_allnan", lambda T, x: T.nanquantile(x, 0.5, dim=1), np.array([[np.nan, np.nan], [1.0, 2.0]])))
add(case("quantile_int_err", lambda T, x: T.quantile(x, 0.5), A("i64", 4)))
add(case("quantile_q_range_err", lambda T, x: T.quantile(x, 1.5), A("f32", 4)))
add(case("quantile_q_dtype_err", lambda T, x, q: T.quantile(x, q), A("f32", 4), np.array([0.5]), grad=False))
add(case("quantile_empty_err", lambda T, x: T.quantile(x, 0.5), np.zeros(0, np.float32)))
add(case("quantile_0d", lambda T, x: T.quantile(x, 0.3), np.asarray(np.float64(2.0))))
add(case("nanmedian", lambda T, x: T.nanmedian(x), np.array([1.0, np.nan, 3.0, 2.0])))
add(case("nanmedian_dim", lambda T, x: T.nanmedian(x, 1), np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, 5.0, np.nan, np.nan]])))
add(case("nanmedian_keep", lambda T, x: x.nanmedian(0, keepdim=True), A("f32", 5, 3)))
add(case("nanmedian_int", lambda T, x: T.nanmedian(x), A("i64", 5)))
add(case("mode", lambda T, x: T.mode(x, 1), np.array([[1.0, 3.0, 3.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 0.0, 0.0]])))
add(case("mode_int_keep", lambda T, x: x.mode(0, keepdim=True), A("i64", 6, 3, lo=0, hi=3)))
add(case("mode_default_dim", lambda T, x: T.mode(x), A("i64", 2, 9, lo=0, hi=4)))
add(case("mode_bool", lambda T, x: T.mode(x), A("b", 7)))
add(case("mode_0d", lambda T, x: T.mode(x), np.asarray(np.float32(3.0))))
for k in (1, 3, 5):
    add(case(f"kthvalue_{k}", lambda T, x, k=k: T.kthvalue(x, k, 1), A("f32", 3, 5)))
add(case("kthvalue_keep_dim0", lambda T, x: x.kthvalue(2, 0, keepdim=True), A("f64", 4, 3)))
add(case("kthvalue_int", lambda T, x: T.kthvalue(x, 2), np.random.default_rng(1).permutation(10).reshape(2, 5)))
add(case("kthvalue_oob", lambda T, x: T.kthvalue(x, 6), A("f32", 5)))
add(case("kthvalue_bool_err", lambda T, x: T.kthvalue(x, 1), A("b", 5)))
add(case("msort", lambda T, x: T.msort(x), A("f32", 4, 3)))

# -- shape helpers -----------------------------------------------------------------------------------
X = A("f32", 4, 6)
SHAPES = {
    "repeat_interleave_int": lambda T, x: x.repeat_interleave(2), "repeat_interleave_dim": lambda T, x: T.repeat_interleave(x, 3, dim=1),
    "repeat_interleave_tensor": lambda T, x: x.repeat_interleave(T.tensor([1, 0, 2, 1]), dim=0),
    "tensor_split_int": lambda T, x: T.tensor_split(x, 4, dim=1), "tensor_split_idx": lambda T, x: x.tensor_split([1, 4], 1),
    "tensor_split_more": lambda T, x: T.tensor_split(x, 6), "hsplit": lambda T, x: T.hsplit(x, 3), "hsplit_idx": lambda T, x: x.hsplit([2]),
    "vsplit": lambda T, x: T.vsplit(x, 2), "hsplit_uneven_err": lambda T, x: T.hsplit(x, 4), "dsplit_err": lambda T, x: T.dsplit(x, 2),
    "dsplit": lambda T, x: T.dsplit(x.reshape(2, 2, 6), 3), "rot90": lambda T, x: T.rot90(x), "rot90_k2": lambda T, x: x.rot90(2),
    "rot90_k3_dims": lambda T, x: T.rot90(x, 3, (1, 0)), "rot90_neg": lambda T, x: T.rot90(x, -1), "rot90_k0": lambda T, x: T.rot90(x, 0),
    "take_along_dim": lambda T, x: T.take_along_dim(x, x.argsort(1), 1), "take_along_dim_flat": lambda T, x: T.take_along_dim(x, T.tensor([0, 5, 23])),
    "take_along_dim_bcast": lambda T, x: x.take_along_dim(T.tensor([[0], [2]]).expand(2, 6)[:1], 0),
    "column_stack": lambda T, x: T.column_stack([x[0], x[1], x[:, :2].T.reshape(6, 2)]), "diagflat": lambda T, x: T.diagflat(x[0, :3]),
    "diagflat_off": lambda T, x: T.diagflat(x[:2, :2], -1), "narrow_copy": lambda T, x: T.narrow_copy(x, 1, 2, 3),
    "select_scatter": lambda T, x: T.select_scatter(x, x[0] * 2, 0, 1), "slice_scatter": lambda T, x: T.slice_scatter(x, x[:, :3] * 2, 1, 1, 6, 2),
    "diagonal_scatter": lambda T, x: T.diagonal_scatter(x, x[0, :4] * 3), "renorm": lambda T, x: T.renorm(x, 2, 0, 1.0),
    "renorm_p1_dim1": lambda T, x: x.renorm(1, 1, 0.5), "broadcast_shapes": lambda T, x: T.broadcast_shapes((2, 1), (3,), (1, 1, 1)),
    "broadcast_shapes_err": lambda T, x: T.broadcast_shapes((2,), (3,)),
}
for name, fn in SHAPES.items():
    add(case(name, fn, X))
add(case("repeat_interleave_repeats_only", lambda T, r: T.repeat_interleave(r), np.array([2, 0, 3], np.int64)))
# PyTorch's vander backward fails (an in-place write in its own formula): forward only
add(case("vander", lambda T, x: T.vander(x), A("f32", 4), grad=False))
add(case("vander_inc_N", lambda T, x: T.vander(x, N=3, increasing=True), A("f64", 3), grad=False))
add(case("vander_int", lambda T, x: T.vander(x), A("i64", 3)))
add(case("unique_consecutive", lambda T, x: T.unique_consecutive(x), np.array([1, 1, 2, 2, 3, 1, 1, 2])))
add(case("unique_consecutive_all", lambda T, x: T.unique_consecutive(x, return_inverse=True, return_counts=True),
         np.array([[1, 1, 2], [2, 3, 3]])))
add(case("unique_consecutive_dim", lambda T, x: T.unique_consecutive(x, return_counts=True, dim=0),
         np.array([[1, 2], [1, 2], [3, 4], [1, 2]])))
add(case("isin", lambda T, a, b: T.isin(a, b), A("i64", 3, 4), np.array([0, 2, 5])))
add(case("isin_invert", lambda T, a, b: T.isin(a, b, invert=True), A("i64", 5), np.array([0, 2])))
add(case("isin_scalar", lambda T, a: T.isin(a, 2), A("i64", 5)))
add(case("unravel_index", lambda T, i: T.unravel_index(i, (3, 4)), np.array([0, 5, 11, -1])))

# -- matrix helpers ----------------------------------------------------------------------------------
M = A("f64", 3, 3) + 3 * np.eye(3)
MAT = {
    "trace": lambda T, m, v: T.trace(m), "trace_method": lambda T, m, v: m[:, :2].trace(),
    "kron": lambda T, m, v: T.kron(m[:2], v[:2]), "kron_2d": lambda T, m, v: T.kron(m[:2, :2], m), "inner": lambda T, m, v: T.inner(m, m[:2]),
    "inner_vec": lambda T, m, v: T.inner(v, v), "addmv": lambda T, m, v: T.addmv(v, m, v, beta=0.5, alpha=2),
    "addr": lambda T, m, v: T.addr(m, v, v * 2, alpha=3), "matrix_power_3": lambda T, m, v: T.matrix_power(m, 3),
    "matrix_power_0": lambda T, m, v: T.matrix_power(m, 0), "matrix_power_neg": lambda T, m, v: T.matrix_power(m, -2),
    "matrix_power_1": lambda T, m, v: m.matrix_power(1), "logdet": lambda T, m, v: T.logdet(m),
    "logdet_neg": lambda T, m, v: T.logdet(-m), "block_diag": lambda T, m, v: T.block_diag(m, v, v[0], m[:1, :2]),
    "chain_matmul": lambda T, m, v: T.chain_matmul(m, m, m[:, :2]), "dist": lambda T, m, v: T.dist(m, m.T),
    "dist_p1": lambda T, m, v: T.dist(v, v * 0, 1), "cov": lambda T, m, v: T.cov(m), "cov_1d": lambda T, m, v: T.cov(v),
    "cov_corr0": lambda T, m, v: T.cov(m, correction=0), "corrcoef": lambda T, m, v: T.corrcoef(m),
    "cov_fw": lambda T, m, v: T.cov(m, fweights=T.tensor([1, 2, 1])),
    "cov_aw": lambda T, m, v: T.cov(m, aweights=v.abs()), "trace_3d_err": lambda T, m, v: T.trace(m.reshape(1, 3, 3)),
}
for name, fn in MAT.items():
    add(case(name, fn, M, A("f64", 3)))
add(case("trace_int", lambda T, m: T.trace(m), A("i32", 3, 3)))
add(case("kron_int", lambda T, a, b: T.kron(a, b), A("i64", 2, 2), A("i64", 3)))
add(case("block_diag_mixed", lambda T, a, b: T.block_diag(a, b), A("i64", 2, 2), A("f32", 1, 3)))
add(case("addbmm", lambda T, c, a, b: T.addbmm(c, a, b, beta=0.5), A("f32", 2, 4), A("f32", 3, 2, 3), A("f32", 3, 3, 4), tol=TOL))
add(case("cov_int", lambda T, x: T.cov(x), A("i64", 2, 5)))

# -- torch.* spellings of nn ops ------------------------------------------------------------------------
add(case("torch.selu", lambda T, x: T.selu(x), A("f32", 5)))
add(case("torch.celu", lambda T, x: T.celu(x, 0.5), A("f32", 5)))
add(case("torch.threshold", lambda T, x: T.threshold(x, 0.1, 20.0), A("f32", 5)))
add(case("torch.hardshrink", lambda T, x: T.hardshrink(x, 0.3), A("f32", 5)))
add(case("torch.prelu", lambda T, x, w: T.prelu(x, w), A("f32", 2, 3), np.array([0.2], np.float32)))
add(case("torch.conv2d", lambda T, x, w: T.conv2d(x, w, None, 1, 1), A("f32", 1, 2, 5, 5), A("f32", 3, 2, 3, 3), tol=TOL))
add(case("torch.conv1d", lambda T, x, w, b: T.conv1d(x, w, b, 2), A("f32", 1, 2, 7), A("f32", 3, 2, 3), A("f32", 3), tol=TOL))
add(case("torch.layer_norm", lambda T, x, w, b: T.layer_norm(x, (4,), w, b), A("f32", 2, 4), A("f32", 4), A("f32", 4), tol=TOL))
add(case("torch.group_norm", lambda T, x: T.group_norm(x, 2), A("f32", 2, 4, 3), tol=TOL))
add(case("torch.batch_norm", lambda T, x, w, b, m, v: T.batch_norm(x, w, b, m, v, False, 0.1, 1e-5, False),
         A("f32", 4, 3), A("f32", 3), A("f32", 3), A("f32", 3), A("f32", 3, lo=0.5, hi=2), tol=TOL, grad=(True, True, True, False, False)))
add(case("torch.embedding", lambda T, w, i: T.embedding(w, i), A("f32", 5, 3), np.array([[0, 4], [2, 2]])))
add(case("torch.pixel_shuffle", lambda T, x: T.pixel_shuffle(x, 2), A("f32", 2, 8, 2, 3)))
add(case("F.pixel_shuffle_unbatched", lambda T, x: T.pixel_shuffle(x, 3), A("f32", 9, 2, 2)))
add(case("torch.pixel_unshuffle", lambda T, x: T.pixel_unshuffle(x, 2), A("f32", 1, 2, 4, 6)))
add(case("torch.pixel_shuffle_err", lambda T, x: T.pixel_shuffle(x, 2), A("f32", 1, 6, 2, 2)))
add(case("torch.channel_shuffle", lambda T, x: T.channel_shuffle(x, 3), A("f32", 2, 6, 2)))
add(case("torch.pdist", lambda T, x: T.pdist(x), A("f64", 4, 3)))
add(case("torch.pdist_p1", lambda T, x: T.pdist(x, 1), A("f64", 5, 2)))
add(case("torch.cosine_similarity", lambda T, a, b: T.cosine_similarity(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("torch.pairwise_distance", lambda T, a, b: T.pairwise_distance(a, b), A("f32", 3, 4), A("f32", 3, 4), tol=TOL))
add(case("torch.max_pool2d", lambda T, x: T.max_pool2d(x, 2), A("f32", 1, 2, 4, 4)))
add(case("torch.avg_pool1d", lambda T, x: T.avg_pool1d(x, 2), A("f32", 1, 2, 6), tol=TOL))
add(case("torch.adaptive_avg_pool1d", lambda T, x: T.adaptive_avg_pool1d(x, 3), A("f32", 1, 2, 7), tol=TOL))
add(case("torch.adaptive_max_pool1d", lambda T, x: T.adaptive_max_pool1d(x, 3), A("f32", 1, 2, 7)))
add(case("torch.alpha_dropout_eval", lambda T, x: T.alpha_dropout(x, 0.5, False), A("f32", 4)))
add(case("torch.bilinear", lambda T, a, b, w: T.bilinear(a, b, w), A("f32", 2, 3), A("f32", 2, 4), A("f32", 5, 3, 4), tol=TOL))
add(case("torch.result_type", lambda T, a, b: T.result_type(a, b), A("i32", 3), np.asarray(np.float64(1))))
add(case("torch.result_type_scalar", lambda T, a: T.result_type(a, 2.5), A("i64", 3)))
add(case("torch.is_nonzero", lambda T, a: T.is_nonzero(a), np.array([0.5])))
add(case("torch.is_nonzero_err", lambda T, a: T.is_nonzero(a), np.array([0.5, 1.0])))
add(case("torch.clamp_", lambda T, a: T.clamp_(a, -0.1, 0.1), A("f32", 4), grad=False))

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


@pytest.mark.parametrize("c", params(CASES))
def test_parity(c):
    run_case(c, torch)
