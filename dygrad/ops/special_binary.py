"""Less common binary math: xlogy/xlog1py, logaddexp/logaddexp2, hypot, copysign, float_power, ldexp,
nextafter, gcd/lcm; broadcasting and dtype promotion as the arithmetic ops."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from . import _bw
from ._registry import op
from .elementwise import _Binary, _binary, _data, _fmt, cast, mul, pow as _pow


def _tensor_arg(x, opname, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{opname}(): argument '{'input' if pos == 1 else 'other'}' (position {pos}) "
                        f"must be Tensor, not {type(x).__name__}")


def _lhs(x, y):
    """A Python scalar first operand of a float-only op (xlogy, xlog1py) as a 0-dim tensor of the
    dtype the op computes in: xlogy(-3, uint8 tensor) is a float op, -3 never becomes uint8."""
    if isinstance(x, Tensor):
        return x
    npdt = _dtype.result_np_dtype((x, y))
    return _wrap(np.asarray(x, dtype=npdt if npdt.kind in "fV" else _dtype._default[0].np))


def _to_float(a, b):
    """Integer/bool operands compute in the default float dtype (as PyTorch's float-only ops)."""
    if _dtype.result_np_dtype((a, b)).kind not in "fV":
        a = cast(a, _dtype.get_default_dtype())
    return a


def _float_binary(input, other, npop, node_cls, opname, save=True):
    """A binary op PyTorch has a floating kernel only for: both operands Tensors (numbered in the
    error), and a promoted dtype that is floating."""
    _tensor_arg(input, opname, 1)
    _tensor_arg(other, opname, 2)
    if _dtype.result_np_dtype((input, other)).kind not in "fV":
        raise NotImplementedError(f"{opname}: not implemented for integer inputs "
                                  f"(got {_fmt(input)} and {_fmt(other)})")
    return _binary(input, other, npop, node_cls, opname, save=save)


# -- xlogy -------------------------------------------------------------------------------------------
def _np_xlog(x, y, logfn):
    out = x * logfn(y)
    return np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)


def _np_xlogy(x, y):
    return _np_xlog(x, y, np.log)


def _np_xlog1py(x, y):
    return _np_xlog(x, y, np.log1p)


def _log_in(y, g, npfn, method):
    """log/log1p of the other operand in the gradient's (the result's) dtype, as PyTorch: never
    in float16 for an int8 or float16 y (a Tensor y means double backward)."""
    if isinstance(y, Tensor):
        return getattr(y if y.dtype == g.dtype else cast(y, g.dtype), method)()
    return npfn(np.asarray(y, dtype=_data(g).dtype))  # g is a Tensor in a double backward


class XlogyBackward0(_Binary):
    __slots__ = ()
    _shift, _npfn, _method = 0, np.log, "log"   # x * log(y + shift)

    def backward(self, g, x, y=None):
        y = self.scalar if y is None else y
        xd, yd = _data(x), _data(y)
        nf = self.next_functions
        gx = gy = None
        if nf[0][0] is not None:
            gx = _bw.where((xd == 0) & (yd <= -self._shift), 0,
                           g * _log_in(y, g, self._npfn, self._method))
        if nf[1][0] is not None:
            gy = g * x / ((y + 1) if self._shift else y)   # y + 0 would turn -0.0 into 0.0
        return gx, gy


class Xlog1pyBackward0(XlogyBackward0):
    __slots__ = ()
    _shift, _npfn, _method = 1, np.log1p, "log1p"


