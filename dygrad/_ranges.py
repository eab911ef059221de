"""Ranges (arange, range, linspace, logspace) with PyTorch's arithmetic, bit for bit, and index
grids (tril/triu_indices; cartesian_prod and combinations are declared ops in ops/join.py).

PyTorch's CPU kernels (as built for AVX2/AVX-512, which contract a*b+c into one fused
multiply-add) compute, per element:
- arange: start + i*step in double (float for half), in 32-byte vector blocks: the elements of
  each block of 2*C (C = 32 / itemsize) start from a base rounded to the output dtype, the tail
  elements are computed one by one; integer dtypes truncate start and step first.
- linspace: the first half as start + i*step, the second as end - (n-1-i)*step, in the output
  dtype's arithmetic (double for integer outputs, then truncated).
- logspace: base ** (the linspace exponent, computed in double).
`_fma` reproduces the single rounding of a fused multiply-add with error-free transformations.
"""
import math
import warnings

import numpy as np

from . import _dtype
from ._convert import checked, finish, not_implemented, type_name
from ._tensor import Tensor, _wrap
from .device import check_device

__all__ = ["arange", "range", "linspace", "logspace", "tril_indices", "triu_indices"]

_F16, _F32, _F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_SPLIT = 134217729.0  # 2**27 + 1, Dekker's splitter for doubles


def _fma(x, y, z):
    """round(x*y + z) on float64 arrays (what an FMA instruction returns): the product's exact
    error (Dekker) and the sum's exact error (Knuth) are added back before the last rounding."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    p = x * y
    if not np.isfinite(p).all() or not np.isfinite(z).all():
        return p + z
    t = _SPLIT * x
    xh = t - (t - x)
    xl = x - xh
    t = _SPLIT * y
    yh = t - (t - y)
    yl = y - yh
    e = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl
    s = p + z
    bb = s - p
    err = (p - (s - bb)) + (z - bb)
    return s + (err + e)


def _number(op, v, name, pos):
    if isinstance(v, (bool, int, float)):
        if type(v) is int and not -2 ** 63 <= v < 2 ** 64:
            raise OverflowError("int too big to convert")  # PyTorch's Scalar holds 64 bits
        return v
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return v.item() if v.dtype.kind not in "fV" else float(v)
    if isinstance(v, Tensor) and v._data.ndim == 0:
        return v._data.item()
    raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Number, not {type_name(v)}")


def _is_float_arg(v):
    if isinstance(v, Tensor):
        return v._data.dtype.kind in "fV"
    return isinstance(v, (float, np.floating))


def _fmt(v):
    """A Scalar as PyTorch's C++ stream prints it."""
    if isinstance(v, (bool, int)):
        return str(int(v))
    return f"{v:g}"


