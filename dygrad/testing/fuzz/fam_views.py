"""Family `views`: chains of view ops followed by in-place ops, and later use of the views.

Covers views of leaves and non-leaves, sibling views, tensors saved for backward before the
in-place write, `no_grad` blocks, multi-output views (split/chunk/unbind), `expand` and the
`CopySlices` case of writing a grad-requiring value into a slice of a plain buffer.
"""


def _view(g, v, shape):
    """(text, new shape) of one view op applied to the expression `v` of `shape`."""
    nd = len(shape)
    choices = ["unsqueeze", "view_flat", "reshape", "none_index", "flatten", "detach"]
    if nd >= 1:
        choices += ["slice", "select", "narrow", "flip_t", "unflatten", "squeeze", "int_index",
                    "split_piece", "movedim", "unfold"]
    if nd >= 2:
        choices += ["transpose", "permute", "diagonal", "t", "mT", "swapaxes"]
    op = g.pick(choices)
    g.tag("view:" + op)
    if op == "unsqueeze":
        d = g.r.randint(0, nd)
        return f"{v}.unsqueeze({d})", shape[:d] + (1,) + shape[d:]
    if op == "view_flat":
        n = 1
        for s in shape:
            n *= s
        return f"{v}.view(-1)", (n,)
    if op == "reshape":
        return f"{v}.reshape({shape[::-1]!r})" if nd <= 1 else f"{v}.reshape(-1, {shape[-1]})", \
            (shape if nd <= 1 else (-1,))
    if op == "none_index":
        return f"{v}[None]", (1,) + shape
    if op == "flatten":
        n = 1
        for s in shape:
            n *= s
        return f"{v}.flatten()", (n,)
    if op == "detach":   # shares the version counter, not the history
        return f"{v}.detach()", shape
    d = g.r.randrange(nd) if nd else 0
    if op == "int_index":
        if shape[0] == 0:
            return f"{v}[...]", shape
        return f"{v}[{g.r.randrange(shape[0])}]", shape[1:]
    if op == "split_piece":
        return f"{v}.split(1, {d})[0]", shape[:d] + (min(1, shape[d]),) + shape[d + 1:]
    if op == "movedim":
        e = g.r.randrange(nd)
        perm = [i for i in range(nd) if i != d]
        perm.insert(e, d)
        return f"{v}.movedim({d}, {e})", tuple(shape[p] for p in perm)
    if op == "unfold":
        # windows that do not overlap: element-wise writes into overlapping windows are
        # undefined behaviour in PyTorch (the result depends on its kernel's visiting order)
        size = g.r.randint(1, 2)
        if shape[d] < size:
            return f"{v}[...]", shape
        n = (shape[d] - size) // size + 1
        return f"{v}.unfold({d}, {size}, {size})", shape[:d] + (n,) + shape[d + 1:] + (size,)
    if op == "swapaxes":
        return f"{v}.swapaxes(0, {nd - 1})", (shape[-1],) + shape[1:-1] + (shape[0],) \
            if nd > 1 else shape
    if op == "slice":
        n = shape[d]
        a = g.r.randint(0, max(n - 1, 0))
        step = g.pick((1, 1, 2))
        idx = ", ".join([":"] * d + [f"{a}::{step}"])
        return f"{v}[{idx}]", shape[:d] + (len(range(a, n, step)),) + shape[d + 1:]
    if op == "select":
        if shape[d] == 0:
            return f"{v}[...]", shape
        return f"{v}.select({d}, {g.r.randrange(shape[d])})", shape[:d] + shape[d + 1:]
    if op == "narrow":
        n = shape[d]
        start = g.r.randint(0, n)
        ln = g.r.randint(0, n - start)
        return f"{v}.narrow({d}, {start}, {ln})", shape[:d] + (ln,) + shape[d + 1:]
    if op == "flip_t":   # not a view: a copy, to check that it is not treated as one
        return f"{v}.flip({d})", shape
    if op == "unflatten":
        return f"{v}.unflatten({d}, ({shape[d]}, 1))", shape[:d] + (shape[d], 1) + shape[d + 1:]
    if op == "squeeze":
        return f"{v}.squeeze()", tuple(s for s in shape if s != 1)
    if op in ("transpose", "t", "mT"):
        if op == "t" and nd != 2:
            op = "mT"
        s2 = shape[:-2] + (shape[-1], shape[-2])
        return (f"{v}.transpose(0, 1)", (shape[1], shape[0]) + shape[2:]) if op == "transpose" \
            else (f"{v}.{'t()' if op == 't' else 'mT'}", s2)
    if op == "permute":
        perm = list(range(nd))
        g.r.shuffle(perm)
        return f"{v}.permute({tuple(perm)!r})", tuple(shape[p] for p in perm)
    off = g.r.randint(-1, 1)
    return f"{v}.diagonal({off})", None   # shape rarely needed later; None stops the chain


