"""Elementwise arithmetic, comparison and unary math, each with its gradient.

This is the hottest code in dygrad: the common case (two tensors of one dtype) takes a short
path; promotion, scalars and errors are handled off it.
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _inplace
from ..autograd.grad_mode import STATE
from ..autograd.node import Node, sum_to
from . import _bw

ndarray = np.ndarray
_F32 = np.dtype(np.float32)


# ---------------------------------------------------------------------------------------------
# helpers
def _float_np(d):
    """Floating dtype an op on array d computes in (ints and bools go to the default dtype)."""
    return d.dtype if d.dtype.kind == "f" else _dtype._default[0].np


def _fmt(x):
    if isinstance(x, Tensor):
        return f"{list(x._data.shape)} ({_dtype.from_numpy_dtype(x._data.dtype)})"
    return f"scalar {x!r}"


def _broadcast_error(op, a, b, exc):
    sa = a._data.shape if isinstance(a, Tensor) else ()
    sb = b._data.shape if isinstance(b, Tensor) else ()
    detail = ""
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            detail = (f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                      f"non-singleton dimension {max(len(sa), len(sb)) - i}. ")
            break
    return RuntimeError(f"{op}: {detail}Got shapes {_fmt(a)} and {_fmt(b)}")


def as_tensor_like(x, like):
    """Turns a Python/NumPy value into a Tensor for a binary op (PyTorch's wrapped scalar)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, ndarray):
        return _wrap(x)
    return scalar_like(x, like)


def scalar_like(x, like):
    if isinstance(x, (bool, int, float, np.generic)):
        return _wrap(np.asarray(x, dtype=_dtype.scalar_np_dtype(x)))
    if isinstance(x, (list, tuple)):
        from .._creation import tensor
        return tensor(x)
    raise TypeError(f"unsupported operand type {type(x).__name__} for a Tensor operation")


def _operands(a, b, op):
    """Promoted NumPy operands of a binary op (slow path: differing dtypes or scalars)."""
    if isinstance(b, Tensor):
        npdt = _dtype.result_np_dtype((a, b))
        ad, bd = a._data, b._data
        return (ad if ad.dtype == npdt else ad.astype(npdt)), (bd if bd.dtype == npdt else bd.astype(npdt)), npdt
    if isinstance(b, (bool, int, float)) or isinstance(b, np.generic):
        npdt = _dtype.result_np_dtype((a, b))
        ad = a._data
        if isinstance(b, np.generic):
            b = b.item()
        return (ad if ad.dtype == npdt else ad.astype(npdt)), npdt.type(b), npdt
    if isinstance(b, ndarray):
        return _operands(a, _wrap(b), op)
    raise TypeError(
        f"{op}(): unsupported operand type(s) Tensor and '{type(b).__name__}'")


class _Binary(Node):
    """Base for broadcasting binary ops: reduces each gradient to its input's shape and dtype."""

    __slots__ = ("shapes", "dtypes", "scalar")
    _scalar_saves = True  # whether backward needs the tensor operand when the other is a scalar

    def _apply(self, grads, create_graph):
        ga, gb = self.backward(grads[0], *self._vals(create_graph))
        sa, sb = self.shapes
        da, db = self.dtypes
        if ga is not None:
            if ga.shape != sa:
                ga = sum_to(ga, sa)
            if da is not None:
                ga = _bw.cast(ga, da)
        if gb is not None:
            if gb.shape != sb:
                gb = sum_to(gb, sb)
            if db is not None:
                gb = _bw.cast(gb, db)
        return ga, gb


def _binary(a, b, npop, node_cls, opname, save=True):
    """Shared path of add/sub/mul/div-like ops between a Tensor `a` and a Tensor or scalar `b`."""
    if isinstance(b, Tensor) and a._data.dtype is b._data.dtype:
        ad, bd = a._data, b._data
        npdt = ad.dtype
    else:
        ad, bd, npdt = _operands(a, b, opname)
    try:
        out = npop(ad, bd)
    except ValueError as e:
        raise _broadcast_error(opname, a, b, e) from None
    if type(out) is not ndarray:
        out = np.asarray(out)
    bt = isinstance(b, Tensor)
    if STATE.enabled and (a._rg or (bt and b._rg)):
        if npdt.kind != "f":
            raise RuntimeError(f"{opname}: integer results cannot require gradients")
        if bt:
            node = node_cls((a._grad_node(), b._grad_node()))
            node.shapes = (ad.shape, bd.shape)
            node.dtypes = (None if a._data.dtype == npdt else a._data.dtype,
                           None if b._data.dtype == npdt else b._data.dtype)
            node.scalar = None
            if save:
                node.save(a, b)
        else:
            node = node_cls((a._grad_node(), (None, 0)))
            node.shapes = (ad.shape, ())
            node.dtypes = (None if a._data.dtype == npdt else a._data.dtype, None)
            node.scalar = bd
            if save and node_cls._scalar_saves:
                node.save(a)
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


# ---------------------------------------------------------------------------------------------
# arithmetic
class AddBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        nf = self.next_functions
        a = self.alpha
        gb = None
        if nf[1][0] is not None:
            gb = g if a == 1 else g * a
        return g, gb


class SubBackward0(_Binary):
    __slots__ = ("alpha",)

    def backward(self, g):
        a = self.alpha
        gb = None
        if self.next_functions[1][0] is not None:
            gb = -g if a == 1 else g * (-a)
        return g, gb


class RsubBackward1(_Binary):
    __slots__ = ()

    def backward(self, g):
        return -g, None


class MulBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, a=None, b=None):
        if a is None:  # tensor * scalar
            return g * self.scalar, None
        nf = self.next_functions
        return (g * b if nf[0][0] is not None else None,
                g * a if nf[1][0] is not None else None)


class DivBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, a=None, b=None):
        if a is None:
            return g / self.scalar, None
        nf = self.next_functions
        ga = g / b if nf[0][0] is not None else None
        gb = -g * a / (b * b) if nf[1][0] is not None else None
        return ga, gb


def add(a, b, *, alpha=1, out=None):
    if not isinstance(a, Tensor):
        a, b = as_tensor_like(a, b), b
    if alpha != 1:
        b = b * alpha
        r = _binary(a, b, np.add, AddBackward0, "add", save=False)
    else:
        r = _binary(a, b, np.add, AddBackward0, "add", save=False)
    if r.grad_fn is not None:
        r.grad_fn.alpha = 1
    return _out(r, out)


def sub(a, b, *, alpha=1, out=None):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if a._data.dtype.kind == "b" or (isinstance(b, Tensor) and b._data.dtype.kind == "b"):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    if alpha != 1:
        b = b * alpha
    r = _binary(a, b, np.subtract, SubBackward0, "sub", save=False)
    if r.grad_fn is not None:
        r.grad_fn.alpha = 1
    return _out(r, out)


def rsub(a, b, *, alpha=1):
    """b - a for a Tensor a and a scalar b (Python's reflected subtraction)."""
    if isinstance(b, Tensor):
        return sub(b, a, alpha=alpha)
    return sub(scalar_like(b, a), a, alpha=alpha)


def mul(a, b, *, out=None):
    if not isinstance(a, Tensor):
        a, b = (b, a) if isinstance(b, Tensor) else (as_tensor_like(a, b), b)
    return _out(_binary(a, b, np.multiply, MulBackward0, "mul"), out)


def _true_divide(x, y):
    return np.true_divide(x, y)


def div(a, b, *, rounding_mode=None, out=None):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if rounding_mode is not None:
        if rounding_mode == "floor":
            return _out(floor_divide(a, b), out)
        if rounding_mode == "trunc":
            q = _binary(a, b, _trunc_div, DivRoundBackward, "div")
            return _out(q, out)
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    ad = a._data
    bd_kind = b._data.dtype.kind if isinstance(b, Tensor) else ("f" if isinstance(b, float) else "i")
    if ad.dtype.kind != "f" and bd_kind != "f":
        # integer / integer is true division in the default float dtype
        a = cast(a, _dtype.get_default_dtype())
    r = _binary(a, b, np.true_divide, DivBackward0, "div")
    return _out(r, out)


true_divide = divide = div


def rdiv(a, b):
    return div(as_tensor_like(b, a), a)


def _trunc_div(x, y):
    q = np.trunc(np.true_divide(x, y))
    return q.astype(np.result_type(x, y), copy=False) if np.result_type(x, y).kind != "f" else q


def _floor_div(x, y):
    return np.floor_divide(x, y)


