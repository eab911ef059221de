"""Pooling options, interpolation, unfold/fold and pixel shuffle without the PyTorch oracle:
forward against NumPy references written from the definitions (ceil_mode windows, dilation,
return_indices, count_include_pad, divisor_override, align_corners), gradients by float64
gradcheck, fold checked as the adjoint of unfold. These run whether or not torch is installed."""
import math

import numpy as np
import pytest

import dygrad
import dygrad.nn.functional as F
from dygrad.autograd import gradcheck

rng = np.random.default_rng(15)


def R(*shape):
    return rng.standard_normal(shape)


def T(a, grad=False):
    return dygrad.tensor(a, requires_grad=grad)


def _out_size(n, k, s, p, d, ceil):
    """Output length; with ceil_mode the last window may hang over the end, but must start
    inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def max_pool2d_ref(x, k, s, p, d, ceil):
    n, c, h, w = x.shape
    oh, ow = _out_size(h, k, s, p, d, ceil), _out_size(w, k, s, p, d, ceil)
    out, idx = np.full((n, c, oh, ow), -np.inf), np.zeros((n, c, oh, ow), np.int64)
    for i in range(oh):
        for j in range(ow):
            for a in range(k):
                for b in range(k):
                    r, q = i * s - p + a * d, j * s - p + b * d
                    if 0 <= r < h and 0 <= q < w:
                        better = x[:, :, r, q] > out[:, :, i, j]
                        out[:, :, i, j] = np.where(better, x[:, :, r, q], out[:, :, i, j])
                        idx[:, :, i, j] = np.where(better, r * w + q, idx[:, :, i, j])
    return out, idx


def avg_pool2d_ref(x, k, s, p, ceil, include_pad, divisor):
    n, c, h, w = x.shape
    oh, ow = _out_size(h, k, s, p, 1, ceil), _out_size(w, k, s, p, 1, ceil)
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s - p, j * s - p
            h1, w1 = min(h0 + k, h + p), min(w0 + k, w + p)
            area = (h1 - h0) * (w1 - w0)  # padding counts, the overhang past it does not
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            total = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3))
            out[:, :, i, j] = total / (divisor or (area if include_pad else (h1 - h0) * (w1 - w0)))
    return out


@pytest.mark.parametrize("k,s,p,d,ceil", [(3, 2, 1, 1, False), (3, 2, 1, 1, True), (2, 2, 0, 2, True),
                                          (3, 3, 1, 1, True), (2, 1, 1, 2, False)])
def test_max_pool2d_options_match_numpy(k, s, p, d, ceil):
    x = R(2, 2, 7, 6)
    out, idx = F.max_pool2d(T(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    want, want_idx = max_pool2d_ref(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(out.numpy(), want)
    np.testing.assert_array_equal(idx.numpy(), want_idx)
    assert gradcheck(lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode=ceil), (T(x[:1, :1], True),))


@pytest.mark.parametrize("ceil,include_pad,divisor", [(False, True, None), (True, True, None),
                                                      (True, False, None), (False, False, 5)])
def test_avg_pool2d_options_match_numpy(ceil, include_pad, divisor):
    x = R(2, 3, 7, 6)
    got = F.avg_pool2d(T(x), 3, 2, 1, ceil_mode=ceil, count_include_pad=include_pad, divisor_override=divisor)
    np.testing.assert_allclose(got.numpy(), avg_pool2d_ref(x, 3, 2, 1, ceil, include_pad, divisor), rtol=1e-12)
    assert gradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=ceil, count_include_pad=include_pad,
                                            divisor_override=divisor), (T(x[:1, :1], True),))


def test_adaptive_max_and_lp_pool_match_numpy():
    x = R(1, 2, 7, 5)
    got, idx = F.adaptive_max_pool2d(T(x), (3, 2), return_indices=True)
    for i in range(3):
        for j in range(2):
            h0, h1 = (i * 7) // 3, -((-(i + 1) * 7) // 3)
            w0, w1 = (j * 5) // 2, -((-(j + 1) * 5) // 2)
            np.testing.assert_array_equal(got.numpy()[:, :, i, j], x[:, :, h0:h1, w0:w1].max(axis=(2, 3)))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(1, 2, -1), idx.numpy().reshape(1, 2, -1), 2),
                                  got.numpy().reshape(1, 2, -1))
    win = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(2, 3))[:, :, ::2, ::2]
    np.testing.assert_allclose(F.lp_pool2d(T(x), 2.0, 2, stride=2).numpy(),
                               np.sqrt((win ** 2).sum(axis=(-2, -1))), rtol=1e-10)
    pos = np.abs(win) + 0.1  # an odd p on negative sums gives nan (a negative base to the 1/p)
    np.testing.assert_allclose(F.lp_pool2d(T(np.abs(x) + 0.1), 3.0, 2, stride=2).numpy(),
                               np.cbrt((pos ** 3).sum(axis=(-2, -1))), rtol=1e-10)
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, (3, 2)), (T(x, True),))


def _linear_src(n_in, n_out, align):
    dst = np.arange(n_out)
    if align:
        return dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    return np.maximum((dst + 0.5) * (n_in / n_out) - 0.5, 0.0)


def _lerp_axis(x, src, axis):
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, x.shape[axis] - 1)
    lam = (src - i0).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
    return np.take(x, i0, axis) * (1 - lam) + np.take(x, i1, axis) * lam


@pytest.mark.parametrize("size,align", [((7, 3), False), ((7, 3), True), ((2, 9), False)])
def test_bilinear_interpolate_matches_numpy(size, align):
    x = R(1, 2, 4, 5)
    got = F.interpolate(T(x), size=size, mode="bilinear", align_corners=align)
    want = _lerp_axis(_lerp_axis(x, _linear_src(4, size[0], align), 2), _linear_src(5, size[1], align), 3)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda t: F.interpolate(t, size=size, mode="bilinear", align_corners=align),
                     (T(x[:, :1], True),))


def test_nearest_interpolate_matches_numpy():
    x = R(1, 2, 4, 5)
    got = F.interpolate(T(x), size=(7, 3), mode="nearest")
    rows = np.minimum(np.floor(np.arange(7) * 4 / 7).astype(int), 3)
    cols = np.minimum(np.floor(np.arange(3) * 5 / 3).astype(int), 4)
    np.testing.assert_array_equal(got.numpy(), x[:, :, rows][:, :, :, cols])
    np.testing.assert_array_equal(F.interpolate(T(x), scale_factor=2, mode="nearest").numpy(),
                                  x.repeat(2, 2).repeat(2, 3))


def test_unfold_matches_numpy_and_fold_is_its_adjoint():
    x = R(2, 3, 5, 6)
    kw = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    cols = F.unfold(T(x), **kw)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))[..., ::2, :][:, :, ::1, ::2]
    n, c, oh, ow, kh, kww = win.shape
    want = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kww, oh * ow)  # channel, then kernel
    np.testing.assert_array_equal(cols.numpy(), want)
    y = R(*want.shape)
    folded = F.fold(T(y), output_size=(5, 6), **kw)
    # <unfold(x), y> == <x, fold(y)>: fold sums each column back where unfold read it
    np.testing.assert_allclose((want * y).sum(), (x * folded.numpy()).sum(), rtol=1e-12)
    assert gradcheck(lambda t: F.fold(F.unfold(t, **kw), output_size=(5, 6), **kw), (T(x[:1, :1], True),))


def test_pixel_shuffle_and_unshuffle_match_numpy():
    x = R(2, 8, 3, 4)
    got = F.pixel_shuffle(T(x), 2)
    want = x.reshape(2, 2, 2, 2, 3, 4).transpose(0, 1, 4, 2, 5, 3).reshape(2, 2, 6, 8)
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(F.pixel_unshuffle(got, 2).numpy(), x)
    assert math.isclose(float(got.sum().item()), float(x.sum()), rel_tol=1e-12)
