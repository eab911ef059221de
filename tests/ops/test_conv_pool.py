"""Convolution and pooling ops: gradcheck (float64) and parity with PyTorch."""
import warnings

import numpy as np
import pytest

import dygrad
from dygrad.ops import conv as C
from dygrad.ops import pool as P
from dygrad.ops import pool_adaptive as PA
from dygrad.ops.pad import pad_constant

rng = np.random.default_rng(7)
gc = dygrad.autograd.gradcheck


def _t(shape, rg=True):
    return dygrad.tensor(rng.standard_normal(shape), requires_grad=rg)


CONV_CASES = [
    dict(x=(2, 3, 7, 6), w=(4, 3, 3, 2), stride=1, padding=0, dilation=1, groups=1),
    dict(x=(1, 2, 8, 8), w=(4, 2, 3, 3), stride=2, padding=1, dilation=1, groups=1),
    dict(x=(2, 4, 9, 7), w=(6, 2, 3, 3), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
    dict(x=(1, 2, 6, 6), w=(3, 2, 3, 3), stride=1, padding="same", dilation=1, groups=1),
    dict(x=(2, 1, 5, 5), w=(2, 1, 2, 2), stride=1, padding="valid", dilation=1, groups=1),
]


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck(case):
    x, w, b = _t(case["x"]), _t(case["w"]), _t((case["w"][0],))
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    assert gc(lambda x, w, b: C.conv2d(x, w, b, **kw), (x, w, b))


def test_conv2d_gradgradcheck():
    x, w = _t((1, 2, 5, 5)), _t((2, 2, 3, 3))
    assert dygrad.autograd.gradgradcheck(lambda x, w: C.conv2d(x, w, None, 1, 1), (x, w))


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_parity(case):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal(case["x"]).astype(np.float32)
    W = rng.standard_normal(case["w"]).astype(np.float32)
    B = rng.standard_normal(case["w"][0]).astype(np.float32)
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    xs = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
    ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
    od = C.conv2d(*xs, **kw)
    ot = torch.nn.functional.conv2d(*ts, **kw)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip(xs, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv1d_and_transpose_parity():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X = rng.standard_normal((2, 3, 10)).astype(np.float32)
    W = rng.standard_normal((4, 3, 3)).astype(np.float32)
    for kw in (dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(stride=1)):
        od = C.conv1d(dygrad.tensor(X), dygrad.tensor(W), **kw)
        ot = F.conv1d(torch.tensor(X), torch.tensor(W), **kw)
        np.testing.assert_allclose(od.numpy(), ot.numpy(), rtol=1e-4, atol=1e-4)
    X = rng.standard_normal((2, 4, 5, 6)).astype(np.float32)
    W = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    B = rng.standard_normal(3).astype(np.float32)
    for kw in (dict(stride=2, padding=1, output_padding=1), dict(stride=1), dict(stride=2, dilation=2)):
        xs = [dygrad.tensor(a, requires_grad=True) for a in (X, W, B)]
        ts = [torch.tensor(a, requires_grad=True) for a in (X, W, B)]
        od = C.conv_transpose2d(*xs, **kw)
        ot = F.conv_transpose2d(*ts, **kw)
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
        od.sum().backward()
        ot.sum().backward()
        for d, t in zip(xs, ts):
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_conv_transpose_gradcheck():
    x, w, b = _t((1, 2, 3, 4)), _t((2, 3, 2, 3)), _t((3,))
    assert gc(lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), (x, w, b))


def test_conv_errors_name_shapes():
    x = dygrad.ones(1, 3, 5, 5)
    with pytest.raises(RuntimeError, match="expected input.*to have 2 channels, but got 3"):
        C.conv2d(x, dygrad.ones(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="Input type.*and weight type"):
        C.conv2d(x, dygrad.ones(4, 3, 3, 3, dtype=dygrad.float64))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        C.conv2d(dygrad.ones(1, 3, 2, 2), dygrad.ones(4, 3, 3, 3))


POOL_CASES = [
    dict(k=2, s=None, p=0, d=1, ceil=False), dict(k=3, s=2, p=1, d=1, ceil=False),
    dict(k=(3, 2), s=(2, 1), p=(1, 0), d=1, ceil=True), dict(k=2, s=1, p=0, d=2, ceil=False),
    dict(k=3, s=2, p=0, d=1, ceil=True),
]


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool_parity_and_indices(case):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    X[0, 0, :2, :2] = 1.0  # a tie: the first maximum wins, as in PyTorch
    args = (case["k"], case["s"], case["p"], case["d"], case["ceil"], True)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    od, idd = P.max_pool2d(xd, *args)
    ot, idt = torch.nn.functional.max_pool2d(xt, *args)
    np.testing.assert_array_equal(od.detach().numpy(), ot.detach().numpy())
    np.testing.assert_array_equal(idd.numpy(), idt.numpy())
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", POOL_CASES[:3] + POOL_CASES[4:])
@pytest.mark.parametrize("include_pad", [True, False])
def test_avg_pool_parity(case, include_pad):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    args = (case["k"], case["s"], case["p"], case["ceil"], include_pad)
    od = P.avg_pool2d(xd, *args)
    ot = torch.nn.functional.avg_pool2d(xt, *args)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
    od.sum().backward()
    ot.sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("out", [(1, 1), (2, 2), (3, 5), 4])
def test_adaptive_pools_parity(out):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 7, 10)).astype(np.float32)
    for fd, ft in ((PA.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d),
                   (PA.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d)):
        xd = dygrad.tensor(X, requires_grad=True)
        xt = torch.tensor(X, requires_grad=True)
        od, ot = fd(xd, out), ft(xt, out)
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-5, atol=1e-6)
        od.sum().backward()
        ot.sum().backward()
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_pool_gradchecks():
    x = dygrad.tensor(rng.permutation(64).reshape(1, 1, 8, 8).astype(np.float64), requires_grad=True)
    assert gc(lambda t: P.max_pool2d(t, 3, 2, 1), (x,))
    y = _t((2, 2, 6, 5))
    assert gc(lambda t: P.avg_pool2d(t, 3, 2, 1, True, False), (y,))
    assert gc(lambda t: PA.adaptive_avg_pool2d(t, (4, 3)), (y,))
    assert dygrad.autograd.gradgradcheck(lambda t: P.avg_pool2d(t, 2), (y,))
    assert gc(lambda t: P.max_pool1d(t, 2), (_t((2, 3, 6)),))
    assert gc(lambda t: pad_constant(t, (1, 2, 0, 1), 0.5), (y,))