class DivRoundBackward(_Binary):
    """Rounded division: piecewise constant, so its gradient is zero (as PyTorch)."""
    __slots__ = ()

    def backward(self, g, *saved):
        return _bw.zeros_like(g), (None if self.scalar is not None else _bw.zeros_like(g))


def floor_divide(a, b):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if isinstance(b, Tensor) and b._data.dtype.kind in "iu" and (b._data == 0).any() and a._data.dtype.kind in "iu":
        raise ZeroDivisionError("floor_divide: integer division by zero")
    return _binary(a, b, _floor_div, DivRoundBackward, "floor_divide")


class RemainderBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, a=None, b=None):
        if a is None:
            return g, None
        gb = None
        if self.next_functions[1][0] is not None:
            q = np.floor(np.true_divide(_data(a), _data(b)))
            gb = -g * _bw.const(q, g)
        return g, gb


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def remainder(a, b):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    return _binary(a, b, np.remainder, RemainderBackward0, "remainder")


class FmodBackward0(_Binary):
    __slots__ = ()
    _scalar_saves = False

    def backward(self, g, a=None, b=None):
        if a is None:
            return g, None
        gb = None
        if self.next_functions[1][0] is not None:
            q = np.trunc(np.true_divide(_data(a), _data(b)))
            gb = -g * _bw.const(q, g)
        return g, gb


def fmod(a, b):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    return _binary(a, b, np.fmod, FmodBackward0, "fmod")


class PowBackward0(_Binary):
    """x ** scalar"""
    __slots__ = ()

    def backward(self, g, x):
        p = self.scalar
        if p == 0:
            return _bw.zeros_like(g), None
        return g * p * x ** (p - 1), None


class PowBackward1(_Binary):
    """x ** tensor"""
    __slots__ = ()

    def backward(self, g, x, p):
        nf = self.next_functions
        gx = gp = None
        if nf[0][0] is not None:
            gx = g * p * x ** _bw.where(_data(p) == 0, 1, p - 1) if True else None
            gx = _bw.where(_data(p) == 0, _bw.zeros_like(gx), gx)
        if nf[1][0] is not None:
            xd, pd = _data(x), _data(p)
            zero = (xd == 0) & (pd >= 0)
            safe_x = _bw.where(zero, 1, x)
            gp = _bw.where(zero, 0, g * x ** p * _bw.log(safe_x))
        return gx, gp


def _np_pow(x, p):
    if isinstance(p, np.integer) or (type(p) is int):
        if x.dtype.kind in "iu" and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return np.power(x, p)


def pow(a, b):
    if not isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return rpow(b, a)
        a = as_tensor_like(a, b)
    if isinstance(b, Tensor):
        return _binary(a, b, _np_pow, PowBackward1, "pow")
    return _binary(a, b, _np_pow, PowBackward0, "pow")


def rpow(a, b):
    """b ** a with scalar base b."""
    return _binary(scalar_like(b, a), a, _np_pow, PowBackward1, "pow")


def _out(r, out):
    if out is None:
        return r
    if not isinstance(out, Tensor):
        raise TypeError("out= must be a Tensor")
    if out._rg and STATE.enabled:
        raise RuntimeError("out= arguments don't support automatic differentiation")
    out._data = r._data if out._data.shape == r._data.shape else r._data.copy()
    if out._data.shape == r._data.shape:
        out._data = r._data
    out._vc[0] += 1
    return out


# ---------------------------------------------------------------------------------------------
# in-place arithmetic: true NumPy in-place writes when no graph is recorded
def _check_inplace_target(self, other, op):
    if self._rg and STATE.enabled and self.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")


def _fast_inplace(self, other, npop, opname):
    """Returns True if done directly on self's array (no grad to record)."""
    if STATE.enabled and (self._rg or (isinstance(other, Tensor) and other._rg)):
        return False
    sd = self._data
    if isinstance(other, Tensor):
        od = other._data
        npdt = _dtype.result_np_dtype((self, other))
    else:
        od = other
        npdt = _dtype.result_np_dtype((self, other))
    if npdt != sd.dtype and not _dtype.can_cast(npdt, sd.dtype):
        raise RuntimeError(
            f"result type {_dtype.from_numpy_dtype(npdt)} can't be cast to the desired output "
            f"type {_dtype.from_numpy_dtype(sd.dtype)}")
    try:
        npop(sd, od, out=sd, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"{opname}: output with shape {list(sd.shape)} doesn't match the broadcast shape of "
            f"the operands {_fmt(self)} and {_fmt(other)}") from None
    self._vc[0] += 1
    return True


