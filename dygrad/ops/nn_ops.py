"""The softmax family (softmax and log_softmax fused and numerically stable; softmin, glu,
gumbel_softmax composed from them)."""
import warnings

import numpy as np

from .. import random as _random
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._util import wrap_dim


class SoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, y):
        return (g - (g * y).sum(self.dim, keepdims=True) if not isinstance(g, Tensor)
                else g - (g * y).sum(self.dim, keepdim=True)) * y


class LogSoftmaxBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g, y):
        if isinstance(g, Tensor):
            return g - y.exp() * g.sum(self.dim, keepdim=True)
        return g - np.exp(y) * g.sum(self.dim, keepdims=True)


def _prep(x, dim, dtype, op, stacklevel):
    d = x._data
    if dim is None:
        dim = _implicit_dim(op, d.ndim, stacklevel + 1)
    dim = wrap_dim(dim, d.ndim, op)     # a bad dim is reported before a bad dtype, as PyTorch
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind != "f" and d.size:   # (PyTorch returns an empty integer input as is)
        raise NotImplementedError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    return d, dim


def _recorded(y, x, node_cls, dim):
    """y wrapped; with grad, the output of a node_cls over dim that saves y (its backward needs
    the output, not the input)."""
    if STATE.enabled and x._rg:
        node = node_cls((x._grad_node(),))
        node.dim = dim
        t = _wrap(y, True)
        t.grad_fn = node
        node.save_output(t)
        return t
    return _wrap(y)


def softmax(x, dim=None, _stacklevel=3, dtype=None):
    d, dim = _prep(x, dim, dtype, "softmax", _stacklevel)
    if d.ndim == 0 or d.size == 0:  # a 0-dim x is a row of one (NaN for a non-finite x)
        with np.errstate(invalid="ignore"):
            y = np.asarray(np.exp(d - d) if d.ndim == 0 else d.copy())
    else:
        m = d.max(axis=dim, keepdims=True)
        e = np.exp(d - m)
        y = e / e.sum(axis=dim, keepdims=True)
    return _recorded(y, x, SoftmaxBackward0, dim)


def log_softmax(x, dim=None, _stacklevel=3, dtype=None):
    d, dim = _prep(x, dim, dtype, "log_softmax", _stacklevel)
    if d.ndim == 0 or d.size == 0:
        with np.errstate(invalid="ignore"):
            y = np.asarray(d - d if d.ndim == 0 else d.copy())
    else:
        m = d.max(axis=dim, keepdims=True)
        s = d - m
        y = s - np.log(np.exp(s).sum(axis=dim, keepdims=True))
    return _recorded(y, x, LogSoftmaxBackward0, dim)


def _implicit_dim(name, ndim, stacklevel):
    # PyTorch's legacy choice of dim when none is given
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        d = dim if dim >= 0 else dim + input.dim()
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"glu: expected a floating-point input, got {input.dtype}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    u = _random._uniform(logits._data.shape, 0.0, 1.0)
    gumbels = -np.log(-np.log1p(-u))  # -log(Exponential(1))
    y = softmax((logits + _wrap(gumbels.astype(logits._data.dtype))) / tau, dim)
    if not hard:
        return y
    idx = y._data.argmax(axis=dim)
    hot = np.zeros_like(y._data)
    np.put_along_axis(hot, np.expand_dims(idx, dim), 1, axis=dim)
    return _wrap(hot) - y.detach() + y  # straight-through estimator
