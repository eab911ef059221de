"""torch.special: special functions, as aliases of the torch.* ops or compositions of them."""
import math

from ._tensor import _wrap
from .ops import elementwise as _ew
from .ops import nn_ops as _nn
from .ops import special_unary as _su
from ._ns_special import *  # noqa: F401,F403  (the declared ops of torch.special)
from ._ns_special import __all__ as _declared

__all__ = _declared + [
    "multigammaln", "ndtr", "ndtri", "log_ndtr", "softmax", "log_softmax",
]


def multigammaln(input, p):
    """log of the multivariate gamma function of dimension p."""
    p = int(p)
    if p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1 (got {p})")
    out = _su.lgamma(input)
    for j in range(2, p + 1):
        out = out + _su.lgamma(input - (j - 1) / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)


def ndtr(input):
    """The standard normal CDF."""
    return _su.erfc(input * (-1.0 / math.sqrt(2.0))) * 0.5


def ndtri(input):
    """The inverse of the standard normal CDF."""
    return _su.erfinv(input * 2.0 - 1.0) * math.sqrt(2.0)


def log_ndtr(input):
    """log of the standard normal CDF, accurate far into the lower tail."""
    d = input._data
    far = d < -20
    safe = _ew.where(_wrap(far), 0.0, input)
    near = _ew.log(ndtr(safe))
    if not far.any():
        return near
    # asymptotic expansion: log Phi(x) ~ -x^2/2 - log(-x) - log(2 pi)/2 + log(1 - 1/x^2 + 3/x^4)
    z = _ew.where(_wrap(far), input, -30.0)
    z2 = z * z
    tail = -z2 * 0.5 - _ew.log(-z) - 0.5 * math.log(2 * math.pi) + _ew.log1p(-1.0 / z2 + 3.0 / (z2 * z2))
    return _ew.where(_wrap(far), tail, near)


def softmax(input, dim, *, dtype=None):
    return _nn.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    return _nn.log_softmax(input, dim, dtype=dtype)

