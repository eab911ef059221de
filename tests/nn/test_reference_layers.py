"""Layers without the PyTorch oracle: conv, transposed conv, pooling, normalization, linear,
embedding, recurrent cells and attention, forward against NumPy references written here from the
definitions, gradients (inputs and parameters) against float64 finite differences. These run
whether or not torch is installed."""
import numpy as np
import pytest

import dygrad
import dygrad.nn as nn
import dygrad.nn.functional as F
from dygrad.autograd import gradcheck
from numpy.lib.stride_tricks import sliding_window_view

rng = np.random.default_rng(12)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=True):
    return dygrad.tensor(a, requires_grad=grad)


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _windows(xp, k, stride, dilation):
    """(N, C, Ho, Wo, kh, kw) windows of an already padded (N, C, H, W) array."""
    ext = [(kk - 1) * d + 1 for kk, d in zip(k, dilation)]
    w = sliding_window_view(xp, ext, axis=(2, 3))[..., ::dilation[0], ::dilation[1]]
    return w[:, :, ::stride[0], ::stride[1]]


def conv2d_ref(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    win = _windows(xp, w.shape[2:], stride, dilation)
    cg, og = x.shape[1] // groups, w.shape[0] // groups
    out = np.concatenate([np.einsum("nchwij,ocij->nohw", win[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og])
                          for g in range(groups)], axis=1)
    return out if b is None else out + b[None, :, None, None]


def conv_transpose2d_ref(x, w, b, stride, padding, output_padding, dilation):
    """Each input pixel scatters its kernel-weighted copy into the (uncropped) output."""
    (s0, s1), (p0, p1), (d0, d1) = _pair(stride), _pair(padding), _pair(dilation)
    n, _, h, wd = x.shape
    kh, kw = w.shape[2:]
    full = np.zeros((n, w.shape[1], (h - 1) * s0 + d0 * (kh - 1) + 1 + output_padding,
                     (wd - 1) * s1 + d1 * (kw - 1) + 1 + output_padding))
    for i in range(kh):
        for j in range(kw):
            full[:, :, i * d0:i * d0 + (h - 1) * s0 + 1:s0, j * d1:j * d1 + (wd - 1) * s1 + 1:s1] += \
                np.einsum("nchw,co->nohw", x, w[:, :, i, j])
    return full[:, :, p0:full.shape[2] - p0, p1:full.shape[3] - p1] + b[None, :, None, None]


CONV_CASES = {
    "plain": {},
    "stride_pad": {"stride": 2, "padding": 1},
    "dilation": {"dilation": 2, "padding": (2, 1)},
    "groups": {"groups": 2, "stride": (1, 2)},
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv2d_matches_numpy_and_gradcheck(case):
    kw = CONV_CASES[case]
    g = kw.get("groups", 1)
    x, w, b = R(2, 4, 6, 5), R(6, 4 // g, 3, 2), R(6)
    got = F.conv2d(T(x, False), T(w, False), T(b, False), **kw)
    np.testing.assert_allclose(got.numpy(), conv2d_ref(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: F.conv2d(*a, **kw), (T(x[:1, :, :5, :4]), T(w), T(b)))


def test_conv1d_is_conv2d_over_a_unit_height():
    x, w, b = R(2, 3, 9), R(4, 3, 3), R(4)
    got = F.conv1d(T(x, False), T(w, False), T(b, False), stride=2, padding=1, dilation=2)
    want = conv2d_ref(x[:, :, None], w[:, :, None], b, stride=(1, 2), padding=(0, 1), dilation=(1, 2))[:, :, 0]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: F.conv1d(*a, padding=1), (T(x[:1, :, :6]), T(w), T(b)))


def test_conv2d_module_uses_its_parameters():
    m = nn.Conv2d(3, 2, 3, padding=1, bias=True).double()
    x = R(1, 3, 4, 4)
    want = conv2d_ref(x, m.weight.detach().numpy(), m.bias.detach().numpy(), padding=1)
    np.testing.assert_allclose(m(T(x, False)).detach().numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [{"stride": 2, "padding": 1, "output_padding": 1, "dilation": 1},
                                {"stride": 1, "padding": 0, "output_padding": 0, "dilation": 2}])
def test_conv_transpose2d_matches_numpy_and_gradcheck(kw):
    x, w, b = R(2, 3, 3, 4), R(3, 2, 3, 2), R(2)
    got = F.conv_transpose2d(T(x, False), T(w, False), T(b, False), **kw)
    np.testing.assert_allclose(got.numpy(), conv_transpose2d_ref(x, w, b, **kw), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: F.conv_transpose2d(*a, **kw), (T(x[:1]), T(w), T(b)))


def test_max_and_avg_pool2d_match_numpy_and_gradcheck():
    x = R(2, 3, 7, 6)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    want = _windows(xp, (3, 3), (2, 2), (1, 1)).max(axis=(-2, -1))
    np.testing.assert_array_equal(F.max_pool2d(T(x, False), 3, 2, 1).numpy(), want)
    zp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    avg = _windows(zp, (3, 3), (2, 2), (1, 1)).mean(axis=(-2, -1))  # count_include_pad=True
    np.testing.assert_allclose(F.avg_pool2d(T(x, False), 3, 2, 1).numpy(), avg, rtol=1e-12)
    x = T(R(1, 2, 5, 5))  # distinct values: max's gradient is well defined
    assert gradcheck(lambda t: F.max_pool2d(t, 2, 1), (x,))
    assert gradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1, count_include_pad=False), (x,))


def test_adaptive_avg_pool2d_matches_numpy():
    x, (oh, ow) = R(2, 3, 7, 5), (3, 2)
    want = np.empty((2, 3, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, h1 = (i * 7) // oh, -((-(i + 1) * 7) // oh)
            w0, w1 = (j * 5) // ow, -((-(j + 1) * 5) // ow)
            want[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    np.testing.assert_allclose(F.adaptive_avg_pool2d(T(x, False), (oh, ow)).numpy(), want, rtol=1e-12)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, (3, 2)), (T(x[:1]),))


def test_batch_norm_training_and_eval_match_numpy():
    x, w, b = R(4, 3, 2, 2) * 2 + 1, R(3), R(3)
    rm, rv = np.zeros(3), np.ones(3)
    drm, drv = dygrad.tensor(rm.copy()), dygrad.tensor(rv.copy())
    got = F.batch_norm(T(x, False), drm, drv, T(w, False), T(b, False), training=True, momentum=0.2)
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    c = (None, slice(None), None, None)
    want = (x - mean[c]) / np.sqrt(var[c] + 1e-5) * w[c] + b[c]
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(drm.numpy(), 0.8 * rm + 0.2 * mean, rtol=1e-12)
    np.testing.assert_allclose(drv.numpy(), 0.8 * rv + 0.2 * x.var(axis=(0, 2, 3), ddof=1), rtol=1e-12)
    ev = F.batch_norm(T(x, False), drm, drv, T(w, False), T(b, False), training=False)
    want = (x - drm.numpy()[c]) / np.sqrt(drv.numpy()[c] + 1e-5) * w[c] + b[c]
    np.testing.assert_allclose(ev.numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: F.batch_norm(a[0], None, None, a[1], a[2], training=True),
                     (T(x), T(w), T(b)))


def test_layer_group_instance_norm_match_numpy_and_gradcheck():
    x, w, b = R(2, 4, 3), R(4, 3), R(4, 3)
    mu, var = x.mean(axis=(1, 2), keepdims=True), x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(F.layer_norm(T(x, False), (4, 3), T(w, False), T(b, False)).numpy(),
                               (x - mu) / np.sqrt(var + 1e-5) * w + b, rtol=1e-10, atol=1e-12)
    g = x.reshape(2, 2, 6)
    gn = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(F.group_norm(T(x, False), 2).numpy(), gn, rtol=1e-10, atol=1e-12)
    inn = (x - x.mean(2, keepdims=True)) / np.sqrt(x.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(F.instance_norm(T(x, False)).numpy(), inn, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *a: F.layer_norm(a[0], (3,), a[1], a[2]), (T(x), T(w[0]), T(b[0])))
    assert gradcheck(lambda *a: F.group_norm(a[0], 2, a[1], a[2]), (T(x), T(w[:, 0]), T(b[:, 0])))


def test_linear_and_bilinear_match_numpy_and_gradcheck():
    x, w, b = R(2, 5, 3), R(4, 3), R(4)
    np.testing.assert_allclose(F.linear(T(x, False), T(w, False), T(b, False)).numpy(), x @ w.T + b,
                               rtol=1e-12)
    assert gradcheck(F.linear, (T(x), T(w), T(b)))
    x1, x2, wb = R(3, 2), R(3, 4), R(5, 2, 4)
    want = np.einsum("ni,oij,nj->no", x1, wb, x2) + b[None, :1]
    np.testing.assert_allclose(F.bilinear(T(x1, False), T(x2, False), T(wb, False), T(b[:1].repeat(5), False))
                               .numpy(), want, rtol=1e-12)


def test_embedding_forward_and_padding_idx_gets_no_gradient():
    w, idx = R(6, 3), np.array([[1, 0, 4], [4, 4, 2]])
    wt = T(w)
    out = F.embedding(dygrad.tensor(idx), wt, padding_idx=4)
    np.testing.assert_array_equal(out.detach().numpy(), w[idx])
    go = R(2, 3, 3)
    out.backward(dygrad.tensor(go))
    want = np.zeros_like(w)
    np.add.at(want, idx, go)
    want[4] = 0
    np.testing.assert_allclose(wt.grad.numpy(), want, rtol=1e-12)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _params(m):
    return {n: p.detach().numpy() for n, p in m.named_parameters()}


def gru_cell_ref(x, h, p):
    """Reset, update, new gates; the reset gate scales the recurrent part of the new gate only."""
    gi, gh = x @ p["weight_ih"].T + p["bias_ih"], h @ p["weight_hh"].T + p["bias_hh"]
    ir, iz, inn = np.split(gi, 3, axis=-1)
    hr, hz, hn = np.split(gh, 3, axis=-1)
    r, z = _sig(ir + hr), _sig(iz + hz)
    n = np.tanh(inn + r * hn)
    return (1 - z) * n + z * h


def _cell(kind, x, h, c, p, sfx, nonlinearity):
    g = lambda n: p.get(n + sfx, 0.0)  # noqa: E731  (bias=False: no bias parameters)
    if kind == "GRU":
        q = {k[:-len(sfx)] if sfx else k: v for k, v in p.items() if k.endswith(sfx)}
        q.setdefault("bias_ih", 0.0), q.setdefault("bias_hh", 0.0)
        return gru_cell_ref(x, h, q), c
    z = x @ g("weight_ih").T + g("bias_ih") + h @ g("weight_hh").T + g("bias_hh")
    if kind == "RNN":
        return (np.tanh(z) if nonlinearity == "tanh" else np.maximum(z, 0)), c
    i, f, gg, o = np.split(z, 4, axis=-1)
    c = _sig(f) * c + _sig(i) * np.tanh(gg)
    return _sig(o) * np.tanh(c), c


def recurrent_ref(kind, x, p, num_layers=1, bidirectional=False, batch_first=False,
                  nonlinearity="tanh", h0=None, c0=None, hidden=4, **_):
    """Stacked (and bidirectional) recurrence: each layer reads the concatenated outputs of both
    directions of the layer below; the reverse direction runs over the reversed sequence."""
    x = x.transpose(1, 0, 2) if batch_first else x
    dirs = 2 if bidirectional else 1
    hs, cs, inp = [], [], x
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            h = np.zeros((x.shape[1], hidden)) if h0 is None else h0[k]
            c = np.zeros((x.shape[1], hidden)) if c0 is None else c0[k]
            ys = []
            for xt in (inp[::-1] if d else inp):
                h, c = _cell(kind, xt, h, c, p, f"_l{layer}" + ("_reverse" if d else ""), nonlinearity)
                ys.append(h)
            outs.append(np.stack(ys[::-1] if d else ys))
            hs.append(h), cs.append(c)
        inp = np.concatenate(outs, -1)
    return (inp.transpose(1, 0, 2) if batch_first else inp), np.stack(hs), np.stack(cs)


RECURRENT = [("GRU", dict(num_layers=2, batch_first=True)), ("GRU", dict(bidirectional=True)),
             ("LSTM", dict(num_layers=2)), ("LSTM", dict(bidirectional=True, batch_first=True)),
             ("LSTM", dict(bias=False)), ("RNN", dict(num_layers=2)),
             ("RNN", dict(nonlinearity="relu", bidirectional=True))]


@pytest.mark.parametrize("kind,kw", RECURRENT)
def test_recurrent_modules_match_numpy_and_gradcheck(kind, kw):
    m = getattr(nn, kind)(3, 4, **kw).double()
    L = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    x, h0, c0 = R(2, 5, 3) if kw.get("batch_first") else R(5, 2, 3), R(L, 2, 4), R(L, 2, 4)
    hx = (T(h0, False), T(c0, False)) if kind == "LSTM" else T(h0, False)
    out, hn = m(T(x, False), hx)
    want, wh, wc = recurrent_ref(kind, x, _params(m), h0=h0, c0=c0, **kw)
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    hn = hn if kind == "LSTM" else (hn,)
    for got, ref in zip(hn, (wh, wc)):
        np.testing.assert_allclose(got.detach().numpy(), ref, rtol=1e-10, atol=1e-12)
    if kind == "LSTM":
        assert gradcheck(lambda *a: m(a[0], (a[1], a[2]))[0], (T(x[:, :3] if kw.get("batch_first") else x[:3]),
                                                               T(h0), T(c0)))
    else:
        assert gradcheck(lambda *a: m(*a)[1], (T(x), T(h0)))


def test_gru_and_rnn_cells_match_numpy_and_gradcheck():
    g = nn.GRUCell(3, 4).double()
    x, h = R(2, 3), R(2, 4)
    np.testing.assert_allclose(g(T(x, False), T(h, False)).detach().numpy(), gru_cell_ref(x, h, _params(g)),
                               rtol=1e-10, atol=1e-12)
    assert gradcheck(g, (T(x), T(h)))
    r = nn.RNNCell(3, 4).double()
    p = _params(r)
    want = np.tanh(x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"])
    np.testing.assert_allclose(r(T(x, False), T(h, False)).detach().numpy(), want, rtol=1e-10, atol=1e-12)
    assert gradcheck(r, (T(x), T(h)))


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_recurrent_parameter_gradients_match_finite_differences(kind):
    """Weights are leaves inside the module, out of gradcheck's reach: central differences of a
    scalar loss, one entry at a time, against the accumulated .grad."""
    m = getattr(nn, kind)(2, 3, batch_first=True, num_layers=1 if kind == "LSTM" else 2,
                              bidirectional=kind == "LSTM").double()
    x, go = R(2, 4, 2), R(2, 4, 6 if kind == "LSTM" else 3)

    def loss():
        return (m(T(x, False))[0] * dygrad.tensor(go)).sum()

    loss().backward()
    for name, p in m.named_parameters():
        arr, eps = p.detach().numpy(), 1e-6
        num = np.empty_like(arr)
        for k in np.ndindex(arr.shape):
            old = arr[k]
            arr[k] = old + eps
            hi = loss().item()
            arr[k] = old - eps
            lo = loss().item()
            arr[k] = old
            num[k] = (hi - lo) / (2 * eps)
        np.testing.assert_allclose(p.grad.numpy(), num, rtol=1e-5, atol=1e-7, err_msg=name)


def test_scaled_dot_product_attention_matches_numpy_and_gradcheck():
    q, k, v = R(2, 3, 4), R(2, 5, 4), R(2, 5, 2)
    s = q @ k.transpose(0, 2, 1) / 2.0
    w = np.exp(s - s.max(-1, keepdims=True))
    np.testing.assert_allclose(F.scaled_dot_product_attention(T(q, False), T(k, False), T(v, False)).numpy(),
                               (w / w.sum(-1, keepdims=True)) @ v, rtol=1e-10)
    sc = q @ q.transpose(0, 2, 1) / 2.0 + np.triu(np.full((3, 3), -np.inf), 1)
    w = np.exp(sc - sc.max(-1, keepdims=True))
    got = F.scaled_dot_product_attention(T(q, False), T(q, False), T(q, False), is_causal=True)
    np.testing.assert_allclose(got.numpy(), (w / w.sum(-1, keepdims=True)) @ q, rtol=1e-10)
    assert gradcheck(F.scaled_dot_product_attention, (T(q), T(k), T(v)))


def test_dropout_scales_kept_entries_and_routes_gradient_through_them():
    x = T(R(50, 40) + 5)  # no zeros in x: a zero in the output means dropped
    out = F.dropout(x, 0.4, training=True)
    kept = out.detach().numpy() != 0
    assert 0.5 < kept.mean() < 0.7
    np.testing.assert_allclose(out.detach().numpy()[kept], x.detach().numpy()[kept] / 0.6, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / 0.6, rtol=1e-12)
    assert F.dropout(x, 0.4, training=False) is x or np.array_equal(
        F.dropout(x, 0.4, training=False).detach().numpy(), x.detach().numpy())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), 0.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_numpy(norm_type, max_norm):
    """The total norm is the norm of the per-parameter gradient norms (for norm_type 0: how many
    parameters have a nonzero gradient, not how many entries); gradients scale in place by
    max_norm / (total + 1e-6) when that is below 1."""
    grads = [R(3, 4), R(5)]
    ps = [nn.Parameter(dygrad.zeros(*g.shape, dtype=dygrad.float64)) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = dygrad.tensor(g.copy())
    kept = [p.grad for p in ps]
    total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    def vnorm(v):
        return (np.abs(v).max() if norm_type == float("inf") else np.count_nonzero(v) if norm_type == 0
                else (np.abs(v) ** norm_type).sum() ** (1 / norm_type))
    want = vnorm(np.array([vnorm(g.ravel()) for g in grads]))
    np.testing.assert_allclose(total.item(), want, rtol=1e-12)
    scale = min(1.0, max_norm / (want + 1e-6))
    for p, g, k in zip(ps, grads, kept):
        assert p.grad is k
        np.testing.assert_allclose(p.grad.numpy(), g * scale, rtol=1e-12)


def test_clip_grad_value_and_parameter_vectors():
    ps = [nn.Parameter(dygrad.tensor(R(2, 3))), nn.Parameter(dygrad.tensor(R(4)))]
    grads = [R(2, 3), R(4)]
    for p, g in zip(ps, grads):
        p.grad = dygrad.tensor(g.copy())
    nn.utils.clip_grad_value_(ps, 0.5)
    for p, g in zip(ps, grads):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -0.5, 0.5))
    vec = nn.utils.parameters_to_vector(ps)
    np.testing.assert_array_equal(vec.detach().numpy(), np.concatenate([p.detach().numpy().ravel() for p in ps]))
    nn.utils.vector_to_parameters(dygrad.arange(10.0, dtype=dygrad.float64), ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ps[1].detach().numpy(), np.arange(6.0, 10.0))


@pytest.mark.parametrize("mode,np_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap"),
                                          ("zeros", "constant")])
