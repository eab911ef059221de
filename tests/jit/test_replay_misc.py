"""Replay kernels under dygrad.jit of softmax/log_softmax, masked_fill, clone and casts, cat and
stack, dropout (a random kernel: replays draw from the default generator as eager does), scaled
dot-product and multi-head attention, and embedding: outputs and gradients equal eager's bit for
bit on new inputs, without falling back."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad import nn
from dygrad.jit._traced import TracedFunction

F = nn.functional


@pytest.fixture(autouse=True)
def _strict():  # a TracerWarning (an eager fallback) fails the test
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _leaf(rng, *shape, dtype=np.float32, rg=True):
    return dygrad.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=rg)


def _same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.detach().numpy(), b.detach().numpy(), equal_nan=True)


def _check_fn(fn, make_args, seed=None, calls=3):
    """fn traced once, then replayed on new arguments (after manual_seed(seed) when given, as
    the eager call): outputs and the leaves' gradients equal eager's bit for bit."""
    if seed is not None:
        dygrad.manual_seed(seed)
    traced = dygrad.jit.trace(fn, make_args())
    rng = np.random.default_rng(5)
    for _ in range(calls):
        args = make_args()
        twins = tuple(dygrad.tensor(a.detach().numpy().copy(), requires_grad=a.requires_grad)
                      for a in args)
        if seed is not None:
            dygrad.manual_seed(seed)
        want = fn(*args)
        if seed is not None:
            dygrad.manual_seed(seed)
        got = traced(*twins)
        _same(got, want)
        if want.requires_grad:
            g = dygrad.tensor(rng.standard_normal(tuple(want.shape)).astype(
                want.detach().numpy().dtype))
            want.backward(g)
            got.backward(g)
            for a, b in zip(args, twins):
                if a.requires_grad:
                    _same(b.grad, a.grad)
    assert traced.reasons == []
    return traced


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("fn", [
    lambda x: F.softmax(x, -1),
    lambda x: F.softmax(x, 0, dtype=dygrad.float64),
    lambda x: F.log_softmax(x, 1),
    lambda x: dygrad.log_softmax(x * 3, dim=0, dtype=dygrad.float64),
])
def test_softmax_family(fn):
    _check_fn(fn, lambda: (_leaf(RNG, 3, 5),))


def test_softmax_of_a_scalar():
    _check_fn(lambda x: F.softmax(x, 0) * x, lambda: (_leaf(RNG),))


def test_masked_fill_with_captured_and_argument_masks():
    m = dygrad.tensor(RNG.random((1, 5)) < 0.5)
    _check_fn(lambda x: x.masked_fill(m, -1e9), lambda: (_leaf(RNG, 3, 5),))
    _check_fn(lambda x, v: x.masked_fill(m, v), lambda: (_leaf(RNG, 3, 5), _leaf(RNG)))
    # the mask is an operand: each replay fills where the new mask says
    _check_fn(lambda x, mask: x.masked_fill(mask, float("-inf")).softmax(-1),
              lambda: (_leaf(RNG, 3, 5), dygrad.tensor(RNG.random((3, 5)) < 0.5)))


def test_masked_fill_value_of_another_dtype():
    _check_fn(lambda x, m, v: x.masked_fill(m, v),
              lambda: (_leaf(RNG, 4), dygrad.tensor(RNG.random(4) < 0.5),
                       _leaf(RNG, dtype=np.float64)))


def test_clone_and_casts():
    _check_fn(lambda x: x.clone() * 2, lambda: (_leaf(RNG, 3, 5),))
    _check_fn(lambda x: x.t().clone(memory_format=dygrad.preserve_format).exp(),
              lambda: (_leaf(RNG, 3, 5),))
    _check_fn(lambda x: x.float() * 2, lambda: (_leaf(RNG, 3, 5, dtype=np.float64),))
    _check_fn(lambda x: x.to(dygrad.float64).sum(0), lambda: (_leaf(RNG, 3, 5),))
    _check_fn(lambda x: x.half().float(), lambda: (_leaf(RNG, 4, dtype=np.float64),))
    _check_fn(lambda x, i: x * i.float(),
              lambda: (_leaf(RNG, 4), dygrad.tensor(RNG.integers(0, 9, 4))))


def test_cat_and_stack():
    _check_fn(lambda a, b: dygrad.cat([a, b, a], 1), lambda: (_leaf(RNG, 3, 5), _leaf(RNG, 3, 2)))
    _check_fn(lambda a, b: dygrad.cat([a, b], 0),
              lambda: (_leaf(RNG, 3, 5), _leaf(RNG, 1, 5, dtype=np.float64)))
    _check_fn(lambda a, b: dygrad.cat([a, b.t()], 0),  # non-contiguous: a contiguous result
              lambda: (_leaf(RNG, 3, 2), _leaf(RNG, 2, 4)))
    _check_fn(lambda a, b: dygrad.stack([a, b], 1) * 2, lambda: (_leaf(RNG, 3, 5), _leaf(RNG, 3, 5)))
    _check_fn(lambda a: dygrad.cat([a, dygrad.zeros(0)]) * 2, lambda: (_leaf(RNG, 2, 3),))


@pytest.mark.parametrize("fn, shape", [
    (lambda x: F.dropout(x, 0.3), (4, 6)),
    (lambda x: F.dropout(x * 2, 1.0), (4, 6)),
    (lambda x: F.dropout2d(x, 0.4), (2, 4, 3, 3)),
    (lambda x: F.dropout1d(x, 0.3), (4, 3)),
    (lambda x: F.alpha_dropout(x, 0.3, training=True), (4, 6)),
    (lambda x: F.alpha_dropout(x, 1.0, training=True), (4, 6)),
    (lambda x: F.feature_alpha_dropout(x, 0.4, training=True), (2, 4, 3)),
    (lambda x: F.gumbel_softmax(x, tau=0.5), (3, 5)),
    (lambda x: F.gumbel_softmax(x, hard=True, dim=0), (3, 5)),
])
def test_dropout_draws_as_eager(fn, shape):
    _check_fn(fn, lambda: (_leaf(RNG, *shape),), seed=3)


def test_inplace_dropout_of_an_intermediate():
    _check_fn(lambda x: F.dropout(x * 2, 0.3, inplace=True), lambda: (_leaf(RNG, 4, 6),), seed=3)
    _check_fn(lambda x: F.dropout(x * 2, 0.3, inplace=True) + 1,
              lambda: (_leaf(RNG, 4, 6, rg=False),), seed=3)
    _check_fn(lambda x: F.alpha_dropout(x * 1, 0.3, True, inplace=True),
              lambda: (_leaf(RNG, 4, 6),), seed=3)


def test_dropout_replays_draw_new_masks():
    dygrad.manual_seed(0)
    traced = dygrad.jit.trace(lambda x: F.dropout(x, 0.5), dygrad.ones(64))
    dygrad.manual_seed(1)
    a, b = traced(dygrad.ones(64)), traced(dygrad.ones(64))
    dygrad.manual_seed(1)
    _same(a, F.dropout(dygrad.ones(64), 0.5))
    _same(b, F.dropout(dygrad.ones(64), 0.5))
    assert not np.array_equal(a.numpy(), b.numpy())
    assert traced.reasons == []


def test_an_unused_dropout_still_draws_at_each_replay():
    def f(x):
        F.dropout(x, 0.5)  # its draw moves the generator on: the next mask depends on it
        return F.dropout(x, 0.5)
    _check_fn(f, lambda: (_leaf(RNG, 16),), seed=2)


def test_trace_time_check_leaves_the_generator_as_eager_left_it():
    dygrad.manual_seed(7)
    dygrad.jit.trace(lambda x: F.dropout(x, 0.5), dygrad.ones(8))
    after_trace = dygrad.rand(3)
    dygrad.manual_seed(7)
    F.dropout(dygrad.ones(8), 0.5)
    _same(after_trace, dygrad.rand(3))


@pytest.mark.parametrize("kw", [
    {"is_causal": True},
    {"attn_mask": "bool"},
    {"attn_mask": "float"},
    {"dropout_p": 0.2},
    {"is_causal": True, "dropout_p": 0.1, "scale": 0.5},
])
def test_scaled_dot_product_attention(kw):
    kw = dict(kw)
    if kw.get("attn_mask") == "bool":
        kw["attn_mask"] = dygrad.tensor(RNG.random((5, 5)) < 0.7)
    elif kw.get("attn_mask") == "float":
        kw["attn_mask"] = dygrad.tensor(RNG.standard_normal((5, 5)).astype(np.float32))
    _check_fn(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
              lambda: (_leaf(RNG, 2, 3, 5, 8), _leaf(RNG, 2, 3, 5, 8), _leaf(RNG, 2, 3, 5, 4)),
              seed=11)


def test_attention_mask_as_an_operand():
    _check_fn(lambda q, m: F.scaled_dot_product_attention(q, q, q, attn_mask=m),
              lambda: (_leaf(RNG, 4, 6), dygrad.tensor(np.tril(RNG.random((4, 4)) < 0.8))))


def test_multi_head_attention_with_masks():
    dygrad.manual_seed(0)
    mha = nn.MultiheadAttention(8, 2, dropout=0.1)
    pad = dygrad.tensor([[False, False, True, False, False], [False] * 5])
    args = (lambda: (_leaf(RNG, 5, 2, 8), _leaf(RNG, 5, 2, 8), _leaf(RNG, 5, 2, 8)))
    _check_fn(lambda q, k, v: mha(q, k, v, key_padding_mask=pad)[0] * 1, args, seed=4)
    causal = dygrad.triu(dygrad.full((5, 5), float("-inf")), 1)
    _check_fn(lambda q, k, v: mha(q, k, v, attn_mask=causal, need_weights=False)[0] * 1, args,
              seed=4)
    mha.eval()
    _check_fn(lambda q, k, v: mha(q, k, v, is_causal=True, attn_mask=causal)[0].sum(1), args)
    # self-attention: the gradients of x's three uses add in eager's order
    _check_fn(lambda x: mha(x, x, x)[0] * 1, lambda: (_leaf(RNG, 5, 2, 8),))


@pytest.mark.parametrize("kw", [{}, {"padding_idx": 0}, {"padding_idx": -1},
                                {"scale_grad_by_freq": True, "padding_idx": 2}])
def test_embedding(kw):
    w = _leaf(RNG, 10, 4)
    _check_fn(lambda i: F.embedding(i, w, **kw) * 2,
              lambda: (dygrad.tensor(RNG.integers(0, 10, (3, 4))),))


def test_replayed_embedding_checks_the_indices():
    w = _leaf(RNG, 5, 2)
    traced = dygrad.jit.trace(lambda i: F.embedding(i, w), dygrad.tensor([0, 1]))
    for bad in ([0, -1], [0, 5]):  # (w[-1] would silently pick the last row)
        with pytest.raises(IndexError, match="index out of range in self"):
            traced(dygrad.tensor(bad))
    assert traced.reasons == []


def test_embedding_gradient_uses_each_replays_indices():
    emb = nn.Embedding(6, 3, padding_idx=1)
    traced = dygrad.jit.trace(lambda i: emb(i).sum(), dygrad.tensor([0, 1, 2]))
    for idx in ([5, 5, 1], [2, 3, 4]):
        emb.weight.grad = None
        traced(dygrad.tensor(idx)).backward()
        got = emb.weight.grad.clone()
        emb.weight.grad = None
        emb(dygrad.tensor(idx)).sum().backward()
        _same(got, emb.weight.grad)
    assert traced.reasons == []


def test_transformer_encoder_training_step_replays():
    """A whole step of a small TransformerEncoder (LayerNorm, attention, dropout, softmax) with an
    embedding, cross-entropy and Adam: the replay keeps eager's numbers over several steps."""
    runs = []
    for traced in (False, True):
        dygrad.manual_seed(0)
        emb = nn.Embedding(11, 8, padding_idx=0)
        enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1,
                                                               batch_first=True), 2)
        head = nn.Linear(8, 11)
        params = [*emb.parameters(), *enc.parameters(), *head.parameters()]
        opt = dygrad.optim.Adam(params, lr=1e-2)
        x = dygrad.zeros(2, 5, dtype=dygrad.int64)

        def step(emb=emb, enc=enc, head=head, opt=opt, x=x):
            opt.zero_grad()
            h = enc(emb(x))
            loss = F.cross_entropy(head(h).reshape(-1, 11), x.reshape(-1))
            loss.backward()
            opt.step()
            return loss
        runs.append((params, x, TracedFunction(step) if traced else step))
    rng = np.random.default_rng(1)
    for i in range(3):
        xb = dygrad.tensor(rng.integers(0, 11, (2, 5)))
        losses = []
        for _, x, step in runs:
            x.copy_(xb)
            dygrad.manual_seed(100 + i)
            losses.append(step())
        _same(losses[1], losses[0])
    assert runs[1][2].reasons == []
    for p0, p1 in zip(runs[0][0], runs[1][0]):
        _same(p1, p0)
