"""Op records: binary elementwise ops over dtype / broadcast / 0-dim combinations, scalar operands,
integer wrap-around.

The call records (binary_samples: same shape, broadcasting both ways, a 0-dim operand, empty, a
float32/float64 mix, int64, a Python scalar) carry NumPy references, so they are checked without
torch too. The expression samples after them are the parity sweep's cases, kept under their sweep
names: the operator spellings (a + b, 1.5 - x), negative operands, integer wrap-around and errors."""
import numpy as np

from dygrad.testing import OpRecord, RecordSet, S
from dygrad.testing._samples import array, binary_samples, rng_for
from dygrad.testing.parity import A
from tests.records._names import folder

R = RecordSet()
TOL = (1e-5, 1e-5)
case, add = folder(R)


def fl(f):
    """A float reference: integer and bool operands promote to float64 first."""
    def ref(a, b, **kw):
        a, b = (np.asarray(v, np.float64) if np.asarray(v).dtype.kind in "biu" else v for v in (a, b))
        return f(a, b, **kw)
    return ref


def _div(a, b, rounding_mode=None):
    q = np.true_divide(a, b)
    return q if rounding_mode is None else (np.trunc(q) if rounding_mode == "trunc" else np.floor_divide(a, b))


def _float64_self(result, self):
    # float_power_ computes in float64 and writes only into a float64 self (PyTorch)
    return str(self.dtype) == "torch.float64" and tuple(result.shape) == tuple(self.shape)


