"""RNN, LSTM, GRU and cells: outputs, hidden states and every gradient equal PyTorch's."""
import numpy as np
import pytest

import dygrad
from dygrad.nn.modules import rnn as R

rng = np.random.default_rng(11)


def _copy_weights(dmod, tmod):
    sd = {k: v.detach().numpy() for k, v in tmod.state_dict().items()}
    for name, p in dmod.named_parameters():
        p._data[...] = sd[name]
    assert sorted(sd) == sorted(n for n, _ in dmod.named_parameters())


CASES = [
    ("GRU", dict(num_layers=1)), ("GRU", dict(num_layers=2, batch_first=True)),
    ("GRU", dict(bidirectional=True)), ("LSTM", dict(num_layers=2)),
    ("LSTM", dict(bidirectional=True, batch_first=True)), ("LSTM", dict(bias=False)),
    ("RNN", dict(num_layers=2)), ("RNN", dict(nonlinearity="relu", bidirectional=True)),
]


@pytest.mark.parametrize("kind,kw", CASES)
@pytest.mark.parametrize("with_h0", [False, True])
def test_recurrent_parity(kind, kw, with_h0):
    torch = pytest.importorskip("torch")
    I, H, T, B = 5, 7, 6, 3
    tmod = getattr(torch.nn, kind)(I, H, **kw)
    dmod = getattr(R, kind)(I, H, **kw)
    _copy_weights(dmod, tmod)
    assert repr(dmod) == repr(tmod)
    shape = (B, T, I) if kw.get("batch_first") else (T, B, I)
    X = rng.standard_normal(shape).astype(np.float32)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    L = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hx_d = hx_t = None
    if with_h0:
        H0 = rng.standard_normal((L, B, H)).astype(np.float32)
        if kind == "LSTM":
            C0 = rng.standard_normal((L, B, H)).astype(np.float32)
            hx_d = (dygrad.tensor(H0, requires_grad=True), dygrad.tensor(C0, requires_grad=True))
            hx_t = (torch.tensor(H0, requires_grad=True), torch.tensor(C0, requires_grad=True))
        else:
            hx_d = dygrad.tensor(H0, requires_grad=True)
            hx_t = torch.tensor(H0, requires_grad=True)
    od, hd = dmod(xd, hx_d)
    ot, ht = tmod(xt, hx_t)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    hds = hd if kind == "LSTM" else (hd,)
    hts = ht if kind == "LSTM" else (ht,)
    for a, b in zip(hds, hts):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    GH = rng.standard_normal(tuple(hts[-1].shape)).astype(np.float32)
    loss_d = (od * dygrad.tensor(G)).sum() + (hds[-1] * dygrad.tensor(GH)).sum()
    loss_t = (ot * torch.tensor(G)).sum() + (hts[-1] * torch.tensor(GH)).sum()
    loss_d.backward()
    loss_t.backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    tparams = dict(tmod.named_parameters())
    for name, p in dmod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-3, atol=1e-4,
                                   err_msg=name)
    if with_h0:
        for a, b in zip(hx_d if kind == "LSTM" else (hx_d,), hx_t if kind == "LSTM" else (hx_t,)):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-3, atol=1e-4)


def test_unbatched_input():
    torch = pytest.importorskip("torch")
    tmod = torch.nn.GRU(3, 4)
    dmod = R.GRU(3, 4)
    _copy_weights(dmod, tmod)
    X = rng.standard_normal((5, 3)).astype(np.float32)
    od, hd = dmod(dygrad.tensor(X))
    ot, ht = tmod(torch.tensor(X))
    assert tuple(od.shape) == tuple(ot.shape) and tuple(hd.shape) == tuple(ht.shape)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_parity(kind):
    torch = pytest.importorskip("torch")
    tmod = getattr(torch.nn, kind)(4, 6)
    dmod = getattr(R, kind)(4, 6)
    _copy_weights(dmod, tmod)
    assert repr(dmod) == repr(tmod)
    X = rng.standard_normal((3, 4)).astype(np.float32)
    xd, xt = dygrad.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    od, ot = dmod(xd), tmod(xt)
    if kind == "LSTMCell":
        od, ot = od[0] + od[1], ot[0] + ot[1]
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    od.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_fused_gradcheck_float64(kind):
    mod = getattr(R, kind)(3, 4, bidirectional=True).double()
    x = dygrad.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)

    def f(x):
        out, _ = mod(x)
        return out

    assert dygrad.autograd.gradcheck(f, (x,))


def test_double_backward_through_fused_layer_is_refused_clearly():
    mod = R.GRU(2, 3)
    x = dygrad.randn(3, 1, 2, requires_grad=True)
    out, _ = mod(x)
    with pytest.raises(RuntimeError, match="double backward"):
        dygrad.autograd.grad(out.sum(), x, create_graph=True)


def test_bad_input_errors():
    mod = R.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input_size. Expected 3, got 5"):
        mod(dygrad.randn(2, 1, 5))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        mod(dygrad.randn(2, 1, 3), (dygrad.zeros(2, 1, 4), dygrad.zeros(2, 1, 4)))


@pytest.mark.parametrize("cfg", [dict(), dict(num_layers=2, bidirectional=True, batch_first=True),
                                 dict(num_layers=2, bias=False)])
def test_lstm_with_projections_matches_torch(cfg):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    mt = torch.nn.LSTM(3, 4, proj_size=2, **cfg).double()
    md = dygrad.nn.LSTM(3, 4, proj_size=2, **cfg).double()
    assert [n for n, _ in md.named_parameters()] == [n for n, _ in mt.named_parameters()]
    md.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in mt.state_dict().items()})
    x = rng.standard_normal((2, 5, 3) if cfg.get("batch_first") else (5, 2, 3))
    xt, xd = torch.tensor(x, requires_grad=True), dygrad.tensor(x, requires_grad=True)
    (ot, (ht, ct)), (od, (hd, cd)) = mt(xt), md(xd)
    (ot.sum() + ht.sum() * 2 + ct.sum() * 3).backward()
    (od.sum() + hd.sum() * 2 + cd.sum() * 3).backward()
    for a, b in ((ot, od), (ht, hd), (ct, cd), (xt.grad, xd.grad)):
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), atol=1e-12)
    for (_, p), (_, q) in zip(mt.named_parameters(), md.named_parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), atol=1e-12)


def test_lstm_projection_arguments_are_checked():
    with pytest.raises(ValueError, match="smaller than hidden_size"):
        dygrad.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        dygrad.nn.GRU(3, 4, proj_size=2)
