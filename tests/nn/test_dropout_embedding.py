"""Dropout family (statistics, channel masks, eval mode) and Embedding (lookup, padding_idx,
max_norm, scale_grad_by_freq, from_pretrained) against PyTorch."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.testing import assert_close, check_op, check_raises, gradcheck_op
from nn_helpers import copy_state, module_parity, torch_or_skip

rng = np.random.default_rng(9)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics_and_scaling(p):
    dygrad.manual_seed(0)
    x = dygrad.ones(200, 500, requires_grad=True)
    y = F.dropout(x, p)
    v = y.detach().numpy()
    kept = v != 0
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(v[kept], np.float32(1) / np.float32(1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # gradient is the same scaled mask


def test_dropout_eval_and_edge_probabilities():
    x = dygrad.randn(4, 5)
    m = nn.Dropout(0.5).eval()
    assert m(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    z = F.dropout(dygrad.ones(3, requires_grad=True), 1.0)
    assert z.numpy(force=True).tolist() == [0.0, 0.0, 0.0] and z.requires_grad
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(-0.1)
    assert nn.Dropout(0.5).train().training


def test_dropout_inplace():
    dygrad.manual_seed(1)
    x = dygrad.ones(1000)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and (x.numpy() == 0).any() and (x.numpy() == 2).any()
    a = dygrad.ones(10, requires_grad=True)
    h = a * 1
    nn.Dropout(0.3, inplace=True)(h)
    h.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), h.detach().numpy())


@pytest.mark.parametrize("cls,shape,batched", [("Dropout1d", (8, 16, 5), True), ("Dropout1d", (16, 5), False),
                                               ("Dropout2d", (8, 16, 4, 4), True),
                                               ("Dropout3d", (4, 16, 2, 3, 3), True),
                                               ("Dropout3d", (16, 2, 3, 3), False)])
def test_channel_dropout_zeroes_whole_channels(cls, shape, batched):
    dygrad.manual_seed(2)
    y = getattr(nn, cls)(0.5)(dygrad.ones(*shape)).numpy()
    per_channel = y.reshape(shape[:2] + (-1,)) if batched else y.reshape(shape[:1] + (-1,))
    # every channel is either all zero or all 2
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    frac = (per_channel == 0).all(-1).mean()
    assert 0.25 < frac < 0.75


def test_dropout2d_and_1d_input_checks_match_torch():
    torch = torch_or_skip()
    with pytest.warns(UserWarning, match="dropout2d: Received a 3D input"):
        F.dropout2d(dygrad.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="dropout2d: Received a 2-D input"):
        F.dropout2d(dygrad.ones(2, 3))
    check_raises(lambda x: F.dropout1d(x), lambda x: torch.nn.functional.dropout1d(x),
                 np.ones((2, 3, 4, 5), np.float32), match="dropout1d: Expected 2D or 3D input")
    assert repr(nn.Dropout2d(0.3)) == repr(torch.nn.Dropout2d(0.3))
    assert repr(nn.AlphaDropout()) == repr(torch.nn.AlphaDropout())
    assert repr(nn.Dropout(0.2, inplace=True)) == repr(torch.nn.Dropout(0.2, inplace=True))


@pytest.mark.parametrize("fn", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_keeps_selu_statistics(fn):
    dygrad.manual_seed(3)
    shape = (400, 200, 4) if fn == "feature_alpha_dropout" else (400, 800)
    x = dygrad.randn(*shape, dtype=dygrad.float64)
    y = getattr(F, fn)(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1.0) < 0.02
    assert getattr(F, fn)(x, 0.3) is x  # training defaults to False
    z = F.alpha_dropout(dygrad.ones(3), 1.0, True)
    assert z.numpy().tolist() == [0.0, 0.0, 0.0]


# -- embedding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=0), dict(padding_idx=-2),
                                dict(scale_grad_by_freq=True), dict(padding_idx=3, scale_grad_by_freq=True)])
def test_embedding_parity(kw):
    torch = torch_or_skip()
    d, t = nn.Embedding(10, 4, **kw), torch.nn.Embedding(10, 4, **kw)
    idx = rng.integers(0, 10, (3, 5)).astype(np.int64)
    idx[0, :3] = [0, 8, 3]
    module_parity(d, t, idx)
    assert repr(d) == repr(t)


def test_embedding_padding_row_zero_and_no_grad():
    e = nn.Embedding(5, 3, padding_idx=1)
    assert (e.weight.numpy(force=True)[1] == 0).all()
    out = e(dygrad.tensor([[1, 2], [1, 1]]))
    out.sum().backward()
    assert (e.weight.grad.numpy()[1] == 0).all() and (e.weight.grad.numpy()[2] == 1).all()


def test_embedding_init_is_standard_normal():
    dygrad.manual_seed(0)
    w = nn.Embedding(2000, 50).weight.numpy(force=True)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_embedding_max_norm_matches_torch():
    torch = torch_or_skip()
    for norm_type in (2.0, 1.0):
        d = nn.Embedding(6, 3, max_norm=1.0, norm_type=norm_type)
        t = torch.nn.Embedding(6, 3, max_norm=1.0, norm_type=norm_type)
        with torch.no_grad():
            t.weight.mul_(3)
        copy_state(d, t)
        idx = np.array([[0, 2], [2, 5]], np.int64)
        module_parity(d, t, idx)
        assert_close(d.weight, t.weight)  # the looked-up rows were renormalised in place
        assert repr(d) == repr(t)


def test_embedding_from_pretrained_and_errors():
    torch = torch_or_skip()
    w = dygrad.tensor(rng.standard_normal((4, 2)).astype(np.float32))
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and e.weight.data_ptr() == w.data_ptr()
    assert nn.Embedding.from_pretrained(w, freeze=False, padding_idx=1).weight.requires_grad
    assert_close(e(dygrad.tensor([3, 0])), w[[3, 0]])
    check_raises(lambda i, ww: F.embedding(i, ww), lambda i, ww: torch.nn.functional.embedding(i, ww),
                 np.array([1.0], np.float32), np.ones((3, 2), np.float32), match="Long, Int")
    check_raises(lambda i, ww: F.embedding(i, ww), lambda i, ww: torch.nn.functional.embedding(i, ww),
                 np.array([5]), np.ones((3, 2), np.float32), match="index out of range in self")
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(dygrad.ones(3))


def test_embedding_functional_int32_and_double_backward():
    torch = torch_or_skip()
    idx = np.array([[1, 2, 1], [0, 0, 3]], np.int32)
    check_op(lambda i, ww: F.embedding(i, ww, padding_idx=0),
             lambda i, ww: torch.nn.functional.embedding(i, ww, padding_idx=0), idx,
             rng.standard_normal((4, 3)).astype(np.float32))
    ii = dygrad.tensor(idx.astype(np.int64))
    gradcheck_op(lambda ww: F.embedding(ii, ww) * ww[0].sum(),
                 rng.standard_normal((4, 3)), gradgradcheck=True)


def test_embedding_create_graph_keeps_padding_row_zero():
    w = dygrad.randn(5, 3, requires_grad=True)
    idx = dygrad.tensor([[1, 2], [1, 4]])
    out = F.embedding(idx, w, padding_idx=1, scale_grad_by_freq=True)
    (g,) = dygrad.autograd.grad((out * out).sum(), w, create_graph=True)
    assert g.requires_grad and (g.detach().numpy()[1] == 0).all()
    w.grad = None
    (out * out).sum().backward()
    assert_close(g, w.grad)
