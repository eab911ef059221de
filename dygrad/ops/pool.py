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
from ._window_args import ints, pool_args, pool_input, pool_out


def _batched(x, op, nd=2):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    pool_input(op, x, nd)
    if x._data.ndim == nd + 1:
        return x.unsqueeze(0), True
    return x, False


class MaxPoolBackward(Node):
    """Routes each output's gradient to the input position its index names; a window wholly
    in padding has index xd.size (one past the end), and its gradient is dropped."""
    __slots__ = ("flat_idx", "xshape")

    def backward(self, g):
        n, c, h, w = self.xshape
        size = n * c * h * w
        if isinstance(g, Tensor):
            from .indexing import index_put
            z = _wrap(np.zeros((size + 1,), g._data.dtype))
            dx = index_put(z, (_wrap(self.flat_idx.reshape(-1)),), g.reshape(-1), accumulate=True)
            return dx[:size].reshape(n, c, h, w)
        dx = np.bincount(self.flat_idx.reshape(-1), weights=g.reshape(-1), minlength=size)
        return dx[:size].astype(g.dtype, copy=False).reshape(n, c, h, w)


def _max_by_index(x, flat_idx, local_idx, unbatched, return_indices, vals=None):
    """Output = input values at flat_idx (global flat positions), or vals when given (windows
    wholly in padding); records MaxPoolBackward."""
    xd = x._data
    out = xd.reshape(-1)[flat_idx] if vals is None else vals
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
    return _max_pool(x, k, s, p, d, ceil_mode, return_indices, unbatched, "max_pool2d")


def _max_pool(x, k, s, p, d, ceil_mode, return_indices, unbatched, op):
    xd = x._data
    n, c, h, w = xd.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, s, p, d
    oh, ow = pool_out(op, (h, w), k, s, p, d, ceil_mode)
    geom = (sh, sw, dh, dw, oh, ow)
    fits = (oh - 1) * sh + dh * (kh - 1) < h and (ow - 1) * sw + dw * (kw - 1) < w
    if not (return_indices or ph or pw) and fits:
        return _max_over_taps(x, kh, kw, geom, unbatched)
    local, flat, vals = _maxpool.window_argmax(xd, kh, kw, geom, ph, pw)
    return _max_by_index(x, flat, local, unbatched, return_indices, vals)


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
    r = _max_pool(x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices, unbatched,
                  "max_pool1d")
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
    return _avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override, unbatched,
                     "avg_pool2d")


def _avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override, unbatched, op):
    xd = x._data
    n, c, h, w = xd.shape
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    oh, ow = pool_out(op, (h, w), k, s, p, (1, 1), ceil_mode)
    hp = max(h + 2 * ph, (oh - 1) * sh + kh)
    wp = max(w + 2 * pw, (ow - 1) * sw + kw)
    pads = ((ph, hp - h - ph), (pw, wp - w - pw))
    padded = hp != h or wp != w
    xp = _im2col.padded(xd, pads) if padded else xd
    total = _sum_over_taps(xp, kh, kw, (sh, sw, 1, 1, oh, ow))
    if padded:
        _buffers.give(xp)
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
    r = _avg_pool(x, (1, k), (1, s), (0, p), ceil_mode, count_include_pad, None, unbatched,
                  "avg_pool1d")
    return r.squeeze(-2)


