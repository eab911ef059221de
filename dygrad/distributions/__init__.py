"""dygrad.distributions: PyTorch's torch.distributions (the families PyTorch programs reach for
most), built from dygrad tensor ops so log_prob, entropy, kl_divergence and rsample carry
gradients, and drawing from dygrad's generator (dygrad.manual_seed makes samples repeatable).

Example::

    >>> import dygrad as torch
    >>> d = torch.distributions.Categorical(logits=torch.zeros(3))
    >>> d.log_prob(torch.tensor(2))
    tensor(-1.0986)
"""
from . import constraints  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma import Gamma
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Distribution", "ExponentialFamily", "Gamma",
           "Independent", "MultivariateNormal", "Normal", "Uniform", "kl_divergence", "register_kl",
           "constraints"]
