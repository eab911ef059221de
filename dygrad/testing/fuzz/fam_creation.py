"""Family `creation`: factories with dtypes, dtype inference from Python data, *_like, tri ops."""
DT = ("None", "torch.float32", "torch.float64", "torch.int64", "torch.int32", "torch.bool",
      "torch.float16", "torch.uint8")


def _num(g):
    return g.pick((str(g.r.randint(-3, 6)), repr(round(g.r.uniform(-3, 6), 1)), "True",
                   "0", "2.5", "-1"))


def _eye(g, dkw):
    m = f", {g.r.randint(0, 4)}" if g.chance(0.5) else ""
    return f"torch.eye({g.r.randint(0, 4)}{m}{dkw})"


# The factories written in one call: (g, shape, dtype keyword, requires_grad keyword) -> text.
CALLS = {
    "zeros": lambda g, s, dkw, rg: f"torch.zeros({s!r}{dkw}{rg})",
    "ones": lambda g, s, dkw, rg: f"torch.ones({s!r}{dkw}{rg})",
    "zeros_dims": lambda g, s, dkw, rg: f"torch.zeros({', '.join(map(str, s)) or '()'}{dkw})",
    "full": lambda g, s, dkw, rg: f"torch.full({s!r}, {_num(g)}{dkw}{rg})",
    "empty_shape": lambda g, s, dkw, rg: f"torch.empty({s!r}{dkw}).shape",
    "eye": lambda g, s, dkw, rg: _eye(g, dkw),
    "scalar_tensor": lambda g, s, dkw, rg: f"torch.tensor({_num(g)}{dkw})",
    "diag": lambda g, s, dkw, rg:
        f"torch.diag({g.tensor(g.dtype(), g.shape(min_dims=1, max_dims=2))}, {g.r.randint(-1, 1)})",
}


def gen_creation(g):
    op = g.pick(("zeros", "ones", "full", "empty_shape", "arange", "arange", "linspace",
                 "logspace", "eye", "like", "tensor_infer", "tril", "diag", "zeros_dims",
                 "scalar_tensor", "as_tensor", "full_like", "meshgrid", "convert"))
    g.tag("creation", "op:" + op)
    dt = g.pick(DT)
    dkw = "" if dt == "None" else f", dtype={dt}"
    out = g.fresh("out")
    shape = g.shape(max_dims=3)
    rg = ", requires_grad=True" if g.chance(0.15) else ""
    if op in CALLS:
        g.emit(f"{out} = {CALLS[op](g, shape, dkw, rg)}")
    elif op == "arange":
        args = [_num(g) for _ in range(g.r.randint(1, 3))]
        if len(args) == 3 and args[2] in ("0", "0.0"):
            args[2] = g.pick(("0", "1"))
        g.emit(f"{out} = torch.arange({', '.join(args)}{dkw})")
    elif op in ("linspace", "logspace"):
        steps = g.r.randint(0 if g.chance(0.1) else 1, 6)
        dk = dkw if dt not in ("torch.bool", "torch.uint8") else ""
        g.emit(f"{out} = torch.{op}({_num(g)}, {_num(g)}, {steps}{dk})")
    elif op in ("like", "full_like"):
        x = g.tensor(g.dtype(), shape)
        if op == "like":
            fn = g.pick(("zeros_like", "ones_like", "empty_like"))
            g.emit(f"{out} = torch.{fn}({x}{dkw}){'.shape' if fn == 'empty_like' else ''}")
        else:
            g.emit(f"{out} = torch.full_like({x}, {_num(g)}{dkw})")
    elif op == "tensor_infer":
        items = [g.pick((str(g.r.randint(-3, 3)), "1.5", "True", "False", "-0.0"))
                 for _ in range(g.r.randint(0, 4))]
        if g.chance(0.3) and items:
            items = [f"[{a}, {a}]" for a in items]
        g.emit(f"{out} = torch.tensor([{', '.join(items)}]{dkw})")
    elif op == "as_tensor":
        x = g.fresh("a")
        g.emit(f"{x} = {g.array_expr(g.dtype(), shape, special=0.05)}")
        g.emit(f"{out} = torch.as_tensor({x}{dkw})")
        g.emit(f"{out}2 = torch.from_numpy(np.ascontiguousarray({x}))")
    elif op == "convert":
        # the dtype shorthands (byte left out: a negative float to uint8 is undefined in C++)
        x = g.tensor(g.dtype(), shape)
        conv = g.pick(("float", "double", "half", "long", "int", "short", "char", "bool"))
        g.emit(f"{out} = {x}.{conv}()")
        g.emit(f"{out}2 = {x}.to({x}.dtype) is {x}")
    elif op == "tril":
        x = g.tensor(g.dtype(), g.shape(min_dims=2, max_dims=3))
        fn = g.pick(("tril", "triu"))
        g.emit(f"{out} = torch.{fn}({x}, {g.r.randint(-2, 2)})")
    else:
        a, b = g.tensor(g.dtype(), (g.r.randint(0, 3),)), g.tensor(g.dtype(), (g.r.randint(1, 3),))
        g.emit(f"{out} = torch.meshgrid({a}, {b}, indexing={g.pick(('ij', 'xy'))!r})")
