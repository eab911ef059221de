"""Family `index`: basic and advanced indexing reads and writes, index_* and masked_* ops."""
from .gen import DTYPES


def _index_expr(g, shape):
    """Index text for a tensor of `shape`: ints, slices, None, Ellipsis, index/mask tensors."""
    parts, d = [], 0
    nd = len(shape)
    while d < nd and (not parts or g.chance(0.6)):
        n = shape[d]
        r = g.r.random()
        if r < 0.25:
            parts.append(str(g.r.randint(-n, n - 1) if n and not g.chance(0.03) else n + 1))
            g.tag("idx_int")
        elif r < 0.5:
            a, b = g.r.randint(-n - 1, n), g.r.randint(-n - 1, n + 1)
            step = g.pick(("", "", ":2", ":3"))
            parts.append(f"{a}:{b}{step}")
        elif r < 0.58:
            parts.append("None")
        elif r < 0.63 and "..." not in parts:
            parts.append("...")
            d = nd - g.r.randint(0, nd - d)
            continue
        elif r < 0.85:
            k = g.r.randint(0, 4)
            hi = max(n, 1)
            if g.chance(0.5):
                lst = [g.r.randint(-hi, hi - 1) for _ in range(k)]
                parts.append(repr(lst) if lst else "[]")
            else:
                t = g.fresh("i")
                g.emit(f"{t} = torch.tensor(rng.integers({-hi}, {hi}, ({k},)))")
                parts.append(t)
            g.tag("idx_adv")
        else:
            m = g.fresh("m")
            g.emit(f"{m} = torch.tensor(rng.random({(n,)!r}) < 0.5)")
            parts.append(m)
            g.tag("idx_mask")
        d += 1
    return ", ".join(parts) if parts else "..."


# Writing a value that requires grad into an integer/bool tensor in place makes PyTorch give that
# tensor a grad_fn (requires_grad=True on an integer tensor; any later op on it raises "Autograd
# not support dtype" and backward hits an internal assert): a quirk dygrad does not copy, so such
# values are drawn without requires_grad.
def _no_grad(dtype):
    return None if dtype.startswith("float") else False


def _mixed_tol(g, dtype, vdt):
    # A float64 value written into a float32 tensor gets a gradient summed in float32 (PyTorch
    # and dygrad add in different orders): compare it with float32 rounding allowed
    if vdt == "float64" and dtype in ("float32", "float16"):
        g.tol = 1000.0
    return vdt


def _value(g, dtype):
    if g.chance(0.5):
        return g.scalar()
    vdt = _mixed_tol(g, dtype, g.dtype(rare=0) if g.chance(0.3) else dtype)
    return g.tensor(vdt, g.shape(max_dims=1, max_size=2), grad=_no_grad(dtype))


def gen_index(g):
    dtype = g.dtype(DTYPES + ("float32", "float32"))
    shape = g.shape(min_dims=1, max_dims=3, max_size=4)
    x = g.tensor(dtype, shape)
    r = g.r.random()
    out = g.fresh("out")
    if r < 0.35:
        g.tag("index_read")
        g.emit(f"{out} = {x}[{_index_expr(g, shape)}]")
        return
    if r < 0.6:
        g.tag("setitem")
        y = g.fresh("y")
        base = f"{x}.clone()" if g.chance(0.7) else f"torch.zeros({shape!r}, dtype={x}.dtype)"
        g.emit(f"{y} = {base}")
        g.emit(f"{y}[{_index_expr(g, shape)}] = {_value(g, dtype)}")
        return
    n0 = shape[0]
    g.dim(len(shape))  # unused, but drawn: a seed keeps generating the programs it always did
    idx = g.fresh("i")
    g.emit(f"{idx} = torch.tensor(rng.integers(0, {max(n0, 1)}, ({g.r.randint(0, 4)},)))")
    mask = g.fresh("m")
    g.emit(f"{mask} = torch.tensor(rng.random({g.broadcast_partner(shape, bad=0.05)!r}) < 0.5)")
    op = g.pick(("index_select", "index_add_", "index_fill_", "index_copy_", "index_put_",
                 "index_put_acc", "masked_fill", "masked_fill_", "masked_select", "take",
                 "masked_scatter", "put_"))
    g.tag("op:" + op)
    y = g.fresh("y")
    g.emit(f"{y} = {x}.clone()")
    if op == "index_select":
        g.emit(f"{out} = torch.index_select({x}, 0, {idx})")
    elif op in ("index_add_", "index_copy_"):
        src_shape = (g.r.randint(0, 3),) + tuple(shape[1:])
        src = g.tensor(g.dtype() if g.chance(0.2) else dtype, src_shape)
        g.emit(f"{idx} = torch.tensor(rng.integers(0, {max(n0, 1)}, ({src_shape[0]},)))")
        alpha = f", alpha={g.scalar()}" if op == "index_add_" and g.chance(0.3) else ""
        g.emit(f"{y}.{op}(0, {idx}, {src}{alpha})")
    elif op == "index_fill_":
        g.emit(f"{y}.index_fill_(0, {idx}, {g.scalar()})")
    elif op.startswith("index_put_"):
        vals = g.tensor(dtype if g.chance(0.8) else g.dtype(),
                        g.pick(((), (1,), (g.r.randint(0, 3),))) + tuple(shape[1:])[:g.r.randint(0, 2)],
                        grad=_no_grad(dtype))
        acc = op.endswith("acc")
        g.tag("accumulate" if acc else "put")
        key = idx
        if g.chance(0.3):  # a bool mask over dim 0 as the index
            key = g.fresh("k")
            g.emit(f"{key} = torch.tensor(rng.random(({n0},)) < 0.5)")
        g.emit(f"{y}.index_put_(({key},), {vals}, accumulate={acc})")
    elif op in ("masked_fill", "masked_fill_"):
        v = g.scalar() if g.chance(0.7) else g.tensor(
            _mixed_tol(g, dtype, g.dtype()), (),
            grad=_no_grad(dtype) if op == "masked_fill_" else None)
        if op == "masked_fill":
            g.emit(f"{out} = {x}.masked_fill({mask}, {v})")
        else:
            g.emit(f"{y}.masked_fill_({mask}, {v})")
    elif op == "masked_select":
        g.emit(f"{out} = torch.masked_select({x}, {mask})")
    elif op == "masked_scatter":
        src = g.tensor(dtype, shape)
        g.emit(f"{out} = {x}.masked_scatter({mask}, {src})")
    elif op == "take":
        n = 1
        for s in shape:
            n *= s
        g.emit(f"{out} = torch.take({x}, torch.tensor(rng.integers({-n}, {max(n, 1)}, (3,))))")
    else:
        n = 1
        for s in shape:
            n *= s
        src = g.tensor(dtype, (2,))
        acc = g.chance(0.5)
        g.emit(f"{y}.put_(torch.tensor(rng.integers(0, {max(n, 1)}, (2,))), {src}, "
               f"accumulate={acc})")
