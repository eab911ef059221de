"""Sample generators for op records: the standard shapes and dtypes an elementwise or reducing
op is tested over, so a record lists only what is particular to its op.

Arrays come from a generator seeded by the op's name: a record's samples do not change when
another record is added or the records files are imported in another order.
"""
import zlib

import numpy as np

from ._records import S

_NP = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i64": np.int64,
       "i32": np.int32, "i8": np.int8, "u8": np.uint8, "b": np.bool_}


def rng_for(name):
    """A NumPy generator seeded by `name` (an op's public name)."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def array(rng, dt, shape, lo=None, hi=None):
    """A random array of dtype code `dt` ("f32", "i64", "b", ...): floats are standard normal,
    or uniform in [lo, hi); integers are uniform in [lo, hi) (default [-4, 5))."""
    if dt == "b":
        return rng.random(shape) < 0.5
    if dt[0] in "iu":
        lo = (0 if dt == "u8" else -4) if lo is None else int(np.ceil(lo))
        hi = 5 if hi is None else max(int(np.floor(hi)), lo + 1)
        return rng.integers(lo, hi, size=shape).astype(_NP[dt])
    a = rng.standard_normal(shape) if lo is None else rng.uniform(lo, hi, size=shape)
    return np.asarray(a, dtype=_NP[dt])


def unary_samples(name, lo=None, hi=None, *, ints=("i64",), bools=False, empty=True, **flags):
    """Call samples of a unary elementwise op over the domain [lo, hi): float32 (3, 4),
    float64 0-dim and (2, 3), an empty float32 (0, 3), the integer dtypes in `ints` (with the
    domain's integer range) and bool when `bools`. `flags` go to every sample (`_tol=...`)."""
    rng = rng_for(name)
    out = [S(array(rng, "f32", (3, 4), lo, hi), _label=f"{name}_f32", **flags),
           S(array(rng, "f64", (), lo, hi), _label=f"{name}_f64_0d", **flags),
           S(array(rng, "f64", (2, 3), lo, hi), _label=f"{name}_f64", **flags)]
    if empty:
        out.append(S(array(rng, "f32", (0, 3), lo, hi), _label=f"{name}_empty", **flags))
    for dt in ints:
        out.append(S(array(rng, dt, (5,), lo, hi), _label=f"{name}_{dt}", **flags))
    if bools:
        out.append(S(array(rng, "b", (4,)), _label=f"{name}_bool", **flags))
    return out


# (shape of a, shape of b): same shape, broadcasting both ways, a 0-dim operand, empty
BINARY_SHAPES = (((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((3,), ()), ((), (2, 3)),
                 ((0, 3), (3,)))


def binary_samples(name, lo=None, hi=None, *, lo2=None, hi2=None, dtypes=("f32", "f64"),
                   ints=("i64",), scalar=2.5, **flags):
    """Call samples of a binary elementwise op: every pair of BINARY_SHAPES in each float dtype,
    a float32-float64 mix, the integer dtypes in `ints`, and a Python scalar second operand
    (`scalar`, None for none). The second operand's domain is [lo2, hi2) (default the first's)."""
    rng = rng_for(name)
    lo2, hi2 = (lo, hi) if lo2 is None and hi2 is None else (lo2, hi2)
    out = []
    for dt in dtypes:
        for sa, sb in BINARY_SHAPES:
            out.append(S(array(rng, dt, sa, lo, hi), array(rng, dt, sb, lo2, hi2),
                         _label=f"{name}_{dt}_{sa}_{sb}", **flags))
    if len(dtypes) > 1:
        out.append(S(array(rng, dtypes[0], (3, 4), lo, hi), array(rng, dtypes[-1], (4,), lo2, hi2),
                     _label=f"{name}_{dtypes[0]}_{dtypes[-1]}", **flags))
    for dt in ints:
        out.append(S(array(rng, dt, (3, 4), lo, hi), array(rng, dt, (4,), lo2, hi2),
                     _label=f"{name}_{dt}", **flags))
    if scalar is not None:
        out.append(S(array(rng, dtypes[0], (3, 4), lo, hi), scalar, _label=f"{name}_scalar", **flags))
    return out


# (dim, keepdim) combinations a reduction is tested over; None reduces everything
REDUCE_DIMS = ((None, False), (0, False), (-1, True), ((0, 2), False), ((1,), True))


def reduce_samples(name, lo=None, hi=None, *, dims=REDUCE_DIMS, dtypes=("f32", "f64"),
                   empty=True, keepdim=True, dim_kw=False, **flags):
    """Call samples of a reduction `op(x)` / `op(x, dim, keepdim=k)` over a (3, 4, 5) input in
    each dtype, a 0-dim input and (when `empty`) a (0, 3) input reduced over dim 1. `keepdim`:
    the op takes keepdim (else it is left out); `dim_kw`: dim goes by keyword (`norm`, whose
    second positional argument is p). The reduce-all samples check the method spelling only:
    PyTorch's reduce-all overloads take no out=."""
    rng = rng_for(name)
    out = []

    def call(x, dim, keep, label):
        kw = {"keepdim": keep} if keepdim else {}
        if dim is None:
            return S(x, _label=label, _variants=("method",), **flags)
        return S(x, dim=dim, **kw, _label=label, **flags) if dim_kw else \
            S(x, dim, **kw, _label=label, **flags)
    for dt in dtypes:
        for dim, keep in dims:
            out.append(call(array(rng, dt, (3, 4, 5), lo, hi), dim, keep, f"{name}_{dt}_{dim}_{keep}"))
    all_dims = any(d is None for d, _ in dims)
    out.append(call(array(rng, "f64", (), lo, hi), None if all_dims else 0, False, f"{name}_0d"))
    if empty:
        out.append(call(array(rng, "f32", (0, 3), lo, hi), 1, False, f"{name}_empty"))
    return out
