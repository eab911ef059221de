"""Fused neural-network ops on tensors: softmax and log_softmax (numerically stable)."""
import numpy as np

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


def _prep(x, dim, dtype, op):
    d = x._data
    if dim is None:
        dim = 0 if d.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit-dim choice
    dim = wrap_dim(dim, d.ndim, op)     # a bad dim is reported before a bad dtype, as PyTorch
    if dtype is not None:
        d = d.astype(dtype.np)
    elif d.dtype.kind != "f" and d.size:   # (PyTorch returns an empty integer input as is)
        raise NotImplementedError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    return d, dim


def softmax(x, dim=None, dtype=None):
    d, dim = _prep(x, dim, dtype, "softmax")
    if d.ndim == 0 or d.size == 0:  # a 0-dim x is a row of one (NaN for a non-finite x)
        with np.errstate(invalid="ignore"):
            y = np.asarray(np.exp(d - d) if d.ndim == 0 else d.copy())
    else:
        m = d.max(axis=dim, keepdims=True)
        e = np.exp(d - m)
        y = e / e.sum(axis=dim, keepdims=True)
    if STATE.enabled and x._rg:
        node = SoftmaxBackward0((x._grad_node(),))
        node.dim = dim
        t = _wrap(y, True)
        t.grad_fn = node
        node.save_output(t)
        return t
    return _wrap(y)


def log_softmax(x, dim=None, dtype=None):
    d, dim = _prep(x, dim, dtype, "log_softmax")
    if d.ndim == 0 or d.size == 0:
        with np.errstate(invalid="ignore"):
            y = np.asarray(d - d if d.ndim == 0 else d.copy())
    else:
        m = d.max(axis=dim, keepdims=True)
        s = d - m
        y = s - np.log(np.exp(s).sum(axis=dim, keepdims=True))
    if STATE.enabled and x._rg:
        node = LogSoftmaxBackward0((x._grad_node(),))
        node.dim = dim
        t = _wrap(y, True)
        t.grad_fn = node
        node.save_output(t)
        return t
    return _wrap(y)
