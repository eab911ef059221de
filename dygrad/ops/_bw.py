"""Functions that backward code calls on either NumPy values or Tensors.

An ordinary backward passes NumPy arrays (fast); `create_graph=True` passes Tensors (recorded).
Writing each backward once against these keeps first- and higher-order gradients in one place.
"""
from operator import methodcaller

import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node


def is_t(x):
    return isinstance(x, Tensor)


def _either(method, npfn):
    """`x.method()` for a Tensor x, `npfn(x)` for a NumPy value."""
    call = methodcaller(method)

    def either(x):
        return call(x) if isinstance(x, Tensor) else npfn(x)
    either.__name__ = either.__qualname__ = method
    return either


exp = _either("exp", np.exp)
log = _either("log", np.log)
sqrt = _either("sqrt", np.sqrt)
sin = _either("sin", np.sin)
cos = _either("cos", np.cos)
tanh = _either("tanh", np.tanh)


def sigmoid(x):
    if isinstance(x, Tensor):
        return x.sigmoid()
    return _np_sigmoid(x)


def _np_sigmoid(x):
    # exp of a negative argument only, so large |x| neither overflows nor warns
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def sign(x):
    return x.sign() if isinstance(x, Tensor) else np_sign(x)


def np_sign(d):
    """PyTorch's sign: 0 (not NumPy's nan) for a nan."""
    if d.dtype.kind in "fV":
        return np.subtract(d > 0, d < 0, dtype=d.dtype)
    return np.sign(d)


def where(cond, a, b):
    """cond is a NumPy bool array (a constant of the graph); a, b values or scalars."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import where as _where
        return _where(_wrap(np.asarray(cond)), a, b)
    return np.where(cond, a, b)


def zeros_like(x):
    if isinstance(x, Tensor):
        return _wrap(np.zeros(x._data.shape, x._data.dtype))
    return np.zeros(np.shape(x), getattr(x, "dtype", None))


def cast(x, npdt):
    if isinstance(x, Tensor):
        if x._data.dtype == npdt:
            return x
        from .elementwise import cast as _cast
        from .._dtype import from_numpy_dtype
        return _cast(x, from_numpy_dtype(npdt))
    x = np.asarray(x)
    return x if x.dtype == npdt else x.astype(npdt)


def expand(x, shape):
    if isinstance(x, Tensor):
        return x.expand(shape)
    return np.broadcast_to(x, shape)


def reshape(x, shape):
    return x.reshape(shape) if isinstance(x, Tensor) else np.reshape(x, shape)


def sum(x, axis=None, keepdims=False):
    if isinstance(x, Tensor):
        return x.sum(dim=axis, keepdim=keepdims)
    return np.sum(x, axis=axis, keepdims=keepdims)


def matmul(a, b):
    return a @ b


def transpose_last(x):
    if isinstance(x, Tensor):
        return x.transpose(-2, -1)
    return np.swapaxes(x, -1, -2)


def const(x, like):
    """A NumPy constant combined with `like` (a Tensor in a double-backward, else an array)."""
    return _wrap(np.asarray(x)) if isinstance(like, Tensor) else x


class ZeroLinkBackward(Node):
    """Second-order link of a masked gradient to the input its mask came from: the gradient
    passes to the first input, zeros to the second."""
    __slots__ = ("xshape",)

    def backward(self, g):
        if isinstance(g, Tensor):
            return g, _wrap(np.zeros(self.xshape, g._data.dtype))
        return g, np.zeros(self.xshape, np.asarray(g).dtype)


def zero_link(value, x):
    """`value` (a gradient computed while building a graph) made to depend on `x` with a zero
    derivative. PyTorch's backward formulas of relu, threshold, hardtanh, leaky_relu,
    hardsigmoid and the shrinks read their input, so their gradients require grad (and a second
    derivative through them is zeros, not an error) even though the mask is piecewise constant."""
    if not isinstance(value, Tensor) or not isinstance(x, Tensor) or not x._rg \
            or not STATE.enabled:
        return value
    node = ZeroLinkBackward((value._grad_node(), x._grad_node()))
    node.xshape = x._data.shape
    t = attach(value._data, node)
    return t
