"""nn.RNN / LSTM / GRU under dygrad.jit: the fused layers (several outputs, a stateful node)
replay forward and backward bit for bit as eager, and so do whole training steps."""
import copy
import warnings

import numpy as np
import pytest

import dygrad as torch
from dygrad import nn

rng = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def _strict():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a TracerWarning (fallback to eager) fails the test
        yield


CASES = [
    ("LSTM", dict(num_layers=2)),
    ("LSTM", dict(bidirectional=True, batch_first=True)),
    ("LSTM", dict(bias=False)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(batch_first=True)),
    ("RNN", dict(num_layers=2)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True, bias=False)),
]
I, H, T, B = 4, 5, 6, 3


def _make(kind, kw, seed=0):
    torch.manual_seed(seed)
    return getattr(nn, kind)(I, H, **kw)


def _inputs(kind, kw, with_h0):
    shape = (B, T, I) if kw.get("batch_first") else (T, B, I)
    x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
    if not with_h0:
        return (x,)
    L = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hs = [torch.from_numpy(rng.standard_normal((L, B, H)).astype(np.float32))
          for _ in range(2 if kind == "LSTM" else 1)]
    return (x, *hs)


def _forward(model, kind):
    """model's forward as a function of tensors only, its outputs as a flat tuple. (The
    batch_first output is a transposed view, as PyTorch's: a traced function may not return
    a view, so f returns a contiguous copy.)"""
    def f(x, *hx):
        if kind == "LSTM":
            out, (h, c) = model(x, tuple(hx) if hx else None)
            return out.contiguous(), h, c
        out, h = model(x, hx[0] if hx else None)
        return out.contiguous(), h
    return f


def _loss(outs):
    # weights every output (c_n too), so each output's gradient reaches the fused node
    return sum(((o * (k + 1)) ** 2).sum() for k, o in enumerate(outs))


@pytest.mark.parametrize("kind,kw", CASES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_forward_and_backward_replay_as_eager(kind, kw, with_h0):
    model = _make(kind, kw)
    f = _forward(model, kind)
    traced = torch.jit.trace(f, _inputs(kind, kw, with_h0))
    params = list(model.parameters())
    for _ in range(2):
        args = [a.requires_grad_(True) for a in _inputs(kind, kw, with_h0)]
        got = traced(*args)
        model.zero_grad()
        _loss(got).backward()
        got_grads = [p.grad.clone() for p in params] + [a.grad.clone() for a in args]
        eargs = [a.detach().requires_grad_(True) for a in args]
        want = f(*eargs)
        model.zero_grad()
        _loss(want).backward()
        for a, b in zip(got, want):
            assert torch.equal(a, b)
        for a, b in zip(got_grads, [p.grad for p in params] + [a.grad for a in eargs]):
            assert torch.equal(a, b)
    assert traced.reasons == []


@pytest.mark.parametrize("kind,kw", CASES[:1] + CASES[3:4] + CASES[5:6])
def test_forward_without_gradients_replays(kind, kw):
    model = _make(kind, kw)
    f = _forward(model, kind)
    with torch.no_grad():
        traced = torch.jit.trace(f, _inputs(kind, kw, True))
        for _ in range(2):
            args = _inputs(kind, kw, True)
            for a, b in zip(traced(*args), f(*args)):
                assert torch.equal(a, b)
    assert traced.reasons == []


def _train_pair(kind, kw):
    """The same SGD training step, eager and traced, on two equal copies of a model."""
    runs = []
    for traced in (False, True):
        model = _make(kind, kw)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)  # stateless: the copies stay in step
        f = _forward(model, kind)

        def step(x, f=f, opt=opt):
            opt.zero_grad()
            outs = f(x)
            loss = outs[0].pow(2).mean() + outs[1].sum()
            loss.backward()
            opt.step()
            return loss
        runs.append((model, torch.jit.trace(step, _inputs(kind, kw, False)) if traced else step))
    return runs


@pytest.mark.parametrize("kind,kw", CASES[:1] + CASES[3:4] + CASES[5:6] + [
    ("LSTM", dict(proj_size=2, num_layers=2))])  # projections: built from recorded ops
def test_training_step_replays_as_eager(kind, kw):
    (m_e, step_e), (m_t, step_t) = _train_pair(kind, kw)
    # tracing ran steps on m_t: bring m_e to the same point
    m_e.load_state_dict(copy.deepcopy(m_t.state_dict()))
    for _ in range(3):
        (x,) = _inputs(kind, kw, False)
        le = step_e(x)
        lt = step_t(x)
        assert torch.equal(le, lt)
        for (n, a), b in zip(m_e.named_parameters(), m_t.parameters()):
            assert torch.equal(a, b), n
    assert step_t.reasons == []


def test_training_step_with_dropout_between_layers_replays_after_the_same_seed():
    model = nn.LSTM(I, H, num_layers=2, dropout=0.3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        out, (h, c) = model(x)
        loss = out.pow(2).sum() + c.sum()
        loss.backward()
        opt.step()
        return loss

    traced = torch.jit.trace(step, _inputs("LSTM", {}, False))
    for seed in (3, 4):
        (x,) = _inputs("LSTM", {}, False)
        start = copy.deepcopy(model.state_dict())
        torch.manual_seed(seed)
        lt = traced(x)
        after = [p.detach().clone() for p in model.parameters()]
        model.load_state_dict(start)
        torch.manual_seed(seed)
        le = step(x)
        assert torch.equal(lt, le)
        for a, b in zip(after, model.parameters()):
            assert torch.equal(a, b)
    assert traced.reasons == []


# eager correctness of the fused backward for every output and initial state
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("x_grad", [True, False])
def test_gradcheck_through_every_output_and_initial_state(kind, x_grad):
    mod = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True).double()
    x = torch.tensor(rng.standard_normal((4, 2, 3)), requires_grad=x_grad)
    hx = [torch.tensor(rng.standard_normal((4, 2, 4)), requires_grad=True)
          for _ in range(2 if kind == "LSTM" else 1)]

    def f(*hx):
        if kind == "LSTM":
            out, (h, c) = mod(x, tuple(hx))
            return out, h, c
        return mod(x, hx[0])

    assert torch.autograd.gradcheck(f, tuple(hx))


def test_gradient_of_the_final_cell_state_alone():
    mod = nn.LSTM(3, 4, bidirectional=True).double()
    x = torch.tensor(rng.standard_normal((5, 2, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: mod(x)[1][1], (x,))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_unbatched_input_replays(kind):
    model = _make(kind, {})
    w = torch.randn(H, requires_grad=True)

    def f(x):
        out = model(x)[0]
        return (out * w).sum()

    traced = torch.jit.trace(f, torch.randn(T, I))
    params = list(model.parameters()) + [w]
    for _ in range(2):
        x = torch.randn(T, I)
        model.zero_grad()
        w.grad = None
        y = traced(x)
        y.backward()
        got = [p.grad.clone() for p in params]
        model.zero_grad()
        w.grad = None
        want = f(x)
        want.backward()
        assert torch.equal(y, want)
        for a, p in zip(got, params):
            assert torch.equal(a, p.grad)
    assert traced.reasons == []
