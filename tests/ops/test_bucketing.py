"""searchsorted, bucketize, histc, bincount, heaviside and diag_embed match PyTorch."""
import math
import warnings

import numpy as np
import pytest

import dygrad
from dygrad.ops import bucketing as B

try:  # the parity oracle; the tests marked requires_torch skip without it
    import torch
except ImportError:
    torch = None

DY = type("dygrad_ns", (), {})()
vars(DY).update({k: getattr(dygrad, k) for k in dir(dygrad) if not k.startswith("__")})
vars(DY).update({n: getattr(B, n) for n in B.__all__})  # until dygrad/__init__.py exports them


def _run(lib, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = eval(expr, {"lib": lib, "np": np, "math": math})
        except Exception as e:  # noqa: BLE001 - the exception is the outcome under test
            return ("raise", e)
    if isinstance(r, (torch.Tensor, dygrad.Tensor)):
        arr = r.detach().numpy() if isinstance(r, torch.Tensor) else r._data
        return ("ok", str(r.dtype), tuple(r.shape), arr, r.requires_grad)
    return ("ok", repr(r))


CASES = [
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([0., 1., 3., 4., 7., 8.]))",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([0., 1., 3., 4., 7., 8.]), right=True)",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([0., 1., 3., 4., 7., 8.]), side='right')",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([0., 1., 3.]), side='left', right=True)",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([0., 1., 3.]), side='middle')",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), 4.)", "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), 4)",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([4]))",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.], dtype=lib.float64), lib.tensor([4.]))",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([[4., 0.], [9., 1.]]))",
    "lib.searchsorted(lib.tensor([[1., 3.], [2., 4.]]), lib.tensor([[2.], [3.]]))",
    "lib.searchsorted(lib.tensor([[1., 3.], [2., 4.]]), lib.tensor([[2.], [3.], [1.]]))",
    "lib.searchsorted(lib.tensor([[1., 3.], [2., 4.]]), lib.tensor([2.]))",
    "lib.searchsorted(lib.tensor([1., 3., 5., 7.]), lib.tensor([4.]), out_int32=True)",
    "lib.searchsorted(lib.tensor([3., 1., 7., 5.]), lib.tensor([4.]), sorter=lib.tensor([1, 0, 3, 2]))",
    "lib.searchsorted(lib.tensor([1., math.nan]), lib.tensor([math.nan, 2.]))",
    "lib.searchsorted(lib.tensor([1., math.nan]), lib.tensor([math.nan, 2.]), right=True)",
    "lib.searchsorted(lib.tensor(1.), lib.tensor([2.]))",
    "lib.searchsorted(lib.tensor([1, 2, 2, 2, 3]), lib.tensor([2, 2]), right=True)",
    "lib.searchsorted(lib.tensor([1, 2, 2, 2, 3]), lib.tensor([2, 2]))",
    "lib.searchsorted(lib.tensor([]), lib.tensor([2.]))", "lib.searchsorted(lib.tensor([1., 2.]), lib.tensor([]))",
    "lib.bucketize(lib.tensor([0., 1., 3., 4., 7., 8.]), lib.tensor([1., 3., 5., 7.]))",
    "lib.bucketize(lib.tensor([0., 1., 3., 4., 7., 8.]), lib.tensor([1., 3., 5., 7.]), right=True)",
    "lib.bucketize(4., lib.tensor([1., 3., 5., 7.]))", "lib.bucketize(lib.tensor([[1, 6]]), lib.tensor([1, 3, 5]))",
    "lib.bucketize(lib.tensor([1, 6]), lib.tensor([[1, 3, 5]]))",
    "lib.bucketize(lib.tensor([1, 6]), lib.tensor([1., 3., 5.]))",
    "lib.histc(lib.tensor([1., 2., 1.]), bins=4, min=0, max=3)", "lib.histc(lib.tensor([1., 2., 1., 5.]), bins=4)",
    "lib.histc(lib.tensor([1., 1.]), bins=4)", "lib.histc(lib.tensor([]), bins=4)", "lib.histc(lib.tensor([1, 2]), bins=4)",
    "lib.histc(lib.tensor([1., 2.]), bins=4, min=3, max=1)", "lib.histc(lib.tensor([1., 2.]), bins=0)",
    "lib.histc(lib.tensor([1., math.nan, 3.]), bins=4, min=0, max=4)",
    "lib.histc(lib.tensor([1., math.inf, 3.]), bins=4)",
    "lib.histc(lib.tensor([[1., 2.], [3., 4.]], dtype=lib.float64), bins=3)",
    "lib.histc(lib.tensor([1., 2.], requires_grad=True), bins=3)",
    "lib.bincount(lib.tensor([0, 1, 1, 3]))", "lib.bincount(lib.tensor([0, 1, 1, 3]), minlength=6)",
    "lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1., 2., 3., 4.]))",
    "lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1., 2., 3., 4.], dtype=lib.float64))",
    "lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1, 2, 3, 4]))",
    "lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1, 2, 3, 4], dtype=lib.float16))",
    "lib.bincount(lib.tensor([0, 1, 1, 3]), weights=lib.tensor([1., 2.]))", "lib.bincount(lib.tensor([0, -1]))",
    "lib.bincount(lib.tensor([0., 1.]))", "lib.bincount(lib.tensor([[0, 1]]))",
    "lib.bincount(lib.tensor([], dtype=lib.int64))", "lib.bincount(lib.tensor([], dtype=lib.int64), minlength=3)",
    "lib.bincount(lib.tensor([1, 2], dtype=lib.uint8))", "lib.bincount(lib.tensor([1, 2], dtype=lib.bool))",
    "lib.bincount(lib.tensor([1, 2]), minlength=-1)",
    "lib.bincount(lib.tensor([0, 1]), weights=lib.tensor([1., 2.], requires_grad=True))",
    "lib.heaviside(lib.tensor([-1., 0., 2., math.nan]), lib.tensor([0.5]))",
    "lib.heaviside(lib.tensor([-1., 0., 2.]), lib.tensor(0.5))", "lib.heaviside(lib.tensor([-1, 0, 2]), lib.tensor([7]))",
    "lib.heaviside(lib.tensor([-1., 0., 2.]), lib.tensor([7]))",
    "lib.heaviside(lib.tensor([-1., 0., 2.], requires_grad=True), lib.tensor([0.5]))",
    "lib.heaviside(lib.tensor([True, False]), lib.tensor([True]))", "lib.heaviside(lib.tensor([-1., 0.]), 0.5)",
    "lib.heaviside(lib.tensor([[-1.], [0.]]), lib.tensor([0.5, 2.]))",
    "lib.diag_embed(lib.tensor([1., 2.]))", "lib.diag_embed(lib.tensor([[1, 2], [3, 4]]))",
    "lib.diag_embed(lib.tensor([1., 2.]), offset=1)", "lib.diag_embed(lib.tensor([1., 2.]), offset=-1)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), dim1=0, dim2=2)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), dim1=2, dim2=0)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), offset=1, dim1=2, dim2=0)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), offset=-2, dim1=1, dim2=0)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), dim1=1, dim2=1)",
    "lib.diag_embed(lib.tensor([[1., 2.], [3., 4.]]), dim1=-1, dim2=0)", "lib.diag_embed(lib.tensor(1.))",
    "lib.diag_embed(lib.tensor([1., 2.], requires_grad=True))",
]


