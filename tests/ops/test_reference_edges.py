"""Edge cases of reductions, scans and sorting without the PyTorch oracle: empty inputs, NaN and
infinities, ties and integer/bool dtypes, against PyTorch's documented results written out as data
(a silent NaN where PyTorch raises, or a raise where it returns, is the bug these catch). These run
whether or not torch is installed."""
import math

import numpy as np
import pytest

import dygrad

nan, inf = math.nan, math.inf


def t(*v):
    return dygrad.tensor(list(v)) if v else dygrad.zeros(0)


# label -> (thunk, expected value, expected dtype name or None)
VALUES = {
    "sum of empty is 0": (lambda: t().sum(), 0.0, "float32"),
    "prod of empty is 1": (lambda: t().prod(), 1.0, "float32"),
    "mean of empty is nan, silently": (lambda: t().mean(), nan, "float32"),
    "norm of empty is 0": (lambda: t().norm(), 0.0, "float32"),
    "all of empty is True": (lambda: t().all(), True, "bool"),
    "any of empty is False": (lambda: t().any(), False, "bool"),
    "sum over an empty dim": (lambda: dygrad.zeros(3, 0).sum(1), [0.0] * 3, "float32"),
    "logsumexp over an empty dim is -inf": (lambda: dygrad.zeros(3, 0).logsumexp(1), [-inf] * 3, "float32"),
    "amax keeps an empty batch": (lambda: dygrad.zeros(0, 3).amax(1), [], "float32"),
    "max propagates nan": (lambda: t(1., nan, 3.).max(), nan, None),
    "min propagates nan": (lambda: t(1., nan, 3.).min(), nan, None),
    "amax propagates nan": (lambda: t(1., nan, 3.).amax(), nan, None),
    "argmax points at the nan": (lambda: t(1., nan, 3.).argmax(), 1, "int64"),
    "argmin points at the nan": (lambda: t(1., nan, 3.).argmin(), 1, "int64"),
    "argmax of two nans: the first": (lambda: t(2., nan, nan).argmax(), 1, None),
    "argmax of a tie: the first": (lambda: t(1., 3., 3.).argmax(), 1, None),
    "cummax carries nan forward": (lambda: t(1., nan, 3.).cummax(0).values, [1., nan, nan], None),
    "cummax index stays on the nan": (lambda: t(1., nan, 3.).cummax(0).indices, [0, 1, 1], "int64"),
    "sum of inf and -inf is nan": (lambda: t(inf, -inf).sum(), nan, None),
    "nansum skips nan": (lambda: t(1., nan, 3.).nansum(), 4.0, None),
    "nanmean skips nan": (lambda: t(1., nan, 3.).nanmean(), 2.0, None),
    "logsumexp of -inf is -inf": (lambda: t(-inf, -inf).logsumexp(0), -inf, None),
    "logsumexp of +inf is inf": (lambda: t(inf, 1.).logsumexp(0), inf, None),
    "softmax of all -inf is nan": (lambda: t(-inf, -inf).softmax(0), [nan, nan], None),
    "median of a nan is nan": (lambda: t(1., nan).median(), nan, None),
    "sort puts nan last": (lambda: t(3., nan, 1.).sort().values, [1., 3., nan], None),
    "sort indices with nan": (lambda: t(3., nan, 1.).sort().indices, [2, 0, 1], "int64"),
    "topk ranks nan highest": (lambda: t(1., nan, 3.).topk(1).indices, [1], None),
    "cumsum of bool counts in int64": (lambda: dygrad.tensor([True, True, False]).cumsum(0), [1, 2, 2], "int64"),
    "sum of int8 is int64": (lambda: dygrad.tensor([100, 100], dtype=dygrad.int8).sum(), 200, "int64"),
    "prod of uint8 is int64": (lambda: dygrad.tensor([16, 16], dtype=dygrad.uint8).prod(), 256, "int64"),
    "mean of float64 stays float64": (lambda: dygrad.tensor([1., 2.], dtype=dygrad.float64).mean(), 1.5, "float64"),
}


@pytest.mark.parametrize("label", sorted(VALUES))
def test_edge_values(label):
    fn, want, dtype = VALUES[label]
    out = fn()
    np.testing.assert_array_equal(out.numpy(), np.array(want))  # nan equals nan here
    if dtype is not None:
        assert out.dtype == getattr(dygrad, dtype)


RAISES = {
    "max of empty without a dim": (lambda: t().max(), RuntimeError, "Expected reduction dim to be specified"),
    "amax over an empty dim": (lambda: dygrad.zeros(0, 3).amax(0), IndexError,
                               "Expected reduction dim 0 to have non-zero size"),
    "mean of integers": (lambda: dygrad.tensor([1, 2]).mean(), RuntimeError, "floating point or complex"),
}


@pytest.mark.parametrize("label", sorted(RAISES))
def test_edge_raises(label):
    fn, exc, match = RAISES[label]
    with pytest.raises(exc, match=match):
        fn()


@pytest.mark.parametrize("fn", [lambda: dygrad.tensor([[1., 2.]]).std(0), lambda: t().std()],
                         ids=["std of one sample", "std of empty"])
def test_no_degrees_of_freedom_warn_and_give_nan(fn):
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = fn()
    assert np.isnan(out.numpy()).all()
