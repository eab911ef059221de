"""dygrad.jit replays nn.Transformer and its decoder (masks as operands that change between
calls, a fully padded memory entry, dropout in training) bit for bit as eager, without falling
back."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn

from test_replay_misc import _check_fn, _leaf

RNG = np.random.default_rng(8)


@pytest.fixture(autouse=True)
def _strict():  # a TracerWarning (an eager fallback) fails the test
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _padding(n, s):
    """A fresh key padding mask per call; one call in two pads a whole batch entry."""
    k = RNG.random((n, s)) < 0.3
    k[:, 0] = False
    if RNG.random() < 0.5:
        k[-1] = True
    return dygrad.tensor(k)


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, batch_first=True, activation="gelu")])
def test_transformer_with_masks(kw):
    dygrad.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's nested-tensor notice (batch_first=False)
        model = nn.Transformer(8, 2, 1, 2, 16, dropout=0.1, **kw)
    bf = kw.get("batch_first", False)
    mask = nn.Transformer.generate_square_subsequent_mask(4)

    def args():
        src = _leaf(RNG, *((2, 5, 8) if bf else (5, 2, 8)))
        tgt = _leaf(RNG, *((2, 4, 8) if bf else (4, 2, 8)))
        return src, tgt, _padding(2, 5)

    _check_fn(lambda s, t, kpm: model(s, t, tgt_mask=mask, src_key_padding_mask=kpm,
                                      memory_key_padding_mask=kpm, tgt_is_causal=True),
              args, seed=3)
    model.eval()
    _check_fn(lambda s, t, kpm: model(s, t, tgt_mask=mask, memory_key_padding_mask=kpm), args)


def test_decoder_layer_mask_operand_and_sdpa_dead_rows():
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0).eval()
    _check_fn(lambda t, m, am: layer(t, m, tgt_mask=am),
              lambda: (_leaf(RNG, 4, 2, 8), _leaf(RNG, 6, 2, 8),
                       dygrad.tensor(RNG.standard_normal((4, 4)).astype(np.float32))))

    def sd_args():
        m = RNG.random((4, 6)) < 0.5
        m[RNG.integers(0, 4)] = False  # a row that may attend to nothing
        return _leaf(RNG, 2, 4, 3), _leaf(RNG, 2, 6, 3), dygrad.tensor(m)
    _check_fn(lambda q, k, m: nn.functional.scaled_dot_product_attention(q, k, k, attn_mask=m),
              sd_args)
