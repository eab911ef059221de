"""nn.MultiheadAttention's full option set, F.multi_head_attention_forward and
F.scaled_dot_product_attention against PyTorch: outputs, weights and gradients with every kind of
mask, the causal hint, fully masked rows, dropout's effect on the returned weights, and the
errors for wrong shapes and dtypes."""
import warnings

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import assert_close

from nn_helpers import copy_state

rng = np.random.default_rng(41)
E, H, L, S, N = 8, 2, 4, 5, 3


def _torch():
    return pytest.importorskip("torch")


def _arr(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _both(torch, a, grad=True):
    return dygrad.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


def _call(fd, ft):
    """Both calls; they give the same warnings."""
    with warnings.catch_warnings(record=True) as wd:
        warnings.simplefilter("always")
        rd = fd()
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        rt = ft()
    assert [str(w.message) for w in wd] == [str(w.message) for w in wt]
    return rd, rt


def _backward_match(od, ot, pairs, tol=2e-3):
    g = _arr(*ot.shape)
    od.backward(dygrad.tensor(g))
    import torch
    ot.backward(torch.tensor(g))
    for a, b in pairs:
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
        else:
            assert_close(a.grad, b.grad, rtol=tol, atol=tol)


def _mask(kind, torch, heads=H, n=N):
    """A mask of the kind named, as (dygrad, torch) tensors."""
    if kind == "bool2":
        a = np.triu(np.ones((L, S), bool), 2)
    elif kind == "float2":
        a = _arr(L, S)
    elif kind == "bool3":
        a = rng.random((n * heads, L, S)) < 0.3
        a[..., 0] = False
    elif kind == "float3":
        a = _arr(n * heads, L, S)
    elif kind == "kpm_bool":
        a = np.zeros((n, S), bool)
        a[0, -1] = a[-1, :2] = True
    elif kind == "kpm_float":
        a = np.where(rng.random((n, S)) < 0.3, -np.inf, 0.0).astype(np.float32)
        a[:, 0] = 0.5
    return dygrad.tensor(a), torch.tensor(a)


MHA = [
    dict(kw=dict(kdim=3, vdim=5), attn="float2", kpm="kpm_float"),
    dict(kw=dict(add_bias_kv=True, add_zero_attn=True), attn="bool3", kpm="kpm_bool"),
    dict(kw=dict(add_zero_attn=True, batch_first=True), attn="float3", kpm=None),
    dict(kw=dict(bias=False, kdim=6), attn=None, kpm="kpm_bool"),
    dict(kw=dict(add_bias_kv=True, bias=False, batch_first=True), attn="bool2", kpm=None),
]


@pytest.mark.parametrize("case", MHA, ids=lambda c: str(c))
@pytest.mark.parametrize("need_weights,avg", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("train", [False, True])
def test_multihead_attention_options(case, need_weights, avg, train):
    torch = _torch()
    kw = case["kw"]
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    dm = nn.MultiheadAttention(E, H, **kw)
    assert list(dm.state_dict()) == list(tm.state_dict())
    assert repr(dm) == repr(tm)
    assert type(dm.out_proj).__name__ == type(tm.out_proj).__name__
    copy_state(dm, tm)
    dm.train(train)
    tm.train(train)
    bf = kw.get("batch_first", False)
    shp = (lambda s, e: (N, s, e)) if bf else (lambda s, e: (s, N, e))
    (qd, qt), (kd, kt), (vd, vt) = (_both(torch, _arr(*shp(s, e))) for s, e in
                                    ((L, E), (S, kw.get("kdim", E)), (S, kw.get("vdim", E))))
    md, mt = {}, {}
    if case["attn"]:
        md["attn_mask"], mt["attn_mask"] = _mask(case["attn"], torch)
    if case["kpm"]:
        md["key_padding_mask"], mt["key_padding_mask"] = _mask(case["kpm"], torch)
    (od, wd), (ot, wt) = _call(
        lambda: dm(qd, kd, vd, need_weights=need_weights, average_attn_weights=avg, **md),
        lambda: tm(qt, kt, vt, need_weights=need_weights, average_attn_weights=avg, **mt))
    assert_close(od, ot, rtol=1e-4, atol=1e-5)
    if need_weights:
        assert_close(wd, wt, rtol=1e-4, atol=1e-5)
    else:
        assert wd is None and wt is None
    _backward_match(od, ot, [(qd, qt), (kd, kt), (vd, vt)] +
                    [(p, dict(tm.named_parameters())[n]) for n, p in dm.named_parameters()])


@pytest.mark.parametrize("need_weights,kpm", [(False, False), (True, False), (False, True)])
def test_is_causal_hint(need_weights, kpm):
    """is_causal=True says attn_mask is the causal mask: without key_padding_mask and weights
    the causal mask is used in its place (whatever was passed), otherwise the mask is used."""
    torch = _torch()
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True)
    dm = nn.MultiheadAttention(E, H, batch_first=True)
    copy_state(dm, tm)
    xd, xt = _both(torch, _arr(N, L, E))
    a = _arr(L, L)  # deliberately not causal
    md, mt = dict(attn_mask=dygrad.tensor(a)), dict(attn_mask=torch.tensor(a))
    if kpm:
        md["key_padding_mask"], mt["key_padding_mask"] = (dygrad.zeros(N, L, dtype=dygrad.bool),
                                                          torch.zeros(N, L, dtype=torch.bool))
    od, ot = (r[0] for r in _call(
        lambda: dm(xd, xd, xd, is_causal=True, need_weights=need_weights, **md),
        lambda: tm(xt, xt, xt, is_causal=True, need_weights=need_weights, **mt)))
    assert_close(od, ot, rtol=1e-4, atol=1e-5)
    _backward_match(od, ot, [(xd, xt)])
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        dm(xd, xd, xd, is_causal=True)


def test_unbatched_with_per_head_mask():
    torch = _torch()
    tm, dm = torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H)
    copy_state(dm, tm)
    (qd, qt), (kd, kt) = _both(torch, _arr(L, E)), _both(torch, _arr(S, E))
    md, mt = _mask("float3", torch, n=1)
    kpd, kpt = dygrad.tensor([False, True, False, False, True]), torch.tensor([False, True, False, False, True])
    (od, wd), (ot, wt) = _call(
        lambda: dm(qd, kd, kd, attn_mask=md, key_padding_mask=kpd, average_attn_weights=False),
        lambda: tm(qt, kt, kt, attn_mask=mt, key_padding_mask=kpt, average_attn_weights=False))
    assert_close(od, ot, rtol=1e-4, atol=1e-5)
    assert_close(wd, wt, rtol=1e-4, atol=1e-5)
    _backward_match(od, ot, [(qd, qt), (kd, kt)])


