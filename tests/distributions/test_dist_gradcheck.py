"""Finite-difference gradient checks (float64, dygrad.autograd.gradcheck) of log_prob, entropy,
kl_divergence and rsample; and the implicit Gamma gradient against the quantile function.
Runs without torch."""
import numpy as np
import pytest

import dygrad as torch
from dygrad.autograd import gradcheck
from dygrad.distributions import (Bernoulli, Beta, Categorical, Gamma, Independent,
                                  MultivariateNormal, Normal, Uniform, kl_divergence)
from dygrad.distributions._gamma_grad import standard_gamma_grad


def _t(*vals):
    return torch.tensor(vals, dtype=torch.float64, requires_grad=True)


def _spd():
    m = torch.tensor([[1.0, 0.3, 0.0], [0.2, 1.5, 0.4], [0.1, 0.0, 0.8]], dtype=torch.float64)
    return (m @ m.mT + 0.5 * torch.eye(3, dtype=torch.float64)).requires_grad_()


def _sym(a):
    return (a + a.mT) / 2


V = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64)
U01 = torch.tensor([0.2, 0.5, 0.9], dtype=torch.float64)

CHECKS = {
    "normal": (lambda m, s: Normal(m, s).log_prob(V) + Normal(m, s).entropy(), (_t(0., 1., -1.), _t(1., 0.5, 2.))),
    "bernoulli": (lambda p: Bernoulli(p).log_prob(torch.tensor([1., 0., 1.], dtype=torch.float64))
                  + Bernoulli(p).entropy(), (_t(0.2, 0.5, 0.9),)),
    "bernoulli_logits": (lambda l: Bernoulli(logits=l).log_prob(torch.tensor([1., 0., 1.], dtype=torch.float64))
                         + Bernoulli(logits=l).entropy(), (_t(0.0, -2.0, 3.0),)),
    "categorical": (lambda l: Categorical(logits=l).log_prob(torch.tensor([0, 2])) + Categorical(logits=l).entropy(),
                    (torch.tensor([[0.1, 0.5, -1.0], [2.0, 0.0, 0.3]], dtype=torch.float64, requires_grad=True),)),
    "categorical_probs": (lambda p: Categorical(p).log_prob(torch.tensor([1, 0])) + Categorical(p).entropy(),
                          (torch.tensor([[0.2, 0.5, 0.3], [1.0, 2.0, 3.0]], dtype=torch.float64, requires_grad=True),)),
    "beta": (lambda a, b: Beta(a, b).log_prob(U01) + Beta(a, b).entropy(), (_t(0.5, 2., 3.), _t(1.5, 0.7, 4.))),
    "gamma": (lambda a, r: Gamma(a, r).log_prob(U01 * 3) + Gamma(a, r).entropy(), (_t(0.5, 2., 3.), _t(1.5, 0.7, 4.))),
    "uniform": (lambda lo, hi: Uniform(lo, hi).log_prob(U01) + Uniform(lo, hi).entropy() + Uniform(lo, hi).cdf(U01),
                (_t(0.0, -1.0, 0.1), _t(1.0, 2.0, 1.5))),
    "mvn_cov": (lambda m, c: MultivariateNormal(m, _sym(c)).log_prob(torch.stack([V, U01])), (_t(0.1, 0.2, -0.3), _spd())),
    "mvn_precision": (lambda m, c: MultivariateNormal(m, precision_matrix=_sym(c)).log_prob(V)
                      + MultivariateNormal(m, precision_matrix=_sym(c)).entropy(), (_t(0.1, 0.2, -0.3), _spd())),
    "mvn_tril": (lambda m, L: MultivariateNormal(m, scale_tril=torch.tril(L)).log_prob(V),
                 (_t(0.1, 0.2, -0.3), torch.linalg.inv(_spd()).detach().requires_grad_())),
    "independent": (lambda m, s: Independent(Normal(m, s), 1).log_prob(V), (_t(0., 1., -1.), _t(1., 0.5, 2.))),
    "kl_normal": (lambda a, b: kl_divergence(Normal(a, b), Normal(b, a + 2)), (_t(0., 1., -1.), _t(1., 0.5, 2.))),
    "kl_mvn": (lambda m, c: kl_divergence(MultivariateNormal(m, _sym(c)), MultivariateNormal(m * 2, _sym(c) + torch.eye(3, dtype=torch.float64))),
               (_t(0.1, 0.2, -0.3), _spd())),
    "kl_beta_gamma": (lambda a, b: kl_divergence(Beta(a, b), Beta(b, a)) + kl_divergence(Gamma(a, b), Gamma(b, a)),
                      (_t(0.5, 2., 3.), _t(1.5, 0.7, 4.))),
    "kl_categorical": (lambda p, q: kl_divergence(Categorical(logits=p), Categorical(logits=q)),
                       (_t(0.1, 0.5, -1.0), _t(2.0, 0.0, 0.3))),
    "kl_bernoulli": (lambda p, q: kl_divergence(Bernoulli(p), Bernoulli(q)), (_t(0.2, 0.5, 0.7), _t(0.6, 0.1, 0.7))),
    "kl_uniform_normal": (lambda lo, m: kl_divergence(Uniform(lo, lo + 1), Normal(m, 2.0)), (_t(0.2, 0.5), _t(0.0, 1.0))),
}