INPLACE = (
    "{v}.add_({val})", "{v}.mul_({val})", "{v}.copy_({val})", "{v}.zero_()", "{v}.fill_(2.5)",
    "{v}.clamp_(-0.5, 0.5)", "{v}.relu_()", "F.relu({v}, inplace=True)", "{v}.sub_({val}, alpha=2)",
    "{v}[...] = {val}", "{v}.masked_fill_({v} > 0, 0.0)", "{v}.exp_()", "{v}.div_(2)",
    "{v}.addcmul_({val}, {val}, value=0.5)", "{v}.sigmoid_()", "{v}.neg_()",
    "{v}.clamp_min_(0.1)", "{v}.abs_()", "{v}.pow_(2)", "{v}.tanh_()", "{v}.sqrt_()",
    "{v}.lerp_(torch.ones_like({v}), 0.3)", "{v}.data.add_(1)", "torch.mul({v}, 0, out={v})",
    "{v}.index_fill_(-1, torch.tensor([0]), 1.25)", "{v}[..., :1] = {val}",
    "{v}.addcdiv_({val}, torch.full_like({v}, 2.0))", "{v}.copy_({v}.detach() * 3)",
)


def _inplace(g, target, val):
    tmpl = g.pick(INPLACE)
    name = "setitem" if tmpl.startswith("{v}[") else \
        tmpl.split("(")[0].replace("{v}.", "").replace("F.", "")
    g.tag("op:" + name)
    return tmpl.format(v=target, val=val)


def gen_views(g):
    shape = g.shape(min_dims=1, max_dims=3, max_size=4, empty=0.02)
    kind = g.pick(("leaf_clone", "leaf_clone", "buffer", "leaf", "nonleaf_expr"))
    g.tag("base:" + kind)
    x = g.tensor("float32" if g.chance(0.8) else "float64", shape, grad=kind != "buffer",
                 special=0.03, nonleaf=0)
    b = "b"
    if kind == "leaf_clone":
        g.emit(f"b = {x}.clone()")
    elif kind == "buffer":
        g.emit(f"b = torch.zeros({shape!r}, dtype={x}.dtype)")
    elif kind == "leaf":
        b = x
    else:
        g.emit(f"b = {x} * 2 + 1")
    h = g.tensor("float32", (), grad=True, nonleaf=0) if g.chance(0.7) else None
    if h and g.chance(0.3):
        g.emit(f"{h} = {h}.to({x}.dtype)")
    val = f"({h} * 2)" if h else g.pick(("1.5", "-2", "torch.ones(())"))
    if g.chance(0.2):
        # A multi-output view: in-place on it is an error in grad mode in PyTorch.
        mo = g.pick(("split", "chunk", "unbind"))
        g.tag("multi_output", "view:" + mo)
        arg = {"split": "(1)", "chunk": "(2)", "unbind": "()"}[mo]
        g.emit(f"parts = {b}.{mo}{arg}")
        if g.chance(0.3):
            g.emit(f"s0 = {b}.sin()")
        g.emit_maybe_no_grad(_inplace(g, "parts[0]", val), 0.3, "no_grad")
        g.emit(f"u = {b} * 3")
        return
    # Build one chain v1 and maybe a sibling v2 of the same base.
    names = []
    for vname in ("v1", "v2") if g.chance(0.4) else ("v1",):
        cur, cs = b, shape
        for _ in range(g.r.randint(1, 3)):
            text, cs = _view(g, cur, cs)
            cur = text
            if cs is None or -1 in cs:
                break
        g.emit_maybe_no_grad(f"{vname} = {cur}", 0.15, "no_grad_view")
        names.append(vname)
    if g.chance(0.15):
        g.tag("expand")
        g.emit(f"ex = {b}[..., :1].expand({b}.shape)")
        names.append("ex")
    if g.chance(0.35):
        g.tag("saved")
        src = g.pick([b] + names)
        g.emit(f"saved = {src}.{g.pick(('sin()', 'exp()', 'pow(2)', 'sigmoid()', 'tanh()'))}")
    target = g.pick(names + [b])
    g.tag("inplace_on:" + ("base" if target == b else "view"))
    g.emit_maybe_no_grad(_inplace(g, target, val), 0.2, "no_grad")
    if g.chance(0.25):
        g.tag("second_write")
        g.emit(_inplace(g, g.pick(names + [b]), val))
    if kind == "buffer" and g.chance(0.15):
        g.tag("requires_grad_after")
        g.emit(f"{b}.requires_grad_()")
    for n in names:
        if g.chance(0.7):
            g.emit(f"use_{n} = {n} * 2")
    if g.chance(0.2):
        g.emit(f"y2 = {b}.sum()")