def test_fully_masked_rows():
    """A query that may attend to nothing: NaN output and weights when the weights are asked
    for, a zero attention output (and zero gradients) when they are not, as PyTorch."""
    torch = _torch()
    tm, dm = torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H)
    copy_state(dm, tm)
    xd, xt = _both(torch, _arr(L, N, E))
    kpm = np.zeros((N, L), bool)
    kpm[1] = True
    for nw in (True, False):
        od, wd = dm(xd, xd, xd, key_padding_mask=dygrad.tensor(kpm), need_weights=nw)
        ot, wt = tm(xt, xt, xt, key_padding_mask=torch.tensor(kpm), need_weights=nw)
        assert_close(od, ot, rtol=1e-4, atol=1e-5, equal_nan=True)
        if nw:
            assert_close(wd, wt, rtol=1e-4, atol=1e-5, equal_nan=True)
    xd.grad = None
    xt.grad = None
    _backward_match(od, ot, [(xd, xt)])
    assert np.isfinite(xd.grad.numpy()).all()


def test_dropout_applies_to_returned_weights():
    """In training the weights returned are the ones used: dropped entries are 0, kept ones
    scaled by 1 / (1 - p) (PyTorch returns them after dropout)."""
    dygrad.manual_seed(3)
    m = nn.MultiheadAttention(E, H, dropout=0.5)
    x = dygrad.tensor(_arr(L, N, E))
    m.eval()
    w_eval = m(x, x, x, average_attn_weights=False)[1].detach().numpy()
    m.train()
    w_train = m(x, x, x, average_attn_weights=False)[1].detach().numpy()
    dropped = w_train == 0
    assert dropped.any() and not dropped.all()
    np.testing.assert_allclose(w_train[~dropped], w_eval[~dropped] * 2, rtol=1e-5)


def test_functional_static_kv_and_separate_weights():
    torch = _torch()
    hd = E // H
    qd, qt = _both(torch, _arr(L, N, E))
    kd, kt = _both(torch, _arr(S, N, 6))
    ws = [_both(torch, _arr(*s)) for s in ((E, E), (E, 6), (E, 6), (3 * E,), (E, E), (E,))]
    skd, skt = _both(torch, _arr(N * H, 7, hd))
    svd, svt = _both(torch, _arr(N * H, 7, hd))

    def run(ns, q, k, w, sk, sv):
        return ns.nn.functional.multi_head_attention_forward(
            q, k, k, E, H, None, w[3], None, None, False, 0.0, w[4], w[5], training=False,
            use_separate_proj_weight=True, q_proj_weight=w[0], k_proj_weight=w[1],
            v_proj_weight=w[2], static_k=sk, static_v=sv)
    od, wd = run(dygrad, qd, kd, [a for a, _ in ws], skd, svd)
    ot, wt = run(torch, qt, kt, [b for _, b in ws], skt, svt)
    assert_close(od, ot, rtol=1e-4, atol=1e-5)
    assert_close(wd, wt, rtol=1e-4, atol=1e-5)
    _backward_match(od, ot, [(qd, qt), (skd, skt), (svd, svt)] + ws)


