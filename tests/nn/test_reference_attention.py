"""Multi-head attention and the Transformer encoder layer without the PyTorch oracle: forward
(outputs and averaged attention weights, masks) against a NumPy reference written from the
definitions, gradients by float64 gradcheck. These run whether or not torch is installed."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
from dygrad.autograd import gradcheck

rng = np.random.default_rng(14)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


def P(m):
    return {n: p.detach().numpy() for n, p in m.named_parameters()}


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_ref(q, k, v, p, heads, key_padding_mask=None, attn_mask=None, prefix=""):
    """Batch-first (N, L, E): project with the packed in_proj (q, k, v blocks), split the
    embedding into heads, scaled dot-product per head, masked keys get -inf, concatenate heads,
    out_proj. Returns the output and the head-averaged weights."""
    w, b = p[prefix + "in_proj_weight"], p[prefix + "in_proj_bias"]
    e = q.shape[-1]
    d = e // heads

    def split(x, i):
        y = x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e]
        return y.reshape(y.shape[0], y.shape[1], heads, d).transpose(0, 2, 1, 3)  # N, H, L, d

    qh, kh, vh = split(q, 0), split(k, 1), split(v, 2)
    s = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(d)
    if attn_mask is not None:
        s = np.where(attn_mask, -np.inf, s)
    if key_padding_mask is not None:
        s = np.where(key_padding_mask[:, None, None, :], -np.inf, s)
    a = softmax(s)
    out = (a @ vh).transpose(0, 2, 1, 3).reshape(q.shape[0], q.shape[1], e)
    return out @ p[prefix + "out_proj.weight"].T + p[prefix + "out_proj.bias"], a.mean(1)


def layer_norm(x, w, b):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w + b


@pytest.mark.parametrize("masks", ["none", "key_padding", "causal"])
def test_multihead_attention_matches_numpy(masks):
    m = nn.MultiheadAttention(4, 2, batch_first=True).double()
    q, kv = R(2, 3, 4), R(2, 5, 4)
    kpm = np.array([[False] * 4 + [True], [False, True, False, False, False]]) if masks == "key_padding" else None
    am = np.triu(np.ones((3, 5), bool), 1) if masks == "causal" else None
    out, wts = m(T(q), T(kv), T(kv), key_padding_mask=None if kpm is None else T(kpm),
                 attn_mask=None if am is None else T(am))
    want, want_w = mha_ref(q, kv, kv, P(m), 2, kpm, am)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wts.detach().numpy(), want_w, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, b: m(a, b, b, need_weights=False)[0], (T(q, True), T(kv, True)))


def test_multihead_attention_sequence_first_is_the_transpose():
    m = nn.MultiheadAttention(4, 4).double()  # (L, N, E) layout, one dimension per head
    x = R(3, 2, 4)
    out, _ = m(T(x), T(x), T(x))
    want, _ = mha_ref(x.transpose(1, 0, 2), *(x.transpose(1, 0, 2),) * 2, P(m), 4)
    np.testing.assert_allclose(out.detach().numpy(), want.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer_matches_numpy(norm_first):
    """Post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)). Pre-norm: x = x + sa(norm1(x));
    x = x + ff(norm2(x)). ff = linear2(relu(linear1)); dropout 0."""
    m = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True,
                                   norm_first=norm_first).double()
    p = P(m)
    x = R(2, 3, 4)

    def sa(y):
        return mha_ref(y, y, y, p, 2, prefix="self_attn.")[0]

    def ff(y):
        return np.maximum(y @ p["linear1.weight"].T + p["linear1.bias"], 0) @ p["linear2.weight"].T + p["linear2.bias"]

    n1 = lambda y: layer_norm(y, p["norm1.weight"], p["norm1.bias"])  # noqa: E731
    n2 = lambda y: layer_norm(y, p["norm2.weight"], p["norm2.bias"])  # noqa: E731
    if norm_first:
        y = x + sa(n1(x))
        want = y + ff(n2(y))
    else:
        y = n1(x + sa(x))
        want = n2(y + ff(y))
    np.testing.assert_allclose(m(T(x)).detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(m, (T(x, True),))
