"""Less common unary math: inverse hyperbolics, erfc/erfinv, lgamma/mvlgamma/digamma/polygamma,
logit, sinc, entr, the normal CDF (ndtr, ndtri, log_ndtr), angle and angle conversions, signbit,
positive; each with its gradient (double-backward capable where PyTorch's is)."""
import math

import numpy as np

from .._tensor import Tensor, _wrap
from . import _bw
from . import _special_fns as _sf
from ._registry import op
from ._scipy import scipy_special
from .unary import _Unary, _unary

_SQRT_PI = math.sqrt(math.pi)


def _on(x, method, npfn):
    """Calls the op on a Tensor (double backward) or its NumPy kernel on an array."""
    return getattr(x, method)() if isinstance(x, Tensor) else npfn(x)


class AsinhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / _bw.sqrt(x * x + 1)


@op(inplace="asinh_value", out=True, aliases=("arcsinh",), backward=AsinhBackward0,
    summary="Inverse hyperbolic sine, elementwise.")
def asinh(input):
    return _unary(input, np.arcsinh, AsinhBackward0)


class AcoshBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / _bw.sqrt(x * x - 1)


@op(inplace="acosh_value", out=True, aliases=("arccosh",), backward=AcoshBackward0,
    summary="Inverse hyperbolic cosine, elementwise (nan below 1).", example="torch.tensor([1.0, 2.0, 4.0])")
def acosh(input):
    return _unary(input, np.arccosh, AcoshBackward0)


class AtanhBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g / (1 - x * x)


@op(inplace="atanh_value", out=True, aliases=("arctanh",), backward=AtanhBackward0,
    summary="Inverse hyperbolic tangent, elementwise (nan outside [-1, 1]).")
def atanh(input):
    return _unary(input, np.arctanh, AtanhBackward0)


arcsinh, arccosh, arctanh = asinh, acosh, atanh


class InplaceHyperbolicBackward(_Unary):
    __slots__ = ("op",)

    def backward(self, g):
        raise NotImplementedError(
            f"the derivative for 'inplace version of {self.op}' is not implemented.")


def asinh_value(input):
    return inverse_hyperbolic_for_inplace(input, "asinh")


def acosh_value(input):
    return inverse_hyperbolic_for_inplace(input, "acosh")


def atanh_value(input):
    return inverse_hyperbolic_for_inplace(input, "atanh")


def inverse_hyperbolic_for_inplace(input, op):
    """asinh/acosh/atanh for their in-place methods: PyTorch defines no derivative for those
    forms, so backward through them raises (as PyTorch) rather than giving a gradient."""
    npfn = {"asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh}[op]
    t = _unary(input, npfn, InplaceHyperbolicBackward, save_in=False)
    if t.grad_fn is not None:
        t.grad_fn.op = op
    return t


class ErfcBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (-2.0 / _SQRT_PI) * _bw.exp(-(x * x))


@op(inplace=True, out=True, namespaces=("torch", "special"), backward=ErfcBackward0,
    summary="Complementary error function 1 - erf(x), elementwise.")
def erfc(input):
    return _unary(input, _sf.erfc, ErfcBackward0)


class ErfinvBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, y):
        return g * (_SQRT_PI / 2) * _bw.exp(y * y)


@op(inplace=True, inplace_function=False, out=True, namespaces=("torch", "special"),
    backward=ErfinvBackward0, summary="Inverse error function, elementwise (defined on (-1, 1)).")
def erfinv(input):
    return _unary(input, _sf.erfinv, ErfinvBackward0, save_in=False, save_out=True)


class LgammaBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * _on(x, "digamma", _sf.digamma)


@op(inplace=True, inplace_function=False, out=True, namespaces=("torch", "special:gammaln"),
    backward=LgammaBackward0, summary="Natural log of the absolute value of the gamma function.")
def lgamma(input):
    return _unary(input, _sf.lgamma, LgammaBackward0)


class DigammaBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return g * (polygamma(1, x) if isinstance(x, Tensor) else _sf.polygamma(1, x))


@op(inplace=True, inplace_function=False, out=True,
    namespaces=("torch", "special", "special:psi"), backward=DigammaBackward0,
    summary="Logarithmic derivative of the gamma function, elementwise.")
def digamma(input):
    return _unary(input, _sf.digamma, DigammaBackward0)


@op(inplace=True, inplace_function=False, out=True, namespaces=("torch", "special:multigammaln"),
    summary="Log of the multivariate gamma function of dimension p (a sum of p lgammas).",
    example="torch.tensor([2.5, 3.0]), 2")