def _error_pair(torch, fd, ft):
    """Both raise; the same exception type. Returns dygrad's message."""
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(Exception) as ed:
        fd()
    assert type(ed.value) is type(et.value), (ed.value, et.value)
    return str(ed.value)


@pytest.mark.parametrize("bad,expect", [
    (dict(attn_mask=np.zeros((2, 5), np.float32)), r"2D attn_mask is torch.Size\(\[2, 5\]\), but should be \(4, 5\)"),
    (dict(attn_mask=np.zeros((5, 4, 5), np.float32)), r"3D attn_mask is torch.Size\(\[5, 4, 5\]\), but should be \(6, 4, 5\)"),
    (dict(attn_mask=np.zeros((5,), np.float32)), "expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D"),
    (dict(attn_mask=np.zeros((4, 5), np.int64)), "only bool and floating types of attn_mask"),
    (dict(attn_mask=np.zeros((4, 5), np.float64)), r"attn_mask of dtype torch.float64 does not match"),
    (dict(key_padding_mask=np.zeros((3, 4), bool)), r"key_padding_mask of shape \(3, 4\) should be .* \(3, 5\)"),
    (dict(key_padding_mask=np.zeros((2, 5), bool)), r"key_padding_mask of shape \(2, 5\)"),
    (dict(key_padding_mask=np.zeros((3, 5), np.int32)), "only bool and floating types of key_padding_mask"),
    (dict(key_padding_mask=np.zeros((3, 5), np.float64)), "key_padding_mask of dtype torch.float64"),
    (dict(key_padding_mask=np.zeros((3, 5, 1), bool)), "expected `key_padding_mask` to be `None` or 2-D"),
])
def test_mask_errors(bad, expect):
    torch = _torch()
    tm, dm = torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H)
    q, k = _arr(L, N, E), _arr(S, N, E)
    msg = _error_pair(
        torch, lambda: dm(dygrad.tensor(q), dygrad.tensor(k), dygrad.tensor(k),
                          **{n: dygrad.tensor(v) for n, v in bad.items()}),
        lambda: tm(torch.tensor(q), torch.tensor(k), torch.tensor(k),
                   **{n: torch.tensor(v) for n, v in bad.items()}))
    import re
    assert re.search(expect, msg), msg


@pytest.mark.parametrize("shapes,expect", [
    (((L, N, E), (S, N, E), (S + 1, N, E)), "does not match value shape"),
    (((L, N, E), (S, N, E), (S, N)), "expected `key` and `value` to be 3-D but found 3-D and 2-D"),
    (((L, E), (S, N, E), (S, N, E)), "expected `key` and `value` to be 2-D"),
    (((L, N, E), (S, N + 1, E), (S, N + 1, E)), r"query of shape \(4, 3, 8\) and key of shape \(5, 4, 8\)"),
    (((L, N, E + 2), (S, N, E + 2), (S, N, E + 2)), "was expecting embedding dimension of 8, but got 10"),
    (((1, L, N, E), (S, N, E), (S, N, E)), "query should be unbatched 2D or batched 3D tensor"),
])
def test_input_shape_errors(shapes, expect):
    torch = _torch()
    tm, dm = torch.nn.MultiheadAttention(E, H), nn.MultiheadAttention(E, H)
    arrs = [_arr(*s) for s in shapes]
    msg = _error_pair(torch, lambda: dm(*map(dygrad.tensor, arrs)),
                      lambda: tm(*map(torch.tensor, arrs)))
    assert expect in msg or __import__("re").search(expect, msg), msg


