"""Pooling: max (with indices), average and power-average pools (adaptive pools: pool_adaptive.py).

Both work tap by tap: one whole-array operation per kernel offset on the strided slice of the input
it touches (np.maximum / np.add forward; equality masks / strided adds backward), never a window
array. Max pooling with return_indices or padding builds PyTorch's indices instead (first maximum
of each window in row-major order) and routes the gradient with one bincount.
"""

import numpy as np

from .._tensor import Tensor, _wrap
from ._record import attach, record
from ..autograd.grad_mode import STATE
from ..autograd.node import Node
from . import _buffers, _im2col, _maxpool
from ._window_args import pool_args, pool_input, pool_out


def _batched(x, op, nd=2):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    pool_input(op, x, nd)
    if x._data.ndim == nd + 1:
        return x.unsqueeze(0), True
    return x, False


_TAPS_MIN = 4096   # elements from which a padded max pool goes tap by tap


def _shown(shape, drop):
    """shape without the dims in drop (the batch of an unbatched input, a 1-D pool's height):
    results are reshaped arrays, never views, so a traced function may return them."""
    return tuple([d for i, d in enumerate(shape) if i not in drop])


def max_pool2d(input: Tensor, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over sliding kH x kW windows of an (N, C, H, W) or (C, H, W) input.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
        >>> F.max_pool2d(x, 3, stride=1, padding=1).shape
        torch.Size([1, 1, 4, 4])
    """
    x, unbatched = _batched(input, "max_pool2d")
    k, s, p, d = pool_args("max_pool2d", kernel_size, stride, padding, dilation, 2)
    return _max_pool(x, k, s, p, d, ceil_mode, return_indices, (0,) if unbatched else (),
                     "max_pool2d")


def _max_pool(x, k, s, p, d, ceil_mode, return_indices, drop, op):
    xd = x._data
    n, c, h, w = xd.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    oh, ow = pool_out(op, (h, w), k, s, p, d, ceil_mode)
    geom = (sh, sw, dh, dw, oh, ow)
    pads = False if return_indices else _maxpool.tap_pads(xd.shape, kh, kw, geom, ph, pw)
    if pads and xd.size < _TAPS_MIN:
        pads = False  # a small padded input: the windowed argmax takes fewer NumPy calls
    oshape = _shown((n, c, oh, ow), drop)
    if pads is not False:
        return _maxpool.record_taps(x, kh, kw, geom, pads, oshape)
    return _maxpool.record_by_index(x, oshape, return_indices, _maxpool.window_argmax,
                                    (kh, kw, geom, ph, pw))


def max_pool1d(input: Tensor, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               dilation: int | tuple[int, ...] = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over sliding windows of the last dim of an (N, C, L) or (C, L) input; return_indices
    also gives the flat positions of the maxima.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 2)
        tensor([[[3., 5.]]])
        >>> F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2, return_indices=True)
        (tensor([[[3., 5.]]]), tensor([[[1, 3]]]))
    """
    pool_input("max_pool1d", input, 1)
    (k,), (s,), (p,), (d,) = pool_args("max_pool1d", kernel_size, stride, padding, dilation, 1)
    x = input.unsqueeze(-2)
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    return _max_pool(x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices,
                     (0, 2) if unbatched else (2,), "max_pool1d")


class AvgPoolBackward(Node):
    # divkey: the arguments of _divisor (constants: the node holds no array, so a capture
    # replays it as it is)
    __slots__ = ("xshape", "geom", "divkey")

    def backward(self, g):
        n, c, h, w = self.xshape
        kh, kw, sh, sw, ph, pw, oh, ow, hp, wp = self.geom
        g = g.reshape(n, c, oh, ow)  # (a 1-D or unbatched pool's output has fewer dims)
        if isinstance(g, Tensor):
            return _avg_backward_graph(self, g)
        gd = g / _divisor(*self.divkey)
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
    gd = g / _wrap(np.asarray(_divisor(*node.divkey), dtype=g._data.dtype))
    ones = _wrap(np.ones((c, 1, kh, kw), dtype=g._data.dtype))
    out_pad = (hp - ((oh - 1) * sh + kh), wp - ((ow - 1) * sw + kw))
    full = conv_transpose2d(gd, ones, None, (sh, sw), 0, out_pad, c)
    return full[:, :, ph:ph + h, pw:pw + w]


def _sum_over_taps(xp, kh, kw, geom):
    # integers are averaged in float64 (then truncated back), as the window sums could overflow
    acc = xp.dtype if xp.dtype.kind in "fV" else np.float64
    total = None
    for i in range(kh):
        for j in range(kw):
            t = _maxpool.tap(xp, i, j, geom)
            if total is None:
                total = t.astype(acc)
            else:
                total += t
    return total


def avg_pool2d(input: Tensor, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over sliding kH x kW windows; divisor_override replaces the window size as the divisor.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.avg_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    x, unbatched = _batched(input, "avg_pool2d")
    k, s, p, _ = pool_args("avg_pool2d", kernel_size, stride, padding, 1, 2)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    return _avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override,
                     (0,) if unbatched else (), "avg_pool2d")


def _avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override, drop, op):
    xd = x._data
    n, c, h, w = xd.shape
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    oh, ow = pool_out(op, (h, w), k, s, p, (1, 1), ceil_mode)
    hp = max(h + 2 * ph, (oh - 1) * sh + kh)
    wp = max(w + 2 * pw, (ow - 1) * sw + kw)
    geom = (kh, kw, sh, sw, ph, pw, oh, ow, hp, wp)
    divkey = (h, w, geom, count_include_pad, divisor_override, xd.dtype)
    oshape = _shown((n, c, oh, ow), drop)
    out = _avg_out(xd, geom, divkey, oshape)
    args = (x, geom, divkey, oshape)
    if STATE.enabled and x._rg:
        node = AvgPoolBackward((x._grad_node(),))
        node.xshape = xd.shape
        node.geom = geom
        node.divkey = divkey
        return attach(out, node, replay=_avg_out, args=args)
    return record(out, None, (), replay=_avg_out, args=args)[0]


