"""var, std, var_mean, std_mean (with `unbiased`/`correction`) and their gradients."""
import warnings

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
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
    if d.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes "
                           f"(got {x.dtype} in {op})")
    dim, c = _correction(dim, unbiased, correction)
    dims = rdims(dim, d.shape, op)
    n = 1
    for i in dims:
        n *= d.shape[i]
    dof = n - c
    if dof <= 0:
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
        dof = 0
    w = d if d.dtype == np.float64 else d.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = w.sum(axis=dims, keepdims=True) / n
        diff = w - mean
        var = np.square(diff).sum(axis=dims, keepdims=keepdim) / dof
        if root:
            var = np.sqrt(var)
    if not keepdim:
        mean = mean.reshape(var.shape)
    return var.astype(d.dtype, copy=False), mean.astype(d.dtype, copy=False), dims, n, dof


class _MomentBackward(Node):
    __slots__ = ("dims", "keepdim", "n", "dof")

    def _diff(self, x):
        return x - _bw.sum(x, self.dims, True) / self.n

    def _var_grad(self, g, x):
        g = expand_back(g, x.shape, self.dims, self.keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return g * self._diff(x) * (2.0 / self.dof if self.dof else np.inf)

    def _std_grad(self, g, x, std):
        shape = x.shape
        g = expand_back(g, shape, self.dims, self.keepdim)
        std = expand_back(std, shape, self.dims, self.keepdim)
        zero = np.broadcast_to(_data(std) == 0, shape)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = g * self._diff(x) / (std * self.dof)
        return _bw.where(zero, 0, r) if zero.any() else r

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


def _record(x, outs, node_cls, meta, save_std):
    if not (STATE.enabled and x._rg):
        return tuple(_wrap(np.asarray(o)) for o in outs)
    node = node_cls((x._grad_node(),))
    node.dims, node.n, node.dof = meta
    ts = []
    for nr, o in enumerate(outs):
        t = _wrap(np.asarray(o), True)
        t.grad_fn = node
        t._nr = nr
        ts.append(t)
    node.save(x)
    if save_std:
        node.save_output(ts[0])
    return tuple(ts)


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, _, dims, n, dof = _moments(x, dim, unbiased, keepdim, correction, "var")
    (t,) = _record(x, (v,), VarBackward0, (dims, n, dof), False)
    if t.grad_fn is not None:
        t.grad_fn.keepdim = keepdim
    return t


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, _, dims, n, dof = _moments(x, dim, unbiased, keepdim, correction, "std", True)
    (t,) = _record(x, (v,), StdBackward0, (dims, n, dof), True)
    if t.grad_fn is not None:
        t.grad_fn.keepdim = keepdim
    return t


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m, dims, n, dof = _moments(x, dim, unbiased, keepdim, correction, "var_mean")
    ts = _record(x, (v, m), VarMeanBackward0, (dims, n, dof), False)
    if ts[0].grad_fn is not None:
        ts[0].grad_fn.keepdim = keepdim
    return ts


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    v, m, dims, n, dof = _moments(x, dim, unbiased, keepdim, correction, "std_mean", True)
    ts = _record(x, (v, m), StdMeanBackward0, (dims, n, dof), True)
    if ts[0].grad_fn is not None:
        ts[0].grad_fn.keepdim = keepdim
    return ts
