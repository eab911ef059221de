"""Resampling for resize, following torch.nn.functional.interpolate (align_corners=False).

Each axis is resampled on its own (width first, then height). The nearest modes give one source
index per output pixel; the filtered modes give "taps": for every output pixel, K source indices
and K weights (zero-weight padding where a pixel has fewer), applied as a running sum
`acc = x[i0] * w0; acc += x[i1] * w1; ...`. Weights are computed in the image's float dtype with
the same formulas and rounding points as PyTorch's CPU kernels, so float results agree closely
and uint8 results round the same way.
"""
import math

import numpy as np

__all__ = ["nearest_indices", "taps", "apply_taps"]


def nearest_indices(n_in, n_out, exact=False):
    """Source index of each output pixel for "nearest" (legacy) or "nearest-exact"."""
    dst = np.arange(n_out, dtype=np.float32)
    # interpolate computes the scale and source coordinate in float32 and floors it
    scale = np.float32(n_in) / np.float32(n_out)
    if exact:
        src = np.floor((dst + np.float32(0.5)) * scale)
    else:
        if n_out == n_in:
            return np.arange(n_out)
        src = np.floor(dst * scale)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _source_coords(n_in, n_out, ft):
    """scale * (dst + 0.5) - 0.5 in the compute dtype (half-pixel centres).

    PyTorch's compiled kernel fuses this into one multiply-add (a single rounding); for float32
    that is reproduced exactly by computing in float64, where the product is exact.
    """
    scale = ft.type(n_in) / ft.type(n_out)
    dst = np.arange(n_out).astype(ft) + ft.type(0.5)
    if ft == np.float32:
        return (np.float64(scale) * dst.astype(np.float64) - 0.5).astype(ft)
    return scale * dst - ft.type(0.5)


def _cubic_conv1(x, a):  # |x| <= 1
    return ((a + 2) * x - (a + 3)) * x * x + 1


def _cubic_conv2(x, a):  # 1 < |x| < 2
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a


def _linear_taps(n_in, n_out, ft):
    src = np.maximum(_source_coords(n_in, n_out, ft), ft.type(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - i0.astype(ft), ft.type(0), ft.type(1))
    idx = np.stack([i0, np.minimum(i0 + 1, n_in - 1)], axis=1)
    return idx, np.stack([ft.type(1) - lam, lam], axis=1)


def _cubic_taps(n_in, n_out, ft):
    # Keys' cubic convolution (A = -0.75) on 4 neighbours; out-of-range taps reuse the border pixel
    src = _source_coords(n_in, n_out, ft)
    i0 = np.floor(src).astype(np.int64)
    t = src - i0.astype(ft)
    a, one = ft.type(-0.75), ft.type(1)
    w = np.stack([_cubic_conv2(t + one, a), _cubic_conv1(t, a),
                  _cubic_conv1(one - t, a), _cubic_conv2(one - t + one, a)], axis=1)
    idx = np.clip(i0[:, None] + np.arange(-1, 3), 0, n_in - 1)
    return idx, w.astype(ft)


def _aa_linear(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _aa_cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1.0, _cubic_conv1(x, a), np.where(x < 2.0, _cubic_conv2(x, a), 0.0))


def _antialias_taps(n_in, n_out, cubic, ft):
    # The filter is stretched by the downscaling factor (support = half-width * scale) so every
    # input pixel contributes; each pixel's weights are then normalised to sum to one. PyTorch
    # mixes double intermediates with float storage; the casts below sit where it stores.
    f = ft.type
    scale = float(f(n_in) / f(n_out))
    half = 2.0 if cubic else 1.0
    support = float(f(half * scale if scale >= 1.0 else half))
    invscale = float(f(1.0 / scale if scale >= 1.0 else 1.0))
    k = int(math.ceil(support)) * 2 + 1
    center = (scale * (np.arange(n_out) + 0.5)).astype(ft).astype(np.float64)
    xmin = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    xsize = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n_in) - xmin
    xsize = np.clip(xsize, 0, k)
    j = np.arange(k)
    x = ((j[None, :] + xmin[:, None] - center[:, None] + 0.5) * invscale).astype(ft).astype(np.float64)
    w = (_aa_cubic(x) if cubic else _aa_linear(x)).astype(ft)
    w[j[None, :] >= xsize[:, None]] = 0
    total = np.zeros(n_out, ft)
    for col in range(k):  # sequential float sum, as the kernel accumulates it
        total += w[:, col]
    w = np.divide(w, total[:, None], out=np.zeros_like(w), where=total[:, None] != 0)
    idx = np.minimum(xmin[:, None] + j[None, :], n_in - 1)
    return idx, w


def taps(n_in, n_out, mode, antialias, ft):
    """(indices, weights), each (n_out, K), for "bilinear" or "bicubic" in float dtype ft."""
    ft = np.dtype(ft)
    cubic = mode == "bicubic"
    if antialias:
        return _antialias_taps(n_in, n_out, cubic, ft)
    return _cubic_taps(n_in, n_out, ft) if cubic else _linear_taps(n_in, n_out, ft)


def apply_taps(x, idx, w, axis, wrap):
    """Resamples the last (axis=-1) or second-to-last (axis=-2) axis of x (ndarray or Tensor).

    wrap turns a NumPy weight column into an operand for x (identity for arrays, a Tensor
    constructor for Tensors), so the same running sum serves both and keeps autograd history.
    """
    acc = None
    for k in range(idx.shape[1]):
        wk = w[:, k] if axis == -1 else w[:, k, None]
        term = (x[..., idx[:, k]] if axis == -1 else x[..., idx[:, k], :]) * wrap(np.ascontiguousarray(wk))
        acc = term if acc is None else acc + term
    return acc
