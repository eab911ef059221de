"""The graph nodes of the fused normalisations (batch, layer, group and instance norm) and their
NumPy and double-backward gradient formulas; the forward ops live in norm.py."""
import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers
from . import _norm_nonfinite as _nonfinite


def _affine_shape(ndim, axis):
    shape = [1] * ndim
    shape[axis] = -1
    return tuple(shape)


class NativeBatchNormBackward0(Node):
    """Training-mode batch norm: gradient through the batch statistics.

    Batch norm keeps xc = x - mean (pooled scratch, given back once the last backward has run)
    rather than xhat = xc * invstd: the forward then never materialises xhat. Layer norm (the
    subclass) keeps xhat."""
    __slots__ = ("xhat", "xc", "invstd", "axes", "sum_axes", "bshape", "has_w", "has_b", "eps",
                 "wshape")

    def backward(self, g, x, *wb):
        w = wb[0] if self.has_w else None
        if isinstance(g, Tensor):
            return _norm_backward_graph(self, g, x, w)
        return _batch_norm_backward_np(self, g, w)

    def _release_extra(self):
        self.xhat = self.invstd = None
        xc = getattr(self, "xc", None)
        if xc is not None:
            self.xc = None
            _buffers.give(xc)


def _channel_dot(a, b):
    """sum over every axis but 1 of a * b, shape (C,), without a full-size product array."""
    ix = "abcdefghijklmnop"[:a.ndim]
    if a.dtype.kind == "V":  # bfloat16: einsum has no kernel; accumulate in float32
        return np.einsum(f"{ix},{ix}->{ix[1]}", a.astype(np.float32), b.astype(np.float32))
    return np.einsum(f"{ix},{ix}->{ix[1]}", a, b)


def _batch_norm_backward_np(node, g, w):
    """gx = w * invstd * (g - mean(g) - xhat * mean(g * xhat)) with xhat = xc * invstd; the
    output is the only full-size allocation."""
    nf = node.next_functions
    xc, invstd, bshape = node.xc, node.invstd, node.bshape
    n = g.size // g.shape[1]
    gsum = np.add.reduce(g, axis=node.axes, keepdims=True)
    gxsum = _channel_dot(g, xc).reshape(bshape) * invstd  # sum(g * xhat)
    gx = None
    if nf[0][0] is not None:
        scale = invstd if w is None else invstd * w.reshape(bshape)
        gx = np.multiply(xc, gxsum * (invstd / n))
        np.subtract(g, gx, out=gx)
        gx -= gsum / n
        gx *= scale
    out = [gx]
    if node.has_w:
        out.append(gxsum.reshape(node.wshape) if nf[1][0] is not None else None)
    if node.has_b:
        out.append(gsum.reshape(node.wshape) if nf[1 + node.has_w][0] is not None else None)
    return tuple(out)


def _norm_backward_np(node, g, w, batch_axes, bshape, x=None):
    nf = node.next_functions
    xhat, invstd = node.xhat, node.invstd
    axes = node.axes
    gx = gw = gb = None
    stat_axes = axes
    if node.has_w and nf[1][0] is not None:
        gw = (g * xhat).sum(axis=batch_axes).reshape(node.wshape)
    if node.has_b and nf[1 + node.has_w][0] is not None:
        gb = g.sum(axis=batch_axes).reshape(node.wshape)
    if nf[0][0] is not None:
        dxhat = g * w.reshape(bshape) if w is not None else g
        n = 1
        for a in stat_axes:
            n *= g.shape[a]
        if x is not None and w is not None and not np.isfinite(w).all():
            return _with_dx(_nonfinite.layer_norm_dx(dxhat, x, invstd, stat_axes, n), node,
                            gw, gb)
        s1 = dxhat.sum(axis=stat_axes, keepdims=True)
        s2 = (dxhat * xhat).sum(axis=stat_axes, keepdims=True)
        gx = (dxhat - s1 / n - xhat * (s2 / n)) * invstd
    return _with_dx(gx, node, gw, gb)