def _wrap64(v):
    """A Python int wrapped to int64 the way C++ arithmetic overflows."""
    return (v + (1 << 63)) % (1 << 64) - (1 << 63)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values start, start+step, ... below end. dtype: the default float dtype if any argument is
    floating, else int64."""
    check_device(device, "arange()")
    if end is None:
        start, end = 0, start
        end_pos = 1
    else:
        end_pos = 2
    floating = any(_is_float_arg(v) for v in (start, end, step))
    start = _number("arange", start, "start", 1)
    end = _number("arange", end, "end", end_pos)
    step = _number("arange", step, "step", 3)
    if dtype is None:
        dtype = out.dtype if out is not None else (_dtype._default[0] if floating else _dtype.int64)
    npdt = _dtype.to_numpy_dtype(dtype)
    if npdt.kind == "b":
        not_implemented("arange_cpu", npdt)
    # bounds are checked on the arguments as doubles, whatever the output dtype
    s, e, st = float(start), float(end), float(step)
    _check_bounds(s, e, st, start, end)
    if npdt.kind in "iu":
        if npdt == _I64:  # int64 sizes the range in integers, from the truncated arguments
            xs, xe, xst = _as_int64(start), _as_int64(end), _as_int64(step)
            if xst == 0:
                raise ValueError("step must be nonzero")
            sgn = 1 if xst > 0 else -1
            num = _wrap64(xe - xs + xst - sgn)
            n = abs(num) // abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)  # C++ truncation
        else:  # the others size it in doubles, and only then take the arguments as int64
            n = math.ceil((e - s) / st)
            if 0 <= n <= 2 ** 63 - 1:
                xs, xst = _as_int64(start), _as_int64(step)
        if n < 0 or n > 2 ** 63 - 1:
            raise RuntimeError("invalid size, possible overflow?")
        arr = (xs + np.arange(n, dtype=np.int64) * np.int64(xst)).astype(npdt)
    else:
        n = math.ceil((e - s) / st)
        if not 0 <= n <= 2 ** 63 - 1:
            raise RuntimeError("invalid size, possible overflow?")
        if npdt == _F16:
            s, st = float(np.float32(s)), float(np.float32(st))
        arr = _arange_float(s, st, n, npdt)
    return finish(arr, requires_grad, out, "arange")


def _as_int64(v):
    """An argument truncated to an int64, as integer ranges take it (PyTorch's checked
    conversion: RuntimeError for nan, inf or a value outside int64)."""
    return int(_dtype.checked_value(_I64, v))


def _check_bounds(s, e, st, start, end):
    """arange/range's checks on the numbers s, e, st; start and end as given, for the message."""
    if not (st > 0 or st < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(s) and math.isfinite(e)):
        raise RuntimeError(f"unsupported range: {_fmt(start)} -> {_fmt(end)}")
    if not ((st > 0 and e >= s) or (st < 0 and e <= s)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def _arange_float(a, st, n, npdt):
    acc32 = npdt == _F16  # half accumulates in float

    def fma(x, y, z):
        r = _fma(x, y, z)
        return r.astype(np.float32).astype(np.float64) if acc32 else r

    j = np.arange(n, dtype=np.float64)
    vals = fma(st, j, a)
    c = 32 // npdt.itemsize
    full = n // (2 * c) * (2 * c)
    if full:
        jj = j[:full]
        k = jj % c
        base = fma(st, jj - k, a).astype(npdt).astype(np.float64)
        vals[:full] = fma(k, st, base)
    return vals.astype(npdt)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated torch.range: like arange but end inclusive, default float dtype."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its "
                  "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
                  "which produces values in [start, end).", UserWarning, stacklevel=2)
    check_device(device, "range()")
    if end is None:
        start, end = 0, start
    start = _number("range", start, "start", 1)
    end = _number("range", end, "end", 2)
    step = _number("range", step, "step", 3)
    npdt = _dtype.to_numpy_dtype(dtype if dtype is not None else
                                 (out.dtype if out is not None else _dtype._default[0]))
    if npdt.kind in "iu":  # range accumulates in int64 from the truncated arguments
        start, end, step = _as_int64(start), _as_int64(end), _as_int64(step)
    _check_bounds(start, end, step, start, end)
    if npdt.kind in "iu":
        n = _range_size(abs(end - start) // abs(step) + 1)
        arr = (start + np.arange(n, dtype=np.int64) * step).astype(npdt)
    elif npdt == _F16:  # float accumulation, no fused multiply-add in this kernel
        s32, st32 = np.float32(start), np.float32(step)
        n = _range_size((np.float32(end) - s32) / st32 + 1)
        arr = (s32 + np.arange(n, dtype=np.float32) * st32).astype(npdt)
    else:
        n = _range_size((float(end) - float(start)) / float(step) + 1)
        arr = (float(start) + np.arange(n, dtype=np.float64) * float(step)).astype(npdt)
    return finish(arr, requires_grad, out, "range")


def _range_size(n):
    """range's element count n (an int, or a float to truncate), refused past int64, where
    NumPy's arange would silently return an empty array (PyTorch raises)."""
    if not n <= 2 ** 63 - 1:
        raise RuntimeError(f"range(): {n:.0f} elements are more than a tensor can hold "
                           "(2**63 - 1)")
    return int(n)


def _lin_args(op, start, end, steps):
    for name, v, pos in (("start", start, 1), ("end", end, 2)):
        if isinstance(v, Tensor) and v._data.ndim:
            raise RuntimeError(f"{op} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {v._data.ndim} dimension(s).")
    start = _number(op, start, "start", 1)
    end = _number(op, end, "end", 2)
    if isinstance(steps, Tensor) and steps._data.ndim == 0 and steps._data.dtype.kind in "iu":
        steps = int(steps)
    if isinstance(steps, np.integer):
        steps = int(steps)
    if not isinstance(steps, int) or isinstance(steps, bool):
        raise TypeError(f"{op}(): argument 'steps' (position 3) must be int, not {type_name(steps)}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return start, end, steps


def _to_scalar_t(v, npdt):
    """A Scalar converted to the output dtype with PyTorch's checked conversion."""
    # an int in [2**63, 2**64) is an unsigned Scalar in PyTorch (_number refused larger ones)
    nat = np.array(v, dtype=np.float64 if isinstance(v, float) else
                   np.uint64 if v >= 2 ** 63 else np.int64)
    return checked(nat, npdt, ctype=True)[()]


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """`steps` values from start to end inclusive, in the default float dtype unless given."""
    check_device(device, "linspace()")
    start, end, steps = _lin_args("linspace", start, end, steps)
    if dtype is None and out is not None:
        dtype = out.dtype
    npdt = _dtype.to_numpy_dtype(dtype) if dtype is not None else _dtype._default[0].np
    if npdt.kind == "b":
        not_implemented("linspace_cpu", npdt)
    if steps <= 1:
        arr = np.full(steps, _to_scalar_t(start, npdt), dtype=npdt)
        return finish(arr, requires_grad, out, "linspace")
    s, e = _to_scalar_t(start, npdt), _to_scalar_t(end, npdt)
    i = np.arange(steps, dtype=np.float64)
    lower = i < steps // 2
    back = steps - 1 - i
    if npdt.kind in "iu":
        st = (float(e) - float(s)) / (steps - 1)
        vals = np.where(lower, _fma(st, i, float(s)), _fma(-st, back, float(e)))
        arr = np.trunc(vals).astype(npdt)
    elif npdt == _F16:  # every Half operation rounds through float to half
        h = np.float16
        st = h(np.float32(h(np.float32(e) - np.float32(s))) / np.float32(h(steps - 1)))
        st32 = np.float32(st)
        # the integer index is converted to half before multiplying (Half * int64)
        up = (np.float32(s) + (st32 * i.astype(h).astype(np.float32)).astype(h)).astype(h)
        down = (np.float32(e) - (st32 * back.astype(h).astype(np.float32)).astype(h)).astype(h)
        arr = np.where(lower, up, down)
    else:
        st = npdt.type(npdt.type(e - s) / npdt.type(steps - 1))
        vals = np.where(lower, _fma(st, i, float(s)), _fma(-float(st), back, float(e)))
        arr = vals.astype(npdt)
    return finish(arr, requires_grad, out, "linspace")


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """base ** linspace(start, end, steps), with the exponents computed in double."""
    check_device(device, "logspace()")
    start, end, steps = _lin_args("logspace", start, end, steps)
    base = float(_number("logspace", base, "base", 4))
    if dtype is None and out is not None:
        dtype = out.dtype
    npdt = _dtype.to_numpy_dtype(dtype) if dtype is not None else _dtype._default[0].np
    if npdt.kind == "b":
        not_implemented("logspace_cpu", npdt)
    if steps == 0:
        return finish(np.zeros(0, npdt), requires_grad, out, "logspace")
    if steps == 1:
        vals = _pow(base, np.array([float(start)]))  # the argument itself, unconverted
    else:
        s, e = _to_scalar_t(start, npdt), _to_scalar_t(end, npdt)
        diff = npdt.type(e - s) if npdt.kind in "fV" else int(e) - int(s)
        st = float(diff) / (steps - 1)
        i = np.arange(steps, dtype=np.float64)
        if npdt == _F16:  # the loop counter itself is a half
            i = i.astype(np.float16).astype(np.float64)
        # this kernel is compiled without fused multiply-add: plain double arithmetic
        expo = np.where(i < steps // 2, float(s) + st * i,
                        float(e) - st * (steps - 1 - np.arange(steps, dtype=np.float64)))
        vals = _pow(base, expo)
    if npdt.kind in "iu":
        arr = np.trunc(vals).astype(npdt)
    elif npdt == _F16:
        arr = vals.astype(np.float32).astype(npdt)
    else:
        arr = vals.astype(npdt)
    return finish(arr, requires_grad, out, "logspace")


def _pow1(base, x):
    try:
        return math.pow(base, x)
    except (OverflowError, ValueError):  # C's pow gives inf / nan there
        return float(np.power(base, x))


def _pow(base, expo):
    # the C library's pow, as PyTorch calls it (NumPy's SIMD power can differ in the last bit)
    return np.array([_pow1(base, x) for x in expo.tolist()], dtype=np.float64)


def _tri_indices(op, row, col, offset, dtype, device, lower):
    check_device(device, f"{op}()")
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{name} must be non-negative, got{v}")
    npdt = _dtype.to_numpy_dtype(dtype)
    if npdt.kind not in "iu":
        not_implemented(op, npdt)
    r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return _wrap(np.stack([r, c]).astype(npdt).reshape(2, -1))


def tril_indices(row, col, offset=0, *, dtype=_dtype.int64, device="cpu", layout=None):
    """2 x N (row, col) indices of the lower triangle of a row x col matrix, row-major."""
    return _tri_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=_dtype.int64, device="cpu", layout=None):
    """2 x N (row, col) indices of the upper triangle of a row x col matrix, row-major."""
    return _tri_indices("triu_indices", row, col, offset, dtype, device, False)
