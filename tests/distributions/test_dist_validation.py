"""Argument and sample validation: PyTorch's ValueError messages, validate_args switches."""
import pytest

import dygrad as torch
from dygrad.distributions import (Bernoulli, Beta, Categorical, Distribution, Gamma, Independent,
                                  MultivariateNormal, Normal, Uniform, constraints)


def _raises(fn, text):
    with pytest.raises(ValueError) as e:
        fn()
    assert str(e.value) == text, str(e.value)


def test_parameter_messages():
    _raises(lambda: Normal(torch.tensor([0., 1.]), torch.tensor([1., -1.])),
            "Expected parameter scale (Tensor of shape (2,)) of distribution Normal(loc: "
            "torch.Size([2]), scale: torch.Size([2])) to satisfy the constraint "
            "GreaterThan(lower_bound=0.0), but found invalid values:\ntensor([ 1., -1.])")
    _raises(lambda: Uniform(1., 0.),
            "Expected parameter low (Tensor of shape ()) of distribution Uniform(low: 1.0, high: "
            "0.0) to satisfy the constraint LessThan(upper_bound=0.0), but found invalid "
            "values:\n1.0")
    _raises(lambda: MultivariateNormal(torch.zeros(2), torch.tensor([[1., 2.], [2., 1.]])),
            "Expected parameter covariance_matrix (Tensor of shape (2, 2)) of distribution "
            "MultivariateNormal(loc: torch.Size([2]), covariance_matrix: torch.Size([2, 2])) to "
            "satisfy the constraint PositiveDefinite(), but found invalid values:\n"
            "tensor([[1., 2.],\n        [2., 1.]])")
    for bad in (lambda: Bernoulli(torch.tensor([1.5])), lambda: Categorical(torch.tensor([-1., 2.])),
                lambda: Beta(torch.tensor([0.]), 1.), lambda: Gamma(1., torch.tensor([-2.])),
                lambda: Normal(torch.tensor([float("nan")]), 1.),
                lambda: MultivariateNormal(torch.zeros(2), scale_tril=torch.tensor([[1., 1.], [0., 1.]]))):
        with pytest.raises(ValueError, match="to satisfy the constraint"):
            bad()


