"""RNN, LSTM and GRU on PackedSequence inputs: packed outputs, final states (each sequence's own
last step, in the caller's order) and every gradient equal PyTorch's; without torch, each
sequence of a packed batch equals that sequence run alone, and finite differences agree."""
import numpy as np
import pytest

import dygrad
from dygrad.nn.modules import rnn as M
from dygrad.nn.utils import rnn as R
from dygrad.testing import assert_close

rng = np.random.default_rng(23)
TOL = dict(rtol=1e-9, atol=1e-10)  # float64 throughout


def _copy(dmod, tmod):
    sd = {k: dygrad.tensor(v.detach().numpy().copy()) for k, v in tmod.state_dict().items()}
    dmod.load_state_dict(sd)


def _make(kind, kw, I, H, torch=None):
    kw = dict(kw)
    nl = kw.pop("nonlinearity", None)
    extra = {} if nl is None else {"nonlinearity": nl}
    dmod = getattr(M, kind)(I, H, **kw, **extra).double()
    tmod = None
    if torch is not None:
        tmod = getattr(torch.nn, kind)(I, H, **kw, **extra).double()
        _copy(dmod, tmod)
    return dmod, tmod


def _states(kind, dmod, B, H):
    L = dmod.num_layers * (2 if dmod.bidirectional else 1)
    h = rng.standard_normal((L, B, dmod.proj_size or H))
    return (h, rng.standard_normal((L, B, H))) if kind == "LSTM" else (h,)


CASES = [
    ("GRU", {}), ("GRU", dict(num_layers=2, bidirectional=True)),
    ("LSTM", {}), ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(bidirectional=True, batch_first=True, bias=False)),
    ("LSTM", dict(proj_size=3, bidirectional=True)),
    ("RNN", dict(num_layers=2)), ("RNN", dict(nonlinearity="relu", bidirectional=True)),
]


@pytest.mark.parametrize("kind,kw", CASES)
@pytest.mark.parametrize("lengths,enforce", [([6, 4, 4, 1], True), ([2, 6, 1, 4, 6], False),
                                             ([3, 3, 3], True)])
@pytest.mark.parametrize("with_h0", [False, True])
def test_packed_parity(kind, kw, lengths, enforce, with_h0):
    torch = pytest.importorskip("torch")
    I, H, T, B = 4, 5, max(lengths), len(lengths)
    dmod, tmod = _make(kind, kw, I, H, torch)
    X = rng.standard_normal((T, B, I))
    xd, xt = dygrad.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    pd = R.pack_padded_sequence(xd, lengths, enforce_sorted=enforce)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, enforce_sorted=enforce)
    hd = ht = None
    if with_h0:
        st = _states(kind, dmod, B, H)
        hd = [dygrad.tensor(a, requires_grad=True) for a in st]
        ht = [torch.tensor(a, requires_grad=True) for a in st]
    od, sd = dmod(pd, None if hd is None else (tuple(hd) if kind == "LSTM" else hd[0]))
    ot, st_ = tmod(pt, None if ht is None else (tuple(ht) if kind == "LSTM" else ht[0]))
    assert type(od) is R.PackedSequence
    assert od.batch_sizes.tolist() == ot.batch_sizes.tolist()
    for a, b in zip(od[2:], ot[2:]):
        assert (a is None) == (b is None) and (a is None or a.tolist() == b.tolist())
    assert_close(od.data, ot.data, **TOL)
    sds = sd if kind == "LSTM" else (sd,)
    sts = st_ if kind == "LSTM" else (st_,)
    for a, b in zip(sds, sts, strict=True):
        assert_close(a, b, **TOL)
    # one loss through the output and every final state
    g = np.random.default_rng(1)
    w = g.standard_normal(tuple(ot.data.shape))
    loss_d = (od.data * dygrad.tensor(w)).sum()
    loss_t = (ot.data * torch.tensor(w)).sum()
    for a, b in zip(sds, sts):
        w = g.standard_normal(tuple(b.shape))
        loss_d = loss_d + (a * dygrad.tensor(w)).sum()
        loss_t = loss_t + (b * torch.tensor(w)).sum()
    loss_d.backward()
    loss_t.backward()
    assert_close(xd.grad, xt.grad, **TOL)
    for a, b in zip(hd or (), ht or ()):
        assert_close(a.grad, b.grad, **TOL)
    tp = dict(tmod.named_parameters())
    for name, p in dmod.named_parameters():
        assert_close(p.grad, tp[name].grad, **TOL, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.parametrize("kind", ["GRU", "LSTM", "RNN"])
def test_packed_float32_and_pack_sequence(kind):
    torch = pytest.importorskip("torch")
    dmod = getattr(M, kind)(3, 4, bidirectional=True)
    tmod = getattr(torch.nn, kind)(3, 4, bidirectional=True)
    _copy(dmod, tmod)
    seqs = [rng.standard_normal((n, 3)).astype(np.float32) for n in (2, 5, 3)]
    pd = R.pack_sequence([dygrad.tensor(s) for s in seqs], enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    od, hd = dmod(pd)
    ot, ht = tmod(pt)
    assert_close(od.data, ot.data, rtol=1e-5, atol=1e-6)
    assert_close(hd, ht, rtol=1e-5, atol=1e-6)
    pad_d, len_d = R.pad_packed_sequence(od, batch_first=True)
    pad_t, len_t = torch.nn.utils.rnn.pad_packed_sequence(ot, batch_first=True)
    assert_close(pad_d, pad_t, rtol=1e-5, atol=1e-6)
    assert len_d.tolist() == len_t.tolist()


def test_packed_errors():
    gru = M.GRU(3, 4)
    p = R.pack_padded_sequence(dygrad.randn(4, 3, 3), [4, 2, 1])
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 4\), got \[1, 2, 4\]"):
        gru(p, dygrad.zeros(1, 2, 4))
    with pytest.raises(ValueError, match="RNN input dtype"):
        gru(p.double())
    with pytest.raises(RuntimeError, match="input.size.-1. must be equal to input_size"):
        gru(R.PackedSequence(p.data[:, :2], p.batch_sizes))
    with pytest.raises(RuntimeError, match="input must have 2 dimensions, got 1"):
        gru(R.PackedSequence(p.data[:, 0], p.batch_sizes))
    with pytest.raises(RuntimeError, match="must be positive, non-increasing and sum"):
        gru(R.PackedSequence(p.data[:-1], p.batch_sizes))
    with pytest.raises(RuntimeError, match="LSTM expects hx as a tuple"):
        M.LSTM(3, 4)(p, dygrad.zeros(1, 3, 4))


def test_packed_dropout_eval_no_grad():
    lstm = M.LSTM(3, 4, num_layers=2, dropout=0.5, bidirectional=True)
    x = dygrad.randn(5, 3, 3, requires_grad=True)
    p = R.pack_padded_sequence(x, [2, 5, 4], enforce_sorted=False)
    out, (h, c) = lstm(p)  # dropout between the layers, on the padded layout
    (out.data.sum() + h.sum()).backward()
    assert x.grad is not None and lstm.weight_hh_l1_reverse.grad is not None
    lstm.eval()
    a = lstm(p)[0].data
    with dygrad.no_grad():
        b, (hb, _) = lstm(p)
    assert not b.data.requires_grad and not hb.requires_grad
    assert_close(a, b.data, rtol=0, atol=0)


# -- without torch -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,kw", [("GRU", dict(num_layers=2, bidirectional=True)),
                                     ("LSTM", dict(bidirectional=True)),
                                     ("LSTM", dict(proj_size=2, bidirectional=True)),
                                     ("RNN", dict(nonlinearity="relu", bidirectional=True))])
