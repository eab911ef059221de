"""Autocast parity with PyTorch 2.13's CPU policy: for every op of dygrad.amp's policy table
(and ops that keep their input's dtype), the output dtype under autocast(cpu, bfloat16 |
float16) from float32 inputs, from low-precision inputs, and the values within the low
precision's tolerance."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad.amp._state import POLICY

pytest.importorskip("ml_dtypes")

_I = np.array([0, 2, 1])
_PM = np.array([1, -1, 1])

# name -> (fn(L, *tensors), float input shapes, extra non-float inputs built per library)
CASES = {
    "linear": (lambda L, x, w, b: L.nn.functional.linear(x, w, b), [(3, 4), (5, 4), (5,)]),
    "matmul": (lambda L, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "mm": (lambda L, a, b: L.mm(a, b), [(3, 4), (4, 5)]),
    "bmm": (lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 5)]),
    "addmm": (lambda L, c, a, b: L.addmm(c, a, b), [(3, 5), (3, 4), (4, 5)]),
    "baddbmm": (lambda L, c, a, b: L.baddbmm(c, a, b), [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    "addbmm": (lambda L, c, a, b: L.addbmm(c, a, b), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "conv1d": (lambda L, x, w, b: L.nn.functional.conv1d(x, w, b), [(1, 2, 8), (3, 2, 3), (3,)]),
    "conv2d": (lambda L, x, w: L.nn.functional.conv2d(x, w, padding=1), [(1, 2, 5, 5), (3, 2, 3, 3)]),
    "conv3d": (lambda L, x, w: L.nn.functional.conv3d(x, w), [(1, 2, 4, 4, 4), (3, 2, 3, 3, 3)]),
    "conv_transpose1d": (lambda L, x, w: L.nn.functional.conv_transpose1d(x, w), [(1, 2, 5), (2, 3, 3)]),
    "conv_transpose2d": (lambda L, x, w: L.nn.functional.conv_transpose2d(x, w), [(1, 2, 4, 4), (2, 3, 3, 3)]),
    "conv_transpose3d": (lambda L, x, w: L.nn.functional.conv_transpose3d(x, w), [(1, 2, 3, 3, 3), (2, 3, 2, 2, 2)]),
    "prelu": (lambda L, x, w: L.nn.functional.prelu(x, w), [(2, 3), (1,)]),
    "scaled_dot_product_attention": (lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v),
                                     [(1, 2, 3, 4)] * 3),
    "einsum": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=1), [(2, 3), (3, 4)]),
    "chain_matmul": (lambda L, a, b: L.chain_matmul(a, b), [(2, 3), (3, 4)]),
    "linalg.vecdot": (lambda L, a, b: L.linalg.vecdot(a, b), [(2, 3), (2, 3)]),
    "linalg.multi_dot": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)]),
    "cross_entropy": (lambda L, x: L.nn.functional.cross_entropy(x, L.tensor(_I)), [(3, 4)]),
    "nll_loss": (lambda L, x: L.nn.functional.nll_loss(x, L.tensor(_I)), [(3, 4)]),
    "mse_loss": (lambda L, a, b: L.nn.functional.mse_loss(a, b), [(3, 4), (3, 4)]),
    "l1_loss": (lambda L, a, b: L.nn.functional.l1_loss(a, b), [(3, 4), (3, 4)]),
    "smooth_l1_loss": (lambda L, a, b: L.nn.functional.smooth_l1_loss(a, b), [(3, 4), (3, 4)]),
    "huber_loss": (lambda L, a, b: L.nn.functional.huber_loss(a, b), [(3, 4), (3, 4)]),
    "binary_cross_entropy": (lambda L, a, b: L.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
                             [(3, 4), (3, 4)]),
    "binary_cross_entropy_with_logits": (lambda L, a, b: L.nn.functional.binary_cross_entropy_with_logits(
        a, b.sigmoid()), [(3, 4), (3, 4)]),
    "kl_div": (lambda L, a, b: L.nn.functional.kl_div(a, b.sigmoid(), reduction="batchmean"), [(3, 4), (3, 4)]),
    "soft_margin_loss": (lambda L, a, b: L.nn.functional.soft_margin_loss(a, b), [(3, 4), (3, 4)]),
    "prod": (lambda L, a: a.prod(1), [(3, 4)]),
    "cosine_embedding_loss": (lambda L, a, b: L.nn.functional.cosine_embedding_loss(a, b, L.tensor(_PM)),
                              [(3, 4), (3, 4)]),
    "hinge_embedding_loss": (lambda L, a: L.nn.functional.hinge_embedding_loss(a, L.tensor(_PM)), [(3,)]),
    "margin_ranking_loss": (lambda L, a, b: L.nn.functional.margin_ranking_loss(a, b, L.tensor(_PM)),
                            [(3,), (3,)]),
    "triplet_margin_loss": (lambda L, a, b, c: L.nn.functional.triplet_margin_loss(a, b, c), [(3, 4)] * 3),
    "multi_margin_loss": (lambda L, a: L.nn.functional.multi_margin_loss(a, L.tensor(_I)), [(3, 4)]),
    "multilabel_margin_loss": (lambda L, a: L.nn.functional.multilabel_margin_loss(
        a, L.tensor(np.array([[0, 1, -1, 0]] * 3))), [(3, 4)]),
    "cdist": (lambda L, a, b: L.cdist(a, b), [(3, 4), (2, 4)]),
    "trace": (lambda L, a: L.trace(a), [(3, 3)]),
    "quantile": (lambda L, a: L.quantile(a, 0.5), [(5,)]),
    "nanquantile": (lambda L, a: L.nanquantile(a, 0.5), [(5,)]),
    "index_copy": (lambda L, a, b: a.index_copy(0, L.tensor([0]), b), [(3, 2), (1, 2)]),
    "lstm_layer": (lambda L, x, wi, wh: _rnn(L, L.nn.LSTM, x, wi, wh), [(5, 2, 4), (12, 4), (12, 3)]),
    "rnn_layer": (lambda L, x, wi, wh: _rnn(L, L.nn.RNN, x, wi, wh), [(5, 2, 4), (3, 4), (3, 3)]),
}


def _rnn(L, cls, x, wi, wh):
    m = cls(4, 3)
    with L.no_grad():
        m.weight_ih_l0.copy_(wi * 0.5)
        m.weight_hh_l0.copy_(wh * 0.5)
        m.bias_ih_l0.zero_()
        m.bias_hh_l0.fill_(0.1)
    return m(x)[0]
# ops outside the policy: they keep a low-precision input's dtype (and float32 stays float32)
KEEP = {
    "layer_norm": (lambda L, x: L.nn.functional.layer_norm(x, (4,)), [(3, 4)]),
    "softmax": (lambda L, x: L.softmax(x, -1), [(3, 4)]),
    "log_softmax": (lambda L, x: L.log_softmax(x, -1), [(3, 4)]),
    "gelu": (lambda L, x: L.nn.functional.gelu(x), [(3, 4)]),
    "relu": (lambda L, x: L.relu(x), [(3, 4)]),
    "sum": (lambda L, x: x.sum(), [(3, 4)]),
    "mean": (lambda L, x: x.mean(0), [(3, 4)]),
    "add": (lambda L, a, b: a + b, [(3, 4), (3, 4)]),
    "mv": (lambda L, a, b: L.mv(a, b), [(3, 4), (4,)]),
    "dot": (lambda L, a, b: L.dot(a, b), [(3,), (3,)]),
    "cat": (lambda L, a, b: L.cat([a, b]), [(3, 4), (3, 4)]),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2), [(1, 2, 4, 4)]),
    "batch_norm": (lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True), [(2, 3, 4)]),
    "gru": (lambda L, x, wi, wh: _rnn(L, L.nn.GRU, x, wi, wh), [(5, 2, 4), (9, 4), (9, 3)]),
    "multihead_attention": (lambda L, x: _mha(L, x), [(2, 3, 4)]),
}


def _mha(L, x):
    L.manual_seed(0)
    m = L.nn.MultiheadAttention(4, 2, batch_first=True)
    with L.no_grad():
        for i, p in enumerate(m.parameters()):
            p.copy_(L.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) * 0.3)
    return m(x, x, x)[0]
ALL = {**CASES, **KEEP}
LOW = ("bfloat16", "float16")


def test_the_table_is_the_tested_list():
    assert set(POLICY) == set(CASES)


def _run(L, name, low, dtype, autocast):
    f, shapes = ALL[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ts = [L.tensor(a).to(getattr(L, dtype)).requires_grad_() for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # chain_matmul's deprecation
        with L.autocast("cpu", dtype=getattr(L, low), enabled=autocast):
            out = f(L, *ts)
    return out, ts


@pytest.mark.parametrize("low", LOW)
@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("inputs", ["float32", "low"])
def test_autocast_dtype_and_values(name, low, inputs):
    torch = pytest.importorskip("torch")
    dt = "float32" if inputs == "float32" else low
    try:
        want, _ = _run(torch, name, low, dt, True)
    except RuntimeError:
        pytest.skip("torch has no kernel for this dtype")
    try:
        got, ts = _run(dygrad, name, low, dt, True)
    except AttributeError as e:  # an op dygrad does not have (conv3d, multilabel_margin_loss)
        pytest.skip(str(e))
    assert str(got.dtype) == str(want.dtype), name
    tol = (1.6e-2, 2e-2) if low == "bfloat16" else (2e-3, 2e-3)
    dygrad.testing.assert_close(got.detach(), want.detach(), check_dtype=False, rtol=tol[0], atol=tol[1])
    # gradients reach the inputs in the inputs' dtype
    got.float().sum().backward()
    for t in ts:
        if t.grad is not None:
            assert t.grad.dtype is t.dtype
