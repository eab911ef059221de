"""torch.special: special functions, as aliases of the torch.* ops or compositions of them."""
import math

from .ops import special_unary as _su
from ._ns_special import *  # noqa: F401,F403  (the declared ops of torch.special)
from ._ns_special import __all__ as _declared

__all__ = _declared + [
    "multigammaln",
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