def add_(self, other, *, alpha=1):
    if alpha != 1:
        other = other * alpha
    if _fast_inplace(self, other, np.add, "add_"):
        return self
    return _inplace(self, add(self, other))


def sub_(self, other, *, alpha=1):
    if alpha != 1:
        other = other * alpha
    if _fast_inplace(self, other, np.subtract, "sub_"):
        return self
    return _inplace(self, sub(self, other))


def mul_(self, other):
    if _fast_inplace(self, other, np.multiply, "mul_"):
        return self
    return _inplace(self, mul(self, other))


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None and self._data.dtype.kind == "f" and _fast_inplace(self, other, np.true_divide, "div_"):
        return self
    return _inplace(self, div(self, other, rounding_mode=rounding_mode))


def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value._data.ndim} dimensions.")
        if STATE.enabled and value._rg:
            return _inplace(self, mul(zeros_like_t(self), 0) + value)
        value = value._data.item()
    if self._rg and STATE.enabled and self.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    self._data.fill(value)
    self._vc[0] += 1
    if STATE.enabled and self.grad_fn is not None:
        # the old history no longer contributes: the result is a constant
        self.grad_fn = _ConstNode(())
    return self


class _ConstNode(Node):
    """History of a tensor overwritten with a constant (fill_, zero_): gradient stops here."""
    __slots__ = ()

    def backward(self, g):
        return ()


def zeros_like_t(t):
    return _wrap(np.zeros_like(t._data))


def copy_(self, src):
    if not isinstance(src, Tensor):
        src = as_tensor_like(src, self)
    if STATE.enabled and (src._rg or self._rg):
        return _inplace(self, expand_as_copy(src, self))
    try:
        np.copyto(self._data, src._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {list(src._data.shape)} cannot be broadcast to the "
            f"destination of shape {list(self._data.shape)}") from None
    self._vc[0] += 1
    return self


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
    np.copyto(self._data, arr, casting="unsafe")
    self._vc[0] += 1
    return self


# ---------------------------------------------------------------------------------------------
# unary ops
class _Unary(Node):
    __slots__ = ()


def _unary(x, npfn, node_cls, save_in=True, save_out=False, float_only=True):
    if not isinstance(x, Tensor):
        x = as_tensor_like(x, None)
    d = x._data
    if float_only and d.dtype.kind != "f":
        d = d.astype(_dtype._default[0].np)
    out = npfn(d)
    if type(out) is not ndarray:
        out = np.asarray(out)
    if STATE.enabled and x._rg:
        node = node_cls((x._grad_node(),))
        if save_in:
            node.save(x)
        t = _wrap(out, True)
        t.grad_fn = node
        if save_out:
            node.save_output(t)
        return t
    return _wrap(out)


class NegBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return -g


def neg(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead.")
    return _unary(x, np.negative, NegBackward0, save_in=False, float_only=False)


negative = neg


class AbsBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * _bw.sign(x)


def abs(x):
    return _unary(x, np.abs, AbsBackward0, float_only=False)


absolute = abs


class ExpBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y


def exp(x):
    return _unary(x, np.exp, ExpBackward0, save_in=False, save_out=True)


class Exp2Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * math.log(2.0)


def exp2(x):
    return _unary(x, np.exp2, Exp2Backward0, save_in=False, save_out=True)


class Expm1Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (y + 1)


def expm1(x):
    return _unary(x, np.expm1, Expm1Backward0, save_in=False, save_out=True)


class LogBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / x


def log(x):
    return _unary(x, np.log, LogBackward0)


class Log2Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * math.log(2.0))


def log2(x):
    return _unary(x, np.log2, Log2Backward0)


class Log10Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * math.log(10.0))


def log10(x):
    return _unary(x, np.log10, Log10Backward0)


class Log1PBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x + 1)


def log1p(x):
    return _unary(x, np.log1p, Log1PBackward0)


class SqrtBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g / (y * 2)


