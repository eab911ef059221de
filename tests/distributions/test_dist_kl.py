"""kl_divergence dispatch: most specific registered pair, errors for missing and mismatched pairs."""
import warnings

import pytest

import dygrad as torch
from dygrad.distributions import (Categorical, Gamma, Independent, MultivariateNormal, Normal,
                                  kl_divergence, register_kl)


def test_missing_pair():
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type "
                                                  "Normal and q type Categorical"):
        kl_divergence(Normal(0., 1.), Categorical(torch.ones(2)))


def test_mismatched_shapes():
    with pytest.raises(NotImplementedError):
        kl_divergence(Independent(Normal(torch.zeros(2, 3), 1.), 1), Independent(Normal(torch.zeros(2, 3), 1.), 2))
    with pytest.raises(ValueError, match="different event shapes"):
        kl_divergence(MultivariateNormal(torch.zeros(2), torch.eye(2)), MultivariateNormal(torch.zeros(3), torch.eye(3)))


def test_subclass_dispatch():
    class MyNormal(Normal):
        pass

    class MyGamma(Gamma):
        pass

    p, q = MyNormal(0., 1.), MyNormal(1., 1.)
    assert kl_divergence(p, q).item() == pytest.approx(0.5)  # falls back to (Normal, Normal)

    @register_kl(MyNormal, Normal)
    def _special(p, q):
        return torch.tensor(7.0)

    assert kl_divergence(p, q).item() == 7.0  # the more specific pair wins
    assert kl_divergence(Normal(0., 1.), q).item() == pytest.approx(0.5)

    @register_kl(Normal, MyGamma)
    def _a(p, q):
        return torch.tensor(1.0)

    @register_kl(MyNormal, Gamma)
    def _b(p, q):
        return torch.tensor(2.0)

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        kl_divergence(MyNormal(0., 1.), MyGamma(1., 1.))
    assert any("Ambiguous kl_divergence(MyNormal, MyGamma)" in str(x.message) for x in w)


def test_kl_of_self_is_zero():
    for d in (Normal(torch.tensor([0.3]), 2.0), Gamma(2.0, 3.0), Categorical(torch.tensor([0.2, 0.8])),
              MultivariateNormal(torch.zeros(2), torch.tensor([[2.0, 0.5], [0.5, 1.0]]))):
        assert kl_divergence(d, d).abs().max().item() < 1e-6
