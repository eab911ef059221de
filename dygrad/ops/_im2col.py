"""Patch matrices for convolution: im2col by slice copies, col2im by adds (padding is never
materialised: each kernel tap touches only the part of its window inside the input).

Column layout: (C*kh*kw, N*OH*OW) with rows ordered (c, i, j) like a weight row, built with one
slice copy per kernel tap (each copies a whole (C, N, OH, OW) block with contiguous inner rows,
much faster than materialising a 6-D strided window view). The same matrix serves the forward as
per-sample (C*kh*kw, OH*OW) views (one small GEMM per sample, whose output is already NCHW) and
the weight gradient as one GEMM whose contraction runs over the whole batch. When the columns
are not needed afterwards (the input gradient as a correlation), correlate() builds and consumes
them a few samples at a time instead.
Each row is padded by _ROW_PAD elements: rows of a power-of-two length (32 x 32 x 32 positions)
map to the same cache sets and made the per-sample GEMMs ~2.5x slower.
"""
import functools

import numpy as np

from . import _buffers

_ROW_PAD = 16
_BLOCK = 64
_CHUNK_BYTES = 1 << 19   # columns built per round in correlate(): about half an L2 cache


def padded(xd, pads, fill=0):
    """xd (N, C, H, W) padded with `fill` by pads = ((top, bottom), (left, right)) into a new
    scratch array (the caller gives it back); for the pools."""
    (pt, pb), (pl, pr) = pads
    n, c, h, w = xd.shape
    hp, wp = h + pt + pb, w + pl + pr
    xp = _buffers.take((n, c, hp, wp), xd.dtype)
    if pt:
        xp[:, :, :pt] = fill
    if pb:
        xp[:, :, hp - pb:] = fill
    if pl:
        xp[:, :, pt:pt + h, :pl] = fill
    if pr:
        xp[:, :, pt:pt + h, wp - pr:] = fill
    xp[:, :, pt:pt + h, pl:pl + w] = xd
    return xp


def im2col(xd, pads, kh, kw, sh, sw, dh, dw, oh, ow):
    """Columns of xd (N, C, H, W) zero-padded by pads, into a new scratch array
    (C*kh*kw, N*OH*OW + _ROW_PAD); the caller gives it back to the pool when done."""
    n, c = xd.shape[:2]
    cols = _buffers.take((c * kh * kw, n * oh * ow + _ROW_PAD), xd.dtype)
    _fill(cols, xd, _taps(xd.shape, pads, kh, kw, sh, sw, dh, dw, oh, ow), True)
    return cols


