"""Reductions: parity with PyTorch (values, dtypes, shapes, gradients), float64 gradchecks,
ties, zeros, dtype rules and errors."""
import math
import pickle

import numpy as np
import pytest

import dygrad
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op

rng = np.random.default_rng(1234)


def R(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def ns(x):
    """The namespace (dygrad or torch) matching the tensor x."""
    if isinstance(x, dygrad.Tensor):
        return dygrad
    import torch
    return torch


# op name -> function; the same call runs on dygrad and torch tensors
OPS = {
    "sum": lambda t: t.sum(),
    "sum_dim": lambda t: t.sum(1),
    "sum_dims_keep": lambda t: t.sum((0, -1), keepdim=True),
    "sum_neg_keep": lambda t: t.sum(-1, keepdim=True),
    "nansum": lambda t: t.nansum(0),
    "mean": lambda t: t.mean(),
    "mean_dims": lambda t: t.mean((0, 2)),
    "mean_keep": lambda t: t.mean(1, keepdim=True),
    "nanmean": lambda t: t.nanmean(-1),
    "prod": lambda t: t.prod(),
    "prod_dim": lambda t: t.prod(1),
    "prod_keep": lambda t: t.prod(0, keepdim=True),
    "max": lambda t: t.max(),
    "max_dim": lambda t: t.max(1),
    "min_dim_keep": lambda t: t.min(-1, keepdim=True),
    "amax": lambda t: t.amax((0, 1)),
    "amin_keep": lambda t: t.amin(-1, keepdim=True),
    "aminmax": lambda t: ns(t).aminmax(t, dim=1),
    "var": lambda t: t.var(),
    "var_dim": lambda t: t.var(1, keepdim=True),
    "var_corr0": lambda t: t.var((0, 2), correction=0),
    "var_biased": lambda t: t.var(0, unbiased=False),
    "std": lambda t: t.std(),
    "std_dim": lambda t: t.std(-1, correction=2),
    "var_mean": lambda t: ns(t).var_mean(t, 1),
    "std_mean": lambda t: ns(t).std_mean(t, (0, 1), keepdim=True),
    "logsumexp": lambda t: t.logsumexp(1),
    "logsumexp_keep": lambda t: t.logsumexp((0, 2), keepdim=True),
    "norm": lambda t: t.norm(),
    "norm_dim": lambda t: t.norm(dim=1),
    "norm_p1": lambda t: t.norm(1, dim=(0, 2), keepdim=True),
    "norm_p3": lambda t: t.norm(3, dim=-1),
    "norm_inf": lambda t: t.norm(math.inf, dim=1),
    "norm_ninf": lambda t: t.norm(-math.inf),
    "norm_p0": lambda t: t.norm(0, dim=0),
    "norm_p05": lambda t: t.norm(0.5, dim=1),
    "cumsum": lambda t: t.cumsum(1),
    "cumprod": lambda t: t.cumprod(-1),
    "median": lambda t: t.median(),
    "median_dim": lambda t: t.median(1),
    "sort": lambda t: t.sort(1),
    "sort_desc": lambda t: t.sort(0, descending=True),
    "topk": lambda t: t.topk(2, dim=1),
    "topk_small": lambda t: t.topk(2, dim=-1, largest=False),
}

SHAPE = (3, 4, 5)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parity(name, dtype):
    x = R(*SHAPE, dtype=dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else {}
    check_op(OPS[name], None, x, grad_rtol=tol.get("rtol"), grad_atol=tol.get("atol"), **tol)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    gradcheck_op(OPS[name], R(2, 3, 4))


@pytest.mark.parametrize("name", ["sum_dim", "mean_dims", "logsumexp", "var_dim", "std", "prod_dim",
                                  "cumprod", "cumsum", "norm_dim", "max_dim", "sort", "amax",
                                  "var_mean", "norm_p3", "median_dim"])
def test_gradgradcheck(name):
    gradcheck_op(OPS[name], R(2, 3, 2), gradgradcheck=True)


@pytest.mark.parametrize("fn", [lambda t: t.sum(0), lambda t: t.mean(-1), lambda t: t.amax(0),
                                lambda t: t.max(0)[0], lambda t: t.cumsum(0), lambda t: t.prod(0),
                                lambda t: t.logsumexp(0), lambda t: t.norm(dim=0)])
def test_zero_dim_input(fn):
    check_op(fn, None, np.array(1.5))


@pytest.mark.parametrize("x", [np.array([[2., 0., 3.], [1., 4., 5.]]),
                               np.array([[0., 2., 0.], [0., 0., 0.]]),
                               np.array([[0., 2., 3.], [1., 0., 5.]])])
def test_prod_and_cumprod_with_zeros(x):
    for fn in (lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.prod(0, keepdim=True),
               lambda t: t.cumprod(1), lambda t: t.cumprod(0)):
        check_op(fn, None, x)
        gradcheck_op(fn, x, gradgradcheck=True)


def test_prod_zero_gradient_values():
    x = dygrad.tensor([2., 0., 3., 4.], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0., 24., 0., 0.]
    y = dygrad.tensor([0., 2., 0.], requires_grad=True)
    y.prod().backward()
    assert y.grad.tolist() == [0., 0., 0.]


def test_ties_full_max_min_amax_split_evenly():
    x = np.array([[1., 3., 3.], [3., 0., 0.]])
    for fn in (lambda t: t.max(), lambda t: t.min(), lambda t: t.amax(), lambda t: t.amin(1),
               lambda t: t.amax(0, keepdim=True), lambda t: ns(t).aminmax(t),
               lambda t: t.median(), lambda t: t.norm(math.inf, dim=1)):
        check_op(fn, None, x)
    t = dygrad.tensor(x, requires_grad=True)
    t.max().backward()
    assert_close(t.grad, np.array([[0., 1 / 3, 1 / 3], [1 / 3, 0., 0.]]))


def test_ties_max_with_dim_uses_first_index():
    x = np.array([[1., 3., 3.], [2., 2., 0.], [5., 5., 5.]])
    for fn in (lambda t: t.max(1), lambda t: t.min(1), lambda t: t.max(0, keepdim=True),
               lambda t: t.argmax(1), lambda t: t.argmin(0), lambda t: t.argmax()):
        check_op(fn, None, x)
    vals, idx = dygrad.tensor(x).max(1)
    assert idx.tolist() == [1, 0, 0]
    assert dygrad.tensor([[4, 1, 4]]).argmax().item() == 0


def test_sort_stable_ties_and_nan():
    x = np.array([[3., 1., 3., 1., 3., 2., 2., 3.], [np.nan, 1., 0., np.nan, 5., 5., -1., 0.]])
    for fn in (lambda t: t.sort(dim=1, stable=True), lambda t: t.sort(dim=1, descending=True, stable=True),
               lambda t: t.argsort(dim=1, stable=True), lambda t: t.argsort(dim=-1, descending=True, stable=True)):
        check_op(fn, None, x, requires_grad=False)
    gradcheck_op(lambda t: t.sort(0, descending=True)[0], R(4, 3))


def test_topk_ties_values_and_nan():
    x = np.array([3., 1., 3., 1., 3., 2., 2., 3.])
    for k in (0, 1, 3, 8):
        assert_close(dygrad.tensor(x).topk(k).values, np.sort(x)[::-1][:k].copy())
    check_op(lambda t: t.topk(2), None, np.array([3., np.nan, 1.]))
    check_op(lambda t: t.topk(3, largest=False)[0], None, x, requires_grad=False)


def test_median_lower_and_nan():
    check_op(lambda t: t.median(), None, np.array([4., 1., 3., 2.]))
    check_op(lambda t: t.median(0), None, np.array([4., 1., 3., 2., 9., 7.]))
    check_op(lambda t: t.median(1), None, np.array([[3., np.nan, 1., np.nan], [1., 2., 3., 4.]]))
    check_op(lambda t: t.median(), None, np.array([3., np.nan, 1.]))
    assert math.isnan(dygrad.tensor([]).median().item())


def test_logsumexp_infinities():
    x = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, 1., 2.], [-np.inf, 0., 1.]])
    check_op(lambda t: t.logsumexp(1), None, x)
    check_op(lambda t: t.logsumexp(0), None, np.array([[1000., 1000.5], [-1000., 3.]]))
    check_op(lambda t: t.logsumexp(1), None, np.array([[1, 2], [3, 4]]), requires_grad=False)


