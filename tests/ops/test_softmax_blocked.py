"""Large softmax/log_softmax along the last dim run row block by row block (cache-sized): the
results and gradients are the plain path's bit for bit, and PyTorch's to float32 accuracy."""
import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F
from dygrad.ops import nn_ops


def _run(fn, x, g, dim):
    t = dygrad.tensor(x, requires_grad=True)
    y = fn(t, dim=dim)
    y.backward(dygrad.tensor(g))
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dtype", [((700, 1500), np.float32), ((3, 90, 4100), np.float64),
                                          ((2, 1, 600000), np.float32)])
def test_blocked_equals_plain_path(name, shape, dtype, monkeypatch):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    fn = getattr(F, name)
    assert nn_ops._row_blocks(x, dim=-1) is not None  # the blocked path runs
    got = _run(fn, x, g, -1)
    monkeypatch.setattr(nn_ops, "_BLOCK_MIN", 1 << 62)
    assert nn_ops._row_blocks(x, dim=-1) is None
    want = _run(fn, x, g, -1)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_blocked_path_only_for_last_dim_contiguous():
    x = np.zeros((1500, 1500), np.float32)
    assert nn_ops._row_blocks(x, dim=1) is not None
    assert nn_ops._row_blocks(x, dim=0) is None
    assert nn_ops._row_blocks(x.T, dim=1) is None
    assert nn_ops._row_blocks(np.zeros((10, 10), np.float32), dim=1) is None


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_blocked_matches_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((300, 5000)) * 6).astype(np.float32)
    g = rng.standard_normal((300, 5000)).astype(np.float32)
    y, gx = _run(getattr(F, name), x, g, 1)
    tx = torch.tensor(x, requires_grad=True)
    ty = getattr(torch.nn.functional, name)(tx, dim=1)
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-4, atol=1e-6)