def _span(size, s, d, p0, o, i):
    """Output positions [lo, hi) whose tap i lands inside the input, and the first input index."""
    off = i * d - p0
    lo = max(0, -(off // s)) if off < 0 else 0
    hi = min(o, (size - 1 - off) // s + 1) if size - 1 - off >= 0 else 0
    return lo, max(lo, hi), lo * s + off


@functools.lru_cache(maxsize=512)
def _taps(xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow):
    """Per kernel tap: the output box [y0, y1) x [x0, x1) it reads from inside the input, and
    the input slices (rows, cols) it reads there. Cached: a network repeats a few geometries,
    and working this out took as long as a small convolution's arithmetic."""
    h, w = xshape[2:]
    (pt, _), (pl, _) = pads
    rows = [_span(h, sh, dh, pt, oh, i) for i in range(kh)]
    cols = [_span(w, sw, dw, pl, ow, j) for j in range(kw)]
    return oh, ow, tuple([(i, j, y0, y1, x0, x1, slice(r0, r0 + sh * (y1 - y0 - 1) + 1, sh),
                           slice(q0, q0 + sw * (x1 - x0 - 1) + 1, sw))
                          for i, (y0, y1, r0) in enumerate(rows)
                          for j, (x0, x1, q0) in enumerate(cols)])


def _fill(cols, xd, taps, zero):
    """Writes xd's columns into cols. Padding is never materialised: each tap copies the part of
    its window inside the input and zeroes the rest (thin strips); zero=False skips the strips
    when cols held this very layout before (they are still zero)."""
    n, c = xd.shape[:2]
    oh, ow, boxes = taps
    kh, kw = boxes[-1][0] + 1, boxes[-1][1] + 1
    c6 = cols[:, :n * oh * ow].reshape(c, kh, kw, n, oh, ow)
    xt = xd.transpose(1, 0, 2, 3)
    for i, j, y0, y1, x0, x1, rs, cs in boxes:
        dst = c6[:, i, j]
        if y0 == y1 or x0 == x1:
            if zero:
                dst[...] = 0
            continue
        dst[:, :, y0:y1, x0:x1] = xt[:, :, rs, cs]
        if zero:
            if y0:
                dst[:, :, :y0] = 0
            if y1 < oh:
                dst[:, :, y1:] = 0
            if x0:
                dst[:, :, y0:y1, :x0] = 0
            if x1 < ow:
                dst[:, :, y0:y1, x1:] = 0


def _chunk(n, k, p, itemsize):
    return max(1, min(n, _CHUNK_BYTES // (k * p * itemsize)))


def correlate(xd, pads, wm, kh, kw, sh, sw, dh, dw, oh, ow):
    """Convolution of xd with wm (O, C*kh*kw) when its columns are not needed afterwards: they
    are built and consumed a few samples at a time, so they stay in cache instead of making a
    round trip through memory. A new (N, O, OH*OW) array.

    (Measured: using this for the forward too, and rebuilding the columns chunk by chunk for
    the weight gradient, saves in the forward what the rebuild costs in the backward.)"""
    n, c = xd.shape[:2]
    k, p = c * kh * kw, oh * ow
    nb = _chunk(n, k, p, xd.itemsize)
    cols = _buffers.take((k, nb * p + _ROW_PAD), xd.dtype)
    out = np.empty((n, wm.shape[0], p), np.result_type(wm.dtype, xd.dtype))
    taps = _taps(xd.shape, pads, kh, kw, sh, sw, dh, dw, oh, ow)
    for n0 in range(0, n, nb):
        m = min(nb, n - n0)
        # every chunk puts a tap's strips at the same places: zeroing them once is enough
        _fill(cols, xd[n0:n0 + m], taps, n0 == 0)
        times_cols(wm, cols, m, p, out[n0:n0 + m])
    _buffers.give(cols)
    return out


def per_sample(cols, n, p):
    """(N, K, P) view of the columns: sample n's patch matrix, for a batched matmul."""
    return cols[:, :n * p].reshape(cols.shape[0], n, p).transpose(1, 0, 2)


def times_cols(wm, cols, n, p, out=None):
    """wm (O, K) @ each sample's columns: a new (N, O, P) array (NCHW order).

    Few positions per sample: one GEMM over the whole batch, then the small (O, N, P) result
    reordered (per-sample products would read the weight once per sample: 7x slower for
    512x512x3x3 on 1x1 planes). Many positions: per-sample products, written in place, on
    64-column blocks (still one matmul call): OpenBLAS keeps such a block's packed panel in
    cache and runs 10-20% faster than on 256-1024 columns at once."""
    k = cols.shape[0]
    o = wm.shape[0]
    if out is None:
        out = np.empty((n, o, p), np.result_type(wm.dtype, cols.dtype))
    if p <= 64 or (p <= 256 and k >= 256):
        y = _buffers.take((o, n * p), out.dtype)
        np.matmul(wm, cols[:, :n * p], out=y)
        out[...] = y.reshape(o, n, p).transpose(1, 0, 2)
        _buffers.give(y)
    elif p % _BLOCK == 0 and k >= 64:
        q = p // _BLOCK
        v = cols[:, :n * p].reshape(k, n, q, _BLOCK).transpose(1, 2, 0, 3)
        np.matmul(wm, v, out=out.reshape(n, -1, q, _BLOCK).transpose(0, 2, 1, 3))
    else:
        np.matmul(wm, per_sample(cols, n, p), out=out)
    return out


def col2im(dcols, xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow):
    """Adjoint of im2col for column gradients dcols (C*kh*kw, N*OH*OW): a new (N, C, H, W)
    array (returned to the caller as a gradient, so never pooled). Each tap adds the part of
    its window inside the input, through a (C, N, H, W) view; what fell on padding is
    dropped."""
    n, c = xshape[:2]
    d6 = dcols[:, :n * oh * ow].reshape(c, kh, kw, n, oh, ow)
    dx = np.zeros(xshape, dcols.dtype)
    dxt = dx.transpose(1, 0, 2, 3)
    for i, j, y0, y1, x0, x1, rs, cs in _taps(xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow)[2]:
        if y0 == y1 or x0 == x1:
            continue
        if kh == kw == 1:  # a single tap: nothing to add to
            dxt[:, :, rs, cs] = d6[:, i, j, :, y0:y1, x0:x1]
        else:
            dxt[:, :, rs, cs] += d6[:, i, j, :, y0:y1, x0:x1]
    return dx


def col2im_rows(dcols, xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow):
    """col2im for position-major column gradients dcols (N*OH*OW, C*kh*kw): the taps are
    added channels-last into an (N, H, W, C) scratch, then reordered into a new (N, C, H, W)
    array."""
    n, c, h, w = xshape
    d6 = dcols.reshape(n, oh, ow, c, kh, kw)
    acc = _buffers.take((n, h, w, c), dcols.dtype)
    acc[...] = 0
    for i, j, y0, y1, x0, x1, rs, cs in _taps(xshape, pads, kh, kw, sh, sw, dh, dw, oh, ow)[2]:
        if y0 == y1 or x0 == x1:
            continue
        acc[:, rs, cs] += d6[:, y0:y1, x0:x1, :, i, j]
    dx = np.empty(xshape, dcols.dtype)
    dx[...] = acc.transpose(0, 3, 1, 2)
    _buffers.give(acc)
    return dx
