"""MultiheadAttention and TransformerEncoder(Layer): structure, repr, outputs and gradients vs PyTorch."""
import numpy as np
import pytest

import dygrad
from dygrad.nn.modules import transformer as TR
from dygrad.ops.attention import scaled_dot_product_attention

rng = np.random.default_rng(21)


def _load(dmod, tmod):
    dmod.load_state_dict({k: dygrad.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()})


def _compare_grads(dmod, tmod, tol=1e-3):
    tp = dict(tmod.named_parameters())
    for n, p in dmod.named_parameters():
        if tp[n].grad is None:
            assert p.grad is None or np.allclose(p.grad.numpy(), 0), n
            continue
        np.testing.assert_allclose(p.grad.numpy(), tp[n].grad.numpy(), rtol=tol, atol=tol, err_msg=n)


MHA = [
    dict(kw=dict(), masks=None),
    dict(kw=dict(batch_first=True), masks="attn"),
    dict(kw=dict(kdim=3, vdim=5), masks="kpm"),
    dict(kw=dict(add_bias_kv=True, add_zero_attn=True), masks="both"),
    dict(kw=dict(bias=False), masks="bool_attn"),
]


@pytest.mark.parametrize("case", MHA)
@pytest.mark.parametrize("avg", [True, False])
def test_multihead_attention_parity(case, avg):
    torch = pytest.importorskip("torch")
    E, H, L, S, N = 8, 2, 4, 5, 3
    kw = case["kw"]
    tmod = torch.nn.MultiheadAttention(E, H, **kw)
    dmod = TR.MultiheadAttention(E, H, **kw)
    assert list(dmod.state_dict()) == list(tmod.state_dict())
    assert repr(dmod) == repr(tmod)
    _load(dmod, tmod)
    bf = kw.get("batch_first", False)
    qs = (N, L, E) if bf else (L, N, E)
    ks = (N, S, kw.get("kdim", E)) if bf else (S, N, kw.get("kdim", E))
    vs = (N, S, kw.get("vdim", E)) if bf else (S, N, kw.get("vdim", E))
    arrs = [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, vs)]
    ds = [dygrad.tensor(a, requires_grad=True) for a in arrs]
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    margs_d, margs_t = {}, {}
    m = case["masks"]
    if m in ("attn", "both"):
        A = rng.standard_normal((L, S)).astype(np.float32)
        margs_d["attn_mask"], margs_t["attn_mask"] = dygrad.tensor(A), torch.tensor(A)
    if m == "bool_attn":
        A = np.triu(np.ones((L, S), bool), 2)
        margs_d["attn_mask"], margs_t["attn_mask"] = dygrad.tensor(A), torch.tensor(A)
    if m in ("kpm", "both"):
        K = np.zeros((N, S), bool)
        K[0, -1] = K[2, 0] = True
        margs_d["key_padding_mask"], margs_t["key_padding_mask"] = dygrad.tensor(K), torch.tensor(K)
    import warnings
    with warnings.catch_warnings(record=True) as wd_list:
        warnings.simplefilter("always")
        od, wd = dmod(*ds, average_attn_weights=avg, **margs_d)
    with warnings.catch_warnings(record=True) as wt_list:
        warnings.simplefilter("always")
        ot, wt = tmod(*ts, average_attn_weights=avg, **margs_t)
    assert [str(w.message) for w in wd_list] == [str(w.message) for w in wt_list]
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(wd.detach().numpy(), wt.detach().numpy(), rtol=1e-4, atol=1e-5)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    (od * dygrad.tensor(G)).sum().backward()
    (ot * torch.tensor(G)).sum().backward()
    for d, t in zip(ds, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)
    _compare_grads(dmod, tmod)


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu", batch_first=True)])
def test_encoder_parity(kw):
    torch = pytest.importorskip("torch")
    import warnings
    layer_t = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notice
        enc_t = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(8))
    layer_d = TR.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kw)
    from dygrad.nn.modules.normalization import LayerNorm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the same nested-tensor notice
        enc_d = TR.TransformerEncoder(layer_d, 2, norm=LayerNorm(8))
    assert list(enc_d.state_dict()) == list(enc_t.state_dict())
    assert repr(enc_d) == repr(enc_t)
    _load(enc_d, enc_t)
    X = rng.standard_normal((3, 5, 8)).astype(np.float32)
    K = np.zeros((3 if kw.get("batch_first") else 5, 5 if kw.get("batch_first") else 3), bool)
    xd, xt = dygrad.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    enc_t.eval()  # the fast path is skipped anyway with requires_grad inputs
    enc_d.eval()
    od = enc_d(xd)
    ot = enc_t(xt)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
    od.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-3)
    _compare_grads(enc_d, enc_t)
    del K


def test_sdpa_parity_and_causal():
    torch = pytest.importorskip("torch")
    Q, K, V = (rng.standard_normal((2, 3, 4, 5)).astype(np.float32) for _ in range(3))
    for kw in (dict(), dict(is_causal=True), dict(scale=0.3)):
        od = scaled_dot_product_attention(dygrad.tensor(Q), dygrad.tensor(K), dygrad.tensor(V), **kw)
        ot = torch.nn.functional.scaled_dot_product_attention(torch.tensor(Q), torch.tensor(K), torch.tensor(V), **kw)
        np.testing.assert_allclose(od.numpy(), ot.numpy(), rtol=1e-4, atol=1e-5)
    M = rng.standard_normal((4, 4)) > 0
    M[:, 0] = True
    od = scaled_dot_product_attention(dygrad.tensor(Q), dygrad.tensor(K), dygrad.tensor(V), attn_mask=dygrad.tensor(M))
    ot = torch.nn.functional.scaled_dot_product_attention(torch.tensor(Q), torch.tensor(K), torch.tensor(V), attn_mask=torch.tensor(M))
    np.testing.assert_allclose(od.numpy(), ot.numpy(), rtol=1e-4, atol=1e-5)


def test_encoder_layers_are_independent_copies():
    layer = TR.TransformerEncoderLayer(4, 2, dim_feedforward=8)
    enc = TR.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    ws = [m.linear1.weight for m in enc.layers]
    assert ws[0] is not ws[1] and np.array_equal(ws[0].detach().numpy(), ws[1].detach().numpy())
