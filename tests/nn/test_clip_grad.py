"""nn.utils: clip_grad_norm_ / clip_grad_value_ / get_total_norm and parameter-vector conversion
against PyTorch."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
from dygrad.testing import assert_close
from nn_helpers import torch_or_skip

rng = np.random.default_rng(8)


def params_pair(grads):
    torch = torch_or_skip()
    dp, tp = [], []
    for g in grads:
        a = nn.Parameter(dygrad.zeros(*g.shape, dtype=dygrad.float32 if g.dtype == np.float32 else dygrad.float64))
        a.grad = dygrad.tensor(g.copy())
        b = torch.nn.Parameter(torch.zeros(*g.shape, dtype=torch.float32 if g.dtype == np.float32 else torch.float64))
        b.grad = torch.tensor(g.copy())
        dp.append(a)
        tp.append(b)
    return dp, tp


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf", 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = torch_or_skip()
    grads = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
    dp, tp = params_pair(grads)
    dn = nn.utils.clip_grad_norm_(dp, max_norm, norm_type=norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    assert_close(dn, tn)
    for a, b in zip(dp, tp):
        assert_close(a.grad, b.grad)


def test_clip_grad_norm_edge_cases():
    torch = torch_or_skip()
    p = nn.Parameter(dygrad.ones(2))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    p.grad = dygrad.tensor([float("nan"), 4.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    out = nn.utils.clip_grad_norm_(p, 1.0)
    assert np.isnan(out.item()) and np.isnan(p.grad.numpy()).all()  # like PyTorch: scaled by nan
    q = nn.Parameter(dygrad.ones(2))
    q.grad = dygrad.tensor([3.0, 4.0])
    g = q.grad
    nn.utils.clip_grad_norm_([q], 1.0)
    assert q.grad is g  # scaled in place (optimizers keep their references)
    with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
        nn.utils.clip_grad_norm([q], 1.0)
    tq = torch.nn.Parameter(torch.ones(2))
    tq.grad = torch.tensor([3.0, 4.0])
    torch.nn.utils.clip_grad_norm_([tq], 1.0)
    q.grad = dygrad.tensor([3.0, 4.0])
    nn.utils.clip_grad_norm_([q], 1.0)
    assert_close(q.grad, tq.grad)


def test_get_total_norm_and_clip_grads_with_norm():
    torch = torch_or_skip()
    grads = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(3)]
    dp, tp = params_pair(grads)
    dn = nn.utils.get_total_norm([p.grad for p in dp])
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp])
    assert_close(dn, tn)
    nn.utils.clip_grads_with_norm_(dp, 1.0, dn)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.0, tn)
    for a, b in zip(dp, tp):
        assert_close(a.grad, b.grad)


def test_clip_grad_value_matches_torch():
    torch = torch_or_skip()
    grads = [rng.standard_normal((3, 4)).astype(np.float32) * 3]
    dp, tp = params_pair(grads)
    assert nn.utils.clip_grad_value_(dp, 1.5) is None
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    assert_close(dp[0].grad, tp[0].grad)
    model = nn.Linear(3, 2)
    model(dygrad.randn(4, 3) * 10).sum().backward()
    nn.utils.clip_grad_value_(model.parameters(), 0.1)
    assert all(np.abs(p.grad.numpy()).max() <= 0.1 for p in model.parameters())


def test_parameters_to_vector_and_back():
    torch = torch_or_skip()
    d = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
    d.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    v = nn.utils.parameters_to_vector(d.parameters())
    tv = torch.nn.utils.parameters_to_vector(t.parameters())
    assert_close(v, tv)
    assert v.requires_grad  # differentiable, like PyTorch's cat
    new = dygrad.arange(float(v.numel()))
    nn.utils.vector_to_parameters(new, d.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(float(tv.numel())), t.parameters())
    for a, b in zip(d.parameters(), t.parameters()):
        assert_close(a, b)
        assert isinstance(a, nn.Parameter)
    with pytest.raises(TypeError, match="expected torch.Tensor, but got"):
        nn.utils.vector_to_parameters([1.0], d.parameters())
    with pytest.raises(RuntimeError, match="is invalid for input of size"):
        nn.utils.vector_to_parameters(dygrad.ones(3), d.parameters())
