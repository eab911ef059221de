"""Gamma(concentration, rate), with implicitly reparameterised rsample (see _gamma_grad)."""
from numbers import Number

import numpy as np

import dygrad as torch
from dygrad.autograd import Function
from dygrad.ops._special_fns import lgamma
from dygrad.random import _rng
from . import constraints
from ._gamma_grad import gammainc_and_grad, standard_gamma_grad
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


class _StandardGamma(Function):
    """Draws Gamma(alpha, 1) from dygrad's generator; backward is the implicit
    reparameterisation gradient dx/dalpha (exact, not an approximation)."""

    @staticmethod
    def forward(ctx, alpha):
        a = alpha.detach().numpy()
        x = _rng(None).standard_gamma(a.astype(np.float64))
        x = np.maximum(x, np.finfo(a.dtype).tiny).astype(a.dtype)
        out = torch.from_numpy(x)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_tensors
        dx = standard_gamma_grad(alpha.detach().numpy(), x.detach().numpy())
        return grad * torch.from_numpy(dx)


class _GammaInc(Function):
    """P(a, x), the regularised lower incomplete gamma function, differentiable in both a
    (exactly; PyTorch's igamma has no gradient for a) and x (the Gamma(a, 1) density)."""

    @staticmethod
    def forward(ctx, a, x):
        an, xn = a.detach().numpy(), x.detach().numpy()
        p, dp = gammainc_and_grad(an, xn)
        dt = np.result_type(an.dtype, xn.dtype)
        ctx.save_for_backward(a, x)
        ctx.dp = dp
        return torch.from_numpy(p.astype(dt))

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        an = a.detach().numpy().astype(np.float64)
        xn = x.detach().numpy().astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            # the density at x; at x = 0: inf for a < 1, 0 for a > 1 and, as PyTorch's
            # igamma gradient, nan for a = 1 (0 * log 0)
            pdf = np.exp((an - 1.0) * np.log(xn) - xn - lgamma(an))
        dt = grad.dtype
        return (grad * torch.from_numpy(ctx.dp).to(dt), grad * torch.from_numpy(pdf).to(dt))


def _standard_gamma(alpha):
    """Gamma(alpha, 1) samples of alpha's shape; differentiable in alpha."""
    return _StandardGamma.apply(alpha)


class Gamma(ExponentialFamily):
    """Gamma distribution with shape `concentration` and inverse scale `rate`.

    rsample is reparameterised: its gradient with respect to the concentration is the exact
    implicit gradient -(dF/dalpha) / p(x) of the gamma CDF F at the drawn sample, the same
    estimator PyTorch uses.

    Example::

        >>> d = torch.distributions.Gamma(torch.tensor([2.0]), torch.tensor([1.0]))
        >>> d.log_prob(torch.tensor([1.0]))
        tensor([-1.])
    """
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, Number) and isinstance(rate, Number):
            batch_shape = torch.Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gamma, _instance)
        batch_shape = torch.Size(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Gamma, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=torch.Size()):
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        value.detach().clamp_(min=torch.finfo(value.dtype).tiny)  # dividing may underflow to 0
        return value

    def log_prob(self, value):
        value = torch.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (torch.xlogy(self.concentration, self.rate) + torch.xlogy(self.concentration - 1, value)
                - self.rate * value - torch.lgamma(self.concentration))

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a, x = torch.broadcast_tensors(self.concentration, self.rate * value)
        return _GammaInc.apply(a, x)

    def entropy(self):
        c = self.concentration
        return c - torch.log(self.rate) + torch.lgamma(c) + (1.0 - c) * torch.digamma(c)
