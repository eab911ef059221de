"""Beta(concentration1, concentration0) on [0, 1], reparameterised through two gamma draws."""
from numbers import Number

import dygrad as torch
from . import constraints
from .exp_family import ExponentialFamily
from .gamma import _standard_gamma
from .utils import broadcast_all

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    """Beta distribution with concentrations `concentration1` (alpha) and `concentration0` (beta).

    rsample draws X ~ Gamma(alpha), Y ~ Gamma(beta) and returns X / (X + Y); its gradient flows
    through both implicitly reparameterised gamma draws. That is an unbiased reparameterisation
    gradient, with the same expectation as PyTorch's (which differentiates the Beta CDF
    directly), but a different value per sample.

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
        x = _standard_gamma(self._c1.expand(shape))
        y = _standard_gamma(self._c0.expand(shape))
        tiny = torch.finfo(x.dtype).tiny
        return (x / (x + y)).clamp(min=tiny, max=1 - torch.finfo(x.dtype).eps)

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
