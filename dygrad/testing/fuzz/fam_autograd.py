"""Family `autograd`: the engine itself. Short differentiable chains, then one way of asking
for gradients: `autograd.grad` (with `grad_outputs`, `create_graph` and second order,
`allow_unused`), `backward` twice (accumulation, `retain_graph`, the freed-graph error), hooks on
leaves and non-leaves, `retain_grad`, `detach`, and graphs built partly under `no_grad`,
`enable_grad` and `set_grad_enabled`.
"""

UNARY = ("torch.sin({a})", "torch.tanh({a})", "{a}.sigmoid()", "torch.relu({a})", "{a} ** 2",
         "{a}.abs()", "{a}.pow(3)", "{a}.exp().clamp(max=20.0)", "torch.nn.functional.softplus({a})",
         "{a} * 3 - 1", "-{a}", "{a}.clamp(-0.5, 0.5)")
BINARY = ("{a} * {b}", "{a} + {b}", "{a} - {b}", "{a} / ({b}.abs() + 1)",
          "torch.where({a} > 0, {a}, {b})", "torch.maximum({a}, {b})", "torch.atan2({a}, {b})",
          "({a} * {b}).sum()", "{a} * {b}.detach()")
LAST_DIM = ("{a}.cumsum(-1)", "{a}.softmax(-1)", "{a}.flip(-1)", "{a}.sum(-1, keepdim=True)",
            "{a}.logsumexp(-1)", "{a}.norm(dim=-1)")


def _chain(g, a, b, nd, steps):
    names = []
    for _ in range(steps):
        h = g.fresh("h")
        kind = g.r.random()
        if kind < 0.4:
            expr = g.pick(UNARY).format(a=a)
        elif kind < 0.8:
            expr = g.pick(BINARY).format(a=a, b=b)
        elif nd:
            expr = g.pick(LAST_DIM).format(a=a)
        else:
            expr = g.pick(UNARY).format(a=a)
        g.tag("op:" + expr.split("(")[0].replace("{a}", "").strip(". ") if "(" in expr else "op")
        if g.chance(0.1):
            g.tag("no_grad_piece")
            g.emit(f"with torch.no_grad():\n    {h} = {expr}")
        else:
            g.emit(f"{h} = {expr}")
        names.append(h)
        a, b = h, (a if g.chance(0.5) else b)
    return names


def _retain(g):
    """Mostly keep the graph, so the harness's own final backward can compare leaf gradients
    through it; sometimes free it (then that final backward must fail in both)."""
    return f"retain_graph={g.chance(0.85)}"


def gen_autograd(g):
    mode = g.pick(("grad", "grad_outputs", "create_graph", "hooks", "retain_grad", "twice",
                   "freed", "detach", "no_grad_mix", "backward_gradient", "allow_unused"))
    # second derivatives in float32 are rounding noise where they are zero in exact arithmetic
    # (d/dx of x/|x|): both libraries differ from 0 by ~1e-5 in their own way
    dt = "float64" if mode == "create_graph" else g.pick(("float32", "float64", "float64"))
    shape = g.shape(min_dims=0, max_dims=2, max_size=3, empty=0.0)
    x = g.tensor(dt, shape, grad=True, special=0.0, nonleaf=0)
    y = g.tensor(dt, g.broadcast_partner(shape, bad=0.0) if g.chance(0.5) else shape,
                 grad=g.chance(0.7), special=0.0, nonleaf=0)
    if g.chance(0.1):
        g.tag("requires_grad_off")
        g.emit(f"{y}.requires_grad_(False)")
    names = _chain(g, x, y, len(shape), g.r.randint(1, 4))
    h = names[-1]
    out = g.fresh("out")
    g.emit(f"{out} = {h}.sum() if {h}.dim() else {h}")
    g.tag("mode:" + mode)
    if mode == "grad":
        g.emit(f"gx = torch.autograd.grad({out}, [{x}], {_retain(g)})[0]")
    elif mode == "grad_outputs":
        g.emit(f"w = torch.tensor(rng.standard_normal(tuple({h}.shape)).astype('{dt}'))")
        g.emit(f"gx = torch.autograd.grad({h}, {x}, grad_outputs=w, {_retain(g)})[0]")
    elif mode == "create_graph":
        g.emit(f"gx, = torch.autograd.grad({out}, {x}, create_graph=True)")
        g.emit(f"gg = torch.autograd.grad((gx * gx).sum(), {x}, allow_unused=True, "
               f"{_retain(g)})[0]")
    elif mode == "hooks":
        g.emit(f"{h}.register_hook(lambda g: g * 2) if {h}.requires_grad and not {h}.is_leaf "
               "else None")
        g.emit(f"{x}.register_hook(lambda g: g + 1)")
        g.emit(f"{out}.backward({_retain(g)})")
    elif mode == "retain_grad":
        g.emit(f"{h}.retain_grad()")
        g.emit(f"{out}.backward({_retain(g)})")
        g.emit(f"hg = {h}.grad")
    elif mode == "twice":
        g.emit(f"{out}.backward(retain_graph=True)")
        g.emit(f"{out}.backward({_retain(g)})")
    elif mode == "freed":
        g.emit(f"{out}.backward()")
        g.emit(f"{out}.backward()")  # PyTorch: the graph was freed (unless nothing was saved)
    elif mode == "detach":
        g.emit(f"hd = {h}.detach()")
        g.emit(f"z = (hd * {x}).sum()")
        g.emit(f"z.backward({_retain(g)})")
    elif mode == "no_grad_mix":
        ctx = g.pick(("torch.no_grad()", "torch.set_grad_enabled(False)"))
        g.emit(f"with {ctx}:\n    k = {h} * 2\n    with torch.enable_grad():\n"
               f"        k2 = {x} * 3")
        g.emit(f"m = (k + k2).sum()")
        g.emit(f"m.backward({_retain(g)})")
    elif mode == "backward_gradient":
        g.emit(f"w = torch.tensor(rng.standard_normal(tuple({h}.shape)).astype('{dt}'))")
        g.emit(f"{h}.backward(gradient=w, {_retain(g)})")
    else:
        g.emit(f"gxy = torch.autograd.grad({out}, [{x}, {y}], allow_unused=True, "
               f"{_retain(g)})")