def test_packed_equals_each_sequence_alone(kind, kw):
    """A packed batch gives, for each sequence, what running that sequence alone gives: the
    reverse direction starts at the sequence's own end and h_n is read at its own last step."""
    dmod, _ = _make(kind, kw, 3, 4)
    lengths = [2, 5, 1, 4]
    X = rng.standard_normal((5, 4, 3))
    st = _states(kind, dmod, 4, 4)
    hx = tuple(dygrad.tensor(a) for a in st)
    out, hn = dmod(R.pack_padded_sequence(dygrad.tensor(X), lengths, enforce_sorted=False),
                   hx if kind == "LSTM" else hx[0])
    padded, _ = R.pad_packed_sequence(out)
    hns = hn if kind == "LSTM" else (hn,)
    for b, n in enumerate(lengths):
        hb = tuple(h[:, b:b + 1] for h in hx)
        ob, hnb = dmod(dygrad.tensor(X[:n, b:b + 1]), hb if kind == "LSTM" else hb[0])
        assert_close(padded[:n, b:b + 1], ob, **TOL)
        assert (padded[n:, b].detach().numpy() == 0).all()
        for a, c in zip(hns, hnb if kind == "LSTM" else (hnb,)):
            assert_close(a[:, b:b + 1], c, **TOL)


@pytest.mark.parametrize("kind", ["GRU", "LSTM", "RNN"])
def test_packed_gradcheck(kind):
    dmod, _ = _make(kind, dict(bidirectional=True, num_layers=2), 2, 3)
    x = dygrad.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    st = [dygrad.tensor(a, requires_grad=True) for a in _states(kind, dmod, 3, 3)]

    def f(x, *st):
        p = R.pack_padded_sequence(x, [3, 4, 1], enforce_sorted=False)
        out, hn = dmod(p, tuple(st) if kind == "LSTM" else st[0])
        hns = hn if kind == "LSTM" else (hn,)
        return (out.data,) + tuple(hns)

    assert dygrad.autograd.gradcheck(f, (x, *st))
    for name in ("weight_hh_l0_reverse", "weight_ih_l1", "bias_hh_l1_reverse"):
        w = getattr(dmod, name).detach().clone().requires_grad_(True)
        assert dygrad.autograd.gradcheck(lambda wv: _with_weight(dmod, name, wv, f, x, st), (w,))


def _with_weight(mod, name, value, f, x, st):
    """f's packed output with parameter `name` replaced by `value` (a leaf to differentiate)."""
    old = mod._parameters[name]
    mod._parameters[name] = value
    try:
        return f(x.detach(), *[s.detach() for s in st])[0]
    finally:
        mod._parameters[name] = old
