"""Reduction edge cases against PyTorch: dtype= arguments autograd cannot follow, nanmean's
dtype checks, nanmedian on integers/empties, mode with NaN, var/std gradients when the
correction leaves no degrees of freedom, var_mean's running mean with infinities, aminmax and
the inf-norm at NaN, prod's gradient at zeros and on 0-dim inputs."""
import warnings

import numpy as np
import pytest

import dygrad

nan, inf = float("nan"), float("inf")


def _outcome(lib, fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # degrees-of-freedom warnings, checked elsewhere
            r = fn(lib)
    except Exception as e:  # noqa: BLE001  (the class is what we compare)
        return type(e).__name__
    rs = r if isinstance(r, tuple) else (r,)
    return [(str(x.dtype).split(".")[-1], tuple(x.shape), x.requires_grad,
             np.asarray(x.detach().numpy(), dtype=float).tolist()) for x in rs]


def _same(fn):
    torch = pytest.importorskip("torch")
    a, b = _outcome(dygrad, fn), _outcome(torch, fn)
    assert str(a) == str(b)  # str: NaN == NaN


@pytest.mark.parametrize("op", ["sum", "nansum", "prod", "mean", "nanmean"])
@pytest.mark.parametrize("src", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32"])
def test_dtype_argument(op, src, dt):
    for rg in ([False, True] if src.startswith("float") else [False]):
        def fn(L):
            x = L.ones(2, 3, dtype=getattr(L, src), requires_grad=rg)
            return getattr(L, op)(x, dim=0, dtype=getattr(L, dt))
        _same(fn)


def test_integer_dtype_of_grad_tensor_raises_without_torch():
    x = dygrad.ones(3, requires_grad=True)
    for fn in (dygrad.sum, dygrad.nansum, dygrad.prod):
        with pytest.raises(RuntimeError, match="Autograd not support dtype: Long"):
            fn(x, dtype=dygrad.int64)
    with dygrad.no_grad():
        assert dygrad.sum(x, dtype=dygrad.int64).dtype == dygrad.int64
    with pytest.raises(RuntimeError, match="nanmean"):
        dygrad.nanmean(dygrad.ones(3, dtype=dygrad.int64), dtype=dygrad.float32)


@pytest.mark.parametrize("case", [
    lambda L: L.nanmedian(L.tensor([[3, 1, 2], [4, 4, 1]]), dim=1),
    lambda L: L.nanmedian(L.tensor([[3, 1, 2], [4, 4, 1]], dtype=L.int32), dim=0, keepdim=True),
    lambda L: L.nanmedian(L.tensor(3), dim=0),
    lambda L: L.nanmedian(L.zeros(0, requires_grad=True)),
    lambda L: L.nanmedian(L.ones(3, dtype=L.bool), dim=5),
])
def test_nanmedian_edges(case):
    _same(case)


def test_nanmedian_empty_float_keeps_the_graph():
    x = dygrad.zeros(0, requires_grad=True)
    out = dygrad.nanmedian(x)
    assert out.requires_grad and np.isnan(out.item())
    out.backward()
    assert x.grad.shape == (0,)


@pytest.mark.parametrize("row", [[1., nan, nan, 2.], [1., nan, 1., nan, nan], [nan, 2., 3.],
                                 [3., nan, 2.], [nan, nan], [2., 2., nan, 1., 1.],
                                 [0., -0., nan, 0.]])
def test_mode_with_nan(row):
    _same(lambda L: L.mode(L.tensor(row)))
    _same(lambda L: L.mode(L.tensor([row, row[::-1]]), dim=1))


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("v", [2.0, nan, inf])
def test_moment_grads_without_degrees_of_freedom(op, v):
    def run(L, shape, **kw):
        x = L.tensor(np.reshape([v, 1.0, 3.0][:int(np.prod(shape))], shape), dtype=L.float64,
                     requires_grad=True)
        out = getattr(L, op)(x, **kw)
        out.backward(L.ones(out.shape, dtype=L.float64))
        return (x.grad,)
    for shape, kw in [((), {"correction": 1}), ((), {"correction": 2}), ((2,), {"correction": 2}),
                      ((2,), {"correction": 3}), ((1, 2), {"dim": 0, "correction": 2}),
                      ((1, 3), {"dim": 1, "correction": 1}), ((), {"dim": 0, "correction": 2})]:
        _same(lambda L: run(L, shape, **kw))


@pytest.mark.parametrize("row", [[inf, 1., 2.], [1., 2., inf], [1., inf, 2.], [inf, inf, 1.],
                                 [1., inf, -inf], [-inf, 1.], [1., 2., -inf]])
@pytest.mark.parametrize("op", ["var_mean", "std_mean"])
def test_var_mean_running_mean_with_infinities(row, op):
    _same(lambda L: getattr(L, op)(L.tensor(row, dtype=L.float64)))
    _same(lambda L: getattr(L, op)(L.tensor([row, row[::-1]], dtype=L.float64), dim=1))
    _same(lambda L: getattr(L, op)(L.tensor([row, row[::-1]], dtype=L.float64).T, dim=0))


def test_var_mean_running_mean_without_torch():
    _, m = dygrad.var_mean(dygrad.tensor([[1., inf], [inf, 2.]]), dim=1)
    assert m[0].item() == inf and np.isnan(m[1].item())


@pytest.mark.parametrize("fn", [
    lambda L, x: sum(x.aminmax(dim=1)),
    lambda L, x: L.linalg.vector_norm(x, float("inf")),
    lambda L, x: L.linalg.vector_norm(x, -float("inf"), dim=1),
    lambda L, x: x.prod(),
    lambda L, x: x.prod(1),
])
@pytest.mark.parametrize("rows", [[[1., nan, 2.], [1., 3., 3.]], [[0., 0., inf], [1., 2., 3.]],
                                  [[0., 2., 3.], [nan, inf, -1.]]])
def test_grads_at_nan_and_zeros(fn, rows):
    def run(L):
        x = L.tensor(rows, dtype=L.float64, requires_grad=True)
        fn(L, x).sum().backward()
        return (x.grad,)
    _same(run)


@pytest.mark.parametrize("v", [0.0, nan, inf, 2.0])
def test_prod_of_zero_dim_passes_the_gradient(v):
    def run(L, **kw):
        x = L.tensor(v, requires_grad=True)
        x.prod(**kw).backward()
        return (x.grad,)
    _same(run)
    _same(lambda L: run(L, dim=0))
    x = dygrad.tensor(v, requires_grad=True)
    x.prod().backward()
    assert x.grad.item() == 1.0


def test_empty_inf_norm_along_non_empty_dims_and_aminmax_dim_check():
    _same(lambda L: L.linalg.vector_norm(L.zeros(5, 0, 3), float("inf"), dim=0))
    _same(lambda L: L.linalg.vector_norm(L.zeros(5, 0, 3), float("inf"), dim=1))
    _same(lambda L: L.tensor(1.0).aminmax(dim=1))
    _same(lambda L: L.tensor(1.0).aminmax(dim=-1))


@pytest.mark.parametrize("fn", [
    lambda L, x: L.sum(x, dim=3, dtype=L.int64), lambda L, x: L.nansum(x, dim=3, dtype=L.int64),
    lambda L, x: L.prod(x, dim=3, dtype=L.int64), lambda L, x: L.cumsum(x, 3, dtype=L.int64),
    lambda L, x: L.cumprod(x, 3, dtype=L.int64),
    lambda L, x: L.nanmedian(L.ones(2, 0, dtype=L.bool), dim=1),
])
def test_bad_dims_are_reported_before_dtype_errors(fn):
    _same(lambda L: fn(L, L.ones(4, requires_grad=True)))


def test_median_of_bool_reports_an_empty_dim_first():
    _same(lambda L: L.median(L.ones(3, 0, dtype=L.bool), dim=1))
    _same(lambda L: L.median(L.ones(3, 2, dtype=L.bool), dim=1))


@pytest.mark.parametrize("dim", [(0,), 1, None])
def test_argmax_of_bool_checks_the_dim_type_first(dim):
    _same(lambda L: L.argmax(L.zeros(3, dtype=L.bool), dim=dim))
