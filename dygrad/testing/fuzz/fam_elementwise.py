"""Families `binary` and `unary`: broadcasting elementwise ops across dtypes and Python scalars."""
import numpy as np

from .gen import DTYPES, FLOATS

# name -> spelling templates; {a}/{b} are operand texts. Operators and functions are both used
# because their scalar handling differs (torch.add(3, x) vs 3 + x).
BINARY = {
    "add": ("{a} + {b}", "torch.add({a}, {b})", "torch.add({a}, {b}, alpha={s})"),
    "sub": ("{a} - {b}", "torch.sub({a}, {b})", "torch.sub({a}, {b}, alpha={s})"),
    "mul": ("{a} * {b}", "torch.mul({a}, {b})"),
    "div": ("{a} / {b}", "torch.div({a}, {b})", "torch.div({a}, {b}, rounding_mode='floor')",
            "torch.div({a}, {b}, rounding_mode='trunc')"),
    "floor_divide": ("{a} // {b}", "torch.floor_divide({a}, {b})"),
    "remainder": ("{a} % {b}", "torch.remainder({a}, {b})"),
    "fmod": ("torch.fmod({a}, {b})",),
    "pow": ("{a} ** {b}", "torch.pow({a}, {b})"),
    "maximum": ("torch.maximum({a}, {b})",), "minimum": ("torch.minimum({a}, {b})",),
    "fmax": ("torch.fmax({a}, {b})",), "fmin": ("torch.fmin({a}, {b})",),
    "atan2": ("torch.atan2({a}, {b})",), "hypot": ("torch.hypot({a}, {b})",),
    "copysign": ("torch.copysign({a}, {b})",),
    "eq": ("{a} == {b}", "torch.eq({a}, {b})"), "ne": ("{a} != {b}",),
    "lt": ("{a} < {b}", "torch.lt({a}, {b})"), "le": ("{a} <= {b}",),
    "gt": ("{a} > {b}",), "ge": ("{a} >= {b}", "torch.ge({a}, {b})"),
    "logical_and": ("torch.logical_and({a}, {b})",), "logical_or": ("torch.logical_or({a}, {b})",),
    "logical_xor": ("torch.logical_xor({a}, {b})",),
    "bitwise_and": ("{a} & {b}",), "bitwise_or": ("{a} | {b}",), "bitwise_xor": ("{a} ^ {b}",),
    "xlogy": ("torch.xlogy({a}, {b})",),
}
# Ops whose first argument must be a tensor in PyTorch's function form.
TENSOR_FIRST = {"fmod", "maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "copysign",
                "logical_and", "logical_or", "logical_xor"}
INPLACE = ("add_", "sub_", "mul_", "div_", "clamp_min_", "pow_", "remainder_")


def _operand(g, shape, dtype, allow_scalar=True):
    r = g.r.random()
    if allow_scalar and r < 0.25:
        return g.scalar(), None
    if r < 0.35:
        g.tag("zero_dim")
        return g.tensor(dtype, ()), ()
    return g.tensor(dtype, shape), shape


def gen_binary(g):
    op = g.pick(sorted(BINARY))
    g.tag("binary", "op:" + op)
    shape = g.shape(max_dims=3)
    da, db = g.dtype(), g.dtype()
    a, _ = _operand(g, shape, da)
    b, _ = _operand(g, g.broadcast_partner(shape), db, allow_scalar=True)
    if not any(x.startswith("t") for x in (a, b)):   # two Python scalars: make one a tensor
        a = g.tensor(da, shape)
    forms = BINARY[op]
    form = g.pick(forms)
    if form.startswith("torch.") and op in TENSOR_FIRST and not a.startswith("t"):
        a, b = b, a
        da, db = db, da
    bool_b = db == "bool" and b.startswith("t")
    if op == "pow" and a in ("True", "False"):
        a = g.scalar("int")     # PyTorch's backward of a bool base fails an internal assert
    # PyTorch's backward formulas of pow (exponent - 1) and atan2 (-input) run on a bool tensor
    # operand and raise there (a PyTorch bug, not copied): no bool tensor in those places.
    if op == "pow" and bool_b:
        return _emit_binary(g, op, form, a, g.tensor("float32", shape), shape)
    # atan2's gradient for `other` negates `input` in its own dtype: uint8 wraps (PyTorch bug)
    if op == "atan2" and da in ("bool", "uint8") and a.startswith("t"):
        return _emit_binary(g, op, form, g.tensor("float32", shape), b, shape, bool_b)
    return _emit_binary(g, op, form, a, b, shape, bool_b)