@pytest.mark.requires_torch
@pytest.mark.parametrize("expr", CASES)
def test_matches_torch(expr):
    t, d = _run(torch, expr), _run(DY, expr)
    if t[0] == "raise":
        assert d[0] == "raise" and isinstance(d[1], type(t[1])), (t, d)
        return
    assert d[0] == "ok", d
    assert d[1:3] == t[1:3] and d[4] == t[4]
    np.testing.assert_array_equal(d[3], t[3])


@pytest.mark.requires_torch
@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64])
def test_histc_bins_bit_for_bit(dt):
    rng = np.random.default_rng(7)
    for i in range(40):
        x = (rng.standard_normal(int(rng.integers(1, 300))) * rng.uniform(0.1, 100)).astype(dt)
        bins = int(rng.integers(1, 200))
        lo, hi = sorted(rng.uniform(-50, 50, 2).round(1)) if i % 2 else (0.0, 0.0)
        ref = torch.histc(torch.from_numpy(x), bins=bins, min=float(lo), max=float(hi)).numpy()
        got = B.histc(dygrad.from_numpy(x), bins=bins, min=float(lo), max=float(hi))._data
        np.testing.assert_array_equal(got, ref)


@pytest.mark.requires_torch
def test_searchsorted_random_with_nans():
    rng = np.random.default_rng(8)
    for i in range(40):
        bd = np.sort(rng.integers(-5, 5, int(rng.integers(1, 20)))).astype(np.float32)
        v = rng.integers(-6, 6, (3, 7)).astype(np.float32)
        if i % 4 == 0:
            bd[-1] = np.nan
            v[0, 0] = np.nan
        for right in (False, True):
            ref = torch.searchsorted(torch.from_numpy(bd), torch.from_numpy(v), right=right).numpy()
            got = B.searchsorted(dygrad.from_numpy(bd), dygrad.from_numpy(v), right=right)._data
            np.testing.assert_array_equal(got, ref)