def test_norm_zero_vector_gradient_is_zero():
    z = np.zeros((2, 3))
    for p in (2, 3, 1.5, math.inf, "fro"):
        check_op(lambda t, p=p: t.norm(p, dim=1), None, z)
        t = dygrad.tensor(z, requires_grad=True)
        t.norm(p).backward()
        assert t.grad.tolist() == z.tolist()


def test_nan_reductions_gradients():
    x = np.array([[1., np.nan, 2.], [np.nan, np.nan, np.nan]])
    for fn in (lambda t: t.nansum(), lambda t: t.nansum(1), lambda t: t.nanmean(1),
               lambda t: t.nanmean(0, keepdim=True)):
        check_op(fn, None, x, rtol=0, atol=0)


def test_var_std_degrees_of_freedom_warn():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        r = dygrad.tensor([1.5]).var()
    assert math.isnan(r.item())
    assert dygrad.tensor([1.5]).var(correction=0).item() == 0.0
    x = dygrad.ones(3, requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0., 0., 0.]
    check_op(lambda t: t.var(False), None, R(4))
    check_op(lambda t: t.std(0, True), None, R(4, 2))


def test_float16_accumulates_like_torch():
    x = (rng.random(2000) * 10).astype(np.float16)
    for fn in (lambda t: t.sum(), lambda t: t.mean(), lambda t: t.cumsum(0)[-1:]):
        check_op(fn, None, x, requires_grad=False)


