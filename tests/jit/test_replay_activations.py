"""Graph replay of the fused activations (dygrad/ops/_activation_node.py, activations*.py): no
fallback to eager, and outputs and gradients equal to eager bit for bit on new inputs. GELU's
node is stateful (it keeps the forward's Phi(x), or tanh of the tanh formula, for its backward)."""
import warnings

import numpy as np
import pytest

import dygrad as torch
import dygrad.nn.functional as F


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # a TracerWarning (fallback to eager) fails the test
        yield


def _check(fn, shape, dtype=torch.float32, steps=2, grad=True):
    """trace of x -> fn(x * w) (summed when grad) replays as eager, outputs and w's gradient."""
    w = torch.randn(*shape, dtype=dtype, requires_grad=grad)

    def f(x):
        y = fn(x * w)
        return y.sum() if grad else y

    traced = torch.jit.trace(f, torch.randn(*shape, dtype=dtype))
    assert traced.reasons == []
    for _ in range(steps):
        x = torch.randn(*shape, dtype=dtype) * 2
        w.grad = None
        y = traced(x)
        if grad:
            y.backward()
            got = w.grad.clone()
            w.grad = None
        want = f(x)
        assert torch.equal(y, want)
        if grad:
            want.backward()
            assert torch.equal(got, w.grad)
    return traced


_ACTS = {
    "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2), "elu": F.elu, "selu": F.selu,
    "celu": lambda x: F.celu(x, 0.5), "threshold": lambda x: F.threshold(x, 0.1, 2.0),
    "rrelu_eval": F.rrelu, "sigmoid": F.sigmoid, "tanh": F.tanh, "softsign": F.softsign,
    "tanhshrink": F.tanhshrink, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu, "mish": F.mish, "softplus": lambda x: F.softplus(x, 2.0, 3.0),
    "logsigmoid": F.logsigmoid, "hardtanh": F.hardtanh, "relu6": F.relu6,
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "softshrink": F.softshrink,
    "hardshrink": F.hardshrink}


@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("name", sorted(_ACTS))
def test_activation_replays(name, grad):
    _check(_ACTS[name], (4, 6), grad=grad)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(3, 5), (40, 700)])   # small arrays and erf32's blocks
def test_gelu_replays_stateful(shape, approximate, dtype):
    traced = _check(lambda x: F.gelu(x, approximate=approximate), shape, dtype)
    assert "gelu" in traced.code


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_fused_activation_float16_gradient_in_replay(dtype):
    # the float16 backward runs in float32 in the node itself, so the replay's is eager's
    _check(F.silu, (8, 3), dtype)
    _check(F.elu, (8, 3), dtype)


def test_rrelu_training_draws_its_slopes_again():
    w = torch.randn(5, 7, requires_grad=True)

    def f(x):
        return (F.rrelu(x * w, training=True) * 3).sum()

    torch.manual_seed(0)
    traced = torch.jit.trace(f, torch.randn(5, 7))
    assert traced.reasons == []
    x = torch.randn(5, 7)
    torch.manual_seed(3)
    y = traced(x)
    y.backward()
    got = w.grad.clone()
    w.grad = None
    torch.manual_seed(3)
    want = f(x)
    want.backward()
    assert torch.equal(y, want) and torch.equal(got, w.grad)


def test_gpt_style_mlp_training_step_replays():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.GELU(), torch.nn.Linear(64, 16))
    opt = torch.optim.SGD(mlp.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = (mlp(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    twin = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.GELU(), torch.nn.Linear(64, 16))
    twin.load_state_dict(mlp.state_dict())
    topt = torch.optim.SGD(twin.parameters(), lr=0.1)

    def eager(x):
        topt.zero_grad()
        loss = (twin(x) ** 2).mean()
        loss.backward()
        topt.step()
        return loss

    xs = [torch.randn(32, 16) for _ in range(4)]
    traced = torch.jit.trace(step, xs[0])
    assert traced.reasons == []
    eager(xs[0])   # the trace ran one eager step
    for x in xs[1:]:
        assert torch.equal(traced(x), eager(x))
    for p, q in zip(mlp.parameters(), twin.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


@pytest.mark.parametrize("shape", [(3, 5), (40, 700)])
def test_gelu_replay_node_backward_twice(shape):
    # the replay's node gives its Phi back to the buffer pool after a backward; a second
    # backward (retain_graph) computes it again, with the same numbers
    w = torch.randn(*shape, requires_grad=True)
    traced = torch.jit.trace(lambda x: F.gelu(x * w), torch.randn(*shape))
    x = torch.randn(*shape)
    g = torch.randn(*shape)
    y = traced(x)
    y.backward(g, retain_graph=True)
    y.backward(g)
    got = w.grad.clone()
    w.grad = None
    want = F.gelu(x * w)
    want.backward(g, retain_graph=True)
    want.backward(g)
    assert torch.equal(y, want) and torch.equal(got, w.grad)
    assert traced.reasons == []
