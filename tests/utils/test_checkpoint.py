"""torch.utils.checkpoint: gradients equal to the plain ones bit for bit, PyTorch's warnings and
errors, nesting, kwargs, non-tensor outputs, grad modes; checked against torch 2.13 where the
behaviour is PyTorch's."""
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad.autograd.graph import saved_bytes
from dygrad.utils.checkpoint import CheckpointError, checkpoint, checkpoint_sequential


def _model(seed=0):
    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(*[nn.Sequential(nn.Linear(12, 12), nn.LayerNorm(12), nn.GELU(),
                                         nn.Dropout(0.3)) for _ in range(3)])


def _grads(mode, seq=False):
    m = _model()
    torch.manual_seed(1)
    x = torch.randn(6, 12, requires_grad=True)
    torch.manual_seed(5)
    if seq:
        h = checkpoint_sequential(m, 3, x, use_reentrant=mode)
    else:
        h = x
        for blk in m:
            h = blk(h) if mode is None else checkpoint(blk, h, use_reentrant=mode)
    (h * h).sum().backward()
    return h.detach().numpy(), [x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()]


@pytest.mark.parametrize("mode", [False, True])
@pytest.mark.parametrize("seq", [False, True])
def test_gradients_equal_plain_bit_for_bit(mode, seq):
    h0, g0 = _grads(None)
    h1, g1 = _grads(mode, seq)
    assert np.array_equal(h0, h1)          # same dropout masks in the forward
    for a, b in zip(g0, g1):
        assert np.array_equal(a, b)        # and in the recomputation


def test_non_reentrant_saves_only_inputs_and_frees_after_backward():
    m = _model()
    x = torch.randn(64, 12, requires_grad=True)
    plain = saved_bytes(m(x).sum())
    y = checkpoint(m, x, use_reentrant=False).sum()
    assert saved_bytes(y) <= x.numel() * 4 + 1024 < plain
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = torch.randn(5, requires_grad=True)
    y = checkpoint(lambda t: t.exp().sin(), x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    g = x.grad.clone()
    y.backward()
    assert np.array_equal(x.grad.numpy(), 2 * g.numpy())


def test_autograd_grad_non_reentrant_reaches_parameters():
    m = _model()
    x = torch.randn(4, 12, requires_grad=True)
    params = list(m.eval().parameters())
    ref = torch.autograd.grad(m(x).sum(), [x] + params)
    got = torch.autograd.grad(checkpoint(m, x, use_reentrant=False).sum(), [x] + params)
    for a, b in zip(ref, got):
        assert np.array_equal(a.numpy(), b.numpy())
    assert all(p.grad is None for p in params)


def test_autograd_grad_reentrant_is_refused():
    x = torch.randn(3, requires_grad=True)
    y = checkpoint(lambda t: t.sin(), x, use_reentrant=True).sum()
    with pytest.raises(RuntimeError, match="use_reentrant=True.*incompatible with .grad"):
        torch.autograd.grad(y, x)


def test_nested_kwargs_closure_and_non_tensor_outputs():
    x = torch.randn(4, requires_grad=True)
    w = torch.randn(4, requires_grad=True)
    h = w * 3                                   # a non-leaf the function reads by closure

    def inner(t):
        return t.sin() * h

    def outer(t, *, k):
        return {"y": checkpoint(inner, t, use_reentrant=False).cos() * k, "n": 3, "s": "a"}

    out = checkpoint(outer, x, use_reentrant=False, k=2.0)
    assert out["n"] == 3 and out["s"] == "a"
    out["y"].sum().backward()
    gx, gw = x.grad.numpy(), w.grad.numpy()
    x.grad = w.grad = None
    ((x.sin() * (w * 3)).cos() * 2.0).sum().backward()
    assert np.array_equal(gx, x.grad.numpy()) and np.array_equal(gw, w.grad.numpy())


def test_reentrant_tuple_with_non_tensors_and_integer_output():
    x = torch.randn(3, requires_grad=True)
    y, n, i = checkpoint(lambda t: (t.exp(), 7, t.argmax()), x, use_reentrant=True)
    assert n == 7 and not i.requires_grad and y.requires_grad
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), x.detach().exp().numpy())


