"""Normalisation with a non-finite affine weight (or statistic), in PyTorch's CPU arithmetic.

PyTorch's kernels compute y = x * scale + (bias - mean * scale) with scale = w * rstd, and
input gradients as rstd * w * dy + c2 * x + c3 from per-row sums. With finite values this equals
dygrad's (x - mean) * rstd * w form up to rounding; with an infinite weight the two differ (NaN
against +-inf), so these forms are used only then: the checks cost O(C), never O(input).
"""
import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node


def fused_if_nonfinite(out, xd, mean, scale, bd, bshape):
    """out, or, when scale holds a non-finite value, x * scale + (bias - mean * scale) in PyTorch's
    arithmetic (bd: the bias array or None)."""
    # only a non-finite scale tells the forms apart (a non-finite mean or bias gives the same
    # inf/nan in both); the sum is one cheap reduction over C values (an overflowing sum merely
    # takes the exact path below)
    if np.isfinite(np.add.reduce(scale, axis=None)):
        return out
    with np.errstate(invalid="ignore", over="ignore"):
        shift = -mean * scale
        if bd is not None:
            shift = shift + bd.reshape(bshape)
        return (xd * scale + shift).astype(xd.dtype, copy=False)


def layer_norm_dx(dxhat, x, invstd, axes, n):
    with np.errstate(invalid="ignore", over="ignore"):
        mean = x.mean(axis=axes, keepdims=True)
        ds = (dxhat * x).sum(axis=axes, keepdims=True)
        db = dxhat.sum(axis=axes, keepdims=True)
        b = (db * mean - ds) * invstd ** 3 / n
        c = -b * mean - db * invstd / n
        return (invstd * dxhat + b * x + c).astype(x.dtype, copy=False)


class NativeGroupNormBackward0(Node):
    __slots__ = ("mean", "rstd", "groups", "has_b")

    def backward(self, g, x, w):
        as_t = isinstance(g, Tensor)
        gd = g._data if as_t else g
        xd = x._data if isinstance(x, Tensor) else x
        wd = w._data if isinstance(w, Tensor) else w
        gx, gw, gb = _group_norm_grads(gd, xd, wd, self.mean, self.rstd, self.groups)
        nf = self.next_functions
        out = [gx if nf[0][0] is not None else None, gw if nf[1][0] is not None else None]
        if self.has_b:
            out.append(gb if nf[2][0] is not None else None)
        # no double backward through this rare path: the gradients are constants
        return tuple(_wrap(o) if as_t and o is not None else o for o in out)


def _group_norm_grads(g, x, w, mean, rstd, groups):
    n, c = x.shape[0], x.shape[1]
    per = c // groups
    gr, xr = g.reshape(n, c, -1), x.reshape(n, c, -1)
    inv = 1.0 / (per * xr.shape[-1])
    with np.errstate(invalid="ignore", over="ignore"):
        ds = (gr * xr).sum(-1)
        db = gr.sum(-1)
        ds_g = (ds * w).reshape(n, groups, per).sum(-1)
        db_g = (db * w).reshape(n, groups, per).sum(-1)
        c2 = (db_g * mean - ds_g) * rstd ** 3 * inv
        c3 = -c2 * mean - db_g * rstd * inv
        rep = (lambda a: np.repeat(a, per, axis=1)[:, :, None])
        c1 = rep(rstd) * w[None, :, None]
        gx = (c1 * gr + rep(c2) * xr + rep(c3)).reshape(x.shape).astype(x.dtype, copy=False)
        gw = ((ds - db * rep(mean)[..., 0]) * rep(rstd)[..., 0]).sum(0).astype(x.dtype, copy=False)
        gb = db.sum(0).astype(x.dtype, copy=False)
    return gx, gw, gb


def _group_norm_arrays(xd, groups, w, b, eps):
    """Group norm of the array xd in PyTorch's arithmetic: (out, mean, rstd)."""
    n, c = xd.shape[0], xd.shape[1]
    per = c // groups
    xg = xd.reshape(n, groups, -1)
    with np.errstate(invalid="ignore", over="ignore"):
        mean = xg.mean(-1)
        rstd = 1.0 / np.sqrt(xg.var(-1) + eps)
        scale = np.repeat(rstd, per, axis=1) * w
        shift = -scale * np.repeat(mean, per, axis=1)
        if b is not None:
            shift = shift + b
        out = (xd.reshape(n, c, -1) * scale[:, :, None] + shift[:, :, None])
    return out.reshape(xd.shape).astype(xd.dtype, copy=False), mean, rstd


class GroupNormGuardBackward(Node):
    """Under a graph capture, group_norm's composed result (for a weight that was finite) goes
    through this op: its kernel checks the weight at every replay and gives the composed result
    (the gradient passes through to its graph) or, for a non-finite weight, what eager then
    computes (_group_norm_arrays and its gradients), so the frozen branch never differs."""
    __slots__ = ("finite", "mean", "rstd", "groups", "has_b")

    def backward(self, g, x, w):
        tail = (None,) if self.has_b else ()
        if self.finite:
            return (g, None, None) + tail
        as_t = isinstance(g, Tensor)
        gx, gw, gb = _group_norm_grads(g._data if as_t else g, x._data if as_t else x,
                                       w._data if as_t else w, self.mean, self.rstd, self.groups)
        nf = self.next_functions
        out = [None] + [o if e[0] is not None else None for o, e in zip((gx, gw, gb), nf[1:])]
        return tuple(_wrap(o) if as_t and o is not None else o for o in out)


def group_norm_guard(out, xd, w, b, groups, eps, needs):
    """The kernel of GroupNormGuardBackward's op: (result, fresh node or None if needs is None)."""
    node = None if needs is None else GroupNormGuardBackward(needs)
    if np.isfinite(w).all():
        if node is not None:
            node.finite, node.mean, node.rstd = True, None, None
        res = out
    else:
        res, mean, rstd = _group_norm_arrays(xd, groups, w, b, eps)
        if node is not None:
            node.finite, node.mean, node.rstd = False, mean, rstd
    if node is not None:
        node.groups, node.has_b = groups, b is not None
    return res, node


def group_norm(x, groups, weight, bias, eps):
    xd = x._data
    out, mean, rstd = _group_norm_arrays(xd, groups, weight._data,
                                         None if bias is None else bias._data, eps)
    rg = x._rg or weight._rg or (bias is not None and bias._rg)
    if not (STATE.enabled and rg):
        return _wrap(out)
    nfs = (x._grad_node(), weight._grad_node()) + ((bias._grad_node(),) if bias is not None else ())
    node = NativeGroupNormBackward0(nfs)
    node.save(x, weight)
    node.mean, node.rstd, node.groups, node.has_b = mean, rstd, groups, bias is not None
    return attach(out, node)
