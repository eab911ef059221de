"""Smooth activations: gelu (exact and tanh), silu, mish, softplus, logsigmoid; fused nodes
whose backward runs on arrays or, under create_graph=True, on Tensors."""
import math

import numpy as np

from .._tensor import Tensor
from . import _bw
from . import elementwise as _ew
from ._layer_util import npv
from .activations import _Act, _act

__all__ = ["gelu", "silu", "mish", "softplus", "logsigmoid"]


def _erf(v):
    if isinstance(v, Tensor):
        return v.erf()
    return _ew._erf_array(v)


_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)


class GeluBackward0(_Act):
    __slots__ = ()

    def backward(self, g, x):
        if self.p[0] == "tanh":
            inner = (x + x * x * x * 0.044715) * _K_TANH
            t = _bw.tanh(inner)
            dinner = (x * x * (3 * 0.044715) + 1) * _K_TANH
            return g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner)
        cdf = (_erf(x * _INV_SQRT2) + 1) * 0.5
        pdf = _bw.exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * (cdf + x * pdf)


def _np_gelu(d, approximate):
    t = d.dtype.type
    if approximate == "tanh":
        return t(0.5) * d * (1 + np.tanh(t(_K_TANH) * (d + t(0.044715) * d * d * d)))
    return t(0.5) * d * (1 + _ew._erf_array(d * t(_INV_SQRT2)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x); approximate='tanh' uses the tanh formula.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.gelu(x)
        tensor([-0.0455, -0.1543,  0.0000,  1.3998])
        >>> F.gelu(x, approximate='tanh')
        tensor([-0.0454, -0.1543,  0.0000,  1.3996])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got '{approximate}'")
    return _act(input, "gelu", _np_gelu, GeluBackward0, (approximate,))


class SiluBackward0(_Act):
    __slots__ = ()

    def backward(self, g, x):
        s = _bw.sigmoid(x)
        return g * (s * (x * (1 - s) + 1))


def _np_silu(d):
    return d * _bw._np_sigmoid(d)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """Sigmoid linear unit (swish): x * sigmoid(x).

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.silu(x)
        tensor([-0.2384, -0.1888,  0.0000,  1.2264])
    """
    return _act(input, "silu", _np_silu, SiluBackward0, (), inplace)


def _softplus_np(z):
    # log(1 + exp(z)) without overflow
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _softplus_any(z):
    if isinstance(z, Tensor):
        return z.clamp(min=0) + (-z.abs()).exp().log1p()
    return _softplus_np(z)


class MishBackward0(_Act):
    __slots__ = ()

    def backward(self, g, x):
        t = _bw.tanh(_softplus_any(x))
        return g * (t + x * (1 - t * t) * _bw.sigmoid(x))


def _np_mish(d):
    return d * np.tanh(_softplus_np(d))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) elementwise.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.mish(x)
        tensor([-0.2525, -0.2207,  0.0000,  1.4034])
    """
    return _act(input, "mish", _np_mish, MishBackward0, (), inplace)


class SoftplusBackward0(_Act):
    __slots__ = ()

    def backward(self, g, x):
        beta, thr = self.p
        lin = npv(x) * beta > thr
        return _bw.where(lin, g, g * _bw.sigmoid(_bw.where(lin, 0, x) * beta))


def _np_softplus(d, beta, thr):
    t = d.dtype.type
    z = d * t(beta)
    return np.where(z > thr, d, _softplus_np(z) / t(beta))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Smooth ReLU log(1 + exp(beta * x)) / beta; linear where beta * x > threshold.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.softplus(x)
        tensor([0.1269, 0.4741, 0.6931, 1.7014])
    """
    return _act(input, "softplus", _np_softplus, SoftplusBackward0, (beta, threshold))


class LogSigmoidBackward0(_Act):
    __slots__ = ()

    def backward(self, g, x):
        return g * _bw.sigmoid(-x)


def _np_logsigmoid(d):
    return np.minimum(d, 0) - np.log1p(np.exp(-np.abs(d)))


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) elementwise, computed without overflow.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.tensor([-2.0, -0.5, 0.0, 1.5])
        >>> F.logsigmoid(x)
        tensor([-2.1269, -0.9741, -0.6931, -0.2014])
    """
    return _act(input, "log_sigmoid", _np_logsigmoid, LogSigmoidBackward0)


