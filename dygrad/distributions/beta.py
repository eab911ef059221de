"""Beta(concentration1, concentration0) on [0, 1], reparameterised through two gamma draws."""
from numbers import Number

import numpy as np

import dygrad as torch
from dygrad.autograd import Function
from dygrad.random import _rng
from . import constraints
from ._beta_grad import beta_sample_grad
from .exp_family import ExponentialFamily
from .utils import broadcast_all


class _BetaSample(Function):
    """Draws Beta(a, b) from dygrad's generator; backward is the exact implicit
    reparameterisation gradient (dx/da, dx/db) at the drawn sample."""

    @staticmethod
    def forward(ctx, a, b):
        an, bn = a.detach().numpy(), b.detach().numpy()
        rng = _rng(None)
        a64, b64 = an.astype(np.float64), bn.astype(np.float64)

        def log_gamma(c):  # log of a Gamma(c) draw: G(c + 1) U^(1/c), no underflow for small c
            return np.log(rng.standard_gamma(c + 1.0)) + np.log(rng.random(c.shape)) / c

        lx, ly = log_gamma(a64), log_gamma(b64)
        x = 1.0 / (1.0 + np.exp(ly - lx))
        fi = np.finfo(an.dtype)
        x = np.clip(x, fi.tiny, 1 - fi.eps).astype(an.dtype)
        out = torch.from_numpy(x)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, x = ctx.saved_tensors
        ga, gb = beta_sample_grad(x.detach().numpy(), a.detach().numpy(), b.detach().numpy())
        return grad * torch.from_numpy(ga), grad * torch.from_numpy(gb)

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    """Beta distribution with concentrations `concentration1` (alpha) and `concentration0` (beta).

    rsample is reparameterised as PyTorch's: the gradient of a sample x with respect to the
    concentrations is the implicit one, -(dI/da, dI/db) / p(x) for the Beta CDF I at x,
    computed exactly (see _beta_grad).

    Example::

        >>> d = torch.distributions.Beta(torch.tensor([2.0]), torch.tensor([2.0]))
        >>> d.log_prob(torch.tensor([0.5]))
        tensor([0.4055])
    """
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, Number) and isinstance(concentration0, Number):
            c = torch.tensor([float(concentration1), float(concentration0)])
            self._c1, self._c0 = c[0], c[1]
        else:
            self._c1, self._c0 = broadcast_all(concentration1, concentration0)
        super().__init__(self._c1.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        batch_shape = torch.Size(batch_shape)
        new._c1 = self._c1.expand(batch_shape)
        new._c0 = self._c0.expand(batch_shape)
        super(Beta, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._c1

    @property
    def concentration0(self):
        return self._c0

    @property
    def mean(self):
        return self._c1 / (self._c1 + self._c0)

    @property
    def mode(self):
        # PyTorch's: the interior maximum (nan for Beta(1, 1), whose density is flat); where
        # both concentrations are below 1 (a U shape), the end PyTorch picks: 1 where
        # concentration1 <= concentration0, else 0
        c1, c0 = self._c1, self._c0
        m1, m0 = (c1 - 1).clamp(min=0), (c0 - 1).clamp(min=0)
        mode = m1 / (m1 + m0)
        both_small = (c1 < 1) & (c0 < 1)
        return torch.where(both_small, (c1 <= c0).to(mode.dtype), mode)

    @property
    def variance(self):
        total = self._c1 + self._c0
        return self._c1 * self._c0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        return _BetaSample.apply(self._c1.expand(shape), self._c0.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c1, c0 = self._c1, self._c0
        return (torch.xlogy(c1 - 1, value) + torch.xlogy(c0 - 1, 1 - value)
                + torch.lgamma(c1 + c0) - torch.lgamma(c1) - torch.lgamma(c0))

    def entropy(self):
        c1, c0 = self._c1, self._c0
        total = c1 + c0
        lbeta = torch.lgamma(c1) + torch.lgamma(c0) - torch.lgamma(total)
        return (lbeta - (c1 - 1) * torch.digamma(c1) - (c0 - 1) * torch.digamma(c0)
                + (total - 2) * torch.digamma(total))
