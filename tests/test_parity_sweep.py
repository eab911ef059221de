"""Parity sweep of the torch.* namespace and Tensor methods against PyTorch (see parity_helpers):
elementwise math over dtypes and broadcast/0-dim shapes, reductions with dim/keepdim, shape and
indexing ops, linear algebra and einsum, with values, dtypes, requires_grad, gradients and
error classes compared."""
import numpy as np
import pytest

from parity_helpers import A, case, params, run_case

torch = pytest.importorskip("torch")

CASES = []
add = CASES.append

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

# -- binary elementwise over dtype / shape combinations ------------------------------------------
PAIRS = {
    "f32_bcast": lambda nz: (A("f32", 3, 4), A("f32", 4, nz=nz)),
    "f32_f64": lambda nz: (A("f32", 3, 1), A("f64", 1, 4, nz=nz)),
    "f32_i64": lambda nz: (A("f32", 3), A("i64", 3, nz=nz)),
    "i64_i64": lambda nz: (A("i64", 3, 4), A("i64", 4, nz=nz)),
    "f32_f64_0d": lambda nz: (A("f32", 3), np.asarray(A("f64", 1, nz=nz)[0])),
    "i64_f32_0d": lambda nz: (A("i64", 3), np.asarray(A("f32", 1, nz=nz)[0])),
    "i32_i64_0d": lambda nz: (A("i32", 3), np.asarray(A("i64", 1, nz=nz)[0])),
    "0d_0d": lambda nz: (np.asarray(A("f32", 1)[0]), np.asarray(A("f64", 1, nz=nz)[0])),
    "u8_i8": lambda nz: (A("u8", 4), A("i8", 4, nz=nz)),
    "b_b": lambda nz: (A("b", 4), A("b", 4)),
    "b_i32": lambda nz: (A("b", 4), A("i32", 4, nz=nz)),
    "f32_scalar_f": lambda nz: (A("f32", 3), 2.5),
    "i64_scalar_f": lambda nz: (A("i64", 3), 2.5),
    "i64_scalar_i": lambda nz: (A("i64", 3), -3),
    "b_scalar_i": lambda nz: (A("b", 3), 2),
    "scalar_f32": lambda nz: (A("f32", 3, nz=True), None),
    "f32_bad_shape": lambda nz: (A("f32", 3), A("f32", 4)),
}
BINARY = {
    "add": lambda T, a, b: a + b, "sub": lambda T, a, b: a - b, "mul": lambda T, a, b: a * b,
    "div": lambda T, a, b: a / b, "floordiv": lambda T, a, b: a // b, "mod": lambda T, a, b: a % b,
    "pow": lambda T, a, b: a ** b, "fmod": lambda T, a, b: T.fmod(a, b),
    "remainder": lambda T, a, b: T.remainder(a, b), "atan2": lambda T, a, b: T.atan2(a, b),
    "maximum": lambda T, a, b: T.maximum(a, b), "minimum": lambda T, a, b: T.minimum(a, b),
    "eq": lambda T, a, b: a == b, "lt": lambda T, a, b: a < b, "ge": lambda T, a, b: T.ge(a, b),
    "logical_and": lambda T, a, b: T.logical_and(a, b), "bitand": lambda T, a, b: a & b,
    "bitxor": lambda T, a, b: T.bitwise_xor(a, b), "add_alpha": lambda T, a, b: T.add(a, b, alpha=2),
    "sub_alpha": lambda T, a, b: T.sub(a, b, alpha=2),
    "div_trunc": lambda T, a, b: T.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda T, a, b: T.div(a, b, rounding_mode="floor"),
}
RBIN = {"add": lambda T, x: 1.5 + x, "sub": lambda T, x: 1.5 - x, "mul": lambda T, x: 2 * x,
        "div": lambda T, x: 1.5 / x, "floordiv": lambda T, x: 1.5 // x, "mod": lambda T, x: 1.5 % x,
        "pow": lambda T, x: 1.5 ** x, "eq": lambda T, x: 1.5 == x, "lt": lambda T, x: 0 < x,
        "bitand": lambda T, x: True & x}