def _affine_edges(x, weight, bias):
    """The next_functions of a norm node over x and its optional affine weight and bias; None
    when no graph is recorded."""
    if not STATE.enabled or not (x._rg or (weight is not None and weight._rg)
                                 or (bias is not None and bias._rg)):
        return None
    nfs = (x._grad_node(),)
    if weight is not None:
        nfs += (weight._grad_node(),)
    if bias is not None:
        nfs += (bias._grad_node(),)
    return nfs


_NEEDED, _NO_EDGE = (True, 0), (None, 0)


def _stand_ins(nfs):
    """Stand-ins for the edges nfs that only say which inputs take a gradient (what the backward
    formulas read of next_functions): a replay's fresh node has them, not the graph's nodes."""
    return tuple([_NO_EDGE if nf is None else _NEEDED for nf, _ in nfs])


def _with_dx(gx, node, gw, gb):
    return (gx,) + ((gw,) if node.has_w else ()) + ((gb,) if node.has_b else ())


def _norm_backward_graph(node, g, x, w):
    """Recompute the normalisation with tensor ops, then differentiate through it."""
    from ..autograd import grad as _grad
    nf = node.next_functions
    axes = node.axes
    mean = x.mean(dim=axes, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
    xhat = (x - mean) * (var + node.eps).rsqrt()
    y = xhat * w.reshape(node.bshape) if w is not None else xhat
    inputs = [x] + ([w] if w is not None else [])
    grads = _grad([y], inputs, [g], create_graph=True, allow_unused=True)
    gx = grads[0] if nf[0][0] is not None else None
    out = [gx]
    if node.has_w:
        out.append(grads[1] if nf[1][0] is not None else None)
    if node.has_b:
        out.append(g.sum(dim=node.sum_axes).reshape(node.wshape) if nf[-1][0] is not None else None)
    return tuple(out)


class NativeBatchNormEvalBackward(Node):
    """Eval-mode batch norm: an affine map with constant running statistics."""
    __slots__ = ("scale", "invstd_b", "xhat", "axes", "sum_axes", "bshape", "has_w", "has_b", "wshape")

    def backward(self, g, x, *wb):
        nf = self.next_functions
        gx = gw = gb = None
        if nf[0][0] is not None:
            sc = self.scale if not isinstance(g, Tensor) else _wrap(self.scale)
            gx = g * sc
            if self.has_w and isinstance(g, Tensor):
                gx = g * (wb[0].reshape(self.bshape) * _wrap(self.invstd_b))
        if self.has_w and nf[1][0] is not None:
            if isinstance(g, Tensor):
                gw = (g * _wrap(self.xhat)).sum(dim=self.axes).reshape(self.wshape)
            else:
                gw = (g * self.xhat).sum(axis=self.axes).reshape(self.wshape)
        if self.has_b and nf[1 + self.has_w][0] is not None:
            gb = (g.sum(axis=self.axes) if not isinstance(g, Tensor) else g.sum(dim=self.axes)).reshape(-1)
        return _with_dx(gx, self, gw, gb)


def _empty_affine(x, weight, bias, bshape):
    out = x * 1
    if weight is not None:
        out = out * weight.reshape(bshape)
    if bias is not None:
        out = out + bias.reshape(bshape)
    return out


class NativeLayerNormBackward0(NativeBatchNormBackward0):
    """Keeps x (saved) and its per-row mean and invstd, not xhat: backward recomputes
    xhat = (x - mean) * invstd (two passes) instead of the graph holding a second array of
    x's size for every layer norm, as PyTorch keeps input, mean and rstd."""
    __slots__ = ("mean",)

    def backward(self, g, x, *wb):
        w = wb[0] if self.has_w else None
        if isinstance(g, Tensor):
            return _norm_backward_graph(self, g, x, w)
        mean = self.mean
        xf = x if x.dtype == mean.dtype else x.astype(mean.dtype)
        self.xhat = ((xf - mean) * self.invstd).astype(x.dtype, copy=False)
        try:
            return _norm_backward_np(self, g, w, batch_axes=self.sum_axes, bshape=self.bshape,
                                     x=x)
        finally:
            self.xhat = None

    def _release_extra(self):
        NativeBatchNormBackward0._release_extra(self)
        self.mean = None