@pytest.mark.parametrize("dt", [np.bool_, np.uint8, np.int8, np.int32, np.int64])
def test_integer_and_bool_dtypes(dt):
    x = (rng.integers(0, 3, (3, 4))).astype(dt)
    fns = [lambda t: t.sum(), lambda t: t.sum(1), lambda t: t.prod(0), lambda t: t.cumsum(1),
           lambda t: t.cumprod(0), lambda t: t.max(), lambda t: t.max(1), lambda t: t.amin(0),
           lambda t: t.all(1), lambda t: t.any(), lambda t: t.any((0, 1), keepdim=True),
           lambda t: ns(t).count_nonzero(t, 0), lambda t: t.sort(dim=1, stable=True),
           lambda t: t.nansum(1)]
    if dt != np.bool_:
        fns += [lambda t: t.argmax(), lambda t: t.argmin(1, keepdim=True),
                lambda t: t.median(), lambda t: t.sum(dtype=ns(t).float64)]
    for fn in fns:
        check_op(fn, None, x)


def test_reduction_dtypes():
    assert dygrad.tensor([True, True]).sum().dtype == dygrad.int64
    assert dygrad.tensor([1, 2], dtype=dygrad.int32).prod().dtype == dygrad.int64
    assert dygrad.tensor([1, 2], dtype=dygrad.uint8).cumsum(0).dtype == dygrad.int64
    assert dygrad.tensor([1., 2.]).argmax().dtype == dygrad.int64
    assert dygrad.tensor([True, False]).max().item() is True
    assert dygrad.tensor([1, 2]).mean(dtype=dygrad.float64).dtype == dygrad.float64
    x = dygrad.tensor([1., 2.], requires_grad=True)
    x.sum(dtype=dygrad.float64).backward()
    assert x.grad.dtype == dygrad.float32