def _adaptive_bounds(size, out):
    starts = [(i * size) // out for i in range(out)]
    ends = [-(-((i + 1) * size) // out) for i in range(out)]
    return starts, ends


def _adaptive_size(op, output_size, size):
    """output_size as ints (None keeps that input size); negative sizes are refused, while 0
    gives an empty result as in PyTorch."""
    nd = len(size)
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise RuntimeError(f"{op}: output_size must be {nd}, got {list(output_size)}")
        if nd == 1 and output_size[0] is None:
            raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, but found "
                            f"element of type NoneType at pos 0")
        out = tuple(n if o is None else o for o, n in zip(output_size, size))
    elif output_size is None:
        raise TypeError(f"{op}(): argument 'output_size' must be tuple of ints, not NoneType")
    else:
        out = (output_size,) * nd
    out = ints(out, nd, "output_size", op)
    if min(out) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 "
                           f"but received {list(out)}")
    return out


class _EmptyAdaptiveBackward(Node):
    """An adaptive pool with an output size of 0: the forward gives an empty result, and
    PyTorch's backward refuses an empty gradient."""
    __slots__ = ("op", "gshape")

    def backward(self, g):
        dim = next(i for i, n in enumerate(self.gshape) if n == 0 and i >= len(self.gshape) - 2)
        raise RuntimeError(
            f"{self.op}_backward(): Expected grad_output to have non-zero size for non-batch "
            f"dimensions, but grad_output has sizes {list(self.gshape)} with dimension {dim} "
            "being empty")


def _empty_adaptive(x, oh, ow, return_indices, unbatched, op):
    n, c = x._data.shape[:2]
    shape = (c, oh, ow) if unbatched else (n, c, oh, ow)
    r = _wrap(np.zeros(shape, x._data.dtype))
    if STATE.enabled and x._rg:
        node = _EmptyAdaptiveBackward((x._grad_node(),))
        node.op, node.gshape = op, shape
        r._rg, r.grad_fn = True, node
    idx = _wrap(np.zeros(shape, np.int64))
    return (r, idx) if return_indices else r


def _first_max_or_last_nan(flat):
    """PyTorch's adaptive max pool takes the first maximum of a window, or its last NaN."""
    isn = np.isnan(flat)
    a = flat.argmax(-1)
    if isn.any():
        last = flat.shape[-1] - 1 - isn[..., ::-1].argmax(-1)
        a = np.where(isn.any(-1), last, a)
    return a


def _global_mean(input, output_size, nd):
    """adaptive_avg_pool to size 1 is a mean, which PyTorch also takes over empty dimensions
    (giving nan)."""
    if not isinstance(input, Tensor) or input._data.ndim not in (nd + 1, nd + 2):
        return None
    if output_size != 1 and tuple(output_size if isinstance(output_size, (tuple, list))
                                  else (output_size,)) != (1,) * nd:
        return None
    if 0 not in input._data.shape[-nd:]:
        return None
    return input.mean(dim=tuple(range(-nd, 0)), keepdim=True)


def adaptive_avg_pool2d(input: Tensor, output_size: int | None | tuple[int | None, ...]) -> Tensor:
    """Average pooling to a fixed (H_out, W_out); None keeps that input size.

    Example::

        >>> import dygrad.nn.functional as F
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.adaptive_avg_pool2d(x, 1)
        tensor([[[[7.5000]]]])
        >>> F.adaptive_avg_pool2d(torch.ones(2, 3, 7, 5), (2, None)).shape
        torch.Size([2, 3, 2, 5])
    """
    r = _global_mean(input, output_size, 2)
    if r is not None:
        return r
    x, unbatched = _batched(input, "adaptive_avg_pool2d")
    n, c, h, w = x._data.shape
    oh, ow = _adaptive_size("adaptive_avg_pool2d", output_size, (h, w))
    if oh == 0 or ow == 0:
        return _empty_adaptive(x, oh, ow, False, unbatched, "adaptive_avg_pool2d")
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


def adaptive_max_pool2d(input: Tensor, output_size: int | None | tuple[int | None, ...],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling to a fixed (H_out, W_out); None keeps that input size.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), (1, 2))
        tensor([[[[13., 15.]]]])
    """
    x, unbatched = _batched(input, "adaptive_max_pool2d")
    xd = x._data
    n, c, h, w = xd.shape
    oh, ow = _adaptive_size("adaptive_max_pool2d", output_size, (h, w))
    if oh == 0 or ow == 0:
        return _empty_adaptive(x, oh, ow, return_indices, unbatched, "adaptive_max_pool2d")
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
            a = _first_max_or_last_nan(win.reshape(n, c, win.shape[2] * kw_))
            local[:, :, i, j] = (hs[i] + a // kw_) * w + ws[j] + a % kw_
    base = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    return _max_by_index(x, local + base, local, unbatched, return_indices)


def adaptive_avg_pool1d(input: Tensor, output_size: int | None | tuple[int | None, ...]) -> Tensor:
    """Average pooling whose windows are chosen to give exactly `output_size` positions.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_avg_pool1d(torch.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]]), 2)
        tensor([[[2., 5.]]])
    """
    r = _global_mean(input, output_size, 1)
    if r is not None:
        return r
    pool_input("adaptive_avg_pool1d", input, 1)
    (o,) = _adaptive_size("adaptive_avg_pool1d", output_size, input.shape[-1:])
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, o)).squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size: int | None | tuple[int | None, ...],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Max pooling whose windows give exactly `output_size` positions.

    Example::

        >>> import dygrad.nn.functional as F
        >>> F.adaptive_max_pool1d(torch.tensor([[[1.0, 5.0, 3.0, 4.0, 2.0, 6.0]]]), 2)
        tensor([[[5., 6.]]])
    """
    pool_input("adaptive_max_pool1d", input, 1)
    (o,) = _adaptive_size("adaptive_max_pool1d", output_size, input.shape[-1:])
    r = adaptive_max_pool2d(input.unsqueeze(-2), (1, o), return_indices)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


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