def test_encoder_mismatched_mask_kinds_warn_as_torch():
    torch = _torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tl = torch.nn.TransformerEncoderLayer(E, H, 16, dropout=0.0)
        te = torch.nn.TransformerEncoder(tl, 2)
    dl = nn.TransformerEncoderLayer(E, H, 16, dropout=0.0)
    de = nn.TransformerEncoder(dl, 2, enable_nested_tensor=False)
    copy_state(dl, tl)
    copy_state(de, te)
    x = _arr(S, N, E)
    mask = np.triu(np.full((S, S), -np.inf, np.float32), 1)
    kpm = np.zeros((N, S), bool)
    kpm[0, -1] = True
    for dmod, tmod, mname in ((dl, tl, "src_mask"), (de, te, "mask")):
        od, ot = _call(lambda: dmod(dygrad.tensor(x), **{mname: dygrad.tensor(mask)},
                                    src_key_padding_mask=dygrad.tensor(kpm)),
                       lambda: tmod(torch.tensor(x), **{mname: torch.tensor(mask)},
                                    src_key_padding_mask=torch.tensor(kpm)))
        assert_close(od, ot, rtol=1e-4, atol=1e-4)


# -- scaled_dot_product_attention ---------------------------------------------------------------

SDPA = [
    dict(mask="bool_ls"),
    dict(mask="bool_b"),
    dict(mask="float_b", mask_grad=True),
    dict(mask="bool_dead"),
    dict(is_causal=True, shape_k=(2, 3, 7, 8)),
    dict(is_causal=True, shape_q=(2, 3, 7, 8)),
    dict(scale=0.3, mask="float_ls"),
    dict(enable_gqa=True, shape_k=(2, 1, 5, 8)),
    dict(shape_k=(1, 5, 8)),
    dict(shape_q=(4, 8), mask="bool_b"),  # key's batch dims broadcast over the query's
]


@pytest.mark.parametrize("case", SDPA, ids=lambda c: str(c))
def test_sdpa_options(case):
    torch = _torch()
    case = dict(case)
    qs = case.pop("shape_q", (2, 3, 4, 8))
    ks = case.pop("shape_k", (2, 3, 5, 8))
    vs = ks[:-1] + (6,)
    (qd, qt), (kd, kt), (vd, vt) = (_both(torch, _arr(*s)) for s in (qs, ks, vs))
    Lq, Sk = qs[-2], ks[-2]
    kind, mg = case.pop("mask", None), case.pop("mask_grad", False)
    pairs = [(qd, qt), (kd, kt), (vd, vt)]
    if kind:
        if kind == "bool_ls":
            a = rng.random((Lq, Sk)) < 0.7
            a[:, 0] = True
        elif kind == "bool_b":
            a = rng.random((2, 1, Lq, Sk)) < 0.6
            a[..., -1] = True
        elif kind == "bool_dead":
            a = rng.random((Lq, Sk)) < 0.6
            a[1] = False  # query 1 may attend to nothing: zero output and zero gradients
        elif kind == "float_b":
            a = _arr(2, 1, Lq, Sk)
        else:
            a = _arr(Lq, Sk)
        md, mt = _both(torch, a, grad=mg)
        case["attn_mask"] = (md, mt)
        if mg:
            pairs.append((md, mt))
    kd_ = {k: (v[0] if isinstance(v, tuple) else v) for k, v in case.items()}
    kt_ = {k: (v[1] if isinstance(v, tuple) else v) for k, v in case.items()}
    od = F.scaled_dot_product_attention(qd, kd, vd, **kd_)
    ot = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, **kt_)
    assert_close(od, ot, rtol=1e-4, atol=1e-5)
    _backward_match(od, ot, pairs)


def test_sdpa_float32_mask_on_float64_attention():
    torch = _torch()
    q, m = rng.standard_normal((2, 4, 3)), _arr(4, 4)
    (qd, qt), (md, mt) = _both(torch, q), _both(torch, m)
    od = F.scaled_dot_product_attention(qd, qd, qd, attn_mask=md)
    ot = torch.nn.functional.scaled_dot_product_attention(qt, qt, qt, attn_mask=mt)
    assert od.dtype == dygrad.float64
    assert_close(od, ot, rtol=1e-6, atol=1e-7)
    _backward_match(od, ot, [(qd, qt), (md, mt)], tol=1e-5)


def test_sdpa_dropout():
    q = dygrad.tensor(_arr(2, 2, 6, 4))
    base = F.scaled_dot_product_attention(q, q, q)
    dygrad.manual_seed(5)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    dygrad.manual_seed(5)
    b = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert_close(a, b)
    assert not np.allclose(a.numpy(), base.numpy())
    assert_close(F.scaled_dot_product_attention(q, q, q, dropout_p=0.0), base)


