"""kl_divergence(p, q) = KL(p || q), dispatched on the two classes; register_kl adds pairs.

Closed forms for the pairs PyTorch has among Normal, Categorical, Bernoulli, MultivariateNormal,
Beta, Gamma, Uniform and Independent. Where q's support does not cover p's, the divergence is
inf. Cross-family pairs use KL(p || q) = -H(p) - E_p[log q(x)] with p's moments.
"""
import math
import warnings
from functools import total_ordering

import dygrad as torch
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .distribution import Distribution
from .gamma import Gamma
from .independent import Independent
from .multivariate_normal import MultivariateNormal, batch_mahalanobis
from .normal import Normal
from ._linalg import solve_lower
from .uniform import Uniform
from .utils import softplus, sum_rightmost

__all__ = ["register_kl", "kl_divergence"]

_KL_REGISTRY = {}
_KL_MEMOIZE = {}
_INF = float("inf")


def register_kl(type_p, type_q):
    """Decorator registering fn(p, q) as kl_divergence for p of type_p and q of type_q
    (the most specific registered pair wins for subclasses).

    Example::

        >>> class ShiftedNormal(Normal):
        ...     pass
        >>> @register_kl(ShiftedNormal, Normal)
        ... def kl_shifted_normal(p, q):
        ...     return (p.loc - q.loc).abs()
        >>> kl_divergence(ShiftedNormal(1.0, 1.0), Normal(0.0, 1.0))
        tensor(1.)
    """
    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn
    return decorator


@total_ordering
class _Match:
    def __init__(self, *types):
        self.types = types

    def __eq__(self, other):
        return self.types == other.types

    def __le__(self, other):
        for x, y in zip(self.types, other.types):
            if not issubclass(x, y):
                return False
            if x is not y:
                break
        return True


def _dispatch_kl(type_p, type_q):
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    left_p, left_q = min(_Match(*m) for m in matches).types
    right_q, right_p = min(_Match(*reversed(m)) for m in matches).types
    left_fun = _KL_REGISTRY[left_p, left_q]
    right_fun = _KL_REGISTRY[right_p, right_q]
    if left_fun is not right_fun:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). Please "
                      f"register_kl({left_p.__name__}, {right_q.__name__})", RuntimeWarning)
    return left_fun


def kl_divergence(p: Distribution, q: Distribution):
    """KL(p || q) = E_p[log p(x) - log q(x)], batched over the distributions' batch shapes.

    Example::

        >>> p, q = Normal(0.0, 1.0), Normal(1.0, 1.0)
        >>> kl_divergence(p, q)
        tensor(0.5000)
    """
    key = (type(p), type(q))
    fun = _KL_MEMOIZE.get(key)
    if fun is None:
        fun = _KL_MEMOIZE[key] = _dispatch_kl(*key)
    if fun is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type {p.__class__.__name__} "
                                  f"and q type {q.__class__.__name__}")
    return fun(p, q)


def _inf_like(t):
    return torch.full_like(t, _INF)