def mvlgamma(input, p):
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    out = lgamma(input)
    for j in range(2, p + 1):
        out = out + lgamma(input - (j - 1) / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


class PolygammaBackward0(_Unary):
    __slots__ = ("n",)

    def backward(self, g, x):
        n = self.n + 1
        return g * (polygamma(n, x) if isinstance(x, Tensor) else _sf.polygamma(n, x))


@op(inplace=True, inplace_function=False, out=True, self_arg="input", tensor_first=None,
    namespaces=("torch", "special"), backward=PolygammaBackward0,
    summary="The n-th derivative of the digamma function, elementwise.",
    example="1, torch.tensor([0.5, 1.0, 2.0])")
def polygamma(n, input):
    n = int(n)
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n})")
    t = _unary(input, lambda d: _sf.polygamma(n, d), PolygammaBackward0)
    if t.grad_fn is not None:
        t.grad_fn.n = n
    return t


class LogitBackward0(_Unary):
    __slots__ = ("eps",)

    def backward(self, g, x):
        xd = _bw_data(x)
        # + 0.0 turns a -0.0 denominator into +0.0: PyTorch's gradient at x = -0.0 is +inf * g
        gx = g / (x * (1 - x) + 0.0)
        eps = self.eps
        if eps is None:
            return _bw.where((xd < 0) | (xd > 1), np.nan, gx)
        return _bw.where((xd < eps) | (xd > 1 - eps), 0, gx)


def _bw_data(x):
    return x._data if isinstance(x, Tensor) else x


@op(inplace=True, out=True, namespaces=("torch", "special"), backward=LogitBackward0,
    summary="log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given.")
def logit(input, eps=None):
    def f(d):
        if eps is not None:
            d = np.clip(d, eps, 1 - eps)
        return np.log(d / (1 - d))
    t = _unary(input, f, LogitBackward0)
    if t.grad_fn is not None:
        t.grad_fn.eps = eps
    return t


class SincBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        xd = _bw_data(x)
        zero = xd == 0
        px = x * math.pi
        safe = _bw.where(zero, 1.0, x)
        d = (px * _bw.cos(px) - _bw.sin(px)) / (safe * safe * math.pi)
        return _bw.where(zero, 0.0, g * d)


@op(inplace=True, out=True, namespaces=("torch", "special"), backward=SincBackward0,
    summary="Normalized sinc: sin(pi*x)/(pi*x), and 1 at 0.")
def sinc(input):
    return _unary(input, np.sinc, SincBackward0, half_in_float=True)


class ErfcxBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x, y):
        return g * (2 * x * y - 2 / _SQRT_PI)    # erfcx' = 2x erfcx(x) - 2/sqrt(pi)


def _np_erfcx(d):
    sp_erfcx = scipy_special("erfcx")
    if sp_erfcx is not None:
        return sp_erfcx(d).astype(d.dtype, copy=False)
    x = np.asarray(d, np.float64)
    with np.errstate(all="ignore"):
        # below 2, exp(x^2) * erfc(x) loses nothing; above, erfc underflows, so use the
        # continued fraction erfcx(x) = 1 / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) / ...))))
        out = np.exp(x * x) * _sf.erfc(np.where(x < 2, x, 0.0))
        f = x.copy()
        for k in range(60, 0, -1):
            f = x + (k / 2) / f
        out = np.where(x < 2, out, 1 / (_SQRT_PI * f))
    return out.astype(d.dtype, copy=False)


@op(method=False, out=True, namespaces=("special",), backward=ErfcxBackward0,
    summary="Scaled complementary error function exp(x**2) * erfc(x), without overflow.",
    example="torch.tensor([-1.0, 0.0, 1.0, 30.0])")
def erfcx(input):
    _no_bfloat16(input, "erfcx")
    return _unary(input, _np_erfcx, ErfcxBackward0, save_out=True)


def _no_bfloat16(x, name):
    """PyTorch has no bfloat16 kernel for these special functions (checked against torch 2.13)."""
    if isinstance(x, Tensor) and x._data.dtype.kind == "V":
        raise NotImplementedError(f'"{name}_cpu" not implemented for \'BFloat16\'')


# The normal CDF family of torch.special, composed of erfc/erfinv/log (so their gradients are
# the composition's, twice differentiable as PyTorch's)
@op(method=False, out=True, namespaces=("special",),
    summary="Standard normal cumulative distribution function, elementwise.",
    example="torch.tensor([-1.0, 0.0, 1.0])")
def ndtr(input):
    return erfc(input * (-1.0 / math.sqrt(2.0))) * 0.5


@op(method=False, out=True, namespaces=("special",),
    summary="Inverse of the standard normal CDF (the quantile function), elementwise.",
    example="torch.tensor([0.1, 0.5, 0.9])")