# -- fast paths: im2col layouts, pooled scratch buffers, tap-wise pooling, fused batch norm -------

def _conv_parity(torch, xs, ws, bias=True, x_rg=True, w_rg=True, **kw):
    X = rng.standard_normal(xs).astype(np.float32)
    W = rng.standard_normal(ws).astype(np.float32)
    B = rng.standard_normal(ws[0]).astype(np.float32) if bias else None
    rgs = (x_rg, w_rg, True)
    arrs = [a for a in (X, W, B) if a is not None]
    ds = [dygrad.tensor(a, requires_grad=r) for a, r in zip(arrs, rgs)]
    ts = [torch.tensor(a, requires_grad=r) for a, r in zip(arrs, rgs)]
    od = C.conv2d(*ds, **kw)
    with warnings.catch_warnings():  # torch warns about the extra copy of 'same' + even kernel
        warnings.simplefilter("ignore", UserWarning)
        ot = torch.nn.functional.conv2d(*ts, **kw)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-4)
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip(ds, ts):
        if t.requires_grad:
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-3)
        else:
            assert d.grad is None


# stride 1 with out_channels <= in_channels takes the input gradient as a correlation of g;
# the others scatter column gradients; K > 64 takes the single-GEMM weight gradient and
# positions divisible by 64 the blocked forward GEMM
FAST_CASES = [
    dict(xs=(3, 8, 16, 16), ws=(8, 8, 3, 3), padding=1),
    dict(xs=(2, 9, 11, 9), ws=(5, 9, 3, 3), padding=2, dilation=2),
    dict(xs=(2, 6, 8, 8), ws=(4, 6, 4, 2), padding="same"),
    dict(xs=(2, 4, 7, 7), ws=(3, 4, 3, 3), padding=3),
    dict(xs=(2, 8, 16, 8), ws=(8, 8, 3, 3), stride=2, padding=1),
    dict(xs=(2, 8, 8, 8), ws=(16, 8, 1, 1), stride=2),
    dict(xs=(2, 16, 8, 8), ws=(8, 16, 1, 1)),
    dict(xs=(2, 3, 16, 16), ws=(5, 3, 5, 5), padding=2),
    dict(xs=(1, 2, 3, 4), ws=(2, 2, 3, 3), padding=5, dilation=5),  # taps wholly in the padding
    dict(xs=(2, 3, 9, 8), ws=(4, 3, 3, 3), stride=3, padding=(2, 1)),
]