def _xlogy(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


NZ = dict(lo2=0.5, hi2=2.0)      # a divisor away from 0
POSBASE = dict(lo=0.2, hi=2.0, lo2=-2.0, hi2=2.0)
# name: (reference, domain, float reference, twice differentiable, out=)
CALLS = {
    "add": (lambda a, b, alpha=1: a + alpha * b, {}, False, True, True),
    "sub": (lambda a, b, alpha=1: a - alpha * b, {}, False, True, True),
    "mul": (np.multiply, {}, False, True, True), "div": (_div, NZ, True, True, True),
    "floor_divide": (np.floor_divide, NZ, False, None, True),
    "remainder": (np.remainder, NZ, False, False, True), "fmod": (np.fmod, NZ, False, False, True),
    "pow": (np.power, POSBASE, False, True, True), "atan2": (np.arctan2, {}, True, True, True),
    "maximum": (np.maximum, {}, False, False, True), "minimum": (np.minimum, {}, False, False, True),
    "fmax": (np.fmax, {}, False, False, True), "fmin": (np.fmin, {}, False, False, True),
    "hypot": (np.hypot, {}, True, True, True), "copysign": (np.copysign, {}, True, False, True),
    "logaddexp": (np.logaddexp, {}, True, True, True), "logaddexp2": (np.logaddexp2, {}, True, True, True),
    "xlogy": (_xlogy, dict(lo2=0.1, hi2=3.0), True, True, True),
    "float_power": (lambda a, b: np.power(np.float64(a), b), POSBASE, False, True, True),
    "eq": (np.equal, {}, False, None, True), "ne": (np.not_equal, {}, False, None, True),
    "lt": (np.less, {}, False, None, True), "le": (np.less_equal, {}, False, None, True),
    "gt": (np.greater, {}, False, None, True), "ge": (np.greater_equal, {}, False, None, True),
    "logical_and": (np.logical_and, {}, False, None, True),
    "logical_or": (np.logical_or, {}, False, None, True),
    "logical_xor": (np.logical_xor, {}, False, None, True),
}
NO_INT = {"pow", "float_power", "hypot", "logaddexp", "logaddexp2", "nextafter"}  # float-only or int errors
# known dygrad gaps (strict xfails: the run fails once fixed, then the entry goes)
XFAILS = {}
# PyTorch takes no Python number as `other` here: the scalar sample must raise TypeError
NO_SCALAR = {"atan2", "maximum", "minimum", "fmax", "fmin", "hypot", "logaddexp", "logaddexp2",
             "logical_and", "logical_or", "logical_xor"}
for name, (ref, dom, as_float, twice, out) in CALLS.items():
    samples = binary_samples(name, **dom, ints=() if name in NO_INT else ("i64",), _tol=TOL)
    if name in NO_SCALAR:
        samples[-1].raises = TypeError
    if name in ("add", "sub"):
        rng = rng_for(name + "_alpha")
        samples.append(S(array(rng, "f32", (3, 4)), array(rng, "f32", (4,)), alpha=2, _label=f"{name}_alpha", _tol=TOL))
    if name == "div":
        rng = rng_for("div_rounding")
        samples += [S(array(rng, "f64", (3, 4)), array(rng, "f64", (4,), 0.5, 2.0), rounding_mode=m,
                      _label=f"div_{m}", _gradcheck=False) for m in ("trunc", "floor")]
    if name == "xlogy":
        samples.append(S(array(rng_for("xlogy_scalar"), "f64", (3,)), 2.5, _label="xlogy_f64_scalar"))
    R.add(OpRecord(name, samples, ref=fl(ref) if as_float else ref, differentiable=twice is not None,
                   gradgrad=bool(twice), supports_out=out, xfails=XFAILS.get(name),
                   inplace_fits=_float64_self if name == "float_power" else None))

# ops with a third operand or bounds
def _three(name, ref, make, **opts):
    return R.add(OpRecord(name, make(rng_for(name)), ref=ref, tol=TOL, supports_out=True, **opts))


_three("clamp", lambda x, min=None, max=None: np.clip(x, min, max), lambda g: [
    S(array(g, "f32", (3, 4)), -0.5, 0.5, _label="clamp_f32"), S(array(g, "f64", ()), min=0.1, _label="clamp_min_0d"),
    S(array(g, "i64", (5,)), -1, 2, _label="clamp_int"), S(array(g, "f32", (0, 2)), max=0.0, _label="clamp_empty"),
    S(array(g, "f64", (3, 4)), array(g, "f64", (4,)) - 1, array(g, "f64", (3, 1)) + 1, _label="clamp_tensors"),
    S(array(g, "f32", (3,)), _label="clamp_no_bounds", _raises=RuntimeError)], gradgrad=True)
_three("lerp", lambda a, b, w: a + w * (b - a), lambda g: [
    S(array(g, "f32", (3, 4)), array(g, "f32", (4,)), 0.3, _label="lerp_scalar"),
    S(array(g, "f64", (3,)), array(g, "f64", (3,)), array(g, "f64", (3,)), _label="lerp_tensor"),
    S(array(g, "f64", (2, 3)), array(g, "f64", (2, 3)), array(g, "f64", ()), _label="lerp_0d_weight")], gradgrad=True)
for name, op in (("addcmul", np.multiply), ("addcdiv", np.divide)):
    _three(name, lambda t, a, b, value=1, op=op: t + value * op(a, b), lambda g, n=name: [
        S(array(g, "f32", (3, 1)), array(g, "f32", (4,)), array(g, "f32", (3, 4), 0.5, 2), value=0.5, _label=f"{n}_bcast"),
        S(array(g, "f64", (3,)), array(g, "f64", (3,)), array(g, "f64", (3,), 0.5, 2), _label=f"{n}_f64"),
        S(array(g, "f64", ()), array(g, "f64", (2,)), array(g, "f64", (2,), 0.5, 2), value=2, _label=f"{n}_0d")],
        gradgrad=True)

# bitwise ops: integer and bool operands only
for name, ref in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                  ("bitwise_xor", np.bitwise_xor)):
    rng = rng_for(name)
    samples = [S(array(rng, "i64", (3, 4)), array(rng, "i64", (4,)), _label=f"{name}_i64"),
               S(array(rng, "i32", (3,)), array(rng, "i32", ()), _label=f"{name}_i32_0d"),
               S(array(rng, "b", (2, 3)), array(rng, "b", (2, 3)), _label=f"{name}_bool"),
               S(array(rng, "i64", (0, 3)), array(rng, "i64", (3,)), _label=f"{name}_empty"),
               S(array(rng, "i64", (4,)), 6, _label=f"{name}_scalar"),
               S(array(rng, "f32", (3,)), array(rng, "f32", (3,)), _label=f"{name}_float", _raises=RuntimeError)]
    R.add(OpRecord(name, samples, ref=ref, differentiable=False, supports_out=True))


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
        # a float64 0-d operand's gradient is a float32 sum cast up: float32 tolerance
        add(case(f"{oname}_{pname}", fn, a, b, gtol=(1.3e-6, 1e-5) if "0d" in pname else None))

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

case, add = folder(R, strip="int_")

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

case, add = folder(R)
