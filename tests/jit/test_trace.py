"""dygrad.jit.trace: replays give the eager results and gradients, or fall back with a reason."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn
from dygrad.jit import TracerWarning

F = nn.functional


def _leaf(rng, *shape, dtype=np.float64):
    return dygrad.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def _mixed(x, w, b):
    """Many recorded op families: broadcasting, scalars, unary, matmul, views, reductions."""
    h = F.linear(x, w, b)
    h = dygrad.tanh(h) * 2.0 + dygrad.sigmoid(h) - h.relu() / 3
    h = (h @ w).exp().log1p()
    y = h.reshape(-1).view(x.shape[0], -1).t().transpose(0, 1).permute(1, 0)
    return (y.sum(dim=0) * b[:1] + y.mean()).sum() - (1 - x).abs().pow(2).mean(1).sum()


def _grads(fn, *tensors):
    for t in tensors:
        t.grad = None
    out = fn(*tensors)
    out.backward()
    return out.detach().numpy().copy(), [t.grad.numpy().copy() for t in tensors]


def test_replay_matches_eager_values_and_gradients():
    rng = np.random.default_rng(0)
    args = (_leaf(rng, 5, 4), _leaf(rng, 4, 4), _leaf(rng, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        traced = dygrad.jit.trace(_mixed, args)
    for _ in range(3):  # new values each call: replays, not the traced numbers
        args = (_leaf(rng, 5, 4), _leaf(rng, 4, 4), _leaf(rng, 4))
        want, want_g = _grads(_mixed, *args)
        got, got_g = _grads(traced, *args)
        np.testing.assert_allclose(got, want, rtol=1e-12)
        for a, b in zip(got_g, want_g):
            np.testing.assert_allclose(a, b, rtol=1e-12)
    assert len(traced._plans) == 1 and not traced.reasons
    assert "linear" in traced.graph and "matmul" in traced.graph
    assert "def forward" in traced.code and "def backward" in traced.code


def test_replay_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s).astype(np.float32) for s in ((6, 3), (3, 3), (3,))]

    def fn(mod, x, w, b):
        return (mod.relu(x @ w + b) * x).sum(dim=1).mean() + (x * 0.5).tanh().sum()

    traced = dygrad.jit.trace(lambda x, w, b: fn(dygrad, x, w, b),
                              tuple(dygrad.tensor(a, requires_grad=True) for a in xs))
    for _ in range(2):
        xs = [rng.standard_normal(a.shape).astype(np.float32) for a in xs]
        d = [dygrad.tensor(a, requires_grad=True) for a in xs]
        t = [torch.tensor(a, requires_grad=True) for a in xs]
        dout, tout = traced(*d), fn(torch, *t)
        dout.backward()
        tout.backward()
        np.testing.assert_allclose(dout.item(), tout.item(), rtol=1e-5)
        for a, b in zip(d, t):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_whole_step_with_backward_inside():
    rng = np.random.default_rng(2)
    a, b = _leaf(rng, 4, 4, dtype=np.float32), _leaf(rng, 4, 4, dtype=np.float32)

    def step():
        a.grad = None
        b.grad = None
        loss = (a * b + a).sum()
        loss.backward()
        return loss

    traced = dygrad.jit.trace(step, ())
    for _ in range(3):
        with dygrad.no_grad():
            a.copy_(dygrad.randn(4, 4))
            b.copy_(dygrad.randn(4, 4))
        loss = traced()
        np.testing.assert_allclose(a.grad.numpy(), b.detach().numpy() + 1, rtol=1e-6)
        np.testing.assert_allclose(b.grad.numpy(), a.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(loss.item(), (a * b + a).sum().item(), rtol=1e-6)
        assert loss.requires_grad and loss.grad_fn is not None
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()  # its graph was consumed by the backward() inside, as in eager mode


def test_gradients_accumulate_across_replays_like_eager():
    rng = np.random.default_rng(3)
    w = _leaf(rng, 3)
    x = dygrad.tensor(rng.standard_normal(3))

    def step():  # no reset: gradients add up over calls, as in eager mode
        loss = (w * x).sum()
        loss.backward()
        return loss

    traced = dygrad.jit.trace(step, ())
    for _ in range(2):
        traced()
    np.testing.assert_allclose(w.grad.numpy(), 3 * x.numpy())


def test_new_shapes_trace_again():
    traced = dygrad.jit.trace(lambda x: (x * x).sum(dim=-1), dygrad.ones(2, 3))
    out = traced(dygrad.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(out.numpy(), (np.arange(12.0).reshape(3, 4) ** 2).sum(-1))
    assert len(traced._plans) == 2


def test_captured_tensors_are_read_at_every_call():
    w = dygrad.ones(3, requires_grad=True)
    traced = dygrad.jit.trace(lambda x: (x * w).sum(), dygrad.ones(3))
    with dygrad.no_grad():
        w.mul_(2.0)  # an optimizer-like update between calls
    assert traced(dygrad.ones(3)).item() == 6.0
    w2 = dygrad.ones(4, requires_grad=True)
    traced2 = dygrad.jit.trace(lambda: w2.sum() * 1.0, ())
    w2.data = dygrad.ones(5)  # a captured tensor that changed shape: traced again
    assert traced2().item() == 5.0


@pytest.mark.parametrize("body, reason", [
    (lambda x: x * float(x.sum()), "Python value"),
    (lambda x: dygrad.compiler.disable(lambda y: y * 2)(x), "torch.compiler.disable"),
    (lambda x: x.mul_(1) * 2, "in place"),
    (lambda x: x, "none of its traced operations"),
    (lambda x: [x * 2, "label"], "returns a str"),
])
def test_unreplayable_functions_run_eagerly_with_a_reason(body, reason):
    x = dygrad.tensor([3.0, 1.0, 2.0])
    with pytest.warns(TracerWarning, match=reason):
        traced = dygrad.jit.trace(body, x)
    y = dygrad.tensor([5.0, 4.0, 6.0])
    got, want = traced(y), body(y)
    if isinstance(want, list):
        got, want = got[0], want[0]
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_inplace_change_of_saved_input_is_caught():
    x = dygrad.ones(3, requires_grad=True)
    traced = dygrad.jit.trace(lambda a, b: (a * b).sum(), (x, dygrad.ones(3)))
    b = dygrad.ones(3)
    out = traced(x, b)
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.backward()


def test_retain_graph_and_freed_graph():
    x = dygrad.ones(3, requires_grad=True)
    traced = dygrad.jit.trace(lambda a: (a * a).sum(), x)
    out = traced(x)
    out.backward(retain_graph=True)
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()
    with pytest.raises(RuntimeError, match="double backward"):
        dygrad.autograd.grad(traced(x), x, create_graph=True)


def test_multiple_outputs_and_no_grad_calls():
    x = dygrad.tensor([1.0, 2.0], requires_grad=True)
    traced = dygrad.jit.trace(lambda a: (a * 2, (a * a).sum()), x)
    y, s = traced(x)
    (y.sum() + s).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 6.0])
    with dygrad.no_grad():
        y, s = traced(x)
    assert not y.requires_grad and s.item() == 5.0


def test_traced_module_shares_parameters_and_follows_train_eval():
    dygrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = dygrad.randn(5, 4)
    traced = dygrad.jit.trace(model, x)
    assert list(traced.state_dict()) == list(model.state_dict())
    assert [id(p) for p in traced.parameters()] == [id(p) for p in model.parameters()]
    opt = dygrad.optim.SGD(traced.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        traced(x).pow(2).mean().backward()
        opt.step()
    want = model(x)
    np.testing.assert_allclose(traced(x).detach().numpy(), want.detach().numpy(), rtol=1e-6)
    traced.eval()
    assert not model.training and not model[0].training
    traced(x)
    assert len(traced._traced._plans) == 2  # training flags are part of the key
    assert "linear" in traced.graph


def test_is_tracing_and_grad_assignment_checks():
    seen = []

    def fn(x):
        seen.append(dygrad.jit.is_tracing())
        return x * 2

    dygrad.jit.trace(fn, dygrad.ones(2))
    assert seen == [True] and not dygrad.jit.is_tracing()
    t = dygrad.zeros(3, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None"):
        t.grad = 5
    with pytest.raises(RuntimeError, match="assign a gradient of size"):
        t.grad = dygrad.zeros(2)


def test_zero_grad_inside_a_traced_step_clears_on_every_replay():
    w = dygrad.ones(3, requires_grad=True)
    opt = dygrad.optim.SGD([w], lr=0.1)
    x = dygrad.tensor([1.0, 2.0, 3.0])

    def step():  # .grad is None while tracing, so zero_grad has nothing to clear then
        opt.zero_grad()
        loss = (w * x).sum()
        loss.backward()
        return loss

    traced = dygrad.jit.trace(step, ())
    for _ in range(3):
        traced()
        np.testing.assert_array_equal(w.grad.numpy(), x.numpy())