def ndtri(input):
    _no_bfloat16(input, "ndtri")
    return erfinv(input * 2.0 - 1.0) * math.sqrt(2.0)


@op(method=False, out=True, namespaces=("special",),
    summary="Log of the standard normal CDF, accurate far into the lower tail.",
    example="torch.tensor([-40.0, 0.0, 3.0])")
def log_ndtr(input):
    _no_bfloat16(input, "log_ndtr")
    from . import elementwise as _ew
    far = input._data < -20
    safe = _ew.where(_wrap(far), 0.0, input)
    near = _ew.log(ndtr(safe))
    if not far.any():
        return near
    # asymptotic expansion: log Phi(x) ~ -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4)
    z = _ew.where(_wrap(far), input, -30.0)
    z2 = z * z
    tail = (-z2 * 0.5 - _ew.log(-z) - 0.5 * math.log(2 * math.pi)
            + _ew.log1p(-1.0 / z2 + 3.0 / (z2 * z2)))
    return _ew.where(_wrap(far), tail, near)


class Deg2RadBackward0(_Unary):
    __slots__ = ("k",)

    def backward(self, g):
        return g * self.k


def _scale(input, k):
    t = _unary(input, lambda d: d * d.dtype.type(k), Deg2RadBackward0, save_in=False)
    if t.grad_fn is not None:
        t.grad_fn.k = k
    return t


@op(inplace=True, out=True, backward=Deg2RadBackward0,
    summary="Degrees to radians, elementwise.", example="torch.tensor([90.0, 180.0])")
def deg2rad(input):
    return _scale(input, math.pi / 180.0)


@op(inplace=True, out=True, backward=Deg2RadBackward0,
    summary="Radians to degrees, elementwise.")
def rad2deg(input):
    return _scale(input, 180.0 / math.pi)


class AngleBackward0(_Unary):
    __slots__ = ()

    def backward(self, g):
        return g * 0     # a real number's angle is piecewise constant (0 or pi): zero gradient


def _np_angle(d):
    # pi below zero, 0 at or above it (-0.0 included), nan stays nan: PyTorch's real angle
    return np.where(np.isnan(d), d, np.where(d < 0, d.dtype.type(math.pi), d.dtype.type(0)))


@op(out=True, backward=AngleBackward0,
    summary="Elementwise angle: pi for negative reals, 0 otherwise (nan stays nan).",
    example="torch.tensor([-2.0, 0.0, 3.0])")
def angle(input):
    return _unary(input, _np_angle, AngleBackward0, save_in=False)


@op(out_dtype="same", out=True, summary="True where the sign bit is set (negative numbers and -0.0).",
    example="torch.tensor([-1.0, -0.0, 2.0])")
def signbit(input):
    d = input._data
    return _wrap(np.zeros(d.shape, bool) if d.dtype.kind == "b" else np.signbit(d))


@op(summary="Returns input itself (an error for bool tensors), as unary plus.")
def positive(input):
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


class I0Backward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        if isinstance(x, Tensor):
            raise RuntimeError("i0: double backward is not supported")
        return g * np.where(np.isinf(x), np.nan, _i1(x))   # PyTorch's i1 is nan at +-inf


def _i1(d):
    # modified Bessel function I1 by its power series (converges for all x; fine for |x| < 50)
    x = np.asarray(d, np.float64)
    half = x / 2
    term = half.copy()
    out = term.copy()
    q = half * half
    for k in range(1, 200):
        term = term * q / (k * (k + 1))
        out = out + term
        if np.all(np.abs(term) <= 1e-17 * np.abs(out)):
            break
    return out.astype(d.dtype, copy=False)


@op(inplace=True, out=True, namespaces=("torch", "special"), backward=I0Backward0,
    summary="Modified Bessel function of the first kind, order 0, elementwise.")
def i0(input):
    return _unary(input, np.i0, I0Backward0)


class EntrBackward0(_Unary):
    __slots__ = ()

    def backward(self, g, x):
        return -g * (_bw.log(x) + 1)


def _np_entr(d):
    with np.errstate(all="ignore"):
        out = -d * np.log(np.where(d > 0, d, 1))
    return np.where(d < 0, -np.inf, out).astype(d.dtype, copy=False)


@op(method=False, out=True, namespaces=("special",), backward=EntrBackward0,
    summary="Elementwise entropy -x*log(x): 0 at 0, -inf for negative x.")
def entr(input):
    """-x * log(x): 0 at x = 0, -inf for x < 0; gradient -(log(x) + 1) as PyTorch."""
    return _unary(input, _np_entr, EntrBackward0)