def test_no_grad_outside_and_inside():
    x = torch.randn(3, requires_grad=True)
    for mode in (False, True):
        with torch.no_grad():
            assert checkpoint(lambda t: t.sin(), x, use_reentrant=mode).grad_fn is None

    def f(t):
        with torch.no_grad():
            c = t.cos()
        return t.sin() * c
    y = checkpoint(f, x, use_reentrant=False)
    y.sum().backward()
    ref = (x.detach().cos() * x.detach().cos()).numpy()
    assert np.array_equal(x.grad.numpy(), ref)


def test_nondeterministic_function_is_caught():
    calls = []

    def f(t):
        calls.append(1)
        return t[: len(calls)].sin()
    x = torch.randn(4, requires_grad=True)
    y = checkpoint(f, x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="different metadata"):
        y.sum().backward()


def test_warnings_and_errors_as_pytorch():
    x = torch.randn(3, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(lambda t: t.sin(), x)
    with pytest.warns(UserWarning, match="checkpoint_sequential: the use_reentrant parameter"):
        checkpoint_sequential([torch.nn.ReLU()] * 2, 1, x)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        y = checkpoint(lambda t: t.sin(), torch.randn(3), use_reentrant=True)
    assert not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not checkpoint(lambda t: t.sin(), torch.randn(3), use_reentrant=False).requires_grad
    with pytest.raises(ValueError, match="Unexpected keyword arguments: k"):
        checkpoint(lambda t, k=1: t * k, x, use_reentrant=True, k=2)
    with pytest.raises(ValueError, match="`context_fn` or `debug` is only supported"):
        checkpoint(lambda t: t, x, use_reentrant=True, debug=True)
    with pytest.raises(ValueError, match="determinism_check should be one of"):
        checkpoint(lambda t: t, x, use_reentrant=False, determinism_check="foo")


@pytest.mark.parametrize("mode", [False, True])
def test_saved_tensor_hooks_see_the_checkpoint_inputs(mode):
    # as torch 2.13: pack sees the checkpoint's input once, in both variants
    x = torch.randn(5, requires_grad=True)
    seen = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: seen.append(t.shape) or t,
                                                  lambda t: t):
        y = checkpoint(lambda t: t.exp().exp(), x, use_reentrant=mode).sum()
    assert seen == [(5,)]        # the inner exps' outputs are not kept, only the input
    y.backward()
    assert np.allclose(x.grad.numpy(), (x.detach().exp().exp() * x.detach().exp()).numpy())


def test_parity_with_torch_values():
    # dygrad's checkpointed gradient against PyTorch's plain one (importing
    # torch.utils.checkpoint would load torch._dynamo: seconds, for the same numbers)
    pt = pytest.importorskip("torch")
    xs = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    x = torch.tensor(xs, requires_grad=True)
    y = checkpoint(lambda t, s=1.5: (t.tanh() * s, "tag"), x, use_reentrant=False, s=2.0)
    assert y[1] == "tag"
    y[0].pow(2).sum().backward()
    xt = pt.tensor(xs, requires_grad=True)
    (xt.tanh() * 2.0).pow(2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-6)


def test_anomaly_mode_inside_and_around():
    seen = []

    def f(t):
        seen.append(torch.autograd.is_anomaly_enabled())
        return t.exp()
    x = torch.randn(3, requires_grad=True)
    checkpoint(f, x, use_reentrant=False).sum().backward()
    assert seen == [False, False]
    with torch.autograd.detect_anomaly():
        y = checkpoint(f, x, use_reentrant=False)
        y.sum().backward()
    assert seen[2:] == [True, True] and not torch.autograd.is_anomaly_enabled()


def test_view_and_double_backward():
    x = torch.randn(3, 4, requires_grad=True)
    v = checkpoint(lambda t: (t * 3).view(12), x * 2, use_reentrant=False)
    v.mul_(2)
    v.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.full((3, 4), 12, np.float32))
    x = torch.randn(3, requires_grad=True)
    y = checkpoint(lambda t: t.pow(3), x, use_reentrant=False).sum()
    (g,) = torch.autograd.grad(y, x, create_graph=True)
    g.sum().backward()
    assert np.allclose(x.grad.numpy(), 6 * x.detach().numpy())
