"""Family `transforms`: the function transforms and memory features around a random chain.

A random function `f(a, b)` (the `autograd` family's op tables, plus a square matmul) is run
through one of: `utils.checkpoint.checkpoint(..., use_reentrant=False)`, `func.grad`/`vjp`/
`jacrev`, `func.vmap` and `vmap(grad(f))` over a batch dimension 0 or 1, `autocast("cpu",
bfloat16)` (output dtypes compared exactly, values at bfloat16's tolerance) and
`autograd.graph.saved_tensors_hooks` with a cloning pack. The harness's own final backward then
compares leaf gradients through whatever graph the transform left. No randomness inside `f`
(dropout): the two libraries' RNG streams differ, so nothing would be comparable.
"""
from .fam_autograd import BINARY, LAST_DIM, UNARY

# autocast: ops PyTorch's CPU autocast runs in bfloat16 (linear/matmul), then ops that keep
# their input's dtype; {w}/{bias} are float32 parameters of the matmul's square shape.
CAST_LOW = ("F.linear({a}, {w}, {bias})", "{a} @ {w}", "torch.matmul({a}, {w})")
CAST_KEEP = ("torch.tanh({a})", "torch.relu({a})", "{a} * 2 + 1", "{a} + {a}", "{a}.sum(-1)",
             "{a}.sigmoid()", "{a}.float()", "{a}.abs()")


def _body(g, a, b, nd, steps, w=None):
    """Source lines of a chain over `a`, `b` (per-sample rank `nd`); returns (lines, last)."""
    lines = []
    for _ in range(steps):
        h = g.fresh("h")
        kind = g.r.random()
        if w is not None and kind < 0.15 and nd:
            expr = f"{a} @ {w}"
        elif kind < 0.45:
            expr = g.pick(UNARY).format(a=a)
        elif kind < 0.8:
            expr = g.pick(BINARY).format(a=a, b=b)
        elif nd:
            expr = g.pick(LAST_DIM).format(a=a)
        else:
            expr = g.pick(UNARY).format(a=a)
        lines.append(f"    {h} = {expr}")
        if expr.rstrip(")").endswith(".sum(") or "sum()" in expr or "logsumexp" in expr \
                or ".norm(" in expr:
            nd = max(nd - 1, 0) if "(-1" in expr or "dim=-1" in expr else 0
        a, b = h, (a if g.chance(0.5) else b)
    return lines, a


def _def(g, name, lines, ret):
    g.emit(f"def {name}(a, b):\n" + "\n".join(lines) + f"\n    return {ret}")


def _inputs(g, dt, shape, grad, partner=True):
    x = g.tensor(dt, shape, grad=grad, special=0.0, nonleaf=0)
    ys = g.broadcast_partner(shape, bad=0.0) if partner and g.chance(0.5) else shape
    y = g.tensor(dt, ys, grad=grad and g.chance(0.7), special=0.0, nonleaf=0)
    return x, y


def _square(g, dt, n, grad):
    return g.tensor(dt, (n, n), grad=grad, special=0.0, nonleaf=0) if n else None


