"""Random in-place fills, declared as `Tensor` methods only (PyTorch has no function form):
uniform_, normal_, bernoulli_, random_, exponential_, cauchy_, log_normal_, geometric_.

Each overwrites the tensor's values with samples of its distribution (no history: a leaf that
requires grad is refused, as PyTorch) after PyTorch's argument and dtype checks. The samples come
from `generator` or the default one, so a seeded program is reproducible; the numbers are not
PyTorch's (dygrad uses PCG64), the distributions are.
"""
import math

import numpy as np

from .. import _convert
from .. import random as _random
from .._tensor import Tensor
from ._registry import op
from .inplace import set_data_
from .sampling import _check_bounds

# the examples draw from a seeded generator, so the docstrings print the same numbers every time
_SEEDED = "generator=torch.Generator().manual_seed(0)"


def _floating(input, kernel):
    d = input._data.dtype
    if d.kind not in "fV":
        _convert.not_implemented(kernel, d)
    return d


def _continuous(input, name):
    d = input._data.dtype
    if d.kind not in "fV":
        ctype = {"Long": "long int", "Int": "int", "Short": "short int", "Char": "signed char",
                 "Byte": "unsigned char", "Bool": "bool"}[_convert.TORCH_NAME[d.name]]
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified {ctype}")


def _u(input, generator):
    """Uniform [0, 1) samples of input's shape (float64)."""
    return _random._uniform(input._data.shape, 0.0, 1.0, generator)


@op(function=False, namespaces=(), summary="Fills the tensor with samples uniform on [from, to).",
    example=f"torch.zeros(3), 2.0, 4.0, {_SEEDED}")
def uniform_(input, from_=0.0, to=1.0, *, generator=None):
    _floating(input, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_:g} > to={to:g}")
    return set_data_(input, _random._uniform(input._data.shape, from_, to, generator))


@op(function=False, namespaces=(), summary="Fills the tensor with samples of the normal distribution N(mean, std).",
    example=f"torch.zeros(3), {_SEEDED}")
def normal_(input, mean=0.0, std=1.0, *, generator=None):
    _floating(input, "normal_kernel_cpu")
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return set_data_(input, _random._normal(input._data.shape, mean, std, generator))


# not bernoulli's in-place spelling: torch.bernoulli(input) draws with input's probabilities,
# Tensor.bernoulli_(p) fills with p, whatever the tensor holds
@op(function=False, namespaces=(), summary="Fills the tensor with 1 with probability p (a float, "
    "or a tensor of probabilities broadcast to it), else 0.", example=f"torch.zeros(4), 0.5, {_SEEDED}")
def bernoulli_(input, p=0.5, *, generator=None):
    if isinstance(p, Tensor):
        prob = p.expand(input.shape)._data  # (PyTorch's expand errors for a shape that does not fit)
        if ((prob < 0) | (prob > 1) | np.isnan(prob)).any():
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false. "
                               "(bernoulli_: every probability must lie in [0, 1])")
    else:
        prob = float(p)
        if not 0.0 <= prob <= 1.0:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={prob:g}")
    return set_data_(input, _u(input, generator) < prob)


@op(function=False, namespaces=(), summary="Fills the tensor with integers uniform on [from, to); random_(to) "
    "is [0, to), random_() the whole range the dtype holds exactly.",
    example=f"torch.zeros(4), 10, {_SEEDED}")
def random_(input, from_=0, to=None, *, generator=None):
    d = input._data.dtype
    if to is None:
        if from_:
            from_, to = 0, from_
        else:  # the full range of the dtype, as PyTorch (2**24 / 2**53 for float mantissas)
            to = (2 ** 24 if d == np.float32 else 2 ** 53 if d == np.float64 else 2 ** 11
                  if d == np.float16 else 2 if d == np.bool_ else int(np.iinfo(d).max) + 1)
            from_ = 0
    else:
        _check_bounds(from_, to, d)
    return set_data_(input, _random._randint(from_, to, input._data.shape, generator))


@op(function=False, namespaces=(), summary="Fills the tensor with samples of the exponential distribution of "
    "rate lambd.", example=f"torch.zeros(3), {_SEEDED}")
def exponential_(input, lambd=1.0, *, generator=None):
    _continuous(input, "Exponential")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return set_data_(input, -np.log1p(-_u(input, generator)) / lambd)


@op(function=False, namespaces=(), summary="Fills the tensor with samples of the Cauchy distribution "
    "(location median, scale sigma).", example=f"torch.zeros(3), {_SEEDED}")
def cauchy_(input, median=0.0, sigma=1.0, *, generator=None):
    _continuous(input, "Cauchy")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    return set_data_(input, median + sigma * np.tan(math.pi * (_u(input, generator) - 0.5)))


@op(function=False, namespaces=(), summary="Fills the tensor with exp of samples of N(mean, std) (log-normal).",
    example=f"torch.zeros(3), {_SEEDED}")
def log_normal_(input, mean=1.0, std=2.0, *, generator=None):
    _floating(input, "log_normal_cpu")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    return set_data_(input, np.exp(_random._normal(input._data.shape, mean, std, generator)))


@op(function=False, namespaces=(), summary="Fills the tensor with samples of the geometric distribution: the "
    "number of Bernoulli(p) trials up to the first success (1, 2, ...).",
    example=f"torch.zeros(4), 0.5, {_SEEDED}")
def geometric_(input, p, *, generator=None):
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    u = _u(input, generator)
    return set_data_(input, np.maximum(np.ceil(np.log1p(-u) / math.log1p(-p)), 1.0))
