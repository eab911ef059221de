"""Pooling: max (with indices), average and adaptive pools.

Both work tap by tap: one whole-array operation per kernel offset on the strided slice of the input
it touches (np.maximum / np.add forward; equality masks / strided adds backward), never a window
array. Max pooling with return_indices or padding builds PyTorch's indices instead (first maximum
of each window in row-major order) and routes the gradient with one bincount.
"""

import numpy as np

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers, _im2col, _maxpool


def _pair(v):
    if isinstance(v, (tuple, list)):
        return tuple(int(x) for x in v) if len(v) == 2 else (int(v[0]),) * 2
    return (int(v), int(v))


def _pool_out(size, k, s, p, d, ceil_mode, op):
    if p * 2 > k:
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got "
                           f"pad={p}, kernel_size={k}")
    span = size + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    if o <= 0:
        raise RuntimeError(
            f"{op}: Given input size {size}, kernel {k}, stride {s}, padding {p}: calculated "
            f"output size {o} is too small")
    return o


def _batched(x, op):
    d = x._data
    if d.ndim == 3:
        return x.unsqueeze(0), True
    if d.ndim != 4:
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor, got shape {list(d.shape)}")
    return x, False


class MaxPoolBackward(Node):
    """Routes each output's gradient to the input position its index names."""
    __slots__ = ("flat_idx", "xshape")

    def backward(self, g):
        n, c, h, w = self.xshape
        if isinstance(g, Tensor):
            from .indexing import index_put
            z = _wrap(np.zeros((n * c * h * w,), g._data.dtype))
            return index_put(z, (self.flat_idx.reshape(-1),), g.reshape(-1), accumulate=True).reshape(n, c, h, w)
        dx = np.bincount(self.flat_idx.reshape(-1), weights=g.reshape(-1), minlength=n * c * h * w)
        return dx.astype(g.dtype, copy=False).reshape(n, c, h, w)


def _max_by_index(x, flat_idx, local_idx, unbatched, return_indices):
    """Output = input values at flat_idx (global flat positions); records MaxPoolBackward."""
    xd = x._data
    out = xd.reshape(-1)[flat_idx]
    if STATE.enabled and x._rg:
        node = MaxPoolBackward((x._grad_node(),))
        node.flat_idx = flat_idx
        node.xshape = xd.shape
        t = _wrap(out, True)
        t.grad_fn = node
    else:
        t = _wrap(out)
    idx = _wrap(local_idx) if return_indices else None
    if unbatched:
        t = t.squeeze(0)
        idx = idx.squeeze(0) if idx is not None else None
    return (t, idx) if return_indices else t


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    x, unbatched = _batched(input, "max_pool2d")
    xd = x._data
    n, c, h, w = xd.shape
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride) if stride not in (None, [], ()) else (kh, kw)
    ph, pw = _pair(padding)
    dh, dw = _pair(dilation)
    oh = _pool_out(h, kh, sh, ph, dh, ceil_mode, "max_pool2d")
    ow = _pool_out(w, kw, sw, pw, dw, ceil_mode, "max_pool2d")
    geom = (sh, sw, dh, dw, oh, ow)
    fits = (oh - 1) * sh + dh * (kh - 1) < h and (ow - 1) * sw + dw * (kw - 1) < w
    if not (return_indices or ph or pw) and fits:
        return _max_over_taps(x, kh, kw, geom, unbatched)
    local, flat = _maxpool.window_argmax(xd, kh, kw, geom, ph, pw)
    return _max_by_index(x, flat, local, unbatched, return_indices)


def _max_over_taps(x, kh, kw, geom, unbatched):
    out = _maxpool.max_over_taps(x._data, kh, kw, geom)
    if STATE.enabled and x._rg:
        node = _maxpool.MaxPool2DWithIndicesBackward0((x._grad_node(),))
        node.kh, node.kw, node.geom = kh, kw, geom
        node.save(x)
        t = _wrap(out, True)
        t.grad_fn = node
        node.out = (out, t._vc, t._vc[0])
    else:
        t = _wrap(out)
    return t.squeeze(0) if unbatched else t


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    s = (stride[0] if isinstance(stride, (tuple, list)) and stride else stride) or k
    p = padding[0] if isinstance(padding, (tuple, list)) else padding
    d = dilation[0] if isinstance(dilation, (tuple, list)) else dilation
    r = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


class AvgPoolBackward(Node):
    __slots__ = ("xshape", "geom", "div")

    def backward(self, g):
        n, c, h, w = self.xshape
        kh, kw, sh, sw, ph, pw, oh, ow, hp, wp = self.geom
        if isinstance(g, Tensor):
            return _avg_backward_graph(self, g)
        gd = g / self.div
        geom = (sh, sw, 1, 1, oh, ow)
        if not (ph or pw) and _maxpool.covers_once(self.xshape, kh, kw, geom):
            dx = np.empty(self.xshape, g.dtype)
            for i in range(kh):
                for j in range(kw):
                    _maxpool.tap(dx, i, j, geom)[...] = gd
            return dx
        dxp = np.zeros((n, c, hp, wp), dtype=g.dtype)
        for i in range(kh):
            for j in range(kw):
                _maxpool.tap(dxp, i, j, geom)[...] += gd
        return np.ascontiguousarray(dxp[:, :, ph:ph + h, pw:pw + w])