# -- same family --------------------------------------------------------------------------------
@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    # p log(p/q) + (1-p) log((1-p)/(1-q)) in logits; 0 log 0 = 0, x log(x/0) = inf
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = torch.where(p.probs == 0, torch.zeros_like(t1), torch.where(q.probs == 0, _inf_like(t1), t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = torch.where(p.probs == 1, torch.zeros_like(t2), torch.where(q.probs == 1, _inf_like(t2), t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = torch.where((q.probs == 0).expand_as(t), _inf_like(t), t)
    t = torch.where((p.probs == 0).expand_as(t), torch.zeros_like(t), t)
    return t.sum(-1)


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.concentration1, p.concentration0, q.concentration1, q.concentration0
    s1, s2 = a1 + b1, a2 + b2
    t1 = torch.lgamma(a2) + torch.lgamma(b2) + torch.lgamma(s1)
    t2 = torch.lgamma(a1) + torch.lgamma(b1) + torch.lgamma(s2)
    t3 = (a1 - a2) * torch.digamma(a1)
    t4 = (b1 - b2) * torch.digamma(b1)
    t5 = (s2 - s1) * torch.digamma(s1)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    t1 = q.concentration * torch.log(p.rate / q.rate)
    t2 = torch.lgamma(q.concentration) - torch.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * torch.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return torch.where((q.low > p.low) | (q.high < p.high), _inf_like(result), result)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event "
                         "shapes cannot be computed")
    n = p.event_shape[0]
    half_term1 = q._half_log_det() - p._half_log_det()
    batch = torch.broadcast_shapes(q._unbroadcasted_scale_tril.shape[:-2],
                                   p._unbroadcasted_scale_tril.shape[:-2])
    qL = q._unbroadcasted_scale_tril.expand(batch + (n, n))
    pL = p._unbroadcasted_scale_tril.expand(batch + (n, n))
    term2 = solve_lower(qL, pL).pow(2).sum((-2, -1))  # tr(Sq^{-1} Sp)
    term3 = batch_mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


# -- across families: -H(p) - E_p[log q] -------------------------------------------------------
def _neg_e_log_normal(mean, var, q):
    """-E[log q(x)] for q Normal, from p's mean and variance."""
    return 0.5 * torch.log(2 * math.pi * q.scale.pow(2)) + (var + (mean - q.loc).pow(2)) / (2 * q.scale.pow(2))


def _e_log_gamma(mean, e_log_x, q):
    """E[log q(x)] for q Gamma, from p's E[x] and E[log x]."""
    a, r = q.concentration, q.rate
    return torch.xlogy(a, r) - torch.lgamma(a) + (a - 1) * e_log_x - r * mean


def _beta_e_logs(p):
    total = torch.digamma(p.concentration1 + p.concentration0)
    return torch.digamma(p.concentration1) - total, torch.digamma(p.concentration0) - total


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    e_log_x, _ = _beta_e_logs(p)
    return -p.entropy() - _e_log_gamma(p.mean, e_log_x, q)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    return -p.entropy() + _neg_e_log_normal(p.mean, p.variance, q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return torch.where((q.low > 0) | (q.high < 1), _inf_like(result), result)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    return -p.entropy() + _neg_e_log_normal(p.mean, p.variance, q)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    return -p.entropy() + _neg_e_log_normal(p.mean, p.variance, q)


def _uniform_e_log(lo, hi):
    """E[log x] for x ~ Uniform(lo, hi), lo >= 0."""
    return (torch.xlogy(hi, hi) - torch.xlogy(lo, lo)) / (hi - lo) - 1


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    result = -p.entropy() - _e_log_gamma(p.mean, _uniform_e_log(p.low, p.high), q)
    return torch.where(p.low < 0, _inf_like(result), result)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    a, b = q.concentration1, q.concentration0
    e_log_x = _uniform_e_log(p.low, p.high)
    e_log_1mx = _uniform_e_log(1 - p.high, 1 - p.low)
    lbeta = torch.lgamma(a) + torch.lgamma(b) - torch.lgamma(a + b)
    result = -p.entropy() - ((a - 1) * e_log_x + (b - 1) * e_log_1mx - lbeta)
    return torch.where((p.low < 0) | (p.high > 1), _inf_like(result), result)


def _infinite(param_of_p, param_of_q):
    # q's support does not cover p's: inf over the broadcast batch shape
    def kl(p, q):
        a, b = torch.broadcast_tensors(getattr(p, param_of_p), getattr(q, param_of_q))
        return _inf_like(a)
    return kl


register_kl(Gamma, Uniform)(_infinite("concentration", "low"))
register_kl(Gamma, Beta)(_infinite("concentration", "concentration1"))
register_kl(Normal, Uniform)(_infinite("loc", "low"))
register_kl(Normal, Gamma)(_infinite("loc", "concentration"))
register_kl(Normal, Beta)(_infinite("loc", "concentration1"))