def _xlog(name, input, other, npop, node):
    """x * log(y) or x * log1p(y), 0 where x == 0 (unless y is NaN); a scalar may be either."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}(): at least one of 'input' and 'other' must be a Tensor")
    return _binary(_to_float(_lhs(input, other), other), other, npop, node, name)


@op(inplace=True, out=True, namespaces=('torch', 'special'), tensor_first=None,
    backward=XlogyBackward0,
    summary='input * log(other), and 0 where input is 0.',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def xlogy(input, other):
    return _xlog("xlogy", input, other, _np_xlogy, XlogyBackward0)


@op(method=False, out=True, namespaces=('special',), tensor_first=None, backward=Xlog1pyBackward0,
    summary='input * log1p(other), and 0 where input is 0.',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def xlog1py(input, other):
    return _xlog("xlog1py", input, other, _np_xlog1py, Xlog1pyBackward0)


# -- logaddexp -----------------------------------------------------------------------------------------
class LogaddexpBackward0(_Binary):
    __slots__ = ("base2",)

    def backward(self, g, a, b):
        nf = self.next_functions
        if self.base2:
            ea, eb = 2 ** (b - a), 2 ** (a - b)
        else:
            ea, eb = _bw.exp(b - a), _bw.exp(a - b)
        return (g / (ea + 1) if nf[0][0] is not None else None,
                g / (eb + 1) if nf[1][0] is not None else None)


def _logaddexp(input, other, npop, base2, opname):
    t = _float_binary(input, other, npop, LogaddexpBackward0, opname)
    if t.grad_fn is not None:
        t.grad_fn.base2 = base2
    return t


@op(out=True, tensor_first=None, summary='log(exp(input) + exp(other)), computed without overflow.',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def logaddexp(input, other):
    return _logaddexp(input, other, np.logaddexp, False, "logaddexp")


@op(out=True, tensor_first=None, summary='log2(2**input + 2**other), computed without overflow.',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def logaddexp2(input, other):
    return _logaddexp(input, other, np.logaddexp2, True, "logaddexp2")


# -- hypot, copysign -------------------------------------------------------------------------------------
class HypotBackward0(_Binary):
    __slots__ = ()

    def backward(self, g, a, b):
        r = _bw.sqrt(a * a + b * b)
        nf = self.next_functions
        return (g * a / r if nf[0][0] is not None else None,
                g * b / r if nf[1][0] is not None else None)


@op(inplace=True, inplace_function=False, out=True, tensor_first=None, backward=HypotBackward0,
    summary='sqrt(input**2 + other**2), elementwise.',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def hypot(input, other):
    return _float_binary(input, other, np.hypot, HypotBackward0, "hypot")


class CopysignBackward0(_Binary):
    __slots__ = ()

    def backward(self, g, a, b=None):
        # d/da copysign(a, b) = result / a as PyTorch takes it: +-1, zero at a == 0, and nan at
        # a = +-inf or nan (inf / inf)
        ad = _data(a)
        bd = self.scalar if b is None else _data(b)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(ad == 0, 0, np.copysign(ad, bd) / ad).astype(ad.dtype, copy=False)
        ga = g * _bw.const(ratio, g)
        gb = None if b is None or self.next_functions[1][0] is None else _bw.zeros_like(g)
        return ga, gb


@op(inplace=True, inplace_function=False, out=True, tensor_first=None, backward=CopysignBackward0,
    summary='The magnitude of input with the sign of other, elementwise.',
    example='torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, 1.0, -0.0])')
def copysign(input, other):
    _tensor_arg(input, "copysign", 1)
    return _binary(_to_float(input, other), other, np.copysign, CopysignBackward0, "copysign")


# -- float_power, ldexp ------------------------------------------------------------------------------------
@op(out_dtype="same", inplace="float_power_value", inplace_function=False, out=True, tensor_first=None,
    summary='input ** exponent computed in double precision (float64 result).',
    example='torch.tensor([0.0, 1.0, 2.0]), torch.tensor([3.0, 0.5, 4.0])')
def float_power(input, exponent):
    """input ** exponent computed in float64 (the result is always double)."""
    f64 = _dtype.float64
    for v in (input, exponent):
        if type(v) is int:
            _dtype.scalar_np_dtype(v)  # OverflowError beyond [-2**63, 2**64), as PyTorch
    if not isinstance(input, Tensor):
        return _pow(float(input), cast(exponent, f64)) if isinstance(exponent, Tensor) else \
            _wrap(np.asarray(float(input) ** exponent, np.float64))
    a = cast(input, f64)
    b = cast(exponent, f64) if isinstance(exponent, Tensor) else float(exponent)
    return _pow(a, b)


def float_power_value(input, exponent):
    """float_power_'s value: only a double tensor can hold it (PyTorch refuses a narrowing)."""
    if input._data.dtype != np.float64:
        from .._convert import SCALAR_NAMES
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{SCALAR_NAMES[input._data.dtype.name]} but the operation's result "
                           "requires dtype Double")
    return float_power(input, exponent)


@op(out_dtype="same", inplace=True, out=True, tensor_first=None, summary='input * 2**other, elementwise.',
    example='torch.tensor([1.0, 3.0]), torch.tensor([2, 3])')
def ldexp(input, other):
    """input * 2 ** other."""
    _tensor_arg(input, "ldexp", 1)
    _tensor_arg(other, "ldexp", 2)
    return mul(input, _pow(2.0, other))


# -- nextafter, gcd, lcm ---------------------------------------------------------------------------------
class NextafterBackward0(_Binary):
    """PyTorch passes the gradient straight to input (the result moves by one ulp)."""
    __slots__ = ()

    def backward(self, g, *saved):
        gb = _bw.zeros_like(g) if self.next_functions[1][0] is not None else None
        return g, gb


@op(inplace=True, inplace_function=False, out=True, tensor_first=None, backward=NextafterBackward0,
    summary='The next representable floating-point value after input toward other.',
    example='torch.tensor([1.0, 2.0]), torch.tensor([2.0, 1.0])')
def nextafter(input, other):
    return _float_binary(input, other, np.nextafter, NextafterBackward0, "nextafter", save=False)


def _int_only(input, other, npop, opname):
    _tensor_arg(input, opname, 1)
    _tensor_arg(other, opname, 2)
    npdt = _dtype.result_np_dtype((input, other))
    if npdt.kind not in "iu":    # on the promoted dtype: lcm(bool, int64) is an int64 lcm
        from ._reduce_util import scalar_type_name
        raise NotImplementedError(f'"{opname}_cpu" not implemented for '
                                  f"'{scalar_type_name(npdt)}' (got {_fmt(input)} and {_fmt(other)})")
    return _binary(input, other, npop, _Binary, opname, save=False)


@op(inplace=True, out=True, tensor_first=None,
    summary='Greatest common divisor of integer tensors, elementwise.',
    example='torch.tensor([12, 10, 7]), torch.tensor([8, 4, 3])')
def gcd(input, other):
    return _int_only(input, other, np.gcd, "gcd")


@op(inplace=True, out=True, tensor_first=None,
    summary='Least common multiple of integer tensors, elementwise.',
    example='torch.tensor([12, 10, 7]), torch.tensor([8, 4, 3])')
def lcm(input, other):
    return _int_only(input, other, np.lcm, "lcm")

