"""Fused normalisation ops: parity with PyTorch (outputs, gradients, running stats) and gradcheck."""
import numpy as np
import pytest

import dygrad
from dygrad.ops import norm as N

rng = np.random.default_rng(3)


def _pair(shape, dtype=np.float32):
    a = rng.standard_normal(shape).astype(dtype)
    return a


@pytest.mark.parametrize("shape", [(4, 3), (5, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_parity(shape, training, affine):
    torch = pytest.importorskip("torch")
    c = shape[1]
    X = _pair(shape)
    W, B = _pair((c,)), _pair((c,))
    RM, RV = _pair((c,)), np.abs(_pair((c,))) + 0.5
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    wd, bd = (dygrad.tensor(W, requires_grad=True), dygrad.tensor(B, requires_grad=True)) if affine else (None, None)
    wt, bt = (torch.tensor(W, requires_grad=True), torch.tensor(B, requires_grad=True)) if affine else (None, None)
    rmd, rvd = dygrad.tensor(RM), dygrad.tensor(RV)
    rmt, rvt = torch.tensor(RM), torch.tensor(RV)
    od = N.batch_norm(xd, rmd, rvd, wd, bd, training, 0.1, 1e-5)
    ot = torch.nn.functional.batch_norm(xt, rmt, rvt, wt, bt, training, 0.1, 1e-5)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rmd.numpy(), rmt.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rvd.numpy(), rvt.numpy(), rtol=1e-5, atol=1e-6)
    G = _pair(shape)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    pairs = [(xd, xt)] + ([(wd, wt), (bd, bt)] if affine else [])
    for d, t in pairs:
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("shape,norm_shape", [((4, 6), (6,)), ((2, 3, 4), (3, 4)), ((2, 5, 3), (3,))])
def test_layer_norm_parity(shape, norm_shape):
    torch = pytest.importorskip("torch")
    X, W, B = _pair(shape), _pair(norm_shape), _pair(norm_shape)
    ds = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
    ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
    od = N.layer_norm(ds[0], norm_shape, ds[1], ds[2])
    ot = torch.nn.functional.layer_norm(ts[0], norm_shape, ts[1], ts[2])
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    G = _pair(shape)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip(ds, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_group_norm_parity():
    torch = pytest.importorskip("torch")
    X, W, B = _pair((2, 6, 3, 3)), _pair((6,)), _pair((6,))
    ds = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
    ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
    od = N.group_norm(ds[0], 3, ds[1], ds[2])
    ot = torch.nn.functional.group_norm(ts[0], 3, ts[1], ts[2])
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    od.sum().backward()
    (ot * 1).sum().backward()
    for d, t in zip(ds, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_norm_gradchecks():
    gc = dygrad.autograd.gradcheck
    x = dygrad.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    w = dygrad.tensor(rng.standard_normal(3), requires_grad=True)
    b = dygrad.tensor(rng.standard_normal(3), requires_grad=True)
    rm, rv = dygrad.zeros(3, dtype=dygrad.float64), dygrad.ones(3, dtype=dygrad.float64)
    assert gc(lambda x, w, b: N.batch_norm(x, rm, rv, w, b, True), (x, w, b))
    assert gc(lambda x, w, b: N.batch_norm(x, rm, rv, w, b, False), (x, w, b))
    assert gc(lambda x: N.layer_norm(x, (2,)), (x,))
    assert gc(lambda x, w, b: N.layer_norm(x.transpose(1, 2), (3,), w, b), (x, w, b))
    assert dygrad.autograd.gradgradcheck(lambda x, w: N.batch_norm(x, None, None, w, None, True), (x, w))
    assert dygrad.autograd.gradgradcheck(lambda x: N.layer_norm(x, (2,)), (x,))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        N.batch_norm(dygrad.ones(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements"):
        N.batch_norm(dygrad.ones(2, 3), dygrad.zeros(4), dygrad.ones(3), training=True)