def _emit_binary(g, op, form, a, b, shape, bool_b=False):
    out = g.fresh("out")
    g.emit(f"{out} = " + form.format(a=a, b=b, s=g.scalar("int" if g.chance(0.5) else "float")))
    if g.chance(0.25):
        # In-place on a clone (a non-leaf) so autograd and dtype rules of the _ forms are hit.
        ip = g.pick(tuple(i for i in INPLACE if i != "pow_" or not bool_b))  # as pow above
        g.tag("inplace", "op:" + ip)
        c = g.fresh("c")
        g.emit(f"{c} = {out}.clone()")
        arg = b if ip != "clamp_min_" else g.scalar()
        g.emit(f"{c}.{ip}({arg})")
    if g.chance(0.1):
        g.emit(f"{g.fresh('w')} = torch.where({g.tensor('bool', shape)}, {a}, {b})")
        g.tag("op:where")


UNARY = (
    "neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "floor",
    "ceil", "round", "trunc", "sign", "sgn", "reciprocal", "rsqrt", "expm1", "log1p", "log2",
    "log10", "erf", "erfc", "square", "frac", "logical_not", "bitwise_not", "isnan", "isinf",
    "isfinite", "exp2", "sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh",
    "lgamma", "digamma", "signbit", "positive", "deg2rad", "rad2deg", "nan_to_num", "isneginf",
    "isposinf", "logit", "i0", "sinc", "erfinv", "angle", "fix",
)
NO_INPLACE = {"isnan", "isinf", "isfinite", "signbit", "positive", "isneginf", "isposinf", "angle"}
FUNCTIONAL = {
    "gelu": "F.gelu({x})", "gelu_tanh": "F.gelu({x}, approximate='tanh')", "silu": "F.silu({x})",
    "softplus": "F.softplus({x}, beta={p}, threshold=2)", "elu": "F.elu({x}, alpha={p})",
    "leaky_relu": "F.leaky_relu({x}, {p})", "hardtanh": "F.hardtanh({x}, -1.0, {p})",
    "relu6": "F.relu6({x})", "threshold": "F.threshold({x}, {p}, -{p})",
    "hardswish": "F.hardswish({x})", "hardsigmoid": "F.hardsigmoid({x})", "mish": "F.mish({x})",
    "selu": "F.selu({x})", "celu": "F.celu({x})", "softsign": "F.softsign({x})",
    "tanhshrink": "F.tanhshrink({x})", "logsigmoid": "F.logsigmoid({x})",
    "softshrink": "F.softshrink({x}, {q})", "hardshrink": "F.hardshrink({x}, {q})",
    "softmax": "F.softmax({x}, dim={d})", "log_softmax": "F.log_softmax({x}, dim={d})",
    "softmin": "F.softmin({x}, dim={d})", "normalize": "F.normalize({x}, dim={d})",
    "clamp": "torch.clamp({x}, min={lo}, max={hi})", "clamp_min": "torch.clamp({x}, min={lo})",
    "clamp_t": "torch.clamp({x}, {tlo}, {thi})", "cumsum": "torch.cumsum({x}, {d})",
    "cumprod": "torch.cumprod({x}, {d})", "logcumsumexp": "torch.logcumsumexp({x}, {d})",
    "cummax": "torch.cummax({x}, {d})", "glu": "F.glu({x}, {d})",
    "relu_inplace": "F.relu({x}.clone(), inplace=True)",
}


