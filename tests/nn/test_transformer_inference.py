"""Eval-mode results of the transformer layers as PyTorch gives them when it runs its fused
inference kernels (eval, no gradient recorded, batch_first, even heads...): a query with nothing
to attend to gets NaN there (0 in the other paths), and the encoder layer's kernel masks every
nonzero float mask entry. dygrad gives the same values in the same conditions."""
import contextlib
import itertools
import warnings

import numpy as np
import pytest

import dygrad

from nn_helpers import copy_state

rng = np.random.default_rng(51)
N, S, E = 3, 4, 8


def _module(ns, kind, heads, act):
    if kind == "mha":
        return ns.nn.MultiheadAttention(E, heads, batch_first=True)
    cls = ns.nn.TransformerDecoderLayer if kind == "dec" else ns.nn.TransformerEncoderLayer
    return cls(E, heads, 16, dropout=0.0, batch_first=True, activation=ns.tanh if act else "relu")


def _call(ns, m, kind, x, masks):
    kw = {}
    if kind == "mha":
        kw = {"key_padding_mask" if k == "kpm" else "attn_mask": ns.tensor(v) for k, v in masks.items()}
        return m(x, x, x, need_weights=False, **kw)[0]
    names = {"kpm": "tgt_key_padding_mask", "am": "tgt_mask"} if kind == "dec" else \
        {"kpm": "src_key_padding_mask", "am": "src_mask"}
    kw = {names[k]: ns.tensor(v) for k, v in masks.items()}
    return m(x, x, **kw) if kind == "dec" else m(x, **kw)


CASES = [c for c in itertools.product(("enc", "dec", "mha"), (2, 1), (False, True),
                                     ("kpm", "am_bool", "am_float"))
         if not (c[0] == "mha" and c[2])]  # (attention has no activation)


@pytest.mark.parametrize("kind,heads,act,masks", CASES, ids=str)
@pytest.mark.parametrize("no_grad", [True, False])
def test_eval_results_as_torch(kind, heads, act, masks, no_grad):
    torch = pytest.importorskip("torch")
    tm = _module(torch, kind, heads, act).eval()
    dm = _module(dygrad, kind, heads, act).eval()
    copy_state(dm, tm)
    kp = np.zeros((N, S), bool)
    kp[0, -1] = True
    kp[2] = True  # a sequence with nothing to attend to
    am = np.zeros((S, S), bool)
    am[1] = True  # query 1 may attend to nothing
    m = {"kpm": {"kpm": kp}, "am_bool": {"am": am}}.get(masks)
    if m is None:
        amf = np.where(am, -np.inf, 0.0).astype(np.float32)
        amf[0, 0] = 0.3  # added by the plain path, a mask entry for the fused encoder kernel
        m = {"am": amf}
    x = rng.standard_normal((N, S, E)).astype(np.float32)
    with (torch.no_grad() if no_grad else contextlib.nullcontext()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's prototype notice of nested tensors
        ot = _call(torch, tm, kind, torch.tensor(x), m)
    with dygrad.no_grad() if no_grad else contextlib.nullcontext():
        od = _call(dygrad, dm, kind, dygrad.tensor(x), m)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=2e-5)