def test_return_types():
    v, i = dygrad.tensor([[1., 5.], [7., 2.]]).max(1)
    r = dygrad.tensor([[1., 5.], [7., 2.]]).max(1)
    assert isinstance(r, tuple) and len(r) == 2
    assert r.values is r[0] and r.indices is r[1]
    assert type(r).__name__ == "max"
    assert repr(r) == ("torch.return_types.max(\nvalues=tensor([5., 7.]),\n"
                       "indices=tensor([1, 0]))")
    assert repr(dygrad.aminmax(dygrad.tensor([1, 3]))).startswith("torch.return_types.aminmax(\nmin=")
    s = pickle.loads(pickle.dumps(dygrad.tensor([2., 1.]).sort()))
    assert type(s).__name__ == "sort" and s.indices.tolist() == [1, 0]


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[1., 5.], [7., 2.]], dtype=np.float32)
    for fn in (lambda t: t.max(1), lambda t: t.sort(0), lambda t: t.topk(1),
               lambda t: ns(t).aminmax(t), lambda t: t.median(0)):
        assert repr(fn(dygrad.tensor(x))) == repr(fn(torch.tensor(x)))


@pytest.mark.parametrize("fn,match", [
    (lambda t: t.sum(2), r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda t: t.mean(-3), r"Dimension out of range"),
    (lambda t: t.max(5), r"max.*Dimension out of range"),
    (lambda t: t.amax((0, 0)), r"dim 0 appears multiple times"),
    (lambda t: t.var(3), r"Dimension out of range"),
    (lambda t: t.cumsum(2), r"cumsum.*Dimension out of range"),
    (lambda t: t.sort(2), r"Dimension out of range"),
    (lambda t: t.topk(4), r"selected index k out of range"),
    (lambda t: t.topk(-1), r"selected index k out of range"),
    (lambda t: t.logsumexp(7), r"Dimension out of range"),
    (lambda t: t.norm(dim=2), r"Dimension out of range"),
    (lambda t: t.argmax(2), r"Dimension out of range"),
])
def test_bad_dims(fn, match):
    check_raises(fn, None, R(2, 3), match=match)


@pytest.mark.parametrize("fn,x,match", [
    (lambda t: t.max(), np.zeros((0, 3)), r"max\(\): Expected reduction dim to be specified"),
    (lambda t: t.max(0), np.zeros((0, 3)), r"max\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda t: t.amax(), np.zeros((0, 3)), r"amax\(\): Expected reduction dim to be specified"),
    (lambda t: t.amin(0), np.zeros((0, 3)), r"Expected reduction dim 0 to have non-zero size"),
    (lambda t: t.argmax(), np.zeros((0, 3)), r"argmax\(\): Expected reduction dim to be specified"),
    (lambda t: ns(t).aminmax(t), np.zeros((0, 3)), r"cannot compute aminmax over an empty dimension"),
    (lambda t: t.median(0), np.zeros((0, 3)), r"median\(\): Expected reduction dim 0"),
    (lambda t: t.mean(), np.array([1, 2]), r"mean\(\): could not infer output dtype.*Got: Long"),
    (lambda t: t.nanmean(), np.array([1, 2]), r"nanmean\(\).*Long"),
    (lambda t: t.var(), np.array([1, 2]), r"std and var only support floating point"),
    (lambda t: t.norm(), np.array([1, 2]), r"vector_norm: Expected a floating point.*Got Long"),
    (lambda t: t.argmax(), np.array([True, False]), r"argmax\(\): does not support bool input"),
    (lambda t: t.prod((0, 1)), np.ones((2, 2)), r"prod"),
])
def test_bad_inputs(fn, x, match):
    check_raises(fn, None, x, match=match)


def test_empty_reductions_match_torch():
    for fn in (lambda t: t.sum(), lambda t: t.prod(), lambda t: t.mean(), lambda t: t.amax(1),
               lambda t: t.max(1), lambda t: t.logsumexp(1), lambda t: t.norm(dim=1),
               lambda t: t.sort(0), lambda t: t.cumsum(0), lambda t: t.all(), lambda t: t.any(1)):
        check_op(fn, None, np.zeros((0, 3)), requires_grad=False)