def _avg_out(xd, geom, divkey, oshape):
    """The average pool of an array: the eager op and its replay kernel."""
    h, w = xd.shape[2:]
    kh, kw, sh, sw, ph, pw, oh, ow, hp, wp = geom
    pads = ((ph, hp - h - ph), (pw, wp - w - pw))
    padded = hp != h or wp != w
    xp = _im2col.padded(xd, pads) if padded else xd
    total = _sum_over_taps(xp, kh, kw, (sh, sw, 1, 1, oh, ow))
    if padded:
        _buffers.give(xp)
    return (total / _divisor(*divkey)).astype(xd.dtype, copy=False).reshape(oshape)


_DIVISORS = {}


def _divisor(h, w, geom, count_include_pad, divisor_override, dtype):
    """Each window's divisor, (OH, OW) (or a 0-d array); computed once per pool geometry.
    Read-only: it is shared."""
    key = (h, w, geom, count_include_pad, divisor_override, dtype)
    div = _DIVISORS.get(key)
    if div is not None:
        return div
    kh, kw, sh, sw, ph, pw, oh, ow, hp, wp = geom
    if divisor_override is not None:
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
        div = (dh_[:, None] * dw_[None, :]).astype(dtype)
    div.flags.writeable = False
    if len(_DIVISORS) > 256:
        _DIVISORS.clear()
    _DIVISORS[key] = div
    return div