@pytest.mark.parametrize("name", list(CHECKS))
def test_gradcheck(name):
    fn, args = CHECKS[name]
    assert gradcheck(fn, args)


def _seeded(fn):
    def run(*args):
        torch.manual_seed(0)
        return fn(*args)
    return run


@pytest.mark.parametrize("name", ["normal", "uniform", "mvn_cov", "mvn_tril"])
def test_rsample_gradcheck(name):
    # the same noise each call (seeded): rsample is then a smooth function of the parameters
    fn, args = {
        "normal": (lambda m, s: Normal(m, s).rsample((4,)), (_t(0., 1.), _t(1., 0.5))),
        "uniform": (lambda lo, hi: Uniform(lo, hi).rsample((4,)), (_t(0., 1.), _t(1., 2.5))),
        "mvn_cov": (lambda m, c: MultivariateNormal(m, _sym(c)).rsample((2,)), (_t(0.1, 0.2, -0.3), _spd())),
        "mvn_tril": (lambda m, L: MultivariateNormal(m, scale_tril=torch.tril(L)).rsample((2,)),
                     (_t(0.1, 0.2, -0.3), torch.linalg.inv(_spd()).detach().requires_grad_())),
    }[name]
    assert gradcheck(_seeded(fn), args)


def _p_lower(a, x):
    """Regularised lower incomplete gamma P(a, x) by its series (NumPy, float64)."""
    from dygrad.ops._special_fns import lgamma
    term = np.full_like(x, 1.0 / a)
    s = term.copy()
    for n in range(1, 4000):
        term = term * x / (a + n)
        s += term
    return s * np.exp(-x + a * np.log(x) - lgamma(np.asarray(a, dtype=np.float64)))


@pytest.mark.parametrize("a", [0.05, 0.7, 1.0, 2.0, 6.5, 40.0])
def test_gamma_implicit_gradient(a):
    # holding the quantile u = P(a, x) fixed: dP/da + p(x) dx/da = 0; check dx/da against the
    # finite difference of P along (a, x + dx/da * da)
    rng = np.random.default_rng(0)
    x = np.maximum(rng.standard_gamma(a, 200), 1e-12)
    x = x[(x > 1e-8) & (x < 80)]
    g = standard_gamma_grad(np.full_like(x, a), x)
    h = 1e-5 * a
    drift = _p_lower(a + h, x + g * h) - _p_lower(a - h, x - g * h)
    assert np.abs(drift).max() < 1e-11, np.abs(drift).max()  # a 0.1% error in dx/da gives ~1e-8


def test_gamma_implicit_gradient_scipy():
    sc = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(1)
    for a in (0.01, 0.3, 1.0, 2.5, 30.0, 1000.0):
        x = np.maximum(rng.standard_gamma(a, 300), 1e-300)
        u = sc.gammainc(a, x)
        ok = (u > 1e-12) & (u < 1 - 1e-12)
        h = 1e-6 * a
        fd = (sc.gammaincinv(a + h, u) - sc.gammaincinv(a - h, u)) / (2 * h)
        g = standard_gamma_grad(np.full_like(x, a), x)
        assert np.max(np.abs(g - fd)[ok] / np.abs(fd[ok])) < 1e-6


def test_gamma_implicit_gradient_torch():
    t = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for a in (0.1, 1.0, 3.0, 50.0):
        x = rng.standard_gamma(a, 500)
        g = standard_gamma_grad(np.full_like(x, a), x)
        tg = t._standard_gamma_grad(t.tensor(np.full_like(x, a)), t.tensor(x)).numpy()
        # PyTorch approximates this gradient (relative error up to ~1e-3); dygrad's is exact
        assert np.median(np.abs(g - tg) / np.abs(tg)) < 1e-4
        assert np.max(np.abs(g - tg) / np.abs(tg)) < 2e-2


