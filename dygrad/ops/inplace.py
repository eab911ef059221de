"""In-place arithmetic and fills: true NumPy in-place writes when no graph is recorded."""

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _inplace
from ._record import attach
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from ._util import checked_scalar
from ..autograd.views import check_no_overlap, written
from .elementwise import (_fmt, as_tensor_like, cast, clone, add, sub, mul,
                          div, scalar_of, no_bool_sub, _scaled)

ndarray = np.ndarray


def _check_inplace_target(self, other, op):
    if self._rg and STATE.enabled and self.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")


def _fast_inplace(self, other, npop, opname):
    """Returns True if done directly on self's array (no grad to record)."""
    if STATE.enabled and (self._rg or (isinstance(other, Tensor) and other._rg)) or \
            STATE.trace is not None:  # a capture records the write through _inplace
        return False
    sd = self._data
    if isinstance(other, Tensor):
        od = other._data
        npdt = _dtype.result_np_dtype((self, other))
    else:
        npdt = _dtype.result_np_dtype((self, other))
        od = scalar_of(npdt, other) if type(other) is int else other
    if 0 in sd.strides:
        check_no_overlap(self._data)
    if npdt != sd.dtype and not _dtype.can_cast(npdt, sd.dtype):
        from .._convert import SCALAR_NAMES
        raise RuntimeError(
            f"result type {SCALAR_NAMES[npdt.name]} can't be cast to the desired output type "
            f"{SCALAR_NAMES[sd.dtype.name]}")
    try:
        npop(sd, od, out=sd, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"{opname}: output with shape {list(sd.shape)} doesn't match the broadcast shape of "
            f"the operands {_fmt(self)} and {_fmt(other)}") from None
    written(self, True)
    return True


def add_(self, other, *, alpha=1):
    if alpha != 1 or type(alpha) is not int:
        other = _scaled(self, other, alpha, "add_")
    if _fast_inplace(self, other, np.add, "add_"):
        return self
    return _inplace(self, add(self, other))


def sub_(self, other, *, alpha=1):
    no_bool_sub(self, other)
    if alpha != 1 or type(alpha) is not int:
        other = _scaled(self, other, alpha, "sub_")
    if _fast_inplace(self, other, np.subtract, "sub_"):
        return self
    return _inplace(self, sub(self, other))


def mul_(self, other):
    if _fast_inplace(self, other, np.multiply, "mul_"):
        return self
    return _inplace(self, mul(self, other))


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None and self._data.dtype.kind in "fV" and _fast_inplace(self, other, np.true_divide, "div_"):
        return self
    return _inplace(self, div(self, other, rounding_mode=rounding_mode))


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions.")
        if STATE.enabled and value._rg and self._data.dtype.kind in "fV":
            return _inplace(self, mul(zeros_like_t(self), 0) + value, True)
        value = value._data.item()
    value = checked_scalar(value, self._data.dtype)
    if STATE.enabled and self._rg:
        return _inplace(self, constant(np.full(self._data.shape, value, self._data.dtype), self), True)
    self._data.fill(value)
    return written(self, True)


class _ConstNode(Node):
    """History of values written as a constant (fill_, zero_, copy_ from a constant): what they
    overwrote gets a zero gradient (PyTorch's FillBackward0 / ZeroBackward0 give zeros, not
    None)."""
    __slots__ = ()

    def backward(self, g):
        if self.next_functions[0][0] is None:
            return None
        if isinstance(g, Tensor):
            return _wrap(np.zeros(g._data.shape, g._data.dtype))
        return np.zeros(g.shape, g.dtype)


class CopyBackwards(Node):
    """copy_ of a source that requires grad over a tensor with history: the source gets the
    gradient, what was overwritten gets zeros (as PyTorch's CopyBackwards)."""
    __slots__ = ()

    def backward(self, g):
        z = _ConstNode.backward(self, g)
        return z, g


def constant(arr, over):
    """A result that requires grad and overwrites `over` with constant values: what an
    in-place write of constants into a tensor in a graph records."""
    return attach(arr, _ConstNode((over._grad_node(),)))


def zeros_like_t(t):
    return _wrap(np.zeros_like(t._data))


def copy_(self, src):
    if not isinstance(src, Tensor):
        src = as_tensor_like(src, self)
    if STATE.enabled and (src._rg or self._rg) and self._data.dtype.kind in "fV":
        vals = expand_as_copy(src, self)
        if not src._rg:
            vals = constant(vals._data, self)
        elif self._rg:
            vals = attach(vals._data, CopyBackwards((self._grad_node(), (vals.grad_fn, vals._nr))))
        return _inplace(self, vals)
    check_no_overlap(self._data)
    try:
        np.copyto(self._data, src._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {list(src._data.shape)} cannot be broadcast to the "
            f"destination of shape {list(self._data.shape)}") from None
    return written(self, True)


def expand_as_copy(src, like):
    r = cast(src, like.dtype) if src._data.dtype != like._data.dtype else clone(src)
    if r._data.shape != like._data.shape:
        r = r.expand(like._data.shape) + zeros_like_t(like)
    return r


def set_data_(self, arr):
    """Overwrite self's values with arr (used by random in-place fills; no history)."""
    if self._rg and STATE.enabled and self.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    check_no_overlap(self._data)
    np.copyto(self._data, arr, casting="unsafe")
    return written(self, True)
