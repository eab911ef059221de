"""nn.Transformer, TransformerDecoder and TransformerDecoderLayer against PyTorch: state_dict
keys, reprs, outputs and gradients (inputs and parameters) with every kind of mask, norm_first,
batch_first, activations, bias=False; custom encoder/decoder; the causal mask; errors."""
import warnings

import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
from dygrad.testing import assert_close

from nn_helpers import copy_state

rng = np.random.default_rng(31)
E, H, FF = 8, 2, 16
S, T, N = 5, 4, 3


def _torch():
    return pytest.importorskip("torch")


def _quiet(fn):
    """torch's constructors warn about their nested-tensor fast path (irrelevant here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _pair(build, torch):
    """The same module built in both frameworks (`build(namespace)`), torch's weights in both."""
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        tm = build(torch)
    with warnings.catch_warnings(record=True) as wd:
        warnings.simplefilter("always")
        dm = build(dygrad)
    # (the nested-tensor notice of TransformerEncoder, when PyTorch gives it)
    assert [str(w.message) for w in wd] == [str(w.message) for w in wt]
    assert list(dm.state_dict()) == list(tm.state_dict())
    assert repr(dm) == repr(tm)
    copy_state(dm, tm)
    return dm, tm


def _inputs(torch, *shapes):
    arrs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return ([dygrad.tensor(a, requires_grad=True) for a in arrs],
            [torch.tensor(a, requires_grad=True) for a in arrs])


def _masks(torch, kinds, bf):
    """Masks of the kinds named, as (dygrad kwargs, torch kwargs)."""
    m = {}
    if "tgt_causal" in kinds:
        m["tgt_mask"] = np.triu(np.full((T, T), -np.inf, np.float32), 1)
    if "tgt_bool" in kinds:
        m["tgt_mask"] = np.triu(np.ones((T, T), bool), 1)
    if "tgt_float" in kinds:
        m["tgt_mask"] = rng.standard_normal((T, T)).astype(np.float32)
    if "tgt_3d" in kinds:
        m["tgt_mask"] = np.triu(np.full((N * H, T, T), -np.inf, np.float32), 1)
    if "memory" in kinds:
        mm = rng.random((T, S)) < 0.3
        mm[:, 0] = False
        m["memory_mask"] = mm
    if "src" in kinds:
        m["src_mask"] = rng.standard_normal((S, S)).astype(np.float32)
    if "kpm" in kinds:
        sk = np.zeros((N, S), bool)
        sk[0, -2:] = sk[2, 0] = True
        tk = np.zeros((N, T), bool)
        tk[1, -1] = True
        m["src_key_padding_mask"] = sk
        m["tgt_key_padding_mask"] = tk
        m["memory_key_padding_mask"] = sk
    return ({k: dygrad.tensor(v) for k, v in m.items()}, {k: torch.tensor(v) for k, v in m.items()})


def _run(dm, tm, xd, xt, md, mt):
    """Both forwards; they give the same warnings (PyTorch's deprecation of mixed mask kinds)."""
    with warnings.catch_warnings(record=True) as wd:
        warnings.simplefilter("always")
        od = dm(*xd, **md)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        ot = tm(*xt, **mt)
    assert [str(w.message) for w in wd] == [str(w.message) for w in wt]
    return od, ot


def _grads_match(dm, tm, xs_d, xs_t, od, ot, tol=2e-4):
    assert_close(od, ot, rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(g))
    ot.backward(torch_tensor(ot, g))
    for a, b in zip(xs_d, xs_t):
        assert_close(a.grad, b.grad, rtol=2e-3, atol=2e-3)
    tp = dict(tm.named_parameters())
    for n, p in dm.named_parameters():
        if tp[n].grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), n
        else:
            assert_close(p.grad, tp[n].grad, rtol=2e-3, atol=2e-3, msg=lambda m, n=n: f"{n}: {m}")


def torch_tensor(like, a):
    import torch
    return torch.tensor(a, dtype=like.dtype)


TRANSFORMER = [
    dict(kw={}, masks=()),
    dict(kw={}, masks=("tgt_causal",)),
    dict(kw=dict(batch_first=True), masks=("tgt_bool", "kpm")),
    dict(kw=dict(norm_first=True), masks=("tgt_float", "memory", "src")),
    dict(kw=dict(norm_first=True, batch_first=True, activation="gelu"), masks=("tgt_3d", "kpm")),
    dict(kw=dict(bias=False, layer_norm_eps=1e-3), masks=("tgt_causal", "memory")),
]


@pytest.mark.parametrize("case", TRANSFORMER, ids=lambda c: f"{c['kw']}-{c['masks']}")
@pytest.mark.parametrize("train", [False, True])
def test_transformer_parity(case, train):
    torch = _torch()
    kw = case["kw"]
    dm, tm = _pair(lambda ns: ns.nn.Transformer(E, H, 2, 2, FF, dropout=0.0, **kw), torch)
    dm.train(train)
    tm.train(train)
    bf = kw.get("batch_first", False)
    xd, xt = _inputs(torch, (N, S, E) if bf else (S, N, E), (N, T, E) if bf else (T, N, E))
    md, mt = _masks(torch, case["masks"], bf)
    od, ot = _run(dm, tm, xd, xt, md, mt)
    _grads_match(dm, tm, xd, xt, od, ot)