@pytest.mark.parametrize("a,b", [(0.05, 0.05), (0.5, 2.0), (2.0, 0.5), (1.0, 1.0), (3.0, 7.0), (30.0, 4.0)])
def test_beta_implicit_gradient(a, b):
    # I(x; a, b) stays at the sample's quantile along (a + h, x + dx/da h) and (b + h, x + dx/db h);
    # I itself from the same continued fraction, its derivatives checked by finite differences
    from dygrad.distributions._beta_grad import _cf, beta_sample_grad
    rng = np.random.default_rng(0)
    x = np.clip(rng.beta(a, b, 200), 1e-6, 1 - 1e-6)

    def inc(a_, b_, x_):
        lo = x_ < (a_ + 1) / (a_ + b_ + 2)
        out = np.empty_like(x_)
        out[lo] = _cf(np.full(lo.sum(), a_), np.full(lo.sum(), b_), x_[lo])[0]
        out[~lo] = 1 - _cf(np.full((~lo).sum(), b_), np.full((~lo).sum(), a_), 1 - x_[~lo])[0]
        return out

    ga, gb = beta_sample_grad(x, a, b)
    h = 1e-6 * min(a, b)
    assert np.abs(inc(a + h, b, x + ga * h) - inc(a - h, b, x - ga * h)).max() < 1e-11
    assert np.abs(inc(a, b + h, x + gb * h) - inc(a, b - h, x - gb * h)).max() < 1e-11


def test_beta_implicit_gradient_scipy():
    sc = pytest.importorskip("scipy.special")
    from dygrad.distributions._beta_grad import beta_sample_grad
    rng = np.random.default_rng(1)
    for a, b in ((0.5, 2.0), (1.0, 1.0), (3.0, 7.0), (200.0, 300.0)):
        x = rng.beta(a, b, 300)
        u = sc.betainc(a, b, x)
        ok = (u > 1e-10) & (u < 1 - 1e-10) & (x < 1 - 1e-9)
        ha, hb = 1e-6 * a, 1e-6 * b
        fa = (sc.betaincinv(a + ha, b, u) - sc.betaincinv(a - ha, b, u)) / (2 * ha)
        fb = (sc.betaincinv(a, b + hb, u) - sc.betaincinv(a, b - hb, u)) / (2 * hb)
        ga, gb = beta_sample_grad(x, a, b)
        assert np.max(np.abs(ga - fa)[ok] / np.abs(fa[ok])) < 1e-5
        assert np.max(np.abs(gb - fb)[ok] / np.abs(fb[ok])) < 1e-5


def test_beta_rsample_gradient_torch():
    # PyTorch's Beta.rsample gradient is the implicit one too: per sample, the same values
    t = pytest.importorskip("torch")
    from dygrad.distributions._beta_grad import beta_sample_grad
    t.manual_seed(0)
    a = t.tensor([2.0, 0.3, 5.0], dtype=t.float64, requires_grad=True)
    b = t.tensor([3.0, 0.5, 1.0], dtype=t.float64, requires_grad=True)
    x = t.distributions.Beta(a, b).rsample((50,))
    w = t.rand(50, 3, dtype=t.float64)  # positive: no cancellation to magnify approximation error
    ta, tb = t.autograd.grad((x * w).sum(), (a, b))
    ga, gb = beta_sample_grad(x.detach().numpy(), a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose((ga * w.numpy()).sum(0), ta.numpy(), rtol=2e-3)
    np.testing.assert_allclose((gb * w.numpy()).sum(0), tb.numpy(), rtol=2e-3)


def test_gamma_cdf_gradcheck():
    # including the concentration, which PyTorch's igamma cannot differentiate
    a, r = _t(0.4, 2.0, 7.0), _t(1.5, 0.7, 2.0)
    v = torch.tensor([0.2, 3.0, 2.5], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a, r, v: Gamma(a, r).cdf(v), (a, r, v))


def test_gamma_cdf_values_scipy():
    sc = pytest.importorskip("scipy.special")
    a = np.array([0.01, 0.5, 1.0, 2.0, 5.0, 30.0, 1000.0])
    x = np.array([0.001, 0.3, 1.0, 5.0, 2.0, 35.0, 990.0])
    got = Gamma(torch.from_numpy(a), 1.0).cdf(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, sc.gammainc(a, x), rtol=1e-12)
