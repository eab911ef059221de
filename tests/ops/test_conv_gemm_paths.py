"""Each arithmetic path of conv2d (ops/_conv_gemm.py) in float64: the forward against a tap-by-tap
NumPy reference, the gradients by the adjoint identities of a bilinear op (exact up to rounding:
<G, conv(v, w)> = <dx, v> and <G, conv(x, V)> = <dw, V>), and against PyTorch when present.
The shapes pick the paths: one whole-batch GEMM or per-sample products forward; the input
gradient as a correlation, as channels-last or channel-major col2im; kernels cut to the taps
that reach the input; grouped GEMMs; the two weight-gradient product orders."""
import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F

CASES = [
    # (x shape, w shape, kwargs)
    ((2, 64, 4, 4), (64, 64, 3, 3), dict(padding=1)),              # channels-last col2im
    ((2, 64, 7, 7), (128, 64, 3, 3), dict(stride=2, padding=1)),   # same, stride 2; big dW
    ((2, 64, 2, 2), (64, 64, 3, 3), dict(padding=1)),
    ((2, 64, 1, 1), (32, 64, 3, 3), dict(padding=1)),              # cut to the centre tap
    ((2, 8, 1, 3), (4, 8, 3, 3), dict(padding=1)),                 # cut to one kernel row
    ((2, 16, 2, 2), (8, 16, 3, 3), dict(stride=2, padding=1)),     # 4 of 9 taps: not cut
    ((2, 16, 6, 6), (8, 16, 3, 3), dict(padding=1)),               # correlation
    ((2, 4, 12, 12), (4, 4, 3, 3), dict(padding=1)),               # per-sample products
    ((2, 8, 16, 16), (4, 8, 3, 3), dict(padding=1)),               # blocked per-sample GEMM
    ((2, 64, 4, 4), (64, 8, 3, 3), dict(padding=1, groups=8)),     # grouped
    ((2, 6, 5, 5), (6, 1, 3, 3), dict(padding=2, dilation=2, groups=6)),
    ((5, 6, 7), (4, 5, 3, 3), dict(stride=(2, 1), padding=(0, 2))),  # unbatched
]


def _reference(x, w, stride=1, padding=0, dilation=1, groups=1):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for gi in range(groups):
        xs, ws = xp[:, gi * cg:(gi + 1) * cg], w[gi * og:(gi + 1) * og]
        for i in range(kh):
            for j in range(kw):
                tap = xs[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                         j * dw:j * dw + sw * (ow - 1) + 1:sw]
                out[:, gi * og:(gi + 1) * og] += np.einsum("nchw,oc->nohw", tap, ws[:, :, i, j])
    return out


@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_conv2d_paths_forward_and_adjoint_gradients(xs, ws, kw):
    rng = np.random.default_rng(0)
    X, Wt, B = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    x, w, b = (dygrad.tensor(a, requires_grad=True) for a in (X, Wt, B))
    out = F.conv2d(x, w, b, **kw)
    batched = X if len(xs) == 4 else X[None]
    want = _reference(batched, Wt, **kw) + B[:, None, None]
    np.testing.assert_allclose(out.detach().numpy(), want if len(xs) == 4 else want[0],
                               rtol=1e-12, atol=1e-12)
    G = rng.standard_normal(tuple(out.shape))
    out.backward(dygrad.tensor(G))
    V, VW = rng.standard_normal(xs), rng.standard_normal(ws)
    with dygrad.no_grad():
        along_x = F.conv2d(dygrad.tensor(V), w, None, **kw).numpy()
        along_w = F.conv2d(x, dygrad.tensor(VW), None, **kw).numpy()
    np.testing.assert_allclose((G * along_x).sum(), (x.grad.numpy() * V).sum(), rtol=1e-11)
    np.testing.assert_allclose((G * along_w).sum(), (w.grad.numpy() * VW).sum(), rtol=1e-11)
    np.testing.assert_allclose(b.grad.numpy(), G.sum(axis=tuple(i for i in range(G.ndim)
                                                               if i != G.ndim - 3)))


@pytest.mark.parametrize("xs,ws,kw", CASES)
def test_conv2d_paths_match_pytorch(xs, ws, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])]
    ds = [dygrad.tensor(a, requires_grad=True) for a in arrs]
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    od, ot = F.conv2d(*ds, **kw), torch.nn.functional.conv2d(*ts, **kw)
    np.testing.assert_allclose(od.detach().numpy(), ot.detach().numpy(), rtol=1e-11, atol=1e-11)
    G = rng.standard_normal(tuple(ot.shape))
    od.backward(dygrad.tensor(G))
    ot.backward(torch.tensor(G))
    for d, t in zip(ds, ts):
        np.testing.assert_allclose(d.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-10)
