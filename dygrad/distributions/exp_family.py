"""ExponentialFamily: the base class PyTorch gives Normal, Bernoulli, Beta and Gamma.

dygrad's families compute their entropies in closed form, so this class only keeps the class
path and isinstance checks of PyTorch programs working.
"""
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """A distribution of the exponential family (p(x) = h(x) exp(<t(x), theta> - F(theta)))."""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError
