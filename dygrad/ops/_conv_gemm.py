"""Convolution on bare arrays: forward, weight gradient and input gradient as whole-batch GEMMs
over the patch matrix of _im2col (columns (C*kh*kw, N*OH*OW), rows ordered like a weight row).

Why whole-batch: with few positions per sample (ResNet-18's later stages: 4x4 down to 1x1), a
per-sample product reads the whole weight once per sample; one GEMM W (O, K) @ cols (K, N*P)
reads it once and the (O, N, P) -> (N, O, P) reorder of the small result costs little
(512x512x3x3 at 1x1, batch 16: 1.1 ms against 7.7 ms per sample). Many positions per sample
keep the per-sample products (_im2col.times_cols), which write NCHW in place.

Kernel taps that never touch the input (a 3x3 kernel with padding 1 on a 1x1 plane has only its
centre in range) are cut off when they are most of the kernel: the convolution runs with the
sub-kernel that reaches the input, so neither the columns nor the GEMMs carry rows of zeros.
The active taps always form a rectangle (row i is active iff some output row reads an input
row through it, an interval of i).

Input gradient: W^T @ g (one GEMM) added back tap by tap (col2im; channels-last on small
planes of many channels); for stride 1 with O <= C and more than 16 positions per sample,
the correlation of the padded g with the flipped kernel instead,
whose copies beat col2im's read-modify-write passes on larger planes (_im2col.correlate).
"""
import numpy as np

from . import _buffers, _im2col


def out_size(size, k, s, p0, p1, d):
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


def _active(size, k, s, d, p0, o):
    """First and last+1 kernel tap (along one axis) that reads inside the input."""
    live = [i for i in range(k) if _im2col._span(size, s, d, p0, o, i)[1] >
            _im2col._span(size, s, d, p0, o, i)[0]]
    return (live[0], live[-1] + 1) if live else (0, k)


class Geometry:
    """Everything about one convolution call that is not data: shapes, strides, padding, the
    active sub-kernel, the output's shape (drop: the (N, O, OH, OW) dims the caller does not
    show, the batch of an unbatched input and the height of a 1-D convolution). Plain
    constants, so a node (and a replay) may keep it."""
    __slots__ = ("xshape", "wshape", "pads", "sh", "sw", "dh", "dw", "oh", "ow", "groups", "sub",
                 "kpads", "kh", "kw", "oshape")

    def __init__(self, xshape, wshape, pads, sh, sw, dh, dw, groups, drop=()):
        self.xshape, self.wshape, self.pads, self.groups = xshape, wshape, pads, groups
        self.sh, self.sw, self.dh, self.dw = sh, sw, dh, dw
        h, w = xshape[2:]
        kh, kw = wshape[2:]
        (pt, pb), (pl, pr) = pads
        self.oh = oh = out_size(h, kh, sh, pt, pb, dh)
        self.ow = ow = out_size(w, kw, sw, pl, pr, dw)
        i0, i1 = _active(h, kh, sh, dh, pt, oh)
        j0, j1 = _active(w, kw, sw, dw, pl, ow)
        # worth it only when most taps go: the cut kernel is a strided gather that reads the
        # whole weight, and the weight gradient a zero-filled scatter (512x512x3x3 on 1x1, 1
        # tap: 2.3 ms against 6 ms a step; 256->512 stride 2 on 2x2, 4 taps: 5 against 3.2 ms)
        cut = 3 * (i1 - i0) * (j1 - j0) <= kh * kw
        if not cut:
            i0, i1, j0, j1 = 0, kh, 0, kw
        self.sub = None if (i0, i1, j0, j1) == (0, kh, 0, kw) else (i0, i1, j0, j1)
        # the sub-kernel's padding (im2col reads only top and left; it may turn negative)
        self.kpads = ((pt - i0 * dh, 0), (pl - j0 * dw, 0))
        self.kh, self.kw = i1 - i0, j1 - j0
        full = (xshape[0], wshape[0], oh, ow)
        self.oshape = tuple([d for i, d in enumerate(full) if i not in drop])

    def kernel(self, wd):
        """The weight as (O, K) over the active taps."""
        if self.sub is None:
            return wd.reshape(wd.shape[0], -1)
        i0, i1, j0, j1 = self.sub
        return np.ascontiguousarray(wd[:, :, i0:i1, j0:j1]).reshape(wd.shape[0], -1)

    def columns(self, xd):
        return _im2col.im2col(xd, self.kpads, self.kh, self.kw, self.sh, self.sw, self.dh,
                              self.dw, self.oh, self.ow)


def forward(xd, wd, bd, geo):
    """(out (N, O, OH, OW) less geo's dropped dims, columns, kernel): the caller keeps the
    columns for the weight gradient (or gives them back to _buffers), and the (O, K) kernel
    over the active taps for the input gradient when it is a copy (a strided gather that reads
    the whole weight: 1.2 ms for 512x512x3x3)."""
    n = xd.shape[0]
    o = wd.shape[0]
    G = geo.groups
    p = geo.oh * geo.ow
    wm = geo.kernel(wd)
    cols = geo.columns(xd)
    if G == 1:
        out = _im2col.times_cols(wm, cols, n, p)
    else:
        og, k = o // G, wm.shape[1]
        y = _buffers.take((o, n * p), np.result_type(wd.dtype, xd.dtype))
        np.matmul(wm.reshape(G, og, k), cols[:, :n * p].reshape(G, k, n * p),
                  out=y.reshape(G, og, n * p))
        out = np.empty((n, o, p), y.dtype)
        out[...] = y.reshape(o, n, p).transpose(1, 0, 2)
        _buffers.give(y)
    if bd is not None:
        out += bd.reshape(1, o, 1).astype(out.dtype, copy=False)
    return out.reshape(geo.oshape), cols, wm


def _correlates(geo, o, c, p):
    """Whether the input gradient is taken as a correlation of the padded g (see module doc);
    measured on ResNet shapes: better above 16 positions per sample (7x7: 1.6 vs 2.1 ms), worse
    from 4x4 down (4x4: 1.34 vs 1.05 ms channels-last; 2x2: 5.5 vs 1.3 ms)."""
    if not (geo.sh == geo.sw == 1 and geo.groups == 1 and o <= c and p > 16):
        return None
    kh, kw = geo.wshape[2:]
    (pt, pb), (pl, pr) = geo.pads
    q = ((geo.dh * (kh - 1) - pt, geo.dh * (kh - 1) - pb),
         (geo.dw * (kw - 1) - pl, geo.dw * (kw - 1) - pr))
    return q if min(q[0] + q[1]) >= 0 else None


def backward(g, xd, wd, cols, wk, geo, need_x, need_w, need_b):
    """(gx, gw, gb) for the output gradient g (N, O, OH, OW); None where not needed. cols are
    the forward's columns (needed only for the weight gradient), wk its active-tap kernel copy
    (or None: taken from wd)."""
    n, c, h, w_ = geo.xshape
    o = wd.shape[0]
    G = geo.groups
    og = o // G
    p = geo.oh * geo.ow
    npos = n * p
    g3 = g.reshape(n, o, p)
    gx = gw = gb = None
    if need_b:
        gb = g3.sum(axis=2).sum(axis=0)
    q = _correlates(geo, o, c, p) if need_x else None
    wm = None
    if need_x and q is None:
        wm = wk if wk is not None else geo.kernel(wd)
    k = wd.shape[1] * geo.kh * geo.kw
    gt = None
    if (need_w and k > 64) or (need_x and q is None):
        gt = _buffers.take((o, npos), g.dtype)
        gt.reshape(o, n, p)[...] = g3.transpose(1, 0, 2)
    if need_w:
        gw = _weight_grad(g3, gt, cols, n, p, G, og, k)
        if geo.sub is not None:
            i0, i1, j0, j1 = geo.sub
            full = np.zeros(wd.shape, gw.dtype)
            full[:, :, i0:i1, j0:j1] = gw.reshape(o, wd.shape[1], i1 - i0, j1 - j0)
            gw = full
        else:
            gw = gw.reshape(wd.shape)
    if need_x:
        if q is not None:
            kh, kw = wd.shape[2:]
            wr = np.ascontiguousarray(wd[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
            gx = _im2col.correlate(g3.reshape(n, o, geo.oh, geo.ow), q, wr.reshape(c, -1), kh, kw,
                                   1, 1, geo.dh, geo.dw, h, w_).reshape(geo.xshape)
        elif G == 1 and 4 <= p <= 16 and c >= 64:
            # small planes of many channels: the column gradient position-major, g^T @ W
            # (N*P, K), added back channels-last, whose rows of C elements beat the (C, N)
            # rows of OW (2-4) elements (ResNet-18's 128 channels on 4x4: 1.34 -> 1.05 ms;
            # stride 2 from 7x7: 0.89 -> 0.59 ms; not on 1x1 or 7x7 planes)
            dcols = _buffers.take((npos, c * geo.kh * geo.kw), g.dtype)
            np.matmul(gt.T, wm, out=dcols)
            gx = _im2col.col2im_rows(dcols, geo.xshape, geo.kpads, geo.kh, geo.kw, geo.sh,
                                     geo.sw, geo.dh, geo.dw, geo.oh, geo.ow)
            _buffers.give(dcols)
        else:
            dcols = _buffers.take((c * geo.kh * geo.kw, npos), g.dtype)
            np.matmul(wm.reshape(G, og, k).transpose(0, 2, 1), gt.reshape(G, og, npos),
                      out=dcols.reshape(G, k, npos))
            gx = _im2col.col2im(dcols, geo.xshape, geo.kpads, geo.kh, geo.kw, geo.sh, geo.sw,
                                geo.dh, geo.dw, geo.oh, geo.ow)
            _buffers.give(dcols)
    if gt is not None:
        _buffers.give(gt)
    return gx, gw, gb


def _weight_grad(g3, gt, cols, n, p, G, og, k):
    """Sum over samples and positions of g times the columns: (O, K) over the active taps."""
    if gt is None:
        # few rows (k <= 64): per-sample products summed beat one GEMM with a batch-long
        # contraction
        v = _im2col.per_sample(cols, n, p)
        parts = [np.matmul(g3[:, i * og:(i + 1) * og],
                           v[:, i * k:(i + 1) * k].transpose(0, 2, 1)).sum(0) for i in range(G)]
        return parts[0] if G == 1 else np.concatenate(parts)
    # one GEMM over the whole batch. Into the gradient's (O, K) layout, g (O, NP) @ columns.T
    # (NP, K), when the gradient is large: the other product order's transposed result would
    # need a copy of O*K elements, which cost up to 15x the product in ResNet-18's last stage
    # (K=4608, NP=16, O=512: 15.8 ms against 1.0 ms). For a small gradient that copy is cheap and
    # columns (K, NP) @ g.T (NP, O) runs much faster on long contractions (K=144, O=16,
    # NP=32768: 3.8 ms against 6.8 ms; O*K = 64*576: 0.8 against 1.0 ms; 128*1152: 1.1 vs 1.0)
    npos = n * p
    cv = cols[:, :npos].reshape(G, k, npos)
    gv = gt.reshape(G, og, npos)
    if og * k * G <= 65536:
        r = np.matmul(cv, gv.transpose(0, 2, 1))
        return np.ascontiguousarray(r.transpose(0, 2, 1)).reshape(G * og, k)
    return np.matmul(gv, cv.transpose(0, 2, 1)).reshape(G * og, k)
