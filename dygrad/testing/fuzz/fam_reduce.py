"""Family `reduce`: reductions with dim (int, tuple, negative, out of range), keepdim and dtype."""
from .gen import DTYPES, FLOATS

# name -> (accepts dim tuple, accepts keepdim, accepts dtype=, extra keyword choices)
REDUCTIONS = {
    "sum": (True, True, True, ()), "mean": (True, True, True, ()),
    "nansum": (True, True, True, ()), "nanmean": (True, True, True, ()),
    "prod": (False, True, True, ()), "amax": (True, True, False, ()),
    "amin": (True, True, False, ()), "max": (False, True, False, ()),
    "min": (False, True, False, ()), "argmax": (False, True, False, ()),
    "argmin": (False, True, False, ()), "logsumexp": (True, True, False, ()),
    "all": (False, True, False, ()), "any": (False, True, False, ()),
    "count_nonzero": (True, False, False, ()), "median": (False, True, False, ()),
    "nanmedian": (False, True, False, ()), "mode": (False, True, False, ()),
    "std": (True, True, False, ("correction=0", "correction=1", "unbiased=False")),
    "var": (True, True, False, ("correction=0", "correction=2", "unbiased=True")),
    "std_mean": (True, True, False, ("correction=0",)), "var_mean": (True, True, False, ()),
    "norm": (True, True, False, ("p=1", "p=2", "p=float('inf')", "p=3")),
    "aminmax": (False, True, False, ()),
}


def gen_reduce(g):
    op = g.pick(sorted(REDUCTIONS))
    tup, keep, has_dtype, extras = REDUCTIONS[op]
    g.tag("reduce", "op:" + op)
    dtype = g.dtype(DTYPES + FLOATS + FLOATS)
    shape = g.shape(max_dims=4, max_size=5, empty=0.06)
    x = g.tensor(dtype, shape, special=0.15)
    g.tol = 10.0
    args = []
    if op == "aminmax":
        args, shape = [], shape  # aminmax only takes keyword dim
    full = g.chance(0.25) and op not in ("aminmax",)
    if full and op in ("median", "nanmedian") and 0 in shape and dtype not in FLOATS:
        # PyTorch answers an empty integer median with NaN cast to the integer type (INT_MIN
        # on x86: a platform artefact); dygrad refuses it, so reduce along a dim instead
        full = False
    if not full:
        if tup and g.chance(0.3) and len(shape) >= 2:
            dims = g.r.sample(range(len(shape)), g.r.randint(1, len(shape)))
            d = repr(tuple(x - len(shape) if g.chance(0.3) else x for x in dims))
            g.tag("dim_tuple")
        else:
            d = repr(g.dim(len(shape)))
        args.append(f"dim={d}")
        if keep and g.chance(0.5):
            args.append(f"keepdim={g.chance(0.5)}")
    if has_dtype and g.chance(0.25):
        args.append(f"dtype=torch.{g.pick(('float32', 'float64', 'int64', 'int32'))}")
        g.tag("reduce_dtype")
    if extras and g.chance(0.6):
        args.append(g.pick(extras))
    method = g.chance(0.4) and op not in ("std_mean", "var_mean")   # function-only in torch
    call = None if method else ", ".join([x] + args)
    out = g.fresh("out")
    if call is not None:
        g.emit(f"{out} = torch.{op}({call})")
    else:
        g.emit(f"{out} = {x}.{op}({', '.join(args)})")
