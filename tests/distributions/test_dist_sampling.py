"""Samples: shapes, dtypes, reproducibility under dygrad.manual_seed, and statistics over many
draws against each distribution's own mean and variance (generous bounds: the values differ
from PyTorch's, whose generator is another)."""
import math

import numpy as np
import pytest

import dygrad as torch
from dygrad.distributions import (Bernoulli, Beta, Categorical, Gamma, Independent,
                                  MultivariateNormal, Normal, Uniform)

N = 20000


def _families():
    L = torch.tensor([[1.0, 0.0], [0.5, 0.8]])
    return {
        "normal": Normal(torch.tensor([0.0, 3.0]), torch.tensor([1.0, 0.5])),
        "uniform": Uniform(torch.tensor([-1.0, 2.0]), torch.tensor([1.0, 5.0])),
        "bernoulli": Bernoulli(torch.tensor([0.2, 0.9])),
        "gamma": Gamma(torch.tensor([0.5, 4.0]), torch.tensor([1.0, 2.0])),
        "beta": Beta(torch.tensor([0.5, 3.0]), torch.tensor([2.0, 1.5])),
        "mvn": MultivariateNormal(torch.tensor([1.0, -1.0]), scale_tril=L),
        "independent": Independent(Normal(torch.zeros(2), torch.tensor([1.0, 2.0])), 1),
    }


@pytest.mark.parametrize("name", list(_families()))
def test_sample_shapes_and_stats(name):
    d = _families()[name]
    assert d.sample().shape == d.batch_shape + d.event_shape
    assert d.sample((3, 4)).shape == (3, 4) + d.batch_shape + d.event_shape
    assert d.sample(torch.Size([5])).dtype == torch.float32
    x = d.sample((N,)).double()
    mean, var = d.mean.double(), d.variance.double()
    se = (var / N).sqrt()
    assert ((x.mean(0) - mean).abs() <= 6 * se + 1e-6).all(), (x.mean(0), mean)
    assert ((x.var(0) - var).abs() <= 0.1 * var + 1e-3).all(), (x.var(0), var)
    assert not x.requires_grad


def test_support_of_samples():
    assert Beta(0.05, 0.05).sample((1000,)).min() > 0
    assert Beta(0.05, 0.05).sample((1000,)).max() < 1
    assert Gamma(0.01, 1.0).sample((1000,)).min() > 0
    u = Uniform(2.0, 3.0).sample((1000,))
    assert u.min() >= 2.0 and u.max() < 3.0
    assert set(Bernoulli(0.5).sample((100,)).unique().tolist()) <= {0.0, 1.0}


def test_categorical_samples():
    p = torch.tensor([[0.1, 0.6, 0.3], [0.0, 0.0, 1.0]])
    d = Categorical(p)
    s = d.sample((N,))
    assert s.shape == (N, 2) and s.dtype == torch.int64
    freq = torch.stack([(s[:, 0] == k).double().mean() for k in range(3)])
    assert (freq - p[0].double()).abs().max() < 0.02
    assert (s[:, 1] == 2).all()
    assert Categorical(logits=torch.zeros(5)).sample((2, 3)).shape == (2, 3)


def test_manual_seed_reproducible():
    for d in _families().values():
        torch.manual_seed(7)
        a = d.sample((4,))
        torch.manual_seed(7)
        b = d.sample((4,))
        assert torch.equal(a, b)
    torch.manual_seed(3)
    a = Categorical(torch.ones(4)).sample((10,))
    torch.manual_seed(3)
    assert torch.equal(a, Categorical(torch.ones(4)).sample((10,)))


def test_rsample_flags():
    assert Normal.has_rsample and MultivariateNormal.has_rsample and Uniform.has_rsample
    assert Gamma.has_rsample and Beta.has_rsample
    assert not Categorical.has_rsample and not Bernoulli.has_rsample
    with pytest.raises(NotImplementedError):
        Categorical(torch.ones(3)).rsample()
    loc = torch.zeros(2, requires_grad=True)
    assert Normal(loc, 1.0).rsample().requires_grad
    assert not Normal(loc, 1.0).sample().requires_grad


def test_rsample_mean_gradients():
    # d/dtheta E[x] estimated from many reparameterised draws: E = loc, (lo+hi)/2, a/r, a/(a+b)
    torch.manual_seed(0)
    loc = torch.tensor([0.5], requires_grad=True)
    scale = torch.tensor([2.0], requires_grad=True)
    Normal(loc, scale).rsample((N,)).mean().backward()
    assert abs(loc.grad.item() - 1) < 1e-6 and abs(scale.grad.item()) < 0.05
    a = torch.tensor([0.3, 2.0, 20.0], dtype=torch.float64, requires_grad=True)
    r = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64, requires_grad=True)
    Gamma(a, r).rsample((N,)).mean(0).sum().backward()
    assert torch.allclose(a.grad, 1 / r.detach(), rtol=0.05)
    assert torch.allclose(r.grad, -a.detach() / r.detach() ** 2, rtol=0.05)
    c1 = torch.tensor([0.5, 3.0], dtype=torch.float64, requires_grad=True)
    c0 = torch.tensor([2.0, 1.5], dtype=torch.float64, requires_grad=True)
    Beta(c1, c0).rsample((N,)).mean(0).sum().backward()
    s = (c1 + c0).detach()
    assert torch.allclose(c1.grad, c0.detach() / s ** 2, rtol=0.1)
    assert torch.allclose(c0.grad, -c1.detach() / s ** 2, rtol=0.1)


def test_gamma_rsample_log_gradient():
    # E[log x] = digamma(a) for x ~ Gamma(a, 1): its derivative is trigamma(a), a sharper check
    # of the implicit gradient than the mean's
    torch.manual_seed(1)
    for a0 in (0.2, 1.0, 5.0):
        a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
        Gamma(a, 1.0).rsample((N,)).log().mean().backward()
        assert abs(a.grad.item() - torch.polygamma(1, a.detach()).item()) < 0.05 * torch.polygamma(1, a.detach()).item()


def test_entropy_matches_monte_carlo():
    torch.manual_seed(2)
    for d in (Normal(0.3, 1.5), Gamma(2.0, 3.0), Beta(2.0, 5.0), Uniform(-1.0, 2.0)):
        x = d.sample((N,))
        mc = -d.log_prob(x).double().mean().item()
        assert math.isclose(mc, d.entropy().item(), abs_tol=0.05), (d, mc, d.entropy())


def test_enumerate_support_and_expand():
    d = Categorical(torch.ones(2, 3))
    assert d.enumerate_support().tolist() == [[0, 0], [1, 1], [2, 2]]
    assert d.enumerate_support(expand=False).shape == (3, 1)
    e = Normal(torch.zeros(3), 1.0).expand((2, 3))
    assert e.batch_shape == (2, 3) and e.sample().shape == (2, 3)
    g = Gamma(torch.ones(1), 1.0).expand((4,))
    assert g.rsample((2,)).shape == (2, 4)
    m = MultivariateNormal(torch.zeros(2), torch.eye(2)).expand((5,))
    assert m.sample().shape == (5, 2) and m.covariance_matrix.shape == (5, 2, 2)
    i = Independent(Normal(torch.zeros(2, 3), 1.0), 1).expand((4, 2))
    assert i.batch_shape == (4, 2) and i.event_shape == (3,)
    assert np.isfinite(Beta(2.0, 2.0).expand((3,)).log_prob(torch.tensor([0.2, 0.5, 0.7])).numpy()).all()