def test_non_differentiable_results_refuse_backward():
    x = dygrad.tensor([-1., 0., 2.], requires_grad=True)
    y = B.heaviside(x, dygrad.tensor([0.5]))
    assert y.requires_grad and y.grad_fn.name() == "torch::autograd::NotImplemented"
    with pytest.raises(RuntimeError, match="the derivative for 'heaviside' is not implemented"):
        y.sum().backward()


@pytest.mark.requires_torch
@pytest.mark.parametrize("offset,d1,d2", [(0, -2, -1), (1, 0, 2), (-1, 2, 0), (2, 1, 0)])
def test_diag_embed_gradient_matches_torch(offset, d1, d2):
    data = np.arange(6.).reshape(2, 3)
    grads = []
    for lib, fn in ((torch, torch.diag_embed), (dygrad, B.diag_embed)):
        x = lib.tensor(data, requires_grad=True)
        y = fn(x, offset, d1, d2)
        w = lib.tensor(np.arange(float(np.prod(tuple(y.shape)))).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        grads.append(x.grad.numpy() if lib is torch else x.grad._data)
    np.testing.assert_array_equal(grads[1], grads[0])


def test_diag_embed_double_backward():
    x = dygrad.tensor([[1., 2.], [3., 4.]], dtype=dygrad.float64, requires_grad=True)
    assert dygrad.autograd.gradcheck(lambda t: B.diag_embed(t, 1, 0, 2), (x,))
    assert dygrad.autograd.gradgradcheck(lambda t: B.diag_embed(t, -1, 2, 0) ** 2, (x,))


@pytest.mark.requires_torch
def test_searchsorted_on_bool_raises_like_torch():
    torch = pytest.importorskip("torch")
    for T in (dygrad, torch):
        b = T.tensor([False, True])
        for call in (lambda: T.searchsorted(b, b), lambda: T.searchsorted(b, True),
                     lambda: T.bucketize(b, b)):
            with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
                call()
        assert T.searchsorted(b, T.tensor([0.5])).tolist() == [1]  # promoted: fine


def test_searchsorted_on_bool_with_no_values_returns():
    b = dygrad.tensor([False, True])
    assert dygrad.searchsorted(b, dygrad.zeros(0, dtype=dygrad.bool)).shape == (0,)