def test_constructor_messages():
    _raises(lambda: Categorical(), "Either `probs` or `logits` must be specified, but not both.")
    _raises(lambda: Bernoulli(probs=0.3, logits=0.1),
            "Either `probs` or `logits` must be specified, but not both.")
    _raises(lambda: Categorical(torch.tensor(0.3)), "`probs` parameter must be at least one-dimensional.")
    _raises(lambda: MultivariateNormal(torch.zeros(2)),
            "Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
    _raises(lambda: MultivariateNormal(torch.tensor(0.), torch.eye(1)), "loc must be at least one-dimensional.")
    _raises(lambda: Independent(Normal(torch.zeros(2), 1.), 2),
            "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), actual 2 vs 1")


def test_sample_messages():
    n = Normal(torch.tensor([0., 1.]), torch.tensor([1., 1.]))
    _raises(lambda: n.log_prob([1., 2.]), "The value argument to log_prob must be a Tensor")
    _raises(lambda: n.log_prob(torch.tensor([[1., 2., 3.]])),
            "Value is not broadcastable with batch_shape+event_shape: torch.Size([1, 3]) vs torch.Size([2]).")
    m = MultivariateNormal(torch.zeros(2), torch.eye(2))
    _raises(lambda: m.log_prob(torch.zeros(3)),
            "The right-most size of value must match event_shape: torch.Size([3]) vs torch.Size([2]).")
    _raises(lambda: Bernoulli(torch.tensor([0.3])).log_prob(torch.tensor([0.5])),
            "Expected value argument (Tensor of shape (1,)) to be within the support (Boolean()) "
            "of the distribution Bernoulli(probs: tensor([0.3000])), but found invalid values:\n"
            "tensor([0.5000])")
    _raises(lambda: Categorical(torch.tensor([0.3, 0.7])).log_prob(torch.tensor([2])),
            "Expected value argument (Tensor of shape (1,)) to be within the support "
            "(IntegerInterval(lower_bound=0, upper_bound=1)) of the distribution "
            "Categorical(probs: torch.Size([2])), but found invalid values:\ntensor([2])")
    with pytest.raises(ValueError, match="within the support"):
        Beta(2., 2.).log_prob(torch.tensor(1.5))
    with pytest.raises(ValueError, match="within the support"):
        Gamma(2., 2.).log_prob(torch.tensor(-1.))
    with pytest.raises(ValueError, match="within the support"):
        Uniform(0., 1.).log_prob(torch.tensor(2.))


def test_validate_args_off():
    d = Normal(torch.tensor([0.]), torch.tensor([-1.]), validate_args=False)
    assert d.scale.item() == -1.0
    assert torch.isnan(Uniform(0., 1., validate_args=False).log_prob(torch.tensor(2.))).item() is False
    assert Bernoulli(torch.tensor([0.3]), validate_args=False).log_prob(torch.tensor([0.5])).shape == (1,)


def test_set_default_validate_args():
    try:
        Distribution.set_default_validate_args(False)
        Normal(0., -1.)  # not checked
        Distribution.set_default_validate_args(True)
        with pytest.raises(ValueError):
            Normal(0., -1.)
        with pytest.raises(ValueError):
            Distribution.set_default_validate_args("yes")
    finally:
        Distribution.set_default_validate_args(True)


def test_reprs():
    assert repr(Normal(0., 1.)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Normal(torch.tensor([0.]), 1.)) == "Normal(loc: tensor([0.]), scale: tensor([1.]))"
    assert repr(Categorical(logits=torch.zeros(4, 3))) == "Categorical(logits: torch.Size([4, 3]))"
    assert repr(Beta(1., 2.)) == "Beta()"
    assert repr(Independent(Normal(torch.zeros(2, 3), 1.), 1)) == \
        "Independent(Normal(loc: torch.Size([2, 3]), scale: torch.Size([2, 3])), 1)"
    assert repr(MultivariateNormal(torch.zeros(2), torch.eye(2))) == \
        "MultivariateNormal(loc: torch.Size([2]), covariance_matrix: torch.Size([2, 2]))"


def test_constraints():
    assert repr(constraints.real_vector) == "IndependentConstraint(Real(), 1)"
    assert constraints.simplex.event_dim == 1 and constraints.positive_definite.event_dim == 2
    assert constraints.boolean.is_discrete and not constraints.real.is_discrete
    assert constraints.positive.check(torch.tensor([1.0, -1.0])).tolist() == [True, False]
    assert constraints.simplex.check(torch.tensor([[0.5, 0.5], [0.5, 0.6]])).tolist() == [True, False]
    assert constraints.is_dependent(Categorical.support)
    assert repr(Uniform(0., 2.).support) == "Interval(lower_bound=0.0, upper_bound=2.0)"
    assert repr(Categorical(torch.ones(3)).support) == "IntegerInterval(lower_bound=0, upper_bound=2)"
    assert Normal.arg_constraints == {"loc": constraints.real, "scale": constraints.positive}


def test_not_positive_definite_without_validation():
    # validate_args=False: the factorisation fails with PyTorch's LinAlgError (a RuntimeError)
    with pytest.raises(RuntimeError) as e:
        MultivariateNormal(torch.zeros(2), torch.tensor([[1., 2.], [2., 1.]]), validate_args=False)
    assert isinstance(e.value, torch.linalg.LinAlgError)
    assert str(e.value) == ("linalg.cholesky: The factorization could not be completed because the input "
                            "is not positive-definite (the leading minor of order 2 is not positive-definite).")
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): .* leading minor of order 2 "):
        MultivariateNormal(torch.zeros(2), torch.stack([torch.eye(2), torch.tensor([[1., 2.], [2., 1.]])]),
                           validate_args=False)