def test_transformer_causal_hint_and_unbatched():
    torch = _torch()
    dm, tm = _pair(lambda ns: ns.nn.Transformer(E, H, 1, 1, FF, dropout=0.0), torch)
    dm.eval()
    tm.eval()
    mask_d = nn.Transformer.generate_square_subsequent_mask(T)
    mask_t = torch.nn.Transformer.generate_square_subsequent_mask(T)
    xd, xt = _inputs(torch, (S, E), (T, E))  # unbatched
    od = dm(*xd, tgt_mask=mask_d, tgt_is_causal=True)
    ot = tm(*xt, tgt_mask=mask_t, tgt_is_causal=True)
    _grads_match(dm, tm, xd, xt, od, ot)


def test_generate_square_subsequent_mask():
    torch = _torch()
    for sz in (1, 4):
        assert_close(nn.Transformer.generate_square_subsequent_mask(sz),
                     torch.nn.Transformer.generate_square_subsequent_mask(sz))
    m = nn.Transformer.generate_square_subsequent_mask(3, dtype=dygrad.float64)
    assert m.dtype == dygrad.float64
    assert_close(m, torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64))
    old = dygrad.get_default_dtype()
    dygrad.set_default_dtype(dygrad.float64)
    try:
        assert nn.Transformer.generate_square_subsequent_mask(2).dtype == dygrad.float64
    finally:
        dygrad.set_default_dtype(old)


DECODER = [
    dict(kw={}, masks=("tgt_causal", "kpm")),
    dict(kw=dict(batch_first=True, norm_first=True), masks=("tgt_bool", "memory")),
    dict(kw=dict(activation="gelu", bias=False), masks=("tgt_float",)),
]


@pytest.mark.parametrize("case", DECODER, ids=lambda c: f"{c['kw']}-{c['masks']}")
def test_decoder_stack_parity(case):
    torch = _torch()
    kw = case["kw"]

    def build(ns):
        layer = ns.nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, **kw)
        return ns.nn.TransformerDecoder(layer, 2, norm=ns.nn.LayerNorm(E))
    dm, tm = _pair(build, torch)
    bf = kw.get("batch_first", False)
    xd, xt = _inputs(torch, (N, T, E) if bf else (T, N, E), (N, S, E) if bf else (S, N, E))
    md, mt = _masks(torch, case["masks"], bf)
    md.pop("src_key_padding_mask", None)
    mt.pop("src_key_padding_mask", None)
    od, ot = _run(dm, tm, xd, xt, md, mt)
    _grads_match(dm, tm, xd, xt, od, ot)


def test_decoder_layer_callable_activation_and_fully_padded_memory():
    """A batch entry whose memory is all padding: attention without weights gives it a zero
    attention output (PyTorch's fused path), not NaN."""
    torch = _torch()
    dm, tm = _pair(lambda ns: ns.nn.TransformerDecoderLayer(
        E, H, FF, dropout=0.0, activation=ns.nn.functional.gelu), torch)
    assert dm.activation is dygrad.nn.functional.gelu
    xd, xt = _inputs(torch, (T, N, E), (S, N, E))
    kpm = np.zeros((N, S), bool)
    kpm[1] = True
    od = dm(*xd, memory_key_padding_mask=dygrad.tensor(kpm))
    ot = tm(*xt, memory_key_padding_mask=torch.tensor(kpm))
    assert np.isfinite(od.detach().numpy()).all()
    _grads_match(dm, tm, xd, xt, od, ot)


def test_attributes_and_defaults():
    torch = _torch()
    import inspect
    for name in ("Transformer", "TransformerDecoder", "TransformerDecoderLayer",
                 "TransformerEncoder", "TransformerEncoderLayer"):
        dc, tc = getattr(nn, name), getattr(torch.nn, name)
        for meth in ("__init__", "forward"):
            dp = inspect.signature(getattr(dc, meth)).parameters
            tp = inspect.signature(getattr(tc, meth)).parameters
            assert list(dp) == list(tp), (name, meth)
            for p in dp:
                dd, td = dp[p].default, tp[p].default
                if td is not inspect.Parameter.empty and callable(td):  # F.relu: the same function of each framework
                    assert dd is getattr(dygrad.nn.functional, td.__name__), (name, p)
                else:
                    assert dd == td, (name, meth, p)
    d = _quiet(lambda: nn.Transformer(E, H, 1, 1, FF))
    assert (d.d_model, d.nhead, d.batch_first) == (E, H, False)
    layer = nn.TransformerDecoderLayer(E, H)
    assert layer.activation is dygrad.nn.functional.relu and layer.norm_first is False
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1
    enc = nn.TransformerEncoderLayer(E, H, activation=nn.GELU())
    assert enc.activation_relu_or_gelu == 2
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerDecoderLayer(E, H, activation="tanh")