NEED_NZ = {"div", "floordiv", "mod", "fmod", "remainder", "div_trunc", "div_floor", "pow"}
for pname, make in PAIRS.items():
    for oname, fn in BINARY.items():
        if pname in ("b_b", "u8_i8", "b_i32") and oname in ("pow", "atan2"):
            continue
        a, b = make(oname in NEED_NZ)
        if pname == "scalar_f32":  # python scalar on the left: the reflected operators
            if oname in RBIN:
                add(case(f"r{oname}_{pname}", RBIN[oname], a))
            continue
        if oname == "pow" and a.dtype.kind == "f":
            a = np.abs(a) + 0.2
        add(case(f"{oname}_{pname}", fn, a, b))

# negative operands: floor/trunc/remainder sign rules, ints and floats
NEGI = (np.array([7, -7, 7, -7, 0, 5], np.int64), np.array([2, 2, -2, -2, 3, -5], np.int64))
NEGF = (np.array([7.5, -7.5, 7.5, -7.5, 0.0, -0.0], np.float32), np.array([2, 2, -2, -2, 3, -3], np.float32))
for label, (a, b) in (("i", NEGI), ("f", NEGF)):
    add(case(f"floordiv_neg_{label}", lambda T, x, y: x // y, a, b))
    add(case(f"floor_divide_neg_{label}", lambda T, x, y: T.floor_divide(x, y), a, b))
    add(case(f"remainder_neg_{label}", lambda T, x, y: T.remainder(x, y), a, b))
    add(case(f"fmod_neg_{label}", lambda T, x, y: T.fmod(x, y), a, b))
    add(case(f"div_trunc_neg_{label}", lambda T, x, y: T.div(x, y, rounding_mode="trunc"), a, b))
    add(case(f"mod_scalar_neg_{label}", lambda T, x: x % -3, a))
    add(case(f"rmod_scalar_{label}", lambda T, x: 5 % x, b))
add(case("int_div_zero_err", lambda T, x, y: x // y, np.array([1, 2], np.int64), np.array([0, 1], np.int64)))
add(case("int_remainder_zero_err", lambda T, x, y: x % y, np.array([1, 2], np.int64), np.array([0, 1], np.int64)))
add(case("float_div_zero", lambda T, x, y: x / y, np.array([1.0, -1.0, 0.0], np.float32), np.zeros(3, np.float32)))
add(case("int_true_div", lambda T, x, y: x / y, np.array([1, 7], np.int64), np.array([2, 2], np.int64)))
add(case("int_pow_neg_err", lambda T, x: x ** -1, np.array([1, 2], np.int64)))
add(case("int_pow_int", lambda T, x, y: x ** y, np.array([2, 3, -2], np.int64), np.array([3, 2, 3], np.int64)))
add(case("pow_scalar_base_t", lambda T, x: 2 ** x, A("i64", 4, lo=0, hi=5)))
add(case("pow_zero_grad", lambda T, x, y: x ** y, np.array([0.0, 2.0]), np.array([2.0, 0.0])))
add(case("pow_scalar_0", lambda T, x: x ** 0, A("f32", 3)))
add(case("pow_scalar_half", lambda T, x: x ** 0.5, A("f32", 3, lo=0.1, hi=2)))
add(case("maximum_ties_grad", lambda T, a, b: T.maximum(a, b), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 3.0])))
add(case("minimum_nan", lambda T, a, b: T.minimum(a, b), np.array([np.nan, 1.0]), np.array([0.0, np.nan])))
add(case("fmax_nan", lambda T, a, b: T.fmax(a, b), np.array([np.nan, 1.0, np.nan]), np.array([0.0, np.nan, np.nan])))
add(case("fmin_nan", lambda T, a, b: T.fmin(a, b), np.array([np.nan, 1.0, 2.0]), np.array([0.0, np.nan, 1.0])))
add(case("max_binary", lambda T, a, b: T.max(a, b), A("f32", 3), A("f32", 3)))
add(case("bitand_float_err", lambda T, a, b: a & b, A("f32", 3), A("f32", 3)))
add(case("shift_left", lambda T, a, b: a << b, A("i64", 3), np.array([1, 2, 3], np.int64)))
add(case("shift_right", lambda T, a: a >> 1, A("i64", 4)))
add(case("bitwise_or_b", lambda T, a, b: a | b, A("b", 4), A("b", 4)))
add(case("logical_xor_f", lambda T, a, b: T.logical_xor(a, b), np.array([0.0, 1.0, 2.0]), np.array([0, 0, 3], np.int64)))
add(case("eq_bcast_0d", lambda T, a, b: T.eq(a, b), A("i64", 2, 3), np.asarray(np.int64(1))))
add(case("ne_scalar", lambda T, a: a != 2, A("i64", 5)))
add(case("eq_none_false", lambda T, a: a == None, A("i64", 2)))  # noqa: E711
add(case("gt_float_int", lambda T, a, b: a > b, A("f32", 4), A("i64", 4)))
add(case("equal", lambda T, a, b: T.equal(a, b), A("f32", 3), A("f32", 3)))
add(case("equal_same", lambda T, a: T.equal(a, a.clone()), A("i64", 3)))
add(case("allclose", lambda T, a: T.allclose(a, a + 1e-9), A("f64", 3)))
add(case("isclose", lambda T, a, b: T.isclose(a, b, atol=0.5), A("f32", 5), A("f32", 5)))
add(case("where", lambda T, c, a, b: T.where(c, a, b), A("b", 3, 4), A("f32", 3, 4), A("f32", 4)))
add(case("where_mixed", lambda T, c, a, b: T.where(c, a, b), A("b", 3), A("f32", 3), A("i64", 3)))
add(case("where_scalar", lambda T, c, a: T.where(c, a, 0.0), A("b", 3), A("f64", 3)))
add(case("where_scalars", lambda T, c: T.where(c, 1.0, 0), A("b", 3)))
add(case("where_int_scalar", lambda T, c, a: T.where(c, a, 2), A("b", 3), A("i32", 3)))
add(case("where_method", lambda T, c, a, b: a.where(c, b), A("b", 3), A("f32", 3), A("f32", 3)))
add(case("where_1arg", lambda T, c: T.where(c), A("i64", 2, 3)))
add(case("where_nonbool_err", lambda T, c, a: T.where(c, a, a), A("i64", 3), A("f32", 3)))
add(case("clamp", lambda T, x: T.clamp(x, -0.5, 0.5), A("f32", 3, 4)))
add(case("clamp_min_only", lambda T, x: x.clamp(min=0), A("f32", 5)))
add(case("clamp_max_only", lambda T, x: x.clamp(max=0.2), A("f64", 5)))
add(case("clamp_int_float", lambda T, x: T.clamp(x, 0.5, 2.5), A("i64", 5)))
add(case("clamp_int", lambda T, x: T.clamp(x, -1, 2), A("i64", 5)))
add(case("clamp_tensor", lambda T, x, lo, hi: T.clamp(x, lo, hi), A("f32", 3, 4), A("f32", 4) - 1, A("f32", 3, 1) + 1))
add(case("clamp_none_err", lambda T, x: T.clamp(x), A("f32", 3)))
add(case("clamp_ties_grad", lambda T, x: x.clamp(0.0, 1.0), np.array([0.0, 1.0, 0.5, -1.0, 2.0])))
add(case("clamp_min_gt_max", lambda T, x: x.clamp(1.0, 0.0), A("f32", 4)))
add(case("clip", lambda T, x: T.clip(x, -1, 1), A("f32", 4)))
add(case("clamp_min_fn", lambda T, x: T.clamp_min(x, 0.1), A("f32", 4)))
add(case("clamp_max_method", lambda T, x: x.clamp_max(0.1), A("f32", 4)))
add(case("lerp_scalar", lambda T, a, b: T.lerp(a, b, 0.3), A("f32", 3, 4), A("f32", 4)))
add(case("lerp_tensor", lambda T, a, b, w: T.lerp(a, b, w), A("f32", 3), A("f32", 3), A("f32", 3)))
add(case("lerp_0d_weight", lambda T, a, b, w: a.lerp(b, w), A("f32", 3), A("f32", 3), np.asarray(np.float32(0.7))))
add(case("addcmul", lambda T, a, b, c: T.addcmul(a, b, c, value=0.5), A("f32", 3, 1), A("f32", 4), A("f32", 3, 4)))
add(case("addcdiv", lambda T, a, b, c: T.addcdiv(a, b, c, value=2), A("f32", 3), A("f32", 3), A("f32", 3, nz=True)))
add(case("addcdiv_int_err", lambda T, a, b, c: T.addcdiv(a, b, c), A("i64", 3), A("i64", 3), A("i64", 3, nz=True)))
add(case("heaviside", lambda T, a, b: T.heaviside(a, b), np.array([-1.0, 0.0, 2.0]), np.array([0.5])))
add(case("abs_op", lambda T, x: abs(x), A("i64", 4)))
add(case("pos_op", lambda T, x: +x, A("f32", 4)))



# -- in-place ops on tensors that are part of a graph ------------------------------------------------
def _ip(op):
    def f(T, x, *rest):
        y = x * 1  # a non-leaf, so in-place ops are allowed while x requires grad
        op(T, y, *rest)
        return y
    return f


INPLACE = {
    "add_": lambda T, y, o: y.add_(o, alpha=0.5), "sub_": lambda T, y, o: y.sub_(o),
    "mul_": lambda T, y, o: y.mul_(o), "div_": lambda T, y, o: y.div_(o), "pow_": lambda T, y, o: y.abs_().pow_(2),
    "iadd": lambda T, y, o: y.__iadd__(o), "imul_scalar": lambda T, y, o: y.__imul__(3),
    "clamp_": lambda T, y, o: y.clamp_(-0.5, 0.5), "clamp_min_t": lambda T, y, o: y.clamp_(min=o),
    "relu_": lambda T, y, o: y.relu_(), "sigmoid_": lambda T, y, o: y.sigmoid_(), "tanh_": lambda T, y, o: y.tanh_(),
    "exp_": lambda T, y, o: y.exp_(), "neg_": lambda T, y, o: y.neg_(), "abs_": lambda T, y, o: y.abs_(),
    "sqrt_": lambda T, y, o: y.abs_().sqrt_(), "log_": lambda T, y, o: y.abs_().log_(),
    "reciprocal_": lambda T, y, o: y.reciprocal_(), "copy_const": lambda T, y, o: y.copy_(o.detach()),
    "copy_grad": lambda T, y, o: y.copy_(o), "fill_": lambda T, y, o: y.fill_(2.0), "zero_": lambda T, y, o: y.zero_(),
    "masked_fill_": lambda T, y, o: y.masked_fill_(o > 0, 0.0), "addcmul_": lambda T, y, o: y.addcmul_(o, o, value=2),
    "addcdiv_": lambda T, y, o: y.addcdiv_(o, o.abs() + 1), "setitem_row": lambda T, y, o: y.__setitem__(1, o[0]),
    "setitem_mask": lambda T, y, o: y.__setitem__(o > 0, 1.0), "view_mul_": lambda T, y, o: y[0].mul_(3),
    "view_zero_": lambda T, y, o: y[:, 1].zero_(), "diag_fill_": lambda T, y, o: y.diagonal().fill_(0.5),
    "index_fill_": lambda T, y, o: y.index_fill_(1, T.tensor([0, 2]), -1.0),
    "scatter_": lambda T, y, o: y.scatter_(1, T.tensor([[0], [1], [2]]), o[:, :1]),
    "index_add_": lambda T, y, o: y.index_add_(0, T.tensor([0, 0]), o[:2]),
    "unsqueeze_": lambda T, y, o: y.unsqueeze_(0), "t_": lambda T, y, o: y.t_(),
    "transpose_": lambda T, y, o: y.transpose_(0, 1), "squeeze_": lambda T, y, o: y.unsqueeze_(1).squeeze_(1),
    "nan_to_num_": lambda T, y, o: y.nan_to_num_(), "lerp_": lambda T, y, o: y.lerp_(o, 0.3),
    "floor_": lambda T, y, o: y.floor_(), "round_": lambda T, y, o: y.round_(), "trunc_": lambda T, y, o: y.trunc_(),
    "sign_": lambda T, y, o: y.sign_(), "clamp_max_": lambda T, y, o: y.clamp_max_(0.1),
    "clamp_min_": lambda T, y, o: y.clamp_min_(0.1), "square_": lambda T, y, o: y.square_(),
    "sin_": lambda T, y, o: y.sin_(), "cos_": lambda T, y, o: y.cos_(), "erf_": lambda T, y, o: y.erf_(),
    "log1p_": lambda T, y, o: y.abs_().log1p_(), "expm1_": lambda T, y, o: y.expm1_(), "frac_": lambda T, y, o: y.frac_(),
    "fmod_": lambda T, y, o: y.fmod_(1.5), "remainder_": lambda T, y, o: y.remainder_(1.5),
    "floor_divide_": lambda T, y, o: y.floor_divide_(2.0), "hypot_": lambda T, y, o: y.hypot_(o),
    "atan2_": lambda T, y, o: y.atan2_(o), "logical_not_": lambda T, y, o: y.logical_not_(),
    "eq_": lambda T, y, o: y.eq_(o), "lt_": lambda T, y, o: y.lt_(0), "cumsum_": lambda T, y, o: y.cumsum_(1),
    "rsqrt_": lambda T, y, o: y.abs_().rsqrt_(), "sub_int_into_float": lambda T, y, o: y.sub_(2),
    "add_float_into_int": lambda T, y, o: y.long().add_(1.5),
}
for name, op in INPLACE.items():
    add(case(f"inplace_{name}", _ip(op), A("f32", 3, 3), A("f32", 3, 3)))
add(case("inplace_leaf_err", lambda T, x: x.add_(1), A("f32", 3)))
add(case("inplace_int_add_", lambda T, x: x.add_(2), A("i64", 3)))
add(case("inplace_int_mul_float_err", lambda T, x: x.mul_(1.5), A("i64", 3)))
add(case("inplace_bcast_err", lambda T, x, y: x.add_(y), A("f32", 3), A("f32", 2, 3), grad=False))
add(case("inplace_int_div_err", lambda T, x, y: x.div_(y), A("i64", 3), A("i64", 3, nz=True)))
add(case("inplace_bool_ior", lambda T, x, y: x.__ior__(y), A("b", 3), A("b", 3)))


# -- integer ranges: arithmetic and comparisons wrap out-of-range Python ints (two's complement);
# fills, clamp bounds and where/masked_fill scalars must fit the dtype (RuntimeError) ----------------
U8 = np.array([1, 200], np.uint8)
WRAP = {
    "u8_mul_300": lambda T, x: x * 300, "u8_add_wrap": lambda T, x: x + 100, "u8_sub_wrap": lambda T, x: x - 5,
    "u8_gt_neg": lambda T, x: x > -1, "u8_eq_257": lambda T, x: x == 257, "i32_add_2_40": lambda T, x: x.int() + 2 ** 40,
    "i8_lt_1000": lambda T, x: x.char() < 1000, "i64_add_2_63": lambda T, x: x.long() + 2 ** 63,
    "i32_overflow": lambda T, x: x.int() * (2 ** 31 - 1), "u8_iadd_300": lambda T, x: x.clone().__iadd__(300),
    "u8_imul_neg": lambda T, x: x.clone().__imul__(-1), "u8_fill_300": lambda T, x: x.clone().fill_(300),
    "u8_fill_neg1": lambda T, x: x.clone().fill_(-1), "u8_fill_float": lambda T, x: x.clone().fill_(2.7),
    "i64_fill_nan": lambda T, x: x.long().fill_(float("nan")), "u8_masked_fill_256": lambda T, x: x.masked_fill(x > 1, 256),
    "u8_masked_fill_neg": lambda T, x: x.masked_fill(x > 1, -1), "u8_clamp_neg": lambda T, x: x.clamp(-1, 300),
    "u8_clamp_ok": lambda T, x: x.clamp(0, 5), "i64_clamp_big": lambda T, x: x.long().clamp(-3, 2 ** 40),
    "u8_where_300": lambda T, x: T.where(x > 1, x, 300), "u8_where_neg": lambda T, x: T.where(x > 1, x, -1),
    "u8_where_float": lambda T, x: T.where(x > 1, x, 3.5), "u8_neg": lambda T, x: -x, "u8_abs": lambda T, x: x.abs(),
    "u8_sum": lambda T, x: x.sum(), "u8_cumsum": lambda T, x: x.cumsum(0), "u8_mean_err": lambda T, x: x.mean(),
    "i8_prod": lambda T, x: x.char().prod(), "u8_floordiv_neg": lambda T, x: x // -3, "u8_bitand": lambda T, x: x & 0xF0,
    "u8_float_mul": lambda T, x: x * 1.5, "u8_pow": lambda T, x: x ** 2, "u8_true_div": lambda T, x: x / 3,
    "u8_shift_left": lambda T, x: x << 1, "f16_big": lambda T, x: x.half() * 1000.0, "f16_scalar_f64": lambda T, x: x.half() + 1e-4,
}
for name, fn in WRAP.items():
    add(case(f"int_{name}", fn, U8))


@pytest.mark.parametrize("c", params(CASES))
def test_parity(c):
    run_case(c, torch)
