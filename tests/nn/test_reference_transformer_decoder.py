"""TransformerDecoderLayer, Transformer and the attention corner cases without the PyTorch
oracle: forward against NumPy references written from the definitions, gradients by float64
gradcheck. These run whether or not torch is installed."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.autograd import gradcheck

from test_reference_attention import mha_ref, layer_norm, P, softmax

rng = np.random.default_rng(15)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_numpy(norm_first):
    """Post-norm: x = norm1(x + sa(x)); x = norm2(x + ca(x, mem)); x = norm3(x + ff(x)).
    Pre-norm: x = x + sa(norm1(x)); x = x + ca(norm2(x), mem); x = x + ff(norm3(x))."""
    m = nn.TransformerDecoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True,
                                   norm_first=norm_first).double()
    p = P(m)
    x, mem = R(2, 3, 4), R(2, 5, 4)
    causal = np.triu(np.ones((3, 3), bool), 1)
    kpm = np.array([[False] * 4 + [True], [True, False, False, False, False]])

    def sa(y):
        return mha_ref(y, y, y, p, 2, attn_mask=causal, prefix="self_attn.")[0]

    def ca(y):
        return mha_ref(y, mem, mem, p, 2, key_padding_mask=kpm, prefix="multihead_attn.")[0]

    def ff(y):
        return np.maximum(y @ p["linear1.weight"].T + p["linear1.bias"], 0) @ p["linear2.weight"].T + p["linear2.bias"]

    n = [lambda y, i=i: layer_norm(y, p[f"norm{i}.weight"], p[f"norm{i}.bias"]) for i in (1, 2, 3)]
    if norm_first:
        y = x + sa(n[0](x))
        y = y + ca(n[1](y))
        want = y + ff(n[2](y))
    else:
        y = n[0](x + sa(x))
        y = n[1](y + ca(y))
        want = n[2](y + ff(y))
    got = m(T(x), T(mem), tgt_mask=T(causal), memory_key_padding_mask=T(kpm))
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, b: m(a, b, tgt_mask=T(causal), memory_key_padding_mask=T(kpm)),
                     (T(x, True), T(mem, True)))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_is_encoder_then_decoder_and_gradchecks():
    dygrad.manual_seed(0)
    m = nn.Transformer(4, 2, 1, 1, 6, dropout=0.0).double()
    src, tgt = R(5, 2, 4), R(3, 2, 4)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=dygrad.float64)
    mem = m.encoder(T(src))
    want = m.decoder(T(tgt), mem, tgt_mask=mask)
    got = m(T(src), T(tgt), tgt_mask=mask, tgt_is_causal=True)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a, b: m(a, b, tgt_mask=mask), (T(src, True), T(tgt, True)))


def test_generate_square_subsequent_mask_values():
    m = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert m.dtype == np.float32
    np.testing.assert_array_equal(m, np.triu(np.full((4, 4), -np.inf, np.float32), 1))


def test_sdpa_fully_masked_row_is_zero():
    """A query row that may attend to nothing gets zero weights (no NaN), and no gradient."""
    q, k, v = R(2, 4, 3), R(2, 5, 3), R(2, 5, 2)
    mask = rng.random((4, 5)) < 0.6
    mask[:, 0] = True
    mask[2] = False
    s = q @ k.transpose(0, 2, 1) / np.sqrt(3)
    w = softmax(np.where(mask, s, -np.inf))
    w[:, 2] = 0.0
    got = F.scaled_dot_product_attention(T(q), T(k), T(v), attn_mask=T(mask))
    np.testing.assert_allclose(got.numpy(), w @ v, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=T(mask)),
                     (T(q, True), T(k, True), T(v, True)))


def test_sdpa_causal_is_top_left_and_gqa_repeats_heads():
    q, k, v = R(1, 4, 3, 2), R(1, 2, 5, 2), R(1, 2, 5, 2)
    kk, vv = np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1)
    s = q @ kk.transpose(0, 1, 3, 2) * 0.7
    s = np.where(np.triu(np.ones((3, 5), bool), 1), -np.inf, s)
    got = F.scaled_dot_product_attention(T(q), T(k), T(v), is_causal=True, scale=0.7, enable_gqa=True)
    np.testing.assert_allclose(got.numpy(), softmax(s) @ vv, rtol=1e-10, atol=1e-12)


def test_mha_without_weights_zeroes_fully_padded_queries():
    m = nn.MultiheadAttention(4, 2).double()
    with dygrad.no_grad():
        m.out_proj.bias.copy_(T(R(4)))
    x = R(3, 2, 4)
    kpm = np.array([[True] * 3, [False, True, False]])
    out, w = m(T(x), T(x), T(x), key_padding_mask=T(kpm), need_weights=False)
    assert w is None
    np.testing.assert_allclose(out.detach().numpy()[:, 0], np.broadcast_to(P(m)["out_proj.bias"], (3, 4)))
    assert np.isnan(m(T(x), T(x), T(x), key_padding_mask=T(kpm))[0].detach().numpy()[:, 0]).all()
    assert gradcheck(lambda a: m(a, a, a, key_padding_mask=T(kpm), need_weights=False)[0], (T(x, True),))


def test_causal_hint_stands_for_the_mask():
    """is_causal=True with need_weights=False and no padding mask: the causal mask is used and
    the given mask is not read (PyTorch's contract for the hint)."""
    m = nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = R(2, 3, 4)
    causal = np.triu(np.ones((3, 3), bool), 1)
    want = mha_ref(x, x, x, P(m), 2, attn_mask=causal)[0]
    got = m(T(x), T(x), T(x), attn_mask=T(R(3, 3)), is_causal=True, need_weights=False)[0]
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        m(T(x), T(x), T(x), is_causal=True)


def test_encoder_inference_zeroes_padded_positions():
    """eval + no_grad + a padding mask at the sequences' ends: the output is 0 at the padded
    positions before the final norm (PyTorch's nested-tensor path); elsewhere it is the masked
    layers' output. With gradients recorded, or padding inside a sequence, nothing is zeroed."""
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2).double().eval()
    ref = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).double().eval()
    ref.load_state_dict(enc.state_dict())
    x = R(2, 4, 4)
    kpm = np.array([[False, False, True, True], [False] * 4])
    with dygrad.no_grad():
        got = enc(T(x), src_key_padding_mask=T(kpm)).numpy()
        want = ref(T(x), src_key_padding_mask=T(kpm)).numpy()
        inner = np.array([[False, True, False, False], [False] * 4])
        np.testing.assert_array_equal(enc(T(x), src_key_padding_mask=T(inner)).numpy(),
                                      ref(T(x), src_key_padding_mask=T(inner)).numpy())
    np.testing.assert_array_equal(got[0, 2:], 0.0)
    np.testing.assert_allclose(got[~kpm], want[~kpm], rtol=1e-12, atol=1e-12)
    with_grad = enc(T(x), src_key_padding_mask=T(kpm)).detach().numpy()
    np.testing.assert_allclose(with_grad, want, rtol=1e-12, atol=1e-12)
