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
        g.emit_maybe_no_grad(f"{h} = {expr}", 0.1, "no_grad_piece")
        names.append(h)
        a, b = h, (a if g.chance(0.5) else b)
    return names


def _retain(g):
    """Mostly keep the graph, so the harness's own final backward can compare leaf gradients
    through it; sometimes free it (then that final backward must fail in both)."""
    return f"retain_graph={g.chance(0.85)}"


# Each mode's statements over {x} (the input), {y} (the other operand), {h} (the chain's last
# value), {out} (it summed) and {dt}; {retain} and {no_grad} draw a fresh choice where they stand.
MODES = {
    "grad": ("gx = torch.autograd.grad({out}, [{x}], {retain})[0]",),
    "grad_outputs": ("w = torch.tensor(rng.standard_normal(tuple({h}.shape)).astype('{dt}'))",
                     "gx = torch.autograd.grad({h}, {x}, grad_outputs=w, {retain})[0]"),
    "create_graph": ("gx, = torch.autograd.grad({out}, {x}, create_graph=True)",
                     "gg = torch.autograd.grad((gx * gx).sum(), {x}, allow_unused=True, "
                     "{retain})[0]"),
    "hooks": ("{h}.register_hook(lambda g: g * 2) if {h}.requires_grad and not {h}.is_leaf "
              "else None",
              "{x}.register_hook(lambda g: g + 1)",
              "{out}.backward({retain})"),
    "retain_grad": ("{h}.retain_grad()", "{out}.backward({retain})", "hg = {h}.grad"),
    "twice": ("{out}.backward(retain_graph=True)", "{out}.backward({retain})"),
    # the second backward: PyTorch says the graph was freed (unless nothing was saved)
    "freed": ("{out}.backward()", "{out}.backward()"),
    "detach": ("hd = {h}.detach()", "z = (hd * {x}).sum()", "z.backward({retain})"),
    "no_grad_mix": ("with {no_grad}:\n    k = {h} * 2\n    with torch.enable_grad():\n"
                    "        k2 = {x} * 3",
                    "m = (k + k2).sum()",
                    "m.backward({retain})"),
    "backward_gradient": ("w = torch.tensor(rng.standard_normal(tuple({h}.shape)).astype('{dt}'))",
                          "{h}.backward(gradient=w, {retain})"),
    "allow_unused": ("gxy = torch.autograd.grad({out}, [{x}, {y}], allow_unused=True, {retain})",),
}


def gen_autograd(g):
    mode = g.pick(tuple(MODES))
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
    for template in MODES[mode]:
        g.emit(g.fill(template, x=x, y=y, h=h, out=out, dt=dt, retain=lambda: _retain(g),
                      no_grad=lambda: g.pick(("torch.no_grad()", "torch.set_grad_enabled(False)"))))
