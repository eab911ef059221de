"""Comparisons, logical and bitwise ops: no gradient, bool or integer results."""

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from .elementwise import (_operands, _broadcast_error, _fmt, as_tensor_like)

ndarray = np.ndarray


def _compare(a, b, npop, opname):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        ad, bd = a._data, b._data
    elif isinstance(b, (Tensor, bool, int, float, np.generic, ndarray)):
        ad, bd, _ = _operands(a, b, opname)
    else:
        return NotImplemented if opname in ("eq", "ne") else _type_error(opname, b)
    try:
        out = npop(ad, bd)
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None
    return _wrap(out if type(out) is ndarray else np.asarray(out))


def _type_error(opname, b):
    raise TypeError(f"{opname}(): unsupported operand type '{type(b).__name__}'")


def eq(a, b):
    if b is None:
        return False
    return _compare(a, b, np.equal, "eq")


def ne(a, b):
    if b is None:
        return True
    return _compare(a, b, np.not_equal, "ne")


def lt(a, b):
    return _compare(a, b, np.less, "lt")


def le(a, b):
    return _compare(a, b, np.less_equal, "le")


def gt(a, b):
    return _compare(a, b, np.greater, "gt")


def ge(a, b):
    return _compare(a, b, np.greater_equal, "ge")


less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def logical_not(x):
    return _wrap(np.logical_not(x._data))


def _logical(a, b, npop, opname):
    if not isinstance(b, Tensor):
        raise TypeError(f"{opname}(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    try:
        return _wrap(np.asarray(npop(a._data, b._data)))
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None


def logical_and(a, b):
    return _logical(a, b, np.logical_and, "logical_and")


def logical_or(a, b):
    return _logical(a, b, np.logical_or, "logical_or")


def logical_xor(a, b):
    return _logical(a, b, np.logical_xor, "logical_xor")


def _bitwise(a, b, npop, opname):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if a._data.dtype.kind == "f" or (isinstance(b, Tensor) and b._data.dtype.kind == "f") or isinstance(b, float):
        raise NotImplementedError(f"{opname}: not implemented for floating-point tensors "
                                  f"(got {_fmt(a)} and {_fmt(b)})")
    ad, bd, _ = _operands(a, b, opname)
    try:
        return _wrap(np.asarray(npop(ad, bd)))
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None


def bitwise_and(a, b):
    return _bitwise(a, b, np.bitwise_and, "bitwise_and")


def bitwise_or(a, b):
    return _bitwise(a, b, np.bitwise_or, "bitwise_or")


def bitwise_xor(a, b):
    return _bitwise(a, b, np.bitwise_xor, "bitwise_xor")


def bitwise_left_shift(a, b):
    return _bitwise(a, b, np.left_shift, "bitwise_left_shift")


def bitwise_right_shift(a, b):
    return _bitwise(a, b, np.right_shift, "bitwise_right_shift")


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """PyTorch's isclose: two tensors of one dtype (it does not promote), broadcast."""
    if not isinstance(b, Tensor):
        raise TypeError(f"isclose(): argument 'other' (position 2) must be Tensor, not "
                        f"{type(b).__name__}")
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        from ._reduce_util import scalar_type_name
        raise RuntimeError(f"{scalar_type_name(ad.dtype)} did not match "
                           f"{scalar_type_name(bd.dtype)}")
    try:
        return _wrap(np.asarray(np.isclose(ad, bd, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError as e:
        raise _broadcast_error("isclose", a, b, e) from None


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


class _InvertError(NotImplementedError, TypeError):
    """torch.bitwise_not of a float tensor raises NotImplementedError and `~t` raises TypeError;
    both reach this one function."""


def bitwise_not(x):
    if x._data.dtype.kind == "f":
        raise _InvertError("bitwise_not (~): only implemented on integer and bool tensors, got "
                           f"{_fmt(x)}")
    return _wrap(np.invert(x._data))


def isnan(x):
    return _wrap(np.isnan(x._data))


def isinf(x):
    return _wrap(np.isinf(x._data))


def isfinite(x):
    return _wrap(np.isfinite(x._data))


def isposinf(x):
    return _wrap(np.isposinf(x._data))


def isneginf(x):
    return _wrap(np.isneginf(x._data))


class NanToNumBackward0(Node):
    __slots__ = ("mask",)

    def backward(self, g):
        return _bw.where(self.mask, g, 0)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    d = x._data
    out = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    if STATE.enabled and x._rg:
        node = NanToNumBackward0((x._grad_node(),))
        node.mask = np.isfinite(d)
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)