def sqrt(x):
    return _unary(x, np.sqrt, SqrtBackward0, save_in=False, save_out=True)


def _np_rsqrt(d):
    with np.errstate(divide="ignore"):
        return 1 / np.sqrt(d)


class RsqrtBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * y * y * -0.5


def rsqrt(x):
    return _unary(x, _np_rsqrt, RsqrtBackward0, save_in=False, save_out=True)


class PowScalarBackward(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * x * 2


def square(x):
    if x._data.dtype.kind != "f":
        return _unary(x, np.square, PowScalarBackward, float_only=False)
    return pow(x, 2)


class SinBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * _bw.cos(x)


def sin(x):
    return _unary(x, np.sin, SinBackward0)


class CosBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * -_bw.sin(x)


def cos(x):
    return _unary(x, np.cos, CosBackward0)


class TanBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (y * y + 1)


def tan(x):
    return _unary(x, np.tan, TanBackward0, save_in=False, save_out=True)


class AsinBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / _bw.sqrt(-(x * x) + 1)


def asin(x):
    return _unary(x, np.arcsin, AsinBackward0)


arcsin = asin


class AcosBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return -g / _bw.sqrt(-(x * x) + 1)


def acos(x):
    return _unary(x, np.arccos, AcosBackward0)


arccos = acos


class AtanBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (x * x + 1)


def atan(x):
    return _unary(x, np.arctan, AtanBackward0)


arctan = atan


class Atan2Backward0(_Binary):
    __slots__ = ()

    def backward(self, g, a, b=None):
        if b is None:
            b = self.scalar
        den = a * a + b * b
        nf = self.next_functions
        return (g * b / den if nf[0][0] is not None else None,
                -g * a / den if nf[1][0] is not None else None)


def atan2(a, b):
    if a._data.dtype.kind != "f":
        a = cast(a, _dtype.get_default_dtype())
    return _binary(a, b, np.arctan2, Atan2Backward0, "atan2")


arctan2 = atan2


class SinhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (_bw.exp(x) + _bw.exp(-x)) * 0.5


def sinh(x):
    return _unary(x, np.sinh, SinhBackward0)


class CoshBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (_bw.exp(x) - _bw.exp(-x)) * 0.5


def cosh(x):
    return _unary(x, np.cosh, CoshBackward0)


class TanhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (-(y * y) + 1)


def tanh(x):
    return _unary(x, np.tanh, TanhBackward0, save_in=False, save_out=True)


class SigmoidBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * y * (-y + 1)


def sigmoid(x):
    return _unary(x, _bw._np_sigmoid, SigmoidBackward0, save_in=False, save_out=True)


class ReluBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return _bw.where(_data(y) > 0, g, 0)


def _np_relu(d):
    return np.maximum(d, 0)


def relu(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError("relu: not implemented for 'Bool' tensors")
    return _unary(x, _np_relu, ReluBackward0, save_in=False, save_out=True, float_only=False)


def _np_erf(d):
    from math import erf as _erf
    v = np.vectorize(_erf, otypes=[d.dtype])
    return v(d) if d.size else d.copy()


def _erf_array(d):
    try:
        from scipy.special import erf as sp_erf
        return sp_erf(d).astype(d.dtype, copy=False)
    except ImportError:
        return _np_erf(d)


class ErfBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (2.0 / math.sqrt(math.pi)) * _bw.exp(-(x * x))


def erf(x):
    return _unary(x, _erf_array, ErfBackward0)


class ReciprocalBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return -g * y * y


def _np_reciprocal(d):
    with np.errstate(divide="ignore"):
        return 1 / d


def reciprocal(x):
    return _unary(x, _np_reciprocal, ReciprocalBackward0, save_in=False, save_out=True)


class _ZeroGrad(_Unary):
    """Piecewise-constant ops (sign, floor, ceil, round, trunc): gradient zero, as PyTorch."""
    __slots__ = ()

    def backward(self, g):
        return _bw.zeros_like(g)


class SignBackward0(_ZeroGrad):
    __slots__ = ()


class FloorBackward0(_ZeroGrad):
    __slots__ = ()


class CeilBackward0(_ZeroGrad):
    __slots__ = ()


class RoundBackward0(_ZeroGrad):
    __slots__ = ()


class TruncBackward0(_ZeroGrad):
    __slots__ = ()


def sign(x):
    return _unary(x, np.sign, SignBackward0, save_in=False, float_only=False)


sgn = sign


def floor(x):
    return _unary(x, np.floor, FloorBackward0, save_in=False, float_only=False)


def ceil(x):
    return _unary(x, np.ceil, CeilBackward0, save_in=False, float_only=False)


def round(x, *, decimals=0):
    if decimals:
        return _unary(x, lambda d: np.round(d, decimals), RoundBackward0, save_in=False, float_only=False)
    return _unary(x, np.rint, RoundBackward0, save_in=False, float_only=False)


def trunc(x):
    return _unary(x, np.trunc, TruncBackward0, save_in=False, float_only=False)


fix = trunc


class FracBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return g


def frac(x):
    return _unary(x, lambda d: d - np.trunc(d), FracBackward0, save_in=False, float_only=False)


class ClampBackward1(_Unary):
    __slots__ = ("lo", "hi")

    def backward(self, g, x):
        xd = _data(x)
        keep = np.ones(xd.shape, bool)
        if self.lo is not None:
            keep &= xd >= _data(self.lo)
        if self.hi is not None:
            keep &= xd <= _data(self.hi)
        return _bw.where(keep, g, 0)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        r = x
        if min is not None:
            r = maximum(r, as_tensor_like(min, x))
        if max is not None:
            r = minimum(r, as_tensor_like(max, x))
        return r
    d = x._data
    lo = min
    hi = max
    if d.dtype.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
        d = d.astype(_dtype._default[0].np)
    out = np.clip(d, lo, hi) if lo is not None and hi is not None else (
        np.maximum(d, lo) if lo is not None else np.minimum(d, hi))
    if lo is not None and hi is not None and lo > hi:
        out = np.full_like(d, hi)
    out = np.asarray(out, dtype=d.dtype)
    if STATE.enabled and x._rg:
        node = ClampBackward1((x._grad_node(),))
        node.save(x)
        node.lo, node.hi = lo, hi
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


clip = clamp


def clamp_(x, min=None, max=None):
    if not (STATE.enabled and x._rg) and not isinstance(min, Tensor) and not isinstance(max, Tensor):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        d = x._data
        if min is not None and max is not None:
            np.clip(d, min, max, out=d)
        elif min is not None:
            np.maximum(d, min, out=d)
        else:
            np.minimum(d, max, out=d)
        x._vc[0] += 1
        return x
    return _inplace(x, clamp(x, min, max))


def clamp_min(x, min):
    return clamp(x, min, None)


def clamp_max(x, max):
    return clamp(x, None, max)


class MaximumBackward0(_Binary):
    __slots__ = ("sign",)

    def backward(self, g, a, b):
        ad, bd = _data(a), _data(b)
        wa = np.where(ad == bd, 0.5, (ad > bd) if self.sign > 0 else (ad < bd)).astype(_float_np(ad))
        nf = self.next_functions
        ga = g * _bw.const(wa, g) if nf[0][0] is not None else None
        gb = g * _bw.const(1 - wa, g) if nf[1][0] is not None else None
        return ga, gb


class MinimumBackward0(MaximumBackward0):
    __slots__ = ()


def maximum(a, b):
    if not isinstance(b, Tensor):
        raise TypeError("maximum(): argument 'other' must be Tensor, not " + type(b).__name__)
    r = _binary(a, b, np.maximum, MaximumBackward0, "maximum")
    if r.grad_fn is not None:
        r.grad_fn.sign = 1
    return r


def minimum(a, b):
    if not isinstance(b, Tensor):
        raise TypeError("minimum(): argument 'other' must be Tensor, not " + type(b).__name__)
    r = _binary(a, b, np.minimum, MinimumBackward0, "minimum")
    if r.grad_fn is not None:
        r.grad_fn.sign = -1
    return r


fmax = maximum
fmin = minimum


class WhereBackward0(Node):
    __slots__ = ("cond", "shapes", "dtypes")

    def backward(self, g):
        c = self.cond
        nf = self.next_functions
        ga = gb = None
        if nf[0][0] is not None:
            ga = sum_to(_bw.where(c, g, 0), self.shapes[0])
            if self.dtypes[0] is not None:
                ga = _bw.cast(ga, self.dtypes[0])
        if nf[1][0] is not None:
            gb = sum_to(_bw.where(c, 0, g), self.shapes[1])
            if self.dtypes[1] is not None:
                gb = _bw.cast(gb, self.dtypes[1])
        return ga, gb

    def _release_extra(self):
        pass


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_like(condition, None)
    cd = condition._data
    if cd.dtype.kind != "b":
        if cd.dtype == np.uint8:
            cd = cd.astype(bool)
        else:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{condition.dtype}")
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    operands = [x for x in (input, other)]
    npdt = _dtype.result_np_dtype(operands)
    ad = a._data if a is not None else input
    bd = b._data if b is not None else other
    try:
        out = np.where(cd, ad, bd)
    except ValueError:
        raise RuntimeError(
            f"where: shapes of condition {list(cd.shape)}, input {_fmt(input)} and other "
            f"{_fmt(other)} cannot be broadcast together") from None
    out = np.asarray(out, dtype=npdt)
    rg = (a is not None and a._rg) or (b is not None and b._rg)
    if STATE.enabled and rg:
        node = WhereBackward0((a._grad_node() if a is not None else (None, 0),
                               b._grad_node() if b is not None else (None, 0)))
        node.cond = np.broadcast_to(cd, out.shape)
        node.shapes = (np.shape(ad), np.shape(bd))
        node.dtypes = (None if a is None or a._data.dtype == npdt else a._data.dtype,
                       None if b is None or b._data.dtype == npdt else b._data.dtype)
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


class LerpBackward0(Node):
    __slots__ = ("shapes", "w_is_t")

    def backward(self, g, start, end, *w):
        weight = w[0] if w else self.__dict__["wscalar"]
        nf = self.next_functions
        gs = sum_to(g * (-weight + 1), self.shapes[0]) if nf[0][0] is not None else None
        ge = sum_to(g * weight, self.shapes[1]) if nf[1][0] is not None else None
        gw = None
        if len(nf) > 2 and nf[2][0] is not None:
            gw = sum_to(g * (end - start), self.shapes[2])
        return (gs, ge, gw) if len(nf) > 2 else (gs, ge)


def lerp(start, end, weight):
    return start + (end - start) * weight


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + tensor1 * tensor2 * value if value != 1 else input + tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + tensor1 / tensor2 * value if value != 1 else input + tensor1 / tensor2


# ---------------------------------------------------------------------------------------------
# casts and copies
class ToCopyBackward0(Node):
    __slots__ = ("src_dtype",)

    def backward(self, g):
        return _bw.cast(g, self.src_dtype)


def cast(x, dtype):
    npdt = dtype.np
    out = x._data.astype(npdt)
    if STATE.enabled and x._rg:
        if npdt.kind != "f":
            return _wrap(out)
        node = ToCopyBackward0((x._grad_node(),))
        node.src_dtype = x._data.dtype
        t = _wrap(out, True)
        t.grad_fn = node
        return t
    return _wrap(out)


class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return g


def clone(x, *, memory_format=None):
    out = x._data.copy()
    if STATE.enabled and x._rg:
        t = _wrap(out, True)
        t.grad_fn = CloneBackward0((x._grad_node(),))
        return t
    return _wrap(out)


# ---------------------------------------------------------------------------------------------
# comparisons, logical and bitwise ops: no gradient, bool or integer results
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


def logical_and(a, b):
    return _wrap(np.logical_and(a._data, as_tensor_like(b, a)._data))


def logical_or(a, b):
    return _wrap(np.logical_or(a._data, as_tensor_like(b, a)._data))


def logical_xor(a, b):
    return _wrap(np.logical_xor(a._data, as_tensor_like(b, a)._data))


def _bitwise(a, b, npop, opname):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if a._data.dtype.kind == "f" or (isinstance(b, Tensor) and b._data.dtype.kind == "f") or isinstance(b, float):
        raise RuntimeError(f"{opname}: not implemented for floating-point tensors "
                           f"(got {_fmt(a)} and {_fmt(b)})")
    ad, bd, _ = _operands(a, b, opname)
    return _wrap(np.asarray(npop(ad, bd)))


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


def bitwise_not(x):
    if x._data.dtype.kind == "f":
        raise RuntimeError("bitwise_not: not implemented for floating-point tensors")
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
