"""Reductions: sums, means, products, logsumexp, logical reductions and cumulative ops.

Max/min-style reductions live in minmax.py, sorting/median/topk in sort_ops.py, var/std in
moments.py and norms in norms.py; they are re-exported here because Tensor methods and torch.*
call `reduction.<op>`.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._registry import op
from ._reduce_util import (rdims, one_dim, expand_back, finish, acc_dtype, scalar_type_name, flip, lowp,
                           shift, select, stack)
from .minmax import max, min, amax, amin, aminmax, argmax, argmin  # noqa: F401
from .sort_ops import sort, argsort, topk, median  # noqa: F401
from .moments import var, std, var_mean, std_mean  # noqa: F401
from .norms import norm, vector_norm, matrix_norm  # noqa: F401
from ..amp._state import STATE as _AC, cast as _autocast

_I64 = np.dtype(np.int64)


def _sum_dtype(d, dtype):
    if dtype is not None:
        return dtype.np
    return _I64 if d.dtype.kind in "biu" else d.dtype


class _Reduce(Node):
    """Gradient of a sum-like reduction, broadcast back over the reduced dims."""
    __slots__ = ("shape", "dims", "keepdim", "src")

    def _back(self, g):
        g = expand_back(g, self.shape, self.dims, self.keepdim)
        return g if self.src is None else _bw.cast(g, self.src)


class SumBackward0(_Reduce):
    __slots__ = ()

    def backward(self, g):
        if self.dims is None and self.src is None and type(g) is np.ndarray:
            out = np.empty(self.shape, g.dtype)  # owned and writable: no copy later
            out.fill(g)  # (np.full does this in Python, twice as slowly)
            return out
        return self._back(g)


class SumBackward1(_Reduce):
    __slots__ = ()

    def backward(self, g):
        return self._back(g)


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


@op(out=True, backward=(SumBackward0, SumBackward1),
    summary='Sum of the elements over dim (all of them by default); axis= is an alias of dim.',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    d = input._data
    dt = d.dtype
    if dim is None and dtype is None and (dt is _F32 or dt is _F64) and STATE.trace is None:
        # `loss = (...).sum()`: the commonest reduction, without the general argument handling
        t, node = finish(np.add.reduce(d, None, None, None, keepdim), input, SumBackward0)
        if node is not None:
            node.shape, node.dims, node.keepdim, node.src = d.shape, None, keepdim, None
        return t
    npdt = _sum_dtype(d, dtype)
    dims = rdims(dim, d.shape, "sum")
    if dtype is not None:
        _grad_dtype(input, dtype)
    out = _np_sum(d, dims, keepdim, npdt)
    if lowp(npdt):
        replay, args = _np_sum, (input, dims, keepdim, npdt)
    else:  # ndarray.sum is this ufunc reduction; calling it directly skips two layers
        replay = np.add.reduce
        args = (input, dims, None if npdt == d.dtype and npdt.kind in "fV" else npdt, None, keepdim)
    t, node = finish(out, input, SumBackward0 if dim is None else SumBackward1, replay, args, "sum")
    if node is not None:
        # dims None marks the full sum, whose gradient is one value filled over the input
        node.shape, node.dims, node.keepdim = d.shape, None if dim is None else dims, keepdim
        node.src = None if npdt == d.dtype else d.dtype
    return t


def _np_sum(d, dims, keepdim, npdt):
    if npdt == d.dtype and npdt.kind in "fV" and npdt.itemsize != 2:
        # the same reduction as d.sum(dtype=npdt); naming the dtype costs NumPy ~0.4 µs of
        # dtype resolution, a fifth of a small op (integers must name it: NumPy would widen
        # an int8 sum to int64 where sum(dtype=torch.int8) keeps int8)
        return np.add.reduce(d, dims, None, None, keepdim)
    if lowp(npdt):  # float16/bfloat16 accumulate in float32 and round once, as PyTorch
        return d.sum(axis=dims, keepdims=keepdim, dtype=np.float32).astype(npdt)
    return d.sum(axis=dims, keepdims=keepdim, dtype=npdt)


class NansumBackward0(_Reduce):
    __slots__ = ()

    def backward(self, g, x):
        g = self._back(g)
        return _bw.where(np.isnan(_data(x)), 0, g)


@op(out=True, backward=NansumBackward0,
    summary='Sum of the elements over dim (all by default), NaN counted as zero.',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    d = input._data
    npdt = _sum_dtype(d, dtype)
    dims = rdims(dim, d.shape, "nansum")
    _grad_dtype(input, dtype)
    out = np.nansum(d, axis=dims, keepdims=keepdim, dtype=np.float32 if lowp(npdt) else npdt)
    t, node = finish(out.astype(npdt, copy=False), input, NansumBackward0)
    if node is not None:
        node.shape, node.dims, node.keepdim, node.src = d.shape, dims, keepdim, None
        node.save(input)
    return t


class MeanBackward0(_Reduce):
    __slots__ = ("n",)

    def backward(self, g):
        return self._back(g / self.n)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def _check_mean_dtype(d, op, given=False):
    raise RuntimeError(
        f"{op}(): could not infer output dtype. {'Optional' if given else 'Input'} dtype must be "
        f"either a floating point or complex dtype. Got: {scalar_type_name(d.dtype)}")


@op(out=True, backward=(MeanBackward0, MeanBackward1),
    summary='Mean of the elements over dim (all of them by default); axis= is an alias of dim.',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    if axis is not None:  # NumPy's name, which PyTorch accepts too
        dim = axis
    d = input._data
    src = d.dtype
    if dtype is not None and dtype.np != src:
        d = d.astype(dtype.np)
    if d.dtype.kind not in "fV":
        _check_mean_dtype(d, "mean", dtype is not None)
    dims = rdims(dim, d.shape, "mean")
    n = 1
    for i in dims:
        n *= d.shape[i]
    npdt = d.dtype
    out = _np_mean(d, dims, keepdim, n, npdt)
    t, node = finish(out, input, MeanBackward0 if dim is None else MeanBackward1,
                     _mean_kernel, (input, dims, keepdim, n, npdt), "mean")
    if node is not None:
        node.shape, node.dims, node.keepdim, node.n = d.shape, dims, keepdim, n
        node.src = None if src == d.dtype else src
    return t


def _mean_kernel(d, dims, keepdim, n, npdt):
    return _np_mean(d if d.dtype == npdt else d.astype(npdt), dims, keepdim, n, npdt)


def _np_mean(d, dims, keepdim, n, npdt):
    with np.errstate(invalid="ignore", divide="ignore"):
        out = d.sum(axis=dims, keepdims=keepdim, dtype=acc_dtype(d)) / n
    return np.asarray(out, dtype=npdt)


class NanmeanBackward0(_Reduce):
    __slots__ = ("count",)

    def backward(self, g, x):
        # multiplying by the mask (not selecting) gives NaN for all-NaN slices, as PyTorch does
        keep = (~np.isnan(_data(x))).astype(_data(x).dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._back(g / _bw.const(self.count, g)) * _bw.const(keep, g)


@op(out=True, backward=NanmeanBackward0,
    summary='Mean of the non-NaN elements over dim (all by default).',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    d = input._data
    if d.dtype.kind not in "fV":  # checked before dtype=: an integer input is refused either way
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {scalar_type_name(d.dtype)}")
    if dtype is not None and dtype.np != d.dtype:
        if dtype.np.kind not in "fV":
            _check_mean_dtype(np.empty(0, dtype.np), "nanmean", True)
        d = d.astype(dtype.np)
    dims = rdims(dim, d.shape, "nanmean")
    count = (~np.isnan(d)).sum(axis=dims, keepdims=keepdim).astype(d.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (np.nansum(d, axis=dims, keepdims=keepdim, dtype=acc_dtype(d)) / count).astype(d.dtype)
    t, node = finish(out, input, NanmeanBackward0)
    if node is not None:
        node.shape, node.dims, node.keepdim = d.shape, dims, keepdim
        node.src = None if input._data.dtype == d.dtype else input._data.dtype
        node.count = count
        node.save(input)
    return t


def _data(v):
    return v._data if isinstance(v, Tensor) else v


# ---------------------------------------------------------------------------------------------
# products
def _prod_others(x, dim):
    """For each element, the product of all other elements along dim (exact with zeros)."""
    before = cumprod_raw(shift(x, dim, False, 1), dim)
    after = flip(cumprod_raw(flip(shift(x, dim, True, 1), dim), dim), dim)
    return before * after


class ProdBackward0(Node):
    """Full product."""
    __slots__ = ("shape",)

    def backward(self, g, x, y):
        if not self.shape:  # PyTorch passes a 0-dim input's gradient through (no 0 * inf)
            return g
        zeros = int((_data(x) == 0).sum())
        if not zeros:
            return g * (y / x)  # PyTorch's rounding order
        if zeros > 1 and not isinstance(x, Tensor):  # (without create_graph) PyTorch: exact 0
            return np.zeros(self.shape, _data(x).dtype)
        flat = _bw.reshape(x, (-1,))
        return g * _bw.reshape(_prod_others(flat, 0), self.shape)


class ProdBackward1(Node):
    __slots__ = ("dim", "keepdim")

    def backward(self, g, x, y):
        dim = self.dim
        if not _data(x).ndim:
            return g
        if not self.keepdim:
            g = _bw.reshape(g, _kshape(g, x, dim))
            y = _bw.reshape(y, _kshape(y, x, dim))
        if not (_data(x) == 0).any():
            return g * (y / x)
        return g * _prod_others(x, dim)


def _kshape(v, x, dim):
    s = list(x.shape)
    s[dim] = 1
    return tuple(s)


@op(out=True, backward=(ProdBackward0, ProdBackward1),
    summary='Product of the elements over one dim (all of them by default).',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def prod(input, dim=None, keepdim=False, *, dtype=None):
    if _AC.on:  # autocast region: PyTorch's CPU policy for this op
        input, = _autocast('prod', input)
    if dim is not None:  # a bad dim is reported before the dtype
        dim = one_dim(dim, input._data.shape, "prod")
    input = _cast_for_grad(input, dtype)
    d = input._data
    npdt = _sum_dtype(d, dtype)
    if dim is None:
        out = np.asarray(np.prod(d, dtype=npdt))
        if keepdim:
            out = out.reshape((1,) * d.ndim)
        t, node = finish(out, input, ProdBackward0)
        if node is not None:
            node.shape = d.shape
    else:
        out = np.prod(d, axis=dim if d.ndim else None, keepdims=keepdim, dtype=npdt)
        t, node = finish(out, input, ProdBackward1)
        if node is not None:
            node.dim, node.keepdim = dim, keepdim
    if node is not None:
        node.save(input)
        node.save_output(t)
    return t


# ---------------------------------------------------------------------------------------------
# logsumexp
class LogsumexpBackward0(Node):
    __slots__ = ("dims", "keepdim")

    def backward(self, g, x, out):
        shape = x.shape
        g = expand_back(g, shape, self.dims, self.keepdim)
        out = expand_back(out, shape, self.dims, self.keepdim)
        with np.errstate(invalid="ignore", over="ignore"):
            return g * _bw.exp(x - out)


@op(out=True, namespaces=("torch", "special"), backward=LogsumexpBackward0,
    summary='log(sum(exp(input))) over dim, computed without overflow.',
    example='torch.tensor([1.0, 2.0, 4.0]), 0')
def logsumexp(input, dim, keepdim=False):
    d = input._data
    if d.dtype.kind not in "fV":
        d = d.astype(_dtype._default[0].np)
    dims = rdims(dim, d.shape, "logsumexp")
    w = d.astype(np.float32) if lowp(d.dtype) else d
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if w.size:
            m = np.amax(w, axis=dims, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
        else:
            m = np.zeros((1,) * w.ndim, w.dtype)
        out = np.log(np.exp(w - m).sum(axis=dims, keepdims=True)) + m
    if not keepdim:
        out = out.reshape(tuple(n for i, n in enumerate(out.shape) if i not in dims))
    t, node = finish(out.astype(d.dtype, copy=False), input, LogsumexpBackward0)
    if node is not None:
        node.dims, node.keepdim = dims, keepdim
        node.save(input)
        node.save_output(t)
    return t


# ---------------------------------------------------------------------------------------------
# logical reductions
def _logical(x, dim, keepdim, npfn, op):
    d = x._data
    if isinstance(dim, (tuple, list)) and not len(dim):  # dim=() reduces nothing (unlike sum)
        out = d != 0
    else:
        out = np.asarray(npfn(d, axis=rdims(dim, d.shape, op), keepdims=keepdim))
    # uint8 inputs give uint8 results (PyTorch keeps that legacy behaviour)
    return _wrap(out.astype(np.uint8) if d.dtype == np.uint8 else out)


@op(out_dtype="same", out=True, summary='Whether every element over dim (all by default) is nonzero.',
    example='torch.tensor([True, False, True]), 0')
def all(input, dim=None, keepdim=False):
    return _logical(input, dim, keepdim, np.all, "all")


@op(out_dtype="same", out=True, summary='Whether some element over dim (all by default) is nonzero.',
    example='torch.tensor([True, False, True]), 0')
def any(input, dim=None, keepdim=False):
    return _logical(input, dim, keepdim, np.any, "any")


@op(summary='Number of nonzero elements over dim (all by default), as int64.',
    example='torch.tensor([1.0, 0.0, 4.0])')
def count_nonzero(input, dim=None):
    d = input._data
    dims = rdims(dim, d.shape, "count_nonzero")
    return _wrap(np.asarray(np.count_nonzero(d, axis=dims), dtype=_I64))


# ---------------------------------------------------------------------------------------------
# cumulative ops
def _rcumsum(g, dim):
    return flip(cumsum_raw(flip(g, dim), dim), dim)


def cumsum_raw(v, dim):
    return cumsum(v, dim) if isinstance(v, Tensor) else np.cumsum(v, axis=dim)


def cumprod_raw(v, dim):
    return cumprod(v, dim) if isinstance(v, Tensor) else np.cumprod(v, axis=dim)


class CumsumBackward0(Node):
    __slots__ = ("dim", "src")

    def backward(self, g):
        if self.dim is not None:  # None: a 0-d input, where cumsum is the identity
            g = _rcumsum(g, self.dim)
        return g if self.src is None else _bw.cast(g, self.src)


def _cum(x, dim, dtype, npfn, op):
    d = x._data
    npdt = _sum_dtype(d, dtype)
    if npdt.kind == "b":
        raise NotImplementedError(f"{op}: not implemented for dtype=torch.bool")
    dim = one_dim(dim, d.shape, op)
    src = d
    if d.ndim == 0:
        src = d.reshape(1)
    if lowp(npdt):  # accumulate in float32, as PyTorch does
        out = npfn(src, axis=dim, dtype=np.float32).astype(npdt).reshape(d.shape)
    else:
        out = npfn(src, axis=dim, dtype=npdt).reshape(d.shape)
    return out, dim, npdt


@op(out=True, inplace=True, inplace_function=False, backward=CumsumBackward0,
    summary='Cumulative sum along dim.', example='torch.tensor([1.0, 2.0, 4.0]), 0')
def cumsum(input, dim, *, dtype=None):
    out, dim, npdt = _cum(input, dim, dtype, np.cumsum, "cumsum")
    _grad_dtype(input, dtype)
    t, node = finish(out, input, CumsumBackward0)
    if node is not None:
        node.dim = dim if input._data.ndim else None
        node.src = None if npdt == input._data.dtype else input._data.dtype
    return t


class CumprodBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, x, y):
        dim = self.dim
        if x.shape[dim] == 1:
            return g      # PyTorch: the identity along a dim of size 1, even at nan and inf
        if not (_data(x) == 0).any():
            return _rcumsum(g * y, dim) / x
        if not isinstance(x, Tensor):
            return _cumprod_grad_with_zeros(g, x, y, dim)
        # With zeros, division is undefined: use grad_k = prod_{i<k} x_i * S_k where
        # S_k = g_k + x_{k+1} * S_{k+1} (a recurrence along dim).
        n = x.shape[dim]
        s = [None] * n
        s[n - 1] = select(g, dim, n - 1)
        for k in range(n - 2, -1, -1):
            s[k] = select(g, dim, k) + select(x, dim, k + 1) * s[k + 1]
        out = [s[0]]
        pre = None
        for k in range(1, n):
            xk = select(x, dim, k - 1)
            pre = xk if pre is None else pre * xk
            out.append(pre * s[k])
        return stack(out, dim)


def _cumprod_grad_with_zeros(g, x, y, dim):
    """PyTorch's cumprod gradient when x has zeros along dim, z the first and z2 the second:
    before z, the ratio formula over the outputs before z; at z, prod(x[:z]) times the sum of
    g[k] * prod(x[z+1:k+1]) for z <= k < z2; after z, exactly 0 (never 0 * inf = nan)."""
    g, x, y = (np.moveaxis(np.asarray(a), dim, -1) for a in (g, x, y))
    zero = x == 0
    nz = np.cumsum(zero, -1)
    before, first = nz == 0, zero & (nz == 1)
    seg = (nz == 1) | (zero & (nz == 2))     # z <= k <= z2: the z2 term is 0, or nan after an inf
    with np.errstate(all="ignore"):
        pre = _rcumsum_np(np.where(before, g * y, 0)) / np.where(before, x, 1)
        lead = np.prod(np.where(before, x, 1), -1, keepdims=True)
        s = np.sum(np.where(seg, g * np.cumprod(np.where(seg & ~first, x, 1), -1), 0), -1,
                   keepdims=True)
        out = np.where(before, pre, np.where(first, lead * s, 0))
    return np.moveaxis(out.astype(x.dtype, copy=False), -1, dim)


def _rcumsum_np(a):
    return np.flip(np.cumsum(np.flip(a, -1), -1), -1)


@op(out=True, inplace=True, inplace_function=False, backward=CumprodBackward0,
    summary='Cumulative product along dim.', example='torch.tensor([1.0, 2.0, 4.0]), 0')
def cumprod(input, dim, *, dtype=None):
    if dtype is not None:  # a bad dim is reported before the dtype
        one_dim(dim, input._data.shape, "cumprod")
    input = _cast_for_grad(input, dtype)
    out, dim, npdt = _cum(input, dim, dtype, np.cumprod, "cumprod")
    if input._data.ndim == 0:
        return cumsum(input, dim, dtype=dtype)  # one element: the identity, like cumsum
    t, node = finish(out, input, CumprodBackward0)
    if node is not None:
        node.dim = dim
        node.save(input)
        node.save_output(t)
    return t


def _cast_for_grad(x, dtype):
    """A dtype= argument on a tensor that requires grad: cast first so the cast is recorded."""
    if dtype is not None and x._rg:
        _grad_dtype(x, dtype)
        if dtype.np != x._data.dtype and dtype.np.kind in "fV":
            from .elementwise import cast
            return cast(x, dtype)
    return x


def _grad_dtype(x, dtype):
    """PyTorch refuses a dtype= that autograd cannot follow: a non-float result of a tensor
    that requires grad (while grad mode is on)."""
    if dtype is not None and x._rg and STATE.enabled and dtype.np.kind not in "fV":
        raise RuntimeError(f"Autograd not support dtype: {scalar_type_name(dtype.np)}")


# more reductions along a dim, in their own modules; Tensor methods reach them through this one
from .cumulative import (cummax, cummin, logcumsumexp, diff, trapezoid, trapz,  # noqa: E402,F401
                         cumulative_trapezoid)
from .stats import quantile, nanquantile, nanmedian, mode, kthvalue, msort  # noqa: E402,F401


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_reduce(onnx_op):
    def lower(g, c):
        x, out = c["input"], c.outs[0]
        dim = c.get("dim") if c.get("axis") is None else c["axis"]
        if isinstance(dim, int):
            dim = [dim]
        axes = None if dim is None or len(dim) == 0 else [int(d) % (x.dim() or 1) for d in dim]
        return g.reduce(onnx_op, g.cast(x, out), axes, c.get("keepdim", False))
    lower.__name__ = f"_onnx_{onnx_op.lower()}"
    return lower


_onnx_mean = _rule("onnx", "mean")(_onnx_reduce("ReduceMean"))
_onnx_sum = _rule("onnx", "sum")(_onnx_reduce("ReduceSum"))


@_rule("onnx", "cumsum")
def _onnx_cumsum(g, c):
    x, out = c["input"], c.outs[0]
    axis = g.const(np.asarray(int(c["dim"]) % (x.dim() or 1), np.int64))
    return g.op("CumSum", [g.cast(x, out), axis]) if x.dim() else g.cast(x, out)