# Special values whose PyTorch answer depends on where the element sits in memory (its
# vectorised loop and its scalar tail disagree), so no answer matches it; inputs of these ops get
# the other special values only. The gradient at nan of these activations is nan or 0 in the
# vectorised loop, the slope in the tail; float32 gelu(inf) is nan there, inf in the tail.
# (Applies to the unary-op branch too: logit is picked from UNARY.)
POSITION_DEPENDENT = {op: ("np.nan",) for op in (
    "elu", "celu", "selu", "hardswish", "hardshrink", "softshrink", "hardtanh", "relu6")}
POSITION_DEPENDENT["gelu"] = ("np.inf",)
POSITION_DEPENDENT["logit"] = ("-0.0",)     # its gradient there: +inf in the tail, -inf vectorised
_SPECIALS = ("np.nan", "np.inf", "-np.inf", "-0.0", "0.0")


def _input(g, dtype, shape, op):
    avoid = POSITION_DEPENDENT.get(op)
    if avoid is None or not dtype.startswith("float"):
        return g.tensor(dtype, shape, special=0.2)
    if not g.chance(0.2):
        return g.tensor(dtype, shape, special=0)
    g.tag("nonfinite")
    s = repr(tuple(shape))
    name = g.fresh()
    grad = ", requires_grad=True" if dtype != "float16" and g.chance(0.6) else ""
    vals = ", ".join(v for v in _SPECIALS if v not in avoid)
    g.emit(f"{name} = torch.tensor(np.where(rng.random({s}) < 0.3, rng.choice([{vals}], {s}), "
           f"rng.standard_normal({s})).astype('{dtype}'){grad})")
    return name


def _no_wider(g, shape):
    """A shape that broadcasts with `shape` without enlarging it: clamp with tensor bounds that
    broadcast x to a larger shape fails in PyTorch's backward (its gradient is not reduced back
    to x's shape), a PyTorch bug not worth copying."""
    p = g.broadcast_partner(shape)
    p = p if len(p) <= len(shape) else p[1:]
    try:    # a size-1 dim of x grown by the partner's "bad" variant also widens x
        wider = np.broadcast_shapes(tuple(shape), p) != tuple(shape)
    except ValueError:
        return p        # does not broadcast at all: both raise in the forward
    return tuple(shape[len(shape) - len(p):]) if wider else p


def gen_unary(g):
    dtype = g.dtype(DTYPES + FLOATS + FLOATS)
    shape = g.shape(max_dims=3)
    is_unary = g.chance(0.6)
    op = g.pick(UNARY) if is_unary else g.pick(sorted(FUNCTIONAL))
    x = _input(g, dtype, shape, op)
    out = g.fresh("out")
    if is_unary:
        g.tag("unary", "op:" + op)
        form = g.r.random()
        if form < 0.6:
            g.emit(f"{out} = torch.{op}({x})")
        elif form < 0.85 or op in NO_INPLACE:
            g.emit(f"{out} = {x}.{op}()")
        else:
            g.tag("inplace")
            g.emit(f"{out} = {x}.clone()")
            g.emit(f"{out}.{op}_()")
    else:
        g.tag("unary", "op:" + op)
        p = g.pick(("0.5", "1.0", "2.0", "0.0", "1"))
        lo = g.pick(("-1", "-0.5", "0", "None", "1.5"))
        hi = g.pick(("1", "0.5", "None", "-1.0", "2"))
        tlo = tlh = None
        if "{tlo}" in FUNCTIONAL[op]:
            tlo = g.tensor(g.dtype(), _no_wider(g, shape), grad=False)
            tlh = g.tensor(g.dtype(), _no_wider(g, shape), grad=False)
        text = FUNCTIONAL[op].format(x=x, p=p, q=g.pick(("0.5", "0.0", "1.5")), lo=lo, hi=hi,
                                     d=g.dim(len(shape)), tlo=tlo, thi=tlh)
        g.emit(f"{out} = {text}")