@pytest.mark.parametrize("case", FAST_CASES)
def test_conv2d_fast_paths_parity(case):
    torch = pytest.importorskip("torch")
    case = dict(case)
    _conv_parity(torch, case.pop("xs"), case.pop("ws"), **case)


@pytest.mark.parametrize("chunk_bytes", [1, 10000])  # 1 or 2 samples per chunk
def test_conv2d_input_grad_in_chunks(monkeypatch, chunk_bytes):
    # the correlation builds its columns a few samples at a time, zeroing padding strips once
    torch = pytest.importorskip("torch")
    from dygrad.ops import _im2col
    monkeypatch.setattr(_im2col, "_CHUNK_BYTES", chunk_bytes)
    _conv_parity(torch, (5, 4, 6, 7), (3, 4, 3, 3), padding=(1, 2))


@pytest.mark.parametrize("x_rg,w_rg", [(False, True), (True, False)])
def test_conv2d_partial_requires_grad(x_rg, w_rg):
    torch = pytest.importorskip("torch")
    _conv_parity(torch, (2, 4, 9, 9), (4, 4, 3, 3), x_rg=x_rg, w_rg=w_rg, padding=1)


def test_conv2d_gradgradcheck_fast_input_grad():
    # stride 1, O <= C: the numpy backward correlates g; create_graph rebuilds it from ops
    x, w = _t((1, 3, 5, 5)), _t((2, 3, 3, 3))
    assert dygrad.autograd.gradgradcheck(lambda x, w: C.conv2d(x, w, None, 1, (1, 0), (1, 2)), (x, w))


def test_conv2d_same_shape_layers_do_not_share_columns():
    # several live graphs of one conv shape each keep their own pooled patch matrix
    torch = pytest.importorskip("torch")
    W = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    Xs = [rng.standard_normal((2, 3, 6, 6)).astype(np.float32) for _ in range(3)]
    wd = dygrad.tensor(W, requires_grad=True)
    wt = torch.tensor(W, requires_grad=True)
    outs_d = [C.conv2d(dygrad.tensor(X), wd, padding=1) for X in Xs]
    outs_t = [torch.nn.functional.conv2d(torch.tensor(X), wt, padding=1) for X in Xs]
    with dygrad.no_grad():  # scratch taken and given back in between must not disturb them
        C.conv2d(dygrad.tensor(Xs[0]), wd, padding=1)
    for i, (od, ot) in enumerate(zip(outs_d, outs_t)):
        od.sum().backward(retain_graph=True)
        ot.sum().backward(retain_graph=True)
        if i == 0:  # a second backward through the same graph reads the same columns
            od.sum().backward()
            ot.sum().backward()
    np.testing.assert_allclose(wd.grad.numpy(), wt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv2d_outputs_survive_later_calls():
    x = dygrad.tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    w = dygrad.tensor(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    y = C.conv2d(x, w, padding=1)
    y.sum().backward()
    keep_y, keep_gx, keep_gw = y.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()
    for _ in range(3):
        C.conv2d(x * 2, w, padding=1).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), keep_y)
    x.grad = None
    w.grad = None
    C.conv2d(x, w, padding=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), keep_gx)
    np.testing.assert_array_equal(w.grad.numpy(), keep_gw)


