"""Max pooling without indices goes tap by tap (one np.maximum per kernel offset, over the input
padded with -inf); its backward routes each gradient to PyTorch's index (first maximum in
row-major order, last NaN, first in-range tap of an all -inf window). Checked against PyTorch on
random geometries with ties, -inf and NaN, and by finite differences."""
import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F


def _cases(seed, count):
    rng = np.random.default_rng(seed)
    for trial in range(count):
        k, s, d = (int(v) for v in rng.integers(1, 4, 3))
        d = min(d, 2)
        p = int(rng.integers(0, k // 2 + 1))
        h, w = (int(v) for v in rng.integers(k * d, 9, 2))
        kind = trial % 4
        if kind == 1:  # many ties
            x = rng.integers(0, 3, (2, 3, h, w)).astype(np.float32)
        else:
            x = rng.standard_normal((2, 3, h, w)).astype(np.float32)
            if kind == 2:
                x[rng.random(x.shape) < 0.4] = -np.inf
            elif kind == 3:
                x[rng.random(x.shape) < 0.1] = np.nan
        yield x, (k, s, p, d, bool(trial % 3 == 0)), rng


@pytest.mark.parametrize("taps_min", [0, None])  # padded inputs tap by tap, or by argmax
def test_max_pool_taps_match_pytorch_indices(monkeypatch, taps_min):
    torch = pytest.importorskip("torch")
    if taps_min is not None:
        from dygrad.ops import pool
        monkeypatch.setattr(pool, "_TAPS_MIN", taps_min)
    checked = 0
    for x, (k, s, p, d, ceil), rng in _cases(0, 120):
        tx = torch.tensor(x, requires_grad=True)
        try:
            ty = torch.nn.functional.max_pool2d(tx, k, s, p, d, ceil)
        except RuntimeError:
            continue
        g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
        ty.backward(torch.tensor(g))
        dx = dygrad.tensor(x, requires_grad=True)
        dy = F.max_pool2d(dx, k, s, p, d, ceil)
        dy.backward(dygrad.tensor(g))
        np.testing.assert_array_equal(dy.detach().numpy(), ty.detach().numpy())
        np.testing.assert_allclose(dx.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
        checked += 1
    assert checked > 80


def test_max_pool_with_padding_gradcheck(monkeypatch):
    from dygrad.ops import pool
    monkeypatch.setattr(pool, "_TAPS_MIN", 0)
    x = dygrad.tensor(np.random.default_rng(1).permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6)
                      .astype(np.float64) / 10, requires_grad=True)  # distinct values: no ties
    assert dygrad.autograd.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), (x,))
    assert dygrad.autograd.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), (x,))
    assert dygrad.autograd.gradgradcheck(lambda x: F.max_pool2d(x, 3, 2, 1), (x,))


def test_max_pool_after_inplace_change_of_its_output(monkeypatch):
    # the pooled output is kept for the backward's comparisons; relu_ on it must not misroute
    torch = pytest.importorskip("torch")
    from dygrad.ops import pool
    monkeypatch.setattr(pool, "_TAPS_MIN", 0)
    x = np.random.default_rng(2).standard_normal((2, 2, 6, 6)).astype(np.float32)
    grads = []
    for lib in (dygrad, torch):
        t = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.max_pool2d(t * 1, 3, 2, 1)
        y.relu_()
        y.sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
