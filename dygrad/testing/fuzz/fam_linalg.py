"""Family `matmul`: mm, bmm, matmul over ranks 1-4, addmm/addmv/addr/baddbmm, einsum, linear."""
MM_DTYPES = ("float32", "float32", "float64", "int64", "int32", "bool")


def _dt(g, base):
    if not getattr(g, "mixed_ok", True):
        return base
    return base if g.chance(0.85) else g.pick(MM_DTYPES)


def _bad(g, n):
    return n + 1 if g.chance(0.03) else n


# Two-operand products: their operands' shapes over the drawn sizes m, k, n and b (batch);
# K is the inner size k, now and then off by one (a mismatch PyTorch must refuse).
PRODUCTS = {"mm": ("mk", "Kn"), "bmm": ("bmk", "bKn"), "dot": ("k", "K"), "mv": ("mk", "K"),
            "outer": ("m", "n")}


def gen_matmul(g):
    op = g.pick(("mm", "bmm", "matmul", "matmul", "addmm", "addmv", "addr", "baddbmm", "einsum",
                 "einsum", "linear", "dot", "mv", "outer", "matmul_op", "tensordot", "addbmm"))
    g.tag("matmul", "op:" + op)
    dt = g.pick(MM_DTYPES)
    m, k, n, bt = (g.r.randint(0 if g.chance(0.05) else 1, 4) for _ in range(4))
    g.tol = 2.0 * max(k, 1)
    if 0 in (m, k, n, bt):
        # PyTorch quirks on empty operands, not copied: bmm skips its dtype check (returning
        # batch2's dtype); bool/int addmm/addmv/baddbmm over an empty inner size compute
        # beta*input with the scalar's own type and then fail to cast it back; bool linear
        # with bias likewise. So empty cases use one dtype, and a float one there.
        g.mixed_ok = False
        if (dt == "bool" and op == "linear") or \
                (k == 0 and op in ("addmm", "addmv", "baddbmm", "addbmm")) or \
                (bt == 0 and op == "addbmm"):
            dt = "float32"
    out = g.fresh("out")
    T = g.tensor
    if op in PRODUCTS:
        sizes = {"m": m, "k": k, "n": n, "b": bt}
        sa, sb = PRODUCTS[op]
        a = T(dt, tuple(sizes[c] for c in sa))
        bdt = _dt(g, dt)
        b = T(bdt, tuple(_bad(g, k) if c == "K" else sizes[c] for c in sb))
        g.emit(f"{out} = torch.{op}({a}, {b})")
    elif op in ("matmul", "matmul_op"):
        ra, rb = g.r.randint(1, 4), g.r.randint(1, 4)
        batch = g.shape(max_dims=2, max_size=3)
        sa = (batch[:max(ra - 2, 0)] + (m, k))[-ra:] if ra > 1 else (k,)
        sb = (g.broadcast_partner(batch, bad=0)[:max(rb - 2, 0)] + (_bad(g, k), n))[-rb:] \
            if rb > 1 else (_bad(g, k),)
        if 0 in sa + sb:
            g.mixed_ok = False  # bmm's unchecked empty fast path, as above
        a, b = T(dt, sa), T(_dt(g, dt), sb)
        g.emit(f"{out} = {a} @ {b}" if op == "matmul_op" else f"{out} = torch.matmul({a}, {b})")
    elif op in ("addmm", "addmv", "addr", "baddbmm", "addbmm"):
        shapes = {"addmm": ((m, k), (k, n), (m, n)), "addmv": ((m, k), (k,), (m,)),
                  "addr": ((m,), (n,), (m, n)), "baddbmm": ((bt, m, k), (bt, k, n), (bt, m, n)),
                  "addbmm": ((bt, m, k), (bt, k, n), (m, n))}
        sa, sb, sc = shapes[op]
        if g.chance(0.3) and not (op == "addmv" and 0 in (m, k)):
            # (PyTorch's addmv with an empty matrix returns beta * input in the input's own
            # shape, unbroadcast: a PyTorch bug, so those cases keep the input at (m,))
            sc = g.broadcast_partner(sc, bad=0)
        dc, db = _dt(g, dt), _dt(g, dt)
        # addr promotes mixed dtypes forward, but PyTorch's AddrBackward then feeds mv() the
        # promoted gradient with an unpromoted vector and raises: a PyTorch bug, not copied
        grad = False if op == "addr" and len({dc, dt, db}) > 1 else None
        c, a, b = T(dc, sc, grad=grad), T(dt, sa, grad=grad), T(db, sb, grad=grad)
        kw = ""
        if g.chance(0.5):
            kw += f", beta={g.scalar(g.pick(('int', 'float')))}"
        if g.chance(0.5):
            alpha = g.scalar(g.pick(('int', 'float')))
            if "inf" in alpha or "nan" in alpha:
                # where BLAS applies a non-finite alpha (to the sum or to each term) decides
                # inf versus nan: an implementation detail, not a semantic to copy
                alpha = "2.5"
            kw += f", alpha={alpha}"
        g.emit(f"{out} = torch.{op}({c}, {a}, {b}{kw})")
    elif op == "einsum":
        _einsum(g, dt, out)
    elif op == "linear":
        x = T(dt, g.shape(max_dims=2, max_size=3) + (_bad(g, k),))
        w = T(_dt(g, dt), (n, k) if g.chance(0.9) else (k,))
        bias = ""
        if g.chance(0.6):
            bias = ", " + T(_dt(g, dt), (n,) if g.chance(0.9) else ())
        g.emit(f"{out} = F.linear({x}, {w}{bias})")
    else:
        a, b = T(dt, (m, k, n)), T(_dt(g, dt), (k, n, bt))
        g.emit(f"{out} = torch.tensordot({a}, {b}, dims={g.pick(('2', '([1], [0])', '0'))})")


def _einsum(g, dt, out):
    letters = "ijkl"
    na = g.r.randint(1, 3)
    sa = "".join(g.r.sample(letters, na))
    sb = "".join(g.r.sample(letters, g.r.randint(1, 3)))
    sizes = {c: g.r.randint(1, 3) for c in letters}
    pool = sorted(set(sa + sb))
    keep = [c for c in pool if g.chance(0.5)]
    g.r.shuffle(keep)
    eq = f"{sa},{sb}->{''.join(keep)}"
    if g.chance(0.15):
        eq = f"{sa},{sb}"       # implicit output
    if g.chance(0.1) and sa:
        eq = f"{sa}->"          # unary: full reduction
        a = g.tensor(dt, tuple(sizes[c] for c in sa))
        g.emit(f"{out} = torch.einsum('{eq}', {a})")
        return
    a = g.tensor(dt, tuple(sizes[c] for c in sa))
    bdt = _dt(g, dt)
    if {dt, bdt} == {"float32", "float64"}:
        g.tol = 1000.0  # a float64 result carries float32 rounding from the float32 operand
    b = g.tensor(bdt, tuple(sizes[c] for c in sb))
    g.tag("einsum")
    g.emit(f"{out} = torch.einsum('{eq}', {a}, {b})")
