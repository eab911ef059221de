"""torch.distributions parity: values, dtypes, shapes, requires_grad and gradients of log_prob,
entropy, moments and kl_divergence against PyTorch on the same inputs (dygrad.testing.parity)."""
import numpy as np
import pytest

from dygrad.testing.parity import A, case, params, run_case

torch = pytest.importorskip("torch")


def _pd(n, *batch, seed=0):
    r = np.random.default_rng(seed)
    m = r.standard_normal(batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _tril(n, *batch, seed=0):
    return np.linalg.cholesky(_pd(n, *batch, seed=seed))


def _props(d, *names):
    return tuple(getattr(d, n) for n in names)


POS = dict(lo=0.3, hi=3.0)
V01 = np.array([[0., 1., 1.], [1., 0., 0.]], np.float32)
IDX = np.array([[0, 2, 1, 2], [1, 1, 0, 0]])
ZP = np.array([[0.2, 0.0, 0.8], [0.5, 0.5, 0.0]], np.float32)

CASES = [
    # Normal
    case("normal_log_prob", lambda T, m, s, v: T.distributions.Normal(m, s).log_prob(v),
         A("f32", 3), A("f32", 3, **POS), A("f32", 4, 3)),
    case("normal_log_prob_f64", lambda T, m, s, v: T.distributions.Normal(m, s).log_prob(v),
         A("f64", 2, 1), A("f64", 3, **POS), A("f64", 2, 3)),
    case("normal_moments", lambda T, m, s: _props(T.distributions.Normal(m, s), "mean", "mode",
                                                  "variance", "stddev", "batch_shape", "event_shape"),
         A("f32", 2, 3), A("f32", 3, **POS)),
    case("normal_entropy_cdf_icdf", lambda T, m, s, v, u: (
        T.distributions.Normal(m, s).entropy(), T.distributions.Normal(m, s).cdf(v),
        T.distributions.Normal(m, s).icdf(u)), A("f32", 3), A("f32", 3, **POS), A("f32", 3), A("f32", 3, lo=0.05, hi=0.95)),
    case("normal_scalars", lambda T, v: T.distributions.Normal(0.5, 2.0).log_prob(v), A("f32", 5)),
    case("normal_expand", lambda T, m, s, v: T.distributions.Normal(m, s).expand((4, 3)).log_prob(v),
         A("f32", 3), A("f32", 3, **POS), A("f32", 4, 3)),
    case("normal_perplexity", lambda T, m, s: T.distributions.Normal(m, s).perplexity(),
         A("f32", 3), A("f32", 3, **POS)),
    # Bernoulli
    case("bernoulli_probs", lambda T, p, v: _props(T.distributions.Bernoulli(probs=p), "mean", "variance",
                                                   "logits") + (T.distributions.Bernoulli(probs=p).log_prob(v),
                                                                T.distributions.Bernoulli(probs=p).entropy()),
         A("f32", 2, 3, lo=0.05, hi=0.95), V01),
    case("bernoulli_logits", lambda T, l, v: _props(T.distributions.Bernoulli(logits=l), "mean", "variance",
                                                    "probs") + (T.distributions.Bernoulli(logits=l).log_prob(v),
                                                                T.distributions.Bernoulli(logits=l).entropy()),
         np.array([[0., 2., -3.], [1., -1., 0.5]], np.float32), V01),
    case("bernoulli_mode", lambda T, p: T.distributions.Bernoulli(probs=p).mode,
         np.array([0.2, 0.5, 0.7], np.float32)),
    case("bernoulli_edges", lambda T, p, v: T.distributions.Bernoulli(probs=p).log_prob(v),
         np.array([0., 1., 0., 1.], np.float32), np.array([0., 1., 1., 0.], np.float32), grad=(False, False)),
    case("bernoulli_enumerate", lambda T, p: T.distributions.Bernoulli(probs=p).enumerate_support(),
         A("f32", 3, lo=0.1, hi=0.9)),
    # Categorical
    case("categorical_probs", lambda T, p, v: (T.distributions.Categorical(probs=p).log_prob(v),
                                               T.distributions.Categorical(probs=p).entropy(),
                                               T.distributions.Categorical(probs=p).probs,
                                               T.distributions.Categorical(probs=p).logits),
         A("f32", 2, 3, lo=0.1, hi=2.0), IDX.T),
    case("categorical_logits", lambda T, l, v: (T.distributions.Categorical(logits=l).log_prob(v),
                                                T.distributions.Categorical(logits=l).entropy(),
                                                T.distributions.Categorical(logits=l).probs,
                                                T.distributions.Categorical(logits=l).logits),
         A("f32", 2, 3), IDX.T),
    case("categorical_zero_probs", lambda T, p: (T.distributions.Categorical(probs=p).entropy(),
                                                 T.distributions.Categorical(probs=p).logits), ZP),
    case("categorical_moments", lambda T, l: _props(T.distributions.Categorical(logits=l), "mean", "mode",
                                                    "variance", "batch_shape", "event_shape", "param_shape"),
         A("f32", 4, 5)),
    case("categorical_masked_logits", lambda T, l, v: (T.distributions.Categorical(logits=l).log_prob(v),
                                                       T.distributions.Categorical(logits=l).entropy(),
                                                       T.distributions.Categorical(logits=l).probs),
         np.array([[0., -np.inf, 1.], [2., 0.5, -np.inf]], np.float32), np.array([0, 1])),
    case("categorical_1d", lambda T, l, v: T.distributions.Categorical(logits=l).log_prob(v),
         A("f64", 5), np.array([4, 0, 2])),
    case("categorical_enumerate", lambda T, l: T.distributions.Categorical(logits=l).enumerate_support(),
         A("f32", 2, 3)),
    # MultivariateNormal
    case("mvn_cov", lambda T, m, c, v: (T.distributions.MultivariateNormal(m, covariance_matrix=c).log_prob(v),
                                        T.distributions.MultivariateNormal(m, covariance_matrix=c).entropy()),
         A("f64", 3), _pd(3), A("f64", 5, 3)),
    case("mvn_tril", lambda T, m, L, v: (T.distributions.MultivariateNormal(m, scale_tril=L).log_prob(v),
                                         T.distributions.MultivariateNormal(m, scale_tril=L).entropy()),
         A("f64", 3), _tril(3), A("f64", 5, 3)),
    case("mvn_precision", lambda T, m, P, v: (T.distributions.MultivariateNormal(m, precision_matrix=P).log_prob(v),
                                              T.distributions.MultivariateNormal(m, precision_matrix=P).entropy()),
         A("f64", 3), _pd(3), A("f64", 5, 3), tol=(1e-6, 1e-8)),
    case("mvn_batched", lambda T, m, c, v: T.distributions.MultivariateNormal(m, c).log_prob(v),
         A("f64", 2, 1, 3), _pd(3, 4), A("f64", 6, 2, 4, 3)),
    case("mvn_matrices", lambda T, m, L: _props(T.distributions.MultivariateNormal(m, scale_tril=L),
                                                "covariance_matrix", "precision_matrix", "scale_tril",
                                                "variance", "mean", "mode", "batch_shape", "event_shape"),
         A("f32", 2, 3), _tril(3).astype(np.float32), tol=(1e-5, 1e-5)),
    case("mvn_cov_props", lambda T, m, c: _props(T.distributions.MultivariateNormal(m, c),
                                                 "scale_tril", "precision_matrix", "variance"),
         A("f64", 3), _pd(3, 2)),
    case("mvn_expand", lambda T, m, c, v: T.distributions.MultivariateNormal(m, c).expand((4,)).log_prob(v),
         A("f64", 3), _pd(3), A("f64", 4, 3)),
    # Beta, Gamma
    case("beta", lambda T, a, b, v: (T.distributions.Beta(a, b).log_prob(v), T.distributions.Beta(a, b).entropy())
         + _props(T.distributions.Beta(a, b), "mean", "variance", "concentration1", "concentration0"),
         A("f32", 2, 3, **POS), A("f32", 3, **POS), A("f32", 2, 3, lo=0.05, hi=0.95)),
    case("beta_mode", lambda T, a, b: T.distributions.Beta(a, b).mode,
         np.array([0.5, 0.5, 2., 1., 1., 2., 3., 0.3], np.float32),
         np.array([0.5, 2., 0.5, 1., 2., 1., 2., 0.5], np.float32)),
    case("beta_scalars", lambda T, v: T.distributions.Beta(2.0, 3.0).log_prob(v), A("f32", 4, lo=0.1, hi=0.9)),
    case("gamma", lambda T, a, r, v: (T.distributions.Gamma(a, r).log_prob(v), T.distributions.Gamma(a, r).entropy())
         + _props(T.distributions.Gamma(a, r), "mean", "variance", "mode"),
         A("f32", 2, 3, lo=0.3, hi=4.0), A("f32", 3, **POS), A("f32", 2, 3, lo=0.1, hi=4.0)),
    case("gamma_f64_zero", lambda T, a, r, v: T.distributions.Gamma(a, r).log_prob(v),
         np.array([1.0, 2.0, 0.5]), np.array([1.5, 1.0, 2.0]), np.array([0.0, 0.0, 1.0]), grad=(True, True, False)),
    case("gamma_cdf", lambda T, a, r, v: T.distributions.Gamma(a, r).cdf(v),
         np.array([2., 0.5, 3., 1., 0.7, 40.], np.float32), A("f32", 6, **POS),
         np.array([1., 0., 4., 0., 0.3, 35.], np.float32), grad=(False, True, True)),
    case("gamma_cdf_f64", lambda T, a, r, v: T.distributions.Gamma(a, r).cdf(v),
         A("f64", 2, 3, lo=0.2, hi=8.), A("f64", 3, **POS), A("f64", 2, 3, lo=0.01, hi=10.), grad=(False, True, True)),
    # Uniform
    case("uniform", lambda T, lo, hi, v: (T.distributions.Uniform(lo, lo + hi).log_prob(v),
                                          T.distributions.Uniform(lo, lo + hi).entropy(),
                                          T.distributions.Uniform(lo, lo + hi).cdf(v))
         + _props(T.distributions.Uniform(lo, lo + hi), "mean", "variance", "stddev", "mode"),
         # fixed bounds: every value lies inside [low, high) whatever the shared generator's state
         np.array([-0.9, -0.7, -1.0, -0.6], np.float32), np.array([2.0, 2.5, 2.2, 3.0], np.float32),
         np.array([-0.5, 0.2, 0.9, 0.1], np.float32), grad=(True, True, False)),
    case("uniform_icdf", lambda T, lo, hi, u: T.distributions.Uniform(lo, lo + hi).icdf(u),
         A("f32", 4), A("f32", 4, **POS), A("f32", 4, lo=0., hi=1.)),
    # Independent
    case("independent", lambda T, m, s, v: (T.distributions.Independent(T.distributions.Normal(m, s), 1).log_prob(v),
                                            T.distributions.Independent(T.distributions.Normal(m, s), 1).entropy())
         + _props(T.distributions.Independent(T.distributions.Normal(m, s), 1), "mean", "variance",
                  "batch_shape", "event_shape", "has_rsample"),
         A("f32", 2, 3), A("f32", 2, 3, **POS), A("f32", 5, 2, 3)),
    case("independent_2", lambda T, m, s, v: T.distributions.Independent(T.distributions.Normal(m, s), 2).log_prob(v),
         A("f32", 2, 3), A("f32", 2, 3, **POS), A("f32", 5, 2, 3)),
    case("independent_bernoulli", lambda T, p, v: T.distributions.Independent(T.distributions.Bernoulli(p), 1).log_prob(v),
         A("f32", 2, 3, lo=0.1, hi=0.9), V01),
]


def _kl(T, p, q):
    return T.distributions.kl_divergence(p, q)


def _D(T):
    return T.distributions


KL_CASES = [
    case("kl_normal", lambda T, a, b, c, d: _kl(T, _D(T).Normal(a, b), _D(T).Normal(c, d)),
         A("f32", 3), A("f32", 3, **POS), A("f32", 2, 1), A("f32", 3, **POS)),
    case("kl_bernoulli", lambda T, p, q: _kl(T, _D(T).Bernoulli(p), _D(T).Bernoulli(q)),
         A("f32", 4, lo=0.05, hi=0.95), A("f32", 4, lo=0.05, hi=0.95)),
    case("kl_bernoulli_edges", lambda T, p, q: _kl(T, _D(T).Bernoulli(p), _D(T).Bernoulli(q)),
         np.array([0., 1., 0.5, 0., 0., 1.], np.float32), np.array([0., 1., 0., 1., 0.5, 0.5], np.float32),
         grad=False),
    case("kl_bernoulli_logits", lambda T, p, q: _kl(T, _D(T).Bernoulli(logits=p), _D(T).Bernoulli(logits=q)),
         A("f64", 4), A("f64", 4)),
    case("kl_categorical", lambda T, p, q: _kl(T, _D(T).Categorical(p), _D(T).Categorical(logits=q)),
         A("f32", 2, 4, lo=0.1, hi=1.), A("f32", 4)),
    case("kl_categorical_zeros", lambda T, p, q: _kl(T, _D(T).Categorical(p), _D(T).Categorical(q)),
         np.array([[0.5, 0.5, 0.], [0.2, 0.0, 0.8]], np.float32), np.array([[0.2, 0.8, 0.], [0.5, 0.5, 0.]], np.float32),
         grad=False),
    case("kl_mvn", lambda T, m1, c1, m2, L2: _kl(T, _D(T).MultivariateNormal(m1, c1), _D(T).MultivariateNormal(m2, scale_tril=L2)),
         A("f64", 2, 3), _pd(3, seed=1), A("f64", 3), _tril(3, 2, seed=2)),
    case("kl_beta", lambda T, a, b, c, d: _kl(T, _D(T).Beta(a, b), _D(T).Beta(c, d)),
         A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS)),
    case("kl_gamma", lambda T, a, b, c, d: _kl(T, _D(T).Gamma(a, b), _D(T).Gamma(c, d)),
         A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS)),
    case("kl_uniform", lambda T, a, b, c, d: _kl(T, _D(T).Uniform(a, a + b), _D(T).Uniform(c, c + d)),
         np.array([0., 0., 0.], np.float32), np.array([1., 1., 1.], np.float32),
         np.array([-1., 0.5, -0.5], np.float32), np.array([3., 1., 1.], np.float32)),
    case("kl_independent", lambda T, a, b, c, d: _kl(T, _D(T).Independent(_D(T).Normal(a, b), 1),
                                                     _D(T).Independent(_D(T).Normal(c, d), 1)),
         A("f32", 2, 3), A("f32", 2, 3, **POS), A("f32", 2, 3), A("f32", 2, 3, **POS)),
    case("kl_beta_gamma", lambda T, a, b, c, d: _kl(T, _D(T).Beta(a, b), _D(T).Gamma(c, d)),
         A("f64", 3, **POS), A("f64", 3, **POS), A("f64", 3, **POS), A("f64", 3, **POS)),
    case("kl_beta_normal", lambda T, a, b, c, d: _kl(T, _D(T).Beta(a, b), _D(T).Normal(c, d)),
         A("f64", 3, **POS), A("f64", 3, **POS), A("f64", 3), A("f64", 3, **POS)),
    case("kl_beta_uniform", lambda T, a, b, c, d: _kl(T, _D(T).Beta(a, b), _D(T).Uniform(c, d)),
         A("f64", 3, **POS), A("f64", 3, **POS), np.array([-1., 0., 0.5]), np.array([2., 1., 1.])),
    case("kl_gamma_normal", lambda T, a, b, c, d: _kl(T, _D(T).Gamma(a, b), _D(T).Normal(c, d)),
         A("f64", 3, **POS), A("f64", 3, **POS), A("f64", 3), A("f64", 3, **POS)),
    case("kl_uniform_normal", lambda T, a, b, c, d: _kl(T, _D(T).Uniform(a, a + b), _D(T).Normal(c, d)),
         A("f64", 3), A("f64", 3, **POS), A("f64", 3), A("f64", 3, **POS)),
    case("kl_uniform_gamma", lambda T, a, b, c, d: _kl(T, _D(T).Uniform(a, a + b), _D(T).Gamma(c, d)),
         np.array([0.0, 0.5, -0.5]), A("f64", 3, **POS), A("f64", 3, **POS), A("f64", 3, **POS)),
    case("kl_uniform_beta", lambda T, a, b, c, d: _kl(T, _D(T).Uniform(a, b), _D(T).Beta(c, d)),
         np.array([0.0, 0.2, -0.5, 0.1]), np.array([1.0, 0.7, 0.5, 1.5]), A("f64", 4, **POS), A("f64", 4, **POS)),
    case("kl_gamma_uniform", lambda T, a, b, c, d: _kl(T, _D(T).Gamma(a, b), _D(T).Uniform(c, c + d)),
         A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3), A("f32", 3, **POS)),
    case("kl_gamma_beta", lambda T, a, b, c, d: _kl(T, _D(T).Gamma(a, b), _D(T).Beta(c, d)),
         A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS)),
    case("kl_normal_uniform", lambda T, a, b, c, d: _kl(T, _D(T).Normal(a, b), _D(T).Uniform(c, c + d)),
         A("f32", 3), A("f32", 3, **POS), A("f32", 3), A("f32", 3, **POS)),
    case("kl_normal_gamma", lambda T, a, b, c, d: _kl(T, _D(T).Normal(a, b), _D(T).Gamma(c, d)),
         A("f32", 3), A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS)),
    case("kl_normal_beta", lambda T, a, b, c, d: _kl(T, _D(T).Normal(a, b), _D(T).Beta(c, d)),
         A("f32", 3), A("f32", 3, **POS), A("f32", 3, **POS), A("f32", 3, **POS)),
]


@pytest.mark.parametrize("c", params(CASES + KL_CASES))
def test_distribution_parity(c):
    run_case(c, torch)
