"""Reductions: sum, mean, max/min, var/std, norms, cumulative ops, logical reductions."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from ._util import wrap_dims


def _expand_back(g, shape, dims, keepdim):
    """Broadcasts a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        kshape = tuple(1 if i in dims else n for i, n in enumerate(shape))
        g = _bw.reshape(g, kshape)
    return _bw.expand(g, shape)


class SumBackward0(Node):
    """Full sum."""
    __slots__ = ("shape",)

    def backward(self, g):
        if type(g) is np.ndarray or isinstance(g, np.generic):
            return np.full(self.shape, g, dtype=g.dtype)  # owned and writable: no copy later
        return _bw.expand(_bw.reshape(g, (1,) * len(self.shape)) if self.shape else g, self.shape)


class SumBackward1(Node):
    """Sum over dims."""
    __slots__ = ("shape", "dims", "keepdim")

    def backward(self, g):
        return _expand_back(g, self.shape, self.dims, self.keepdim)


def sum(x, dim=None, keepdim=False, *, dtype=None):
    d = x._data
    npdt = dtype.np if dtype is not None else (np.dtype(np.int64) if d.dtype.kind in "bi" or d.dtype.kind == "u" else d.dtype)
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0 and False):
        out = np.asarray(d.sum(dtype=npdt))
        if keepdim:
            out = out.reshape((1,) * d.ndim)
        if STATE.enabled and x._rg:
            node = SumBackward0((x._grad_node(),)) if not keepdim else SumBackward1((x._grad_node(),))
            node.shape = d.shape
            if keepdim:
                node.dims = tuple(range(d.ndim))
                node.keepdim = True
            t = _wrap(out, True)
            t.grad_fn = node
            return t
        return _wrap(out)
    dims = wrap_dims(dim, d.ndim, "sum") if not (isinstance(dim, (tuple, list)) and len(dim) == 0) else tuple(range(d.ndim))
    out = d.sum(axis=dims, keepdims=keepdim, dtype=npdt)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if STATE.enabled and x._rg:
        node = SumBackward1((x._grad_node(),))
        node.shape, node.dims, node.keepdim = d.shape, dims, keepdim
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


class MeanBackward0(Node):
    __slots__ = ("shape", "n")

    def backward(self, g):
        return _bw.expand(_bw.reshape(g / self.n, (1,) * len(self.shape)) if self.shape else g / self.n, self.shape)


class MeanBackward1(Node):
    __slots__ = ("shape", "dims", "keepdim", "n")

    def backward(self, g):
        return _expand_back(g / self.n, self.shape, self.dims, self.keepdim)


def mean(x, dim=None, keepdim=False, *, dtype=None):
    d = x._data
    if dtype is not None:
        d = d.astype(dtype.np)
    if d.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_dtype.from_numpy_dtype(d.dtype).name.capitalize()}")
    all_dims = dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0)
    dims = tuple(range(d.ndim)) if all_dims else wrap_dims(dim, d.ndim, "mean")
    n = 1
    for i in dims:
        n *= d.shape[i]
    out = d.mean(axis=dims, keepdims=keepdim) if d.size else np.full(
        tuple(1 if i in dims else s for i, s in enumerate(d.shape)) if keepdim else
        tuple(s for i, s in enumerate(d.shape) if i not in dims), np.nan, d.dtype)
    if type(out) is not np.ndarray:
        out = np.asarray(out, dtype=d.dtype)
    if STATE.enabled and x._rg:
        if all_dims and not keepdim:
            node = MeanBackward0((x._grad_node(),))
            node.shape, node.n = d.shape, n
        else:
            node = MeanBackward1((x._grad_node(),))
            node.shape, node.dims, node.keepdim, node.n = d.shape, dims, keepdim, n
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)
