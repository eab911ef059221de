"""var, std, var_mean, std_mean (with `unbiased`/`correction`) and their gradients."""
import warnings

import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._registry import op
from ._reduce_util import rdims, expand_back


def _correction(dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, True): the legacy positional `unbiased`
        dim, unbiased = None, dim
    if correction is not None:
        if unbiased is not None:
            raise RuntimeError("var/std: cannot specify both unbiased and correction")
        return dim, correction
    return dim, (0 if unbiased is False else 1)


def _moments(x, dim, unbiased, keepdim, correction, op, root=False):
    """(var or, with `root`, std; mean; dims; n; dof) as NumPy arrays in x's dtype. Narrower
    floats accumulate in float64 (as PyTorch's CPU kernel does), so the squares of large float32
    values do not overflow where the standard deviation is finite."""
    d = x._data
    if d.dtype.kind not in "fV":
        raise RuntimeError(f"std and var only support floating point and complex dtypes "
                           f"(got {x.dtype} in {op})")
    dim, c = _correction(dim, unbiased, correction)
    dims = rdims(dim, d.shape, op)
    full = dim is None or d.ndim == 0  # PyTorch's backward treats these apart when dof <= 0
    n = 1
    for i in dims:
        n *= d.shape[i]
    dof = n - c  # the gradient uses it as it is (2 / -1 gives -0.0 where it is 0 * ...)
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    w = d if d.dtype == np.float64 else d.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = w.sum(axis=dims, keepdims=True) / n
        diff = w - mean
        var = np.square(diff).sum(axis=dims, keepdims=keepdim) / max(dof, 0)
        if root:
            var = np.sqrt(var)
    if op.endswith("_mean"):
        mean = _running_mean(w, mean, dims)
    if not keepdim:
        mean = mean.reshape(var.shape)
    return var.astype(d.dtype, copy=False), mean.astype(d.dtype, copy=False), dims, n, (dof, full)


def _running_mean(w, mean, dims):
    """var_mean/std_mean take the mean from PyTorch's running (Welford) update, in memory order:
    once it is infinite, any later element makes it NaN, so it stays ±inf only when the slice's
    one infinity is its last element."""
    inf = np.isinf(mean)
    if not inf.any():
        return mean
    dims = sorted(dims)
    kept = tuple(s for i, s in enumerate(w.shape) if i not in dims)
    rows = np.moveaxis(w, dims, range(w.ndim - len(dims), w.ndim)).reshape(kept + (-1,))
    last_only = np.isinf(rows[..., -1]) & ((~np.isfinite(rows)).sum(-1) == 1)
    last_only = last_only.reshape(mean.shape)
    return np.where(inf & ~last_only, np.nan, mean)


class _MomentBackward(Node):
    __slots__ = ("dims", "keepdim", "n", "dof", "full")

    def _diff(self, x):
        return x - _bw.sum(x, self.dims, True) / self.n

    def _var_grad(self, g, x):
        g = expand_back(g, x.shape, self.dims, self.keepdim)
        if self.full and self.dof <= 0:
            # PyTorch (full reduction or 0-dim input): 2/dof is taken as infinite, times
            # x - mean gives NaN where x equals the mean and inf elsewhere
            xd = _data(x)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                w = np.where(xd == xd.mean(), np.nan, np.inf).astype(xd.dtype)
            return g * _bw.const(w, g)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (2.0 / self.dof if self.dof else np.inf) * g * self._diff(x)

    def _std_grad(self, g, x, std):
        # PyTorch: the variance's gradient of grad / (2 std), taken as 0 where std == 0
        zero = _data(std) == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            gv = g / (2 * std)
        return self._var_grad(_bw.where(zero, 0, gv) if zero.any() else gv, x)

    def _mean_grad(self, g, x):
        return expand_back(g / self.n, x.shape, self.dims, self.keepdim)


def _data(v):
    return v._data if isinstance(v, Tensor) else v


class VarBackward0(_MomentBackward):
    __slots__ = ()

    def backward(self, g, x):
        return self._var_grad(g, x)


class StdBackward0(_MomentBackward):
    __slots__ = ()

    def backward(self, g, x, std):
        return self._std_grad(g, x, std)


class VarMeanBackward0(_MomentBackward):
    __slots__ = ()
    _nout = 2

    def _apply(self, grads, create_graph):
        (x,) = self._vals(create_graph)
        gv, gm = grads
        out = self._var_grad(gv, x) if gv is not None else None
        if gm is not None:
            gmean = self._mean_grad(gm, x)
            out = gmean if out is None else out + gmean
        return (out,)


class StdMeanBackward0(_MomentBackward):
    __slots__ = ()
    _nout = 2

    def _apply(self, grads, create_graph):
        x, std = self._vals(create_graph)
        gs, gm = grads
        out = self._std_grad(gs, x, std) if gs is not None else None
        if gm is not None:
            gmean = self._mean_grad(gm, x)
            out = gmean if out is None else out + gmean
        return (out,)


def _record(x, outs, node_cls, meta, keepdim, save_std):
    """Wrap the var/std(/mean) outputs and, when grad is needed, the one node all four ops use."""
    if not (STATE.enabled and x._rg):
        return tuple(_wrap(np.asarray(o)) for o in outs)
    node = node_cls((x._grad_node(),))
    node.dims, node.n, (node.dof, node.full) = meta
    node.keepdim = keepdim
    ts = []
    for nr, o in enumerate(outs):
        t = attach(np.asarray(o), node)
        t._nr = nr
        ts.append(t)
    node.save(x)
    if save_std:
        node.save_output(ts[0])
    return tuple(ts)


@op(out=True, backward=VarBackward0,
    summary="Variance over dim (all by default), Bessel-corrected unless correction= says otherwise.",
    example='torch.tensor([1.0, 2.0, 4.0, 7.0]), 0')
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, _, dims, n, dof = _moments(input, dim, unbiased, keepdim, correction, "var")
    return _record(input, (v,), VarBackward0, (dims, n, dof), keepdim, False)[0]


@op(out=True, backward=StdBackward0,
    summary="Standard deviation over dim (all by default), with Bessel's correction by default.",
    example='torch.tensor([1.0, 2.0, 4.0, 7.0]), 0')
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, _, dims, n, dof = _moments(input, dim, unbiased, keepdim, correction, "std", True)
    return _record(input, (v,), StdBackward0, (dims, n, dof), keepdim, True)[0]


@op(method=False, backward=VarMeanBackward0,
    summary='(var, mean) over dim (all by default), computed together.',
    example='torch.tensor([1.0, 2.0, 4.0, 7.0]), 0')
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m, dims, n, dof = _moments(input, dim, unbiased, keepdim, correction, "var_mean")
    return _record(input, (v, m), VarMeanBackward0, (dims, n, dof), keepdim, False)


@op(method=False, backward=StdMeanBackward0,
    summary='(std, mean) over dim (all by default), computed together.',
    example='torch.tensor([1.0, 2.0, 4.0, 7.0]), 0')
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m, dims, n, dof = _moments(input, dim, unbiased, keepdim, correction, "std_mean", True)
    return _record(input, (v, m), StdMeanBackward0, (dims, n, dof), keepdim, True)