def _avg_backward_graph(node, g):
    # differentiable form: the backward is linear in g, so express it with a transposed conv
    from .conv import conv_transpose2d
    n, c, h, w = node.xshape
    kh, kw, sh, sw, ph, pw, oh, ow, hp, wp = node.geom
    gd = g / _wrap(np.asarray(node.div, dtype=g._data.dtype))
    ones = _wrap(np.ones((c, 1, kh, kw), dtype=g._data.dtype))
    out_pad = (hp - ((oh - 1) * sh + kh), wp - ((ow - 1) * sw + kw))
    full = conv_transpose2d(gd, ones, None, (sh, sw), 0, out_pad, c)
    return full[:, :, ph:ph + h, pw:pw + w]


def _sum_over_taps(xp, kh, kw, geom):
    # integers are averaged in float64 (then truncated back), as the window sums could overflow
    acc = xp.dtype if xp.dtype.kind == "f" else np.float64
    total = None
    for i in range(kh):
        for j in range(kw):
            t = _maxpool.tap(xp, i, j, geom)
            if total is None:
                total = t.astype(acc)
            else:
                total += t
    return total


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    x, unbatched = _batched(input, "avg_pool2d")
    xd = x._data
    n, c, h, w = xd.shape
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride) if stride not in (None, [], ()) else (kh, kw)
    ph, pw = _pair(padding)
    oh = _pool_out(h, kh, sh, ph, 1, ceil_mode, "avg_pool2d")
    ow = _pool_out(w, kw, sw, pw, 1, ceil_mode, "avg_pool2d")
    hp = max(h + 2 * ph, (oh - 1) * sh + kh)
    wp = max(w + 2 * pw, (ow - 1) * sw + kw)
    pads = ((ph, hp - h - ph), (pw, wp - w - pw))
    padded = hp != h or wp != w
    xp = _im2col.padded(xd, pads) if padded else xd
    total = _sum_over_taps(xp, kh, kw, (sh, sw, 1, 1, oh, ow))
    if padded:
        _buffers.give(xp)
    if divisor_override:
        div = np.asarray(float(divisor_override))
    else:
        hs = np.arange(oh) * sh - ph
        ws = np.arange(ow) * sw - pw
        he = np.minimum(hs + kh, h + ph)
        we = np.minimum(ws + kw, w + pw)
        if count_include_pad:
            dh_ = he - hs
            dw_ = we - ws
        else:
            dh_ = np.minimum(he, h) - np.maximum(hs, 0)
            dw_ = np.minimum(we, w) - np.maximum(ws, 0)
        div = (dh_[:, None] * dw_[None, :]).astype(xd.dtype)
    out = (total / div).astype(xd.dtype, copy=False)
    if STATE.enabled and x._rg:
        node = AvgPoolBackward((x._grad_node(),))
        node.xshape = xd.shape
        node.geom = (kh, kw, sh, sw, ph, pw, oh, ow, hp, wp)
        node.div = div
        t = _wrap(out, True)
        t.grad_fn = node
    else:
        t = _wrap(out)
    return t.squeeze(0) if unbatched else t


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    s = (stride[0] if isinstance(stride, (tuple, list)) and stride else stride) or k
    p = padding[0] if isinstance(padding, (tuple, list)) else padding
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad).squeeze(-2)


def _adaptive_bounds(size, out):
    starts = [(i * size) // out for i in range(out)]
    ends = [-(-((i + 1) * size) // out) for i in range(out)]
    return starts, ends


def _out_hw(output_size, h, w):
    if isinstance(output_size, int):
        return output_size, output_size
    oh, ow = output_size
    return (h if oh is None else oh), (w if ow is None else ow)


def adaptive_avg_pool2d(input, output_size):
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    n, c, h, w = x._data.shape
    oh, ow = _out_hw(output_size, h, w)
    if h % oh == 0 and w % ow == 0:
        r = avg_pool2d(x, (h // oh, w // ow))
    else:
        hs, he = _adaptive_bounds(h, oh)
        ws, we = _adaptive_bounds(w, ow)
        from .shape import stack
        rows = [stack([x[:, :, hs[i]:he[i], ws[j]:we[j]].mean(dim=(2, 3)) for j in range(ow)], -1)
                for i in range(oh)]
        r = stack(rows, -2)
    return r.squeeze(0) if unbatched else r


def adaptive_max_pool2d(input, output_size, return_indices=False):
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    xd = x._data
    n, c, h, w = xd.shape
    oh, ow = _out_hw(output_size, h, w)
    if h % oh == 0 and w % ow == 0:
        r = max_pool2d(x, (h // oh, w // ow), return_indices=return_indices)
        if unbatched:
            return tuple(t.squeeze(0) for t in r) if return_indices else r.squeeze(0)
        return r
    hs, he = _adaptive_bounds(h, oh)
    ws, we = _adaptive_bounds(w, ow)
    local = np.empty((n, c, oh, ow), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            win = xd[:, :, hs[i]:he[i], ws[j]:we[j]]
            kw_ = we[j] - ws[j]
            a = win.reshape(n, c, -1).argmax(-1)
            local[:, :, i, j] = (hs[i] + a // kw_) * w + ws[j] + a % kw_
    base = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    return _max_by_index(x, local + base, local, unbatched, return_indices)


def adaptive_avg_pool1d(input, output_size):
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kh, kw = _pair(kernel_size)
    p = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (p.sign() * p.abs().relu()).mul(kh * kw) ** (1.0 / norm_type)


