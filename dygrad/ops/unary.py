"""Unary math (exp, log, trigonometric, activations, rounding), each with its gradient."""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _bw
from .elementwise import (_Binary, _binary, _data, as_tensor_like, cast)

ndarray = np.ndarray


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
    else:
        t = _wrap(out)
    if STATE.trace is not None:
        _record_unary(npfn, x, t, float_only)
    return t


def _record_unary(npfn, x, t, float_only):
    if float_only and x._data.dtype.kind != "f":
        npdt = _dtype._default[0].np

        def kernel(d):
            return npfn(d.astype(npdt))
        STATE.trace.record(kernel, (x,), t, getattr(npfn, "__name__", "unary"))
    else:
        STATE.trace.record(npfn, (x,), t)


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
    if x._data.dtype.kind == "b":
        _not_for(x, "abs", "b")
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
    if x._data.dtype.kind == "b":  # square is pow(x, 2): bool promotes with the int 2
        return _unary(x, lambda d: np.square(d.astype(np.int64)), PowScalarBackward, float_only=False)
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
        # PyTorch's rule: 1 / den is taken as 0 where a == b == 0 (not 0/0 = nan), and the
        # gradient is (g * b) * that, in this order (an inf g there still gives nan)
        at0 = _data(den) == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            recip = _bw.where(at0, 0, 1 / den)
            return (g * b * recip if nf[0][0] is not None else None,
                    g * -a * recip if nf[1][0] is not None else None)


def atan2(a, b):
    if not isinstance(b, Tensor):
        raise TypeError(f"atan2(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    if _dtype.result_np_dtype((a, b)).kind != "f":
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


_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


class ReluBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        if type(g) is np.ndarray and g.dtype.kind == "f" and g.ndim and g.shape == y.shape:
            # g where y > 0 else +0.0, bit for bit as np.where but ~10x faster: AND with -1/0 masks
            # the mask is `not y <= 0` (PyTorch's rule): a NaN output passes its gradient through
            it = _INT_OF_SIZE[g.itemsize]
            m = np.subtract(y <= 0, 1, dtype=it)
            return np.bitwise_and(np.ascontiguousarray(g).view(it), m, out=m).view(g.dtype)
        return _bw.zero_link(_bw.where(_data(y) <= 0, 0, g), y)


def _np_relu(d):
    return np.maximum(d, 0)


def relu(x):
    if x._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
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


def _not_for(x, opname, kinds):
    """PyTorch has no kernel of this op for bool (and, for some ops, integer) tensors."""
    if x._data.dtype.kind in kinds:
        from .._dtype import from_numpy_dtype
        raise NotImplementedError(f"{opname}: not implemented for {from_numpy_dtype(x._data.dtype)} tensors")


def _int_copy(x, node_cls):
    # rounding an integer tensor is the identity (NumPy would return float64)
    return _unary(x, np.copy, node_cls, save_in=False, float_only=False)


def sign(x):
    if x._data.dtype.kind == "b":
        return _wrap(x._data.copy())
    return _unary(x, _bw.np_sign, SignBackward0, save_in=False, float_only=False)


sgn = sign


def floor(x):
    if x._data.dtype.kind != "f":
        _not_for(x, "floor", "b")
        return _int_copy(x, FloorBackward0)
    return _unary(x, np.floor, FloorBackward0, save_in=False)


def ceil(x):
    if x._data.dtype.kind != "f":
        _not_for(x, "ceil", "b")
        return _int_copy(x, CeilBackward0)
    return _unary(x, np.ceil, CeilBackward0, save_in=False)


def round(x, *, decimals=0):
    if x._data.dtype.kind != "f":
        _not_for(x, "round", "b" if decimals == 0 else "biu")
        return _int_copy(x, RoundBackward0)
    if decimals:
        return _unary(x, lambda d: np.round(d, decimals), RoundBackward0, save_in=False)
    return _unary(x, np.rint, RoundBackward0, save_in=False)


def trunc(x):
    if x._data.dtype.kind != "f":
        _not_for(x, "trunc", "b")
        return _int_copy(x, TruncBackward0)
    return _unary(x, np.trunc, TruncBackward0, save_in=False)


fix = trunc


class FracBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return g


def frac(x):
    _not_for(x, "frac", "biu")
    return _unary(x, lambda d: d - np.trunc(d), FracBackward0, save_in=False, float_only=False)