def test_conv2d_padding_modes_match_numpy(mode, np_mode):
    m = nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = R(1, 2, 4, 5)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), np_mode)
    want = conv2d_ref(xp, m.weight.detach().numpy(), m.bias.detach().numpy())
    np.testing.assert_allclose(m(T(x, False)).detach().numpy(), want, rtol=1e-10, atol=1e-12)
    if mode != "zeros":
        got = F.pad(T(x, False), (2, 2, 1, 1), mode=mode)
        np.testing.assert_array_equal(got.numpy(), xp)
    assert gradcheck(m, (T(x),))


def test_batchnorm_module_running_stats_and_eval():
    """momentum=None keeps a cumulative average of the batch statistics (the running variance
    from the unbiased batch variance); eval normalizes with the running statistics."""
    m = nn.BatchNorm1d(3, momentum=None, affine=False).double()
    batches = [R(5, 3) * (k + 1) + k for k in range(3)]
    for b in batches:
        m(T(b, False))
    assert m.num_batches_tracked.item() == 3
    np.testing.assert_allclose(m.running_mean.numpy(), np.mean([b.mean(0) for b in batches], 0), rtol=1e-12)
    # the k-th batch enters with weight 1/k, so the initial values (0 and 1) drop out at once
    np.testing.assert_allclose(m.running_var.numpy(), np.mean([b.var(0, ddof=1) for b in batches], 0),
                               rtol=1e-12)
    m.eval()
    x = R(4, 3)
    want = (x - m.running_mean.numpy()) / np.sqrt(m.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(m(T(x, False)).numpy(), want, rtol=1e-10, atol=1e-12)
