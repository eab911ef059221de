"""Max pooling without indices: one np.maximum per kernel tap.

Forward: the maximum of the kh*kw strided tap slices (each a whole (N, C, OH, OW) array) of the
input, padded with -inf when there is padding (or a ceil_mode overhang), with no window array and
no argmax (ResNet's 3x3/2 pool with padding 1: 4x faster than the windowed argmax). Backward:
PyTorch routes each output's gradient to the FIRST maximum of its window in row-major order
(strict '>' while scanning), so walking the taps in that order and keeping, per output, the
first tap whose value equals the output reproduces it exactly (overlapping windows then route
the gradient by each output's tap offset and one bincount). A NaN maximum equals nothing; PyTorch sends its gradient to the window's last NaN, so
such a backward (detected because some output found no tap) falls back to explicit indices,
as does a padded one where some window's maximum is -inf (the padding would compare equal;
PyTorch names the first tap inside the input).
Under dygrad.jit both paths replay through stateful kernels (the node keeps the output, or the
indices), made by the same array functions the eager op calls.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers, _im2col
from ._record import attach, record


def fill_value(dtype):
    return -np.inf if dtype.kind in "fV" else np.iinfo(dtype).min


def tap_pads(xshape, kh, kw, geom, ph, pw):
    """((top, bottom), (left, right)) padding that holds every window (None: the input does), or
    False when some window lies wholly in padding (possible with dilation: then PyTorch's -inf
    output and dropped gradient need the indices)."""
    h, w = xshape[2:]
    sh, sw, dh, dw, oh, ow = geom
    pb = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - h - ph)
    pr = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - w - pw)
    if not (ph or pw or pb or pr):
        return None
    if (_first_tap(oh, sh, ph, dh) >= h).any() or (_first_tap(ow, sw, pw, dw) >= w).any():
        return False
    return (ph, pb), (pw, pr)


def window_argmax(xd, kh, kw, geom, ph, pw):
    """PyTorch's max-pool indices: (local, flat, vals) with local and flat int64 (N, C, OH, OW)
    positions in the unpadded input, local within one (H, W) plane and flat within the whole
    array. A window whose maximum is -inf (or lies wholly in padding, possible with dilation)
    names its first in-range tap, as PyTorch does, never a padding slot (whose flat position
    would belong to a neighbouring sample). Windows wholly in padding keep PyTorch's -inf in
    `vals` (otherwise None: gather the values at flat) and get flat = xd.size, a slot past the
    end that the backward drops."""
    n, c, h, w = xd.shape
    sh, sw, dh, dw, oh, ow = geom
    pad_b = max(0, (oh - 1) * sh + dh * (kh - 1) + 1 - h - ph)
    pad_r = max(0, (ow - 1) * sw + dw * (kw - 1) + 1 - w - pw)
    padded = bool(ph or pw or pad_b or pad_r)
    if padded:
        fill = -np.inf if xd.dtype.kind in "fV" else np.iinfo(xd.dtype).min
        xp = np.pad(xd, ((0, 0), (0, 0), (ph, pad_b), (pw, pad_r)), constant_values=fill)
    else:
        xp = xd
    s0, s1, s2, s3 = xp.strides
    win = as_strided(xp, (n, c, oh, ow, kh, kw), (s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw),
                     writeable=False).reshape(n, c, oh, ow, kh * kw)
    arg = win.argmax(axis=-1)
    if xd.dtype.kind in "fV":
        # argmax stops at a window's first NaN; PyTorch's scan ends on its last one
        bad = np.isnan(np.take_along_axis(win, arg[..., None], -1)[..., 0])
        if bad.any():
            arg[bad] = kh * kw - 1 - np.isnan(win[bad])[:, ::-1].argmax(axis=-1)
    rows = (np.arange(oh) * sh)[:, None] + (arg // kw) * dh - ph
    cols = (np.arange(ow) * sw)[None, :] + (arg % kw) * dw - pw
    vals = None
    dead = None
    if padded:
        outside = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
        if outside.any():
            r0, c0 = _first_tap(oh, sh, ph, dh), _first_tap(ow, sw, pw, dw)
            rows = np.where(outside, r0[:, None], rows)
            cols = np.where(outside, c0[None, :], cols)
            d = (r0 >= h)[:, None] | (c0 >= w)[None, :]
            if d.any():
                dead = np.broadcast_to(d, rows.shape)
                vals = np.take_along_axis(win, arg[..., None], -1)[..., 0]
    local = rows * w + cols
    flat = local + (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    if dead is not None:
        flat[dead] = xd.size
    return local, flat, vals


def _first_tap(o, s, p, d):
    """Per output position, the first tap row (or column) at or past 0: where PyTorch's scan
    of a window starts."""
    start = np.arange(o) * s - p
    steps = np.maximum(-start + d - 1, 0) // d  # taps skipped in the left padding
    return start + d * steps


def tap(a, i, j, geom):
    sh, sw, dh, dw, oh, ow = geom
    hi, wj = i * dh, j * dw
    return a[:, :, hi:hi + sh * (oh - 1) + 1:sh, wj:wj + sw * (ow - 1) + 1:sw]


def max_over_taps(xd, kh, kw, geom):
    out = None
    for i in range(kh):
        for j in range(kw):
            t = tap(xd, i, j, geom)
            if out is None:
                out = t.copy()
            else:
                np.maximum(out, t, out=out)
    return out


def covers_once(xshape, kh, kw, geom):
    """True when the windows tile the input exactly: every element in exactly one window."""
    sh, sw, dh, dw, oh, ow = geom
    return (sh, sw) == (kh, kw) and dh == dw == 1 and oh * kh == xshape[2] and ow * kw == xshape[3]


def forward(xd, kh, kw, geom, pads):
    """The pooled maximum over the taps of xd padded by pads (None: no padding)."""
    if pads is None:
        return max_over_taps(xd, kh, kw, geom)
    xp = _im2col.padded(xd, pads, fill_value(xd.dtype))
    out = max_over_taps(xp, kh, kw, geom)
    _buffers.give(xp)
    return out


def record_taps(x, kh, kw, geom, pads, oshape):
    """The tap path's result (of shape oshape) as a Tensor, with its node when x needs a grad;
    a capture replays it with a stateful kernel (the node keeps the output)."""
    xd = x._data
    args = (x, kh, kw, geom, pads, oshape)
    if STATE.enabled and x._rg:
        out, node = _taps_node(xd, kh, kw, geom, pads, oshape)
        node.next_functions = (x._grad_node(),)
        node.save(x)
        t = attach(out, node, replay=_taps_node, args=args, stateful=True)
        node.out = (node.out[0], t._vc, t._vc[0])
        return t
    return record(forward(xd, kh, kw, geom, pads).reshape(oshape), None, (), replay=_taps_out,
                  args=args)[0]


def _taps_out(xd, kh, kw, geom, pads, oshape):
    return forward(xd, kh, kw, geom, pads).reshape(oshape)


def _taps_node(xd, kh, kw, geom, pads, oshape):
    """(output, node without edges): the eager op and its replay kernel. The node keeps the
    (N, C, OH, OW) output, which the returned one shares; eager gives it the output tensor's
    version counter afterwards, a replay keeps this one (a capture refuses in-place changes
    of its tensors, so a replayed output stays as computed)."""
    y = forward(xd, kh, kw, geom, pads)
    node = MaxPool2DWithIndicesBackward0(())
    node.kh, node.kw, node.geom, node.pads = kh, kw, geom, pads
    node.out = (y, [0], 0)
    return y.reshape(oshape), node


class MaxPoolBackward(Node):
    """Routes each output's gradient to the input position its index names; a window wholly
    in padding has index xd.size (one past the end), and its gradient is dropped."""
    __slots__ = ("flat_idx", "xshape")

    def backward(self, g, *_indices):  # (returned indices are saved only to refuse their change)
        n, c, h, w = self.xshape
        size = n * c * h * w
        if isinstance(g, Tensor):
            from .indexing import index_put
            z = _wrap(np.zeros((size + 1,), g._data.dtype))
            dx = index_put(z, (_wrap(self.flat_idx.reshape(-1)),), g.reshape(-1), accumulate=True)
            return dx[:size].reshape(n, c, h, w)
        dx = np.bincount(self.flat_idx.reshape(-1), weights=g.reshape(-1), minlength=size)
        return dx[:size].astype(g.dtype, copy=False).reshape(n, c, h, w)


def record_by_index(x, oshape, return_indices, find, consts):
    """A max pool through explicit indices: find(xd, *consts) gives (local, flat, vals) as
    window_argmax does; output = the input values at flat (or vals), of shape oshape; records
    MaxPoolBackward. A capture replays values and indices with kernels that search again."""
    xd = x._data
    local, flat, vals = find(xd, *consts)
    out = (xd.reshape(-1)[flat] if vals is None else vals).reshape(oshape)
    args = (x, oshape, find, consts)
    node = None
    if STATE.enabled and x._rg:
        node = MaxPoolBackward((x._grad_node(),))
        node.flat_idx, node.xshape = flat, xd.shape
        t = attach(out, node, replay=_index_node, args=args, stateful=True)
    else:
        t = record(out, None, (), replay=_index_out, args=args)[0]
    if not return_indices:
        return t
    idx = record(local.reshape(oshape), None, (), replay=_index_local, args=args)[0]
    if node is not None:
        node.save(idx)  # changing the returned indices in place before backward raises, as PyTorch
    return t, idx


def _index_out(xd, oshape, find, consts):
    local, flat, vals = find(xd, *consts)
    return (xd.reshape(-1)[flat] if vals is None else vals).reshape(oshape)


def _index_local(xd, oshape, find, consts):
    return find(xd, *consts)[0].reshape(oshape)


def _index_node(xd, oshape, find, consts):
    local, flat, vals = find(xd, *consts)
    node = MaxPoolBackward(())
    node.flat_idx, node.xshape = flat, xd.shape
    return (xd.reshape(-1)[flat] if vals is None else vals).reshape(oshape), node


class MaxPool2DWithIndicesBackward0(Node):
    # out: (output array, its version counter, the version then). Not saved as a tensor: PyTorch
    # keeps indices, so modifying the pooled output in place (a relu_) must stay legal; when that
    # happened the maxima are recomputed from the input instead. pads: as tap_pads.
    __slots__ = ("kh", "kw", "geom", "pads", "out")

    def backward(self, g, x):
        kh, kw, geom, pads = self.kh, self.kw, self.geom, self.pads
        y, vc, ver = self.out
        g = g.reshape(y.shape)  # (a 1-D or unbatched pool's output has fewer dims)
        if isinstance(g, Tensor):
            return self._graph_backward(g, x)
        if vc[0] != ver:
            y = forward(x, kh, kw, geom, pads)
        if pads is None:
            xp = x
            once = covers_once(x.shape, kh, kw, geom)
        else:
            if (y == fill_value(y.dtype)).any():
                return self._by_index(g, x)
            xp = _im2col.padded(x, pads, fill_value(x.dtype))
            once = False
        if once:
            dx = np.empty(x.shape, g.dtype)
        else:
            # overlapping windows: each output's claimed tap as an offset, then one bincount
            # (strided read-modify-write passes over dx cost ~5x more on small planes)
            off = np.zeros(y.shape, np.int64)
            w = x.shape[3]
        taken = None
        sh, sw, dh, dw, oh, ow = geom
        for i in range(kh):
            for j in range(kw):
                eq = tap(xp, i, j, geom) == y
                if taken is None:
                    taken = eq  # later taps make their own eq; this one is used up first
                else:
                    np.greater(eq, taken, out=eq)  # equal here and not claimed by an earlier tap
                    taken |= eq
                if once:
                    np.multiply(g, eq, out=tap(dx, i, j, geom))
                elif i or j:
                    off += eq * (i * dh * w + j * dw)  # (5x faster than add(where=eq))
        if pads is not None:
            _buffers.give(xp)
        if not taken.all():  # a NaN maximum: take PyTorch's index instead
            return self._by_index(g, x)
        if once:
            return dx
        pt, pl = (0, 0) if pads is None else (pads[0][0], pads[1][0])
        n, c, h = x.shape[:3]
        off += (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
        off += ((np.arange(oh) * sh - pt) * w)[:, None] + (np.arange(ow) * sw - pl)
        dx = np.bincount(off.reshape(-1), weights=g.reshape(-1), minlength=x.size)
        return dx.astype(g.dtype, copy=False).reshape(x.shape)

    def _by_index(self, g, x):
        pt, pl = (0, 0) if self.pads is None else (self.pads[0][0], self.pads[1][0])
        flat = window_argmax(x, self.kh, self.kw, self.geom, pt, pl)[1].reshape(-1)
        dx = np.bincount(flat, weights=g.reshape(-1), minlength=x.size)
        return dx.astype(g.dtype, copy=False).reshape(x.shape)

    def _release_extra(self):
        self.out = None

    def _graph_backward(self, g, x):
        from .indexing import index_put
        xd = x._data
        pt, pl = (0, 0) if self.pads is None else (self.pads[0][0], self.pads[1][0])
        flat = _wrap(window_argmax(xd, self.kh, self.kw, self.geom, pt, pl)[1].reshape(-1))
        z = _wrap(np.zeros((xd.size,), g._data.dtype))
        return index_put(z, (flat,), g.reshape(-1), accumulate=True).reshape(xd.shape)
