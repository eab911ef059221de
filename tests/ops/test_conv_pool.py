"""Convolution and pooling ops: gradcheck (float64) and parity with PyTorch."""
import numpy as np
import pytest

import dygrad
from dygrad.ops import conv as C
from dygrad.ops import pool as P
from dygrad.ops.pad import pad_constant

rng = np.random.default_rng(7)
gc = dygrad.autograd.gradcheck


def _t(shape, rg=True):
    return dygrad.tensor(rng.standard_normal(shape), requires_grad=rg)


CONV_CASES = [
    dict(x=(2, 3, 7, 6), w=(4, 3, 3, 2), stride=1, padding=0, dilation=1, groups=1),
    dict(x=(1, 2, 8, 8), w=(4, 2, 3, 3), stride=2, padding=1, dilation=1, groups=1),
    dict(x=(2, 4, 9, 7), w=(6, 2, 3, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
    dict(x=(1, 2, 6, 6), w=(3, 2, 3, 3), stride=1, padding="same", dilation=1, groups=1),
    dict(x=(2, 1, 5, 5), w=(2, 1, 2, 2), stride=1, padding="valid", dilation=1, groups=1),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck(case):
    x, w, b = _t(case["x"]), _t(case["w"]), _t((case["w"][0],))
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    assert gc(lambda x, w, b: C.conv2d(x, w, b, **kw), (x, w, b))


def test_conv2d_gradgradcheck():
    x, w = _t((1, 2, 5, 5)), _t((2, 2, 3, 3))
    assert dygrad.autograd.gradgradcheck(lambda x, w: C.conv2d(x, w, None, 1, 1), (x, w))


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_parity(case):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal(case["x"]).astype(np.float32)
    W = rng.standard_normal(case["w"]).astype(np.float32)
    B = rng.standard_normal(case["w"][0]).astype(np.float32)
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    xs = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
    ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
    od = C.conv2d(*xs, **kw)
    ot = torch.nn.functional.conv2d(*ts, **kw)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip(xs, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv1d_and_transpose_parity():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X = rng.standard_normal((2, 3, 10)).astype(np.float32)
    W = rng.standard_normal((4, 3, 3)).astype(np.float32)
    for kw in (dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(stride=1)):
        od = C.conv1d(dygrad.tensor(X), dygrad.tensor(W), **kw)
        ot = F.conv1d(torch.tensor(X), torch.tensor(W), **kw)
        np.testing.assert_allclose(od.numpy(), ot.numpy(), rtol=1e-4, atol=1e-4)
    X = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    W = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    B = rng.standard_normal(3).astype(np.float32)
    for kw in (dict(stride=2, padding=1, output_padding=1), dict(stride=1), dict(stride=2, dilation=2)):
        xs = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
        ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
        od = C.conv_transpose2d(*xs, **kw)
        ot = F.conv_transpose2d(*ts, **kw)
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
        od.sum().backward()
        ot.sum().backward()
        for d, t in zip(xs, ts):
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_conv_transpose_gradcheck():
    x, w, b = _t((1, 2, 3, 4)), _t((2, 3, 2, 3)), _t((3,))
    assert gc(lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), (x, w, b))


def test_conv_errors_name_shapes():
    x = dygrad.ones(1, 3, 5, 5)
    with pytest.raises(RuntimeError, match="expected input.*to have 2 channels, but got 3"):
        C.conv2d(x, dygrad.ones(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Input type.*and weight type"):
        C.conv2d(x, dygrad.ones(4, 3, 3, 3, dtype=dygrad.float64))
    with pytest.raises(RuntimeError, match="too small"):
        C.conv2d(dygrad.ones(1, 3, 2, 2), dygrad.ones(4, 3, 3, 3))


POOL_CASES = [
    dict(k=2, s=None, p=0, d=1, ceil=False), dict(k=3, s=2, p=1, d=1, ceil=False),
    dict(k=(3, 2), s=(2, 1), p=(1, 0), d=1, ceil=True), dict(k=2, s=1, p=0, d=2, ceil=False),
    dict(k=3, s=2, p=0, d=1, ceil=True),
]


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool_parity_and_indices(case):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    X[0, 0, :2, :2] = 1.0  # a tie: the first maximum wins, as in PyTorch
    args = (case["k"], case["s"], case["p"], case["d"], case["ceil"], True)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    od, idd = P.max_pool2d(xd, *args)
    ot, idt = torch.nn.functional.max_pool2d(xt, *args)
    np.testing.assert_array_equal(od.detach().numpy(), ot.detach().numpy())
    np.testing.assert_array_equal(idd.numpy(), idt.numpy())
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", POOL_CASES[:3] + POOL_CASES[4:])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool_parity(case, include_pad):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    args = (case["k"], case["s"], case["p"], case["ceil"], include_pad)
    od = P.avg_pool2d(xd, *args)
    ot = torch.nn.functional.avg_pool2d(xt, *args)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    od.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("out", [(1, 1), (2, 2), (3, 5), 4])
def test_adaptive_pools_parity(out):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 10)).astype(np.float32)
    for fd, ft in ((P.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d),
                   (P.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d)):
        xd = dygrad.tensor(X, requires_grad=True)
        xt = torch.tensor(X, requires_grad=True)
        od, ot = fd(xd, out), ft(xt, out)
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
        od.sum().backward()
        ot.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pool_gradchecks():
    x = dygrad.tensor(rng.permutation(64).reshape(1, 1, 8, 8).astype(np.float64), requires_grad=True)
    assert gc(lambda t: P.max_pool2d(t, 3, 2, 1), (x,))
    y = _t((2, 2, 6, 5))
    assert gc(lambda t: P.avg_pool2d(t, 3, 2, 1, True, False), (y,))
    assert gc(lambda t: P.adaptive_avg_pool2d(t, (4, 3)), (y,))
    assert dygrad.autograd.gradgradcheck(lambda t: P.avg_pool2d(t, 2), (y,))
    assert gc(lambda t: P.max_pool1d(t, 2), (_t((2, 3, 6)),))
    assert gc(lambda t: pad_constant(t, (1, 2, 0, 1), 0.5), (y,))