def test_buffer_pool_rules():
    from dygrad.ops import _buffers as B
    B.clear()
    a = B.take((300, 300), np.dtype(np.float32))
    B.give(a)
    assert B.take((300, 300), np.dtype(np.float32)) is a
    view = a[1:]
    B.give(a)  # a live view could see the next user's writes: refused
    assert B.take((300, 300), np.dtype(np.float32)) is not a
    del view
    small = B.take((4,), np.dtype(np.float32))
    B.give(small)
    assert B.take((4,), np.dtype(np.float32)) is not small
    B.clear()


def test_buffer_pool_drops_least_recently_given_shapes(monkeypatch):
    from dygrad.ops import _buffers as B
    B.clear()
    f32 = np.dtype(np.float32)
    monkeypatch.setattr(B, "_LIMIT", 7 * 400 * 400 * 2)  # room for three and a half
    old, new = B.take((400, 400), f32), B.take((401, 400), f32)
    B.give(old)
    B.give(new)
    B.give(B.take((402, 400), f32))
    B.give(B.take((403, 400), f32))  # over the limit: the oldest shape goes
    assert B.take((400, 400), f32) is not old
    assert B.take((401, 400), f32) is new
    B.clear()


MAXPOOL_FAST = [
    dict(k=2, s=None, shape=(2, 3, 8, 8)), dict(k=2, s=None, shape=(2, 3, 7, 9)),
    dict(k=3, s=3, shape=(1, 2, 9, 7)), dict(k=3, s=2, shape=(2, 2, 9, 9)),
    dict(k=(2, 3), s=1, shape=(1, 2, 5, 6)), dict(k=2, s=1, d=2, shape=(1, 2, 7, 7)),
    dict(k=3, s=2, ceil=True, shape=(1, 1, 7, 7)),
]


@pytest.mark.parametrize("case", MAXPOOL_FAST)
def test_max_pool_without_indices_parity(case):
    torch = pytest.importorskip("torch")
    X = rng.standard_normal(case["shape"]).astype(np.float32)
    X = np.maximum(X, 0)  # relu zeros: windows full of ties
    X[0, 0, 0, :3] = 2.0  # equal maxima inside and across windows
    X[0, -1, -1, -2:] = -np.inf
    args = (case["k"], case["s"], 0, case.get("d", 1), case.get("ceil", False))
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    od = P.max_pool2d(xd, *args)
    ot = torch.nn.functional.max_pool2d(xt, *args)
    np.testing.assert_array_equal(od.detach().numpy(), ot.detach().numpy())
    G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    # same routing (zeros exactly where PyTorch's are); overlapping windows add in another order
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=0)


def test_max_pool_nan_routes_to_last_nan_like_torch():
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((1, 2, 4, 6)).astype(np.float32)
    X[0, 0, 0, 1] = X[0, 0, 1, 0] = np.nan  # two NaNs in one 2x2 window
    X[0, 1, 2, 2] = np.nan
    for ri in (False, True):
        xd = dygrad.tensor(X, requires_grad=True)
        xt = torch.tensor(X, requires_grad=True)
        rd = P.max_pool2d(xd, 2, return_indices=ri)
        rt = torch.nn.functional.max_pool2d(xt, 2, return_indices=ri)
        od, ot = (rd[0], rt[0]) if ri else (rd, rt)
        np.testing.assert_array_equal(od.detach().numpy(), ot.detach().numpy())
        if ri:
            np.testing.assert_array_equal(rd[1].numpy(), rt[1].numpy())
        od.sum().backward()
        ot.sum().backward()
        np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