def gen_transforms(g):
    mode = g.pick(("checkpoint", "grad", "vjp", "jacrev", "vmap", "vmap_grad", "autocast",
                   "saved_hooks"))
    g.tag("mode:" + mode)
    dt = g.pick(("float32", "float64", "float64"))
    if mode == "autocast":
        return _autocast(g)
    if mode in ("vmap", "vmap_grad"):
        return _vmap(g, mode, dt)
    shape = g.shape(min_dims=0, max_dims=2, max_size=3, empty=0.0)
    grad = mode in ("checkpoint", "saved_hooks") or g.chance(0.3)
    x, y = _inputs(g, dt, shape, grad)
    w = _square(g, dt, shape[-1] if shape else 0, grad)
    lines, h = _body(g, "a", "b", len(shape), g.r.randint(1, 4), w=w)
    if mode == "checkpoint":
        _def(g, "f", lines, h)
        g.emit(f"out = torch.utils.checkpoint.checkpoint(f, {x}, {y}, use_reentrant=False)")
    elif mode == "saved_hooks":
        _def(g, "f", lines, h)
        g.emit("with torch.autograd.graph.saved_tensors_hooks(lambda t: t.clone(), "
               f"lambda t: t):\n    out = f({x}, {y})")
    elif mode == "grad":
        _def(g, "f", lines, f"{h}.sum()")
        argnums = g.pick(("0", "1", "(0, 1)"))
        g.emit(f"gx = torch.func.grad(f, argnums={argnums})({x}, {y})")
    elif mode == "vjp":
        _def(g, "f", lines, h)
        g.emit(f"out, vjp_fn = torch.func.vjp(f, {x}, {y})")
        g.emit(f"v = torch.tensor(rng.standard_normal(tuple(out.shape)).astype('{dt}'))")
        g.emit("gv = vjp_fn(v)")
    else:
        _def(g, "f", lines, h)
        g.emit(f"jac = torch.func.jacrev(f, argnums={g.pick(('0', '1', '(0, 1)'))})({x}, {y})")


def _vmap(g, mode, dt):
    """vmap over a batch dim at 0 or 1 of x; y batched the same way or shared (in_dims None)."""
    per = g.shape(min_dims=0, max_dims=2, max_size=3, empty=0.0)
    bdim = 1 if per and g.chance(0.4) else 0
    batch = g.r.randint(1, 3)
    xs = per[:bdim] + (batch,) + per[bdim:]
    x = g.tensor(dt, xs, grad=g.chance(0.4), special=0.0, nonleaf=0)
    if g.chance(0.5):
        y, ydim = g.tensor(dt, xs, grad=False, special=0.0, nonleaf=0), bdim
    else:
        y, ydim = g.tensor(dt, g.broadcast_partner(per, bad=0.0), grad=False, special=0.0,
                           nonleaf=0), None
    lines, h = _body(g, "a", "b", len(per), g.r.randint(1, 4))
    if mode == "vmap":
        _def(g, "f", lines, h)
        g.emit(f"out = torch.func.vmap(f, in_dims=({bdim}, {ydim}))({x}, {y})")
    else:
        _def(g, "f", lines, f"{h}.sum()")
        g.emit(f"out = torch.func.vmap(torch.func.grad(f), in_dims=({bdim}, {ydim}))({x}, {y})")


def _autocast(g):
    """float32 inputs through a linear/matmul/elementwise chain under CPU bfloat16 autocast."""
    shape = g.shape(min_dims=1, max_dims=3, max_size=4, empty=0.0)
    n = shape[-1]
    x = g.tensor("float32", shape, grad=g.chance(0.6), special=0.0, nonleaf=0)
    w = g.tensor("float32", (n, n), grad=g.chance(0.6), special=0.0, nonleaf=0)
    bias = g.tensor("float32", (n,), grad=g.chance(0.5), special=0.0, nonleaf=0)
    g.tol = 4.0      # a chain of bfloat16 roundings
    lines, a = [], x
    for _ in range(g.r.randint(1, 4)):
        h = g.fresh("h")
        table = CAST_LOW if g.chance(0.5) else CAST_KEEP
        expr = g.pick(table).format(a=a, w=w, bias=bias)
        if table is CAST_LOW:
            g.tag("op:autocast_matmul")
        if expr.endswith(".sum(-1)") and len(shape) == 1:
            expr = f"torch.tanh({a})"
        lines.append(f"    {h} = {expr}")
        if ".sum(-1)" in expr:
            break            # the last dim is gone: matmuls would no longer fit
        a = h
    g.emit('with torch.autocast("cpu", dtype=torch.bfloat16):\n' + "\n".join(lines))
    if g.chance(0.3):
        g.emit(f"out = {a}.float() * 1")    # leaving the region: float32 again
