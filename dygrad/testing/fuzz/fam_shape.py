"""Families `join` (cat/stack/split/chunk/...) and `order` (gather/scatter/sort/topk/...)."""
from .gen import DTYPES


def _split_sizes(g, x, d, shape):
    n = shape[d] if -len(shape) <= d < len(shape) else 2
    a = g.r.randint(0, n)
    sizes = [a, n - a] if g.chance(0.9) else [a, n - a + 1]
    return f"{x}.split({sizes!r}, {d})"


def _reps(g, shape):
    return tuple(g.r.randint(0 if g.chance(0.05) else 1, 2)
                 for _ in range(len(shape) + g.r.randint(0, 1)))


# The join family's ops on one tensor: (g, x, dim, shape) -> the call's text, drawing its
# other arguments. SPLITTING ones return a tuple of tensors.
ONE_TENSOR = {
    "split": lambda g, x, d, s: f"torch.split({x}, {g.r.randint(1, 3)}, dim={d})",
    "split_list": _split_sizes,
    "chunk": lambda g, x, d, s: f"torch.chunk({x}, {g.r.randint(1, 4)}, dim={d})",
    "unbind": lambda g, x, d, s: f"{x}.unbind({d})",
    "tensor_split": lambda g, x, d, s:
        f"torch.tensor_split({x}, {g.pick(('2', '3', '[1, 2]', '(1,)'))}, dim={d})",
    "flip": lambda g, x, d, s: f"torch.flip({x}, ({d},))",
    "roll": lambda g, x, d, s: f"torch.roll({x}, {g.r.randint(-3, 3)}, {d})",
    "repeat": lambda g, x, d, s: f"{x}.repeat({_reps(g, s)!r})",
    "tile": lambda g, x, d, s: f"{x}.tile({_reps(g, s)!r})",
    "movedim": lambda g, x, d, s: f"torch.movedim({x}, {d}, {g.dim(len(s))})",
}
SPLITTING = ("split", "split_list", "chunk", "unbind", "tensor_split")


def gen_join(g):
    dt = g.dtype(DTYPES + ("float32",))
    shape = g.shape(min_dims=1, max_dims=3, max_size=4)
    op = g.pick(("cat", "cat", "stack", "hstack", "vstack", "split", "split_list", "chunk",
                 "unbind", "tensor_split", "flip", "roll", "repeat", "tile", "movedim",
                 "cat_empty", "dstack", "column_stack"))
    g.tag("join", "op:" + op)
    out = g.fresh("out")
    d = g.dim(len(shape))
    if op in ("cat", "stack", "hstack", "vstack", "dstack", "column_stack", "cat_empty"):
        k = g.r.randint(1, 3)
        names = []
        for _ in range(k):
            s = list(shape)
            if op == "cat" and isinstance(d, int) and -len(s) <= d < len(s) and g.chance(0.7):
                s[d] = g.r.randint(0, 3)
            if g.chance(0.03):
                s = list(g.shape(min_dims=1))
            names.append(g.tensor(dt if g.chance(0.8) else g.dtype(), tuple(s)))
        if op == "cat_empty":
            names.append("torch.tensor([])")
            op = "cat"
        seq = "[" + ", ".join(names) + "]" if g.chance(0.7) else "(" + ", ".join(names) + ",)"
        if op in ("cat", "stack"):
            dim = d if op == "cat" else g.r.randint(-len(shape) - 1, len(shape))
            g.emit(f"{out} = torch.{op}({seq}, dim={dim})")
        else:
            g.emit(f"{out} = torch.{op}({seq})")
        return
    x = g.tensor(dt, shape)
    g.emit(f"{out} = {ONE_TENSOR[op](g, x, d, shape)}")
    if g.chance(0.3):
        g.emit(f"{g.fresh('u')} = {out}{'[0]' if op in SPLITTING else ''} * 2")


SCATTER = {
    "scatter": "{out} = torch.scatter({y}, {d}, {idx}, {src})",
    "scatter_value": "{y}.scatter_({d}, {idx}, {scalar})",
    "scatter_add": "{out} = {y}.scatter_add({d}, {idx}, {src})",
    "scatter_reduce": "{out} = {y}.scatter_reduce({d}, {idx}, {src}, {red!r}, "
                      "include_self={include_self})",
}