def test_transformer_init_is_xavier_and_custom_parts():
    dygrad.manual_seed(0)
    m = _quiet(lambda: nn.Transformer(E, H, 1, 1, FF))
    w = m.decoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6.0 / (E + FF))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert isinstance(m.encoder.norm, nn.LayerNorm) and isinstance(m.decoder.norm, nn.LayerNorm)
    enc = nn.Identity()
    m2 = nn.Transformer(E, H, batch_first=True, custom_encoder=enc, custom_decoder=nn.TransformerDecoder(
        nn.TransformerDecoderLayer(E, H, FF), 1))
    assert m2.encoder is enc and list(m2.state_dict())[0].startswith("decoder.layers.0.")


def test_transformer_errors():
    m = _quiet(lambda: nn.Transformer(E, H, 1, 1, FF))
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        m(dygrad.ones(S, 2, E), dygrad.ones(T, 3, E))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        m(dygrad.ones(S, 2, E), dygrad.ones(T, 2, E + 1))
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is torch.Size\(\[3, 3\]\), "
                                           r"but should be \(4, 4\)"):
        m(dygrad.ones(S, 2, E), dygrad.ones(T, 2, E), tgt_mask=dygrad.zeros(3, 3))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(dygrad.ones(S, 2, E), dygrad.ones(T, 2, E), tgt_is_causal=True)
    with pytest.raises(AssertionError, match=r"key_padding_mask of shape \(2, 4\) should be .* \(2, 5\)"):
        m(dygrad.ones(S, 2, E), dygrad.ones(T, 2, E),
          memory_key_padding_mask=dygrad.zeros(2, 4, dtype=dygrad.bool))


def test_state_dict_round_trip_through_torch():
    torch = _torch()
    dm = _quiet(lambda: nn.Transformer(E, H, 1, 2, FF, norm_first=True))
    tm = _quiet(lambda: torch.nn.Transformer(E, H, 1, 2, FF, norm_first=True))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in dm.state_dict().items()})
    dm.eval()
    tm.eval()
    xd, xt = _inputs(torch, (S, N, E), (T, N, E))
    assert_close(dm(*xd), tm(*xt), rtol=2e-4, atol=2e-4)


NESTED = [
    dict(),                                     # PyTorch's nested path: padded outputs are 0
    dict(enable_nested_tensor=False),
    dict(mask_check=True, unaligned=True),      # padding not at the end: no nested path
    dict(layer=dict(norm_first=True)), dict(layer=dict(nhead=1)), dict(layer=dict(bias=False)),
    dict(layer=dict(activation="tanh_fn")), dict(layer=dict(batch_first=False)),
]


@pytest.mark.parametrize("case", NESTED, ids=str)
@pytest.mark.parametrize("no_grad", [True, False])
def test_encoder_inference_with_padding_as_torch(case, no_grad):
    """In inference (eval, no gradient), PyTorch runs a TransformerEncoder given a padding mask
    on nested tensors when its layer allows it: the padded positions of the output are 0 (then
    the final norm). Otherwise its layers' fused inference kernel gives NaN to a sequence with
    nothing to attend to. The notice when it cannot, and the outputs, are the same in dygrad."""
    torch = _torch()
    case = dict(case)
    lkw = dict(case.pop("layer", {}))
    unaligned = case.pop("unaligned", False)
    bf = lkw.pop("batch_first", True)
    heads = lkw.pop("nhead", H)
    act = lkw.pop("activation", None)

    def build(ns):
        extra = {"activation": ns.tanh} if act else {}
        layer = ns.nn.TransformerEncoderLayer(E, heads, FF, dropout=0.1, batch_first=bf, **lkw, **extra)
        return ns.nn.TransformerEncoder(layer, 2, norm=ns.nn.LayerNorm(E), **case)
    dm, tm = _pair(build, torch)
    assert dm.use_nested_tensor == tm.use_nested_tensor
    with torch.no_grad():
        tm.norm.bias.fill_(0.5)
    dm.norm.bias.data.fill_(0.5)
    dm.eval()
    tm.eval()
    kpm = np.zeros((N, S), bool)
    kpm[0, -2:] = True
    kpm[2] = True  # an entry with nothing to attend to
    if unaligned:
        kpm[1, 1] = True
    x = rng.standard_normal((N, S, E) if bf else (S, N, E)).astype(np.float32)
    import contextlib
    ctx_d = dygrad.no_grad() if no_grad else contextlib.nullcontext()
    ctx_t = torch.no_grad() if no_grad else contextlib.nullcontext()
    with ctx_d:
        od = dm(dygrad.tensor(x), src_key_padding_mask=dygrad.tensor(kpm))
    with ctx_t, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that nested tensors are a prototype
        ot = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    assert_close(od, ot, rtol=2e-4, atol=2e-4, equal_nan=True)