@pytest.mark.parametrize("bad,expect", [
    (dict(attn_mask=np.zeros((4, 5), np.float32), is_causal=True), "attn_mask must not be given with is_causal"),
    (dict(attn_mask=np.zeros((4, 5), np.int64)), "expected attn_mask of dtype torch.bool, torch.float32 or the query's dtype torch.float32, got torch.int64"),
    (dict(attn_mask=np.zeros((4, 5), np.float64)), "got torch.float64"),
    (dict(attn_mask=np.zeros((4, 5), np.float16)), "got torch.float16"),
    (dict(attn_mask=np.zeros((3, 5), bool)), r"attn_mask of shape \(3, 5\) does not broadcast to .*\(2, 3, 4, 5\)"),
    (dict(k=(2, 2, 5, 8), v=(2, 2, 5, 6), enable_gqa=True), r"heads of key \(2\) and value \(2\) must divide the number of heads of query \(3\)"),
    (dict(k=(2, 3, 5, 7)), r"query of shape \(2, 3, 4, 8\) and key of shape \(2, 3, 5, 7\)"),
    (dict(v=(2, 3, 6, 6)), r"key of shape \(2, 3, 5, 8\) and value of shape \(2, 3, 6, 6\)"),
    (dict(q=(8,)), "at least 2-D, got query 1-D"),
    (dict(k_dtype=np.float64), "query torch.float32, key torch.float64 and value torch.float32"),
])
def test_sdpa_errors(bad, expect):
    torch = _torch()
    bad = dict(bad)
    qs, ks, vs = bad.pop("q", (2, 3, 4, 8)), bad.pop("k", (2, 3, 5, 8)), bad.pop("v", (2, 3, 5, 6))
    kdt = bad.pop("k_dtype", np.float32)
    q, k, v = _arr(*qs), _arr(*ks).astype(kdt), _arr(*vs)
    extra_d = {n: (dygrad.tensor(a) if isinstance(a, np.ndarray) else a) for n, a in bad.items()}
    extra_t = {n: (torch.tensor(a) if isinstance(a, np.ndarray) else a) for n, a in bad.items()}
    msg = _error_pair(
        torch, lambda: F.scaled_dot_product_attention(*map(dygrad.tensor, (q, k, v)), **extra_d),
        lambda: torch.nn.functional.scaled_dot_product_attention(*map(torch.tensor, (q, k, v)), **extra_t))
    import re
    assert re.search(expect, msg), msg


def test_non_dynamically_quantizable_linear_class_path():
    from dygrad.nn.modules.linear import NonDynamicallyQuantizableLinear
    from dygrad.nn.modules.transformer import NonDynamicallyQuantizableLinear as again
    m = nn.MultiheadAttention(4, 2)
    assert type(m.out_proj) is NonDynamicallyQuantizableLinear is again
    assert NonDynamicallyQuantizableLinear.__module__ == "dygrad.nn.modules.linear"
    assert isinstance(m.out_proj, nn.Linear) and not hasattr(nn, "NonDynamicallyQuantizableLinear")
    assert repr(m.out_proj) == "NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)"
    from dygrad.nn.modules.activation import MultiheadAttention
    assert MultiheadAttention is nn.MultiheadAttention


@pytest.mark.parametrize("name,shape", [("attn_mask", (L, S)), ("key_padding_mask", (N, S))])
def test_float32_masks_on_float64_attention(name, shape):
    """Without weights (PyTorch's fused attention) a float32 mask serves float64 attention;
    with weights the dtypes must match (RuntimeError, as PyTorch)."""
    torch = _torch()
    tm = torch.nn.MultiheadAttention(E, H).double()
    dm = nn.MultiheadAttention(E, H).double()
    copy_state(dm, tm)
    (qd, qt), (kd, kt) = _both(torch, rng.standard_normal((L, N, E))), _both(torch, rng.standard_normal((S, N, E)))
    md, mt = _both(torch, _arr(*shape), grad=False)
    od = dm(qd, kd, kd, need_weights=False, **{name: md})[0]
    ot = tm(qt, kt, kt, need_weights=False, **{name: mt})[0]
    assert od.dtype == dygrad.float64
    assert_close(od, ot, rtol=1e-6, atol=1e-7)
    _backward_match(od, ot, [(qd, qt), (kd, kt)], tol=1e-6)
    msg = _error_pair(torch, lambda: dm(qd, kd, kd, **{name: md}), lambda: tm(qt, kt, kt, **{name: mt}))
    assert f"{name} of dtype torch.float32 does not match the query's dtype torch.float64" in msg
    model = nn.Transformer(E, H, 1, 1, 16, batch_first=True, dtype=dygrad.float64)
    out = model(dygrad.ones(2, S, E, dtype=dygrad.float64), dygrad.ones(2, L, E, dtype=dygrad.float64),
                tgt_mask=nn.Transformer.generate_square_subsequent_mask(L))
    assert out.dtype == dygrad.float64