def test_max_pool_output_may_be_modified_in_place():
    # PyTorch saves indices, not the output: a relu_ on the pooled tensor is legal
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    xd = dygrad.tensor(X, requires_grad=True)
    xt = torch.tensor(X, requires_grad=True)
    yd, yt = P.max_pool2d(xd * 1, 2), torch.nn.functional.max_pool2d(xt * 1, 2)
    yd.mul_(-1).relu_()
    yt.mul_(-1).relu_()
    yd.sum().backward()
    yt.sum().backward()
    np.testing.assert_array_equal(xd.grad.numpy(), xt.grad.numpy())


def test_max_pool_fast_path_double_backward():
    x = dygrad.tensor(rng.permutation(72).reshape(1, 2, 6, 6).astype(np.float64), requires_grad=True)
    assert gc(lambda t: P.max_pool2d(t, 2), (x,))
    assert dygrad.autograd.gradgradcheck(lambda t: P.max_pool2d(t, 3, 2), (x,))


def test_max_pool_integer_input():
    torch = pytest.importorskip("torch")
    X = rng.integers(-50, 50, (2, 3, 6, 6))
    np.testing.assert_array_equal(P.max_pool2d(dygrad.tensor(X), 2).numpy(),
                                  torch.nn.functional.max_pool2d(torch.tensor(X), 2).numpy())


def test_avg_pool_tiling_parity_and_double_backward():
    torch = pytest.importorskip("torch")
    X = rng.standard_normal((2, 3, 8, 6)).astype(np.float32)
    for args in ((2,), ((2, 3),), (2, None, 0, False, True, 3)):
        xd = dygrad.tensor(X, requires_grad=True)
        xt = torch.tensor(X, requires_grad=True)
        od = P.avg_pool2d(xd, *args)
        ot = torch.nn.functional.avg_pool2d(xt, *args)
        np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-6, atol=1e-6)
        G = rng.standard_normal(tuple(ot.shape)).astype(np.float32)
        od.backward(dygrad.tensor(G))
        ot.backward(torch.tensor(G))
        np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
        assert xd.grad.dtype == dygrad.float32
    assert dygrad.autograd.gradgradcheck(lambda t: P.avg_pool2d(t, 2), (_t((1, 2, 4, 6)),))


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_fused_parity(affine):
    torch = pytest.importorskip("torch")
    from dygrad.ops import norm as N
    X = (rng.standard_normal((8, 5, 6, 7)) * 3 + 2).astype(np.float32)
    W = rng.standard_normal(5).astype(np.float32)
    B = rng.standard_normal(5).astype(np.float32)
    xd, xt = dygrad.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    wb_d = [dygrad.tensor(a, requires_grad=True) for a in (W, B)] if affine else [None, None]
    wb_t = [torch.tensor(a, requires_grad=True) for a in (W, B)] if affine else [None, None]
    rm_d, rv_d = dygrad.zeros(5), dygrad.ones(5)
    rm_t, rv_t = torch.zeros(5), torch.ones(5)
    od = N.batch_norm(xd, rm_d, rv_d, *wb_d, True, 0.1, 1e-5)
    ot = torch.nn.functional.batch_norm(xt, rm_t, rv_t, *wb_t, True, 0.1, 1e-5)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(rv_d.numpy(), rv_t.numpy(), rtol=1e-5)
    G = rng.standard_normal(X.shape).astype(np.float32)
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip([xd] + wb_d, [xt] + wb_t):
        if d is not None:
            np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-3, atol=1e-4)
    with dygrad.no_grad():  # no graph: the scratch goes straight back, the output stays intact
        keep = N.batch_norm(xd, None, None, *wb_d, True).numpy().copy()
        again = N.batch_norm(xd, None, None, *wb_d, True)
        N.batch_norm(dygrad.tensor(X * 2), None, None, *wb_d, True)
    np.testing.assert_array_equal(again.numpy(), keep)


def test_batch_norm_training_double_backward():
    from dygrad.ops import norm as N
    x = _t((3, 2, 2, 2))
    w, b = _t((2,)), _t((2,))
    assert dygrad.autograd.gradgradcheck(lambda x, w, b: N.batch_norm(x, None, None, w, b, True), (x, w, b))