def gen_order(g):
    dt = g.dtype(("float32", "float32", "float64", "int64", "int32", "bool"))
    shape = g.shape(min_dims=1, max_dims=3, max_size=5)
    x = g.tensor(dt, shape, special=0.05)
    nd = len(shape)
    d = g.dim(nd)
    dd = d if -nd <= d < nd else 0
    n = shape[dd]
    op = g.pick(("gather", "scatter", "scatter_value", "scatter_add", "scatter_reduce", "sort",
                 "argsort", "topk", "kthvalue", "take_along_dim", "unique", "msort",
                 "searchsorted", "sort_stable", "unique_dim", "unique_consecutive"))
    g.tag("order", "op:" + op)
    out = g.fresh("out")
    ishape = tuple(g.r.randint(0, s) if i != dd else g.r.randint(0, 4) for i, s in enumerate(shape))
    if op in ("gather", "take_along_dim"):
        idx = g.fresh("i")
        g.emit(f"{idx} = torch.tensor(rng.integers(0, {max(n, 1)}, {ishape!r}))")
        call = f"torch.gather({x}, {d}, {idx})" if op == "gather" else \
            f"torch.take_along_dim({x}, {idx}, dim={d})"
        if g.chance(0.05):
            call = call.replace(idx, f"{idx}.int()")
        g.emit(f"{out} = {call}")
    elif op.startswith("scatter"):
        idx = g.fresh("i")
        g.emit(f"{idx} = torch.tensor(rng.integers(0, {max(n, 1)}, {ishape!r}))")
        red = g.pick(("sum", "prod", "mean", "amax", "amin"))
        sshape, sgrad = shape, None
        if op == "scatter_reduce" and red in ("prod", "amax", "amin") and ishape != shape:
            # PyTorch's src gradient for these broadcasts src against the index-shaped values
            # and gives elements outside the index's block nonzero gradients (a PyTorch bug):
            # src requires grad only when it has the index's shape
            if g.chance(0.6):
                sshape = ishape
            else:
                sgrad = False
        src = g.tensor(dt if g.chance(0.9) else g.dtype(), sshape, grad=sgrad)
        y = g.fresh("y")
        g.emit(f"{y} = {x}.clone()")
        g.emit(g.fill(SCATTER[op], out=out, y=y, d=d, idx=idx, src=src, red=red,
                      scalar=g.scalar, include_self=lambda: g.chance(0.5)))
    elif op in ("sort", "sort_stable"):
        st = ", stable=True" if op == "sort_stable" else ""
        g.emit(f"{out} = torch.sort({x}, dim={d}, descending={g.chance(0.5)}{st})")
        if dt != "bool" and not op.endswith("stable") and g.chance(0.9):
            # Ties make unstable sort indices implementation-defined: compare values only.
            g.emit(f"{out} = {out}.values")
    elif op == "argsort":
        g.emit(f"{out} = torch.argsort({x}, dim={d}, descending={g.chance(0.5)}, stable=True)")
    elif op in ("topk", "kthvalue"):
        # Special values tie (-0.0 and 0.0, repeated infinities): which of the tied elements
        # topk/kthvalue pick, and so gets the gradient, is implementation-defined
        xs = f"{x}.detach()" if "nonfinite" in g.tags else x
        if op == "topk":
            k = g.r.randint(0, n + (1 if g.chance(0.05) else 0))
            g.emit(f"{out} = torch.topk({xs}, {k}, dim={d}, largest={g.chance(0.5)}).values")
        else:
            k = g.r.randint(1, max(n, 1))
            g.emit(f"{out} = torch.kthvalue({xs}, {k}, dim={d}).values")
    elif op == "unique":
        kw = f"sorted=True, return_inverse={g.chance(0.5)}, return_counts={g.chance(0.5)}"
        g.emit(f"{out} = torch.unique({x}, {kw})")
    elif op in ("unique_dim", "unique_consecutive"):
        # unique over a dim sorts rows lexicographically; PyTorch's order is undefined for rows
        # holding nan (nan breaks its comparison), so those compare no values here
        kw = f"return_inverse={g.chance(0.5)}, return_counts={g.chance(0.5)}"
        dim = f", dim={d}" if op == "unique_dim" or g.chance(0.5) else ""
        fn = "unique" if op == "unique_dim" else "unique_consecutive"
        src = f"{x}.nan_to_num()" if op == "unique_dim" and dt.startswith("float") else x
        g.emit(f"{out} = torch.{fn}({src}{dim}, {kw})")
    elif op == "msort":
        g.emit(f"{out} = torch.msort({x})")
    else:
        sx = g.fresh("sx")
        # stable: the gradient follows the sort's permutation, which ties (-0.0 and 0.0, repeated
        # infinities or nans) leave implementation-defined in an unstable sort
        g.emit(f"{sx} = torch.sort({x}.flatten(), stable=True).values")
        v = g.tensor(dt, g.shape(max_dims=1))
        g.emit(f"{out} = torch.searchsorted({sx}, {v}, right={g.chance(0.5)})")