def avg_pool1d(input: Tensor, kernel_size: int | tuple[int, ...],
               stride: int | tuple[int, ...] | None = None, padding: int | tuple[int, ...] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """Mean over sliding windows of the last dim of an (N, C, L) or (C, L) input.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.avg_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    pool_input("avg_pool1d", input, 1)
    (k,), (s,), (p,), _ = pool_args("avg_pool1d", kernel_size, stride, padding, 1, 1)
    x = input.unsqueeze(-2)
    unbatched = x._data.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    return _avg_pool(x, (1, k), (1, s), (0, p), ceil_mode, count_include_pad, None,
                     (0, 2) if unbatched else (2,), "avg_pool1d")


def lp_pool2d(input: Tensor, norm_type: float, kernel_size: int | tuple[int, ...],
              stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling (sum of x ** p over each kH x kW window) ** (1 / p).

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.lp_pool2d(torch.tensor([[[[3.0, 4.0], [0.0, 0.0]]]]), 2, 2)
        tensor([[[[5.]]]])
    """
    pool_input("lp_pool2d", input, 2)
    k, s, _, _ = pool_args("lp_pool2d", kernel_size, stride, 0, 1, 2)
    p = avg_pool2d(input ** norm_type, k, s, 0, ceil_mode)
    return (p.sign() * p.abs().relu()).mul(k[0] * k[1]) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size: int | tuple[int, ...],
              stride: int | tuple[int, ...] | None = None, ceil_mode: bool = False) -> Tensor:
    """Power-average pooling: (sum of x ** p over each window) ** (1 / p) along the last dim.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.lp_pool1d(torch.tensor([[[3.0, 4.0, 1.0, 0.0]]]), 2, 2)
        tensor([[[5., 1.]]])
    """
    pool_input("lp_pool1d", input, 1)
    (k,), s, _, _ = pool_args("lp_pool1d", kernel_size, stride, 0, 1, 1)
    p = avg_pool1d(input ** norm_type, k, s, 0, ceil_mode)
    return (p.sign() * p.abs().relu()).mul(k) ** (1.0 / norm_type)


# -- ONNX lowering (dygrad/onnx: `fn(g, call)` gives the ONNX value of the op's result) --------
from ._registry import rule as _rule  # noqa: E402


def _onnx_pool_attrs(c, n, extend=False):
    """kernel, strides and pads of a pooling call. ceil_mode: ONNX's rule for the last window
    differs from PyTorch's in older opsets, so the output PyTorch gave is reached by padding the
    end (`extend`, for max pooling, where padding never wins) or else refused (None)."""
    def tup(v):
        return [int(v)] * n if isinstance(v, int) else [int(a) for a in v]
    k = tup(c["kernel_size"])
    s = c.get("stride")
    s = k if s is None or (not isinstance(s, int) and len(s) == 0) else tup(s)
    p = tup(c.get("padding", 0))
    d = tup(c.get("dilation", 1))
    end = list(p)
    if c.get("ceil_mode", False):
        ins = c["input"].shape[-n:]
        outs = list(c.outs[0].shape[-n:])
        floor = [(i + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                 for i, pp, dd, kk, ss in zip(ins, p, d, k, s)]
        if outs != floor:
            if not extend:
                return None
            end = [pp + max(0, (o - 1) * ss + dd * (kk - 1) + 1 - (i + 2 * pp))
                   for i, o, pp, dd, kk, ss in zip(ins, outs, p, d, k, s)]
    return dict(kernel_shape=k, strides=s, pads=p + end), d


def _onnx_max_pool(g, c):
    x = c["input"]
    if c.get("return_indices", False) or x.dim() < 3:
        return None
    attrs, d = _onnx_pool_attrs(c, x.dim() - 2, extend=True)
    return g.op("MaxPool", [g.value(x)], dilations=d, **attrs)


def _onnx_avg_pool(g, c):
    x = c["input"]
    got = _onnx_pool_attrs(c, x.dim() - 2)
    if got is None or c.get("divisor_override") is not None or x.dim() < 3:
        return None
    attrs, _ = got
    return g.op("AveragePool", [g.value(x)],
                count_include_pad=int(bool(c.get("count_include_pad", True))), **attrs)


for _name in ("max_pool1d", "max_pool2d", "max_pool3d"):
    _rule("onnx", _name)(_onnx_max_pool)
for _name in ("avg_pool1d", "avg_pool2d", "avg_pool3d"):
    _rule("onnx", _name)(_onnx_avg_pool)
